"""Gradients never turn NaN where torch's are finite: masks select instead of multiplying,
pow at 0, sigmoid and softplus over the whole float range, layer_norm of a constant row,
and where ties and NaN inputs of max/min/maximum send their gradient. Each case is checked
against torch where it is installed, and against fixed values everywhere."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import grad as gg_grad
from torch_ref import torch  # None where torch is not installed

NAN, INF = float("nan"), float("inf")
DTYPES = [np.float32, np.float64]
TF = torch.nn.functional if torch is not None else None


def _ours(fn, values, dtype=np.float64, weights=None):
    """fn's value and the gradient of sum(weights * fn(x)) at x = values."""
    x = gg.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = fn(x)
    w = np.ones(y.shape, dtype) if weights is None else np.asarray(weights, dtype)
    y.backward(gradient=gg.tensor(w))
    return y.detach().numpy(), x.grad.numpy()


def _theirs(fn, values, dtype=np.float64, weights=None):
    x = torch.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = fn(x)
    w = np.ones(tuple(y.shape), dtype) if weights is None else np.asarray(weights, dtype)
    y.backward(gradient=torch.tensor(w))
    return y.detach().numpy(), x.grad.numpy()


def _same(ours, theirs, rtol=1e-6):
    """Equal values, including the positions of inf and NaN."""
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True)


# ------------------------------------------------------------------------------ masks
# (glassgrad fn, torch fn, gradient at x = -1, 0, 2) for a function that is 0 where a mask
# is off: sqrt and log then send inf into the mask, which must give 0 there, not 0 * inf.
MASKED = {
    "sqrt(relu)": (lambda x: x.relu().sqrt(), lambda x: x.relu().sqrt(), [0, 0, 2**-1.5]),
    "log(relu)": (lambda x: x.relu().log(), lambda x: x.relu().log(), [0, 0, 0.5]),
    "sqrt(F.relu)": (lambda x: F.relu(x).sqrt(), lambda x: TF.relu(x).sqrt(), [0, 0, 2**-1.5]),
    "sqrt(clamp min)": (lambda x: x.clamp(min=0).sqrt(), lambda x: x.clamp(min=0).sqrt(),
                        [0, INF, 2**-1.5]),
    "sqrt(clip min)": (lambda x: gg.clip(x, 0, None).sqrt(),
                       lambda x: torch.clip(x, 0, None).sqrt(), [0, INF, 2**-1.5]),
    "sqrt(clamp tensor min)": (lambda x: x.clamp(min=gg.zeros(3, dtype=x.dtype)).sqrt(),
                               lambda x: x.clamp(min=torch.zeros(3, dtype=x.dtype)).sqrt(),
                               [0, INF, 2**-1.5]),
    "sqrt(maximum)": (lambda x: gg.maximum(x, gg.zeros(3, dtype=x.dtype)).sqrt(),
                      lambda x: torch.maximum(x, torch.zeros(3, dtype=x.dtype)).sqrt(),
                      [0, INF, 2**-1.5]),
    "sqrt(1 - minimum)": (lambda x: (1 - gg.minimum(x, gg.ones(3, dtype=x.dtype))).sqrt(),
                          lambda x: (1 - torch.minimum(x, torch.ones(3, dtype=x.dtype))).sqrt(),
                          [-(2**-1.5), -0.5, 0]),
    "sqrt(where)": (lambda x: gg.where(x > 0, x, 0.0).sqrt(),
                    lambda x: torch.where(x > 0, x, 0.0).sqrt(), [0, 0, 2**-1.5]),
    "sqrt(hardtanh)": (lambda x: F.hardtanh(x, 0.0, 3.0).sqrt(),
                       lambda x: TF.hardtanh(x, 0.0, 3.0).sqrt(), [0, 0, 2**-1.5]),
    "sqrt(relu6)": (lambda x: F.relu6(x).sqrt(), lambda x: TF.relu6(x).sqrt(), [0, 0, 2**-1.5]),
    "sqrt(max_pool)": (lambda x: F.max_pool2d(F.relu(x).reshape(1, 1, 1, 3), (1, 1)).sqrt(),
                       lambda x: TF.max_pool2d(TF.relu(x).reshape(1, 1, 1, 3), (1, 1)).sqrt(),
                       [0, 0, 2**-1.5]),
    "sqrt(max dim)": (lambda x: gg.stack([x, gg.zeros(3, dtype=x.dtype)]).max(0).values.sqrt(),
                      lambda x: torch.stack([x, torch.zeros(3, dtype=x.dtype)]).max(0).values
                      .sqrt(), [0, INF, 2**-1.5]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(MASKED))
def test_masked_gradient_is_zero_not_nan(name, dtype):
    fn, _, want = MASKED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sqrt'(0) and log(0) are inf
        _, g = _ours(fn, [-1.0, 0.0, 2.0], dtype)
    np.testing.assert_allclose(g, np.asarray(want, dtype), rtol=1e-6)
    assert g.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(MASKED))
