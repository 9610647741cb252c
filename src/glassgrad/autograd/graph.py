"""The node protocol, the one topological sort, grad mode, and broadcasting undone.

Every node in either engine (``Tensor`` or ``Value``) carries:

- ``data``     its forward value (an ndarray, or a float for ``Value``);
- ``grad``     its gradient after backward (or ``None``);
- ``parents``  the nodes it was computed from, in argument order;
- ``op``       the name of the op that made it (``""`` for a leaf);
- ``label``    a human name used in pictures and error messages.

``toposort`` is the single traversal routine used by backward, gradcheck and the renderer.
It uses an explicit stack, so graphs of any depth are fine.
"""

from __future__ import annotations

import functools
import threading
import weakref

import numpy as np

_HISTORY = [False]  # set once any tensor in this process was changed in place in a graph


def mark_history():
    _HISTORY[0] = True


def toposort(root):
    """Return the nodes reachable from ``root`` so that every node follows its parents.

    Depth first with an explicit stack of (node, iterator over its parents): each node and
    each edge is visited once, parents in order, so the order is the same on every run. Once
    a tensor was changed in place somewhere, each node's parents are resolved to the versions
    it used (``_parents``).
    """
    resolve = _HISTORY[0]
    order, seen = [], {id(root)}
    stack = [(root, iter(_parents(root) if resolve else root.parents))]
    push, pop, visit = stack.append, stack.pop, order.append
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if id(p) not in seen:  # id(): Tensor.__eq__ is elementwise
                seen.add(id(p))
                ps = _parents(p) if resolve else p.parents
                if ps:
                    push((p, iter(ps)))
                    break
                visit(p)  # a leaf has nothing to wait for
        else:
            pop()
            visit(node)
    return order


def _parents(node):
    """node's parents, each as the version node used: a parent changed in place later is
    represented by the shell of its old version (see autograd/inplace.py). The answer is
    stored back in ``node.parents``, so each edge is resolved once."""
    ps = node.parents
    for p in ps:
        if p._history is not None:
            break
    else:
        return ps
    versions = node.grad_fn.versions
    ps = tuple(_at_version(p, versions[k]) if p._history is not None else p
               for k, p in enumerate(ps))
    node.parents = ps
    return ps


def _at_version(t, version):
    for end, old in t._history:
        if version < end:
            return old
    return t


def toposort_many(roots):
    """Topological order of everything reachable from any of ``roots``."""
    if len(roots) == 1:
        return toposort(roots[0])
    order, seen = [], set()
    for root in roots:
        for node in toposort(root):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    return order


def sum_to(grad, shape):
    """Sum ``grad`` down to ``shape``: undo numpy broadcasting, in one place for every op.

    Works on ndarrays and, for create_graph, on Tensors (which accept ``axis``/``keepdims``).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"cannot sum a gradient of shape {tuple(grad.shape)} to {shape}")
    ones = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if not ones:  # only leading dims were added: summing them leaves exactly `shape`
        return grad.sum(axis=tuple(range(lead)))
    grad = grad.sum(axis=tuple(range(lead)) + ones, keepdims=True)
    return grad.reshape(shape)


# ----------------------------------------------------------------------------- modes
class _State(threading.local):
    """Per-thread engine flags, as in torch: grad mode, inference mode, anomaly mode,
    retain_grads and the nn.Module calls in progress. ``__init__`` runs once in each thread,
    so a new thread starts from these defaults, whatever other threads have set. (The hot
    path reads them through the thread's ``__dict__``, one lookup for all of them.)"""

    def __init__(self):
        self.grad_enabled = True
        self.inference = False
        self.anomaly = False
        self.retain_grads = False
        self.scope = ()  # the nn.Module calls in progress, outermost first
        self.calls = ()  # their call numbers (nn.Module.__call__), beside scope


_state = _State()


def is_grad_enabled() -> bool:
    return _state.grad_enabled


def is_inference_mode_enabled() -> bool:
    return _state.inference


class _Switch:
    """Context manager and decorator that sets some of this thread's flags and puts the
    previous values back on exit. ``self.flags`` maps flag name to the value inside."""

    flags = {}

    def __enter__(self):
        self._prev = {k: getattr(_state, k) for k in self.flags}
        for k, v in self.flags.items():
            setattr(_state, k, v)
        return self

    def __exit__(self, *exc):
        for k, v in self._prev.items():
            setattr(_state, k, v)
        return False

    def __new__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]):  # @no_grad without ()
            return cls()(args[0])
        return super().__new__(cls)

    def clone(self):
        new = _Switch()
        new.flags = self.flags
        return new

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_Switch):  # noqa: N801  (PyTorch's name)
    """Ops inside record nothing: results have ``requires_grad=False``."""

    flags = {"grad_enabled": False}


