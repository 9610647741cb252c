"""PyTorch, the reference implementation, or None where it is not installed.

Test modules import ``torch`` from here instead of importing it directly; conftest.py then
skips, with a reason, exactly the tests that use it, and the rest of the module still runs.
"""

try:
    import torch
except ModuleNotFoundError:  # torch is a test reference only, never a glassgrad dependency
    torch = None

__all__ = ["torch"]
