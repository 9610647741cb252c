"""The fast array paths of the activations and of pow (issue 13): float32 stays float32 in
value and gradient, the gradients at the kinks and the second derivatives are torch's, and
x ** k for small integer and half-integer k matches torch, zeros and negative bases too."""

import glassgrad.nn.functional as F
import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")
TF = torch.nn.functional

W = 0.25  # prelu's weight
# name -> (glassgrad call, torch call, the kink points)
ACTS = {
    "relu": (F.relu, TF.relu, [0.0]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1), [0.0]),
    "leaky_relu_big": (lambda x: F.leaky_relu(x, 2.5), lambda x: TF.leaky_relu(x, 2.5), [0.0]),
    "leaky_relu_neg": (lambda x: F.leaky_relu(x, -0.5), lambda x: TF.leaky_relu(x, -0.5),
                       [0.0]),
    "elu": (F.elu, TF.elu, [0.0]),
    "elu_alpha": (lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7), [0.0]),
    "selu": (F.selu, TF.selu, [0.0]),
    "celu": (lambda x: F.celu(x, 1.3), lambda x: TF.celu(x, 1.3), [0.0]),
    "gelu": (F.gelu, TF.gelu, []),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: TF.gelu(x, approximate="tanh"), []),
    "silu": (F.silu, TF.silu, []),
    "mish": (F.mish, TF.mish, []),
    "softplus": (lambda x: F.softplus(x, 2.0, 3.0), lambda x: TF.softplus(x, 2.0, 3.0), [1.5]),
    "hardswish": (F.hardswish, TF.hardswish, [-3.0, 3.0]),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid, [-3.0, 3.0]),
    "hardtanh": (F.hardtanh, TF.hardtanh, [-1.0, 1.0]),
    "relu6": (F.relu6, TF.relu6, [0.0, 6.0]),
    "sigmoid": (F.sigmoid, torch.sigmoid, []),
    "tanh": (F.tanh, torch.tanh, []),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid, []),
    "softsign": (F.softsign, TF.softsign, []),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink, []),
    "softshrink": (F.softshrink, TF.softshrink, [-0.5, 0.5]),
    "hardshrink": (F.hardshrink, TF.hardshrink, [-0.5, 0.5]),
    "rrelu": (lambda x: F.rrelu(x, training=False), lambda x: TF.rrelu(x, training=False),
              [0.0]),
    "glu": (F.glu, TF.glu, []),
    "prelu": (lambda x: F.prelu(x, gg.tensor([W], dtype=x.dtype)),
              lambda x: TF.prelu(x, torch.tensor([W], dtype=x.dtype)), [0.0]),
    "threshold": (lambda x: F.threshold(x, 0.1, 0.0), lambda x: TF.threshold(x, 0.1, 0.0),
                  [0.1]),
    "threshold_value": (lambda x: F.threshold(x, 0.1, -2.0),
                        lambda x: TF.threshold(x, 0.1, -2.0), [0.1]),
}


