"""``Value``: the scalar engine, for teaching. Same node protocol as Tensor.

Each op records its op name and parents; backward looks the local derivatives up in
``LOCAL``, a table that reads like a textbook's, and applies
``parent.grad += local * node.grad``. Nothing points back at its own output, so a graph is
freed by reference counting the moment it is dropped.
"""

from __future__ import annotations

import math

from .graph import toposort


class Value:
    __slots__ = ("data", "grad", "parents", "op", "label", "__weakref__")

    def __init__(self, data, label="", _parents=(), _op=""):
        self.data = data
        self.grad = 0.0
        self.parents = _parents
        self.op = _op
        self.label = label

    _history = None  # the node protocol's in-place history: Values are never changed in place

    @property
    def _data(self):  # the engine's name for a node's raw value, shared with Tensor
        return self.data

    @_data.setter
    def _data(self, value):
        self.data = value

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, "", (self, other), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, "", (self, other), "*")

    def __pow__(self, other):
        if isinstance(other, Value):
            return Value(_pow(self.data, other.data), "", (self, other), "**")
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value(_pow(self.data, other), "", (self,), f"**{other}")

    def __rpow__(self, other):
        return Value(other) ** self

    def __neg__(self):
        return Value(-self.data, "", (self,), "neg")

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, "", (self, other), "-")

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(_div(self.data, other.data), "", (self, other), "/")

    def __radd__(self, other):
        return Value(other) + self

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return Value(other) * self

    def __rtruediv__(self, other):
        return Value(other) / self

    # ---------------------------------------------------------------- functions
    def exp(self):
        return Value(math.exp(self.data), "", (self,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: log of a non-positive number ({self.data!r})")
        return Value(math.log(self.data), "", (self,), "log")

    def tanh(self):
        return Value(math.tanh(self.data), "", (self,), "tanh")

    def sin(self):
        return Value(math.sin(self.data), "", (self,), "sin")

    def cos(self):
        return Value(math.cos(self.data), "", (self,), "cos")

    def sigmoid(self):
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Value(s, "", (self,), "sigmoid")

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, "", (self,), "relu")

    # ---------------------------------------------------------------- comparisons (data only)
    def __lt__(self, other):
        return self.data < getattr(other, "data", other)

    def __gt__(self, other):
        return self.data > getattr(other, "data", other)

    def __float__(self):
        return float(self.data)

    # ---------------------------------------------------------------- backward
    def backward(self, create_graph=False):
        """Fill ``.grad`` of every node in the graph with d(self)/d(node), accumulating."""
        order = toposort(self)
        if create_graph:
            grads = _backward(order, self, True)
            for node in order:
                node.grad = grads.get(id(node), 0.0)
            return
        self.grad = 1.0
        local, pow_const = LOCAL, LOCAL["**c"]
        for node in reversed(order):
            if node.parents:
                g = node.grad
                rule = local.get(node.op, pow_const)
                for p, d in zip(node.parents, rule(node, *node.parents)):
                    p.grad += d * g

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={_fmt(self.grad)})"


def _fmt(g):
    return f"{g:.4g}" if isinstance(g, (int, float)) else repr(g)


def _pow(x, y):
    try:
        out = x**y
    except (OverflowError, ZeroDivisionError) as e:
        raise ValueError(f"Value **: {x!r} ** {y!r} is not defined ({e})") from None
    if isinstance(out, complex):
        raise ValueError(f"Value **: {x!r} ** {y!r} is not a real number")
    return out


def _pw(x, y):
    """x ** y inside a derivative: infinite rather than an exception at a pole."""
    try:
        out = x**y
    except ZeroDivisionError:
        return math.inf
    return math.nan if isinstance(out, complex) else out


def _div(x, y):
    if y == 0:
        raise ZeroDivisionError(f"Value /: division of {x!r} by zero")
    return x / y


def _log(v):
    return v.log() if isinstance(v, Value) else math.log(v)


