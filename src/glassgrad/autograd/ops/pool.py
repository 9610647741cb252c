"""Pooling over 1, 2 or 3 trailing spatial dims: max, average, adaptive, power-average (lp)
and max-unpooling, with torch's arguments. The numpy kernels live in ``_pool_kernels``.

Every pool is twice differentiable. A max pool's backward scatters the gradient to the
indices of the maxima (ScatterPlanes), whose backward gathers at the same indices
(GatherPlanes), whose backward scatters again. An average pool is linear: its backward
(AvgPoolBackward) is the transposed pool, and the transpose of that is the pool itself.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import _pool_kernels as P


# ------------------------------------------------------------------------------ scatter/gather
class ScatterPlanes(Function):
    """out (``shape``) = 0, then out[..., indices[..., i]] += y[..., i] per plane of the last
    d axes; d out / d y gathers at the same indices."""

    __slots__ = ("indices", "d")

    @staticmethod
    def forward(ctx, y, indices, shape, d, unique):
        ctx.indices, ctx.d = indices, d
        return P.scatter_planes(y, indices, shape, d, unique)

    @staticmethod
    def backward(ctx, grad):
        return _gather(grad, ctx.indices, ctx.d), None, None, None, None


class GatherPlanes(Function):
    """out[..., i] = y[..., indices[..., i]] per plane of the last d axes of y; its backward
    scatter-adds (indices may repeat)."""

    __slots__ = ("indices", "d", "shape")

    @staticmethod
    def forward(ctx, y, indices, d):
        ctx.indices, ctx.d, ctx.shape = indices, d, y.shape
        return P.gather_planes(y, indices, d)

    @staticmethod
    def backward(ctx, grad):
        return _scatter(grad, ctx.indices, ctx.shape, ctx.d, False), None, None


# In an ordinary backward the gradient is an array: the kernels run directly, without the
# cost of an op. Under create_graph it is a Tensor, and the op records the new graph.
def _scatter(grad, indices, shape, d, unique):
    if isinstance(grad, Tensor):
        return ScatterPlanes.apply(grad, indices, shape, d, unique)
    return P.scatter_planes(grad, indices, shape, d, unique)


def _gather(grad, indices, d):
    if isinstance(grad, Tensor):
        return GatherPlanes.apply(grad, indices, d)
    return P.gather_planes(grad, indices, d)


# ------------------------------------------------------------------------------ max pools
class _IndexedMax(Function):
    """out = the max of each window; the whole gradient of a window goes to the index of its
    maximum (torch's returned index: the first maximum in row-major order, ties not shared)."""

    __slots__ = ("shape", "indices", "unique")
    spatial = 2  # the number of pooled trailing dims

    @staticmethod
    def forward(ctx, x, kernel, sink):
        out, ctx.indices, ctx.unique = kernel(x)
        ctx.shape = x.shape
        sink.append(ctx.indices)  # the wrapper returns them with return_indices=True
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = _scatter(grad, ctx.indices, ctx.shape, ctx.spatial, ctx.unique)
        return gx, None, None


@register("max_pool1d")
class MaxPool1d(_IndexedMax):
    __slots__ = ()
    spatial = 1


@register("max_pool2d")
class MaxPool2d(_IndexedMax):
    __slots__ = ()
    spatial = 2


@register("max_pool3d")
class MaxPool3d(_IndexedMax):
    __slots__ = ()
    spatial = 3


# ------------------------------------------------------------------------------ avg pools
class _AvgPool(Function):
    """out = sum of each window / divisor: the window's size (padding included unless
    count_include_pad=False, never ceil_mode's extra cells), or divisor_override."""

    __slots__ = ("shape", "geom")

    @staticmethod
    def forward(ctx, x, geom):
        ctx.shape, ctx.geom = x.shape, geom
        return P.avg_pool_forward(x, *geom, op=ctx.op)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return AvgPoolBackward.apply(grad, ctx.shape, ctx.geom, type(ctx)), None
        return P.avg_pool_backward(grad, ctx.shape, *ctx.geom, op=ctx.op), None


class AvgPoolBackward(Function):
    """The transpose of an average pool (linear): each window hands grad / divisor to each
    of its cells. Its own backward is the pool."""

    __slots__ = ("pool", "geom")

    @staticmethod
    def forward(ctx, grad, shape, geom, pool):
        ctx.pool, ctx.geom = pool, geom
        return P.avg_pool_backward(grad, shape, *geom, op=pool.op)

    @staticmethod
    def backward(ctx, gg):
        return ctx.pool.apply(gg, ctx.geom), None, None, None


@register("avg_pool1d")
class AvgPool1d(_AvgPool):
    __slots__ = ()


@register("avg_pool2d")
class AvgPool2d(_AvgPool):
    __slots__ = ()


@register("avg_pool3d")
class AvgPool3d(_AvgPool):
    __slots__ = ()


# ------------------------------------------------------------------------------ arguments
def _ints(v, d, name, op):
    """An int or a sequence of 1 or d ints as a d-tuple (torch's kernel_size etc.)."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * d
    try:
        t = tuple(int(a) for a in v)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {d} ints, got {v!r}") from None
    if len(t) == 1:
        t *= d
    if len(t) != d:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of {d} ints; "
                           f"got {v!r}")
    return t


def _input(input, d, op):
    x = as_tensor(input)
    if x.ndim not in (d + 1, d + 2) or 0 in x.shape[x.ndim - d:] or (x.ndim == d + 2
                                                                    and x.shape[1] == 0):
        raise RuntimeError(f"{op}: expected a {d + 1}-D (C, {_dims(d)}) or {d + 2}-D (N, C, "
                           f"{_dims(d)}) input with non-zero sizes, got shape {tuple(x.shape)}")
    return x


def _dims(d):
    return ", ".join(("D", "H", "W")[3 - d:]) if d > 1 else "L"


def _window(d, op, kernel_size, stride, padding, dilation=1):
    k = _ints(kernel_size, d, "kernel_size", op)
    empty = stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0)
    s = k if empty else _ints(stride, d, "stride", op)
    return k, s, _ints(padding, d, "padding", op), _ints(dilation, d, "dilation", op)


# ------------------------------------------------------------------------------ public functions
def _max_pool(cls, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    d, op = cls.spatial, cls.op
    x = _input(input, d, op)
    k, s, p, dl = _window(d, op, kernel_size, stride, padding, dilation)

    def kernel(a):
        return P.max_pool_forward(a, k, s, p, dl, bool(ceil_mode), op)

    sink = []
    out = cls.apply(x, kernel, sink)
    return (out, Tensor._from_op(sink[0].astype(np.int64), None, ())) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The max of each window of the last dim; indices are flat positions in it."""
    return _max_pool(MaxPool1d, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The max of each window of the last 2 dims; indices are flat positions h * W + w."""
    return _max_pool(MaxPool2d, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The max of each window of the last 3 dims; indices are flat in (D, H, W)."""
    return _max_pool(MaxPool3d, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(cls, d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    op = cls.op
    x = _input(input, d, op)
    if x.dtype.kind != "f" and x.dtype != np.int64:  # torch's CPU kernels: float or int64
        raise NotImplementedError(f'"{op}" not implemented for dtype {x.dtype} (floating '
                                  f"point or int64 input)")
    k, s, p, _ = _window(d, op, kernel_size, stride, padding)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    div = None if divisor_override is None else int(divisor_override)
    geom = (k, s, p, bool(ceil_mode), bool(count_include_pad), div)
    if x.dtype.kind != "f":  # int64 (as torch on CPU): the mean truncated toward 0, no gradient
        return Tensor._from_op(P.avg_pool_forward(x._data, *geom, op=op), None, ())
    return cls.apply(x, geom)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """The mean of each window of the last dim (zero padding counted unless
    count_include_pad=False)."""
    return _avg_pool(AvgPool1d, 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window of the last 2 dims, or its sum / divisor_override."""
    return _avg_pool(AvgPool2d, 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window of the last 3 dims, or its sum / divisor_override."""
    return _avg_pool(AvgPool3d, 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


_AVG = {1: AvgPool1d, 2: AvgPool2d, 3: AvgPool3d}

TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"max_pool1d": max_pool1d, "max_pool2d": max_pool2d, "max_pool3d": max_pool3d,
                   "avg_pool1d": avg_pool1d, "avg_pool2d": avg_pool2d}


def _with_indices(fn):
    """torch's ``F.max_pool2d_with_indices`` and friends: fn with return_indices=True."""

    def with_indices(*args, **kwargs):
        kwargs.pop("return_indices", None)
        return fn(*args, return_indices=True, **kwargs)

    with_indices.__name__ = fn.__name__ + "_with_indices"
    return with_indices


FUNCTIONAL = {
    "max_pool1d": max_pool1d, "max_pool2d": max_pool2d, "max_pool3d": max_pool3d,
    "avg_pool1d": avg_pool1d, "avg_pool2d": avg_pool2d, "avg_pool3d": avg_pool3d,
}
FUNCTIONAL.update({f"{name}_with_indices": _with_indices(FUNCTIONAL[name]) for name in (
    "max_pool1d", "max_pool2d", "max_pool3d")})
