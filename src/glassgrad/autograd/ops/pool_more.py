"""Pooling with computed windows: adaptive average and max pools (windows that tile the input
into a given output size; an output size of 0 gives an empty result), fractional max pools
(2-d and 3-d), power-average pools (lp_pool; norm_type +-inf is the max / min of |x|, as
torch) and max-unpooling."""

from __future__ import annotations

import numpy as np

from ... import random as _random
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import _pool_kernels as P
from .linalg import matmul
from .pool import (
    _AVG,
    _avg_pool,
    _gather,
    _IndexedMax,
    _input,
    _ints,
    _window,
    _with_indices,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)


@register("adaptive_max_pool1d")
class AdaptiveMaxPool1d(_IndexedMax):
    __slots__ = ()
    spatial = 1


@register("adaptive_max_pool2d")
class AdaptiveMaxPool2d(_IndexedMax):
    __slots__ = ()
    spatial = 2


@register("adaptive_max_pool3d")
class AdaptiveMaxPool3d(_IndexedMax):
    __slots__ = ()
    spatial = 3


@register("fractional_max_pool2d")
class FractionalMaxPool2d(_IndexedMax):
    __slots__ = ()
    spatial = 2


@register("fractional_max_pool3d")
class FractionalMaxPool3d(_IndexedMax):
    __slots__ = ()
    spatial = 3


# ------------------------------------------------------------------------------ max unpool
class _MaxUnpool(Function):
    """out = zeros of the output size, with out[..., indices[..., i]] = x[..., i] per plane;
    d out / d x gathers the gradient at the indices."""

    __slots__ = ("indices",)
    spatial = 2

    @staticmethod
    def forward(ctx, x, indices, shape):
        ctx.indices = indices
        return P.scatter_planes(x, indices, shape, ctx.spatial, unique=True)

    @staticmethod
    def backward(ctx, grad):
        return _gather(grad, ctx.indices, ctx.spatial), None, None


@register("max_unpool1d")
class MaxUnpool1d(_MaxUnpool):
    __slots__ = ()
    spatial = 1


@register("max_unpool2d")
class MaxUnpool2d(_MaxUnpool):
    __slots__ = ()
    spatial = 2


@register("max_unpool3d")
class MaxUnpool3d(_MaxUnpool):
    __slots__ = ()
    spatial = 3


def _output_size(output_size, x, d, op):
    size = (output_size,) * d if not isinstance(output_size, (tuple, list)) else (
        tuple(output_size))
    if len(size) != d:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {d}, got "
                         f"{output_size!r}")
    spatial = x.shape[x.ndim - d:]
    out = tuple(n if o is None else int(o) for o, n in zip(size, spatial, strict=True))
    if min(out) < 0:
        raise RuntimeError(f"{op}: output_size must be non-negative, got {out}")
    return out


