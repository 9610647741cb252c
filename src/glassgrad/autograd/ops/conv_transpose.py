"""Transposed convolutions: conv_transpose1d, conv_transpose2d, conv_transpose3d.

A transposed convolution is the adjoint of a convolution in its input (the gradient of
conv<N>d with respect to x): each input element x[n, c, p] adds x[n, c, p] * w[c, o, i] at
position s*p + d*i - padding of the output. The weight is (C_in, C_out/groups, *k) and

    out = (S - 1) * s - 2 * padding + d * (k - 1) + output_padding + 1.

Its gradients are convolutions (see conv.py), so it is twice differentiable and more.
"""

from __future__ import annotations

from ..function import Function, register
from . import _convnd_kernels as KN
from .conv import _add_bias, _bias_grad, _exact_pads, conv_call, ntuple, prepare, weight_call


class _ConvTranspose(Function):
    """out = b + adjoint of conv (stride, lo padding, dilation, groups) applied to x, cropped
    or zero-extended to ``size`` per spatial dim."""

    __slots__ = ("stride", "lo", "dilation", "groups")

    @staticmethod
    def forward(ctx, x, w, b, stride, lo, size, dilation, groups):
        ctx.stride, ctx.lo, ctx.dilation, ctx.groups = stride, lo, dilation, groups
        ctx.save_for_backward(x, w)
        return _add_bias(KN.conv_transpose(x, w, stride, lo, size, dilation, groups), b)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        s, d, g = ctx.stride, ctx.dilation, ctx.groups
        # the convolution of the output whose windows are exactly x's positions
        pads = _exact_pads(grad.shape[2:], x.shape[2:], w.shape[2:], s, ctx.lo, d)
        gx = gw = gb = None
        if nx:
            gx = conv_call(grad, w, s, pads, d, g)
        if nw:
            gw = weight_call(grad, x, w.shape[2:], s, pads, d, g)
        if nb:
            gb = _bias_grad(grad)
        return gx, gw, gb, None, None, None, None, None


@register("conv_transpose1d")
class ConvTranspose1d(_ConvTranspose):
    __slots__ = ()


@register("conv_transpose2d")
class ConvTranspose2d(_ConvTranspose):
    __slots__ = ()


@register("conv_transpose3d")
class ConvTranspose3d(_ConvTranspose):
    __slots__ = ()


CONV_TRANSPOSE = {1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d}


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    op = f"conv_transpose{nd}d"
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    x, w, b, stride, dilation, groups, unbatched = prepare(op, nd, input, weight, bias,
                                                           stride, dilation, groups)
    padding = ntuple(padding, nd, "padding", op)
    output_padding = ntuple(output_padding, nd, "output_padding", op)
    if min(padding) < 0:
        raise RuntimeError(f"{op}: negative padding is not supported (padding={padding})")
    if min(output_padding) < 0:
        raise RuntimeError(f"{op}: negative output_padding is not supported "
                           f"(output_padding={output_padding})")
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation,
                                                strict=True)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or "
                           f"dilation, but got output_padding={output_padding}, stride="
                           f"{stride}, dilation={dilation}")
    c_in = x.shape[1]
    if w.shape[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {list(w.shape)}")
    if c_in != w.shape[0]:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {list(w.shape)}, "
                           f"expected input{list(x.shape)} to have {w.shape[0]} channels, but "
                           f"got {c_in} channels instead")
    c_out = w.shape[1] * groups
    if b is not None and b.shape != (c_out,):
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {list(w.shape)}, "
                           f"expected bias to be 1-dimensional with {c_out} elements, but got "
                           f"bias of size {list(b.shape)} instead")
    spatial, ksize = x.shape[2:], w.shape[2:]
    size = tuple((spatial[a] - 1) * stride[a] - 2 * padding[a] + dilation[a] * (ksize[a] - 1)
                 + output_padding[a] + 1 for a in range(nd))
    if min(size) < 1:
        raise RuntimeError(f"{op}: Given input size per channel: {tuple(spatial)}. Calculated "
                           f"output size per channel: {size}. Output size is too small")
    out = CONV_TRANSPOSE[nd].apply(x, w, b, stride, padding, size, dilation, groups)
    return out.reshape(*out.shape[1:]) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 1-D convolution of (N, C_in, L) or (C_in, L); weight (C_in,
    C_out/groups, k). Note torch's argument order: groups before dilation."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 2-D convolution of (N, C_in, H, W) or (C_in, H, W); weight (C_in,
    C_out/groups, kH, kW)."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 3-D convolution of (N, C_in, D, H, W) or (C_in, D, H, W); weight (C_in,
    C_out/groups, kD, kH, kW)."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


_ALL = {"conv_transpose1d": conv_transpose1d, "conv_transpose2d": conv_transpose2d,
        "conv_transpose3d": conv_transpose3d}
TENSOR_METHODS = {}
TORCH_FUNCTIONS = dict(_ALL)
FUNCTIONAL = dict(_ALL)
