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

from .. import _device, _dtype
from ..autograd.graph import _state, no_grad
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight; it requires grad unless told otherwise.

    As in torch, ``Parameter(t)`` is a new leaf that shares ``t``'s storage and version
    counter: an in-place change through either is seen by both. ``Parameter()`` is an empty
    tensor of the default dtype.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=_dtype.get_default_dtype())
        if isinstance(data, Tensor):
            super().__init__(data._data, requires_grad=requires_grad)
            if self._data is data._data:
                self._version = data._version  # torch's Parameter is data.detach()
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictKeyError(RuntimeError, KeyError):
    """load_state_dict(strict=True) found missing or unexpected keys. A RuntimeError, as in
    torch, and a KeyError (what glassgrad raised before)."""

    __str__ = RuntimeError.__str__  # KeyError's would quote the message


class StateDictShapeError(RuntimeError, ValueError):
    """load_state_dict found a shape that does not match. A RuntimeError, as in torch, and a
    ValueError (what glassgrad raised before)."""


_STORES = ("_parameters", "_buffers", "_modules")


def _before_init(value, name):
    return AttributeError(f"cannot assign {_typename(value)} '{name}' before Module.__init__() "
                          "was called (call super().__init__() first)")


def _typename(value):
    return type(value).__name__


class Module:
    """Base class of every layer and model. Subclasses define ``forward``.

    Registration follows torch's ``__setattr__``: assigning a Parameter, a Module or (to a
    buffer's name) a Tensor puts it in ``_parameters``, ``_modules`` or ``_buffers``; a name
    that is registered already keeps its place, so reassigning ``model.conv1`` leaves it where
    it was in ``children()``, ``parameters()`` and ``state_dict()``. Assigning None keeps the
    name with the value None (skipped by ``parameters()`` and ``children()``), and ``del``
    removes it.
    """

    training: bool
    _param_types = ()  # what else counts as a parameter (the scalar engine's weights)

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
        if isinstance(value, Parameter) or (self._param_types
                                            and isinstance(value, self._param_types)):
            if params is None:
                raise _before_init(value, name)
            self._discard(name, "_buffers", "_modules")
            params[name] = value  # a name that is there already keeps its place
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(nn.Parameter or None expected): wrap it as "
                                f"nn.Parameter(...), or change the values in place with "
                                f"{name}.data.copy_(...)")
            params[name] = None
        else:
            modules = d.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise _before_init(value, name)
                self._discard(name, "_parameters", "_buffers")
                modules[name] = value  # a name that is there already keeps its place
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{_typename(value)}' as child module "
                                    f"'{name}' (nn.Module or None expected)")
                modules[name] = None
            else:
                buffers = d.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{_typename(value)}' as buffer "
                                        f"'{name}' (Tensor or None expected): wrap it with "
                                        "gg.tensor(...)")
                    buffers[name] = value
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: something put straight into a store
        # (self._modules["head"] = m), as torch allows.
        d = self.__dict__
        for store in _STORES:
            values = d.get(store)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        registered = any(name in d.get(store, ()) for store in _STORES)
        self._discard(name, *_STORES)
        if name in d or not registered:
            object.__delattr__(self, name)

    def _discard(self, name, *stores):
        d = self.__dict__
        for store in stores:
            if store in d:
                d[store].pop(name, None)
        if "_buffers" in stores and "_non_persistent" in d:
            d["_non_persistent"].discard(name)

    def _forget(self, name):
        """Remove ``name`` from every store (kept for the containers)."""
        self._discard(name, *_STORES)

    def _register(self, store, what, cls, name, value):
        """Put ``value`` (an instance of ``cls``, or None) into ``store`` under ``name``, with
        torch's checks: a name registered in this store keeps its place; any other existing
        attribute is an error."""
        d = self.__dict__
        if store not in d:
            raise AttributeError(f"{what}: cannot register '{name}' before Module.__init__() "
                                 "was called (call super().__init__() first)")
        kind = store.strip("_").rstrip("s")
        if not isinstance(name, str):
            raise TypeError(f"{what}: {kind} name should be a string, got "
                            f"{_typename(name)} {name!r}")
        if not name or "." in name:
            raise KeyError(f"{what}: {kind} name must be a non-empty string without '.', "
                           f"got {name!r}")
        if name not in d[store] and hasattr(self, name):
            raise KeyError(f"{what}: attribute '{name}' already exists; pick another name or "
                           f"delete it first (del module.{name})")
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"{what}: '{name}' must be a {cls.__name__} or None, got "
                            f"{_typename(value)}")
        d[store][name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name, param):
        self._register("_parameters", "register_parameter", Parameter, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not a parameter (e.g. BatchNorm's running_mean)."""
        self._register("_buffers", "register_buffer", Tensor, name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        self._register("_modules", "add_module", Module, name, module)

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first; a module reached
        twice (shared) is given once, under its first name, unless ``remove_duplicate`` is
        False."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if m in memo:
                continue
            if remove_duplicate:
                memo.add(m)
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
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_name, m in mods:
            for k, v in m.__dict__[store].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_name}.{k}" if mod_name else k), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, parameter) pairs; a parameter held twice (tied weights) is given once,
        under its first name, unless ``remove_duplicate`` is False."""
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
        """Reset every parameter's gradient: to None (the default, as torch), or with
        ``set_to_none=False`` to zeros in place (the same grad tensor, detached)."""
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if not isinstance(g, Tensor):  # a scalar-engine Value's float gradient
                p.grad = 0.0
            elif set_to_none:
                p.grad = None
            else:
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """Convert floating parameters and buffers in place to a dtype: ``to(dtype)``,
        ``to(device)``, ``to(device, dtype)``, ``to(tensor)``; the device must be the CPU."""
        dtype, _, _ = _device.parse_to(args, kwargs, "Module.to")
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

    def cuda(self, device=None):
        raise RuntimeError(f"cuda: glassgrad runs on the CPU only; there is no CUDA device to "
                           f"move this {type(self).__name__} to. Use .to(device) with device = "
                           "'cuda' if gg.cuda.is_available() else 'cpu'")

    # ------------------------------------------------------------------ state
    def _walk(self, prefix=""):
        """(prefix, module) for this module and every descendant, depth first, with no
        de-duplication: a shared module comes once per path, as in torch's state_dict."""
        stack = [(prefix, self)]
        while stack:
            pre, m = stack.pop()
            yield pre, m
            stack.extend(reversed([(f"{pre}{k}.", c) for k, c in m._modules.items()
                                   if c is not None]))

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by torch's dotted names, as detached Tensors.

        As in torch, every path gets its entry: tied weights and shared modules appear under
        each of their names.
        """
        out = OrderedDict() if destination is None else destination
        for pre, m in self._walk(prefix):
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
            raise StateDictKeyError(f"load_state_dict for {type(self).__name__}: "
                                    + "; ".join(parts))
        with no_grad():
            for k, target in own.items():
                if k not in state_dict:
                    continue
                value = state_dict[k]
                arr = value._data if isinstance(value, Tensor) else np.asarray(value)
                if arr.shape != target.shape:
                    raise StateDictShapeError(
                        f"load_state_dict for {type(self).__name__}: size mismatch for '{k}': "
                        f"the checkpoint has shape {tuple(arr.shape)}, the model has shape "
                        f"{tuple(target.shape)}")
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
