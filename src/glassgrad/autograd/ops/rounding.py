"""Rounding, sign and remainder: sign, sgn, floor, ceil, round(decimals=), trunc, frac, fmod,
remainder, floor_divide (``//``), div with a rounding mode, and nan_to_num.

The rounding ops are piecewise constant: their gradient is 0 everywhere (torch's rule, also
at the jumps), registered so the registry checks it. frac, fmod and remainder pass the
gradient to x unchanged; fmod and remainder give y -trunc(x / y) and -floor(x / y).
Integer inputs keep their dtype where torch keeps it (floor of an int64 tensor is int64),
and integer division by zero raises as in torch.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw, _select, _sign
from ._promote import promote, to


def _zeros(grad):
    """A zero gradient at grad's shape, selected (so an inf upstream gives 0, not NaN)."""
    return _select(grad, np.zeros(grad.shape, bool))


class Flat(Function):
    """out = f(x) for a piecewise-constant f: the gradient is 0 (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, *args):
        return type(ctx).f(x, *args)

    @staticmethod
    def backward(ctx, grad):
        return (_zeros(grad), *(None,) * (len(ctx.needs_input_grad) - 1))


def _round(x, decimals=0):
    """Half to even, as torch: x * 10^d rounded, then / 10^d (for d < 0: / then *)."""
    if decimals == 0:
        return np.rint(x)
    scale = np.asarray(10.0 ** abs(decimals), x.dtype)
    if decimals > 0:
        return np.rint(x * scale) / scale
    return np.rint(x / scale) * scale


def _trunc_divide(x, y):
    """x / y rounded toward zero: trunc of the quotient for floats, exact for integers."""
    if np.result_type(x, y).kind == "f":
        return np.trunc(x / y)
    q = np.floor_divide(x, y)
    inexact = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
    return q + inexact.astype(q.dtype)


def _sign_float(x):
    return _sign(x).astype(x.dtype)  # 0 at NaN and at -0.0, as torch


_FLAT = {"sign": _sign_float, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
         "round": _round}
FLAT_CLASSES = {
    name: register(name)(type(name.capitalize(), (Flat,), {"__slots__": (), "f": staticmethod(f)}))
    for name, f in _FLAT.items()}


@register("div_rounding")
class DivRounding(Function):
    """out = x / y rounded toward zero ("trunc") or down ("floor"); gradient 0 for both
    inputs, as torch's div with a rounding mode."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y, mode):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _trunc_divide(x, y) if mode == "trunc" else np.floor_divide(x, y)

    @staticmethod
    def backward(ctx, grad):
        nx, ny, _ = ctx.needs_input_grad
        return (_zeros(grad) if nx else None), (_zeros(grad) if ny else None), None


class FloorDivide(Function):
    """x // y. torch gives it no derivative: backward raises, as torch's does."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(x, y)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("floor_divide: the derivative is not implemented (as in torch); "
                           "use torch.div(x, y, rounding_mode='floor'), whose gradient is 0")


@register("frac")
class Frac(Function):
    """out = x - trunc(x); the gradient passes unchanged."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class _Remainder(Function):
    """out = x - q(x / y) y; d/dx = 1, d/dy = -q(x / y), with q = trunc (fmod) or floor."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return type(ctx).f(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        nx, ny = ctx.needs_input_grad
        gy = None
        if ny:
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = -grad * type(ctx).q(x, y)
        return (grad if nx else None), gy


@register("fmod")
class Fmod(_Remainder):
    __slots__ = ()
    f = staticmethod(np.fmod)
    q = staticmethod(lambda x, y: np.trunc(x / y))


def _remainder(x, y):
    """x mod y with y's sign, as torch computes it: fmod, plus y where the signs differ (so
    a zero keeps fmod's sign, where numpy's remainder gives y's)."""
    if np.result_type(x, y).kind != "f":
        return np.remainder(x, y)
    mod = np.fmod(x, y)
    shift = (mod != 0) & ((np.asarray(y) < 0) != (mod < 0))
    return np.where(shift, mod + y, mod) if shift.any() else mod


@register("remainder")
class Remainder(_Remainder):
    __slots__ = ()
    f = staticmethod(_remainder)
    q = staticmethod(np.floor_divide)  # torch: self.div(other, rounding_mode="floor")


