"""Skip the tests that compare with PyTorch when torch is not installed (and only those)."""

import types

import pytest

from torch_ref import torch

TORCH_NAMES = {"torch", "TF"}  # TF: torch.nn.functional in the test modules


def _uses_torch(code, module, seen):
    """Does this code, a nested function of it, or a module-level helper it calls use torch?"""
    if id(code) in seen:
        return False
    seen.add(id(code))
    if TORCH_NAMES.intersection(code.co_names) or "torch" in code.co_varnames:
        return True
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and _uses_torch(const, module, seen):
            return True
    for name in code.co_names:
        obj = getattr(module, name, None)
        if isinstance(obj, types.FunctionType) and obj.__module__ == module.__name__:
            if _uses_torch(obj.__code__, module, seen):
                return True
    return False


def pytest_collection_modifyitems(config, items):
    if torch is not None:
        return
    skip = pytest.mark.skip(reason="torch is not installed: PyTorch reference test")
    for item in items:
        fn = getattr(item, "function", None)
        if fn is not None and _uses_torch(fn.__code__, item.module, set()):
            item.add_marker(skip)
