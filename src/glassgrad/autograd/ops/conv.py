"""conv ops (being written)."""

from __future__ import annotations

TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {}
