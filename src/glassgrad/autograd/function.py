"""``Function``: one class per op, with its forward and backward side by side.

A built-in op and a user's custom op are written the same way::

    @register("mul")
    class Mul(Function):
        @staticmethod
        def forward(ctx, x, y):          # numpy arrays in, a numpy array out
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):         # one gradient per forward argument, in order
            x, y = ctx.saved_tensors
            return grad * y, grad * x    # the driver sums each back to its input's shape

``Mul.apply(a, b)`` unwraps Tensors to arrays, runs ``forward`` and, when any input
requires grad, returns a Tensor whose ``grad_fn`` is this ``ctx`` and whose ``parents``
are the Tensor arguments. Non-Tensor arguments (ints, tuples, constants) pass through
unchanged and get ``None`` as their gradient.

During an ordinary backward ``grad`` and ``ctx.saved_tensors`` are ndarrays. With
``create_graph=True`` they are Tensors instead, and the same backward code records a new
graph, so gradients of gradients work. Write backward with operators, ``np.<ufunc>`` calls
(Tensor implements ``__array_ufunc__``) and methods both types share.

The ctx never refers to its output Tensor, so graphs hold no reference cycles and are
freed by reference counting alone.
"""

from __future__ import annotations

import numpy as np

from . import anomaly
from .graph import _HISTORY, _state

Tensor = None  # bound by tensor.py (which imports this module)

# Every registered differentiable op: name -> Function subclass.
OPS: dict[str, type] = {}

_OUT, _CONST = -1, -2  # markers in saved_refs: the output, a non-Tensor argument


def register(name):
    """Class decorator: add a built-in op to the registry under ``name``."""

    def deco(cls):
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        cls.op = name
        OPS[name] = cls
        return cls

    return deco


