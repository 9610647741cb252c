"""In-place ops on tensors in the graph, recorded as torch records them.

``y.mul_(2)`` on a tensor in the graph computes ``mul(y, 2)`` as an ordinary op, writes the
result into y's array and makes that op y's ``grad_fn``. Nodes made from y before the change
still need y's old version, so y's old place in the graph is taken over by a *shell*: a new
node object with y's old ``grad_fn`` and ``parents`` that shares y's array and version
counter. ``y._history`` lists the shells with the version at which each stopped being current;
every op records its inputs' versions, so the traversal (``graph.toposort``) sends each old
consumer to the shell it really used.

When y is a view of a base b (``y = b[0]``, ``y = b.t()``), the change is also a change of b:
b's history is rewritten (torch's CopySlices). b's new node takes b's old version everywhere
outside the view and the op's result inside it, so gradients reach everything that
contributed. y becomes a view of b's new node. Other views of b made earlier are refreshed
the next time they are used.

    y = x * 1             x --mul--> y
    y.relu_()             x --mul--> y(old) --relu--> y
"""

from __future__ import annotations

import numpy as np

from . import graph
from .function import Function
from .graph import _state
from .tensor import Tensor

# ----------------------------------------------------------------------------- nodes


def shell(t):
    """A new node for t's current version: t's grad_fn and parents, array and version
    counter. Hooks registered so far fire with the old version's gradient, as in torch."""
    s = Tensor._from_op(t._data, t.grad_fn, t.parents)
    s.requires_grad = t.requires_grad
    s._version = t._version
    s.label = t.label
    s._hooks, t._hooks = t._hooks, None
    s._base, s._base_fn = t._base, t._base_fn
    return s


def _add_history(t, old):
    """From now on, consumers that saw a version below the current one mean ``old``."""
    entry = (t._version[0], old)
    if t._history is None:
        t._history = [entry]
    else:
        t._history.append(entry)
    graph.mark_history()


def refresh_view(v):
    """Make the view ``v`` a view of its base's current node (the base changed in place)."""
    base = v._base
    if base.grad_fn is None and not base.requires_grad:
        v._base_fn = None
        return
    if v.grad_fn is not None or v.requires_grad:
        _add_history(v, shell(v))
    node = ViewOf.apply(base, _flat_index(base._data, v._data), v._data)
    v.grad_fn, v.parents, v.requires_grad = node.grad_fn, node.parents, True
    v._base_fn = base.grad_fn


# ----------------------------------------------------------------------------- the driver
def check_leaf(t, op):
    """torch's rule: a leaf that requires grad (or a view of one) may be changed in place
    only under no_grad, where nothing is recorded."""
    base = t._base
    if t.requires_grad and t.grad_fn is None and base is None:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad (shape {t.shape}) is being used in an "
            "in-place operation; wrap it in gg.no_grad() (as optimizers do), or change a "
            "clone() of it")
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"{op}: a view (shape {t.shape}) of a leaf tensor that requires grad (shape "
            f"{base.shape}) is being used in an in-place operation; wrap it in gg.no_grad() "
            "or change a clone() of it")


def refresh_if_stale(t):
    """Refresh ``t`` if it is a view whose base was changed in place since it was made.
    (Function.apply inlines this test in its argument loop, the engine's hot path.)"""
    if t._base is not None and t._base.grad_fn is not t._base_fn:
        refresh_view(t)


def recording(t, args, kwargs=None):
    """Whether an in-place change of ``t`` with these operands must be recorded."""
    if not _state.grad_enabled:
        return False
    refresh_if_stale(t)
    if t.requires_grad:
        return True
    return any(isinstance(a, Tensor) and a.requires_grad
               for a in (*args, *(kwargs.values() if kwargs else ())))


def write(t, arr, op, casting="same_kind"):
    """Copy the result ``arr`` into t's array and bump t's version counter."""
    d = t._data
    if arr.shape != d.shape:
        raise RuntimeError(f"{op}: the result has shape {arr.shape}, which does not fit the "
                           f"tensor of shape {d.shape} that is changed in place; use the "
                           "out-of-place op")
    if casting == "same_kind" and not np.can_cast(arr.dtype, d.dtype, "same_kind"):
        raise RuntimeError(f"{op}: the result type {arr.dtype} can't be cast to the tensor's "
                           f"dtype {d.dtype} in place; use the out-of-place op or convert "
                           "the tensor first")
    check_writable(d, op)
    np.copyto(d, arr, casting="unsafe")
    t._version[0] += 1


def check_writable(d, op):
    """torch refuses to write into a tensor whose elements share memory (an expand)."""
    if d.flags.writeable and (0 not in d.strides or d.size == 0):
        return  # the common case, decided at once (an empty array has 0 strides too)
    if not d.flags.writeable or any(s == 0 and n > 1 for s, n in zip(d.strides, d.shape)):
        raise RuntimeError(f"{op}: the tensor of shape {d.shape} is a broadcast view "
                           "(expand) in which several elements share one memory location; "
                           "clone() it before changing it in place")


