"""The Network tab's scalar network: neurons of ``Value`` nodes, micrograd style, with a
choice of activation, so that the paused picture shows every neuron and every weight."""

from __future__ import annotations

import numpy as np

from ..autograd.value import Value
from ..nn.containers import ModuleList
from ..nn.module import Module
from ..nn.scalar import Neuron


class ScalarNeuron(Neuron):
    """out = act(sum_i w_i x_i + b), act one of tanh, relu, sigmoid or none (the output)."""

    def __init__(self, nin, act):
        super().__init__(nin, nonlin=act is not None)
        self.act = act

    def forward(self, x):
        out = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return out if self.act is None else getattr(out, self.act)()

    def extra_repr(self):
        return f"nin={len(self.w)}, {self.act or 'linear'}"


class ScalarLayer(Module):
    def __init__(self, nin, nout, act):
        super().__init__()
        self.neurons = ModuleList([ScalarNeuron(nin, act) for _ in range(nout)])

    def forward(self, x):
        return [n(x) for n in self.neurons]


class ScalarMLP(Module):
    """hidden1, ..., out, each a ``ScalarLayer``; dropout as in ``nn.Dropout``."""

    def __init__(self, hidden, activation, dropout, rng):
        super().__init__()
        sizes = [2, *hidden]
        for k in range(len(hidden)):
            setattr(self, f"hidden{k + 1}", ScalarLayer(sizes[k], sizes[k + 1], activation))
        self.out = ScalarLayer(sizes[-1], 1, None)
        self.p, self.rng = dropout, rng

    def layers(self):
        return [m for name, m in self.named_children()]

    def forward(self, x):
        h = list(x)
        *hidden, last = self.layers()
        for layer in hidden:
            h = layer(h)
            if self.training and self.p > 0:
                keep = self.rng.random(len(h)) >= self.p
                h = [hi * (1 / (1 - self.p)) if k else Value(0.0, "dropped")
                     for hi, k in zip(h, keep)]
        return last(h)[0]

    def parameters(self, recurse=True):
        return list(super().parameters(recurse))

    def weights(self):
        """[(W (out, in), b (out,))] per layer, as numpy arrays."""
        return [(np.array([[w.data for w in n.w] for n in layer.neurons]),
                 np.array([n.b.data for n in layer.neurons])) for layer in self.layers()]


def softplus_value(t):
    """log(1 + exp(t)) on Values; for t > 30 it is t to double precision (no overflow)."""
    return t if t.data > 30 else (t.exp() + 1).log()
