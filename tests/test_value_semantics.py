"""The scalar engine's contract: it refuses mixing with Tensors and non-numbers, accumulates
as torch does with retain_graph, and keeps micrograd's names (_prev, _op, _backward)."""

import math
import operator
import re

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad import Value
from glassgrad.autograd import toposort
from torch_ref import torch

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": operator.pow, "<": operator.lt, "<=": operator.le, ">": operator.gt,
          ">=": operator.ge}


# ------------------------------------------------------------------------------ no mixing
@pytest.mark.parametrize("sym", sorted(BINARY))
def test_value_and_tensor_do_not_mix(sym):
    op = BINARY[sym]
    v, t = Value(2.0), gg.tensor([1.0, 3.0])
    with pytest.raises(TypeError, match=rf"Value {re.escape(sym)} Tensor.*Value\(t\.item\(\)\)"):
        op(v, t)
    with pytest.raises(TypeError, match=r"Value.*Tensor|Tensor.*Value"):
        op(t, v)
    with pytest.raises(TypeError, match="Value"):
        op(gg.tensor(1.0), v)  # a 0-d tensor is a Tensor all the same
    with pytest.raises(TypeError, match=rf"ndarray {re.escape(sym)} Value"):
        op(np.array([1.0, 2.0]), v)


def test_tensor_equality_with_a_value_raises_and_values_equal_only_themselves():
    v = Value(2.0)
    with pytest.raises(TypeError, match="Value"):
        gg.tensor([2.0]) == v  # noqa: B015
    assert v == v and not (v == Value(2.0)) and v != 2.0  # micrograd's identity


@pytest.mark.parametrize("bad", ["3", None, [1], (1.0,), {}, 1 + 2j, np.array(2.0),
                                 np.array([1.0, 2.0])])
def test_non_numbers_are_refused(bad):
    with pytest.raises(TypeError, match=r"Value: expected a real number .*got"):
        Value(bad)
    with pytest.raises(TypeError, match="a Value combines only with Values and real numbers"):
        Value(1.0) * bad


def test_tensor_and_value_inputs_say_what_to_do():
    with pytest.raises(TypeError, match=r"Tensor of shape \(2,\).*Value\(t\.item\(\)\)"):
        Value(gg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="it is a Value already"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match=r"Value\(float\('3'\)\)"):
        Value("3")
    with pytest.raises(TypeError, match="np.exp.*v.exp"):
        np.exp(Value(1.0))
    with pytest.raises(TypeError, match="Value"):
        gg.tensor([Value(1.0), Value(2.0)])
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, (Value(2.0),))  # micrograd's Value(data, _children) order


def test_bools_are_refused_as_data_but_are_constants_in_arithmetic():
    for b in (True, np.bool_(False)):
        with pytest.raises(TypeError, match="bool"):
            Value(b)
    v = Value(3.0)
    out = v * True + False
    out.backward()
    assert out.data == 3.0 and v.grad == 1.0  # as torch: tensor(3.) * True == 3


def test_numpy_real_scalars_become_python_numbers():
    for x, kind in [(np.float32(1.5), float), (np.float64(-2.0), float), (np.int64(4), int),
                    (np.int8(-3), int)]:
        v = Value(x)
        assert type(v.data) is kind and v.data == x
    v = Value(3.0)
    for out in (np.float64(2.0) * v, v * np.float32(2.0), np.int64(2) + v, v ** np.float64(2)):
        assert isinstance(out, Value) and type(out.data) is float
    assert (np.float64(2.0) * v).data == 6.0 and (v ** np.float64(2)).op == "**2.0"


def test_comparisons_with_numbers_and_values():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= 1 and b > 1.5 and b >= b and not (a > np.float64(3.0))
    assert max([b, a, Value(0.5)]) is b
    with pytest.raises(TypeError, match="Value < str"):
        a < "2"  # noqa: B015


# ------------------------------------------------------------------------------ accumulation
def test_second_backward_accumulates_into_leaves_only():
    a = Value(2.0)
    b = a * a
    c = b * b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (32.0, 8.0, 1.0)
    c.backward()
    assert (a.grad, b.grad, c.grad) == (64.0, 8.0, 1.0)  # not 96: b.grad starts afresh


