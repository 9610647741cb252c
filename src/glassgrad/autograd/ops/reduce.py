"""Reductions: sum, mean, amax, amin, max, min, prod; argmax, argmin, any and all are plain
functions (no gradient). var/std (and the other statistics) live in stats.py, the norms in
norms.py, scans in scan.py, sort/topk/median/... in sorting.py; logsumexp, softmax and
log_softmax are in softmax.py. The helpers here (``_axes``, ``_dims``, ``_cast``, ...) are
shared by those modules.

Arguments follow PyTorch: ``dim`` is None (every dim), an int or a tuple (``dim=()`` also
means every dim, as in torch) and ``keepdim``. numpy's ``axis``/``keepdims`` are accepted as
aliases with numpy's meaning (``axis=()`` reduces nothing), so a backward formula calling
``.sum(axis=...)`` does the same on ndarrays and Tensors. A 0-d tensor accepts dim 0 or -1.
Each backward puts the reduced axes back as size 1 (``expand_reduced``) so the gradient
broadcasts against the input.

Ties share the gradient by torch's rules:

- ``max(x, dim)`` and ``min(x, dim)`` return ``(values, indices)`` where the index is the
  first occurrence of the extreme; the slice's whole gradient goes to that one element.
- ``max(x)`` and ``min(x)`` with no dim, ``amax`` and ``amin`` split it evenly: each of the
  k elements tied for the extreme receives grad / k.
- A NaN is the extreme of its slice (the result is NaN): ``max(x, dim)`` sends the gradient
  to the NaN's index, ``max(x)`` and ``amax`` share it among the NaNs, as torch does (torch's
  amax gives the whole slice NaN gradients instead).

Sums and products of bool and integer tensors are int64, as in torch; ``dtype=`` casts the
input first (``sum(x, dtype=float32)``). prod never divides by a zero element (see ``Prod``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw, _select
from ._util import expand_reduced, normalize_dim, pick_dim, pick_keepdim
from .elementwise import maximum, minimum


def _axes(dim, ndim, op):
    """PyTorch's ``dim`` as sorted axes, or None for every axis (also for a 0-d input)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    axes = normalize_dim(dim, ndim, op)
    return None if ndim == 0 else axes


def _np_axes(axis, ndim, op):
    """numpy's ``axis``: None is every axis and () is none (torch reads dim=() as every dim)."""
    if axis is None:
        return None
    axes = normalize_dim(axis, ndim, op)
    return None if ndim == 0 else axes


def _dims(dim, axis, ndim, op):
    """``dim`` with torch's meaning, or the alias ``axis`` with numpy's, so that a backward
    formula calling ``.sum(axis=...)`` means the same on ndarrays and on Tensors."""
    if axis is None:
        return _axes(dim, ndim, op)
    pick_dim(dim, axis, op)  # raises if both are given
    return _np_axes(axis, ndim, op)


def _count(shape, axes):
    """How many input elements go into each output element."""
    return int(np.prod(shape if axes is None else [shape[a] for a in axes]))


def _zero(like):
    return np.zeros((), dtype=like.dtype)


def _floating(x, op):
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype should be floating point, got {x.dtype} "
                           f"(shape {x.shape}); use .float() first")


def _nonempty(x, axes, op, error=RuntimeError):
    """torch: reducing over a given zero-size dim is an IndexError; over every dim of an empty
    tensor a RuntimeError (``error``; argmax and argmin raise IndexError there too)."""
    if 0 in (x.shape if axes is None else [x.shape[a] for a in axes]):
        raise (error if axes is None else IndexError)(
            f"{op}: cannot reduce a tensor of shape {x.shape} over a zero-size dim "
            f"(dim={axes}); the reduction has no identity")


def _cast(x, dtype):
    return x if dtype is None else x.to(dtype)


def _in_dtype(out, x, dtype):
    """An integer sum or product in the ``dtype`` asked for (it accumulates in int64)."""
    return out if dtype is None or out.dtype == x.dtype else out.to(x.dtype)


def _accumulator(dtype):
    """The dtype torch sums and multiplies in: int64 for bool and every integer dtype (numpy
    would give uint64 for uint8), None (the input's own) for floats."""
    return np.int64 if dtype.kind in "biu" else None


# ------------------------------------------------------------------------------ sum, mean
@register("sum")
class Sum(Function):
    """out = sum of x over ``axes``; d out / d x = 1, so grad is broadcast back."""

    __slots__ = ("shape", "axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim, dtype=_accumulator(x.dtype))

    @staticmethod
    def backward(ctx, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g, ctx.shape), None, None


@register("mean")
class Mean(Function):
    """out = sum(x) / n over ``axes``; grad / n is broadcast back."""

    __slots__ = ("shape", "axes", "keepdim", "n")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = _count(x.shape, axes)
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g / ctx.n, ctx.shape), None, None


