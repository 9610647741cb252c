"""Rearranging blocks of pixels: pixel_shuffle / pixel_unshuffle, channel_shuffle, and
unfold (im2col) / fold (col2im). Merged into the API by resample.py.

Each pair is adjoint: pixel_unshuffle undoes pixel_shuffle (a permutation), and col2im adds
every column entry back to the pixel im2col copied it from. So each op's backward is its
partner op, and the double backward comes for free.

im2col of an (N, C, H, W) input, padding p, dilation d, stride s, kernel (kh, kw): row
c kh kw + i kw + j, column b_h n_w + b_w holds x_padded[c, b_h s_h + i d_h, b_w s_w + j d_w],
with n_h = (H + 2 p_h - d_h (kh - 1) - 1) // s_h + 1 blocks down (n_w across). Both ops loop
over the kh kw kernel offsets only, each a strided slice of the whole batch.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor


# ------------------------------------------------------------------------------ pixel shuffle
def _shuffle_array(x, r):
    *lead, c, h, w = x.shape
    b = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.transpose(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle_array(x, r):
    *lead, c, h, w = x.shape
    b = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.transpose(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


@register("pixel_shuffle")
class PixelShuffle(Function):
    """(*, C r^2, H, W) -> (*, C, H r, W r): out[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w].
    A permutation: grad is pixel_unshuffle(grad)."""

    __slots__ = ("r",)

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _shuffle_array(x, r)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return PixelUnshuffle.apply(grad, ctx.r), None
        return _unshuffle_array(grad, ctx.r), None


@register("pixel_unshuffle")
class PixelUnshuffle(Function):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse permutation of pixel_shuffle."""

    __slots__ = ("r",)

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _unshuffle_array(x, r)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return PixelShuffle.apply(grad, ctx.r), None
        return _shuffle_array(grad, ctx.r), None


def _shuffle_check(op, x, r, arg):
    if not isinstance(r, numbers.Integral) or isinstance(r, bool):
        raise TypeError(f"{op}: {arg} must be an int, got {type(r).__name__}")
    if r <= 0:
        raise RuntimeError(f"{op}: {arg} must be greater than 0, but got {r}")
    if x.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input "
                           f"with {x.ndim} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    x, r = as_tensor(input), upscale_factor
    _shuffle_check("pixel_shuffle", x, r, "upscale_factor")
    if x.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but "
                           f"input.size(-3)={x.shape[-3]} is not divisible by {r * r}")
    return PixelShuffle.apply(x, int(r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    x, r = as_tensor(input), downscale_factor
    _shuffle_check("pixel_unshuffle", x, r, "downscale_factor")
    if x.shape[-2] % r or x.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but input.size(-2)={x.shape[-2]} and "
                           f"input.size(-1)={x.shape[-1]} are not both divisible by {r}")
    return PixelUnshuffle.apply(x, int(r))


def channel_shuffle(input, groups):
    """(N, C, *) with its channels regrouped: channel g (C / groups) + j goes to
    j groups + g."""
    x = as_tensor(input)
    if x.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {list(x.shape)}")
    if groups <= 0 or x.shape[1] % groups:
        raise RuntimeError(f"channel_shuffle: number of channels ({x.shape[1]}) must be "
                           f"divisible by groups ({groups}) and groups must be positive")
    n, c, *rest = x.shape
    return x.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(x.shape)


# ------------------------------------------------------------------------------ im2col / col2im
def _windows(kernel, dilation, stride, blocks):
    """For each kernel offset (i, j): the strided slices of the padded image it reads."""
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            yield i, j, (slice(i * dilation[0], i * dilation[0] + stride[0] * (blocks[0] - 1) + 1,
                               stride[0]),
                         slice(j * dilation[1], j * dilation[1] + stride[1] * (blocks[1] - 1) + 1,
                               stride[1]))


def _im2col_array(x, kernel, dilation, padding, stride, blocks):
    p = padding
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])]) if any(p) else x
    *lead, c = x.shape[:-2]
    out = np.empty((*lead, c, kernel[0], kernel[1], blocks[0], blocks[1]), dtype=x.dtype)
    for i, j, (rows, cols) in _windows(kernel, dilation, stride, blocks):
        out[..., i, j, :, :] = xp[..., rows, cols]
    return out.reshape(*lead, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def _col2im_array(x, size, kernel, dilation, padding, stride, blocks):
    *lead, ckk, _ = x.shape
    c = ckk // (kernel[0] * kernel[1])
    cols = x.reshape(*lead, c, kernel[0], kernel[1], blocks[0], blocks[1])
    p = padding
    out = np.zeros((*lead, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=x.dtype)
    for i, j, (rows, cs) in _windows(kernel, dilation, stride, blocks):
        out[..., rows, cs] += cols[..., i, j, :, :]
    return np.ascontiguousarray(out[..., p[0]:p[0] + size[0], p[1]:p[1] + size[1]])


@register("im2col")
class Im2Col(Function):
    """F.unfold: (N, C, H, W) -> (N, C kh kw, L), each column one sliding block (see the
    module doc). Linear: grad is col2im(grad), adding up the pixels blocks share."""

    __slots__ = ("size", "geometry")

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, blocks):
        ctx.size, ctx.geometry = x.shape[-2:], (kernel, dilation, padding, stride, blocks)
        return _im2col_array(x, *ctx.geometry)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return (Col2Im.apply(grad, ctx.size, *ctx.geometry),) + (None,) * 5
        return (_col2im_array(grad, ctx.size, *ctx.geometry),) + (None,) * 5


@register("col2im")
class Col2Im(Function):
    """F.fold: (N, C kh kw, L) -> (N, C, H, W), adding up overlapping blocks; the adjoint of
    im2col, so grad is im2col(grad)."""

    __slots__ = ("geometry",)

    @staticmethod
    def forward(ctx, x, size, kernel, dilation, padding, stride, blocks):
        ctx.geometry = (kernel, dilation, padding, stride, blocks)
        return _col2im_array(x, size, *ctx.geometry)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, Tensor):
            return (Im2Col.apply(grad, *ctx.geometry),) + (None,) * 6
        return (_im2col_array(grad, *ctx.geometry),) + (None,) * 6


