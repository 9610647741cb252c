"""Scalar networks for teaching (micrograd-style): Neuron, Layer and MLP on ``Value``.

Each weight is a ``ValueParameter``, a Value that is registered in the module's
``_parameters``, so ``parameters()``, ``named_parameters()``, ``zero_grad()`` and the
optimizers (which read ``.data``, ``.grad`` and ``.requires_grad``) work as for Tensor
modules; ``parameters()`` returns a list, as micrograd's does. Their ``.data`` and ``.grad``
are Python floats, so ``state_dict()`` of these
modules maps names to floats (``layers.0.neurons.1.w0``), and ``load_state_dict`` takes
floats (or anything ``float()`` accepts).

    model = MLP(2, [16, 16, 1])
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))
    model.zero_grad(); loss.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
"""

from __future__ import annotations

from .. import random as _random
from ..autograd.value import Value
from .containers import ModuleList
from .module import Module, StateDictKeyError, _IncompatibleKeys

_grad_slot = Value.grad  # the slot descriptor behind Value.grad


class ValueParameter(Value):
    """A Value that is a module's weight. Setting ``grad`` to None (as ``zero_grad`` and
    optimizers do) stores 0.0, since the scalar engine accumulates into ``grad``."""

    __slots__ = ("requires_grad",)

    def __init__(self, data, label=""):
        super().__init__(data, label)
        self.data = float(self.data)
        self.requires_grad = True

    @property
    def grad(self):
        return _grad_slot.__get__(self)

    @grad.setter
    def grad(self, value):
        _grad_slot.__set__(self, 0.0 if value is None else value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf Value holding the same number."""
        return Value(self._data, self.label)


class _ScalarModule(Module):
    """Module behaviour for float weights: zero grads are 0.0, dtype casts do nothing, and
    state_dict holds floats."""

    _param_types = (ValueParameter,)  # assigning one registers it, as a Parameter would be

    def _new_weight(self, name, data):
        """A new weight, in _parameters and as attribute ``name`` (Module.__setattr__ only
        registers Tensor Parameters, so this goes around it)."""
        p = ValueParameter(data, name)
        self._parameters[name] = p
        object.__setattr__(self, name, p)
        return p

    def parameters(self, recurse=True):
        """The weights as a list (micrograd's ``parameters()`` returns a list)."""
        return list(super().parameters(recurse))

    def zero_grad(self, set_to_none=True):
        """Every weight's grad to 0.0: the scalar engine accumulates into a float, so there
        is no None to set (``set_to_none`` is accepted for torch's signature)."""
        for p in self.parameters():
            p.grad = 0.0

    def to(self, *args, **kwargs):
        return self  # Python floats are float64 already; the CPU is the only device

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        out = super().state_dict(destination, prefix, keep_vars=True)
        if not keep_vars:
            for k, v in out.items():
                if isinstance(v, Value):
                    out[k] = float(v._data)
        return out

    def load_state_dict(self, state_dict, strict=True):
        own = super().state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise StateDictKeyError(f"load_state_dict for {type(self).__name__}: missing "
                                    f"keys: {', '.join(missing) or '-'}; unexpected keys: "
                                    f"{', '.join(unexpected) or '-'}")
        for k, p in own.items():
            if k in state_dict:
                p._data = float(state_dict[k])
        return _IncompatibleKeys(missing, unexpected)


class Neuron(_ScalarModule):
    """out = relu(sum_i w_i x_i + b) (or without relu when nonlin=False); w_i ~ U(-1, 1)
    from glassgrad's seeded generator, b = 0."""

    def __init__(self, nin, nonlin=True):
        super().__init__()
        draws = _random.default_generator().uniform(-1.0, 1.0, nin)
        self.w = [self._new_weight(f"w{i}", d) for i, d in enumerate(draws)]
        self._new_weight("b", 0.0)
        self.nonlin = nonlin

    def forward(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def extra_repr(self):
        return f"nin={len(self.w)}, nonlin={self.nonlin}"


class Layer(_ScalarModule):
    """``nout`` neurons reading the same ``nin`` inputs; returns a list of Values (or one
    Value when nout == 1)."""

    def __init__(self, nin, nout, **kwargs):
        super().__init__()
        self.neurons = ModuleList([Neuron(nin, **kwargs) for _ in range(nout)])

    def forward(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self):
        n = self.neurons[0]
        return f"Layer(nin={len(n.w)}, nout={len(self.neurons)}, nonlin={n.nonlin})"


class MLP(_ScalarModule):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1], relu between them, the last
    layer linear."""

    def __init__(self, nin, nouts):
        super().__init__()
        sizes = [nin, *nouts]
        self.layers = ModuleList([Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1)
                                  for i in range(len(nouts))])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


__all__ = ["ValueParameter", "Neuron", "Layer", "MLP"]