def _input(kinks, dtype, n=4000):
    """Big enough for every fast path (more than 8192 elements after tiling), with the kinks,
    zeros, large values and signed zeros in it."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n) * 3
    special = np.array(kinks + [0.0, -0.0, 25.0, -25.0, 100.0, -100.0])
    x = np.concatenate([special, x, -special])
    return np.tile(x, 3).reshape(6, -1).astype(dtype)


def _both(name, dtype):
    fg, ft, kinks = ACTS[name]
    x = _input(kinks, dtype)
    x = x[:, : x.shape[1] - x.shape[1] % 2]  # glu halves the last dim
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    return fg, ft, xg, xt


@pytest.mark.parametrize("name", sorted(ACTS))
def test_float32_stays_float32_and_matches_torch(name):
    fg, ft, xg, xt = _both(name, np.float32)
    yg, yt = fg(xg), ft(xt)
    assert yg.dtype == gg.float32
    w = np.random.default_rng(1).standard_normal(yg.shape).astype(np.float32)
    yg.backward(gg.tensor(w))
    yt.backward(torch.tensor(w))
    assert xg.grad.dtype == gg.float32
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_float64_values_and_gradients_at_the_kinks_are_torchs(name):
    fg, ft, xg, xt = _both(name, np.float64)
    yg, yt = fg(xg), ft(xt)
    w = np.random.default_rng(2).standard_normal(yg.shape)
    yg.backward(gg.tensor(w))
    yt.backward(torch.tensor(w))
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    # torch's branch at the kinks (to the last bits), close elsewhere
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    kinks = ACTS[name][2]
    if kinks:
        at = np.isin(xg.detach().numpy(), kinks)
        assert at.any()
        np.testing.assert_allclose(xg.grad.numpy()[at], xt.grad.numpy()[at], rtol=1e-13,
                                   atol=0)


@pytest.mark.parametrize("name", ["relu", "hardtanh", "threshold", "softshrink", "hardshrink",
                                  "leaky_relu", "hardsigmoid"])
def test_an_inf_upstream_gradient_is_selected_not_multiplied(name):
    fg, ft, xg, xt = _both(name, np.float32)
    yg, yt = fg(xg), ft(xt)
    w = np.ones(yg.shape, np.float32)
    w[:, ::7] = np.inf
    yg.backward(gg.tensor(w))
    yt.backward(torch.tensor(w))
    np.testing.assert_array_equal(np.isnan(xg.grad.numpy()), np.isnan(xt.grad.numpy()))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["leaky_relu", "elu_alpha", "selu", "celu", "gelu",
                                  "gelu_tanh", "silu", "mish", "softplus", "logsigmoid",
                                  "hardswish", "softsign", "sigmoid", "tanh"])
def test_second_derivatives_are_torchs(name):
    fg, ft, _ = ACTS[name]
    x = np.random.default_rng(3).standard_normal((3, 6)) * 2
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.random.default_rng(4).standard_normal((3, 6))
    w = w[:, :3] if name == "glu" else w
    (gx,) = gg.autograd.grad((fg(xg) * gg.tensor(w)).sum(), xg, create_graph=True)
    (tx,) = torch.autograd.grad((ft(xt) * torch.tensor(w)).sum(), xt, create_graph=True)
    (ggx,) = gg.autograd.grad((gx * gx).sum(), xg)
    (ttx,) = torch.autograd.grad((tx * tx).sum(), xt)
    np.testing.assert_allclose(gx.detach().numpy(), tx.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(ggx.numpy(), ttx.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "celu", "silu",
                                  "hardtanh", "hardswish", "hardsigmoid", "mish", "threshold",
                                  "rrelu"])
def test_in_place_forms_match_torch(name):
    inplace = {"relu": (F.relu_, torch.relu_), "leaky_relu": (F.leaky_relu_, TF.leaky_relu_),
               "elu": (F.elu_, TF.elu_), "selu": (F.selu_, torch.selu_),
               "celu": (F.celu_, torch.celu_),
               "silu": (lambda x: F.silu(x, inplace=True), lambda x: TF.silu(x, inplace=True)),
               "hardtanh": (F.hardtanh_, TF.hardtanh_),
               "hardswish": (lambda x: F.hardswish(x, inplace=True),
                             lambda x: TF.hardswish(x, inplace=True)),
               "hardsigmoid": (lambda x: F.hardsigmoid(x, inplace=True),
                               lambda x: TF.hardsigmoid(x, inplace=True)),
               "mish": (lambda x: F.mish(x, inplace=True), lambda x: TF.mish(x, inplace=True)),
               "threshold": (lambda x: F.threshold_(x, 0.1, 0.0),
                             lambda x: TF.threshold_(x, 0.1, 0.0)),
               "rrelu": (lambda x: F.rrelu_(x, training=False),
                         lambda x: TF.rrelu_(x, training=False))}
    fg, ft = inplace[name]
    x = _input([0.0, -3.0, 3.0, 1.0, -1.0], np.float64)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = xg * 1.0, xt * 1.0
    fg(yg)
    ft(yt)
    (yg * yg).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gelu_and_silu_backward_twice_with_retain_graph():
    """The intermediates forward keeps serve one backward; a second one recomputes them."""
    x = np.random.default_rng(5).standard_normal((50, 400)).astype(np.float32)
    for fg, ft in [(F.gelu, TF.gelu), (F.silu, TF.silu), (F.mish, TF.mish)]:
        xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yg, yt = fg(xg).sum(), ft(xt).sum()
        yg.backward(retain_graph=True)
        yg.backward()
        yt.backward(retain_graph=True)
        yt.backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=2e-5, atol=2e-6)


EXPONENTS = (0, 1, 2, 3, 4, -1, -2, 0.5, 2.0, 3.0, -0.5, 5, 2.5)


@pytest.mark.parametrize("k", EXPONENTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_matches_torch_with_zeros_and_negative_bases(k, dtype):
    rng = np.random.default_rng(6)
    x = np.concatenate([[0.0, -0.0, -1.0, -2.5, 1.0, 3.0], rng.standard_normal(9994) * 2])
    x = x.reshape(100, 100).astype(dtype)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = xg**k, xt**k
    assert yg.dtype == xg.dtype
    w = rng.standard_normal(x.shape).astype(dtype)
    yg.backward(gg.tensor(w))
    yt.backward(torch.tensor(w))
    assert xg.grad.dtype == xg.dtype
    tol = dict(rtol=3e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=0)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), **tol, equal_nan=True)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), **tol, equal_nan=True)


@pytest.mark.parametrize("k", [k for k in EXPONENTS if k != 0])  # x ** 0: no 2nd derivative
def test_pow_second_derivatives_match_torch(k):
    x = np.array([[0.0, -1.5, 2.0, 0.7], [-0.3, 1.1, 3.0, -2.0]])
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gx,) = gg.autograd.grad((xg**k).sum(), xg, create_graph=True)
    (tx,) = torch.autograd.grad((xt**k).sum(), xt, create_graph=True)
    (ggx,) = gg.autograd.grad(gx.sum(), xg)
    (ttx,) = torch.autograd.grad(tx.sum(), xt)
    np.testing.assert_allclose(gx.detach().numpy(), tx.detach().numpy(), rtol=1e-12,
                               equal_nan=True)
    np.testing.assert_allclose(ggx.numpy(), ttx.numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_in_blocks_matches_torch_on_a_big_array(dtype):
    """Arrays above two blocks (_special._BLOCK elements) are computed block by block;
    the result must not depend on where the blocks fall, and must match torch."""
    from glassgrad.autograd.ops import _special

    rng = np.random.default_rng(7)
    n = 2 * _special._BLOCK + 1234  # blocks plus a ragged tail
    x = (rng.standard_normal(n) * 4).astype(dtype)
    x[:5] = [0.0, -0.0, 10.0, -10.0, 1e-3]
    out, slope = _special.gelu_parts(x)
    small_out, small_slope = _special._gelu_parts(x)
    np.testing.assert_array_equal(out, small_out)
    np.testing.assert_array_equal(slope, small_slope)
    xg = gg.tensor(x.reshape(2, -1), requires_grad=True)
    yg = F.gelu(xg)
    up = rng.standard_normal(xg.shape).astype(dtype)
    yg.backward(gg.tensor(up))
    xt = torch.tensor(x.reshape(2, -1), requires_grad=True)
    yt = torch.nn.functional.gelu(xt)
    yt.backward(torch.tensor(up))
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(yg.detach().numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), **tol)
    assert yg.dtype == getattr(gg, dtype) and xg.grad.dtype == getattr(gg, dtype)