def _adaptive_avg(d, op, input, output_size):
    x = _input(input, d, op)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    outs = _output_size(output_size, x, d, op)
    sizes = x.shape[x.ndim - d:]
    if min(outs) > 0 and all(n % o == 0 for n, o in zip(sizes, outs, strict=True)):
        k = tuple(n // o for n, o in zip(sizes, outs, strict=True))
        return _AVG[d].apply(x, (k, k, (0,) * d, False, True, None))
    # overlapping windows: the mean is separable, one matrix product per axis
    y = x
    for a, (n, o) in enumerate(zip(sizes, outs, strict=True)):
        lo, hi = P.adaptive_bounds(n, o)
        j = np.arange(n)
        m = (((j >= lo[:, None]) & (j < hi[:, None])) / (hi - lo)[:, None]).astype(x.dtype)
        axis = x.ndim - d + a
        y = matmul(y.transpose(axis, -1), m.T).transpose(axis, -1)
    return y


def adaptive_avg_pool1d(input, output_size):
    """Mean over windows that tile the last dim into output_size cells: cell i covers
    floor(i L / L_out) to ceil((i + 1) L / L_out)."""
    return _adaptive_avg(1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Mean over windows that tile (H, W) into output_size cells (None keeps a size)."""
    return _adaptive_avg(2, "adaptive_avg_pool2d", input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Mean over windows that tile (D, H, W) into output_size cells (None keeps a size)."""
    return _adaptive_avg(3, "adaptive_avg_pool3d", input, output_size)


def _adaptive_max(cls, input, output_size, return_indices):
    d, op = cls.spatial, cls.op
    x = _input(input, d, op)
    outs = _output_size(output_size, x, d, op)
    sink = []
    out = cls.apply(x, lambda a: (*_adaptive_max_kernel(a, outs), False), sink)
    return (out, Tensor._from_op(sink[0].astype(np.int64), None, ())) if return_indices else out


def _adaptive_max_kernel(a, outs):
    if min(outs) == 0:  # an empty output (torch allows it), no windows
        shape = a.shape[:a.ndim - len(outs)] + outs
        return np.zeros(shape, a.dtype), np.zeros(shape, np.int64)
    return P.adaptive_max_forward(a, outs)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive windows of the last dim (adaptive_avg_pool1d's windows)."""
    return _adaptive_max(AdaptiveMaxPool1d, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows of (H, W) (adaptive_avg_pool2d's windows)."""
    return _adaptive_max(AdaptiveMaxPool2d, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over adaptive windows of (D, H, W) (adaptive_avg_pool3d's windows)."""
    return _adaptive_max(AdaptiveMaxPool3d, input, output_size, return_indices)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """Max over kernel_size windows at pseudo-random fractional strides (Graham, 2014) that
    give output_size (or input size * output_ratio). The window starts come from
    ``_random_samples`` (N, C, 2) in [0, 1), drawn from glassgrad's seeded generator when
    not given."""
    return _fractional(FractionalMaxPool2d, input, kernel_size, output_size, output_ratio,
                       return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """fractional_max_pool2d over (T, H, W); ``_random_samples`` is (N, C, 3)."""
    return _fractional(FractionalMaxPool3d, input, kernel_size, output_size, output_ratio,
                       return_indices, _random_samples)


def _fractional(cls, input, kernel_size, output_size, output_ratio, return_indices,
                _random_samples):
    d, op = cls.spatial, cls.op
    x = _input(input, d, op)
    k = _ints(kernel_size, d, "kernel_size", op)
    sizes = x.shape[x.ndim - d:]
    if output_size is None:
        if output_ratio is None:
            raise ValueError(f"{op} requires specifying either an output_size or an "
                             f"output_ratio")
        ratio = _floats(output_ratio, d)
        output_size = tuple(int(n * r) for n, r in zip(sizes, ratio, strict=True))
    outs = _ints(output_size, d, "output_size", op)
    strict = d == 3  # torch's 3-d kernel needs output + kernel - 1 < input, strictly
    for n, kk, o, what in zip(sizes, k, outs, ("time", "height", "width")[3 - d:], strict=True):
        if o + kk - 1 > n - strict:
            raise RuntimeError(f"{op}: output {what} {o} with kernel size {kk} is too large "
                               f"for input {what} {n} (output + kernel - 1 must be "
                               f"{'<' if strict else '<='} input)")
    planes = x.shape[:-d] if x.ndim == d + 2 else (1,) + x.shape[:-d]
    if _random_samples is None:
        samples = _random.unit_uniform(_random.default_generator(), planes + (d,), x.dtype)
    else:
        samples = np.asarray(as_tensor(_random_samples)._data, x.dtype)
        if samples.shape != planes + (d,):
            raise RuntimeError(f"{op}: expected _random_samples of shape {planes + (d,)}, got "
                               f"{samples.shape}")
    if x.ndim == d + 1:
        samples = samples[0]
    sink = []
    out = cls.apply(x, lambda a: (*P.fractional_max_forward(a, k, outs, samples), False), sink)
    return (out, Tensor._from_op(sink[0].astype(np.int64), None, ())) if return_indices else out


def _floats(v, d):
    return tuple(float(a) for a in v) if isinstance(v, (tuple, list)) else (float(v),) * d


def _lp_pool(d, input, norm_type, kernel_size, stride, ceil_mode):
    """(sum of x^p over each window)^(1/p), as torch composes it: an avg pool of x^p times
    the window size, with sign(out) * relu(|out|) before the root."""
    op = f"lp_pool{d}d"
    k = _ints(kernel_size, d, "kernel_size", op)
    x = as_tensor(input)
    if isinstance(norm_type, (int, float)) and abs(norm_type) == float("inf"):
        # the limits: the max of |x| over each window (+inf), or its min (-inf)
        pool = _MAX[d]
        if norm_type > 0:
            return pool(x.abs(), k, stride, 0, 1, ceil_mode)
        return -pool(-x.abs(), k, stride, 0, 1, ceil_mode)
    out = _avg_pool(_AVG[d], d, x ** norm_type, k, stride, 0, ceil_mode, True, None)
    # torch: sign(out) * relu(|out|), which is out with a zero gradient where out = 0
    out = np.where(out._data != 0, out, 0)
    return (out * float(np.prod(k))) ** (1.0 / norm_type)


_MAX = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


def _max_unpool(cls, input, indices, kernel_size, stride, padding, output_size):
    d, op = cls.spatial, cls.op
    x = _input(input, d, op)
    idx = as_tensor(indices)
    if idx.dtype != np.int64:
        raise RuntimeError(f"{op}: expected indices to have dtype int64, got {idx.dtype}")
    if tuple(idx.shape) != tuple(x.shape):
        raise RuntimeError(f"{op}: expected indices of the input's shape {tuple(x.shape)}, got "
                           f"{tuple(idx.shape)}")
    k, s, p, _ = _window(d, op, kernel_size, stride, padding)
    sizes = x.shape[x.ndim - d:]
    default = tuple((n - 1) * st - 2 * pp + kk for n, st, pp, kk in zip(sizes, s, p, k,
                                                                        strict=True))
    if output_size is None:
        outs = default
    else:
        outs = tuple(int(o) for o in output_size)
        if len(outs) in (d + 1, d + 2):
            outs = outs[len(outs) - d:]
        if len(outs) != d:
            raise ValueError(f"{op}: output_size must have {d} or {d + 2} elements, got "
                             f"{output_size!r}")
        for o, df, st in zip(outs, default, s, strict=True):
            if not df - st < o < df + st:
                raise ValueError(f"{op}: invalid output_size {output_size!r} (the sizes must "
                                 f"lie between {tuple(a - b for a, b in zip(default, s))} and "
                                 f"{tuple(a + b for a, b in zip(default, s))}, exclusive)")
    plane = int(np.prod(outs))
    raw = idx._data
    if raw.size and (raw.min() < 0 or raw.max() >= plane):
        bad = raw.min() if raw.min() < 0 else raw.max()
        raise RuntimeError(f"{op}: found an invalid max index {bad} (output volumes are of "
                           f"size {'x'.join(map(str, outs))})")
    return cls.apply(x, raw, tuple(x.shape[:x.ndim - d]) + outs)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value goes to its index, zeros elsewhere."""
    return _max_unpool(MaxUnpool1d, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value goes to its index, zeros elsewhere."""
    return _max_unpool(MaxUnpool2d, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d: each value goes to its index, zeros elsewhere."""
    return _max_unpool(MaxUnpool3d, input, indices, kernel_size, stride, padding, output_size)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"adaptive_avg_pool1d": adaptive_avg_pool1d,
                   "adaptive_max_pool1d": adaptive_max_pool1d}
FUNCTIONAL = {
    "adaptive_avg_pool1d": adaptive_avg_pool1d, "adaptive_avg_pool2d": adaptive_avg_pool2d,
    "adaptive_avg_pool3d": adaptive_avg_pool3d, "adaptive_max_pool1d": adaptive_max_pool1d,
    "adaptive_max_pool2d": adaptive_max_pool2d, "adaptive_max_pool3d": adaptive_max_pool3d,
    "lp_pool1d": lp_pool1d, "lp_pool2d": lp_pool2d,
    "lp_pool3d": lp_pool3d, "max_unpool1d": max_unpool1d, "max_unpool2d": max_unpool2d,
    "max_unpool3d": max_unpool3d, "fractional_max_pool2d": fractional_max_pool2d,
    "fractional_max_pool3d": fractional_max_pool3d,
}
FUNCTIONAL.update({f"{name}_with_indices": _with_indices(FUNCTIONAL[name]) for name in (
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "fractional_max_pool2d", "fractional_max_pool3d")})
