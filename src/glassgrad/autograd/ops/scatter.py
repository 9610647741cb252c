"""Scattering ops: x with values written (or added, or reduced) at an index or a mask.

    write      scatter, index_copy, index_fill, index_put, masked_fill, masked_scatter:
               index_assign under torch's names (x's grad is grad off the written places,
               the values' grad is grad picked there)
    add        scatter_add, index_add, index_put(accumulate=True): x + the index_put
               scatter-add, whose backward is the pick (gather) again
    reduce     scatter_reduce (sum, prod, mean, amax, amin; include_self)

scatter_reduce is in scatter_reduce.py, the in-place forms (scatter_, index_add_, ...) in
inplace_ops.py. Installed through gather.py.
"""

from __future__ import annotations

import numpy as np

from ..function import register
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .indexing import IndexAssign, IndexPut, _parse_index
from .movement import _dim, expand, flatten


def _like(v, x):
    """A fill value as an operand of x's dtype (a Tensor value keeps its graph)."""
    if isinstance(v, Tensor):
        return v if v.dtype == x.dtype else v.to(x.dtype)
    return np.asarray(v, dtype=x.dtype)


def _data_of(i):
    return i._data if isinstance(i, Tensor) else i


def _bool_mask(mask, op):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise RuntimeError(f"{op}: expected a bool mask, got dtype {m.dtype} (shape "
                           f"{m.shape}); use mask.bool()")
    return m


def _index_1d(index, op, size, d, negative=False):
    """A 1-D int index along dim d; negatives count from the end only where torch allows
    them (index_fill), and are out of range elsewhere."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise IndexError(f"{op}: index must be a 1-D (or 0-d) int tensor, got dtype "
                         f"{idx.dtype} and shape {idx.shape}")
    idx = idx.reshape(-1).astype(np.int64)
    if idx.size and (idx.max() >= size or idx.min() < (-size if negative else 0)):
        bad = idx.max() if idx.max() >= size else idx.min()
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size {size}")
    return idx


def _scatter_index(x, dim, index, op):
    """``index`` along ``dim`` as a full advanced index of x: every other dim by position."""
    d = _dim(dim, x.ndim, op)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: index must be an int tensor, got dtype {idx.dtype}")
    if x.ndim == 0 and idx.ndim <= 1 and idx.size <= 1:  # a 0-d x is a 1-element vector
        if idx.size and int(idx.reshape(-1)[0]) != 0:
            raise IndexError(f"{op}: index {int(idx.reshape(-1)[0])} is out of range for a "
                             "0-d tensor")
        return (Ellipsis,) if idx.ndim == 0 or idx.size else (np.zeros(0, np.int64),)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"{op}: index (shape {idx.shape}) must have as many dims as the "
                           f"tensor (shape {x.shape})")
    for k, (n, m) in enumerate(zip(idx.shape, x.shape)):
        if k != d and n > m:
            raise RuntimeError(f"{op}: index of shape {idx.shape} is larger than the "
                               f"tensor of shape {x.shape} in dim {k}")
    if idx.size and (idx.max() >= x.shape[d] or idx.min() < 0):  # torch: no negatives
        bad = int(idx.max()) if idx.max() >= x.shape[d] else int(idx.min())
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size "
                         f"{x.shape[d]}")
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx.astype(np.int64)
    return tuple(grid)


def _scatter_source(x, src, grid, op):
    """The part of ``src`` the index covers (its leading corner), in x's dtype."""
    s = as_tensor(src)
    if grid[0] is Ellipsis:  # 0-d x
        return s.reshape(()) if s.dtype == x.dtype else s.reshape(()).to(x.dtype)
    shape = np.broadcast_shapes(*(g.shape for g in grid))
    if s.ndim != len(shape) or any(n > m for n, m in zip(shape, s.shape)):
        raise RuntimeError(f"{op}: src of shape {s.shape} must be at least as large as the "
                           f"index (shape {shape}) in every dim")
    if s.shape != shape:
        s = s[tuple(slice(0, n) for n in shape)]
    return s.to(x.dtype) if s.dtype != x.dtype else s


# ------------------------------------------------------------------------------ write
@register("scatter")
class Scatter(IndexAssign):
    """out = x with out[grid] = src (the index along ``dim``, every other dim by position)."""

    __slots__ = ()


@register("masked_scatter")
class MaskedScatter(IndexAssign):
    """out = x with the places where mask is True filled, in order, from source's first
    elements; source's other elements get grad 0."""

    __slots__ = ()


def masked_fill(input, mask, value):
    """x with ``value`` where ``mask`` is True; x's dtype. x and the mask broadcast against
    each other, as in torch (``masked_fill_`` needs the mask to broadcast to x's shape)."""
    x = as_tensor(input)
    m = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: only supports a 0-d value tensor, got shape "
                           f"{value.shape}")
    try:
        np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {m.shape} does not broadcast with "
                           f"the tensor's shape {x.shape}") from None
    return ew.where(m, _like(value, x), x)


