"""Shared by the elementwise op modules: torch's type promotion (``promote``), casts
(``to``, the registered "to" op), constants and the in-place helper. Kept apart from
``elementwise.py`` so every op module can import it without an import cycle."""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from ..._dtype import to_dtype
from ..function import Function, register
from ..inplace import run as inplace_run
from ..tensor import Tensor, as_tensor


@register("to")
class Cast(Function):
    """out = x in another dtype; the gradient is cast back to x's dtype."""

    __slots__ = ("dtype",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype), None


def _constant(other):
    """A non-Tensor operand as numpy should see it: Python scalars stay Python scalars
    (numpy treats them as weak, as torch treats its wrapped numbers), numpy scalars become
    Python scalars (which torch also wraps), and lists become arrays with torch's dtypes
    (Python floats in the default float dtype)."""
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, (np.ndarray, numbers.Number)):
        return other
    arr = np.asarray(other)
    return arr.astype(_dtype.infer_dtype(arr, True, other), copy=False)


def _cast(y, dt):
    """An operand (Tensor, array or Python scalar) in dtype ``dt``; scalars stay as they are."""
    if isinstance(y, Tensor):
        return y if y._data.dtype == dt else to(y, dt)
    if isinstance(y, np.ndarray) and y.dtype != dt:
        return y.astype(dt)
    return y


def promote(input, other):
    """Both operands of a binary op, cast to the dtype torch computes it in
    (``_dtype.result_type``): a Python scalar or a 0-d tensor counts by its category only
    (float32 * 0-d float64 stays float32, int32 + 0-d int64 stays int32), a float beats
    every integer dtype as it is (int64 + float32 -> float32), and a Python float meeting
    an integer tensor gives the default float dtype. A Python scalar is returned as it is.
    """
    t = type(other)
    if (t is float or t is int) and isinstance(input, Tensor) and input._data.dtype.kind == "f":
        return input, other  # the common case, decided without further calls
    x = input if isinstance(input, Tensor) else as_tensor(input)
    y = other if isinstance(other, Tensor) else _constant(other)
    if isinstance(y, Tensor) and y._data.dtype == x._data.dtype:
        return x, y
    dt = _dtype.result_type(x, y)
    return _cast(x, dt), _cast(y, dt)


def to(input, *args, dtype=None, copy=False, **kwargs):
    """``x.to(dtype)``; devices other than "cpu" are refused (glassgrad runs on numpy)."""
    for a in args:
        if isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps"):
            if a != "cpu":
                raise RuntimeError(f"to: glassgrad runs on the CPU only; got device {a!r}")
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    device = kwargs.pop("device", None)
    if device not in (None, "cpu"):
        raise RuntimeError(f"to: glassgrad runs on the CPU only; got device {device!r}")
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    x = as_tensor(input)
    dt = to_dtype(dtype)
    if dt is None or (dt == x.dtype and not copy):
        return x
    return Cast.apply(x, dt)


def _true_div(input, other):
    """The operands of a true division: promoted, and integers (and bools) in the default
    float dtype, as in torch (int64 / int64 -> float32)."""
    x, y = promote(input, other)
    if x._data.dtype.kind != "f":
        dt = _dtype.get_default_dtype()
        x, y = to(x, dt), _cast(y, dt)
    return x, y


def _floating(op, input):
    """The input of an op torch defines for floating point only, or a clear error."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype} (shape "
                        f"{tuple(x.shape)}); convert it with .float() first")
    return x


def _in_place(op, fn, input, *args):
    """``input <- fn(input, *args)`` for a functional's ``inplace=True``, recorded on the
    graph as every in-place op is (``autograd.inplace``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: inplace=True needs a Tensor to change, got "
                        f"{type(input).__name__}")
    return inplace_run(input, op, fn, args)
