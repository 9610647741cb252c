"""Softmax and its relatives: logsumexp, softmax and log_softmax.

Each subtracts the maximum before exponentiating, so large logits (+-1e4) do not overflow.
logsumexp reduces as the reductions in reduce.py do: ``dim`` is None (every dim), an int or
a tuple, with ``keepdim``, and numpy's ``axis``/``keepdims`` as aliases; integer inputs are
computed in the default float dtype. softmax and log_softmax need one int ``dim`` (no
implicit choice) and a floating input, and keep the input's shape.
"""

from __future__ import annotations

import numpy as np

from ..._dtype import get_default_dtype
from ..function import Function, register
from ..tensor import as_tensor
from ._util import expand_reduced, pick_keepdim
from .reduce import _axes, _cast, _dims, _floating


# ------------------------------------------------------------------------------ logsumexp
@register("logsumexp")
class LogSumExp(Function):
    """out = m + log(sum(exp(x - m))), m = max(x) so exp never overflows;
    d out / d x = exp(x - out) = softmax(x)."""

    __slots__ = ("shape", "axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        m = x.max(axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or an inf): no shift, as torch
        s = np.exp(x - m).sum(axis=axes, keepdims=keepdim)
        with np.errstate(divide="ignore"):  # log(0) = -inf for an empty or all -inf slice
            out = np.log(s) + (m if keepdim else m.reshape(np.shape(s)))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return g * np.exp(x - expand_reduced(out, ctx.shape, ctx.axes, ctx.keepdim)), None, None


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(input))) over ``dim`` (None: every dim), computed stably."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        x = x.to(get_default_dtype())  # torch computes integer inputs in the default float
    axes = _dims(dim, axis, x.ndim, "logsumexp")
    return LogSumExp.apply(x, axes, pick_keepdim(keepdim, keepdims))


# ------------------------------------------------------------------------------ softmax
def _softmax_axis(name, x, dim):
    if dim is None:
        raise TypeError(f"{name}: dim is required (e.g. {name}(x, dim=-1)) for input of shape "
                        f"{x.shape}; torch's implicit choice of dim is deprecated")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    _floating(x, name)
    return _axes(dim, x.ndim, name)


@register("softmax")
class Softmax(Function):
    """out = exp(x - m) / sum(exp(x - m)), m = max(x) (so large logits do not overflow);
    d x = out * (grad - sum(grad * out))."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True)), None


@register("log_softmax")
class LogSoftmax(Function):
    """out = (x - m) - log(sum(exp(x - m))), m = max(x);  d x = grad - exp(out) * sum(grad)."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True), None


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    x = _cast(as_tensor(input), dtype)
    return Softmax.apply(x, _softmax_axis("softmax", x, dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x = _cast(as_tensor(input), dtype)
    return LogSoftmax.apply(x, _softmax_axis("log_softmax", x, dim))


_SOFTMAX = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax}
TENSOR_METHODS = dict(_SOFTMAX)
TORCH_FUNCTIONS = dict(_SOFTMAX)
FUNCTIONAL = {"softmax": softmax, "log_softmax": log_softmax}
NUMPY_FUNCTIONS = {}
