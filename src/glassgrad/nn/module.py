"""``Module`` and ``Parameter``: PyTorch's contract for models.

A Module registers what is assigned to it: a ``Parameter`` goes into ``_parameters``, a
sub-Module into ``_modules``, and a tensor given to ``register_buffer`` into ``_buffers``.
The value also stays an ordinary attribute, so lookup is plain Python and a typo is an
``AttributeError``. state_dict keys are torch's (``0.weight``, ``bn.running_mean``), so
weights move between glassgrad and torch in both directions.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _device, _dtype
from ..autograd.graph import _state, no_grad
from ..autograd.hooks import RemovableHandle
from ..autograd.tensor import Tensor
from ..autograd.value import _MODULE_CALLS


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


_CALLS = itertools.count(1)  # numbers every module call, in time order (see __call__)
_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictKeyError(RuntimeError, KeyError):
    """load_state_dict(strict=True) found missing or unexpected keys. A RuntimeError, as in
    torch, and a KeyError (what glassgrad raised before)."""

    __str__ = RuntimeError.__str__  # KeyError's would quote the message


class StateDictShapeError(RuntimeError, ValueError):
    """load_state_dict found a shape that does not match. A RuntimeError, as in torch, and a
    ValueError (what glassgrad raised before)."""


def _indent(text):
    """Indent every line after the first by two spaces; lines of only whitespace become
    empty (torch's _addindent)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [("  " + line) if line.strip() else "" for line in rest])


# the hook stores a Module holds; __call__ looks at none of them until a hook is registered
_HOOK_STORES = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks",
                "_backward_hooks", "_state_dict_pre_hooks", "_state_dict_hooks",
                "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")

def _gate(values, on_grads, zeros=False):
    """Route the Tensors among ``values`` through one joint node, so that ``on_grads`` sees
    all their gradients at once (torch's BackwardHookFunction, built from plain ops).

    Returns (new values, positions of the Tensors) or (values, None) when no Tensor requires
    grad. ``on_grads(grads)`` gets one gradient per position and may return replacements; a
    Tensor that got no gradient gives None, or zeros with ``zeros`` (torch's grad_input).
    """
    from ..autograd.ops.shaping import cat

    index = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
    live = [i for i in index if values[i].requires_grad]
    if not live or not _state.grad_enabled:
        return values, None
    common = np.result_type(*[values[i]._data.dtype for i in live])
    flat = cat([values[i].reshape(-1).to(common) for i in live])
    got = {}
    out = list(values)
    start = 0
    for i in live:
        v = values[i]
        stop = start + v._data.size
        w = flat[start:stop].reshape(v.shape).to(v.dtype)
        w.register_hook(lambda g, i=i: got.__setitem__(i, g))
        out[i] = w
        start = stop

    def joint(g):
        grads = tuple(got.get(i) for i in index)
        if zeros:
            grads = tuple(Tensor(np.zeros(values[i].shape, dtype=values[i].dtype))
                          if gi is None else gi for i, gi in zip(index, grads))
        got.clear()
        new = on_grads(grads)
        if new is None:
            return None
        parts = []
        for i, gi in zip(index, new):
            if i in live:
                v = values[i]
                gi = gi if gi is not None else Tensor(np.zeros(v.shape, dtype=v.dtype))
                parts.append(gi.reshape(-1).to(common))
        return cat(parts)

    flat.register_hook(joint)
    return tuple(out), index


