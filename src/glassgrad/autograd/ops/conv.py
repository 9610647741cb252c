"""Convolution ops: conv1d, conv2d, conv3d, and the weight-gradient op they share.

All three run one N-d kernel (``_convnd_kernels.conv``). Their gradients are the other two
kernels, called as ops, so every gradient is differentiable again (torch has double backward
for all convolutions):

    out = conv(x, w):           gx = conv_transpose(grad, w)    gw = conv_weight(x, grad)
    gw  = conv_weight(x, g):    dx = conv_transpose(g, H)       dg = conv(x, H)
    y   = conv_transpose(x, w): gx = conv(grad, w)              gw = conv_weight(grad, x)

(H is the upstream gradient of gw.) Internally padding is a (lo, hi) pair per spatial dim, so
'same' with an even kernel pads asymmetrically as torch does, and a negative hi crops: that
is how a backward asks for exactly the output size it needs.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import _convnd_kernels as KN


# ------------------------------------------------------------------------------ helpers
def _exact_pads(size, out, ksize, stride, lo, dilation):
    """(lo, hi) per dim so that a convolution of ``size`` has exactly ``out`` positions."""
    return tuple((lo[a], (out[a] - 1) * stride[a] + dilation[a] * (ksize[a] - 1) + 1
                  - size[a] - lo[a]) for a in range(len(ksize)))


def _bias_grad(grad):
    return grad.sum(axis=(0, *range(2, grad.ndim)))


def _add_bias(out, b):
    if b is not None:
        out += b.reshape(-1, *(1,) * (out.ndim - 2))
    return out


def _tensors(*a):
    return any(isinstance(v, Tensor) for v in a)


def conv_call(x, w, stride, pads, dilation, groups):
    """``conv`` without bias: an op on Tensors (double backward), the kernel on arrays."""
    if _tensors(x, w):
        return CONV[w.ndim - 2].apply(x, w, None, stride, pads, dilation, groups)
    return KN.conv(x, w, stride, pads, dilation, groups)


def weight_call(x, g, ksize, stride, pads, dilation, groups):
    if _tensors(x, g):
        return ConvWeight.apply(x, g, tuple(ksize), stride, pads, dilation, groups)
    return KN.conv_weight(x, g, ksize, stride, pads, dilation, groups)


def transpose_call(x, w, stride, lo, size, dilation, groups):
    if _tensors(x, w):
        from .conv_transpose import CONV_TRANSPOSE

        return CONV_TRANSPOSE[w.ndim - 2].apply(x, w, None, stride, lo, tuple(size), dilation,
                                                groups)
    return KN.conv_transpose(x, w, stride, lo, size, dilation, groups)


# ------------------------------------------------------------------------------ ops
class _Conv(Function):
    """out[n, o, p] = b[o] + sum_{c, i} w[o, c, i] * xp[n, c', s*p + d*i], per group.

    xp is x zero-padded by pads = ((lo, hi), ...) per spatial dim; w (C_out, C_in/G, *k).
    """

    __slots__ = ("stride", "pads", "dilation", "groups")

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups):
        ctx.stride, ctx.pads, ctx.dilation, ctx.groups = stride, pads, dilation, groups
        ctx.save_for_backward(x, w)
        return _add_bias(KN.conv(x, w, stride, pads, dilation, groups), b)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad[:3]
        s, pads, d, g = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        gx = gw = gb = None
        if nx:  # the adjoint in x: scatter grad back through the windows
            gx = transpose_call(grad, w, s, tuple(lo for lo, _ in pads), x.shape[2:], d, g)
        if nw:
            gw = weight_call(x, grad, w.shape[2:], s, pads, d, g)
        if nb:
            gb = _bias_grad(grad)
        return gx, gw, gb, None, None, None, None


@register("conv1d")
class Conv1d(_Conv):
    __slots__ = ()


@register("conv2d")
class Conv2d(_Conv):
    __slots__ = ()


@register("conv3d")
class Conv3d(_Conv):
    __slots__ = ()


CONV = {1: Conv1d, 2: Conv2d, 3: Conv3d}


@register("conv_weight")
class ConvWeight(Function):
    """gw[o, c, i] = sum_{n, p} g[n, o, p] * xp[n, c', s*p + d*i]: a convolution's weight
    gradient (torch.nn.grad.conv<N>d_weight) for input x and output gradient g.

    It is bilinear in (x, g): for an upstream H of gw's shape, dx = conv_transpose(g, H) and
    dg = conv(x, H), cropped to g's positions.
    """

    __slots__ = ("ksize", "stride", "pads", "dilation", "groups")

    @staticmethod
    def forward(ctx, x, g, ksize, stride, pads, dilation, groups):
        ctx.ksize, ctx.stride, ctx.pads = ksize, stride, pads
        ctx.dilation, ctx.groups = dilation, groups
        ctx.save_for_backward(x, g)
        return KN.conv_weight(x, g, ksize, stride, pads, dilation, groups)

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        nx, ng = ctx.needs_input_grad[:2]
        s, d, grp, k = ctx.stride, ctx.dilation, ctx.groups, ctx.ksize
        lo = tuple(a for a, _ in ctx.pads)
        dx = dg = None
        if nx:
            dx = transpose_call(g, grad, s, lo, x.shape[2:], d, grp)
        if ng:
            pads = _exact_pads(x.shape[2:], g.shape[2:], k, s, lo, d)
            dg = conv_call(x, grad, s, pads, d, grp)
        return dx, dg, None, None, None, None, None


# ------------------------------------------------------------------------------ arguments
def ntuple(v, n, name, op):
    """An int, or a sequence of 1 or n ints, as n ints (torch expands a single value)."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    try:
        t = tuple(int(a) for a in v)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                        f"{type(v).__name__}") from None
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of "
                           f"{n} values to match the convolution dimensions, but got "
                           f"{name}={list(t)}")
    return t