def test_masked_gradient_matches_torch(name, dtype):
    fn, tfn, _ = MASKED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _same(_ours(fn, [-1.0, 0.0, 2.0], dtype), _theirs(tfn, [-1.0, 0.0, 2.0], dtype))


# An infinite upstream gradient, straight into each masking backward: torch selects in these,
# so the masked elements get 0 there too.
SELECTING = {
    "relu": (lambda x: x.relu(), lambda x: x.relu()),
    "clamp": (lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0)),
    "clamp tensor bounds": (
        lambda x: x.clamp(gg.full((4,), -1.0, dtype=x.dtype), gg.full((4,), 1.0, dtype=x.dtype)),
        lambda x: x.clamp(torch.full((4,), -1.0, dtype=x.dtype),
                          torch.full((4,), 1.0, dtype=x.dtype))),
    "hardtanh": (lambda x: F.hardtanh(x), lambda x: TF.hardtanh(x)),
    "maximum": (lambda x: gg.maximum(x, gg.zeros(4, dtype=x.dtype)),
                lambda x: torch.maximum(x, torch.zeros(4, dtype=x.dtype))),
    "minimum": (lambda x: gg.minimum(x, gg.zeros(4, dtype=x.dtype)),
                lambda x: torch.minimum(x, torch.zeros(4, dtype=x.dtype))),
    "where": (lambda x: gg.where(x > 0, x, -x), lambda x: torch.where(x > 0, x, -x)),
    "max dim": (lambda x: x.reshape(2, 2).max(1).values.repeat(2),
                lambda x: x.reshape(2, 2).max(1).values.repeat(2)),
    "max_pool2d": (lambda x: F.max_pool2d(x.reshape(1, 1, 2, 2), 2).reshape(1).repeat(4),
                   lambda x: TF.max_pool2d(x.reshape(1, 1, 2, 2), 2).reshape(1).repeat(4)),
}


@pytest.mark.parametrize("name", sorted(SELECTING))
def test_infinite_upstream_gives_zero_where_masked_like_torch(name):
    fn, tfn = SELECTING[name]
    x = [-3.0, -0.5, 0.5, 3.0]
    ours = _ours(fn, x, weights=[INF] * 4)
    _same(ours, _theirs(tfn, x, weights=[INF] * 4))
    assert not np.isnan(ours[1]).any()


def test_abs_and_amax_select_where_torch_multiplies():
    """torch multiplies in abs (grad * sgn(x)) and amax (grad / count * mask), so an inf
    upstream gives NaN there; glassgrad selects and gives 0 (a documented deviation)."""
    _, g = _ours(lambda x: x.abs(), [-2.0, 0.0, 2.0], weights=[INF] * 3)
    np.testing.assert_array_equal(g, [-INF, 0.0, INF])
    _, g = _ours(lambda x: x.amax(0, keepdim=True), [1.0, 3.0, 3.0], weights=[INF])
    np.testing.assert_array_equal(g, [0.0, INF, INF])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, g = _ours(lambda x: x.abs().sqrt(), [-1.0, 0.0, 4.0])
    np.testing.assert_allclose(g, [-0.5, 0.0, 0.25])


def test_abs_gradient_at_nan_is_zero_like_torch_sgn():
    _, g = _ours(lambda x: x.abs(), [NAN, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, -1.0, 0.0, 1.0])


