"""Value-selecting ops: sort, topk, kthvalue, median, nanmedian, mode (and argsort, msort).

Each returns ``(values, indices)`` (``return_types.<name>``, as in torch) where the values are
taken from the input at int64 indices along one dim. The indices are worked out in numpy and
passed to a gather op (``_Gather``: ``values = take_along_axis(x, indices, dim)``) whose
backward adds the gradient back at the indices (``value_selecting_backward``, torch's name);
that op's own backward is the gather again, so every op here is twice differentiable.

Index choices follow torch on CPU: sorting is stable (equal elements keep their order, also
with ``descending=True``), NaN sorts as the largest value, ``mode`` gives the smallest of the
most frequent values and the index of its last occurrence. Which of several tied elements
``kthvalue``, ``median(dim)`` and ``topk`` report is not specified by torch (it depends on
its selection algorithm); here it is the first in stable sorted order. With NaNs, torch's
``mode`` depends on its sort internals (NaN sometimes counts as one value, sometimes not);
here each NaN is its own value.

``median(x)`` and ``nanmedian(x)`` with no dim are the lower median of all elements, and,
as torch, split the gradient evenly among the elements equal to it.

unique, bincount, histc, histogram, searchsorted and bucketize (no gradient) are in
_counting.py; their names are merged into this module's tables below.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import _counting as counting
from ._masks import _raw, _select
from ._util import normalize_dim
from .reduce import return_types


def _const(a):
    return Tensor._from_op(np.asarray(a), None, ())


def _one_dim(dim, ndim, op):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return normalize_dim(int(dim), ndim, op)[0]


class _Gather(Function):
    """values = take_along_axis(x, index, axis); d values / d x scatters grad back at index."""

    __slots__ = ("axis", "index", "shape")

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.axis, ctx.index, ctx.shape = axis, index, x.shape
        return np.take_along_axis(x, index, axis)

    @staticmethod
    def backward(ctx, grad):
        gx = ValueSelectingBackward.apply(grad, ctx.index, ctx.axis, ctx.shape, type(ctx))
        return gx, None, None


@register("value_selecting_backward")
class ValueSelectingBackward(Function):
    """out = zeros(shape); out[index] += grad along ``axis`` (repeated indices add up, as in
    cummax). Linear in grad; its backward is the gather ``gather_cls`` at the same indices."""

    __slots__ = ("axis", "index", "gather")

    @staticmethod
    def forward(ctx, grad, index, axis, shape, gather_cls):
        ctx.axis, ctx.index, ctx.gather = axis, index, gather_cls
        return scatter_add_along(grad, index, axis, shape)

    @staticmethod
    def backward(ctx, gg):
        return ctx.gather.apply(gg, ctx.index, ctx.axis), None, None, None, None


def scatter_add_along(values, index, axis, shape):
    """zeros(shape) with ``values`` added at ``index`` along ``axis`` (one np.bincount)."""
    if values.size == 0:  # nothing to add (np.bincount cannot lay out 0 rows)
        return np.zeros(shape, dtype=values.dtype)
    index = np.broadcast_to(index, values.shape)
    v, i = np.moveaxis(values, axis, -1), np.moveaxis(index, axis, -1)
    n = shape[axis]
    rows = int(np.prod(v.shape[:-1], dtype=np.int64))
    flat = (np.arange(rows, dtype=np.int64)[:, None] * n + i.reshape(rows, -1)).ravel()
    out = np.bincount(flat, weights=v.reshape(-1), minlength=rows * n)
    out = out.astype(values.dtype, copy=False).reshape(v.shape[:-1] + (n,))
    return np.ascontiguousarray(np.moveaxis(out, -1, axis))


@register("sort")
class Sort(_Gather):
    __slots__ = ()


@register("topk")
class Topk(_Gather):
    __slots__ = ()


@register("kthvalue")
class Kthvalue(_Gather):
    __slots__ = ()


@register("mode")
class Mode(_Gather):
    __slots__ = ()


@register("median")
class Median(_Gather):
    """With an int axis, a gather (the gradient goes to the reported index). With axis None,
    ``index`` is the position of the median in the flattened input and the gradient is shared
    evenly among the k elements equal to the result (the NaNs when it is NaN), as in torch."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, index, axis):
        if axis is not None:
            return _Gather.forward(ctx, x, index, axis)
        ctx.axis, ctx.index, ctx.shape = None, index, x.shape
        if index is None:  # an empty input: NaN, as torch
            out = np.full((), np.nan, dtype=x.dtype)
        else:
            out = x.reshape(-1)[index].reshape(())
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.axis is not None:
            return _Gather.backward(ctx, grad)
        x, out = (_raw(a) for a in ctx.saved_tensors)
        tie = (x == out) | (np.isnan(x) & np.isnan(out))
        k = max(int(tie.sum()), 1)
        return _select(grad / k, tie), None, None


