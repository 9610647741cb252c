"""glassgrad.special: PyTorch's ``torch.special`` names.

Every function here is an op from ``glassgrad.autograd.ops`` (each op module lists its own
in ``SPECIAL``).
"""

from __future__ import annotations

from .autograd.ops import SPECIAL

globals().update(SPECIAL)
__all__ = sorted(SPECIAL)
