"""scatter_reduce: x with src reduced into it at an index along a dim (sum, prod, mean,
amax, amin), with or without x's own values (``include_self``).

Gradients as torch defines them: sum and mean pass (a share of) grad; prod divides the
product by each factor, with a factor that is the only 0 at its place handled apart; amax
and amin split grad evenly among the values (of x and src) that tie for the result. With
include_self=False, x gets no gradient where anything was scattered.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .movement import reshape
from .scatter import _scatter_index, _scatter_source

REDUCES = ("sum", "prod", "mean", "amax", "amin")
_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
       "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max if dtype.kind in "iu" else 1
    return -big if reduce == "amax" else big


def _reduce_arrays(x, src, grid, reduce, include_self):
    out = x.copy()
    if not include_self:
        if x.dtype == bool and reduce in ("amax", "amin"):
            out[grid] = reduce == "amin"
        else:
            out[grid] = _identity(reduce, x.dtype)
    _AT[reduce].at(out, grid, src)
    if reduce == "mean":
        n = _count(x.shape, grid, include_self)
        if x.dtype.kind == "f":
            out = (out / np.maximum(n, 1)).astype(x.dtype, copy=False)
        else:
            out = out // np.maximum(n, 1).astype(x.dtype)
    return out


def _count(shape, grid, include_self):
    """How many values (x's own, if included, and src's) are reduced at each place."""
    n = np.full(shape, int(include_self), dtype=np.int64)
    np.add.at(n, grid, 1)
    return n


def _data(a):
    return a._data if isinstance(a, Tensor) else a


@register("scatter_reduce")
class ScatterReduce(Function):
    """out = x with src[i, j, ...] reduced into out[..., index[i, j, ...], ...]."""

    __slots__ = ("grid", "reduce", "include_self")

    @staticmethod
    def forward(ctx, x, src, grid, reduce, include_self):
        ctx.grid, ctx.reduce, ctx.include_self = grid, reduce, include_self
        out = _reduce_arrays(x, src, grid, reduce, include_self)
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        grid, reduce, incl = ctx.grid, ctx.reduce, ctx.include_self
        dtype = _data(grad).dtype
        if reduce == "sum":
            gx, gs = grad, grad[grid]
        elif reduce == "mean":
            n = np.maximum(_count(grad.shape, grid, incl), 1).astype(dtype)
            gx, gs = grad / n, grad[grid] / n[grid]
        elif reduce == "prod":
            gx, gs = _prod_grads(ctx, grad)
        else:
            x, src, out = ctx.saved_tensors
            xd, sd, od = _data(x), _data(src), _data(out)
            self_is, src_is = xd == od, sd == od[grid]
            n = self_is.astype(dtype)
            np.add.at(n, grid, src_is.astype(dtype))
            shared = grad / np.where(n == 0, 1, n).astype(dtype)  # torch's even split
            gx, gs = np.where(self_is, shared, 0), np.where(src_is, shared[grid], 0)
        if not incl:
            hit = np.zeros(grad.shape, bool)
            hit[grid] = True
            gx = np.where(hit, 0, gx)
        return gx, gs, None, None, None


def _prod_grads(ctx, grad):
    """d out / d x = out / x and d out / d src = out / src, computed so a 0 factor that is
    the only one at its place still gets the product of the others."""
    x, src, out = ctx.saved_tensors
    grid, incl = ctx.grid, ctx.include_self
    xd, sd = _data(x), _data(src)

    def reduced(a, s):
        if isinstance(a, Tensor) or isinstance(s, Tensor):
            return ScatterReduce.apply(a, s, grid, "prod", incl)
        return _reduce_arrays(a, s, grid, "prod", incl)

    masked_x = np.where(xd == 0, 1, x)
    gx = grad * reduced(masked_x, src) / masked_x
    src_zero = sd == 0
    zeros_at = np.zeros(xd.shape, np.int64)
    np.add.at(zeros_at, grid, src_zero)
    single = src_zero & (zeros_at[grid] == 1)
    others = reduced(x, np.where(single, 1, src))  # the product without the lone 0
    gs = np.where(single, (grad * others)[grid], (grad * out)[grid] / np.where(src_zero, 1, src))
    return gx, gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """x with src[i, j, ...] reduced into x[..., index[i, j, ...], ...] along ``dim`` (every
    other dim by position) by ``reduce``: 'sum', 'prod', 'mean', 'amax' or 'amin'. An int
    'mean' rounds down, as in torch."""
    if reduce not in REDUCES:
        raise RuntimeError(f"scatter_reduce: reduce must be one of {REDUCES}, got {reduce!r}")
    x = as_tensor(input)
    if x.ndim == 0:
        idx = index._data if isinstance(index, Tensor) else np.asarray(index)
        out = scatter_reduce(reshape(x, (1,)), 0, idx.reshape(-1),
                             reshape(as_tensor(src), (-1,)), reduce,
                             include_self=include_self)
        return reshape(out, ())
    grid = _scatter_index(x, dim, index, "scatter_reduce")
    s = _scatter_source(x, src, grid, "scatter_reduce")
    return ScatterReduce.apply(x, s, grid, reduce, bool(include_self))


TENSOR_METHODS = {"scatter_reduce": scatter_reduce}
TORCH_FUNCTIONS = {"scatter_reduce": scatter_reduce}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {}
