"""torch.utils.hooks' name: ``RemovableHandle``, what every ``register_*_hook`` returns."""

from __future__ import annotations

from ..autograd.hooks import RemovableHandle

__all__ = ["RemovableHandle"]
