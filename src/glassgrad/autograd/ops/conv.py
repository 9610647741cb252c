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


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"conv2d": conv2d}
FUNCTIONAL = {"conv2d": conv2d}
NUMPY_FUNCTIONS = {}
