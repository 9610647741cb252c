"""Property tests (hypothesis): broadcasting gradients for any compatible pair of shapes,
checked against hand-written derivatives reduced by explicit loops (not the engine's own
sum_to), and against torch where it is installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassgrad as gg
from torch_ref import torch

OPS = {
    "add": (lambda x, y: x + y, lambda g, x, y: (g, g)),
    "sub": (lambda x, y: x - y, lambda g, x, y: (g, -g)),
    "mul": (lambda x, y: x * y, lambda g, x, y: (g * y, g * x)),
    "div": (lambda x, y: x / y, lambda g, x, y: (g / y, -g * x / y**2)),
}


def _add_back(g, shape):
    """The gradient of an input of ``shape`` broadcast to g's shape, by explicit loops: each
    element of g is added to the input element it was read from (index 0 along a size-1 or
    missing dim). Independent of the engine's sum_to, which it checks."""
    padded = (1,) * (g.ndim - len(shape)) + tuple(shape)
    acc = np.zeros(padded)
    for idx in np.ndindex(*g.shape):
        src = tuple(0 if n == 1 else i for i, n in zip(idx, padded))
        acc[src] += g[idx]
    return acc.reshape(shape)


def test_add_back_oracle_sums_what_was_broadcast():
    g = np.arange(24.0).reshape(2, 3, 4)
    assert _add_back(g, ()) == 276.0
    np.testing.assert_array_equal(_add_back(g, (4,)), [60.0, 66.0, 72.0, 78.0])
    np.testing.assert_array_equal(_add_back(g, (3, 1)), [[60.0], [92.0], [124.0]])
    np.testing.assert_array_equal(_add_back(g, (2, 3, 4)), g)


SHAPE_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                               max_side=4)


def _binary_case(shapes, op, seed):
    """Random x, y of the drawn shapes (y away from 0, for div) and an upstream gradient g."""
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    xd = rng.standard_normal(sx)
    yd = rng.uniform(0.5, 2.0, sy) * rng.choice([-1, 1], sy)
    g = rng.standard_normal(shapes.result_shape)
    return xd, yd, g


@settings(max_examples=60, deadline=None, derandomize=True)
@given(shapes=SHAPE_PAIRS, op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_binary_gradients_sum_back_to_each_input_shape(shapes, op, seed):
    xd, yd, g = _binary_case(shapes, op, seed)
    sx, sy = shapes.input_shapes
    x = gg.tensor(xd, requires_grad=True)
    y = gg.tensor(yd, requires_grad=True)
    f, rule = OPS[op]
    out = f(x, y)
    assert out.shape == shapes.result_shape
    out.backward(g)
    gx, gy = rule(g, xd, yd)
    assert x.grad.shape == sx and y.grad.shape == sy
    np.testing.assert_allclose(x.grad.data, _add_back(np.broadcast_to(gx, out.shape), sx),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.data, _add_back(np.broadcast_to(gy, out.shape), sy),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="torch is not installed: PyTorch reference test")
@settings(max_examples=60, deadline=None, derandomize=True)
@given(shapes=SHAPE_PAIRS, op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_binary_broadcast_gradients_match_torch(shapes, op, seed):
    xd, yd, g = _binary_case(shapes, op, seed)
    f, _ = OPS[op]
    x, xt = gg.tensor(xd, requires_grad=True), torch.tensor(xd, requires_grad=True)
    y, yt = gg.tensor(yd, requires_grad=True), torch.tensor(yd, requires_grad=True)
    f(x, y).backward(g)
    f(xt, yt).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.data, yt.grad.numpy(), rtol=1e-10, atol=1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(arr=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                      elements=st.floats(-10, 10)),
       keepdim=st.booleans(), data=st.data())
def test_sum_and_mean_match_numpy_for_any_dims(arr, keepdim, data):
    dims = data.draw(st.lists(st.integers(0, arr.ndim - 1), unique=True, min_size=1))
    x = gg.tensor(arr, requires_grad=True)
    s = x.sum(dim=tuple(dims), keepdim=keepdim)
    np.testing.assert_allclose(s.data, arr.sum(axis=tuple(dims), keepdims=keepdim))
    m = x.mean(dim=tuple(dims), keepdim=keepdim)
    (s.sum() + m.sum()).backward()
    n = int(np.prod([arr.shape[d] for d in dims]))
    np.testing.assert_allclose(x.grad.data, np.full(arr.shape, 1 + 1 / n))
