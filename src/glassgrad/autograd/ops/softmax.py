"""Softmax and its relatives: logsumexp, softmax, log_softmax, softmin and gumbel_softmax.

Each subtracts the maximum before exponentiating, so large logits (+-1e4) do not overflow.
logsumexp reduces as the reductions in reduce.py do: ``dim`` is None (every dim), an int or
a tuple, with ``keepdim``, and numpy's ``axis``/``keepdims`` as aliases; integer inputs are
computed in the default float dtype. softmax and log_softmax take one int ``dim`` (without
it torch's deprecated implicit choice, with a warning) and a floating input (or ``dtype``),
and keep the input's shape.
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import random as _random
from ..._dtype import get_default_dtype
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw
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
def implicit_softmax_dim(name, ndim, stacklevel=3):
    """torch's legacy choice when softmax & co. get no dim: 0 for 0-, 1- and 3-D input, else 1,
    with its deprecation warning (``stacklevel`` as for warnings.warn, from the caller of
    this function: 3 is the caller of softmax)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_axis(name, x, dim):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    _floating(x, name)
    return _axes(dim, x.ndim, name)


def softmax_last(s, owned=False):
    """softmax over the last dim of a float array ``s``, or None where this fast route does
    not apply. With ``owned`` (the caller's own scratch array) it is computed in place, and
    after None ``s`` holds garbage.

    Any shift c leaves softmax unchanged: exp(s - c) / sum(exp(s - c)). The usual c is each
    row's maximum, but numpy reduces short rows slowly; this route shifts every row by the
    one global maximum (so nothing overflows) and sums the rows with a matrix-vector
    product. A row far below the global maximum could underflow: it is caught by its sum
    (at least exp(rowmax - c)), and then None tells the caller to take the per-row route,
    as it must also do for a row of -inf (no finite maximum) and for inf or NaN.
    """
    if s.ndim == 0 or s.size == 0 or s.dtype.kind != "f" or s.dtype.itemsize < 4:
        return None
    c = s.max()
    if not np.isfinite(c):
        return None
    s = np.subtract(s, c, out=s if owned else None)
    np.exp(s, out=s)
    z = s @ np.ones(s.shape[-1], dtype=s.dtype)
    if not z.min() >= _SUM_FLOOR[s.dtype.itemsize]:  # False for NaN too
        return None
    s /= z[..., None]
    return s


_SUM_FLOOR = {4: np.finfo(np.float32).tiny ** 0.5, 8: np.finfo(np.float64).tiny ** 0.5}


def softmax_last_backward(out, grad, owned=False):
    """out * (grad - sum(grad * out)) over the last dim, for arrays: one row dot product
    (einsum) and two passes; with ``owned`` (the caller's scratch array) in place in grad."""
    dot = np.einsum("...j,...j->...", grad, out)[..., None]
    gx = np.subtract(grad, dot, out=grad if owned else None)
    gx *= out
    return gx


@register("softmax")
class Softmax(Function):
    """out = exp(x - m) / sum(exp(x - m)), m = max(x) (so large logits do not overflow);
    d x = out * (grad - sum(grad * out)). Over the last dim of an array the shift is the
    global maximum when that is safe (``softmax_last``)."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = None
        if axis == (x.ndim - 1,) and x.dtype.kind == "f":
            out = softmax_last(x)
        if out is None:
            # initial: an empty dim gives an empty result, as torch
            e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))
            out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        if ctx.axis == (out.ndim - 1,) and type(grad) is np.ndarray and \
                type(out) is np.ndarray and grad.dtype == out.dtype:
            return softmax_last_backward(out, grad), None
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True)), None


@register("log_softmax")
class LogSoftmax(Function):
    """out = (x - m) - log(sum(exp(x - m))), m = max(x);  d x = grad - exp(out) * sum(grad)."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)
        with np.errstate(divide="ignore"):  # log(0) only where the dim is empty
            out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True), None


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / sum(exp(input)) along dim; with ``dtype`` the input is cast to it first
    (so integer inputs work too) and the gradient is cast back to the input's dtype. Without
    dim, torch's deprecated implicit choice (implicit_softmax_dim), with its warning."""
    x = as_tensor(input)
    if dim is None:
        dim = implicit_softmax_dim("softmax", x.ndim, _stacklevel)
    x = _cast(x, dtype)
    return Softmax.apply(x, _softmax_axis("softmax", x, dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """input - logsumexp(input) along dim; ``dtype`` and a missing dim as in softmax."""
    x = as_tensor(input)
    if dim is None:
        dim = implicit_softmax_dim("log_softmax", x.ndim, _stacklevel)
    x = _cast(x, dtype)
    return LogSoftmax.apply(x, _softmax_axis("log_softmax", x, dim))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim (cast to dtype first, when given)."""
    x = as_tensor(input)
    if dim is None:
        dim = implicit_softmax_dim("softmin", x.ndim, _stacklevel)
    if dtype is not None:
        x = x.to(dtype)
    return softmax(-x, dim)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) along dim, g = -log(E) Gumbel noise (E ~ Exp(1), from
    glassgrad's seeded generator). hard=True returns the one-hot of the argmax in the
    forward pass with the soft sample's gradient (straight-through)."""
    x = as_tensor(logits)
    _floating(x, "gumbel_softmax")
    e = _random.default_generator().exponential(size=x.shape)
    g = (-np.log(e)).astype(x.dtype)
    y = softmax((x + g) / tau, dim)
    if not hard:
        return y
    axis = dim % max(x.ndim, 1)
    raw = _raw(y)
    onehot = np.zeros_like(raw)
    if raw.ndim:
        np.put_along_axis(onehot, np.expand_dims(raw.argmax(axis=axis), axis), 1, axis)
    else:
        onehot[...] = 1
    return Tensor(onehot) - y.detach() + y


def _required(name, dim):
    if dim is None:  # only F.softmax & co. choose a dim implicitly
        raise TypeError(f'{name}: dim is required ({name}() missing 1 required positional '
                        f'arguments: "dim")')
    return dim


def _softmax_method(input, dim=None, dtype=None):
    """``x.softmax(dim, dtype)`` and ``torch.softmax``: dtype is the third positional."""
    return softmax(input, _required("softmax", dim), dtype=dtype)


def _log_softmax_method(input, dim=None, dtype=None):
    return log_softmax(input, _required("log_softmax", dim), dtype=dtype)


_SOFTMAX = {"logsumexp": logsumexp, "softmax": _softmax_method,
            "log_softmax": _log_softmax_method}
TENSOR_METHODS = dict(_SOFTMAX)
TORCH_FUNCTIONS = dict(_SOFTMAX)
FUNCTIONAL = {"softmax": softmax, "log_softmax": log_softmax, "softmin": softmin,
              "gumbel_softmax": gumbel_softmax}
NUMPY_FUNCTIONS = {}
