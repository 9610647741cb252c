"""Resampling: interpolate (every torch mode). grid_sample and affine_grid are in grid.py,
pixel_shuffle, channel_shuffle and unfold / fold in blocks.py.

Every linear interpolation mode is separable: along each resized dim the output is a fixed
(out, in) matrix times the input, built once from torch's source-index formulas (below). The
``interpolate`` op applies those matrices; its backward applies the transposed matrices with
the same op, so the double backward comes for free. The nearest modes gather with the index
op (their backward adds up the reused elements), which also keeps integer inputs working.

Source index of output position i along a dim of input size n_in, output size n_out, with
``scale`` = 1 / scale_factor when a scale factor is passed to the kernel, else n_in / n_out
(align_corners: (n_in - 1) / (n_out - 1), 0 for n_out = 1):

    nearest        floor(i * scale), at most n_in - 1; in 2-D only (torch's kernel differs
                   there), n_out == n_in gives i and n_out == 2 n_in gives i // 2
    nearest-exact  floor((i + 0.5) * scale), at most n_in - 1
    linear         src = scale * i (align_corners), else max(scale * (i + 0.5) - 0.5, 0);
                   i0 = floor(src), i1 = min(i0 + 1, n_in - 1), weights 1 - t, t (t = src - i0);
                   a dim whose size does not change is copied, whatever the scale factor
    cubic          src as linear without the clamp at 0; x0 = floor(src), t = src - x0,
                   Keys' kernel (A = -0.75) at x0 - 1 .. x0 + 2, indices clamped to [0, n_in)
    area           mean over [floor(i n_in / n_out), ceil((i + 1) n_in / n_out))
    antialias      (bilinear, bicubic) a filter widened by the scale when shrinking; see
                   _antialias_matrix

The arithmetic runs in the input's float type, as torch's kernels do, so float32 rounding
picks the same neighbours.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .grid import _cubic
from .indexing import Index

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_LINEAR_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


# ------------------------------------------------------------------------------ the op
def _apply_mats(x, mats):
    """Array x with mats[j] (out, in) applied along the j-th of the last len(mats) dims."""
    k = len(mats)
    for j, m in enumerate(mats):
        d = x.ndim - k + j
        if d == x.ndim - 1:
            x = x @ m.T
        elif d == x.ndim - 2:
            x = m @ x
        else:
            x = np.swapaxes(np.swapaxes(x, d, -1) @ m.T, d, -1)
    return x


@register("interpolate")
class Interpolate(Function):
    """out = x with a fixed (out, in) matrix applied along each of the trailing dims.

    Linear in x, so grad_x is the same op with every matrix transposed.
    """

    __slots__ = ("mats",)

    @staticmethod
    def forward(ctx, x, mats):
        mats = tuple(m.astype(x.dtype, copy=False) for m in mats)
        ctx.mats = mats
        return np.ascontiguousarray(_apply_mats(x, mats))

    @staticmethod
    def backward(ctx, grad):
        t = tuple(m.T for m in ctx.mats)
        if isinstance(grad, Tensor):
            return Interpolate.apply(grad, t), None
        return np.ascontiguousarray(_apply_mats(grad, t)), None


# ------------------------------------------------------------------------------ index maths
def _scale(n_in, n_out, align_corners, scale, ct):
    if align_corners:
        return ct((n_in - 1) / (n_out - 1)) if n_out > 1 else ct(0)
    if scale is not None and scale > 0:
        return ct(1.0 / scale)
    return ct(n_in) / ct(n_out)


def _nearest_index(mode, n_in, n_out, scale, ct, shortcuts):
    i = np.arange(n_out)
    if mode == "nearest":
        if shortcuts and n_out == n_in:
            return i
        if shortcuts and n_out == 2 * n_in:
            return i >> 1
        src = np.floor(i.astype(ct) * _scale(n_in, n_out, False, scale, ct))
    else:
        src = np.floor((i.astype(ct) + ct(0.5)) * _scale(n_in, n_out, False, scale, ct))
    return np.minimum(src.astype(np.int64), n_in - 1)


def _matrix(mode, n_in, n_out, align_corners, scale, ct):
    """The (n_out, n_in) matrix of one dim of a linear-type mode."""
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode == "area":
        start = rows * n_in // n_out
        end = -(-(rows + 1) * n_in // n_out)
        cols = np.arange(n_in)
        inside = (cols >= start[:, None]) & (cols < end[:, None])
        return np.where(inside, 1.0 / (end - start)[:, None], 0.0)
    if mode != "bicubic" and n_in == n_out:
        return np.eye(n_in)  # torch's linear kernels copy a dim that keeps its size
    s = _scale(n_in, n_out, align_corners, scale, ct)
    i = rows.astype(ct)
    src = s * i if align_corners else s * (i + ct(0.5)) - ct(0.5)
    if mode == "bicubic":
        x0 = np.floor(src)
        t = src - x0
        x0 = x0.astype(np.int64)
        for off, w in zip(range(-1, 3), _cubic(t)):
            np.add.at(m, (rows, np.clip(x0 + off, 0, n_in - 1)), w)
        return m
    src = np.maximum(src, ct(0))
    i0 = src.astype(np.int64)
    t = np.clip(src - i0.astype(ct), 0, 1)
    np.add.at(m, (rows, i0), ct(1) - t)
    np.add.at(m, (rows, np.minimum(i0 + 1, n_in - 1)), t)
    return m


def _antialias_matrix(mode, n_in, n_out, align_corners, scale, ct):
    """antialias=True: a triangle (bilinear) or Keys a = -0.5 (bicubic) filter stretched by
    the scale when shrinking, centered on scale (i + 0.5), its weights normalized to sum 1.
    A dim that keeps its size is copied (torch skips that pass)."""
    if n_in == n_out:
        return np.eye(n_in)
    s = float(_scale(n_in, n_out, align_corners, scale, np.float64))
    support = (1.0 if mode == "bilinear" else 2.0) * max(s, 1.0)
    inv = 1.0 / s if s >= 1.0 else 1.0
    center = s * (np.arange(n_out) + 0.5)
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    size = np.minimum((center + support + 0.5).astype(np.int64), n_in) - lo
    j = np.arange(int(size.max(initial=0)))
    u = np.abs((j + lo[:, None] - center[:, None] + 0.5) * inv)
    if mode == "bilinear":
        w = np.where(u < 1, 1 - u, 0.0)
    else:
        near, far = _cubic(u, -0.5)[1], _cubic(u - 1, -0.5)[0]  # Keys' two pieces at |u|
        w = np.where(u < 1, near, np.where(u < 2, far, 0.0))
    w = np.where(j < size[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), 0.0)
    m = np.zeros((n_out, n_in))
    cols = np.minimum(lo[:, None] + j, n_in - 1)
    np.add.at(m, (np.repeat(np.arange(n_out), len(j)), cols.ravel()), w.ravel())
    return m


# ------------------------------------------------------------------------------ interpolate
def _per_dim(value, k, name):
    if isinstance(value, (list, tuple)):
        if len(value) != k:
            raise ValueError(f"Input and {name} must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {k} and "
                             f"{name} of length {len(value)}.")
        return list(value)
    return [value] * k


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of an (N, C, *spatial) input to ``size`` or by
    ``scale_factor`` (output size floor(n * scale_factor)). See the module doc for the
    source-index formulas of each mode."""
    x = as_tensor(input)
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(_MODES)}")
    if antialias and (mode not in ("bilinear", "bicubic") or x.ndim != 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if x.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {x.ndim}D) for the modes: nearest | linear | bilinear "
                                  f"| bicubic | trilinear | area | nearest-exact (got {mode})")
    k = x.ndim - 2
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != x.ndim:
        raise NotImplementedError(f"Got {x.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR_DIMS[mode]}D input")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    n_in = x.shape[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        n_out = [int(s) for s in _per_dim(size, k, "size")]
        scales = [None] * k
    else:
        scales = [float(s) for s in _per_dim(scale_factor, k, "scale_factor")]
        n_out = [math.floor(float(n) * s) for n, s in zip(n_in, scales)]
        if recompute_scale_factor or mode == "area":
            scales = [None] * k
    if any(n < 0 for n in n_out) or (mode != "area" and 0 in n_out):  # area: empty is fine
        raise RuntimeError(f"interpolate: input size {tuple(n_in)} gives an output size "
                           f"{tuple(n_out)}; it should be greater than 0")
    if min(n_in) == 0:
        raise RuntimeError(f"interpolate: input of shape {tuple(x.shape)} is empty")
    ct = np.float32 if x.dtype != np.float64 else np.float64
    if mode in ("nearest", "nearest-exact"):
        idx = [_nearest_index(mode, a, b, s, ct, k == 2) for a, b, s in zip(n_in, n_out, scales)]
        return Index.apply(x, (Ellipsis, *np.ix_(*idx)))
    if x.dtype.kind != "f":
        raise RuntimeError(f"interpolate: mode {mode!r} needs a floating point input, got "
                           f"dtype {x.dtype}")
    build = _antialias_matrix if antialias else _matrix
    mats = tuple(build(mode, a, b, align_corners, s, ct) for a, b, s in zip(n_in, n_out, scales))
    return Interpolate.apply(x, mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The deprecated name of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"interpolate": interpolate, "upsample": upsample,
              "upsample_nearest": upsample_nearest, "upsample_bilinear": upsample_bilinear}