@register("nanmedian")
class Nanmedian(Median):
    __slots__ = ()


# ------------------------------------------------------------------------------ indices
def _argsort(a, axis, descending=False):
    """Stable argsort along ``axis`` (int64); NaN is the largest value, equal elements keep
    their order also when descending (sort the reversed slice, then reverse back)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable").astype(np.int64, copy=False)
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(rev, axis)).astype(np.int64)


def _pick(index, position, axis):
    """index[position] along axis, keeping the axis (size 1)."""
    return np.take_along_axis(index, np.expand_dims(position, axis), axis)


def _selected(cls, result, x, index, axis, keepdim, squeeze0d):
    values = cls.apply(x, index, axis)
    if not keepdim:
        values, index = values.squeeze(axis), index.squeeze(axis)
    if squeeze0d:
        values, index = values.reshape(()), index.reshape(())
    return result(values, _const(index))


def _nonempty_dim(shape, axis, op):
    if shape[axis] == 0:
        raise IndexError(f"{op}: cannot reduce over dim {axis} of size 0 (input shape "
                         f"{tuple(shape)}): expected a reduction dim of non-zero size")


def _prepare(input, dim, op):
    """(x as at least 1-D, axis, whether the input was 0-d)."""
    x = as_tensor(input)
    axis = _one_dim(dim, x.ndim, op)
    if x.ndim == 0:
        return x.reshape(1), 0, True
    return x, axis, False


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along ``dim``; always stable here (torch's CPU order)."""
    x, axis, zd = _prepare(input, dim, "sort")
    index = _argsort(x._data, axis, bool(descending))
    out = _selected(Sort, return_types.sort, x, index, axis, True, False)
    return return_types.sort(*(a.reshape(()) for a in out)) if zd else out


def argsort(input, dim=-1, descending=False, stable=False):
    x, axis, zd = _prepare(input, dim, "argsort")
    index = _argsort(x._data, axis, bool(descending))
    return _const(index.reshape(()) if zd else index)


