"""Parametrizations: a module's tensor computed from other tensors on every access.

``register_parametrization(module, "weight", P)`` replaces the parameter ``weight`` by the
result of a small module ``P``: reading ``module.weight`` returns ``P(original)``, where
``original`` is the tensor that is trained. The layer's own ``forward`` is untouched, and
gradients reach ``original`` through ``P``. Registering a second parametrization on the
same name chains them: ``weight = P2(P1(original))``.

How it is wired, as in torch:

- The parameter (or buffer) leaves the module and lives in
  ``module.parametrizations.weight`` (a :class:`ParametrizationList`) as ``original``, so the
  state_dict key is ``parametrizations.weight.original``.
- If ``P`` has ``right_inverse(W)``, the original is set to ``right_inverse(W)`` when ``P``
  is registered, so that ``module.weight`` keeps its value; assigning ``module.weight = W``
  later calls it again. A ``right_inverse`` may return several tensors (weight norm returns
  ``(g, v)``); they become ``original0``, ``original1``, ... and ``P.forward`` takes them all.
- The module's class is swapped for a generated subclass (``ParametrizedLinear``) that holds
  a ``property`` named ``weight``. A property on the class wins over the instance
  ``__dict__``, which is where a glassgrad Module keeps its attributes, so ``module.weight``
  runs the parametrization; ``isinstance(module, nn.Linear)`` still holds.
- Inside ``with parametrize.cached():`` each parametrized tensor is computed once and reused
  (useful when a layer reads its weight many times, as an RNN does per time step).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np

from ...autograd.graph import no_grad
from ...autograd.tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Module, Parameter

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Inside this block each parametrized tensor is computed on its first access and reused
    after (the cache is emptied when the outermost block exits). Blocks may nest."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _set_storage(dest, src):
    """Give ``dest`` the values (and shape) of ``src`` while keeping the object, so that an
    optimizer holding ``dest`` keeps working (torch's ``dest.set_(src)``)."""
    arr = src._data if isinstance(src, Tensor) else np.asarray(src)
    if arr is not dest._data:
        dest._data = np.array(arr, dtype=dest._data.dtype, copy=True)
        dest._version[0] += 1


def _register_parameter_or_buffer(module, name, value):
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _what(module):
    return type_before_parametrizations(module).__name__


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and the tensor(s) they start from.

    ``original`` (or ``original0``, ``original1``, ... when the first parametrization's
    ``right_inverse`` returns a sequence) is the Parameter or buffer that is trained; calling
    the list gives ``P_n(...P_2(P_1(original)))``. ``unsafe=True`` skips the checks that the
    result keeps the original's shape and dtype.
    """

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    try:
                        new = m.right_inverse(new)
                    except NotImplementedError:
                        pass  # treated as the identity
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change "
                                 f"the dtype.\noriginal.dtype: {dtype}\n"
                                 f"right_inverse(original).dtype: {new.dtype}")
            _set_storage(original, new)  # the same object: an optimizer holding it still works
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of the "
                                     f"sequence with type {type(part).__name__}.")
                part = part.detach()
                if isinstance(original, Parameter):
                    part = Parameter(part, original.requires_grad)
                part.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", part)
        if not self.unsafe:
            out = self()
            if not isinstance(out, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got "
                                 f"{type(out).__name__}.")
            if out.dtype != dtype:
                raise ValueError("Registering a parametrization may not change the dtype of "
                                 f"the tensor, unless `unsafe` flag is enabled.\n"
                                 f"unparametrized dtype: {dtype}\n"
                                 f"parametrized dtype: {out.dtype}")
            if out.shape != shape:
                raise ValueError("Registering a parametrization may not change the shape of "
                                 f"the tensor, unless `unsafe` flag is enabled.\n"
                                 f"unparametrized shape: {tuple(shape)}\n"
                                 f"parametrized shape: {tuple(out.shape)}")

    def right_inverse(self, value):
        """Set the original(s) so that the parametrized tensor becomes ``value``: each
        parametrization's ``right_inverse``, last to first."""
        with no_grad():
            for m in reversed(list(self)):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(m).__name__} does not "
                                       "implement right_inverse.")
                value = m.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype "
                                     f"{value.dtype} while `original` has dtype "
                                     f"{self.original.dtype}")
                _set_storage(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                                 f"{type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f"{self.ntensors}. Got a sequence of length {len(value)}.")
            for i, part in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(part, Tensor):
                    raise ValueError(f"`right_inverse` must return a sequence of tensors. "
                                     f"Got element {i} of type {type(part).__name__}")
                if part.dtype != original_i.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype "
                                     f"{part.dtype} while `original{i}` has dtype "
                                     f"{original_i.dtype}")
                _set_storage(original_i, part)

    def forward(self):
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in mods[1:]:
            x = m(x)
        return x


# ------------------------------------------------------------------ the generated class
def _parametrized_get(name):
    def compute(self):
        try:
            return self.parametrizations[name]()
        except AttributeError as e:  # else Python would retry __getattr__ and hide it
            raise RuntimeError(f"computing the parametrized '{name}' of {_what(self)} raised "
                               f"AttributeError: {e}") from e

    def get(self):
        if not _cache_enabled:
            return compute(self)
        key = (id(self), name)
        out = _cache.get(key)
        if out is None:
            out = _cache[key] = compute(self)
        return out

    return get