def _graphs():
    """Functions of (x, y) with shared intermediates; they run on Values and on torch."""
    def g1(x, y):
        h = x * y + x
        return (h * h).tanh() + h / (y * y + 1.0)

    def g2(x, y):
        h = (x - y).sigmoid()
        k = h * x
        return k * k + h.exp() - k / (h + 2.0)

    def g3(x, y):
        return (x ** 3.0) * y - (y ** 2.0).relu() + x.sin() * y.cos()

    return [g1, g2, g3]


@pytest.mark.parametrize("k", range(3))
def test_repeated_backward_matches_torch_retain_graph(k):
    x, y = Value(0.7), Value(-1.3)
    root = _graphs()[k](x, y)
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    troot = _graphs()[k](tx, ty)
    for _ in range(3):
        root.backward()
        troot.backward(retain_graph=True)
        assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)
        assert y.grad == pytest.approx(ty.grad.item(), rel=1e-12)


def test_two_roots_sharing_a_subgraph_accumulate_like_torch():
    x = Value(1.5)
    h = x * x
    l1, l2 = h.tanh(), h * 3.0
    l1.backward()
    l2.backward()
    tx = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    th = tx * tx
    th.tanh().backward(retain_graph=True)
    (th * 3.0).backward()
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)
    assert h.grad == 3.0  # the last backward's d(l2)/dh, not the sum


def test_backward_of_a_leaf_and_with_a_seed():
    a = Value(5.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0  # torch: a.backward() twice on a leaf gives 2
    b = Value(3.0)
    (b * b).backward(gradient=0.5)
    assert b.grad == 3.0
    with pytest.raises(TypeError, match="gradient"):
        (b * b).backward(gradient="1")


def test_create_graph_accumulates_into_leaves():
    x = Value(2.0)
    y = x ** 3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    g = x.grad
    x.grad = 0.0
    g.backward()  # d(3x^2)/dx = 6x
    assert x.grad == 12.0
    x.grad = 0.0
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad.data == 24.0


# ------------------------------------------------------------------------------ micrograd's names
def _lecture_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    n = x1w1 + x2w2 + b
    o = n.tanh()
    return o, [x1, x2, w1, w2, b]


def test_prev_and_op_are_micrograds():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c._prev == (a, b) and c._op == "*" and a._prev == () and a._op == ""
    assert (a ** 2)._op == "**2" and (-a)._prev == (a,)
    assert not hasattr(a, "__dict__")


def test_manual_backward_node_by_node_equals_backward():
    o, leaves = _lecture_neuron()
    o.grad = 1.0
    for node in reversed(toposort(o)):
        node._backward()
    manual = [v.grad for v in leaves]
    o2, leaves2 = _lecture_neuron()
    o2.backward()
    assert manual == [v.grad for v in leaves2]
    assert manual == pytest.approx([-1.5, 0.5, 1.0, 0.0, 0.5], abs=1e-6)  # the lecture's


def test_backward_of_one_node_applies_only_its_local_rule():
    x, y = Value(3.0), Value(-2.0)
    m = x * y
    out = m.tanh()
    out.grad = 1.0
    out._backward()
    assert m.grad == pytest.approx(1 - math.tanh(-6.0) ** 2)
    assert x.grad == 0.0 and y.grad == 0.0  # nothing below m yet
    m._backward()
    assert x.grad == pytest.approx(-2.0 * m.grad) and y.grad == pytest.approx(3.0 * m.grad)
    x._backward()  # a leaf: nothing to do
    assert x.grad == pytest.approx(-2.0 * m.grad)


def test_scalar_models_return_lists_of_parameters():
    gg.manual_seed(0)
    for model in (nn.Neuron(3), nn.Layer(3, 2), nn.MLP(3, [4, 1])):
        ps = model.parameters()
        assert type(ps) is list and all(isinstance(p, nn.ValueParameter) for p in ps)
        assert ps == [p for _, p in model.named_parameters()]
    mlp = nn.MLP(2, [3, 1])
    assert len(mlp.parameters()) == 3 * 3 + 4


def test_value_parameters_refuse_non_numbers():
    with pytest.raises(TypeError, match="real number"):
        nn.ValueParameter("0.5")
    assert nn.ValueParameter(np.int64(2)).data == 2.0
    assert type(nn.ValueParameter(1).data) is float