def run(t, op, fn, args=(), kwargs=None, casting="same_kind"):
    """``t <- fn(t, *args, **kwargs)`` in place: ``fn`` is the out-of-place op."""
    kwargs = kwargs or {}
    if not recording(t, args, kwargs):
        with graph.no_grad():
            r = fn(t, *args, **kwargs)
        write(t, r._data if isinstance(r, Tensor) else np.asarray(r), op, casting)
        return t
    check_leaf(t, op)
    old = shell(t)
    args = tuple(old if a is t else a for a in args)
    kwargs = {k: old if v is t else v for k, v in kwargs.items()}
    r = fn(old, *args, **kwargs)
    ctx = r.grad_fn
    if ctx is None:  # the op is not differentiable here: nothing to record
        write(t, r._data, op, casting)
        return t
    if ctx.saved:  # forward saved t's array, which is about to be overwritten
        _keep_saved_input(ctx, r, old)
    write(t, r._data, op, casting)
    base = t._base
    if base is None:
        if ctx.saved:  # the saved output is now t's array: t's version counter guards it
            ctx.saved = tuple(t._data if s is r._data else s for s in ctx.saved)
            ctx.versions = (*ctx.versions[:-1], t._version[0])
        t.grad_fn, t.parents, t.requires_grad = ctx, r.parents, True
        _add_history(t, old)
    else:
        _copy_slices(base, t, r)
    return t


def _keep_saved_input(ctx, r, old):
    """The op saved ``old``'s array (t's memory, about to be overwritten): give it a clone
    instead, as a node between old and the op, so backward (and double backward) read the
    values forward saw."""
    from .ops.movement import Clone

    d = old._data
    if any(s is d for s in ctx.saved):
        c = Clone.apply(old)
        ctx.saved = tuple(c._data if s is d else s for s in ctx.saved)
        ctx.versions = tuple(c._version[0] if p is old else v
                             for p, v in zip(r.parents, ctx.versions)) + ctx.versions[
                                 len(r.parents):]
        r.parents = tuple(c if p is old else p for p in r.parents)
    ctx.saved = tuple(s.copy() if type(s) is np.ndarray and np.may_share_memory(s, d)
                      else s for s in ctx.saved)  # a part of it (none of our ops does this)


def _copy_slices(base, view, r):
    """The view's memory now holds ``r``: rewrite the base's history (CopySlices)."""
    index = _flat_index(base._data, view._data)
    b_old = shell(base)
    node = CopySlices.apply(b_old, r, index)
    base.grad_fn, base.parents, base.requires_grad = node.grad_fn, node.parents, True
    _add_history(base, b_old)
    _add_history(view, shell(view))
    node = ViewOf.apply(base, index, view._data)
    view.grad_fn, view.parents, view.requires_grad = node.grad_fn, node.parents, True
    view._base_fn = base.grad_fn


def _flat_index(base, view):
    """For each element of ``view`` (an ndarray inside ``base``'s memory), its position in
    base's C order, as an int64 array of view's shape."""
    isz = base.itemsize
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]

    def addresses(shape, strides, start):
        a = np.full(shape, start, dtype=np.int64)
        for d, (n, s) in enumerate(zip(shape, strides)):
            a += (np.arange(n, dtype=np.int64) * s).reshape((-1,) + (1,) * (len(shape) - d - 1))
        return a

    if base.flags.c_contiguous:
        return addresses(view.shape, view.strides, offset) // isz
    where = addresses(base.shape, base.strides, 0).reshape(-1)
    order = np.argsort(where, kind="stable")
    sorted_ = where[order]
    want = addresses(view.shape, view.strides, offset)
    pos = np.searchsorted(sorted_, want)
    return order[pos]


class CopySlices(Function):
    """out = base with the view's elements replaced by ``r`` (the base was already written).

    grad flows to the old base everywhere outside the view, and to r inside it.
    """

    __slots__ = ("keep", "index")
    op = "copy_slices"

    @staticmethod
    def forward(ctx, base, r, index):
        keep = np.ones(base.size, dtype=bool)
        keep[index.reshape(-1)] = False
        ctx.keep, ctx.index = keep.reshape(base.shape), index
        return base  # already holds the new values: no copy

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.keep, grad, 0), grad.reshape(-1)[ctx.index], None


class ViewOf(Function):
    """out = the elements of ``base`` at ``index`` (C-order positions): a view of the base's
    current node; grad is put back at those positions."""

    __slots__ = ("shape", "index")
    op = "view_of"

    @staticmethod
    def forward(ctx, base, index, view):
        ctx.shape, ctx.index = base.shape, index
        return view  # the view's own array, which is base's memory

    @staticmethod
    def backward(ctx, grad):
        from .ops.indexing import _index_put

        # accumulate: an expand or an unfold shows one base element at several positions
        flat = _index_put(grad, (int(np.prod(ctx.shape)),), (ctx.index,), True)
        return flat.reshape(ctx.shape), None, None