class Function:
    """Base class of every op. Subclasses define ``forward`` and ``backward`` staticmethods."""

    __slots__ = ("saved", "versions", "args", "needs_input_grad", "arg_index", "trace",
                 "scope", "calls", "_node")
    op = None  # the registry name; custom Functions use the class name
    differentiable = True  # False for ops whose result never needs a gradient
    once_differentiable = False  # True when backward is not itself differentiable
    is_view = False  # True when the output may share memory with input 0 (shares its version)

    # ---------------------------------------------------------------- user-facing ctx API
    def save_for_backward(self, *arrays):
        """Keep arrays for backward. Save inputs or the output as they are, not views of them,
        so in-place changes are caught and double backward can see them as graph nodes."""
        self.saved = arrays

    @property
    def saved_tensors(self):
        saved = self.saved
        if saved is None:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time, but its "
                "saved arrays were already freed. Specify retain_graph=True on the first "
                "backward() if you need to backward through the graph again."
            )
        node = self._node
        if node is None:
            return saved
        # create_graph: hand back the graph's Tensors so the backward records on them.
        out = []
        for arr, ref in zip(saved, self._saved_refs(node)):
            if ref == _OUT:
                out.append(node)
            elif ref == _CONST:
                out.append(arr)
            elif ref is None:
                raise RuntimeError(
                    f"{self.name}: double backward is not supported because forward saved an "
                    "intermediate array; save inputs or the output instead"
                )
            else:
                out.append(node.parents[ref])
        return tuple(out)

    def _saved_refs(self, node):
        """What each saved array is: the output, parent k, a constant argument, or None (an
        intermediate of forward). Worked out by identity, only when backward needs it."""
        parents, refs = node.parents, []
        consts = getattr(self, "args", ())
        for s in self.saved:
            if s is node._data:
                refs.append(_OUT)
                continue
            for k in range(len(parents)):
                if parents[k]._data is s:
                    refs.append(k)
                    break
            else:
                const = type(s) is not np.ndarray or any(s is a for a in consts)
                refs.append(_CONST if const else None)
        return refs

    @property
    def name(self):
        return self.op or type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    # ---------------------------------------------------------------- forward
    @classmethod
    def apply(cls, *args):
        ctx = cls.__new__(cls)
        ctx._node = None
        arrays = list(args)
        parents, index, versions, needs = [], [], [], [False] * len(args)
        any_req = has_const_array = False
        i = 0
        stale = _HISTORY[0]  # views can only be stale once something was changed in place
        for a in args:
            if isinstance(a, Tensor):
                if stale and a._base is not None and a._base.grad_fn is not a._base_fn:
                    _refresh(a)  # its base was changed in place since: see inplace.py
                arrays[i] = a._data
                parents.append(a)
                index.append(i)
                vc = a._vc  # the version counter (None: version 0), to catch in-place
                versions.append(0 if vc is None else vc[0])  # changes before backward
                if a.requires_grad:
                    needs[i] = any_req = True
            elif type(a) is np.ndarray:
                has_const_array = True
            i += 1
        ctx.needs_input_grad = _interned(tuple(needs))
        ctx.saved = ()
        state = _state.__dict__  # this thread's flags (see graph._State)
        scope = state["scope"]
        if scope:  # the nn.Module calls this op ran inside, and their call numbers
            ctx.scope = scope
            ctx.calls = state["calls"]
        check_anomaly = state["anomaly"]
        if check_anomaly:
            ctx.trace = anomaly.user_frame()
        try:
            raw = cls.forward(ctx, *arrays)
        except ValueError as e:
            if "broadcast" not in str(e):
                raise
            shapes = " and ".join(str(a.shape) for a in arrays if isinstance(a, np.ndarray))
            raise ValueError(f"{ctx.name}: shapes {shapes} cannot be broadcast together") from None
        data = raw if type(raw) is np.ndarray else np.asarray(raw)
        if any_req and state["grad_enabled"] and cls.differentiable and data.dtype.kind == "f":
            ctx.arg_index = _interned(tuple(index))
            out = Tensor._from_op(data, ctx, tuple(parents))
            if cls.is_view:
                _share(out, parents[0])
            if ctx.saved:
                if raw is not data:  # a numpy scalar became a 0-d array: keep the identity
                    ctx.saved = tuple(data if v is raw else v for v in ctx.saved)
                vc = out._vc  # last: the output's (a view's is its base's)
                versions.append(0 if vc is None else vc[0])
                if has_const_array:
                    ctx.args = arrays
            # a tuple of ints, which the garbage collector stops tracking (a list it would
            # scan in every collection, for as long as the graph lives)
            ctx.versions = tuple(versions)
        else:
            ctx.saved = ()
            out = Tensor._from_op(data, None, ())
            if cls.is_view:
                _share(out, parents[0])
        if check_anomaly:
            anomaly.check_forward(ctx, data)
        return out

    # ---------------------------------------------------------------- backward
    def _run_backward(self, node, grad, create_graph):
        saved = self.saved
        if saved is None:
            self.saved_tensors  # raises the retain_graph error  # noqa: B018
        if saved:
            self._check_versions(node)
        if create_graph:
            if self.once_differentiable:
                raise RuntimeError(
                    f"{self.name}: double backward (create_graph=True) is not implemented "
                    "for this op"
                )
            self._node = node
            try:
                grads = self.backward(self, grad)
            finally:
                self._node = None
        else:
            grads = self.backward(self, grad)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(self.needs_input_grad):
            raise RuntimeError(
                f"{self.name}: backward returned {len(grads)} gradients but forward took "
                f"{len(self.needs_input_grad)} arguments"
            )
        return grads  # the driver runs the anomaly check on them

    def _check_versions(self, node):
        """Raise if a saved input (or the saved output) was changed in place since forward."""
        versions, parents = self.versions, node.parents
        if _version_of(node) == versions[-1]:  # the common case: nothing changed at all
            k = 0
            for p in parents:
                if _version_of(p) != versions[k]:
                    break
                k += 1
            else:
                return
        for k in self._saved_refs(node):
            if k is None or k == _CONST:
                continue  # a constant or an intermediate: nothing can change it in place
            t = node if k == _OUT else parents[k]  # versions[-1] is the output's
            if t._version[0] != versions[k]:
                what = "its output" if k == _OUT else f"input {k}"
                raise RuntimeError(
                    f"{self.name}: one of the tensors needed for gradient computation has been "
                    f"modified by an in-place operation: {what} of shape {tuple(t.shape)} is at "
                    f"version {t._version[0]}; expected version {versions[k]}. Use an "
                    f"out-of-place op (x = x + y) instead, or recompute the graph after the "
                    f"change."
                )

    def release(self):
        """Free the saved arrays once this op's backward has run (retain_graph=False)."""
        if self.saved:
            self.saved = None

    # ---------------------------------------------------------------- subclass contract
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError


# Small tuples of flags and positions (needs_input_grad, arg_index) repeat across ops: one
# shared copy each, so a graph does not hold a new container per op for the collector to scan.
_INTERNED = {}


def _interned(t):
    if len(t) > 4:
        return t
    return _INTERNED.setdefault(t, t)


def _version_of(t):
    vc = t._vc
    return 0 if vc is None else vc[0]


def _share(out, x):
    """``out`` is a view of ``x`` when their arrays overlap: it shares x's version counter
    and remembers the base (the tensor that owns the memory) for in-place changes."""
    d = out._data
    if d is x._data or np.may_share_memory(d, x._data):
        out._version = x._version
        base = x._base if x._base is not None else x
        out._base, out._base_fn = base, base.grad_fn


def _refresh(view):
    from .inplace import refresh_view

    refresh_view(view)


Context = Function  # the ctx passed to forward/backward is the Function instance itself


def bind_tensor(tensor_cls):
    global Tensor
    Tensor = tensor_cls
