"""Comparison, logical and bitwise ops: no gradient flows through them (bool or integer
results), so they are plain numpy calls wrapped as Tensors without a graph node."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


# ------------------------------------------------------------------------------ comparisons
def _compare(ufunc):
    def fn(input, other):
        x = input._data if isinstance(input, Tensor) else np.asarray(input)
        y = other._data if isinstance(other, Tensor) else other
        return Tensor._from_op(np.asarray(ufunc(x, y)), None, ())

    fn.__name__ = ufunc.__name__
    fn.__doc__ = f"Elementwise {ufunc.__name__}; a bool tensor without gradient."
    return fn


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


_COMPARE = {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge}
TENSOR_METHODS = {**_COMPARE, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le,
                  "__gt__": gt, "__ge__": ge}
TORCH_FUNCTIONS = dict(_COMPARE)
FUNCTIONAL = {}
