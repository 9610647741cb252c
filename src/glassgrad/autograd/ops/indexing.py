"""Indexing ops: x[index] and x[index] = value, with torch's meaning of an index.

    select     getitem (ints, slices, None, ...): a view; index (int arrays, bool masks): a copy
    scatter    index_put: zeros with grad put at an index, the backward of getitem and index;
               its own backward is getitem again, so indexing is differentiable to any order
    assign     __setitem__ (x[index] = value), in place, for tensors outside the autograd graph

An index is parsed once (``_parse_index``) into a basic step and an advanced step, so
ints are applied first as torch does. getitem sets ``is_view = True``: its result shares
its input's version counter, so an in-place change through either is caught.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor


# ------------------------------------------------------------------------------ select
@register("getitem")
class GetItem(Function):
    """out = x[index] for basic indices (ints, slices, None, ...): a view of x.

    grad is written into zeros of x's shape at the same index (no element is picked twice).
    """

    __slots__ = ("shape", "index")
    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        return _index_put(grad, ctx.shape, ctx.index, False), None


@register("index")
class Index(Function):
    """out = x[index] with int arrays or bool masks (numpy's advanced indexing): a copy.

    grad is added into zeros of x's shape at the index; an element picked k times gets the
    sum of its k gradients (np.add.at, not assignment, which would keep only the last).
    """

    __slots__ = ("shape", "index")

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return np.ascontiguousarray(x[index])  # a new tensor is contiguous, as in torch

    @staticmethod
    def backward(ctx, grad):
        repeats = any(isinstance(i, np.ndarray) and i.dtype != bool for i in ctx.index)
        return _index_put(grad, ctx.shape, ctx.index, repeats), None


@register("index_put")
class IndexPut(Function):
    """out = zeros(shape) with out[index] = g, or out[index] += g with repeated indices
    adding up when ``accumulate``. The backward of getitem and index; g's grad is
    grad[index]."""

    __slots__ = ("index",)

    @staticmethod
    def forward(ctx, g, shape, index, accumulate):
        ctx.index = index
        return _put_array(g, shape, index, accumulate)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index], None, None, None


def _put_array(g, shape, index, accumulate):
    out = np.zeros(shape, dtype=g.dtype)
    if accumulate:
        if not _add_rows(out, index, g):
            np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def _add_rows(out, index, g):
    """out[i] += g[k] for every position k of one nonnegative int array i indexing dim 0
    (an embedding's backward), by sorting: rows with equal i are summed with one
    np.add.reduceat, several times faster than np.add.at. False where that does not apply."""
    if len(index) != 1 or not isinstance(index[0], np.ndarray):
        return False
    i = index[0]
    if i.dtype.kind not in "iu" or not i.size or g.shape != i.shape + out.shape[1:] or \
            i.min() < 0:
        return False
    flat = i.reshape(-1)
    order = np.argsort(flat, kind="stable")
    rows = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    out.reshape(out.shape[0], -1)[rows[starts]] = np.add.reduceat(
        g.reshape(flat.size, -1)[order], starts, axis=0)
    return True


def _index_put(g, shape, index, accumulate):
    """zeros(shape) with g put (or added) at index: an op on Tensors (create_graph)."""
    if isinstance(g, Tensor):
        return IndexPut.apply(g, shape, index, accumulate)
    return _put_array(g, shape, index, accumulate)


# ------------------------------------------------------------------------------ index parsing
def _index_item(i, op):
    """One entry of an index as an int, slice, None, Ellipsis, int64 array or bool array."""
    if i is None or i is Ellipsis:
        return i
    if isinstance(i, slice):
        if i.step is not None and int(i.step) <= 0:
            raise ValueError(f"{op}: slice step must be greater than zero, got {i.step}; "
                             "use flip() to reverse")
        return i
    if isinstance(i, Tensor):
        i = i._data
    elif isinstance(i, (bool, np.bool_)):
        return np.asarray(i)
    elif isinstance(i, numbers.Integral):
        return int(i)
    elif isinstance(i, (list, tuple, range)):
        i = np.asarray([a._data if isinstance(a, Tensor) else a for a in i])
        if i.size == 0:
            i = i.astype(np.int64)
    if not isinstance(i, np.ndarray):
        raise IndexError(f"{op}: unsupported index {i!r} of type {type(i).__name__}; use "
                         "ints, slices, None, ..., or int or bool tensors")
    if i.dtype == bool:
        return i
    if i.dtype.kind not in "iu":
        raise IndexError(f"{op}: tensors used as indices must be long, int or bool; got "
                         f"dtype {i.dtype}")
    return int(i) if i.ndim == 0 else i.astype(np.int64, copy=False)


def _check_range(i, d, n, op):
    lo, hi = (i, i) if isinstance(i, int) else (int(i.min()), int(i.max()))
    if hi >= n or lo < -n:
        bad = hi if hi >= n else lo
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size {n}")


def _parse_index(index, shape, op):
    """Split an index into (basic, advanced) steps with torch's meaning, either may be None.

    Ints are applied first as a basic step, as torch does: for x of shape (2, 3, 4),
    x[0, :, [0, 1]] has shape (3, 2) (numpy, mixing them into the advanced step, gives (2, 3)).
    """
    items = [_index_item(i, op) for i in (index if isinstance(index, tuple) else (index,))]
    if sum(i is Ellipsis for i in items) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis ('...')")
    used = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1
               for i in items if i is not None and i is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"{op}: too many indices for a tensor of shape {shape}: the index "
                         f"uses {used} dims")
    d, ints, rest, advanced = 0, {}, [], False
    for i in items:
        if i is Ellipsis:
            d += len(shape) - used
        elif isinstance(i, slice):
            d += 1
        elif isinstance(i, int):
            _check_range(i, d, shape[d], op)
            ints[d] = i
            d += 1
            continue
        elif isinstance(i, np.ndarray):
            advanced = True
            if i.dtype == bool:
                if i.shape != shape[d:d + i.ndim]:
                    raise IndexError(f"{op}: boolean mask of shape {i.shape} does not match "
                                     f"the shape {shape[d:d + i.ndim]} of the dims it indexes "
                                     f"(from dim {d}) in a tensor of shape {shape}")
                d += i.ndim
            else:
                if i.size:
                    _check_range(i, d, shape[d], op)
                d += 1
        rest.append(i)
    if not advanced:
        # a trailing ... keeps x[0, 1] a 0-d view of x rather than a numpy scalar copy
        has_ellipsis = any(i is Ellipsis for i in items)
        return (tuple(items) if has_ellipsis else (*items, Ellipsis)), None
    if not ints:
        return None, tuple(items)
    return tuple(ints.get(k, slice(None)) for k in range(len(shape))), tuple(rest)


# ------------------------------------------------------------------------------ functions
def getitem(input, index):
    """x[index] with torch's meaning: ints, slices (positive steps), None, ..., int arrays,
    lists or tensors (broadcast together), bool masks."""
    x = as_tensor(input)
    basic, advanced = _parse_index(index, x.shape, "getitem")
    if basic is not None:
        x = GetItem.apply(x, basic)
    if advanced is not None:
        x = Index.apply(x, advanced)
    return x


def setitem(self, index, value):
    """x[index] = value, in place. Recorded on the graph when x or value is in it: x's
    grad_fn becomes index_assign (and, for a view, its base's history is rewritten)."""
    from .. import inplace

    basic, advanced = _parse_index(index, self.shape, "setitem")
    if inplace.recording(self, (value,)):
        inplace.run(self, "setitem", index_assign, (value, basic, advanced), casting="unsafe")
        return
    if isinstance(value, Tensor):
        value = value._data
    d = self._data
    inplace.check_writable(d, "setitem")
    _assign(d, basic, advanced, value, index)
    self._version[0] += 1


def _assign(a, basic, advanced, value, index):
    """a[basic][advanced] = value, in place (a parsed index: see ``_parse_index``)."""
    region = a if basic is None else a[basic]
    try:
        if advanced is None:
            region[...] = value
        else:
            region[advanced] = value
    except ValueError as e:
        raise RuntimeError(f"setitem: cannot assign a value of shape {np.shape(value)} to "
                           f"a tensor of shape {a.shape} at index {index!r}: {e}") from None


@register("index_assign")
class IndexAssign(Function):
    """out = x with out[index] = value (value broadcast over the indexed region).

    The region's old values were overwritten, so x's grad is grad outside the region and 0
    inside it; value's grad is grad[index] (summed back to value's shape by the driver).
    """

    __slots__ = ("basic", "advanced", "keep")

    @staticmethod
    def forward(ctx, x, value, basic, advanced):
        out = x.copy()
        keep = np.ones(x.shape, dtype=bool)
        _assign(out, basic, advanced, value, (basic, advanced))
        _assign(keep, basic, advanced, False, (basic, advanced))
        ctx.basic, ctx.advanced, ctx.keep = basic, advanced, keep
        return out

    @staticmethod
    def backward(ctx, grad):
        g_value = None
        if ctx.needs_input_grad[1]:
            g_value = grad
            if isinstance(grad, Tensor):
                if ctx.basic is not None:
                    g_value = GetItem.apply(g_value, ctx.basic)
                if ctx.advanced is not None:
                    g_value = Index.apply(g_value, ctx.advanced)
            else:
                if ctx.basic is not None:
                    g_value = g_value[ctx.basic]
                if ctx.advanced is not None:
                    g_value = g_value[ctx.advanced]
        return np.where(ctx.keep, grad, 0), g_value, None, None


def index_assign(input, value, basic, advanced):
    """Out of place x[index] = value for a parsed index (see ``_parse_index``)."""
    x = as_tensor(input)
    if isinstance(value, Tensor):
        v = value
    else:
        v = np.asarray(value, dtype=x.dtype if np.ndim(value) == 0 else None)
    return IndexAssign.apply(x, v, basic, advanced)


TENSOR_METHODS = {"__getitem__": getitem, "__setitem__": setitem}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {}
