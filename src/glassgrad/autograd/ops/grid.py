"""grid_sample, composed from registered ops (index, where, mul), so it is differentiable
twice, in the input and in the grid; and affine_grid, an op linear in theta.

grid_sample reads, for each output location, the input at the grid's (x, y) in [-1, 1]
(x along W, y along H; and z along D for 5-D input), unnormalized as torch does:

    align_corners:  ix = (x + 1) / 2 * (W - 1)       (-1 and 1 are the corner pixels' centers)
    otherwise:      ix = ((x + 1) W - 1) / 2          (-1 and 1 are the corner pixels' edges)

padding_mode 'border' clips ix into [0, W - 1]; 'reflection' mirrors it about the edges
(the centers with align_corners, the edges without) and then clips. Both are piecewise
ix -> s ix + c with s in {-1, 0, 1} worked out from the data, which is also their
derivative (0 where clipped, as torch). 'zeros' reads 0 outside the input. Bilinear mixes
the four neighbours with weights linear in ix, iy; nearest rounds half to even; bicubic
(4-D only) mixes 4 x 4 taps with Keys' weights (A = -0.75), the padding mode applied to
each tap's position, as torch does.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .elementwise import where
from .indexing import Index


def _cubic(t, a=-0.75):
    """Keys' cubic convolution weights of the taps at floor - 1 .. floor + 2, t the fraction."""
    def near(u):
        return ((a + 2) * u - (a + 3)) * u * u + 1

    def far(u):
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _clip(c, n):
    d = c._data
    inside = (d > 0) & (d < n - 1)
    return where(inside, c, np.clip(d, 0, n - 1).astype(d.dtype))


def _reflect_parts(d, twice_low, twice_high):
    """For coordinates d: the sign s (+-1) and the mirrored value, so that reflect(d) = ref
    and its derivative is s."""
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    t = d - lo
    s = np.where(t < 0, -1.0, 1.0)
    t = np.abs(t)
    extra = np.fmod(t, span)
    odd = np.floor(t / span) % 2 == 1
    return np.where(odd, -s, s), np.where(odd, span - extra + lo, extra + lo)


def _reflect(c, twice_low, twice_high):
    """c mirrored into [low, high] (both halved), as s c + const with s = +-1."""
    d = c._data
    if twice_low == twice_high:
        return where(np.ones(d.shape, bool), np.zeros_like(d), c)  # torch: 0, no gradient
    s, ref = _reflect_parts(d, twice_low, twice_high)
    return c * s.astype(d.dtype) + (ref - s * d).astype(d.dtype)


def _bounded(d, n, padding_mode, align_corners):
    """Integer tap positions d after the padding mode (bicubic reads each tap this way)."""
    if padding_mode == "reflection":
        if n == 1:
            d = np.zeros_like(d)
        else:
            low, high = (0, 2 * (n - 1)) if align_corners else (-1, 2 * n - 1)
            d = _reflect_parts(d, low, high)[1]
    if padding_mode != "zeros":
        d = np.clip(d, 0, n - 1)
    return np.trunc(d).astype(np.int64)


