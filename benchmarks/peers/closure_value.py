"""The closure-style scalar engine described in the literature (micrograd's design), written
here from that description as the scalar engine's reference.

Each op makes a new node whose ``_backward`` is a closure over its inputs and over the node
itself, so every node sits in a reference cycle and only the cyclic garbage collector frees a
graph. Parents are kept in a ``set``. ``backward`` sorts the graph with a recursive
depth-first search, which needs one Python frame per node on the longest path.
"""

from __future__ import annotations

import math
import sys


def version():
    return "reference"


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = _noop
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return other + (-self)

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        topo, visited = [], set()

        def visit(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    visit(child)
                topo.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def _noop():
    pass


class MLP:
    """Layers of neurons; each neuron is relu(w . x + b), the last layer linear."""

    def __init__(self, weights):
        self.layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer]
                       for layer in weights]

    def parameters(self):
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def __call__(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x)), b)
                out.append(act.relu() if i < last else act)
            x = out
        return x[0] if len(x) == 1 else x


def scalar_mlp_step(weights, xs, ys, lr):
    from ..workloads import svm_loss

    model = MLP(weights)
    params = model.parameters()

    def step():
        loss = svm_loss(model, params, xs, ys)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss

    return step


def value_chain(n, recursion_limit=None):
    """The chain on this engine. The recursive sort needs about n frames, more than Python's
    default limit of 1,000; ``recursion_limit`` raises the limit for the call."""
    from ..workloads import CHAIN_START, chain_ops

    x = Value(CHAIN_START[0])

    def run():
        x.grad = 0.0
        old = sys.getrecursionlimit()
        if recursion_limit:
            sys.setrecursionlimit(max(old, recursion_limit))
        try:
            chain_ops(x, n).backward()
        finally:
            sys.setrecursionlimit(old)
        return x.grad

    return run
