"""Containers: Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict, with torch's
keys ("0", "1", ... or the dict's keys).

As in torch, setting an item keeps its place, deleting one renumbers the rest ("0", "1",
... again), and ``insert`` shifts the later modules up by one.

Their reprs are torch's, character for character: a ModuleList folds a run of equal
entries into one line (``(0-2): 3 x Linear(in_features=4, out_features=4, bias=True)``);
Sequential and ModuleDict list every entry; the parameter containers describe each value
(``(0): Parameter containing: [glassgrad.float32 of size 2x3]``).
"""

from __future__ import annotations

import operator
from collections import OrderedDict

from ..autograd.tensor import Tensor
from .module import Module, Parameter


def _indent(text, spaces=2):
    """torch's _addindent: indent every line but the first; blank lines stay empty."""
    first, *rest = text.split("\n")
    pad = " " * spaces
    return "\n".join([first] + [pad + line if line.strip() else "" for line in rest])


def _layout(name, lines):
    """torch's Module.__repr__ frame around ``lines``: one line stays inline."""
    if not lines:
        return name + "()"
    if len(lines) == 1 and "\n" not in lines[0]:
        return f"{name}({lines[0]})"
    return name + "(\n  " + "\n  ".join(lines) + "\n)"


class _Indexed(Module):
    """What Sequential and ModuleList share: modules named "0", "1", ... in order."""

    def _index(self, idx):
        idx = operator.index(idx)
        n = len(self._modules)
        if not -n <= idx < n:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range for {n} "
                             "modules")
        return idx % n

    def _key(self, idx):
        return list(self._modules)[self._index(idx)]

    def _renumber(self, modules):
        """Make ``modules`` (a list) the contents, named "0", "1", ... in order."""
        d = self.__dict__
        for name in d["_modules"]:
            d.pop(name, None)
        d["_modules"].clear()
        for i, m in enumerate(modules):
            d["_modules"][str(i)] = m
            d[str(i)] = m

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __setitem__(self, idx, module):
        setattr(self, self._key(idx), module)  # the name keeps its place

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[self._index(idx)]
        self._renumber(mods)  # torch renumbers what is left: "0", "1", ...

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Put ``module`` at ``index`` (as list.insert); the later modules move up by one."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got "
                            f"{type(module).__name__}")
        n = len(self._modules)
        index = operator.index(index)
        if not -n <= index <= n:
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range "
                             f"for {n} modules")
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)
        return self

    def pop(self, idx=-1):
        module = self[idx]
        del self[idx]
        return module

    def __iadd__(self, modules):
        return self.extend(modules)


class Sequential(_Indexed):
    """Calls its modules in order: ``Sequential(Linear(6, 8), ReLU(), Linear(8, 1))``."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential + {type(other).__name__}: add a Sequential")
        return Sequential(*self, *other)


class ModuleList(_Indexed):
    """A list of modules whose parameters the parent module sees."""

    def __init__(self, modules=None):
        super().__init__()
        for m in modules or ():
            self.append(m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx))]

    def __add__(self, other):
        return ModuleList([*self, *other])

    def __repr__(self):
        """torch's: a run of equal consecutive entries is one line, ``(i-j): n x repr``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        runs = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [_indent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}")
                 for a, b, r in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList is a container; iterate over it in forward()")


class ModuleDict(Module):
    """A dict of modules whose parameters the parent module sees."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r}; has {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        self[key]  # the KeyError that names the keys  # noqa: B018
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        for key in list(self._modules):
            del self[key]

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for k, m in items:
            self.add_module(k, m)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict is a container; index it in forward()")


def _as_parameter(value):
    """torch wraps a plain Tensor put into a Parameter container as a Parameter."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value, type_name):
    """One entry of a parameter container's repr; ``type_name(t)`` names the tensor's kind
    (torch's ParameterList shows the dtype, its ParameterDict the tensor type)."""
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(n) for n in value.shape)
        return f"{kind} containing: [{type_name(value)} of size {size}]"
    return f"Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters whose parent module sees them, named "0", "1", ... as in torch.
    A plain Tensor is wrapped as a Parameter; other objects are kept as they are."""

    def __init__(self, values=None):
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self.extend(values)

    def _index(self, idx):
        idx = operator.index(idx)
        n = self._size
        if not -n <= idx < n:
            raise IndexError(f"ParameterList: index {idx} is out of range for {n} parameters")
        return idx % n

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx, param):
        setattr(self, str(self._index(idx)), _as_parameter(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value):
        n = self._size
        self.__dict__["_size"] = n + 1
        setattr(self, str(n), _as_parameter(value))
        return self

    def extend(self, values):
        if isinstance(values, Tensor) or not hasattr(values, "__iter__"):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"  ({i}): {_describe(p, lambda t: f'glassgrad.{t.dtype}')}"
                         for i, p in enumerate(self))

    def __repr__(self):  # torch's frame: these lines come out indented by 4
        body = self.extra_repr()
        return _layout("ParameterList", body.split("\n") if body else [])

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList is a container; index it in forward()")


class ParameterDict(Module):
    """A dict of parameters whose parent module sees them under the dict's keys, as torch.
    A plain Tensor is wrapped as a Parameter; other objects are kept as they are."""

    def __init__(self, parameters=None):
        super().__init__()
        self.__dict__["_keys"] = {}
        if parameters is not None:
            self.update(parameters)

    def _key(self, key):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict: keys must be strings, got {type(key).__name__} "
                            f"{key!r}")
        return key

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(f"ParameterDict: no parameter named {key!r}; has "
                           f"{list(self._keys)}")
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._keys[self._key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key):
        self[key]  # the KeyError that names the keys  # noqa: B018
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def copy(self):
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def keys(self):
        return self._keys.keys()

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters):
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            items = parameters.items()
        elif hasattr(parameters, "items"):
            items = sorted(parameters.items())  # torch sorts a plain dict's keys
        else:
            items = parameters
        for k, v in items:
            self[k] = v

    def extra_repr(self):
        # torch shows Parameter containing: [torch.FloatTensor of size 2] here (Tensor.type())
        return "\n".join(f"  ({k}): {_describe(v, lambda t: t.type())}"
                         for k, v in self.items())

    def __repr__(self):  # torch's frame: these lines come out indented by 4
        body = self.extra_repr()
        return _layout("ParameterDict", body.split("\n") if body else [])

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict is a container; index it in forward()")