@pytest.mark.parametrize("n", [4, 20_000])  # small arrays and large ones take different paths
@pytest.mark.parametrize("name", ["relu", "maximum", "where", "amax", "clamp tensor bounds"])
def test_select_on_small_and_large_arrays(name, n):
    """Masked elements get exactly +0.0 for inf, NaN and negative upstream gradients (a
    product would give NaN, NaN and -0.0, shown as "-0." in a printed gradient)."""
    fns = {"relu": lambda x: x.relu(), "maximum": lambda x: gg.maximum(x, 0.0),
           "where": lambda x: gg.where(x > 0, x, 0.0),
           "amax": lambda x: gg.stack([x, gg.zeros(x.shape, dtype=x.dtype)]).amax(0),
           "clamp tensor bounds": lambda x: x.clamp(gg.zeros(x.shape, dtype=x.dtype))}
    x = np.where(np.arange(n) % 2 == 0, -1.0, 2.0)
    masked = x < 0
    for upstream in (np.tile([INF, NAN, -3.0, -3.0], n // 4), np.full(n, -3.0)):
        _, g = _ours(fns[name], x, weights=upstream)
        assert (g[masked] == 0).all() and not np.signbit(g[masked]).any()
        np.testing.assert_array_equal(g[~masked], upstream[~masked])


@pytest.mark.parametrize("name", ["relu", "clamp", "maximum", "where", "hardtanh", "abs"])
def test_masks_work_under_create_graph(name):
    """Second derivatives through a masking backward: d/dx of d/dx sum(w f(x)^3)."""
    fns = {"relu": lambda m, x: m.relu(x), "clamp": lambda m, x: m.clamp(x, -1.0, 1.0),
           "maximum": lambda m, x: m.maximum(x, m.zeros(4, dtype=x.dtype) + 0.25),
           "where": lambda m, x: m.where(x > 0, x, 2 * x),
           "hardtanh": lambda m, x: (TF if m is torch else F).hardtanh(x),
           "abs": lambda m, x: m.abs(x)}
    values = np.array([-2.0, -0.5, 0.5, 2.0])
    w = np.array([1.0, -2.0, 3.0, 0.5])
    x = gg.tensor(values, requires_grad=True)
    (g,) = gg_grad([(fns[name](gg, x) ** 3 * gg.tensor(w)).sum()], [x], create_graph=True)
    (gg_,) = gg_grad([(g * gg.tensor(w)).sum()], [x])
    if torch is None:
        assert np.isfinite(gg_.numpy()).all()
        return
    xt = torch.tensor(values, requires_grad=True)
    (gt,) = torch.autograd.grad((fns[name](torch, xt) ** 3 * torch.tensor(w)).sum(), [xt],
                                create_graph=True)
    (ggt,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), [xt])
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gg_.numpy(), ggt.numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------ pow at 0
EXPONENTS = [0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -0.5, -2.0]


def test_x_to_the_zero_has_gradient_zero_at_zero():
    y, g = _ours(lambda x: x**0, [0.0, -1.0, 2.0])
    np.testing.assert_array_equal(y, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    _, g = _ours(lambda x: x ** gg.tensor(0.0), [0.0, 2.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])


@pytest.mark.parametrize("p", EXPONENTS)
def test_pow_scalar_exponent_at_zero_matches_torch(p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = _ours(lambda x: x**p, [0.0, -1.0, 2.0])
        if p == 2.0:  # the fixed values, without torch
            np.testing.assert_array_equal(ours[1], [0.0, -2.0, 4.0])
        if torch is not None:
            _same(ours, _theirs(lambda x: x**p, [0.0, -1.0, 2.0]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_tensor_exponent_at_zero_matches_torch(dtype):
    """Both gradients of x ** e, for every exponent kind, at x = 0, -1 and 2."""
    xs = np.repeat([[0.0, -1.0, 2.0]], len(EXPONENTS), axis=0).astype(dtype)
    es = np.repeat(np.array(EXPONENTS, dtype)[:, None], 3, axis=1)
    w = np.random.default_rng(0).standard_normal(xs.shape).astype(dtype)
    x, e = gg.tensor(xs, requires_grad=True), gg.tensor(es, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (x**e * gg.tensor(w)).sum().backward()
    gx, ge = x.grad.numpy(), e.grad.numpy()
    # at x = 0: d/dx is 0 for e = 0 and e >= 1 (1 for e = 1), inf-like below; d/de is 0 for
    # e >= 0 and -inf * w for e < 0
    at0 = EXPONENTS.index(0.0), EXPONENTS.index(2.0)
    assert gx[at0[0], 0] == 0 and gx[at0[1], 0] == 0 and ge[at0[1], 0] == 0
    assert not np.isnan(gx[:, 0]).any() and not np.isnan(ge[:, 0]).any()
    if torch is None:
        return
    xt, et = torch.tensor(xs, requires_grad=True), torch.tensor(es, requires_grad=True)
    (xt**et * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(ge, et.grad.numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("base", [0.0, 2.0])
def test_scalar_base_pow_matches_torch(base):
    e_values = [-1.0, 0.0, 0.5, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = _ours(lambda e: base**e, e_values, np.float32)
    assert ours[1].dtype == np.float32
    if base == 0.0:
        np.testing.assert_array_equal(ours[1], [-INF, 0.0, 0.0, 0.0])
    if torch is not None:
        _same(ours, _theirs(lambda e: base**e, e_values, np.float32))


# ------------------------------------------------------------------------------ sigmoid
def test_sigmoid_of_minus_20_in_float32():
    s = gg.sigmoid(gg.tensor(-20.0))
    assert s.dtype == gg.float32
    np.testing.assert_allclose(s.item(), 2.0611537e-9, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_of_sigmoid_at_minus_20(dtype):
    """binary_cross_entropy(sigmoid(x), 1) at x = -20 is 20 with gradient -1 (a sigmoid
    that rounds to 0 would give 100, the log's clamp, and gradient 0)."""
    loss, g = _ours(lambda x: F.binary_cross_entropy(gg.sigmoid(x), gg.ones(1, dtype=x.dtype)),
                    [-20.0], dtype)
    np.testing.assert_allclose(loss, 20.0, rtol=1e-5)
    np.testing.assert_allclose(g, [-1.0], rtol=1e-5)
    if torch is not None:
        ref = _theirs(lambda x: TF.binary_cross_entropy(torch.sigmoid(x),
                                                         torch.ones(1, dtype=x.dtype)),
                      [-20.0], dtype)
        _same((loss, g), ref, rtol=1e-5)


EXTREMES = [-1e4, -710.0, -88.0, -20.0, 0.0, 20.0, 88.0, 710.0, 1e4]
SMOOTH = {
    "sigmoid": (lambda x: gg.sigmoid(x), lambda x: torch.sigmoid(x)),
    "softplus": (lambda x: F.softplus(x), lambda x: TF.softplus(x)),
    "softplus beta": (lambda x: F.softplus(x, beta=2.0, threshold=50.0),
                      lambda x: TF.softplus(x, beta=2.0, threshold=50.0)),
    "silu": (lambda x: F.silu(x), lambda x: TF.silu(x)),
    "gelu": (lambda x: F.gelu(x), lambda x: TF.gelu(x)),
    "bce with logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, gg.full(x.shape, 0.25, dtype=x.dtype),
                                                     reduction="none"),
        lambda x: TF.binary_cross_entropy_with_logits(x, torch.full(x.shape, 0.25,
                                                                    dtype=x.dtype),
                                                      reduction="none")),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_stable_over_the_whole_float_range(name, dtype):
    """No overflow, invalid or divide warning (numpy's are errors here) for |x| up to 1e4,
    finite results and gradients, and torch's values."""
    fn, tfn = SMOOTH[name]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y, g = _ours(fn, EXTREMES, dtype)
    assert y.dtype == dtype and g.dtype == dtype
    assert np.isfinite(y).all() and np.isfinite(g).all()
    if torch is not None:
        _same((y, g), _theirs(tfn, EXTREMES, dtype), rtol=1e-5)


# ------------------------------------------------------------------------------ layer_norm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", [0.1, 3.0, -7.3, 1e4 + 0.1])
def test_layer_norm_of_a_constant_row_is_exactly_zero(value, dtype):
    rows = np.full((2, 7), value, dtype)
    rows[1] = np.linspace(-1.0, 1.0, 7)
    w = np.arange(14.0).reshape(2, 7)
    y, g = _ours(lambda x: F.layer_norm(x, (7,)), rows, dtype, w)
    assert (y[0] == 0).all()
    assert np.isfinite(g).all()
    # the exact gradient of a constant row: (w - mean(w)) / sqrt(eps)
    np.testing.assert_allclose(g[0], (w[0] - w[0].mean()) / np.sqrt(1e-5), rtol=1e-5)
    if torch is not None:
        ry, rg = _theirs(lambda x: TF.layer_norm(x, (7,)), rows, dtype, w)
        assert (ry[0] == 0).all()
        np.testing.assert_allclose(y, ry, rtol=1e-5, atol=1e-5)
        if value < 1e4:  # torch's float32 backward rounds at 1e4 (952 for the exact 948.7)
            np.testing.assert_allclose(g, rg, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_of_a_constant_channel_is_exactly_zero(dtype):
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(dtype)
    x[:, 0] = 0.1
    y, g = _ours(lambda t: F.batch_norm(t, None, None, training=True), x, dtype,
                 np.arange(24.0).reshape(4, 2, 3))
    assert (y[:, 0] == 0).all() and np.isfinite(g).all()


# ------------------------------------------------------------------------------ ties, NaN
TIES = [[1.0, 3.0, 3.0, 0.0], [NAN, 2.0, NAN, 5.0], [2.0, 2.0, 2.0, 2.0]]
EXTREME_OPS = {
    "max()": (lambda x: x.max(), lambda x: x.max()),
    "min()": (lambda x: x.min(), lambda x: x.min()),
    "max(dim)": (lambda x: x.max(1).values, lambda x: x.max(1).values),
    "min(dim)": (lambda x: x.min(1).values, lambda x: x.min(1).values),
    "max(dim=0)": (lambda x: x.max(0).values, lambda x: x.max(0).values),
    "min(dim=0, keepdim)": (lambda x: x.min(0, keepdim=True).values,
                            lambda x: x.min(0, keepdim=True).values),
    "norm(inf)": (lambda x: x.norm(INF, dim=1), lambda x: x.norm(INF, dim=1)),
}


@pytest.mark.parametrize("rows", [slice(0, 1), slice(1, 2), slice(2, 3), slice(0, 3)])
@pytest.mark.parametrize("name", sorted(EXTREME_OPS))
def test_extremes_send_ties_and_nan_gradients_where_torch_does(name, rows):
    fn, tfn = EXTREME_OPS[name]
    data = np.array(TIES)[rows]
    n = int(np.prod(fn(gg.tensor(data)).shape))
    w = np.arange(1.0, n + 1).reshape(fn(gg.tensor(data)).shape)
    ours = _ours(fn, data, weights=w)
    _same(ours, _theirs(tfn, data, weights=w))


def test_max_dim_indices_match_torch_with_ties_and_nan():
    data = np.array(TIES)
    for name in ("max", "min"):
        for dim in (0, 1):
            ours = getattr(gg.tensor(data), name)(dim).indices.numpy()
            theirs = getattr(torch.tensor(data), name)(dim).indices.numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{name}(dim={dim})")


def test_max_without_dim_shares_ties_and_nans_evenly():
    _, g = _ours(lambda x: x.max(), TIES[0])
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])
    _, g = _ours(lambda x: x.max(), TIES[1])
    np.testing.assert_array_equal(g, [0.5, 0.0, 0.5, 0.0])


def test_amax_shares_the_gradient_among_nans():
    """torch's amax gives the whole slice of a NaN maximum NaN gradients; glassgrad's amax
    shares it among the NaNs, as both libraries' max() does (a documented deviation)."""
    _, g = _ours(lambda x: x.amax(1), TIES, weights=[1.0, 2.0, 4.0])
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5, 0], [1, 0, 1, 0], [1, 1, 1, 1]])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_and_nan_match_torch(name):
    """Ties split the gradient half and half; a NaN on either side sends it to both."""
    xs = np.array([1.0, NAN, 2.0, 3.0, NAN, -1.0])
    ys = np.array([1.0, 1.0, NAN, 0.0, NAN, 4.0])
    w = np.arange(1.0, 7.0)
    x, y = gg.tensor(xs, requires_grad=True), gg.tensor(ys, requires_grad=True)
    (getattr(gg, name)(x, y) * gg.tensor(w)).sum().backward()
    if name == "maximum":
        np.testing.assert_array_equal(x.grad.numpy(), [0.5, 2, 3, 4, 5, 0])
        np.testing.assert_array_equal(y.grad.numpy(), [0.5, 2, 3, 0, 5, 6])
    if torch is None:
        return
    xt, yt = torch.tensor(xs, requires_grad=True), torch.tensor(ys, requires_grad=True)
    (getattr(torch, name)(xt, yt) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), yt.grad.numpy())


def test_clamp_tensor_bounds_send_gradients_like_torch():
    """x gets grad where min <= x <= max, min where x < min < max, max where x > max or
    max < min (torch's rules, ties included)."""
    xs = [NAN, 0.5, 2.0, -1.0, 0.5, 0.5]
    los = [0.0, 1.0, 0.0, 0.0, 0.5, 0.0]
    his = [1.0, 0.2, 1.0, -2.0, 1.0, 0.5]
    w = np.arange(1.0, 7.0)
    x, lo, hi = (gg.tensor(np.array(v), requires_grad=True) for v in (xs, los, his))
    (gg.clamp(x, lo, hi) * gg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 0, 5, 6])
    np.testing.assert_array_equal(lo.grad.numpy(), [0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi.grad.numpy(), [0, 2, 3, 4, 0, 0])
    if torch is None:
        return
    xt, lot, hit = (torch.tensor(np.array(v), requires_grad=True) for v in (xs, los, his))
    out = torch.clamp(xt, lot, hit)
    np.testing.assert_array_equal(gg.clamp(x, lo, hi).detach().numpy(), out.detach().numpy())
    (out * torch.tensor(w)).sum().backward()
    for ours, theirs in ((x, xt), (lo, lot), (hi, hit)):
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