@register("nan_to_num")
class NanToNum(Function):
    """NaN, +inf and -inf replaced by numbers; the gradient passes where x was finite and is
    0 at the replaced elements (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _select(grad, np.isfinite(_raw(x))), None, None, None


# ------------------------------------------------------------------------------ functions
def _not_for(op, x, kinds):
    if x._data.dtype.kind in kinds:
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype} (shape "
                                  f"{tuple(x.shape)}), as in torch")


def _flat(name):
    cls = FLAT_CLASSES[name]

    def fn(input):
        x = as_tensor(input)
        if x._data.dtype.kind != "f":  # integers are their own floor, sign keeps the dtype
            _not_for(name, x, "b" if name != "sign" else "")
            out = _sign(x._data).astype(x._data.dtype) if name == "sign" else x._data.copy()
            return Tensor._from_op(out, None, ())
        return cls.apply(x)

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}; gradient 0, as in torch."
    return fn


sign = _flat("sign")
floor = _flat("floor")
ceil = _flat("ceil")
trunc = _flat("trunc")
sgn = sign  # the same for real tensors (complex tensors are out of scope)


def round(input, *, decimals=0):  # noqa: A001
    """Round half to even, to ``decimals`` places (negative: to tens, hundreds, ...)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        if decimals != 0:
            _not_for("round(decimals=)", x, "iub")
        _not_for("round", x, "b")
        return Tensor._from_op(x._data.copy(), None, ())
    return FLAT_CLASSES["round"].apply(x, int(decimals))


def frac(input):
    x = as_tensor(input)
    _not_for("frac", x, "iub")
    return Frac.apply(x)


def _operands(op, input, other):
    """Promoted operands (a Python-number input made a 0-d constant), and the integer
    division-by-zero error torch raises."""
    if not isinstance(input, Tensor):
        y, x = promote(other, input)
        x = as_tensor(np.asarray(x, dtype=y._data.dtype))
    else:
        x, y = promote(input, other)
    if x._data.dtype.kind in "iub" and np.any(np.asarray(_raw(y)) == 0):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero; shapes "
                           f"{tuple(x.shape)} and {tuple(np.shape(_raw(y)))})")
    return x, y


def fmod(input, other):
    return Fmod.apply(*_operands("fmod", input, other))


def remainder(input, other):
    return Remainder.apply(*_operands("remainder", input, other))


def floor_divide(input, other):
    x, y = _operands("floor_divide", input, other)
    if x._data.dtype == bool:
        raise RuntimeError("floor_divide: not implemented for bool tensors, as in torch")
    return FloorDivide.apply(x, y)


def div_rounding(input, other, rounding_mode):
    """div with rounding_mode "trunc" or "floor" (``div`` in elementwise.py calls this)."""
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or "
                         f"'floor' but found {rounding_mode!r}")
    x, y = _operands("div", input, other)
    if x._data.dtype == bool:
        x, y = to(x, np.int64), (to(y, np.int64) if isinstance(y, Tensor) else y)
    return DivRounding.apply(x, y, rounding_mode)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``; +-inf -> ``posinf`` / ``neginf`` (default: the dtype's largest and
    lowest finite values). Integer tensors are returned as they are."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        return Tensor._from_op(x._data.copy(), None, ())
    info = np.finfo(x._data.dtype)
    return NanToNum.apply(x, float(nan), info.max if posinf is None else float(posinf),
                          info.min if neginf is None else float(neginf))


def _rfloordiv(input, other):
    return floor_divide(other, input)


def signbit(input):
    """True where the sign bit is set: negative numbers, -0.0 and -inf (no gradient)."""
    x = as_tensor(input)
    return Tensor._from_op(np.signbit(x._data), None, ())


def positive(input):
    """input itself, as torch.positive (refused for bool, as torch)."""
    x = as_tensor(input)
    if x._data.dtype == bool:
        raise TypeError("positive: not supported for bool tensors (the unary + operator)")
    return x


def _rmod(input, other):
    return remainder(other, input)


_FNS = {"sign": sign, "sgn": sgn, "floor": floor, "ceil": ceil, "trunc": trunc, "fix": trunc,
        "round": round, "frac": frac, "fmod": fmod, "remainder": remainder,
        "floor_divide": floor_divide, "nan_to_num": nan_to_num, "signbit": signbit,
        "positive": positive}
TENSOR_METHODS = {**_FNS, "__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv,
                  "__mod__": remainder, "__rmod__": _rmod}
TORCH_FUNCTIONS = dict(_FNS)
FUNCTIONAL = {}
SPECIAL = {"round": round}
NUMPY_UFUNCS = {np.fmod: fmod, np.remainder: remainder, np.floor_divide: floor_divide}