class _BackwardHook:
    """One call's full backward (pre-)hooks: grad_output is known when the gradients of all
    the outputs are, grad_input when those of all the positional Tensor inputs are."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs, self.input_index = 0, None

    def wrap_inputs(self, args):
        self.n_inputs = len(args)
        args, self.input_index = _gate(args, self._on_inputs, zeros=True)
        return args

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        self.n_outputs = len(outs)
        outs, self.output_index = _gate(outs, self._on_outputs)
        return outs[0] if single else outs

    @staticmethod
    def _pack(index, grads, n):
        full = [None] * n
        for i, g in zip(index, grads):
            full[i] = g
        return tuple(full)

    def _on_outputs(self, grads):
        grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            new = hook(self.module, grad_outputs)
            if new is None:
                continue
            if len(new) != len(grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(new)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = tuple(new)
        self.grad_outputs = grad_outputs
        if self.input_index is None:  # no input needs a gradient: call the hooks now
            if self.hooks:
                warnings.warn("Full backward hook is firing when gradients are computed with "
                              "respect to module outputs since no inputs require gradients "
                              f"({type(self.module).__name__}); grad_input is all None",
                              stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                r = hook(self.module, grad_inputs, grad_outputs)
                if r is not None and not all(x is None for x in r):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_index)

    def _on_inputs(self, grads):
        if self.grad_outputs is None:
            return None
        grad_inputs = self._pack(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            new = hook(self.module, grad_inputs, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(new)}, but expected {len(grad_inputs)}")
            grad_inputs = tuple(new)
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_index)


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
    _hooked = False  # set once any hook is registered: until then __call__ is just forward

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

    # ------------------------------------------------------------------ hooks
    def _hook_store(self, store):
        d = self.__dict__
        hooks = d.get(store)
        if hooks is None:
            hooks = d[store] = OrderedDict()
        return hooks

    def _add_hook(self, store, hook, prepend=False, flags=()):
        """Put ``hook`` into ``store`` (first with ``prepend``); ``flags`` are (set name, on)
        pairs of id sets the handle also cleans. Returns the RemovableHandle."""
        hooks = self._hook_store(store)
        d = self.__dict__
        sets = [d.setdefault(name, set()) for name, _ in flags]
        handle = RemovableHandle(hooks, extra_dict=sets)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        for (_, on), ids in zip(flags, sets):
            if on:
                ids.add(handle.id)
        d["_hooked"] = True
        return handle

    def _unhook_if_empty(self):
        """Put __call__ back on its fast path once every hook store is empty again."""
        d = self.__dict__
        if not any(d.get(store) for store in _HOOK_STORES):
            d.pop("_hooked", None)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``hook(module, args, kwargs)`` with ``with_kwargs``)
        runs before forward; a non-None return replaces args (a non-tuple is wrapped in one),
        or with ``with_kwargs`` must be ``(args, kwargs)``."""
        return self._add_hook("_forward_pre_hooks", hook, prepend,
                              [("_forward_pre_hooks_with_kwargs", with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) runs
        after forward; a non-None return replaces the output. With ``always_call`` it also
        runs when forward (or an earlier hook) raised."""
        return self._add_hook("_forward_hooks", hook, prepend,
                              [("_forward_hooks_with_kwargs", with_kwargs),
                               ("_forward_hooks_always_called", always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output) -> new grad_output or None`` runs once the gradients of
        all the module's outputs are known, before they flow on into the module."""
        return self._add_hook("_backward_pre_hooks", hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output) -> new grad_input or None`` runs once the
        gradients of the module's positional Tensor inputs are known (None for an input that
        is not a Tensor or needs no gradient)."""
        return self._add_hook("_backward_hooks", hook, prepend)

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` runs before this module's state_dict entries
        are made."""
        return self._add_hook("_state_dict_pre_hooks", hook)

    def _register_state_dict_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` runs after this module's
        entries are made; on the root module a non-None return replaces the state_dict."""
        return self._add_hook("_state_dict_hooks", (hook, False))

    def register_state_dict_post_hook(self, hook):
        """As ``_register_state_dict_hook``, but the hook must return None."""
        return self._add_hook("_state_dict_hooks", (hook, True))

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` runs before load_state_dict uses ``state_dict`` (a
        copy, which the hook may change)."""
        return self._add_hook("_load_state_dict_pre_hooks", hook)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` runs after loading; changing
        ``incompatible_keys`` in place changes what ``strict`` sees."""
        return self._add_hook("_load_state_dict_post_hooks", hook)

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

    def get_submodule(self, target):
        """The sub-module at the dotted path ``target`` ("" is this module)."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def set_submodule(self, target, module, strict=False):
        """Put ``module`` at the dotted path ``target``; with ``strict`` only replace an
        existing sub-module."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _get_leaf(self, target, store, what):
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        if name not in mod.__dict__[store]:
            raise AttributeError(f"`{name}` is not {what}")
        return getattr(mod, name)

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` ("layer.0.weight")."""
        return self._get_leaf(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target):
        """The buffer at the dotted path ``target`` ("bn.running_mean")."""
        return self._get_leaf(target, "_buffers", "a buffer")

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
        if any(m.__dict__.get("_state_dict_pre_hooks") or m.__dict__.get("_state_dict_hooks")
               for _, m in self._walk(prefix)):
            return self._state_dict_hooked(out, prefix, keep_vars)
        for pre, m in self._walk(prefix):
            for k, p in m._parameters.items():
                if p is not None:
                    out[pre + k] = p if keep_vars else p.detach()
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent:
                    out[pre + k] = b if keep_vars else b.detach()
        return out

    def _state_dict_hooked(self, out, prefix, keep_vars):
        """state_dict with hooks, module by module as torch: pre-hooks, own entries,
        children, post-hooks (a private post-hook's return replaces the root's result)."""
        for hook in (self.__dict__.get("_state_dict_pre_hooks") or {}).values():
            hook(self, prefix, keep_vars)
        for k, p in self._parameters.items():
            if p is not None:
                out[prefix + k] = p if keep_vars else p.detach()
        for k, b in self._buffers.items():
            if b is not None and k not in self._non_persistent:
                out[prefix + k] = b if keep_vars else b.detach()
        for k, c in self._modules.items():
            if c is not None:
                c._state_dict_hooked(out, f"{prefix}{k}.", keep_vars)
        metadata = {"version": getattr(type(self), "_version", 1)}
        for hook, public in (self.__dict__.get("_state_dict_hooks") or {}).values():
            r = hook(self, out, prefix, metadata)
            if r is not None:
                if public:
                    raise RuntimeError("state_dict post-hook must return None")
                out = r
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or numpy arrays) into this module's parameters and buffers.

        Shapes must match exactly; with ``strict`` the keys must match too. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        if any(m.__dict__.get("_load_state_dict_pre_hooks")
               or m.__dict__.get("_load_state_dict_post_hooks") for _, m in self._walk()):
            return self._load_hooked(state_dict, strict)
        own = self._own_entries()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        sizes = self._size_mismatches(own, state_dict)
        if strict and (missing or unexpected):  # every problem in one error, nothing copied
            self._key_error(missing, unexpected, sizes)
        if sizes:
            raise StateDictShapeError(f"load_state_dict for {type(self).__name__}: "
                                      + "; ".join(sizes))
        self._copy_entries(own, state_dict)
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _size_mismatches(own, state_dict):
        out = []
        for k, target in own.items():
            if k in state_dict:
                shape = np.shape(state_dict[k]._data if isinstance(state_dict[k], Tensor)
                                 else state_dict[k])
                if shape != target.shape:
                    out.append(f"size mismatch for '{k}': the checkpoint has shape "
                               f"{tuple(shape)}, the model has shape {tuple(target.shape)}")
        return out

    def _key_error(self, missing, unexpected, sizes=()):
        parts = []
        if missing:
            parts.append(f"missing keys: {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {', '.join(unexpected)}")
        raise StateDictKeyError(f"load_state_dict for {type(self).__name__}: "
                                + "; ".join([*parts, *sizes]))

    def _load_hooked(self, state_dict, strict):
        """load_state_dict with hooks, module by module as torch: pre-hooks (they may change
        the copied state_dict), own entries, children, then post-hooks, which see (and may
        change) the missing and unexpected keys found so far."""
        metadata = getattr(state_dict, "_metadata", None) or {}
        state_dict = OrderedDict(state_dict)
        missing, unexpected, errors = [], [], []
        self._load_module(state_dict, "", strict, metadata, missing, unexpected, errors)
        if strict and (missing or unexpected):
            self._key_error(missing, unexpected)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    def _load_module(self, state_dict, prefix, strict, metadata, missing, unexpected, errors):
        d = self.__dict__
        for hook in list((d.get("_load_state_dict_pre_hooks") or {}).values()):
            hook(self, state_dict, prefix, metadata.get(prefix[:-1], {}), strict, missing,
                 unexpected, errors)
        own = OrderedDict((k, p) for k, p in self._parameters.items() if p is not None)
        own.update((k, b) for k, b in self._buffers.items()
                   if b is not None and k not in self._non_persistent)
        self._copy_entries({prefix + k: t for k, t in own.items()}, state_dict)
        missing.extend(prefix + k for k in own if prefix + k not in state_dict)
        for key in state_dict:
            if key.startswith(prefix):
                first = key[len(prefix):].split(".", 1)[0]
                if first not in own and first not in self._modules:
                    unexpected.append(key)
        for k, c in self._modules.items():
            if c is not None:
                c._load_module(state_dict, f"{prefix}{k}.", strict, metadata, missing,
                               unexpected, errors)
        keys = _IncompatibleKeys(missing, unexpected)
        for hook in list((d.get("_load_state_dict_post_hooks") or {}).values()):
            if hook(self, keys) is not None:
                raise RuntimeError("load_state_dict post-hook must return None")

    def _own_entries(self):
        """What state_dict(keep_vars=True) holds, without running its hooks."""
        own = OrderedDict()
        for pre, m in self._walk():
            for k, p in m._parameters.items():
                if p is not None:
                    own[pre + k] = p
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent:
                    own[pre + k] = b
        return own

    def _copy_entries(self, own, state_dict):
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

    # ------------------------------------------------------------------ calling and printing
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        # ops created inside remember the calls they ran in, outermost first: the modules
        # (ctx.scope) and one number per call (ctx.calls, increasing in time), so pictures
        # can group them and tell two calls of one module apart
        state = _state.__dict__  # this thread's flags (see autograd.graph._State)
        outer, outer_calls = state["scope"], state["calls"]
        state["scope"] = (*outer, self)
        state["calls"] = (*outer_calls, next(_CALLS))
        _MODULE_CALLS[0] += 1  # lets Value ops skip reading the scope outside any call
        try:
            if not self._hooked:
                return self.forward(*args, **kwargs)
            return self._call_with_hooks(args, kwargs)
        finally:
            _MODULE_CALLS[0] -= 1
            state["scope"] = outer
            state["calls"] = outer_calls

    def _call_with_hooks(self, args, kwargs):
        """torch's order: forward pre-hooks, backward hooks on the inputs, forward, forward
        hooks, backward hooks on the outputs; always_call hooks run even after an error."""
        d = self.__dict__
        fwd = d.get("_forward_hooks") or {}
        result = None
        called = set()
        try:
            pre_kw = d.get("_forward_pre_hooks_with_kwargs", ())
            for hid, hook in list((d.get("_forward_pre_hooks") or {}).items()):
                if hid in pre_kw:
                    r = hook(self, args, kwargs)
                    if r is not None:
                        if not (isinstance(r, tuple) and len(r) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple "
                                               f"of (new_args, new_kwargs), but got {r}.")
                        args, kwargs = r
                else:
                    r = hook(self, args)
                    if r is not None:
                        args = r if isinstance(r, tuple) else (r,)
            bw = d.get("_backward_hooks") or {}
            bw_pre = d.get("_backward_pre_hooks") or {}
            bw_hook = None
            if bw or bw_pre:
                bw_hook = _BackwardHook(self, list(bw.values()), list(bw_pre.values()))
                args = bw_hook.wrap_inputs(args)
            result = self.forward(*args, **kwargs)
            fwd_kw = d.get("_forward_hooks_with_kwargs", ())
            always = d.get("_forward_hooks_always_called", ())
            for hid, hook in list(fwd.items()):
                if hid in always:
                    called.add(hid)
                r = hook(self, args, kwargs, result) if hid in fwd_kw else hook(self, args,
                                                                                result)
                if r is not None:
                    result = r
            if bw_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a "
                                  f"Tensor or a tuple of Tensors but received {type(result)}",
                                  stacklevel=3)
                else:
                    result = bw_hook.wrap_outputs(result)
            return result
        except Exception:
            fwd_kw = d.get("_forward_hooks_with_kwargs", ())
            always = d.get("_forward_hooks_always_called", ())
            for hid, hook in list(fwd.items()):
                if hid not in always or hid in called:
                    continue
                try:
                    r = hook(self, args, kwargs, result) if hid in fwd_kw else hook(
                        self, args, result)
                    if r is not None:
                        result = r
                except Exception as e:  # noqa: BLE001 - the first error is the one raised
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)
            raise

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        """torch's layout: ``Name(extra)`` on one line when there is one line of extra_repr
        and no children; otherwise every extra_repr line and then every child, indented."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _indent(repr(m)) for name, m in self._modules.items()]
        head = f"{type(self).__name__}("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        lines = extra_lines + child_lines
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
