"""``Module`` and ``Parameter``: PyTorch's contract for models.

A Module registers what is assigned to it: a ``Parameter`` goes into ``_parameters``, a
sub-Module into ``_modules``, and a tensor given to ``register_buffer`` into ``_buffers``.
The value also stays an ordinary attribute, so lookup is plain Python and a typo is an
``AttributeError``. state_dict keys are torch's (``0.weight``, ``bn.running_mean``), so
weights move between glassgrad and torch in both directions.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from .. import _dtype
from ..autograd.graph import _state, no_grad
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight; it requires grad unless told otherwise."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=_dtype.get_default_dtype())
        super().__init__(data._data if isinstance(data, Tensor) else data,
                         requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model. Subclasses define ``forward``."""

    training: bool

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before "
                                 f"Module.__init__() was called (call super().__init__() first)")
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            d["_modules"][name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                "(a glassgrad.nn.Parameter or None is expected)")
            params[name] = None
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module "
                                f"'{name}' (a Module or None is expected)")
            d["_modules"][name] = None
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' "
                                "(a Tensor or None is expected)")
            d["_buffers"][name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            self.__dict__[store].pop(name, None)
        self.__dict__["_non_persistent"].discard(name)

    def _register(self, store, what, cls, name, value):
        """Put ``value`` (an instance of ``cls``, or None) into ``store`` under ``name``."""
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"{what}: '{name}' must be a {cls.__name__} or None, got "
                            f"{type(value).__name__}")
        self._check_name(name, store.strip("_").rstrip("s"))
        self._forget(name)
        self.__dict__[store][name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name, param):
        self._register("_parameters", "register_parameter", Parameter, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not a parameter (e.g. BatchNorm's running_mean)."""
        self._register("_buffers", "register_buffer", Tensor, name, tensor)
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        self._register("_modules", "add_module", Module, name, module)

    register_module = add_module

    def _check_name(self, name, what):
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{what} name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__ and not any(name in self.__dict__[s] for s in
                                             ("_parameters", "_buffers", "_modules")):
            raise KeyError(f"attribute '{name}' already exists")

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first, once each."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in memo:
                    continue
                memo.add(id(m))
            yield name, m
            children = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items()
                        if c is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_name, m in mods:
            for k, v in m.__dict__[store].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_name}.{k}" if mod_name else k), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ modes and utilities
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            elif not isinstance(p.grad, Tensor):  # a scalar-engine Value's float gradient
                p.grad = 0.0
            else:
                p.grad = p.grad.detach()
                p.grad.zero_()

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None):
        """Convert floating parameters and buffers in place to ``dtype`` (the CPU only)."""
        for a in args:
            if isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps"):
                device = a
            else:
                dtype = a
        if device not in (None, "cpu"):
            raise RuntimeError(f"to: glassgrad runs on the CPU only; got device {device!r}")
        dt = _dtype.to_dtype(dtype)
        if dt is None:
            return self
        if dt.kind != "f":
            raise TypeError(f"to: modules can only be cast to floating dtypes, got {dt}")
        for t in list(self.parameters()) + list(self.buffers()):
            if not isinstance(t, Tensor):
                continue  # scalar-engine Values hold Python floats
            if t.dtype.kind == "f" and t.dtype != dt:
                t._data = t._data.astype(dt)
                t._version[0] += 1
                if t.grad is not None:
                    t.grad = Tensor._from_op(t.grad._data.astype(dt), None, ())
        return self

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def cpu(self):
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by torch's dotted names, as detached Tensors."""
        out = OrderedDict() if destination is None else destination
        for mod_name, m in self.named_modules(prefix=prefix.rstrip(".")):
            pre = f"{mod_name}." if mod_name else ""
            for k, p in m._parameters.items():
                if p is not None:
                    out[pre + k] = p if keep_vars else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent:
                    out[pre + k] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or numpy arrays) into this module's parameters and buffers.

        Shapes must match exactly; with ``strict`` the keys must match too. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys: {', '.join(missing)}")
            if unexpected:
                parts.append(f"unexpected keys: {', '.join(unexpected)}")
            raise KeyError(f"load_state_dict for {type(self).__name__}: " + "; ".join(parts))
        with no_grad():
            for k, target in own.items():
                if k not in state_dict:
                    continue
                value = state_dict[k]
                arr = value._data if isinstance(value, Tensor) else np.asarray(value)
                if arr.shape != target.shape:
                    raise ValueError(f"load_state_dict for {type(self).__name__}: size mismatch "
                                     f"for '{k}': the checkpoint has shape {tuple(arr.shape)}, "
                                     f"the model has shape {tuple(target.shape)}")
                if arr.dtype.kind not in "fiub":
                    raise TypeError(f"load_state_dict: '{k}' holds non-numeric data "
                                    f"({arr.dtype})")
                np.copyto(target._data, arr, casting="unsafe")
                target._version[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling and printing
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        # ops created inside remember this call (ctx.scope), so pictures can group them
        outer = _state.scope
        _state.scope = (*outer, self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            _state.scope = outer

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = []
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        extra = self.extra_repr()
        head = f"{type(self).__name__}({extra}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"
