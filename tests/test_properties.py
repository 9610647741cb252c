"""Property tests (hypothesis): broadcasting gradients for any compatible pair of shapes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import glassgrad as gg
from glassgrad.autograd.graph import sum_to

OPS = {
    "add": (lambda x, y: x + y, lambda g, x, y: (g, g)),
    "sub": (lambda x, y: x - y, lambda g, x, y: (g, -g)),
    "mul": (lambda x, y: x * y, lambda g, x, y: (g * y, g * x)),
    "div": (lambda x, y: x / y, lambda g, x, y: (g / y, -g * x / y**2)),
}


@settings(max_examples=60, deadline=None, derandomize=True)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                 max_side=4),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_binary_gradients_sum_back_to_each_input_shape(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    xd = rng.standard_normal(sx)
    yd = rng.uniform(0.5, 2.0, sy) * rng.choice([-1, 1], sy)
    x = gg.tensor(xd, requires_grad=True)
    y = gg.tensor(yd, requires_grad=True)
    f, rule = OPS[op]
    out = f(x, y)
    assert out.shape == shapes.result_shape
    g = rng.standard_normal(out.shape)
    out.backward(g)
    gx, gy = rule(g, xd, yd)
    assert x.grad.shape == sx and y.grad.shape == sy
    np.testing.assert_allclose(x.grad.data, sum_to(np.broadcast_to(gx, out.shape), sx),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.data, sum_to(np.broadcast_to(gy, out.shape), sy),
                               rtol=1e-10, atol=1e-12)


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