class enable_grad(_Switch):  # noqa: N801
    """Turn recording back on inside a ``no_grad`` block."""

    flags = {"grad_enabled": True}


class set_grad_enabled(_Switch):  # noqa: N801
    """``set_grad_enabled(False)`` as a function call switches grad mode off for this thread
    until it is switched on again; as a context manager or decorator it restores the
    previous mode on exit."""

    def __init__(self, mode: bool):
        self.flags = {"grad_enabled": bool(mode)}
        self._prev = {"grad_enabled": _state.grad_enabled}
        _state.grad_enabled = bool(mode)  # torch: calling it is already the switch

    def __enter__(self):
        return self  # the switch happened in __init__; _prev holds the mode before it

    def __call__(self, fn):
        _state.grad_enabled = self._prev["grad_enabled"]  # a decorator switches per call
        return super().__call__(fn)


class inference_mode(_Switch):  # noqa: N801
    """``no_grad`` plus the flag ``gg.is_inference_mode_enabled()`` reports.
    ``inference_mode(False)`` leaves both as they are, as in torch."""

    def __init__(self, mode: bool = True):
        self.flags = {"grad_enabled": False, "inference": True} if mode else {}


class retain_grads(_Switch):  # noqa: N801  (a context manager, like no_grad)
    """Inside, backward stores ``.grad`` on every node it reaches, not just on leaves, so a
    picture of the graph can show each intermediate gradient."""

    def __init__(self, enabled=True):
        self.flags = {"retain_grads": bool(enabled)}


def as_ndarray(x):
    """numpy returns scalars from 0-d operations; nodes always hold ndarrays."""
    return x if type(x) is np.ndarray else np.asarray(x)


# ----------------------------------------------------------------------------- backward driver
def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """Propagate gradients from ``roots`` back through the graph, in reverse topological order.

    For each node: downstream[parent] += sum_to(backward(upstream), parent.shape).
    With ``accumulate`` the leaves' ``.grad`` receive the result (``Tensor.backward``);
    otherwise the gradients of ``inputs`` are returned (``autograd.grad``).
    """
    from .tensor import Tensor

    order = toposort_many(roots)
    grads = {}
    for r, g in zip(roots, root_grads):
        grads[id(r)] = grads[id(r)] + g if id(r) in grads else g
    wanted = None
    if inputs is not None:
        inputs = list(inputs)
        wanted = {id(t): i for i, t in enumerate(inputs)}
        results = [None] * len(inputs)
    # ids of arrays already handed to some .grad, or borrowed from the caller (the root
    # gradients): a .grad never shares a buffer with another .grad or with the caller's array
    stored = {id(g) for g in root_grads if type(g) is np.ndarray}
    from . import anomaly

    prev_mode = _state.grad_enabled
    retain_all, check_anomaly = _state.retain_grads, _state.anomaly
    _state.grad_enabled = create_graph
    try:
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node, g, create_graph, Tensor)
            if wanted is not None and id(node) in wanted:
                results[wanted[id(node)]] = g
            ctx = node.grad_fn
            if ctx is None:
                if accumulate and node.requires_grad and wanted is None:
                    _accumulate(node, g, create_graph, stored, Tensor)
                continue
            if accumulate and (node._retains_grad or retain_all):
                _accumulate(node, g, create_graph, stored, Tensor)
            in_grads = ctx._run_backward(node, g, create_graph)
            if check_anomaly:
                anomaly.check_backward(ctx, in_grads)
            index = ctx.arg_index
            k = 0
            for p in node.parents:
                gk = in_grads[index[k]] if p.requires_grad else None
                if gk is not None:
                    d = p._data
                    if (create_graph or type(gk) is not np.ndarray or gk.shape != d.shape
                            or gk.dtype != d.dtype):
                        gk = _fit(gk, p, ctx, k, create_graph, Tensor)
                    pid = id(p)
                    grads[pid] = grads[pid] + gk if pid in grads else gk
                k += 1
            if not retain_graph:
                ctx.release()
    finally:
        _state.grad_enabled = prev_mode
    if wanted is None:
        return None
    out = []
    for t, g in zip(inputs, results):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: one of the inputs (shape {tuple(t.shape)}) was not used to compute "
                    "the outputs; pass allow_unused=True to get None for it"
                )
            out.append(None)
        elif create_graph:
            out.append(g)
        else:
            out.append(Tensor._from_op(np.array(g, dtype=t._data.dtype), None, ()))
    return tuple(out)


