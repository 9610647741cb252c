"""(being written for issue 12)"""

from __future__ import annotations

TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