def prepare(op, nd, input, weight, bias, stride, dilation, groups):
    """Check the tensors and common arguments of a (transposed) convolution.

    Returns (x, w, b, stride, dilation, groups, unbatched) with x batched.
    """
    x, w = as_tensor(input), as_tensor(weight)
    b = None if bias is None else as_tensor(bias)
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{op}, but got input of size: {list(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight, got weight of size "
                           f"{list(w.shape)}")
    dts = {t.dtype for t in (x, w, b) if t is not None}
    if len(dts) > 1:
        names = ", ".join(f"{k} {t.dtype}" for k, t in zip(("input", "weight", "bias"),
                                                           (x, w, b)) if t is not None)
        raise RuntimeError(f"{op}: expected input, weight and bias of one dtype, got {names}")
    if x.dtype.kind not in "fiu":
        raise RuntimeError(f"{op}: not implemented for dtype {x.dtype}")
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{op}: groups must be an int, got {type(groups).__name__}")
    groups = int(groups)
    if groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups})")
    if min(stride) < 1:
        raise RuntimeError(f"{op}: non-positive stride is not supported (stride={stride})")
    if min(dilation) < 1:
        raise RuntimeError(f"{op}: dilation should be greater than zero (dilation="
                           f"{dilation})")
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.reshape(1, *x.shape)
    return x, w, b, stride, dilation, groups, unbatched


