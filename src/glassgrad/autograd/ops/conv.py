"""Convolution and pooling ops: thin Functions over the numpy kernels in ``_conv_kernels``.

The kernels use strided window views and BLAS products; the input gradient of a convolution
is itself a ("full") correlation of the spread-out gradient with the flipped kernel. These
ops are differentiable once: their backward runs on arrays (``once_differentiable``).
"""

from __future__ import annotations

from ..function import Function, register
from ..tensor import as_tensor
from . import _conv_kernels as K


def _pair(v, name, op):
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")
    return v


@register("conv2d")
class Conv2d(Function):
    """out[n, o] = b[o] + sum_c w[o, c] (cross-correlated with) x[n, c], per group."""

    __slots__ = ("stride", "padding", "dilation", "groups")
    once_differentiable = True

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups
        ctx.save_for_backward(x, w)
        return K.conv2d_forward(x, w, b, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx, gw, gb = K.conv2d_backward(grad, x, w, ctx.stride, ctx.padding, ctx.dilation,
                                       ctx.groups, need_x=nx, need_w=nw, need_b=nb)
        return gx, gw, gb, None, None, None, None


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


def _batched(x, op):
    """Accept (C, H, W) like torch by adding and later removing a batch dim."""
    x = as_tensor(x)
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x.reshape(1, *x.shape), True
    raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                     f"{x.shape}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, unbatched = _batched(input, "conv2d")
    w = as_tensor(weight)
    if w.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (C_out, C_in/groups, kH, kW), got shape "
                         f"{w.shape}")
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            k = w.shape[2:]
            if stride != (1, 1) or any((dilation[i] * (k[i] - 1)) % 2 for i in range(2)):
                raise ValueError("conv2d: padding='same' needs stride 1 and an odd effective "
                                 f"kernel; got stride {stride}, kernel {k}, dilation {dilation}")
            padding = tuple(dilation[i] * (k[i] - 1) // 2 for i in range(2))
        else:
            raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same'; got "
                             f"{padding!r}")
    padding = _pair(padding, "padding", "conv2d")
    b = None if bias is None else as_tensor(bias)
    out = Conv2d.apply(x, w, b, stride, padding, dilation, int(groups))
    return out.reshape(*out.shape[1:]) if unbatched else out


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


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"conv2d": conv2d, "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d}
FUNCTIONAL = {"conv2d": conv2d, "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d}
NUMPY_FUNCTIONS = {}
