"""glassgrad.functional (``F``): PyTorch's ``torch.nn.functional`` names.

Every function here is a differentiable op from ``glassgrad.autograd.ops``.
"""

from __future__ import annotations

from .autograd.ops import FUNCTIONAL

globals().update(FUNCTIONAL)
__all__ = sorted(FUNCTIONAL)
