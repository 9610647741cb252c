"""``Value``: the scalar engine, for teaching. Same node protocol as Tensor.

Each op records its op name and parents; backward looks the local derivatives up in
``LOCAL``, a table that reads like a textbook's, and applies
``parent.grad += local * node.grad``. Nothing points back at its own output, so a graph is
freed by reference counting the moment it is dropped.

For people following micrograd (Karpathy's lecture), the same names exist: ``_prev`` (the
parents, a tuple in argument order), ``_op`` (the op name) and ``_backward()``, which applies
only this node's local rule, so that calling it node by node in reverse topological order
(``o.grad = 1.0; o._backward(); n._backward(); ...``) gives what ``o.backward()`` gives.

A Value holds one real number (an int or a float; numpy real scalars are converted). It does
not mix with Tensors or arrays: ``Value * Tensor`` raises TypeError. Booleans are refused as
the data of a Value (a Value is a differentiable leaf, and torch refuses ``requires_grad`` on
bool tensors); as constants in arithmetic (``v * True``) they count as 1 and 0, as in torch.

Gradients accumulate as torch's do with ``retain_graph=True``: each ``backward()`` adds
d(root)/d(leaf) into every leaf's ``.grad``, while every non-leaf's ``.grad`` is set afresh
to this call's d(root)/d(node) (it starts from 0, so nothing carries over from an earlier
backward). Zero the leaves between steps (``p.grad = 0.0`` or ``zero_grad()``).
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .graph import _state, toposort


class Value:
    # _scope and _calls: the nn.Module calls an op ran inside (as a Tensor op's ctx.scope and
    # ctx.calls), set only on results made inside a module, so pictures can group them
    __slots__ = ("data", "grad", "parents", "op", "label", "_scope", "_calls", "__weakref__")

    def __init__(self, data, label="", _parents=(), _op="", *, _children=None):
        self.data = _number(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(
                f"Value: label must be a str, got {type(label).__name__} {label!r:.60}; the "
                "signature is Value(data, label='', _parents=(), _op='') (micrograd's "
                "Value(data, _children, _op) order differs: pass _children= by keyword)")
        self.parents = tuple(_parents if _children is None else _children)
        self.op = _op
        self.label = label

    _history = None  # the node protocol's in-place history: Values are never changed in place

    @property
    def _data(self):  # the engine's name for a node's raw value, shared with Tensor
        return self.data

    @_data.setter
    def _data(self, value):
        self.data = value

    # ---------------------------------------------------------------- micrograd's names
    @property
    def _prev(self):
        """micrograd's name for the parents (a tuple in argument order here, not a set)."""
        return self.parents

    @property
    def _op(self):
        """micrograd's name for the op that made this node ("" for a leaf)."""
        return self.op

    def _backward(self):
        """Apply only this node's local rule: ``parent.grad += d(self)/d(parent) * self.grad``
        for each parent. Nothing for a leaf. ``backward()`` calls this (inlined) for every
        node in reverse topological order."""
        parents = self.parents
        if parents:
            g = self.grad
            for p, d in zip(parents, LOCAL.get(self.op, _POW_CONST)(self, *parents)):
                p.grad += d * g

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other):
        other = other if isinstance(other, Value) else _const(other, "+", False)
        return _node(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else _const(other, "*", False)
        return _node(self.data * other.data, (self, other), "*")

    def __pow__(self, other):
        if isinstance(other, Value):
            return _node(_pow(self.data, other.data), (self, other), "**")
        t = type(other)
        if t is not int and t is not float:
            other = _const(other, "**", False).data
        return _node(_pow(self.data, other), (self,), f"**{other}")

    def __rpow__(self, other):
        return _const(other, "**", True) ** self

    def __neg__(self):
        return _node(-self.data, (self,), "neg")

    def __sub__(self, other):
        other = other if isinstance(other, Value) else _const(other, "-", False)
        return _node(self.data - other.data, (self, other), "-")

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else _const(other, "/", False)
        return _node(_div(self.data, other.data), (self, other), "/")

    def __radd__(self, other):
        return _const(other, "+", True) + self

    def __rsub__(self, other):
        return _const(other, "-", True) - self

    def __rmul__(self, other):
        return _const(other, "*", True) * self

    def __rtruediv__(self, other):
        return _const(other, "/", True) / self

    # ---------------------------------------------------------------- functions
    def exp(self):
        return _node(math.exp(self.data), (self,), "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"Value.log: log of a non-positive number ({self.data!r})")
        return _node(math.log(self.data), (self,), "log")

    def tanh(self):
        return _node(math.tanh(self.data), (self,), "tanh")

    def sin(self):
        return _node(math.sin(self.data), (self,), "sin")

    def cos(self):
        return _node(math.cos(self.data), (self,), "cos")

    def sigmoid(self):
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return _node(s, (self,), "sigmoid")

    def relu(self):
        return _node(self.data if self.data > 0 else 0.0, (self,), "relu")

    # ---------------------------------------------------------------- comparisons (data only)
    def __lt__(self, other):
        return self.data < _compared(other, "<")

    def __le__(self, other):
        return self.data <= _compared(other, "<=")

    def __gt__(self, other):
        return self.data > _compared(other, ">")

    def __ge__(self, other):
        return self.data >= _compared(other, ">=")

    def __float__(self):
        return float(self.data)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy meets a Value: a numpy scalar with a Value (``np.float64(2) * v``) is Value
        arithmetic; anything else (arrays, Tensors, ``np.exp(v)``) raises TypeError."""
        sym = _UFUNC_SYMBOLS.get(ufunc.__name__)
        if sym and method == "__call__" and not kwargs and len(inputs) == 2:
            # numpy scalars are numbers; arrays (a Tensor's too) are refused. numpy hands a
            # scalar to comparisons as a 0-d array, so np.float64(2) < v is refused as well.
            x, y = (v.item() if isinstance(v, np.generic) else v for v in inputs)
            if all(isinstance(v, (Value, int, float)) for v in (x, y)):
                if sym in ("==", "!="):  # a Value equals only itself, as in micrograd
                    return (x is y) == (sym == "==")
                return _BINARY[sym](x, y)
        kinds = ", ".join(type(x).__name__ for x in inputs)
        what = (f"{type(inputs[0]).__name__} {sym} {type(inputs[1]).__name__}"
                if sym and len(inputs) == 2 else f"np.{ufunc.__name__}({kinds})")
        hint = f"use the Value method (v.{ufunc.__name__}())" if hasattr(Value, ufunc.__name__) \
            else "compute on v.data, or use Value's own operators and methods"
        raise TypeError(f"{what}: the scalar engine (Value) does not mix with numpy arrays or "
                        f"Tensors, and numpy functions do not take Values; {hint}. To mix, use "
                        "one engine: gg.tensor(v.data) for a Tensor constant, or "
                        "Value(t.item()) for a one-element Tensor")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"cannot turn a Value (data={self.data!r}) into an array or a Tensor: the scalar "
            "engine (Value) does not mix with Tensors or numpy arrays (Tensor * Value, "
            "gg.tensor([v]), np.asarray(v)). Use one engine: gg.tensor(v.data) for a Tensor "
            "constant, or Value(t.item()) to bring a one-element Tensor into the Value engine")

    # ---------------------------------------------------------------- backward
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """d(self)/d(node) for every node of the graph, torch's way.

        Leaves accumulate: ``leaf.grad += d(self)/d(leaf)`` (``gradient`` times it, when
        given), as torch does over repeated ``backward(retain_graph=True)`` calls. Non-leaves
        are overwritten: each starts from 0 and ends with this call's d(self)/d(node), so a
        picture can show it. The graph is never freed, so ``retain_graph`` is not needed (it
        is accepted for torch's signature). With ``create_graph`` the gradients are Values
        themselves, differentiable again.
        """
        seed = 1.0 if gradient is None else _number(gradient, "Value.backward: gradient")
        order = toposort(self)
        if create_graph:
            grads = _grads(order, self, True, seed)
            for node in order:
                g = grads.get(id(node))
                if node.parents:
                    node.grad = 0.0 if g is None else g
                elif g is not None:
                    node.grad = node.grad + g
            return
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += seed
        local, pow_const = LOCAL, _POW_CONST
        for node in reversed(order):
            parents = node.parents
            if parents:  # node._backward(), inlined
                g = node.grad
                for p, d in zip(parents, local.get(node.op, pow_const)(node, *parents)):
                    p.grad += d * g

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={_fmt(self.grad)})"


_new = object.__new__


# How many nn.Module calls are running, in all threads (nn.Module.__call__ counts them), so
# that outside modules an op does not pay for reading its thread's scope. The count is only
# a shortcut: which calls an op ran in is always read from its own thread's state.
_MODULE_CALLS = [0]


def _node(data, parents, op):
    """An op's result: no validation (the data comes from arithmetic on numbers)."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.parents = parents
    v.op = op
    v.label = ""
    if _MODULE_CALLS[0]:  # an nn.Module call is running (nn.scalar's Neuron, Layer, MLP)
        state = _state.__dict__
        scope = state["scope"]
        if scope:  # ... in this thread: the op remembers it
            v._scope = scope
            v._calls = state["calls"]
    return v


def _number(x, what="Value"):
    """``x`` as an int or float, or a TypeError that says what was given and what to do."""
    t = type(x)
    if t is float or t is int:
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{what}: expected a real number (int or float), got the bool {x!r}; "
                        f"a Value is a differentiable leaf and bools have no gradient (torch "
                        f"refuses requires_grad on bool tensors). Use {float(x)!r} for a number")
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{what}: expected a real number (int or float), got "
                    f"{_describe(x)}; {_advice(x)}")


def _describe(x):
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple):
        return f"a {type(x).__name__} of shape {tuple(shape)}"
    return f"{type(x).__name__} {x!r:.60}"


