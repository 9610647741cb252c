"""The scalar Value engine: ops, the classic neuron, gradchecks, deep graphs, no cycles."""

import gc
import math
import weakref

import pytest

from glassgrad import Value
from glassgrad.autograd import gradcheck, gradgradcheck, toposort


def test_classic_sigmoid_neuron():
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    assert out.data == pytest.approx(0.7311, abs=1e-4)
    grads = [w0.grad, x0.grad, w1.grad, x1.grad, w2.grad]
    assert grads == pytest.approx([-0.1966, 0.3932, -0.3932, -0.5898, 0.1966], abs=1e-4)


def test_every_op_matches_calculus():
    a, b = Value(1.5), Value(-0.7)
    cases = {
        "+": (lambda: a + b, (1, 1)),
        "-": (lambda: a - b, (1, -1)),
        "*": (lambda: a * b, (b.data, a.data)),
        "/": (lambda: a / b, (1 / b.data, -a.data / b.data**2)),
        "**": (lambda: a**2.5, (2.5 * a.data**1.5, 0)),
        "exp": (lambda: b.exp(), (0, math.exp(b.data))),
        "log": (lambda: a.log(), (1 / a.data, 0)),
        "tanh": (lambda: b.tanh(), (0, 1 - math.tanh(b.data) ** 2)),
        "relu": (lambda: a.relu() + b.relu(), (1, 0)),
        "neg": (lambda: -a, (-1, 0)),
        "sin": (lambda: a.sin(), (math.cos(a.data), 0)),
        "cos": (lambda: b.cos(), (0, -math.sin(b.data))),
    }
    for name, (f, (da, db)) in cases.items():
        a.grad = b.grad = 0.0
        f().backward()
        assert (a.grad, b.grad) == pytest.approx((da, db)), name


def test_value_power_of_value_and_reflected_ops():
    x, y = Value(2.0), Value(3.0)
    z = x**y + 1 / x - 2 * y + (3 - x)
    z.backward()
    assert z.data == pytest.approx(8 + 0.5 - 6 + 1)
    assert x.grad == pytest.approx(3 * 4 - 1 / 4 - 1)
    assert y.grad == pytest.approx(8 * math.log(2) - 2)


def test_gradcheck_and_gradgradcheck_on_values():
    def f(a, b):
        return ((a * b + a**2).tanh() / b.exp() + a**b + (a - b).sigmoid() + a.log()
                + (a * b).sin() * b.cos())

    inputs = (Value(1.3), Value(0.4))
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_bad_inputs_raise_clearly():
    with pytest.raises(ValueError, match="non-positive"):
        Value(-1.0).log()
    with pytest.raises(ZeroDivisionError, match="by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ValueError, match="not a real number"):
        Value(-8.0) ** 0.5


def test_deep_chain_of_100k_ops():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    assert len(toposort(y)) > 200_000


def test_values_form_no_reference_cycles():
    gc.disable()
    try:
        a = Value(1.0)
        mid = a * 2
        probe = weakref.ref(mid)
        out = mid.tanh()
        out.backward()
        del mid, out
        assert probe() is None
    finally:
        gc.enable()


def test_node_protocol_matches_tensor():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    assert c.parents == (a, b) and c.op == "*" and a.op == "" and a.label == "a"
    assert not hasattr(a, "__dict__")  # __slots__