def _same_pads(op, ksize, stride, dilation):
    if any(s != 1 for s in stride):
        raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                           f"(stride={stride})")
    totals = [d * (k - 1) for k, d in zip(ksize, dilation, strict=True)]
    return tuple((t // 2, t - t // 2) for t in totals)  # the odd one more after, as torch


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    op = f"conv{nd}d"
    x, w, b, stride, dilation, groups, unbatched = prepare(op, nd, input, weight, bias,
                                                           stride, dilation, groups)
    ksize = w.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            pads = _same_pads(op, ksize, stride, dilation)
        else:
            raise RuntimeError(f"{op}: Invalid padding string: {padding!r} (use 'valid', "
                               "'same', an int or a tuple of ints)")
    else:
        p = ntuple(padding, nd, "padding", op)
        if min(p) < 0:
            raise RuntimeError(f"{op}: negative padding is not supported (padding={p})")
        pads = tuple((a, a) for a in p)
    shapes = f"input {list(x.shape)}, weight {list(w.shape)}"
    c_in, c_out = x.shape[1], w.shape[0]
    if c_out % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {list(w.shape)}")
    if c_in != w.shape[1] * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {list(w.shape)}, "
                           f"expected input{list(x.shape)} to have {w.shape[1] * groups} "
                           f"channels, but got {c_in} channels instead")
    if b is not None and b.shape != (c_out,):
        raise RuntimeError(f"{op}: Given weight of size {list(w.shape)}, expected bias to be "
                           f"1-dimensional with {c_out} elements, but got bias of size "
                           f"{list(b.shape)} instead")
    padded = tuple(x.shape[2 + a] + lo + hi for a, (lo, hi) in enumerate(pads))
    extent = tuple(dilation[a] * (ksize[a] - 1) + 1 for a in range(nd))
    if any(e > s for e, s in zip(extent, padded, strict=True)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: {padded}. "
                           f"Kernel size (dilated): {extent}. Kernel size can't be greater "
                           f"than actual input size; {shapes}")
    out = CONV[nd].apply(x, w, b, stride, pads, dilation, groups)
    return out.reshape(*out.shape[1:]) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C_in, L) or (C_in, L); weight
    (C_out, C_in/groups, k). padding: int, tuple, 'valid' or 'same' (stride 1 only)."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups,
    kH, kW). padding: int, pair, 'valid' or 'same' (stride 1 only; an even kernel pads one
    more after than before, as torch)."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W); weight (C_out,
    C_in/groups, kD, kH, kW)."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The weight gradient of conv<N>d for ``input`` and ``grad_output`` (batched), as
    torch.nn.grad.conv<N>d_weight: a tensor of ``weight_size`` (C_out, C_in/groups, *k)."""
    x, g = as_tensor(input), as_tensor(grad_output)
    nd = x.ndim - 2
    op = "conv_weight"
    if nd < 1 or g.ndim != x.ndim or len(weight_size) != x.ndim:
        raise RuntimeError(f"{op}: expected input and grad_output of equal dims (N, C, ...) and "
                           f"a weight_size of as many, got input {list(x.shape)}, grad_output "
                           f"{list(g.shape)}, weight_size {list(weight_size)}")
    stride, dilation = ntuple(stride, nd, "stride", op), ntuple(dilation, nd, "dilation", op)
    p = ntuple(padding, nd, "padding", op)
    ksize = tuple(int(k) for k in weight_size[2:])
    expect = tuple(KN.out_size(x.shape[2 + a], ksize[a], stride[a], p[a], p[a], dilation[a])
                   for a in range(nd))
    if (g.shape[0] != x.shape[0] or g.shape[1] != weight_size[0] or g.shape[2:] != expect
            or x.shape[1] != weight_size[1] * groups):
        raise RuntimeError(f"{op}: grad_output {list(g.shape)} does not match input "
                           f"{list(x.shape)} and weight_size {list(weight_size)} (expected "
                           f"positions {expect}, groups={groups})")
    return ConvWeight.apply(x, g, ksize, stride, tuple((a, a) for a in p), dilation,
                            int(groups))


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"conv1d": conv1d, "conv2d": conv2d, "conv3d": conv3d}
FUNCTIONAL = {"conv1d": conv1d, "conv2d": conv2d, "conv3d": conv3d}
NUMPY_FUNCTIONS = {}