def _advice(x):
    from .tensor import Tensor

    if isinstance(x, Tensor):
        return ("the scalar engine (Value) does not mix with Tensors: use Value(t.item()) for "
                "a one-element Tensor's number (its gradient stays in the Value engine), or "
                "gg.tensor(v.data) to move a Value's number into the Tensor engine")
    if isinstance(x, np.ndarray):
        return ("a Value holds one number: use Value(float(a)) for a one-element array, or "
                "Tensors for arrays")
    if isinstance(x, str):
        return f"convert the text first, e.g. Value(float({x!r:.30}))"
    if isinstance(x, Value):
        return "it is a Value already: use v itself, or v.data for its number"
    return "convert it to a float first"


def _const(x, op, reflected):
    """The Value for a constant operand of ``op``; TypeError naming both types otherwise."""
    t = type(x)
    if t is float or t is int:  # the common case, _node inlined
        v = _new(Value)
        v.data = x
        v.grad = 0.0
        v.parents = ()
        v.op = v.label = ""
        return v
    if isinstance(x, (bool, np.bool_)):
        return _node(int(x), (), "")  # a constant, as in torch (tensor * True)
    if isinstance(x, numbers.Real):
        return _node(int(x) if isinstance(x, numbers.Integral) else float(x), (), "")
    what = f"{type(x).__name__} {op} Value" if reflected else f"Value {op} {type(x).__name__}"
    raise TypeError(f"{what}: a Value combines only with Values and real numbers (int, "
                    f"float), got {_describe(x)}; {_advice(x)}")


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
           "**": operator.pow, "<": operator.lt, "<=": operator.le, ">": operator.gt,
           ">=": operator.ge}
_UFUNC_SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/",
                  "true_divide": "/", "power": "**", "less": "<", "less_equal": "<=",
                  "greater": ">", "greater_equal": ">=", "equal": "==", "not_equal": "!="}


def _compared(x, op):
    if isinstance(x, Value):
        return x.data
    t = type(x)
    if t is float or t is int or isinstance(x, numbers.Real):
        return x
    raise TypeError(f"Value {op} {type(x).__name__}: a Value compares only with Values and "
                    f"real numbers, got {_describe(x)}; {_advice(x)}")


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

_POW_CONST = LOCAL["**c"]  # x ** c: the exponent is kept in the op name ("**2")

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


def _grads(order, root, create_graph, seed=1.0):
    """Gradients of ``root`` w.r.t. every node, as {id(node): grad}; Values if create_graph.
    Nothing is written to ``.grad``."""
    table = LOCAL_GRAPH if create_graph else LOCAL
    grads = {id(root): seed}
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
    grads = _grads(toposort(output), output, create_graph)
    return [grads.get(id(x)) for x in inputs]