def _source(c, n, padding_mode, align_corners):
    c = (c + 1) * ((n - 1) / 2) if align_corners else ((c + 1) * n - 1) / 2
    if padding_mode == "border":
        c = _clip(c, n)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        c = _clip(c, n)
    return c


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample an (N, C, H, W) input at the (N, H_out, W_out, 2) grid's locations, returning
    (N, C, H_out, W_out); or an (N, C, D, H, W) input at an (N, D_out, H_out, W_out, 3) grid
    (x, y, z), trilinearly for mode 'bilinear'. See the module doc."""
    x, g = as_tensor(input), as_tensor(grid)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if x.ndim not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same "
                           f"number of dimensions, but got input with sizes {tuple(x.shape)}")
    k = x.ndim - 2
    if g.ndim != x.ndim or g.shape[-1] != k or g.shape[0] != x.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid of shape (N, *out, {k}) with N = "
                           f"{x.shape[0]} for input of shape {tuple(x.shape)}, but got grid "
                           f"with sizes {tuple(g.shape)}")
    if x.dtype != g.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {x.dtype} and grid has {g.dtype}")
    if mode == "bicubic" and k != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    sizes = x.shape[2:][::-1]  # W, H(, D): the order of the grid's last dim
    pm = "zeros" if mode == "bicubic" else padding_mode  # bicubic pads each tap instead
    src = [_source(g[..., j], sizes[j], pm, bool(align_corners)) for j in range(k)]
    batch = np.arange(x.shape[0]).reshape((-1,) + (1,) * k)
    zero = np.zeros((), x.dtype)

    def read(idx):  # x at integer locations, (N, *out, C), and where they are inside
        valid = np.ones(idx[0].shape, bool)
        for i, m in zip(idx, sizes):
            valid &= (i >= 0) & (i < m)
        clipped = [np.clip(i, 0, m - 1) for i, m in zip(idx, sizes)]
        return Index.apply(x, (batch, slice(None), *clipped[::-1])), valid[..., None]

    if mode == "nearest":
        v, valid = read([np.rint(c._data).astype(np.int64) for c in src])
        out = where(valid, v, zero)
        # the grid gets a zero gradient (as in torch), not none: a select, never a product
        never = np.zeros(valid.shape, bool)
        for c in src:
            out = where(never, c.unsqueeze(-1), out)
    elif mode == "bicubic":
        low = [np.floor(c._data) for c in src]
        taps = [_cubic(c - f) for c, f in zip(src, low)]
        out = None
        for a in range(4):
            for b in range(4):
                xi = _bounded(low[0] + (a - 1), sizes[0], padding_mode, bool(align_corners))
                yi = _bounded(low[1] + (b - 1), sizes[1], padding_mode, bool(align_corners))
                v, valid = read([xi, yi])
                term = where(valid, (taps[0][a] * taps[1][b]).unsqueeze(-1) * v, zero)
                out = term if out is None else out + term
    else:
        low = [np.floor(c._data) for c in src]
        frac = [c - f for c, f in zip(src, low)]
        low = [f.astype(np.int64) for f in low]
        out = None
        for corner in range(2 ** k):
            bits = [(corner >> j) & 1 for j in range(k)]
            wt = None
            for b, t in zip(bits, frac):
                f = t if b else 1 - t
                wt = f if wt is None else wt * f
            v, valid = read([lo + b for lo, b in zip(low, bits)])
            term = where(valid, wt.unsqueeze(-1) * v, zero)
            out = term if out is None else out + term
    return out.permute(0, k + 1, *range(1, k + 1))


def _base(n, align_corners):
    if n <= 1:
        return np.zeros(max(n, 0))
    r = np.linspace(-1.0, 1.0, n)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    """The (N, H, W, 2) grid (or (N, D, H, W, 3)) of theta (N, 2, 3) (or (N, 3, 4)) applied to
    the normalized output coordinates [x, y(, z), 1], for grid_sample."""
    t = as_tensor(theta)
    size = tuple(int(s) for s in size)
    if t.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {t.dtype}")
    k = len(size) - 2
    if k not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {list(size)}.")
    if t.ndim == 3 and tuple(t.shape[1:]) == (k, k + 1) and t.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta has a batch of {t.shape[0]} matrices, but size "
                           f"{list(size)} asks for N = {size[0]}")
    if t.ndim != 3 or tuple(t.shape) != (size[0], k, k + 1):
        raise ValueError(f"Expected a batch of {k}D affine matrices of shape Nx{k}x{k + 1} for "
                         f"size {list(size)}. Got {list(t.shape)}.")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    spatial = size[2:]
    coords = []  # x (along the last dim), y, then z, each broadcast to the spatial shape
    for j in range(k):
        m = spatial[k - 1 - j]
        shape = [1] * k
        shape[k - 1 - j] = m
        coords.append(np.broadcast_to(_base(m, bool(align_corners)).reshape(shape), spatial))
    base = np.stack([*coords, np.ones(spatial)], axis=-1).astype(t.dtype)
    return AffineGrid.apply(t, base)


@register("affine_grid")
class AffineGrid(Function):
    """grid[n, ...] = theta[n] @ base[...]: the (*spatial, k + 1) base holds the normalized
    coordinates [x, y(, z), 1]. Linear in theta: grad_theta[n] = sum of grad[n] base^T."""

    __slots__ = ("base",)

    @staticmethod
    def forward(ctx, theta, base):
        ctx.base = base
        flat = base.reshape(-1, base.shape[-1])
        out = flat @ np.swapaxes(theta, 1, 2)
        return out.reshape(theta.shape[0], *base.shape[:-1], theta.shape[1])

    @staticmethod
    def backward(ctx, grad):
        flat = ctx.base.reshape(-1, ctx.base.shape[-1])
        n, k = grad.shape[0], grad.shape[-1]
        if isinstance(grad, Tensor):
            return grad.reshape(n, -1, k).mT @ Tensor(flat), None
        return np.swapaxes(grad.reshape(n, -1, k), 1, 2) @ flat, None


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"grid_sample": grid_sample, "affine_grid": affine_grid}
