"""``Tensor``: an ndarray with a gradient, a node in the autograd graph.

A Tensor is its own graph node (as in micrograd): ``parents`` are the Tensors it was computed
from and ``grad_fn`` is the op (a ``Function`` instance) that holds what backward needs.
The ops themselves live in ``glassgrad.autograd.ops``; the methods here bind them.
"""

from __future__ import annotations

import numpy as np

from .. import _device, _dtype
from .._size import Size
from . import function
from .graph import _state, as_ndarray, run_backward
from .hooks import add_hook


class Tensor:
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "parents", "_vc", "label",
                 "_hooks", "_retains_grad", "_base", "_base_fn", "_history", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data._data
        dt = _dtype.to_dtype(dtype)
        if isinstance(data, np.ndarray):
            arr = data if dt is None or data.dtype == dt else data.astype(dt)
            if dt is None and arr.dtype not in _dtype._SUPPORTED:
                arr = arr.astype(_dtype.infer_dtype(arr, False))
        else:
            arr = np.asarray(data)
            inferred = None
            if dt is None or arr.dtype == object:
                try:  # raises torch's overflow error for ints outside int64 (2**63)
                    inferred = _dtype.infer_dtype(arr, not isinstance(data, np.generic), data)
                except TypeError:
                    if arr.dtype != object:
                        raise
            if arr.dtype == object:
                raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} "
                                f"holding non-numeric items")
            arr = arr.astype(dt if dt is not None else inferred, copy=False)
        self._data = arr
        self.grad = None
        self.grad_fn = None
        self.parents = ()
        self._vc = None  # the version counter, made on first use (see _version)
        self.label = ""
        self._hooks = None
        self._retains_grad = False
        self._base = self._base_fn = self._history = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_op(cls, data, grad_fn, parents):
        """Fast constructor for op results: no dtype inference, no validation."""
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = grad_fn is not None
        t.grad_fn = grad_fn
        t.parents = parents
        t._vc = None
        t.label = ""
        t._hooks = None
        t._retains_grad = False
        t._base = t._base_fn = t._history = None
        return t

    # ------------------------------------------------------------------ version counter
    @property
    def _version(self):
        """The version counter: a one-item list, bumped by every in-place change and shared
        with the tensor's views (so a change through any of them is seen by all). Made on
        first use: an op's result holds None until then and counts as version 0, so building
        a graph allocates no counter per op (one less object for the garbage collector)."""
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    @_version.setter
    def _version(self, counter):
        self._vc = counter

    # ------------------------------------------------------------------ data
    @property
    def data(self):
        """This tensor's values as a new leaf outside the graph that shares its storage, as
        torch's ``.data``: in-place changes through it are seen here but are not recorded
        and do not bump this tensor's version counter (use ``detach()`` for that)."""
        return Tensor._from_op(self._data, None, ())

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: assigned data must be a Tensor, got {type(value).__name__}; "
                            "wrap arrays with gg.tensor(...)")
        self._data = value._data

    # ------------------------------------------------------------------ node protocol
    @property
    def op(self):
        return self.grad_fn.name if self.grad_fn is not None else ""

    @property
    def is_leaf(self):
        return self.grad_fn is None

    # ------------------------------------------------------------------ shape and dtype
    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        """gg.device("cpu"): glassgrad tensors live on the CPU."""
        return _device.CPU

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def itemsize(self):
        return self._data.itemsize

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    # ------------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a Python "
                             f"scalar; this one has shape {self.shape}")
        return self._data.item()

    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        d = self._data
        if dtype is not None and dtype != d.dtype:
            return d.astype(dtype)
        return d.copy() if copy else as_ndarray(d)

    def __format__(self, spec):
        if self._data.size == 1 and (spec or self._data.ndim == 0):
            return format(self._data.item(), spec)  # f"{loss:.4f}", as torch
        return format(repr(self), spec)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements is "
                               "ambiguous; use .any() or .all()")
        return bool(self._data)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data)

    __hash__ = object.__hash__

    def __repr__(self):
        d = self._data
        fin = d[np.isfinite(d)] if d.dtype.kind == "f" else d
        fixed = d.dtype.kind == "f" and fin.size and not np.all(fin == np.round(fin))
        body = np.array2string(d, separator=", ", precision=4, prefix="tensor(",
                               floatmode="fixed" if fixed else "maxprec")  # torch's style
        extra = []
        if self._data.dtype not in (_dtype.float32, _dtype.int64, _dtype.bool):
            extra.append(f"dtype=glassgrad.{self._data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extra]) + ")"

    # ------------------------------------------------------------------ autograd control
    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only floating point tensors can require gradients; this one has dtype "
                f"{self._data.dtype} (shape {self.shape}). Convert it with .float() first"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this tensor's data (and version counter), outside the graph."""
        t = Tensor._from_op(self._data, None, ())
        t._version = self._version
        return t

    def detach_(self):
        self.grad_fn = None
        self.parents = ()
        self.requires_grad = False
        return self

    def retain_grad(self):
        """Keep this non-leaf tensor's ``.grad`` after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = {}
        return add_hook(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after backward has added into this leaf's ``.grad`` (e.g. to
        step an optimizer for this parameter inside backward, as torch allows)."""
        from .graph import post_accumulate_hooks

        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors can have "
                               f"one; this tensor (shape {self.shape}) has grad_fn "
                               f"{self.grad_fn!r}")
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: the tensor does not "
                               "require grad")
        return add_hook(post_accumulate_hooks(self), hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is d(loss)/d(self); it may be omitted only for a one-element tensor.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: this tensor (shape {self.shape}) does not require grad and has no "
                "grad_fn; make sure some input was created with requires_grad=True and that "
                "the computation did not run under no_grad()"
            )
        from .inplace import refresh_if_stale

        refresh_if_stale(self)  # a view whose base was changed in place since it was made
        grad = _seed_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is None:
            run_backward([self], [grad], retain_graph, create_graph)
            return
        # only the given tensors receive gradients
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = run_backward([self], [grad], retain_graph, create_graph, inputs=inputs,
                             allow_unused=True, accumulate=False)
        for t, g in zip(inputs, grads):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g

    # ------------------------------------------------------------------ in-place ops
    # add_, mul_, relu_, x += y, x[i] = v, ... are bound from ops/inplace_ops.py
    def _check_inplace(self, op):
        """Refuse an in-place change that autograd cannot allow (a leaf that requires grad,
        outside no_grad)."""
        if _state.grad_enabled:
            from .inplace import check_leaf

            check_leaf(self, op)

    # ------------------------------------------------------------------ numpy protocol
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .ops import numpy_dispatch

        return numpy_dispatch.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .ops import numpy_dispatch

        return numpy_dispatch.function(func, args, kwargs)


def _seed_gradient(t, gradient, create_graph):
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for one-element outputs; this "
                f"tensor has shape {t.shape}. Pass gradient= (same shape), or reduce it first, "
                "e.g. loss.sum().backward()"
            )
        g = np.ones_like(t._data)
    else:
        g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient, t.dtype)
        if g.shape != t.shape:
            raise RuntimeError(f"backward: gradient has shape {g.shape} but the tensor has shape "
                               f"{t.shape}")
        if create_graph and isinstance(gradient, Tensor):  # on the graph, in t's dtype
            return gradient if gradient._data.dtype == t.dtype else gradient.to(t.dtype)
        if g.dtype != t.dtype:
            g = g.astype(t.dtype)
        # otherwise borrowed, not copied: the driver copies it if it reaches a .grad as it is
    return Tensor._from_op(g, None, ()) if create_graph else g


def is_tensor(x):
    return isinstance(x, Tensor)


def as_tensor(x, dtype=None):
    """``x`` as a Tensor: Tensors pass through; scalars and arrays become constant leaves."""
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype == _dtype.to_dtype(dtype) else x.to(dtype)
    return Tensor(x, dtype=dtype)


function.bind_tensor(Tensor)
