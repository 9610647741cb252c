"""Pooling: max and average over sliding windows, and adaptive pooling (windows that tile the
input into a given output size)."""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from . import _conv_kernels as K
from .conv import _batched, _pair
from .linalg import matmul


@register("max_pool2d")
class MaxPool2d(Function):
    """out = the max of each window. Ties: the whole gradient goes to the first maximum
    of the window in row-major order (the index torch returns), not shared."""

    __slots__ = ("shape", "kernel_size", "stride", "padding", "dilation")
    once_differentiable = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation):
        out, indices = K.max_pool2d_forward(x, kernel_size, stride, padding, dilation)
        ctx.save_for_backward(indices)  # freed with the graph, like any saved array
        ctx.shape = x.shape
        ctx.kernel_size, ctx.stride, ctx.padding, ctx.dilation = (kernel_size, stride, padding,
                                                                  dilation)
        return out

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        gx = K.max_pool2d_backward(grad, ctx.shape, indices, ctx.kernel_size, ctx.stride,
                                   ctx.padding, ctx.dilation)
        return gx, None, None, None, None


@register("avg_pool2d")
class AvgPool2d(Function):
    """out = the mean of each window (zero padding counted unless count_include_pad=False)."""

    __slots__ = ("shape", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
    once_differentiable = True

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, ceil_mode, count_include_pad):
        ctx.shape = x.shape
        ctx.kernel_size, ctx.stride, ctx.padding = kernel_size, stride, padding
        ctx.ceil_mode, ctx.count_include_pad = ceil_mode, count_include_pad
        return K.avg_pool2d_forward(x, kernel_size, stride, padding, ceil_mode,
                                    count_include_pad)

    @staticmethod
    def backward(ctx, grad):
        gx = K.avg_pool2d_backward(grad, ctx.shape, ctx.kernel_size, ctx.stride, ctx.padding,
                                   ctx.ceil_mode, ctx.count_include_pad)
        return gx, None, None, None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    x, unbatched = _batched(input, "max_pool2d")
    k = _pair(kernel_size, "kernel_size", "max_pool2d")
    s = k if stride is None or stride == () else _pair(stride, "stride", "max_pool2d")
    out = MaxPool2d.apply(x, k, s, _pair(padding, "padding", "max_pool2d"),
                          _pair(dilation, "dilation", "max_pool2d"))
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported")
    return out.reshape(*out.shape[1:]) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if divisor_override is not None:
        raise NotImplementedError("avg_pool2d: divisor_override is not supported")
    x, unbatched = _batched(input, "avg_pool2d")
    k = _pair(kernel_size, "kernel_size", "avg_pool2d")
    s = k if stride is None or stride == () else _pair(stride, "stride", "avg_pool2d")
    out = AvgPool2d.apply(x, k, s, _pair(padding, "padding", "avg_pool2d"), bool(ceil_mode),
                          bool(count_include_pad))
    return out.reshape(*out.shape[1:]) if unbatched else out


def _pool_matrix(n, out, dtype):
    """(out, n): row i averages input positions floor(i n / out) to ceil((i + 1) n / out)."""
    m = np.zeros((out, n), dtype)
    for i in range(out):
        lo, hi = (i * n) // out, -((-(i + 1) * n) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average over windows that tile the (H, W) plane into ``output_size`` cells (torch's
    window bounds); an entry None keeps that input size."""
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) "
                         f"input, got shape {x.shape}")
    h, w = x.shape[-2:]
    size = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else (
        tuple(output_size))
    if len(size) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got "
                         f"{output_size!r}")
    oh, ow = (h if size[0] is None else int(size[0])), (w if size[1] is None else int(size[1]))
    if oh <= 0 or ow <= 0:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {(oh, ow)}")
    if (oh, ow) == (1, 1):
        return x.mean(dim=(-2, -1), keepdim=True)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    # overlapping windows: the average is separable, rows then columns
    return matmul(_pool_matrix(h, oh, x.dtype), matmul(x, _pool_matrix(w, ow, x.dtype).T))


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d}
FUNCTIONAL = {"max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d,
              "adaptive_avg_pool2d": adaptive_avg_pool2d}