def masked_scatter(input, mask, source):
    """x with the places where ``mask`` (broadcast to x) is True taken from ``source``'s
    elements in order."""
    x = as_tensor(input)
    m = _bool_mask(mask, "masked_scatter")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: the mask of shape {m.shape} does not broadcast "
                           f"with the tensor of shape {x.shape}") from None
    if x.shape != shape:
        x = expand(x, shape)
    m = np.broadcast_to(m, shape)
    src = as_tensor(source)
    k = int(m.sum())
    if src.numel() < k:
        raise RuntimeError(f"masked_scatter: source has {src.numel()} elements but the mask "
                           f"selects {k}")
    values = flatten(src)[:k]
    if values.dtype != x.dtype:
        values = values.to(x.dtype)
    return MaskedScatter.apply(x, values, None, (m,))


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """out = x with out[..., index[i, j, ...], ...] = src[i, j, ...] along ``dim`` (each
    other dim by position), or = value when a number is given. reduce='add'/'multiply'
    combine with x instead (scatter_reduce's sum and prod)."""
    x = as_tensor(input)
    if value is None and not isinstance(src, Tensor):
        src, value = None, src  # scatter(x, dim, index, 2.0): the value form
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        idx = index._data if isinstance(index, Tensor) else np.asarray(index)
        s = src if src is not None else Tensor(np.full(idx.shape, value, dtype=x.dtype))
        from .scatter_reduce import scatter_reduce

        return scatter_reduce(x, dim, index, s, "sum" if reduce == "add" else "prod")
    grid = _scatter_index(x, dim, index, "scatter")
    v = _like(value, x) if src is None else _scatter_source(x, src, grid, "scatter")
    return Scatter.apply(x, v, None, grid)


def index_copy(input, dim, index, source):
    """x with its slices along ``dim`` at ``index`` replaced by source's slices in order."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_copy")
    idx = _index_1d(index, "index_copy", x.shape[d] if x.ndim else 1, d)
    src = _like(as_tensor(source), x)
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:]
    if x.ndim == 0:
        return ew.where(np.asarray(idx.size > 0), src.reshape(()), x)
    if tuple(src.shape) != want:
        raise RuntimeError(f"index_copy: source of shape {tuple(src.shape)} does not match "
                           f"the expected shape {want}")
    return IndexAssign.apply(x, src, None, (slice(None),) * d + (idx,))


def index_fill(input, dim, index, value):
    """x with ``value`` at x[..., index[k], ...] along ``dim``."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_fill")
    idx = _index_1d(index, "index_fill", x.shape[d] if x.ndim else 1, d, negative=True)
    if x.ndim == 0:
        return ew.where(np.asarray(idx.size > 0), _like(value, x), x)
    # each position once: a repeated index fills it once, so value's gradient counts it once
    idx = np.unique(np.where(idx < 0, idx + x.shape[d], idx))
    return IndexAssign.apply(x, _like(value, x), None, (slice(None),) * d + (idx,))


def index_put(input, indices, values, accumulate=False):
    """x with x[indices] = values (indices a tuple of int or bool tensors), or += values,
    repeated indices adding up, when ``accumulate``."""
    x = as_tensor(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of tensors, got "
                        f"{type(indices).__name__}")
    v = _like(as_tensor(values), x)
    if not accumulate:
        return IndexAssign.apply(x, v, *_parse_index(tuple(indices), x.shape, "index_put"))
    # a 0-d int index picks one position: as a 1-element index it keeps the scatter-add
    # in one advanced step (the extra size-1 dim broadcasts the values the same way)
    items = tuple(np.reshape(_data_of(i), (1,)) if np.ndim(_data_of(i)) == 0
                  and np.asarray(_data_of(i)).dtype.kind in "iu" else i for i in indices)
    basic, advanced = _parse_index(items, x.shape, "index_put")
    if basic is not None or advanced is None:
        raise NotImplementedError("index_put: accumulate takes int or bool tensors as "
                                  "indices")
    picked = np.zeros(x.shape, bool)[advanced].shape
    try:
        v = expand(v, picked) if tuple(v.shape) != picked else v
    except RuntimeError:
        raise RuntimeError(f"index_put: values of shape {tuple(v.shape)} do not broadcast to "
                           f"the indexed shape {picked}") from None
    return x + IndexPut.apply(v, x.shape, advanced, True)


# ------------------------------------------------------------------------------ add
def index_add(input, dim, index, source, *, alpha=1):
    """x with alpha * source[..., k, ...] added at x[..., index[k], ...] along ``dim``
    (repeated indices add up)."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_add")
    idx = _index_1d(index, "index_add", x.shape[d] if x.ndim else 1, d)
    src = as_tensor(source)
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:] if x.ndim else (idx.size,)
    if src.shape != want and not (x.ndim == 0 and src.numel() == idx.size):
        raise RuntimeError(f"index_add: source of shape {src.shape} does not match the "
                           f"expected shape {want} (the tensor's shape {x.shape} with "
                           f"{idx.size} entries along dim {d})")
    if x._data.dtype.kind in "iu":  # torch casts alpha to the integer dtype
        alpha = int(alpha)
    if alpha != 1:
        src = src * alpha
    if x.ndim == 0:
        return x + src.sum()
    added = IndexPut.apply(src.to(x.dtype) if src.dtype != x.dtype else src, x.shape,
                           (slice(None),) * d + (idx,), True)
    return x + added


def scatter_add(input, dim, index, src):
    """out = x with src[i, j, ...] added at out[..., index[i, j, ...], ...] along ``dim``."""
    x = as_tensor(input)
    grid = _scatter_index(x, dim, index, "scatter_add")
    return x + IndexPut.apply(_scatter_source(x, src, grid, "scatter_add"), x.shape, grid,
                              True)


TENSOR_METHODS = {
    "masked_fill": masked_fill, "masked_scatter": masked_scatter, "scatter": scatter,
    "index_copy": index_copy, "index_fill": index_fill, "index_put": index_put,
    "index_add": index_add, "scatter_add": scatter_add,
}
TORCH_FUNCTIONS = dict(TENSOR_METHODS)
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {}