# ------------------------------------------------------------------------------ extremes
class _Extreme(Function):
    """out = max (min) of x over ``axes``. Ties: each of the k tied elements gets grad / k;
    where the result is NaN, the k NaNs of the slice share it."""

    __slots__ = ("shape", "axes", "keepdim")
    reduce = None

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = type(ctx).reduce(x, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = (_raw(a) for a in ctx.saved_tensors)
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        o = expand_reduced(out, ctx.shape, ctx.axes, ctx.keepdim)
        tie = x == o
        nan = np.isnan(o)
        if nan.any():
            tie |= nan & np.isnan(x)
        k = np.maximum(tie.sum(axis=ctx.axes, keepdims=True), 1).astype(x.dtype)
        return _select(g / k, tie), None, None


@register("amax")
class Amax(_Extreme):
    __slots__ = ()
    reduce = staticmethod(np.max)


@register("amin")
class Amin(_Extreme):
    __slots__ = ()
    reduce = staticmethod(np.min)


@register("max")
class Max(Function):
    """(values, indices) = max of x along one dim. ``index`` (the first occurrence, from
    argmax) is a constant argument; the gradient goes to that element only."""

    __slots__ = ("shape", "axis", "keepdim", "index")

    @staticmethod
    def forward(ctx, x, axis, keepdim, index):
        ctx.shape, ctx.axis, ctx.keepdim, ctx.index = x.shape, axis, keepdim, index
        if axis is None:  # a 0-d input is its own max
            return x.copy()
        out = np.take_along_axis(x, index, axis)
        return out if keepdim else out.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        if ctx.axis is None:
            return grad, None, None, None
        axis, shape = ctx.axis, ctx.shape
        g = expand_reduced(grad, shape, (axis,), ctx.keepdim)
        position = np.arange(shape[axis]).reshape([-1 if i == axis else 1
                                                   for i in range(len(shape))])
        return _select(g, position == ctx.index), None, None, None


@register("min")
class Min(Max):
    """(values, indices) = min of x along one dim; the gradient goes to the argmin only."""

    __slots__ = ()


def _named(name, fields):
    tup = namedtuple(name, fields)
    tup.__qualname__ = f"return_types.{name}"
    return tup


class return_types:  # noqa: N801  (torch.return_types)
    """The named tuples returned by the reductions that give values and indices."""

    max = _named("max", ["values", "indices"])
    min = _named("min", ["values", "indices"])
    aminmax = _named("aminmax", ["min", "max"])
    sort = _named("sort", ["values", "indices"])
    topk = _named("topk", ["values", "indices"])
    kthvalue = _named("kthvalue", ["values", "indices"])
    median = _named("median", ["values", "indices"])
    nanmedian = _named("nanmedian", ["values", "indices"])
    mode = _named("mode", ["values", "indices"])
    cummax = _named("cummax", ["values", "indices"])
    cummin = _named("cummin", ["values", "indices"])
    histogram = _named("histogram", ["hist", "bin_edges"])


def _extreme(name, op_all, op_dim, argfn, pairwise):
    result = getattr(return_types, name)

    def fn(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
        if other is not None or isinstance(dim, (Tensor, np.ndarray)):
            return pairwise(input, dim if other is None else other)
        x = as_tensor(input)
        dim, keepdim = pick_dim(dim, axis, name), pick_keepdim(keepdim, keepdims)
        if dim is None:
            _nonempty(x, None, name)
            return op_all.apply(x, None, keepdim)
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{name}: dim must be an int, got {dim!r} (input shape {x.shape}); "
                            f"use a{name}(x, dim={dim!r}) to reduce several dims")
        (a,) = normalize_dim(dim, x.ndim, name)
        if x.ndim == 0:
            index = np.zeros((), np.int64)
            return result(op_dim.apply(x, None, keepdim, index), Tensor._from_op(index, None, ()))
        _nonempty(x, (a,), name)
        index = argfn(x._data, axis=a, keepdims=True).astype(np.int64, copy=False)
        values = op_dim.apply(x, a, keepdim, index)
        indices = index if keepdim else index.squeeze(a)
        return result(values, Tensor._from_op(indices, None, ()))

    fn.__name__ = name
    fn.__doc__ = (f"{name}(input) -> 0-d tensor (ties share the gradient evenly); "
                  f"{name}(input, dim, keepdim=False) -> (values, indices), gradient to the index; "
                  f"{name}(input, other) -> elementwise {pairwise.__name__}.")
    return fn


max = _extreme("max", Amax, Max, np.argmax, maximum)  # noqa: A001
min = _extreme("min", Amin, Min, np.argmin, minimum)  # noqa: A001


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    x = as_tensor(input)
    axes = _dims(None if dim == () else dim, axis, x.ndim, "amax")
    _nonempty(x, axes, "amax")
    return Amax.apply(x, axes, pick_keepdim(keepdim, keepdims))


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    x = as_tensor(input)
    axes = _dims(None if dim == () else dim, axis, x.ndim, "amin")
    _nonempty(x, axes, "amin")
    return Amin.apply(x, axes, pick_keepdim(keepdim, keepdims))


# ------------------------------------------------------------------------------ prod
@register("prod")
class Prod(Function):
    """out = product of x over ``axes``; d out / d x_i = product of the other elements.

    Without zeros that is out / x_i. With zeros there is no division by them: it is (product
    of the nonzero others) * (product of the zero others), and the second factor is 1 when
    x_i is the slice's only zero, 0 when there are two or more. That factor is written so its
    slope is right as well, which keeps double backward exact at zeros.
    """

    __slots__ = ("shape", "axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = x.prod(axis=axes, keepdims=keepdim, dtype=_accumulator(x.dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axes = ctx.axes
        g = expand_reduced(grad, ctx.shape, axes, ctx.keepdim)
        zero = _raw(x) == 0
        if not zero.any():
            return g * expand_reduced(out, ctx.shape, axes, ctx.keepdim) / x, None, None
        nonzero = np.where(zero, 1, x)  # zeros replaced by 1
        rest = nonzero.prod(axis=axes, keepdims=True) / nonzero
        # Product of the zero others: 1 with none, the other zero itself with one (value 0,
        # slope 1) and 0 with two or more. x * zero is 0 everywhere, with slope 1 at zeros.
        others = zero.sum(axis=axes, keepdims=True) - zero
        at_zeros = x * zero
        zero_rest = (others == 0) + (others == 1) * (
            at_zeros.sum(axis=axes, keepdims=True) - at_zeros)
        return g * rest * zero_rest, None, None


def prod(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = _cast(as_tensor(input), dtype)
    axes = _dims(dim, axis, x.ndim, "prod")
    return _in_dtype(Prod.apply(x, axes, pick_keepdim(keepdim, keepdims)), x, dtype)


# ------------------------------------------------------------------------------ the rest
def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):  # noqa: A001
    x = _cast(as_tensor(input), dtype)
    axes = _dims(dim, axis, x.ndim, "sum")
    return _in_dtype(Sum.apply(x, axes, pick_keepdim(keepdim, keepdims)), x, dtype)


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = _cast(as_tensor(input), dtype)
    _floating(x, "mean")
    axes = _dims(dim, axis, x.ndim, "mean")
    return Mean.apply(x, axes, pick_keepdim(keepdim, keepdims))


def _constant(result):
    return Tensor._from_op(np.asarray(result), None, ())


def _index_of(name, argfn):
    def fn(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        x = input._data if isinstance(input, Tensor) else np.asarray(input)
        dim, keepdim = pick_dim(dim, axis, name), pick_keepdim(keepdim, keepdims)
        a = None
        if dim is not None:
            if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
                raise TypeError(f"{name}: dim must be an int or None, got {dim!r}")
            (a,) = normalize_dim(dim, x.ndim, name)
        if x.ndim == 0:
            a = None
        _nonempty(x, None if a is None else (a,), name, IndexError)
        return _constant(argfn(x, axis=a, keepdims=keepdim).astype(np.int64))

    fn.__name__ = name
    fn.__doc__ = (f"Indices (int64, no gradient) of the first {name[3:]} along dim; with "
                  "dim=None, the index into the flattened tensor.")
    return fn


argmax = _index_of("argmax", np.argmax)
argmin = _index_of("argmin", np.argmin)


def _truth(name, npfn):
    def fn(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        x = input._data if isinstance(input, Tensor) else np.asarray(input)
        empty = isinstance(dim, (tuple, list)) and not dim  # dim=(): no dim reduced, as torch
        axes = () if empty and axis is None else _dims(dim, axis, x.ndim, name)
        out = npfn(x, axis=axes, keepdims=pick_keepdim(keepdim, keepdims))
        if x.dtype == np.uint8:  # torch keeps uint8 for uint8 input
            out = np.asarray(out).astype(np.uint8)
        return _constant(out)

    fn.__name__ = name
    fn.__doc__ = (f"Bool tensor (uint8 for uint8 input; no gradient): whether {name} elements "
                  f"are nonzero over dim.")
    return fn


any = _truth("any", np.any)  # noqa: A001
all = _truth("all", np.all)  # noqa: A001


_REDUCTIONS = {
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin,
    "prod": prod, "argmax": argmax, "argmin": argmin, "any": any, "all": all,
}
TENSOR_METHODS = dict(_REDUCTIONS)
TORCH_FUNCTIONS = dict(_REDUCTIONS)
FUNCTIONAL = {}