def _parametrized_set(name):
    def set_(self, value):
        self.parametrizations[name].right_inverse(value)

    return set_


def _setattr(self, name, value):
    """As Module.__setattr__, except that a parametrized name goes to its property (and so
    to ``right_inverse``); a Parameter cannot take its place, as in torch."""
    if isinstance(getattr(type(self), name, None), property) and is_parametrized(self, name):
        if isinstance(value, Parameter):
            raise KeyError(f"cannot assign a Parameter to '{name}' of {_what(self)}: "
                           f"'{name}' is parametrized. Assign a Tensor (set through "
                           "right_inverse), or call remove_parametrizations first")
        object.__setattr__(self, name, value)
        return
    type(self).__bases__[0].__setattr__(self, name, value)


def _getstate(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through "
                       "state_dict(); gg.save(module.state_dict(), path) stores it")


def _deepcopy(self, memo):
    """A copy with a class of its own, so that removing a parametrization from the copy
    leaves the original's property in place."""
    if id(self) in memo:
        return memo[id(self)]
    cls = _new_class(type(self).__bases__[0])
    for name, attr in vars(type(self)).items():
        if isinstance(attr, property):
            setattr(cls, name, attr)
    replica = object.__new__(cls)
    memo[id(self)] = replica
    object.__setattr__(replica, "__dict__", copy.deepcopy(self.__dict__, memo))
    return replica


def _new_class(base):
    name = f"Parametrized{base.__name__}"
    return type(name, (base,), {"__setattr__": _setattr, "__getstate__": _getstate,
                                "__deepcopy__": _deepcopy, "__qualname__": name,
                                "__module__": __name__})


def _inject_property(module, name):
    setattr(type(module), name, property(_parametrized_get(name), _parametrized_set(name)))


# ------------------------------------------------------------------ the public functions
def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module).

    The first parametrization of a name moves the parameter or buffer into
    ``module.parametrizations[tensor_name].original`` (after ``right_inverse``, if the
    parametrization has one); later ones are appended and applied after the earlier ones.
    Unless ``unsafe``, the parametrized tensor must keep its shape and dtype. Returns
    ``module``.
    """
    if not isinstance(module, Module):
        raise TypeError(f"register_parametrization: expected an nn.Module, got "
                        f"{type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be an nn.Module, "
                        f"got {type(parametrization).__name__}")
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            _check_same("Registering a parametrization", x, y)
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. "
                                         f"Got: {type(z).__name__}")
                    _check_same("The tensor returned by parametrization.right_inverse", z, y)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    d = module.__dict__
    if tensor_name not in d["_parameters"] and tensor_name not in d["_buffers"]:
        raise ValueError(_missing(module, tensor_name, "register_parametrization"))
    original = getattr(module, tensor_name)
    if original is None:
        raise ValueError(f"register_parametrization: {_what(module)}.{tensor_name} is None; "
                         "there is no tensor to parametrize")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.__class__ = _new_class(type(module))
        module.parametrizations = ModuleDict()
    _inject_property(module, tensor_name)
    module.parametrizations[tensor_name] = plist
    return module


def _check_same(what, x, y):
    if not isinstance(x, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
    if x.dtype != y.dtype:
        raise ValueError(f"{what} may not change the dtype of the tensor, unless the `unsafe` "
                         f"flag is enabled.\nunparametrized dtype: {y.dtype}\n"
                         f"parametrized dtype: {x.dtype}")
    if x.shape != y.shape:
        raise ValueError(f"{what} may not change the shape of the tensor, unless the `unsafe` "
                         f"flag is enabled.\nunparametrized shape: {tuple(y.shape)}\n"
                         f"parametrized shape: {tuple(x.shape)}")


def _missing(module, name, op):
    """The error for a name that is no parameter or buffer of ``module``: what the name holds
    instead, and what the module does have."""
    d = module.__dict__
    if name in d or hasattr(type(module), name):
        found = f"'{name}' is a plain attribute holding {type(getattr(module, name)).__name__}"
    else:
        found = f"there is no attribute '{name}'"
    have = [*d["_parameters"], *d["_buffers"]]
    if is_parametrized(module):
        have += [f"{k} (parametrized)" for k in module.parametrizations]
    return (f"{op}: {_what(module)} has no parameter, buffer or parametrized tensor named "
            f"'{name}' ({found}); it has: {', '.join(have) or 'none'}")


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has any parametrization, or one on ``tensor_name``."""
    plist = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plist, ModuleDict):
        return False
    if tensor_name is None:
        return len(plist) > 0
    return tensor_name in plist


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo ``register_parametrization`` on ``tensor_name``; returns ``module``.

    With ``leave_parametrized`` the plain tensor keeps the current parametrized value (the
    ``original`` object is reused, so an optimizer holding it keeps working); otherwise it
    gets the original's value back (impossible when there are several originals). The class
    swap is undone once no parametrization is left.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: {_what(module)} does not have a "
                         f"parametrization on '{tensor_name}'")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _set_storage(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a "
                             "tensor that is parametrized in terms of a sequence of tensors.")
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class as it was before any parametrization (``nn.Linear`` for a
    ``ParametrizedLinear``)."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]
