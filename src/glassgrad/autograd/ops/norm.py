"""Normalization ops (batch_norm, layer_norm), each one fused op.

Both norms compute ``xhat = (x - mean) / sqrt(var + eps)`` (biased ``var``) over some axes
and ``out = w * xhat + b``; a constant slice normalizes to exactly 0, as in torch. The input
gradient is a closed form, one pass over the data, not a chain of small ops. With n values
per statistic and ``gh = g * w``:

    d x = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps)    (batch statistics)
    d x = gh / sqrt(var + eps)                                         (running statistics)
    d w = sum(g * xhat),  d b = sum(g),  over the axes w is broadcast along.

Under ``create_graph`` backward recomputes the statistics from the saved input with Tensor
ops, so second derivatives work as well.
"""

from __future__ import annotations

import numbers
import string

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor


def _psum(a, b, axes):
    """sum(a * b) over ``axes``, kept as size-1 dims; one einsum (no temporary) on arrays."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a * b).sum(axis=axes, keepdims=True)
    letters = string.ascii_letters[:a.ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    shape = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
    return np.einsum(f"{letters},{letters}->{kept}", a, b).reshape(shape)


def _numel(a):
    return a._data.size if isinstance(a, Tensor) else a.size


def _raw(a):
    return a._data if isinstance(a, Tensor) else a


def _moments(x, axes):
    """mean, biased variance (both with ``axes`` kept as size-1 dims) and x - mean, of arrays
    or Tensors.

    The data is first shifted by its first element along ``axes``, a constant: a constant
    slice then centers to exactly 0 (torch's Welford sums do too), where x - sum(x) / n
    can be a rounding error that 1 / sqrt(eps) blows up. Shifting also keeps the sums small.
    """
    first = _raw(x)[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))]
    d = x - first
    n = _count(x, axes)  # 0 for an empty slice: every sum is 0, and so are the statistics
    shift = d.sum(axis=axes, keepdims=True) / n
    xc = d - shift
    return first + shift, _psum(xc, xc, axes) / n, xc


def _count(x, axes):
    """The number of values per statistic over ``axes``, at least 1 (so an empty input divides
    nothing by zero: its result is empty, as torch's)."""
    return max(int(np.prod([x.shape[a] for a in axes])), 1)


def _channel_sum(a, b=None):
    """sum(a) or sum(a * b) over every axis but 1 of equal-shape arrays, as a (C,) array.

    One einsum over an (N, C, rest) view: several times faster than ndarray.sum over axes
    (0, 2, ...), which batch norm runs four times per step on every activation."""
    n, c = a.shape[:2]
    a3 = a.reshape(n, c, int(np.prod(a.shape[2:])))
    if b is None:
        return np.einsum("ncp->c", a3)
    return np.einsum("ncp,ncp->c", a3, b.reshape(a3.shape))


def _batch_moments(x, shape):
    """(mean, var, xc) of a float array over every axis but 1, as ``_moments`` computes
    them (shifted by the first value of each channel, so a constant channel centres to
    exactly 0), in place where it can: one new array, xc."""
    n = _count(x, (0, *range(2, x.ndim)))
    first = x[(slice(0, 1), slice(None), *(slice(0, 1),) * (x.ndim - 2))]
    xc = x - first
    shift = _channel_sum(xc) / n
    xc -= shift.reshape(shape)
    var = _channel_sum(xc, xc) / n
    return first + shift.reshape(shape), var.reshape(shape), xc


def _scale_shift(xhat, weight, bias, shape):
    """out = w * xhat + b, with w and b (either may be None) reshaped to ``shape``."""
    out = xhat if weight is None else xhat * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def _save(ctx, x, weight, xhat, out):
    """Save x and weight. Without weight and bias the output is xhat itself, which backward
    reads: it is saved too, so changing the output in place makes backward raise."""
    if out is xhat:
        ctx.save_for_backward(x, weight, out)
    else:
        ctx.save_for_backward(x, weight)


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


@register("batch_norm")
class BatchNorm(Function):
    """out = w (x - mean) / sqrt(var + eps) + b per channel (dim 1), the statistics taken
    over every other dim (training) or the running statistics (eval); see the module doc.

    In training the running statistics, when given, are updated in place (outside autograd):
    r = (1 - momentum) r + momentum s, with the unbiased batch variance for running_var.
    """

    __slots__ = ("axes", "eps", "running", "xhat", "invstd")

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = _channel_shape(x)
        ctx.axes, ctx.eps = axes, eps
        fast = training and x.dtype.kind == "f" and x.size > 0
        if training:
            mean, var, xc = _batch_moments(x, shape) if fast else _moments(x, axes)
            ctx.running = None
            n = x.size // max(x.shape[1], 1)
            if n == 0:  # an empty batch leaves the running statistics alone, as torch
                running_mean = running_var = None
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var.reshape(-1)
        else:
            mean = running_mean.reshape(shape).astype(x.dtype)  # copies: the ctx keeps them
            var = running_var.reshape(shape).astype(x.dtype)
            ctx.running = (mean, var)
            xc = x - mean
        ctx.invstd = 1.0 / np.sqrt(var + eps)
        if fast:  # xc is a fresh array: scale it in place, then one new array for out
            ctx.xhat = xhat = np.multiply(xc, ctx.invstd, out=xc)
            out = xhat if weight is None else xhat * weight.reshape(shape)
            if bias is not None:
                out = np.add(out, bias.reshape(shape), out=None if out is xhat else out)
        else:
            ctx.xhat = xhat = xc * ctx.invstd
            out = _scale_shift(xhat, weight, bias, shape)
        _save(ctx, x, weight, xhat, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors[:2]
        axes, running = ctx.axes, ctx.running
        if not isinstance(x, Tensor) and not isinstance(grad, Tensor) and x.size:
            return BatchNorm._backward_arrays(ctx, grad, x, w)
        if isinstance(x, Tensor):  # create_graph: rebuild xhat from x so it is differentiable
            if running is None:
                _, var, xc = _moments(x, axes)
            else:
                mean, var = running
                xc = x - mean
            invstd = 1.0 / np.sqrt(var + ctx.eps)
            xhat = xc * invstd
        else:
            xhat, invstd = ctx.xhat, ctx.invstd
        n = _count(x, axes)
        g_sum = grad.sum(axis=axes, keepdims=True)
        g_xhat = _psum(grad, xhat, axes)
        gx = None
        if ctx.needs_input_grad[0]:
            scale = invstd if w is None else invstd * w.reshape(_channel_shape(x))
            if running is None:  # the batch statistics depend on x too
                gx = scale * (grad - g_sum / n - xhat * (g_xhat / n))
            else:
                gx = grad * scale
        gw = g_xhat.reshape(-1) if ctx.needs_input_grad[1] else None
        gb = g_sum.reshape(-1) if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None

    @staticmethod
    def _backward_arrays(ctx, grad, x, w):
        """The backward above on arrays (no create_graph): per-channel sums by einsum, and
        gx = scale (grad - g_sum / n - xhat g_xhat / n) built in one new array."""
        shape, n = _channel_shape(x), _count(x, ctx.axes)
        xhat, invstd = ctx.xhat, ctx.invstd
        g_sum, g_xhat = _channel_sum(grad), _channel_sum(grad, xhat)
        gx = None
        if ctx.needs_input_grad[0]:
            scale = invstd if w is None else invstd * w.reshape(shape)
            if ctx.running is None:  # the batch statistics depend on x too
                gx = np.multiply(xhat, (g_xhat / n).reshape(shape))
                gx += (g_sum / n).reshape(shape)
                np.subtract(grad, gx, out=gx)
                gx *= scale
            else:
                gx = grad * scale
        gw = g_xhat if ctx.needs_input_grad[1] else None
        gb = g_sum if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None

    def release(self):
        super().release()
        self.xhat = self.invstd = None


def _rows_moments(x2):
    """xhat and 1 / sqrt(var + eps)'s denominator pieces of a 2-D (rows, n) float array, one
    statistic per row: (xc, var) with xc a fresh array. As ``_moments``, the rows are first
    shifted by their first value (a constant row centers to exactly 0); the row sums are
    matrix-vector products, the squares one einsum, so no (rows, n) temporary is made but xc."""
    n = x2.shape[1]
    xc = x2 - x2[:, :1]
    ones = np.ones(n, dtype=x2.dtype)
    xc -= (xc @ ones / n)[:, None]
    return xc, np.einsum("ij,ij->i", xc, xc) / n


@register("layer_norm")
class LayerNorm(Function):
    """out = w (x - mean) / sqrt(var + eps) + b, the statistics taken over the last
    ``ndims`` dims (w and b have those dims' shape); see the module doc for the gradient.

    On arrays (not under create_graph) forward and backward view x as (rows, n) and work
    in place on fresh arrays: the row sums are matrix-vector products with ones."""

    __slots__ = ("axes", "lead", "eps", "xhat", "invstd")

    @staticmethod
    def forward(ctx, x, weight, bias, ndims, eps):
        ctx.axes = tuple(range(x.ndim - ndims, x.ndim))
        ctx.lead, ctx.eps = tuple(range(x.ndim - ndims)), eps
        if x.size and x.dtype.kind == "f":
            n = int(np.prod(x.shape[x.ndim - ndims:]))
            xhat, var = _rows_moments(x.reshape(-1, n))
            ctx.invstd = 1.0 / np.sqrt(var + eps)[:, None]
            xhat *= ctx.invstd
            ctx.xhat = xhat = xhat.reshape(x.shape)
            ctx.invstd = ctx.invstd.reshape(x.shape[:x.ndim - ndims] + (1,) * ndims)
            out = xhat
            if weight is not None:
                out = xhat * weight
            if bias is not None:
                fresh = out is not xhat and np.result_type(out, bias) == out.dtype
                out = np.add(out, bias, out=out) if fresh else out + bias
        else:
            _, var, xc = _moments(x, ctx.axes)
            ctx.invstd = 1.0 / np.sqrt(var + eps)
            ctx.xhat = xhat = xc * ctx.invstd
            out = _scale_shift(xhat, weight, bias, x.shape[x.ndim - ndims:])
        _save(ctx, x, weight, xhat, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors[:2]
        axes, lead = ctx.axes, ctx.lead
        if isinstance(x, Tensor):  # create_graph: rebuild xhat from x so it is differentiable
            _, var, xc = _moments(x, axes)
            invstd = 1.0 / np.sqrt(var + ctx.eps)
            xhat = xc * invstd
        else:
            xhat, invstd = ctx.xhat, ctx.invstd
            if x.size and xhat.dtype == grad.dtype and not isinstance(grad, Tensor):
                return LayerNorm._rows_backward(ctx, grad, w, xhat, invstd)
        n = _count(x, axes)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gh = grad if w is None else grad * w
            gx = invstd * (gh - gh.sum(axis=axes, keepdims=True) / n
                           - xhat * (_psum(gh, xhat, axes) / n))
        if ctx.needs_input_grad[1]:
            gw = _psum(grad, xhat, lead).reshape(w.shape) if lead else grad * xhat
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=lead) if lead else grad
        return gx, gw, gb, None, None

    @staticmethod
    def _rows_backward(ctx, grad, w, xhat, invstd):
        """The backward above on arrays viewed as (rows, n): row and column sums are
        matrix-vector products and einsums, the input gradient built in place."""
        n = int(np.prod([xhat.shape[a] for a in ctx.axes]))
        g2, xh2 = np.ascontiguousarray(grad).reshape(-1, n), xhat.reshape(-1, n)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gh = g2 if w is None else g2 * w.reshape(n)
            s1 = gh @ np.ones(n, dtype=gh.dtype) / n
            s2 = np.einsum("ij,ij->i", gh, xh2) / n
            gx = xh2 * -s2[:, None]
            gx += gh
            gx -= s1[:, None]
            gx *= invstd.reshape(-1, 1)
            gx = gx.reshape(xhat.shape)
        shape = xhat.shape[len(ctx.lead):]
        if ctx.needs_input_grad[1]:
            gw = np.einsum("ij,ij->j", g2, xh2).reshape(shape)
        if ctx.needs_input_grad[2]:
            gb = (np.ones(g2.shape[0], dtype=g2.dtype) @ g2).reshape(shape)
        return gx, gw, gb, None, None

    def release(self):
        super().release()
        self.xhat = self.invstd = None


# ------------------------------------------------------------------------------ functions
def _optional(t):
    return None if t is None else as_tensor(t)


def _shape(t):
    return tuple(t.shape) if isinstance(t, Tensor) else np.shape(t)


def _check_vector(op, name, t, n):
    if t is not None and _shape(t) != (n,):
        raise RuntimeError(f"{op}: {name} must have shape ({n},) (one value per channel), got "
                         f"shape {_shape(t)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) of an (N, C, ...) input, then scale by ``weight`` and
    shift by ``bias``. Training uses the batch statistics and updates the running ones in
    place, when given; eval (training=False) uses the running statistics."""
    op = "batch_norm"
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector(op, name, t, c)
    if training:
        if x.numel() // max(c, 1) == 1:  # an empty batch is fine (an empty result)
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {x.shape}")
    elif running_mean is None or running_var is None:
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode ({op} with "
                           "training=False)")
    stats = [t._data if isinstance(t, Tensor) else t for t in (running_mean, running_var)]
    out = BatchNorm.apply(x, _optional(weight), _optional(bias), *stats, bool(training),
                          float(momentum), float(eps))
    if training:
        for t in (running_mean, running_var):
            if isinstance(t, Tensor):
                t._version[0] += 1
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last len(normalized_shape) dims, then scale and shift
    elementwise by ``weight`` and ``bias`` (each of shape normalized_shape)."""
    x = as_tensor(input)
    ns = ((int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral)
          else tuple(int(n) for n in normalized_shape))
    if not ns or len(ns) > x.ndim or x.shape[x.ndim - len(ns):] != ns:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(ns)}, expected an input "
                         f"of shape [*, {', '.join(map(str, ns))}], got shape {list(x.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and _shape(t) != ns:
            raise RuntimeError(f"layer_norm: {name} must have the normalized shape {ns}, got "
                             f"shape {_shape(t)}")
    return LayerNorm.apply(x, _optional(weight), _optional(bias), len(ns), float(eps))


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"batch_norm": batch_norm, "layer_norm": layer_norm}
NUMPY_FUNCTIONS = {}
