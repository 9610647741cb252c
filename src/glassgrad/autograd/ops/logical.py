"""Comparison, logical and bitwise ops: no gradient flows through them (bool or integer
results), so they are plain numpy calls wrapped as Tensors without a graph node.

Comparisons and bitwise ops promote their operands as torch does (``_dtype.result_type``),
so int8 < 2.5 compares in float; bitwise ops and shifts refuse floating tensors with a
TypeError, as torch does.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from ..tensor import Tensor, as_tensor
from ._promote import _constant


def _const(a):
    return Tensor._from_op(np.asarray(a), None, ())


def _arrays(input, other):
    """Both operands as arrays (a Python number stays a number) in their torch result dtype."""
    x = input if isinstance(input, Tensor) else as_tensor(_constant(input))
    y = other if isinstance(other, (Tensor, numbers.Number)) else _constant(other)
    dt = _dtype.result_type(x, y)
    xa = x._data if x._data.dtype == dt else x._data.astype(dt)
    if isinstance(y, Tensor):
        y = y._data
    if isinstance(y, np.ndarray) and y.dtype != dt:
        y = y.astype(dt)
    return xa, y, dt


# ------------------------------------------------------------------------------ comparisons
def _compare(ufunc, name):
    def fn(input, other):
        if other is None or isinstance(other, (str, bytes)):  # t == None is False, as torch
            return _const(ufunc(_raw(input), np.asarray(other, dtype=object)).astype(bool))
        x, y, _ = _arrays(input, other)
        return _const(ufunc(x, y))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; a bool tensor without gradient."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def _raw(a):
    return a._data if isinstance(a, Tensor) else np.asarray(a)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol |other|, elementwise (torch's rule; same dtypes)."""
    x, y = as_tensor(input), as_tensor(other)
    if x.dtype != y.dtype:
        raise RuntimeError(f"isclose: {x.dtype} did not match {y.dtype} (shapes "
                           f"{tuple(x.shape)} and {tuple(y.shape)})")
    a, b = x._data, y._data
    if a.dtype == bool:
        return _const(a == b)
    if a.dtype.kind != "f":
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return _const(out)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is close (``isclose``); a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True when both have the same shape and the same values (a Python bool)."""
    a, b = _raw(input), _raw(other)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def isnan(input):
    return _const(np.isnan(_raw(input)))


def isinf(input):
    return _const(np.isinf(_raw(input)))


def isfinite(input):
    return _const(np.isfinite(_raw(input)))


def isposinf(input):
    return _const(np.isposinf(_raw(input)))


def isneginf(input):
    return _const(np.isneginf(_raw(input)))


def isreal(input):
    return _const(np.ones(_raw(input).shape, bool))  # complex tensors are out of scope


def count_nonzero(input, dim=None):
    """The number of nonzero elements, in all of input or along ``dim`` (int or tuple)."""
    a = _raw(input)
    if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 0:
        dim = None  # dim=() counts over every dim, as torch
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        for d in dims:
            if not -max(a.ndim, 1) <= d < max(a.ndim, 1):
                raise IndexError(f"count_nonzero: dim {d} is out of range for a tensor of "
                                 f"shape {a.shape}")
        dim = tuple(d % max(a.ndim, 1) for d in dims) if a.ndim else None
    return _const(np.count_nonzero(a, axis=dim).astype(np.int64))


# ------------------------------------------------------------------------------ logical
def logical_and(input, other):
    return _const(np.logical_and(_raw(input), _raw(other)))


def logical_or(input, other):
    return _const(np.logical_or(_raw(input), _raw(other)))


def logical_xor(input, other):
    return _const(np.logical_xor(_raw(input), _raw(other)))


def logical_not(input):
    return _const(np.logical_not(_raw(input)))


# ------------------------------------------------------------------------------ bitwise
def _bitwise(ufunc, name):
    def fn(input, other):
        x, y, dt = _arrays(input, other)
        if dt.kind not in "iub" or (name.endswith("shift") and dt.kind == "b"):
            raise TypeError(f"{name}: not implemented for dtype {np.dtype(dt).name} (shapes "
                            f"{np.shape(x)} and {np.shape(y)}); it needs integer or bool "
                            "tensors")
        return _const(np.asarray(ufunc(x, y)).astype(dt, copy=False))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name} of integer or bool tensors."
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(np.left_shift, "bitwise_left_shift")
bitwise_right_shift = _bitwise(np.right_shift, "bitwise_right_shift")


def bitwise_not(input):
    a = _raw(input)
    if a.dtype.kind not in "iub":
        raise TypeError(f"bitwise_not: not implemented for dtype {a.dtype} (shape {a.shape}); "
                        "it needs an integer or bool tensor")
    return _const(np.invert(a))


def _reflected(fn):
    def r(input, other):
        return fn(other, input)

    r.__name__ = "r" + fn.__name__
    return r


_COMPARE = {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt,
            "less": lt, "greater_equal": ge, "less_equal": le, "not_equal": ne}
_FNS = {
    **_COMPARE, "isclose": isclose, "allclose": allclose, "equal": equal, "isnan": isnan,
    "isinf": isinf, "isfinite": isfinite, "isposinf": isposinf, "isneginf": isneginf,
    "isreal": isreal, "count_nonzero": count_nonzero, "logical_and": logical_and,
    "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
    "bitwise_not": bitwise_not, "bitwise_left_shift": bitwise_left_shift,
    "bitwise_right_shift": bitwise_right_shift,
}
TENSOR_METHODS = {
    **_FNS, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt,
    "__ge__": ge, "__and__": bitwise_and, "__or__": bitwise_or, "__xor__": bitwise_xor,
    "__invert__": bitwise_not, "__lshift__": bitwise_left_shift,
    "__rshift__": bitwise_right_shift, "__rand__": _reflected(bitwise_and),
    "__ror__": _reflected(bitwise_or), "__rxor__": _reflected(bitwise_xor),
    "__rlshift__": _reflected(bitwise_left_shift),
    "__rrshift__": _reflected(bitwise_right_shift),
}
TORCH_FUNCTIONS = dict(_FNS)
FUNCTIONAL = {}
NUMPY_UFUNCS = {np.logical_xor: logical_xor, np.bitwise_xor: bitwise_xor,
                np.invert: bitwise_not, np.isposinf: isposinf, np.isneginf: isneginf}