def _pair(op, name, v):
    v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(v) != 2 or not all(isinstance(a, numbers.Integral) for a in v):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {v}")
    return tuple(int(a) for a in v)


def _geometry(op, size, kernel_size, dilation, padding, stride):
    k, d, p, s = (_pair(op, n, v) for n, v in (("kernel_size", kernel_size),
                                               ("dilation", dilation), ("padding", padding),
                                               ("stride", stride)))
    for name, v, lo in (("kernel_size", k, 1), ("dilation", d, 1), ("padding", p, 0),
                        ("stride", s, 1)):
        if min(v) < lo:
            raise RuntimeError(f"{op}: {name} should be at least {lo}, but got {name}={v}")
    blocks = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                   for n, kk, dd, pp, ss in zip(size, k, d, p, s))
    if min(blocks) < 1:
        raise RuntimeError(f"{op}: given input spatial size {tuple(size)}, kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of "
                           f"sliding blocks as {blocks}, but its components must be at least "
                           f"one.")
    return k, d, p, s, blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C kh kw, L); (C, H, W) -> (C kh kw, L)."""
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {x.ndim}D)")
    return Im2Col.apply(x, *_geometry("unfold", x.shape[-2:], kernel_size, dilation, padding,
                                      stride))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im: (N, C kh kw, L) -> (N, C, H, W), adding up the values that blocks share."""
    x = as_tensor(input)
    if x.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {x.ndim}D)")
    size = _pair("fold", "output_size", output_size)
    k, d, p, s, blocks = _geometry("fold", size, kernel_size, dilation, padding, stride)
    ckk, n_blocks = x.shape[-2:]
    if ckk % (k[0] * k[1]):
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={ckk} and "
                           f"kernel_size={k}")
    if blocks[0] * blocks[1] != n_blocks:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={n_blocks}.")
    return Col2Im.apply(x, size, k, d, p, s, blocks)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"pixel_shuffle": pixel_shuffle, "pixel_unshuffle": pixel_unshuffle,
                   "channel_shuffle": channel_shuffle, "native_channel_shuffle": channel_shuffle}
FUNCTIONAL = {"pixel_shuffle": pixel_shuffle, "pixel_unshuffle": pixel_unshuffle,
              "channel_shuffle": channel_shuffle, "native_channel_shuffle": channel_shuffle,
              "unfold": unfold, "fold": fold}
