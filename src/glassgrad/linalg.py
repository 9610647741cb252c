"""glassgrad.linalg: PyTorch's ``torch.linalg`` names.

Every function here is an op from ``glassgrad.autograd.ops`` (each op module lists its own
in ``LINALG``).
"""

from __future__ import annotations

from .autograd.ops import LINALG

globals().update(LINALG)
__all__ = sorted(LINALG)
