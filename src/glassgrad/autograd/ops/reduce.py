"""Reductions: sum, mean (the rest of the family joins here).

Each takes ``dim`` (None, int or tuple; ``axis`` is accepted as a numpy alias) and
``keepdim``. Backward broadcasts the gradient back over the reduced axes.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from ._util import expand_reduced, normalize_dim, pick_dim, pick_keepdim


@register("sum")
class Sum(Function):
    """out = sum of x over ``axes``; d out / d x = 1, so grad is broadcast back."""

    __slots__ = ("shape", "axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g, ctx.shape), None, None


@register("mean")
class Mean(Function):
    """out = sum(x) / n over ``axes``; grad / n is broadcast back."""

    __slots__ = ("shape", "axes", "keepdim", "n")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g / ctx.n, ctx.shape), None, None


def sum(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):  # noqa: A001
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    axes = normalize_dim(pick_dim(dim, axis, "sum"), x.ndim, "sum")
    return Sum.apply(x, axes, pick_keepdim(keepdim, keepdims))


def mean(input, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
    x = as_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean: input dtype should be floating point, got {x.dtype}; "
                           "use .float() first")
    axes = normalize_dim(pick_dim(dim, axis, "mean"), x.ndim, "mean")
    return Mean.apply(x, axes, pick_keepdim(keepdim, keepdims))


TENSOR_METHODS = {"sum": sum, "mean": mean}
TORCH_FUNCTIONS = {"sum": sum, "mean": mean}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.sum: sum, np.mean: mean}
