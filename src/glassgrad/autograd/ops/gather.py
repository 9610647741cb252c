"""Gathering ops: elements picked by an index or a mask, and where they are.

    pick       index_select, gather, take, take_along_dim, masked_select: ``index`` ops
               (x[grid]) under torch's names, whose backward is the index_put scatter-add
               and whose double backward is the pick again
    find       nonzero (both forms), argwhere, one-argument where

The scattering ops (scatter, scatter_add, scatter_reduce, index_add, index_copy,
index_fill, index_put, masked_fill, masked_scatter) are in scatter.py and scatter_reduce.py.
"""

from __future__ import annotations

import numpy as np

from ..function import register
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .indexing import Index
from .movement import _dim, expand, flatten, reshape
from .scatter import _bool_mask, _index_1d, _scatter_index


# ------------------------------------------------------------------------------ pick
@register("index_select")
class IndexSelect(Index):
    """out = x[..., index, ...] along one dim (a copy); repeated picks add up in grad."""

    __slots__ = ()


@register("gather")
class Gather(Index):
    """out[i][j][k] = x[index[i][j][k]][j][k] along dim 0 (and so on for other dims): x at
    a full grid whose ``dim`` entry is index. grad is scatter-added back (index_put)."""

    __slots__ = ()


@register("take")
class Take(Index):
    """out = x.flatten()[index], shaped like index."""

    __slots__ = ()


@register("take_along_dim")
class TakeAlongDim(Index):
    """gather after broadcasting x and indices in every dim but ``dim``."""

    __slots__ = ()


@register("masked_select")
class MaskedSelect(Index):
    """out = the elements of x (broadcast with mask) where mask is True, as a 1-D tensor."""

    __slots__ = ()


def index_select(input, dim, index):
    """x's slices along ``dim`` at the positions in ``index`` (1-D or 0-d ints), in order."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_select")
    idx = _index_1d(index, "index_select", x.shape[d] if x.ndim else 1, d)
    if x.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select: index to a 0-d tensor can have only 1 value, "
                               f"got {idx.size}")
        return reshape(IndexSelect.apply(reshape(x, (1,)), (idx,)), ())
    return IndexSelect.apply(x, (slice(None),) * d + (idx,))


def gather(input, dim, index, *, sparse_grad=False):
    """out[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim``; out has index's
    shape (sparse_grad is accepted and ignored: gradients are dense)."""
    x = as_tensor(input)
    grid = _scatter_index(x, dim, index, "gather")
    if x.ndim == 0:  # a 0-d x is a 1-element vector, and so is its result
        whole = grid[0] is Ellipsis  # a 0-d index: a 0-d result
        out = Gather.apply(reshape(x, (1,)), (np.zeros(1, np.int64) if whole else grid[0],))
        return reshape(out, ()) if whole else out
    return Gather.apply(x, grid)


def take(input, index):
    """The elements of the flattened x at ``index`` (negatives count from the end), in
    index's shape."""
    x = as_tensor(input)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take: index must be an int tensor, got dtype {idx.dtype}")
    n = x.numel()
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"take: index {bad} is out of range for a tensor of {n} elements")
    if idx.ndim == 0:  # a 0-d index picks a 0-d result
        return reshape(Take.apply(flatten(x), (idx.reshape(1).astype(np.int64),)), ())
    return Take.apply(flatten(x), (idx.astype(np.int64),))


def take_along_dim(input, indices, dim=None):
    """gather along ``dim`` after broadcasting x and indices in the other dims; without
    dim, take from the flattened x at the flattened indices."""
    x = as_tensor(input)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take_along_dim: indices must be an int tensor, got dtype "
                           f"{idx.dtype}")
    if dim is None:
        return take(x, idx.reshape(-1))
    if idx.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim: input (shape {x.shape}) and indices (shape "
                           f"{idx.shape}) should have the same number of dims")
    d = _dim(dim, x.ndim, "take_along_dim")
    try:
        shape = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                    idx.shape[:d] + (1,) + idx.shape[d + 1:])
    except ValueError:
        raise RuntimeError(f"take_along_dim: input of shape {x.shape} and indices of shape "
                           f"{idx.shape} do not broadcast outside dim {d}") from None
    n = x.shape[d]
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"take_along_dim: index {bad} is out of range for dim {d} with "
                         f"size {n}")
    out_shape = shape[:d] + (idx.shape[d],) + shape[d + 1:]
    grid = []
    for k in range(x.ndim):  # x's size-1 dims are picked at 0: broadcast, not copied
        view = [1] * x.ndim
        view[k] = out_shape[k]
        grid.append(np.zeros(view, np.int64) if x.shape[k] == 1 and k != d
                    else np.arange(out_shape[k]).reshape(view))
    grid[d] = np.broadcast_to(idx.astype(np.int64), out_shape)
    return TakeAlongDim.apply(x, tuple(grid))


def masked_select(input, mask):
    """The elements of x where ``mask`` (bool, broadcast with x) is True, as a 1-D tensor."""
    x = as_tensor(input)
    m = _bool_mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the mask of shape {m.shape} does not broadcast "
                           f"with the tensor of shape {x.shape}") from None
    if x.shape != shape:
        x = expand(x, shape)
    return MaskedSelect.apply(x, (np.broadcast_to(m, shape),))


# ------------------------------------------------------------------------------ find
def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: an (N, ndim) int64 tensor, or with as_tuple a
    tuple of ndim 1-D tensors (one for a 0-d tensor, as in torch)."""
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    if as_tuple:
        found = np.nonzero(a.reshape(1) if a.ndim == 0 else a)
        return tuple(Tensor._from_op(i.astype(np.int64), None, ()) for i in found)
    return Tensor._from_op(np.argwhere(a).astype(np.int64), None, ())


def argwhere(input):
    return nonzero(input)


def where(condition, input=None, other=None):
    """where(condition, x, y): x where condition holds, else y; where(condition) alone is
    nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither")
    return ew.where(condition, input, other)


def _where_method(self, condition, other):
    """x.where(condition, y) = where(condition, x, y)."""
    return ew.where(condition, self, other)


TENSOR_METHODS = {
    "index_select": index_select, "gather": gather, "take": take,
    "take_along_dim": take_along_dim, "masked_select": masked_select, "nonzero": nonzero,
    "argwhere": argwhere, "where": _where_method,
}
TORCH_FUNCTIONS = {
    "index_select": index_select, "gather": gather, "take": take,
    "take_along_dim": take_along_dim, "masked_select": masked_select, "nonzero": nonzero,
    "argwhere": argwhere, "where": where,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.take_along_axis: lambda arr, indices, axis: take_along_dim(
    arr, indices, axis)}