def _fit(g, p, ctx, k, create_graph, Tensor):
    """Bring one op's gradient for parent ``p`` to p's shape and dtype."""
    if create_graph:
        if not isinstance(g, Tensor):
            # a plain array here would be a constant in the new graph: the second derivative
            # through it would silently be 0
            raise RuntimeError(
                f"{ctx.name}: under create_graph=True, backward returned a plain array (not a "
                f"Tensor) for input {k} of shape {tuple(p._data.shape)}, so the gradient of "
                "this gradient would be silently wrong. Write backward with operators, "
                "np.<ufunc> calls and functions that accept Tensors, or set "
                "once_differentiable = True on the op")
    else:
        g = as_ndarray(g)
    if g.shape != p._data.shape:
        try:
            g = sum_to(g, p._data.shape)
        except ValueError:
            g = None
        if g is None or g.shape != p._data.shape:
            raise RuntimeError(
                f"{ctx.name}: backward gave a gradient of shape {tuple(g.shape)} for input {k} "
                f"of shape {p._data.shape}"
            )
    if g.dtype != p._data.dtype:  # a float32 input gets a float32 gradient, as in torch
        g = g.to(p._data.dtype) if create_graph else g.astype(p._data.dtype)
    return g


def _run_hooks(node, g, create_graph, Tensor):
    for hook in list(node._hooks.values()):
        gt = g if create_graph else Tensor._from_op(g, None, ())
        r = hook(gt)
        if r is not None:
            g = r if create_graph else as_ndarray(r._data if isinstance(r, Tensor) else r)
    return g


# id(leaf) -> (weak reference to it, the hooks to run after its .grad was accumulated);
# keyed by id because a Tensor's == is elementwise (register_post_accumulate_grad_hook)
POST_ACCUMULATE_HOOKS = {}


def post_accumulate_hooks(t):
    """The dict of t's post-accumulate hooks (handle id -> hook), created (and dropped with
    t) on first use."""
    entry = POST_ACCUMULATE_HOOKS.get(id(t))
    if entry is None or entry[0]() is not t:
        entry = POST_ACCUMULATE_HOOKS[id(t)] = (weakref.ref(t), {})
        weakref.finalize(t, POST_ACCUMULATE_HOOKS.pop, id(t), None)
    return entry[1]


def _accumulate(node, g, create_graph, stored, Tensor):
    """Add ``g`` into ``node.grad``, never letting two ``.grad`` share one buffer."""
    _add_grad(node, g, create_graph, stored, Tensor)
    if POST_ACCUMULATE_HOOKS and node.grad_fn is None:
        entry = POST_ACCUMULATE_HOOKS.get(id(node))
        if entry is not None and entry[0]() is node:
            for hook in list(entry[1].values()):
                hook(node)


def _add_grad(node, g, create_graph, stored, Tensor):
    if create_graph:
        node.grad = g if node.grad is None else node.grad + g
        return
    if type(g) is not np.ndarray:
        g = np.array(g, dtype=node._data.dtype)
    elif g.dtype != node._data.dtype:
        g = g.astype(node._data.dtype)
    elif g.base is not None or not g.flags.writeable or id(g) in stored:
        g = g.copy()
    if node.grad is None:
        stored.add(id(g))
        node.grad = Tensor._from_op(g, None, ())
    elif node.grad.grad_fn is None and node.grad._data.flags.writeable:
        node.grad._data += g
    else:
        node.grad = Tensor._from_op(node.grad._data + g, None, ())