def _exp(v):
    return v.exp() if isinstance(v, Value) else math.exp(v)


def _pow_y_local(out, x):
    """d(x**y)/dy = x**y * log(x), 0 where x == 0, and NaN for a negative base."""
    xd = getattr(x, "data", x)
    if xd > 0:
        return out * _log(x)
    return 0.0 if xd == 0 else math.nan


def _d(v):
    """The float inside a Value, or the number itself."""
    return getattr(v, "data", v)


# Local derivatives d(out)/d(parent), given the output node and its parents. With
# create_graph the same rules run on Values (the node and parents themselves), so they
# build the graph of the derivative; otherwise they run on floats.
LOCAL = {
    "+":       lambda out, x, y: (1.0, 1.0),
    "-":       lambda out, x, y: (1.0, -1.0),
    "*":       lambda out, x, y: (_d(y), _d(x)),
    "/":       lambda out, x, y: (1 / _d(y), -_d(x) / (_d(y) * _d(y))),
    "**":      lambda out, x, y: (_d(y) * _pw(_d(x), _d(y) - 1), _pow_y_local(_d(out), _d(x))),
    "**c":     lambda out, x: (_exponent(out) * _pw(_d(x), _exponent(out) - 1),),
    "neg":     lambda out, x: (-1.0,),
    "exp":     lambda out, x: (_d(out),),
    "log":     lambda out, x: (1 / _d(x),),
    "tanh":    lambda out, x: (1 - _d(out) * _d(out),),
    "sigmoid": lambda out, x: (_d(out) * (1 - _d(out)),),
    "relu":    lambda out, x: (1.0 if _d(x) > 0 else 0.0,),
    "sin":     lambda out, x: (math.cos(_d(x)),),
    "cos":     lambda out, x: (-math.sin(_d(x)),),
}

# The same rules on Values, for create_graph (each result is itself a differentiable Value).
LOCAL_GRAPH = {
    "+":       lambda out, x, y: (1.0, 1.0),
    "-":       lambda out, x, y: (1.0, -1.0),
    "*":       lambda out, x, y: (y, x),
    "/":       lambda out, x, y: (1 / y, -x / (y * y)),
    "**":      lambda out, x, y: (y * x ** (y - 1), _pow_y_local(x ** y, x)),
    "**c":     lambda out, x: (_exponent(out) * x ** (_exponent(out) - 1),),
    "neg":     lambda out, x: (-1.0,),
    "exp":     lambda out, x: (x.exp(),),
    "log":     lambda out, x: (1 / x,),
    "tanh":    lambda out, x: (1 - x.tanh() * x.tanh(),),
    "sigmoid": lambda out, x: (x.sigmoid() * (1 - x.sigmoid()),),
    "relu":    lambda out, x: (1.0 if x.data > 0 else 0.0,),
    "sin":     lambda out, x: (x.cos(),),
    "cos":     lambda out, x: (-x.sin(),),
}


def _exponent(out):
    """The constant exponent of an ``x ** c`` node, kept in its op name ("**2", "**0.5")."""
    e = out.op[2:]
    try:
        return int(e)
    except ValueError:
        return float(e)


def _backward(order, root, create_graph):
    """Gradients of ``root`` w.r.t. every node, as {id(node): grad}; Values if create_graph."""
    table = LOCAL_GRAPH if create_graph else LOCAL
    grads = {id(root): 1.0}
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or not node.parents:
            continue
        for p, d in zip(node.parents, table.get(node.op, table["**c"])(node, *node.parents)):
            contrib = d * g
            grads[id(p)] = grads[id(p)] + contrib if id(p) in grads else contrib
    return grads


def value_grad(output, inputs, create_graph=False):
    """d(output)/d(input) for each input, without touching ``.grad`` (autograd.grad for Value)."""
    grads = _backward(toposort(output), output, create_graph)
    return [grads.get(id(x)) for x in inputs]