def msort(input):
    """sort along dim 0, values only."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The k largest (smallest) elements along ``dim``; ties: first in stable sorted order."""
    x, axis, zd = _prepare(input, dim, "topk")
    n = x.shape[axis]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k={k} out of range for dim {dim} of size "
                           f"{n} (input shape {tuple(input.shape)})")
    if zd:  # torch: a 0-d input gives itself at index 0, for k = 0 as for k = 1
        k = 1
    index = np.take(_argsort(x._data, axis, bool(largest)), np.arange(k), axis=axis)
    out = _selected(Topk, return_types.topk, x, index, axis, True, False)
    return return_types.topk(*(a.reshape(()) for a in out)) if zd else out


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element (k counts from 1) along ``dim``, and its index."""
    x, axis, zd = _prepare(input, dim, "kthvalue")
    n = x.shape[axis]
    _nonempty_dim(x.shape, axis, "kthvalue")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: k={k} out of range for dim {dim} of size {n} "
                           f"(input shape {tuple(input.shape)}); expected 1 <= k <= {n}")
    order = _argsort(x._data, axis)
    position = np.full(order.shape[:axis] + order.shape[axis + 1:], k - 1)
    return _selected(Kthvalue, return_types.kthvalue, x, _pick(order, position, axis), axis,
                     keepdim, zd)


def _median(name, cls, skip_nan):
    result = getattr(return_types, name)

    def fn(input, dim=None, keepdim=False):
        if dim is None:
            x = as_tensor(input)
            flat = x._data.reshape(-1)
            if flat.size == 0:
                return cls.apply(x, None, None)
            nan = np.isnan(flat)
            valid = flat.size - int(nan.sum()) if skip_nan else flat.size
            order = np.argsort(flat, kind="stable")
            if nan.any() and not skip_nan:
                index = int(np.argmax(nan))
            else:
                index = int(order[max(valid - 1, 0) // 2])
            return cls.apply(x, index, None)
        x, axis, zd = _prepare(input, dim, name)
        data = x._data
        _nonempty_dim(data.shape, axis, name)
        order = _argsort(data, axis)
        nan = np.isnan(data)
        valid = data.shape[axis] - nan.sum(axis)
        position = np.maximum(valid - 1, 0) // 2 if skip_nan else (data.shape[axis] - 1) // 2
        index = _pick(order, np.broadcast_to(position, valid.shape), axis)
        if not skip_nan:  # a slice with a NaN: its median is NaN, at the first NaN's index
            has = nan.any(axis, keepdims=True)
            index = np.where(has, np.argmax(nan, axis, keepdims=True), index)
        return _selected(cls, result, x, index, axis, keepdim, zd)

    fn.__name__ = name
    fn.__doc__ = (f"{name}(input) -> the lower median{' of the non-NaN elements' * skip_nan}; "
                  f"{name}(input, dim, keepdim=False) -> (values, indices).")
    return fn


median = _median("median", Median, skip_nan=False)
nanmedian = _median("nanmedian", Nanmedian, skip_nan=True)


def _mode_order(data):
    """(order, group) along the last axis: the order torch's mode sees its slice in and a key
    that splits runs. Without NaN, a stable sort (group 0). With NaN, torch sorts with ``<``
    (an insertion sort for up to 16 elements), in which a NaN never moves and nothing moves
    past it, except a value below the slice's running minimum, which goes to the front unless
    the slice starts with a NaN. So: the segments between NaNs are sorted each in place, the
    new running minima join the first segment, and each NaN is a group of its own."""
    nan = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    if not nan.any():
        return np.argsort(data, axis=-1, kind="stable"), np.zeros(data.shape, np.int64)
    seg = np.cumsum(nan, axis=-1)  # NaNs so far (inclusive)
    filled = np.where(nan, np.inf, data)
    prefix_min = np.minimum.accumulate(filled, axis=-1)
    below = np.ones(data.shape, bool)
    below[..., 1:] = filled[..., 1:] < prefix_min[..., :-1]
    below &= ~nan[..., :1]  # nothing is below a leading NaN
    group = np.where(nan, 2 * seg - 1, np.where(below, 0, 2 * seg))
    pos = np.broadcast_to(np.arange(data.shape[-1]), data.shape)
    order = np.lexsort((pos, np.where(nan, 0, data), group), axis=-1)
    return order, np.take_along_axis(group, order, -1)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest of the tied ones) and the index of
    its last occurrence, as torch. With NaNs, runs of equal values are counted in the order
    torch's sort leaves them (``_mode_order``): mode([nan, nan, 1]) is nan at index 0 and
    mode([1, nan, 1]) is 1 at index 0, as torch."""
    x, axis, zd = _prepare(input, dim, "mode")
    data = np.moveaxis(x._data, axis, -1)
    n = data.shape[-1]
    _nonempty_dim(x.shape, axis, "mode")
    order, group = _mode_order(data)
    s = np.take_along_axis(data, order, -1)
    pos = np.broadcast_to(np.arange(n), s.shape)
    first = np.ones(s.shape, bool)
    first[..., 1:] = (s[..., 1:] != s[..., :-1]) | (group[..., 1:] != group[..., :-1])
    last = np.ones(s.shape, bool)
    last[..., :-1] = first[..., 1:]
    start = np.maximum.accumulate(np.where(first, pos, 0), axis=-1)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(last, pos, n), -1), axis=-1), -1)
    best = np.argmax(end - start, axis=-1)[..., None]  # the first longest run
    index = np.take_along_axis(order, np.take_along_axis(end, best, -1), -1)
    index = np.moveaxis(index.astype(np.int64), -1, axis)
    return _selected(Mode, return_types.mode, x, index, axis, keepdim, zd)


_SORTING = {
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
    "median": median, "nanmedian": nanmedian, "mode": mode,
}
TENSOR_METHODS = {**_SORTING, **counting.TENSOR_METHODS}
TORCH_FUNCTIONS = {**_SORTING, **counting.TORCH_FUNCTIONS}
FUNCTIONAL = {}
