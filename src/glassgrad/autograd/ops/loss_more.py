"""(being written for issue 11)"""

from __future__ import annotations

TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
