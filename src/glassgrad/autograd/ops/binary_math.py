"""Binary math: clamp (number or tensor bounds), maximum, minimum, fmax, fmin, atan2,
copysign, hypot, logaddexp, logaddexp2 and xlogy. lerp, addcmul, addcdiv and float_power
are in ``combine.py``, whose dicts are merged into this module's.

Each backward returns the gradient at the output's shape (the driver sums it back to each
input's shape). Masks select the gradient (``_masks._select``), never multiply it. The
formulas use operators and numpy ufuncs only, so under create_graph they record a graph.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _dtype
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw, _select
from ._promote import _cast, _constant, _true_div, promote

_LN2 = math.log(2.0)  # a Python float: a numpy float64 scalar would promote float32 arrays


# ------------------------------------------------------------------------------ clamp, max, min
@register("clamp")
class Clamp(Function):
    """out = min(max(x, lo), hi); hi wins where lo > hi, and NaN stays NaN (torch's rules).

    Each bound is None, a number or a tensor. The gradients select (never 0 * inf = NaN):
    x gets grad where lo <= x <= hi; a tensor lo where x < lo < hi; a tensor hi where
    x > hi or hi < lo.
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = (_raw(a) for a in ctx.saved_tensors)
        nx, nlo, nhi = ctx.needs_input_grad
        gx = glo = ghi = None
        if nx:
            keep = x >= lo if lo is not None else x <= hi
            if lo is not None and hi is not None:
                keep = keep & (x <= hi)
            gx = _select(grad, keep)
        if nlo:
            below = x < lo
            glo = _select(grad, below if hi is None else below & (lo < hi))
        if nhi:
            above = x > hi
            ghi = _select(grad, above if lo is None else above | (hi < lo))
        return gx, glo, ghi


def _pairwise_grads(ctx, grad, x_loses, y_loses, tie):
    """maximum/minimum backward, torch's rule: a side that lost gets 0, a tie splits grad
    in half, and otherwise (also where a NaN made every comparison false) the side gets the
    whole grad, so a NaN sends the gradient to both sides."""
    half = tie * np.asarray(0.5, grad.dtype) if tie.any() else None

    def share(loses):
        s = (~loses).astype(grad.dtype)
        return _select(grad, s if half is None else s - half)

    nx, ny = ctx.needs_input_grad
    return (share(x_loses) if nx else None), (share(y_loses) if ny else None)


@register("maximum")
class Maximum(Function):
    """out = max(x, y), NaN if either is NaN. Ties split the gradient half and half, and a
    NaN sends it to both sides (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = np.maximum(x, y)
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _pairwise_grads(ctx, grad, x < y, x > y, x == y)


@register("minimum")
class Minimum(Function):
    """out = min(x, y). Ties and NaN share the gradient as for maximum."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _pairwise_grads(ctx, grad, x > y, x < y, x == y)


def _nan_ignoring_grads(ctx, grad, x_wins):
    """fmax/fmin backward, torch's rule: x gets the whole gradient where it was chosen
    (``x_wins``: x >= y for fmax, ties included, or y is NaN), y gets it elsewhere."""
    nx, ny = ctx.needs_input_grad
    return (_select(grad, x_wins) if nx else None), (_select(grad, ~x_wins) if ny else None)


@register("fmax")
class Fmax(Function):
    """out = max(x, y), ignoring a NaN on one side (NaN only where both are NaN). A tie gives
    the whole gradient to x, as in torch."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmax(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _nan_ignoring_grads(ctx, grad, (x >= y) | np.isnan(y))


@register("fmin")
class Fmin(Function):
    """out = min(x, y), ignoring a NaN on one side; a tie gives the gradient to x."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.fmin(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _nan_ignoring_grads(ctx, grad, (x <= y) | np.isnan(y))


# ------------------------------------------------------------------------------ two-argument math
@register("atan2")
class Atan2(Function):
    """out = atan2(y, x) (input y, other x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2),
    and both 0 at the origin (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        ny, nx = ctx.needs_input_grad
        r2 = x * x + y * y
        origin = _raw(r2) == 0  # at (0, 0) torch gives both gradients 0, not NaN
        if origin.any():
            g = _select(grad, ~origin) / np.where(origin, 1, r2)
        else:
            g = grad / r2
        return (g * x if ny else None), (-g * y if nx else None)


@register("copysign")
class Copysign(Function):
    """out = |x| with the sign of y. d/dx = out / x (+-1), and 0 at x = 0 as in torch; the
    sign of y is piecewise constant: d/dy = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = np.copysign(x, y)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = (_raw(a) for a in ctx.saved_tensors)
        nx, ny = ctx.needs_input_grad
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(x == 0, 0, out / np.where(x == 0, 1, x)).astype(grad.dtype)
        gx = _select(grad, ratio) if nx else None
        return gx, (_select(grad, np.zeros(grad.shape, bool)) if ny else None)


@register("hypot")
class Hypot(Function):
    """out = sqrt(x^2 + y^2): d/dx = x / out, d/dy = y / out."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = np.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        return (grad * x / out if nx else None), (grad * y / out if ny else None)


@register("logaddexp")
class Logaddexp(Function):
    """out = log(exp(x) + exp(y)): d/dx = 1 / (1 + exp(y - x)), d/dy = 1 / (1 + exp(x - y))
    (an overflowing exp gives the 0 it should)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.logaddexp(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        with np.errstate(over="ignore"):
            return ((grad / (1 + np.exp(y - x)) if nx else None),
                    (grad / (1 + np.exp(x - y)) if ny else None))


@register("logaddexp2")
class Logaddexp2(Function):
    """out = log2(2^x + 2^y): d/dx = 1 / (1 + 2^(y - x)), d/dy = 1 / (1 + 2^(x - y))."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.logaddexp2(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        with np.errstate(over="ignore"):
            return ((grad / (1 + np.exp((y - x) * _LN2)) if nx else None),
                    (grad / (1 + np.exp((x - y) * _LN2)) if ny else None))


@register("xlogy")
class Xlogy(Function):
    """out = x log(y), and 0 where x = 0 (unless y is NaN). d/dx = log(y), 0 where x = 0 and
    y <= 0 (torch's rule, no -inf or NaN there); d/dy = x / y."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), np.zeros((), out.dtype), out)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        if nx:
            gx = xlogy(grad, y)  # grad * log(y), 0 where grad is 0
            off = (_raw(x) == 0) & (_raw(y) <= 0)
            if off.any():
                gx = np.where(off, 0, gx)
        if ny:
            gy = grad * x / y
        return gx, gy


# ------------------------------------------------------------------------------ functions
def clamp(input, min=None, max=None):  # noqa: A002
    """min(max(input, min), max). Bounds are numbers or tensors (broadcast against input,
    and given gradients); the result has the promoted dtype of all three, as in torch."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of min and max must be given")
    x = as_tensor(input)
    lo = min if min is None or isinstance(min, Tensor) else _constant(min)
    hi = max if max is None or isinstance(max, Tensor) else _constant(max)
    dt = _dtype.result_type(x, *(b for b in (lo, hi) if b is not None))
    return Clamp.apply(_cast(x, dt), _cast(lo, dt), _cast(hi, dt))


clip = clamp


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def maximum(input, other):
    return Maximum.apply(*promote(input, other))


def minimum(input, other):
    return Minimum.apply(*promote(input, other))


def _tensor_pair(op, input, other):
    """fmax/fmin take two tensors (torch refuses a Python number), promoted."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}: both arguments must be Tensors, got "
                        f"{type(input).__name__} and {type(other).__name__}")
    return promote(input, other)


def fmax(input, other):
    return Fmax.apply(*_tensor_pair("fmax", input, other))


def fmin(input, other):
    return Fmin.apply(*_tensor_pair("fmin", input, other))


def _float_pair(op, input, other, integers=True):
    """Operands promoted, integers (and bools) in the default float dtype; ``integers=False``
    refuses them as torch does (NotImplementedError, a RuntimeError)."""
    x, y = promote(input, other)
    if x._data.dtype.kind != "f" and not integers:
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype} (shapes "
                                  f"{tuple(x.shape)} and {tuple(np.shape(_raw(y)))}); "
                                  "convert to float first")
    x, y = _true_div(x, y) if x._data.dtype.kind != "f" else (x, y)
    if not isinstance(y, Tensor):  # a number as a 0-d array of x's dtype (np.log(2.0) would
        y = np.asarray(y, x._data.dtype)  # be a float64 scalar and promote float32 arrays)
    return x, y


def _swap(input, other):
    """(input, other) with a non-Tensor input made a constant of other's dtype."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        y, x = promote(other, input)
        if not isinstance(x, Tensor):
            x = as_tensor(np.asarray(x, dtype=y._data.dtype))
        return x, y
    return input, other


def atan2(input, other):
    return Atan2.apply(*_float_pair("atan2", *_swap(input, other)))


def copysign(input, other):
    return Copysign.apply(*_float_pair("copysign", *_swap(input, other)))


def hypot(input, other):
    return Hypot.apply(*_float_pair("hypot", *_swap(input, other), integers=False))


def logaddexp(input, other):
    return Logaddexp.apply(*_float_pair("logaddexp", *_swap(input, other), integers=False))


def logaddexp2(input, other):
    return Logaddexp2.apply(*_float_pair("logaddexp2", *_swap(input, other), integers=False))


def xlogy(input, other):
    return Xlogy.apply(*_float_pair("xlogy", *_swap(input, other)))


TENSOR_METHODS = {
    "clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin, "atan2": atan2,
    "arctan2": atan2, "copysign": copysign, "hypot": hypot, "logaddexp": logaddexp,
    "logaddexp2": logaddexp2, "xlogy": xlogy,
}
TORCH_FUNCTIONS = dict(TENSOR_METHODS)
FUNCTIONAL = {}
SPECIAL = {"xlogy": xlogy}
NUMPY_UFUNCS = {np.fmax: fmax, np.fmin: fmin, np.arctan2: atan2, np.copysign: copysign,
                np.hypot: hypot, np.logaddexp: logaddexp, np.logaddexp2: logaddexp2}
NUMPY_FUNCTIONS = {np.clip: lambda a, a_min=None, a_max=None: clamp(a, a_min, a_max)}
