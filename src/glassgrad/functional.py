"""glassgrad.functional (``F``): PyTorch's ``torch.nn.functional`` names.

Every function here is a differentiable op from ``glassgrad.autograd.ops``.
"""

from __future__ import annotations

from .autograd.ops import FUNCTIONAL
from .data.transforms import one_hot  # noqa: F401  (not differentiable: a data helper)

globals().update(FUNCTIONAL)
__all__ = sorted([*FUNCTIONAL, "one_hot"])
