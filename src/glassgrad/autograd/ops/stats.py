"""Statistics: var and std (with ``correction=``), var_mean, std_mean, aminmax, nansum,
nanmean, quantile and nanquantile; also the numpy calls (np.sum, np.var, ...) on Tensors for
all the reductions.

var and std: d var / d x = 2 (x - mean) / (n - correction); std sends a zero gradient where
the result is 0 (all elements equal), and n - correction <= 0 degrees of freedom give nan or
inf with a warning, as in torch.

quantile sorts each slice (NaN last, stably: sorting.py) and interpolates between the two
sorted neighbours of rank q (n - 1): ``linear`` (torch's lerp), ``lower``, ``higher``,
``nearest`` (round half to even) or ``midpoint``. The gradient goes to those two elements
with weights 1 - w and w. A slice holding a NaN has quantile NaN (nanquantile skips NaNs; an
all-NaN slice gives NaN).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw
from ._util import expand_reduced, pick_keepdim
from .elementwise import where
from .reduce import (
    Amax,
    Amin,
    Mean,
    Prod,
    Sum,
    _cast,
    _constant,
    _count,
    _dims,
    _floating,
    _nonempty,
    _np_axes,
    _zero,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    return_types,
)
from .sorting import Sort, ValueSelectingBackward, _argsort, _one_dim


# ------------------------------------------------------------------------------ var, std
def _dof(op, shape, axes, correction):
    """Degrees of freedom n - correction, clamped at 0 (torch warns, then gives nan/inf)."""
    dof = _count(shape, axes) - correction
    if dof <= 0:
        warnings.warn(f"{op}: degrees of freedom is <= 0 (n={_count(shape, axes)}, "
                      f"correction={correction}); the result is nan or inf", stacklevel=5)
        return 0
    return dof


def _over_dof(s, dof):
    """s / dof, where dof == 0 gives inf (or nan for 0 / 0) as in torch."""
    if dof == 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            return s * np.inf
    return s / dof


def _deviation(x, axes):
    """x - mean(x) over ``axes``, computed from data shifted by the first element of each
    slice: a constant slice (also one made by expand) gives exact zeros, so var and std are
    exactly 0 there, as torch. The shift is a constant; it cancels in the derivative."""
    data = _raw(x)
    first = tuple(slice(0, 1) if axes is None or i in axes else slice(None)
                  for i in range(data.ndim))
    y = x - data[first]
    return y - y.mean(axis=axes, keepdims=True)


@register("var")
class Var(Function):
    """out = sum((x - mean)^2) / (n - correction);
    d out / d x = 2 (x - mean) / (n - correction)."""

    __slots__ = ("shape", "axes", "keepdim", "dof")

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.dof = _dof("var", x.shape, axes, correction)
        ctx.save_for_backward(x)
        d = _deviation(x, axes)
        return _over_dof((d * d).sum(axis=axes, keepdims=keepdim), ctx.dof)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        d = _deviation(x, ctx.axes)
        return _over_dof(2 * g * d, ctx.dof), None, None, None


@register("std")
class Std(Function):
    """out = sqrt(var(x));  d out / d x = (x - mean) / ((n - correction) out), and 0 where
    out = 0 (all elements equal), as torch does."""

    __slots__ = ("shape", "axes", "keepdim", "dof")

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.dof = _dof("std", x.shape, axes, correction)
        d = _deviation(x, axes)
        out = np.sqrt(_over_dof((d * d).sum(axis=axes, keepdims=keepdim), ctx.dof))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        o = expand_reduced(out, ctx.shape, ctx.axes, ctx.keepdim)
        flat = _raw(o) == 0
        d = _deviation(x, ctx.axes)
        gx = _over_dof(g * d / np.where(flat, 1, o), ctx.dof)
        return np.where(flat, _zero(gx), gx), None, None, None


def _var_args(op, input, dim, unbiased, correction, axis):
    if isinstance(dim, bool):  # torch's var(input, unbiased)
        if unbiased is not None:
            raise TypeError(f"{op}: got unbiased twice ({dim!r} and {unbiased!r})")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased or correction, not both (got unbiased={unbiased}, "
                        f"correction={correction})")
    if correction is None:
        correction = 0 if unbiased is False else 1
    x = as_tensor(input)
    _floating(x, op)
    return x, _dims(dim, axis, x.ndim, op), correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Variance with Bessel's correction by default (correction=1, i.e. unbiased=True)."""
    x, axes, c = _var_args("var", input, dim, unbiased, correction, axis)
    return Var.apply(x, axes, c, pick_keepdim(keepdim, keepdims))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Standard deviation, sqrt(var); correction=1 (unbiased) by default."""
    x, axes, c = _var_args("std", input, dim, unbiased, correction, axis)
    return Std.apply(x, axes, c, pick_keepdim(keepdim, keepdims))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over the same dims, as a plain tuple (torch's)."""
    x, axes, c = _var_args("var_mean", input, dim, unbiased, correction, None)
    return Var.apply(x, axes, c, keepdim), Mean.apply(x, axes, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over the same dims, as a plain tuple (torch's)."""
    x, axes, c = _var_args("std_mean", input, dim, unbiased, correction, None)
    return Std.apply(x, axes, c, keepdim), Mean.apply(x, axes, keepdim)


# ------------------------------------------------------------------------------ aminmax, nan*
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) as ``return_types.aminmax``; ties share each gradient evenly (amin, amax)."""
    x = as_tensor(input)
    d = () if dim is None else dim
    return return_types.aminmax(amin(x, d, keepdim), amax(x, d, keepdim))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum treating NaN as 0; NaN elements get a zero gradient."""
    x = _cast(as_tensor(input), dtype)
    axes = _dims(dim, None, x.ndim, "nansum")
    if x.dtype.kind == "f":
        x = where(np.isnan(x._data), 0.0, x)
    return Sum.apply(x, axes, keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the non-NaN elements (NaN where there are none)."""
    x = _cast(as_tensor(input), dtype)
    _floating(x, "nanmean")
    axes = _dims(dim, None, x.ndim, "nanmean")
    count = (~np.isnan(x._data)).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
    with np.errstate(divide="ignore"):  # no non-NaN element: 0 * inf = NaN, as torch
        inverse = 1 / count
    with np.errstate(invalid="ignore"):
        return nansum(x, dim, keepdim) * inverse


# ------------------------------------------------------------------------------ quantile
@register("quantile")
class Quantile(Function):
    """out = lerp(x[lo], x[hi], w) along ``axis`` (lo, hi: int64 indices of the two sorted
    neighbours; w: constant weights); d out / d x[lo] = 1 - w, d out / d x[hi] = w."""

    __slots__ = ("lo", "hi", "w", "axis", "shape")

    @staticmethod
    def forward(ctx, x, lo, hi, w, axis):
        ctx.lo, ctx.hi, ctx.w, ctx.axis, ctx.shape = lo, hi, w, axis, x.shape
        a = np.take_along_axis(x, lo, axis)
        b = np.take_along_axis(x, hi, axis)
        with np.errstate(invalid="ignore"):  # inf - inf where both neighbours are inf
            return np.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    @staticmethod
    def backward(ctx, grad):
        put = ValueSelectingBackward.apply
        ga = put(grad * (1 - ctx.w), ctx.lo, ctx.axis, ctx.shape, Sort)
        gb = put(grad * ctx.w, ctx.hi, ctx.axis, ctx.shape, Sort)
        return ga + gb, None, None, None, None


@register("nanquantile")
class Nanquantile(Quantile):
    __slots__ = ()


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, cls, skip_nan):
    def fn(input, q, dim=None, keepdim=False, *, interpolation="linear"):
        x = as_tensor(input)
        _floating(x, name)
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, got "
                               f"{interpolation!r}")
        qa = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=x.dtype)
        if qa.ndim > 1:
            raise RuntimeError(f"{name}: q must be a scalar or 1-D tensor, got shape {qa.shape}")
        if np.any((qa < 0) | (qa > 1)) or np.isnan(qa).any():
            raise RuntimeError(f"{name}: q values must be in the range [0, 1], got {qa}")
        xs, axis = (x.reshape(-1), 0) if dim is None else (x, _one_dim(dim, x.ndim, name))
        if xs.ndim == 0:
            xs = xs.reshape(1)
        data = xs._data
        n = data.shape[axis]
        if n == 0:
            raise RuntimeError(f"{name}: dim {dim} of the input (shape {x.shape}) is empty")
        order = _argsort(data, axis)
        nan = np.isnan(data)
        valid = n - nan.sum(axis, keepdims=True)
        shape = [1] * data.ndim
        shape[axis] = qa.size
        m = valid if skip_nan else n
        rank = qa.reshape(shape) * (m - 1)
        if skip_nan:  # an all-NaN slice: rank 0, its first NaN (torch's choice)
            rank = np.where(valid == 0, 0, rank)
        else:  # a slice with a NaN: rank n - 1, its last NaN
            rank = np.where(valid < n, n - 1, rank)
        lo, hi = np.floor(rank), np.ceil(rank)
        w = rank - lo
        if interpolation == "lower":
            hi, w = lo, np.zeros_like(w)
        elif interpolation == "higher":
            lo, w = hi, np.zeros_like(w)
        elif interpolation == "nearest":
            lo = hi = np.round(rank)
            w = np.zeros_like(w)
        elif interpolation == "midpoint":
            w = np.full_like(w, 0.5)
        lo, hi = (np.take_along_axis(order, np.broadcast_to(p, np.broadcast_shapes(
            p.shape, valid.shape)).astype(np.int64), axis) for p in (lo, hi))
        out = cls.apply(xs, lo, hi, w.astype(x.dtype), axis)
        if qa.ndim == 1:
            for i in range(axis, 0, -1):  # q's dim first, as torch
                out = out.transpose(i, i - 1)
        reduced = ([1] * x.ndim if keepdim else []) if dim is None else [
            1 if i == axis else s for i, s in enumerate(x.shape) if keepdim or i != axis]
        return out.reshape(tuple(qa.shape) + tuple(reduced))

    fn.__name__ = name
    fn.__doc__ = (f"{name}(input, q, dim=None, keepdim=False, *, interpolation='linear'): "
                  "q a float or 1-D tensor in [0, 1] (its dim comes first in the result).")
    return fn


quantile = _quantile("quantile", Quantile, skip_nan=False)
nanquantile = _quantile("nanquantile", Nanquantile, skip_nan=True)


# ------------------------------------------------------------------------------ numpy calls
def _np_only(op, **given):
    bad = sorted(k for k, v in given.items() if v is not None)
    if bad:
        raise TypeError(f"numpy.{op} on a glassgrad Tensor does not support "
                        f"{', '.join(bad)}; call it on tensor.detach().numpy()")


def _np_reduction(name, cls, nonempty=False, floating=False):
    """``np.<name>(a, axis=None, dtype=None, out=None, keepdims=False)`` on a Tensor."""

    def fn(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        _np_only(name, out=out, initial=initial, where=where)
        x = _cast(as_tensor(a), dtype)
        if floating and x.dtype.kind != "f":
            x = x.to(np.float64)  # numpy averages integers in float64
        axes = _np_axes(axis, x.ndim, name)
        if nonempty:
            _nonempty(x, axes, name)
        return cls.apply(x, axes, bool(keepdims))

    fn.__name__ = name
    return fn


def _np_extreme(name, cls):
    """``np.max(a, axis=None, out=None, keepdims=False)``: numpy's argument order."""
    reduction = _np_reduction(name, cls, nonempty=True)

    def fn(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        return reduction(a, axis, None, out, keepdims, initial, where)

    return fn


def _np_index(fn):
    def np_fn(a, axis=None, out=None, *, keepdims=False):
        _np_only(fn.__name__, out=out)
        return fn(a, axis, keepdims)

    return np_fn


def _np_truth(fn):
    def np_fn(a, axis=None, out=None, keepdims=False, *, where=None):
        _np_only(fn.__name__, out=out, where=where)
        x = a._data if isinstance(a, Tensor) else np.asarray(a)
        return _constant(getattr(np, fn.__name__)(x, axis=axis, keepdims=keepdims))

    return np_fn


def _np_spread(name, cls):
    """``np.var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False)``."""

    def fn(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
        _np_only(name, out=out, where=where, mean=mean)
        x = _cast(as_tensor(a), dtype)
        if x.dtype.kind != "f":
            x = x.to(np.float64)
        c = ddof if correction is None else correction
        return cls.apply(x, _np_axes(axis, x.ndim, name), c, bool(keepdims))

    return fn


_STATS = {
    "var": var, "std": std, "var_mean": var_mean, "std_mean": std_mean, "aminmax": aminmax,
    "nansum": nansum, "nanmean": nanmean, "quantile": quantile, "nanquantile": nanquantile,
}
TENSOR_METHODS = {k: v for k, v in _STATS.items() if k not in ("var_mean", "std_mean")}
TORCH_FUNCTIONS = dict(_STATS)
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {
    np.sum: _np_reduction("sum", Sum), np.mean: _np_reduction("mean", Mean, floating=True),
    np.prod: _np_reduction("prod", Prod),
    np.max: _np_extreme("max", Amax), np.amax: _np_extreme("amax", Amax),
    np.min: _np_extreme("min", Amin), np.amin: _np_extreme("amin", Amin),
    np.var: _np_spread("var", Var), np.std: _np_spread("std", Std),
    np.argmax: _np_index(argmax), np.argmin: _np_index(argmin),
    np.any: _np_truth(any), np.all: _np_truth(all),
}
