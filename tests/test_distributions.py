"""glassgrad.distributions against torch.distributions in float64: log_prob, entropy, moments
and kl_divergence values and their gradients in the parameters, rsample's pathwise gradient
(gradcheck with a fixed seed), seeded sample shapes and moments, and the parameter errors."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.distributions as D
from glassgrad.autograd.gradcheck import gradcheck
from torch_ref import torch

TD = torch.distributions if torch is not None else None


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pd(rng, batch, n):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(rng, batch, n):
    return np.linalg.cholesky(_pd(rng, batch, n))


# name -> (glassgrad factory, torch factory, param arrays, kwarg names, value maker)
def _cases():
    r = _rng(1)
    n = 3
    return {
        "normal": (D.Normal, "Normal", [r.normal(size=(2, 3)), r.uniform(0.5, 2, size=(3,))],
                   ["loc", "scale"], lambda r: r.normal(size=(4, 2, 3))),
        "normal_0d": (D.Normal, "Normal", [np.array(0.3), np.array(1.7)], ["loc", "scale"],
                      lambda r: r.normal(size=(5,))),
        "uniform": (D.Uniform, "Uniform", [r.uniform(-2, -1, size=(3,)),
                                           r.uniform(1, 2, size=(2, 1))],
                    ["low", "high"], lambda r: r.uniform(-0.9, 0.9, size=(2, 3))),
        "bernoulli_probs": (D.Bernoulli, "Bernoulli", [r.uniform(0.1, 0.9, size=(2, 3))],
                            ["probs"], lambda r: (r.random((4, 2, 3)) < 0.5) * 1.0),
        "bernoulli_logits": (D.Bernoulli, "Bernoulli", [r.normal(size=(3,))], ["logits"],
                             lambda r: (r.random((2, 3)) < 0.5) * 1.0),
        "categorical_probs": (D.Categorical, "Categorical", [r.uniform(0.1, 1, size=(2, 4))],
                              ["probs"], lambda r: r.integers(0, 4, size=(3, 2))),
        "categorical_logits": (D.Categorical, "Categorical", [r.normal(size=(5,))],
                               ["logits"], lambda r: r.integers(0, 5, size=(6,))),
        "onehot": (D.OneHotCategorical, "OneHotCategorical", [r.normal(size=(2, 4))],
                   ["logits"], lambda r: np.eye(4)[r.integers(0, 4, size=(3, 2))]),
        "mvn_cov": (D.MultivariateNormal, "MultivariateNormal",
                    [r.normal(size=(n,)), _pd(r, (2,), n)], ["loc", "covariance_matrix"],
                    lambda r: r.normal(size=(4, 2, n))),
        "mvn_tril": (D.MultivariateNormal, "MultivariateNormal",
                     [r.normal(size=(2, n)), _tril(r, (), n)], ["loc", "scale_tril"],
                     lambda r: r.normal(size=(n,))),
        "mvn_precision": (D.MultivariateNormal, "MultivariateNormal",
                          [r.normal(size=(n,)), _pd(r, (), n)], ["loc", "precision_matrix"],
                          lambda r: r.normal(size=(2, n))),
    }


CASES = _cases()


def _make(name, arrays, grad=True):
    cls, tname, _, names, _ = CASES[name]
    gs = [gg.tensor(a, requires_grad=grad) for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    return (cls(**dict(zip(names, gs))), getattr(TD, tname)(**dict(zip(names, ts))), gs, ts)


def _compare(g_out, t_out, gs, ts, rng, tol=1e-10):
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(),
                               rtol=tol, atol=tol)
    assert tuple(g_out.shape) == tuple(t_out.shape)
    w = rng.normal(size=tuple(t_out.shape))
    diff = [g for g in gs if g.requires_grad]
    g_grads = gg.autograd.grad((g_out * gg.tensor(w)).sum(), diff, allow_unused=True)
    t_grads = torch.autograd.grad((t_out * torch.tensor(w)).sum(),
                                  [t for t in ts if t.requires_grad], allow_unused=True)
    for a, b in zip(g_grads, t_grads):
        if b is None:
            assert a is None or np.all(a.numpy() == 0)
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-9,
                                   equal_nan=False)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "stddev"])
def test_matches_torch(name, what):
    rng = _rng(2)
    arrays, value = CASES[name][2], CASES[name][4]
    g, t, gs, ts = _make(name, arrays)
    assert tuple(g.batch_shape) == tuple(t.batch_shape)
    assert tuple(g.event_shape) == tuple(t.event_shape)
    if what == "log_prob":
        v = value(rng)
        g_out, t_out = g.log_prob(gg.tensor(v)), t.log_prob(torch.tensor(v))
    elif what == "entropy":
        g_out, t_out = g.entropy(), t.entropy()
    else:
        g_out, t_out = getattr(g, what), getattr(t, what)
        if name.startswith("categorical"):  # undefined: nan, as torch
            assert np.isnan(g_out.numpy()).all() and np.isnan(t_out.numpy()).all()
            assert tuple(g_out.shape) == tuple(t_out.shape)
            return
    _compare(g_out, t_out, gs, ts, rng)


def test_mvn_matrices_match_torch():
    for name in ("mvn_cov", "mvn_tril", "mvn_precision"):
        for attr in ("scale_tril", "covariance_matrix", "precision_matrix"):
            g, t, gs, ts = _make(name, CASES[name][2])
            _compare(getattr(g, attr), getattr(t, attr), gs, ts, _rng(3), tol=1e-9)


# --------------------------------------------------------------------------- kl_divergence
def _kl_pairs():
    r = _rng(4)
    return {
        "normal": ("Normal", [r.normal(size=(3,)), r.uniform(0.5, 2, size=(3,))],
                   [r.normal(size=(2, 3)), r.uniform(0.5, 2, size=(2, 1))], ["loc", "scale"]),
        "bernoulli": ("Bernoulli", [r.uniform(0.1, 0.9, size=(4,))],
                      [r.uniform(0.1, 0.9, size=(4,))], ["probs"]),
        "bernoulli_logits": ("Bernoulli", [r.normal(size=(4,))], [r.normal(size=(4,))],
                             ["logits"]),
        "categorical": ("Categorical", [r.uniform(0.1, 1, size=(2, 3))],
                        [r.uniform(0.1, 1, size=(3,))], ["probs"]),
        "onehot": ("OneHotCategorical", [r.normal(size=(2, 3))], [r.normal(size=(2, 3))],
                   ["logits"]),
        "uniform": ("Uniform", [r.uniform(-1, 0, size=(3,)), r.uniform(1, 2, size=(3,))],
                    [r.uniform(-3, -2, size=(3,)), r.uniform(3, 4, size=(3,))],
                    ["low", "high"]),
        "mvn": ("MultivariateNormal", [r.normal(size=(2, 3)), _pd(r, (), 3)],
                [r.normal(size=(3,)), _pd(r, (2,), 3)], ["loc", "covariance_matrix"]),
        "mvn_tril": ("MultivariateNormal", [r.normal(size=(3,)), _tril(r, (2,), 3)],
                     [r.normal(size=(3,)), _tril(r, (), 3)], ["loc", "scale_tril"]),
    }


KL = _kl_pairs()


@pytest.mark.parametrize("name", sorted(KL))
def test_kl_matches_torch(name):
    tname, pa, qa, names = KL[name]
    gp = [gg.tensor(a, requires_grad=True) for a in pa]
    gq = [gg.tensor(a, requires_grad=True) for a in qa]
    tp = [torch.tensor(a, requires_grad=True) for a in pa]
    tq = [torch.tensor(a, requires_grad=True) for a in qa]
    cls = getattr(D, tname)
    tcls = getattr(TD, tname)
    g_out = D.kl_divergence(cls(**dict(zip(names, gp))), cls(**dict(zip(names, gq))))
    t_out = TD.kl_divergence(tcls(**dict(zip(names, tp))), tcls(**dict(zip(names, tq))))
    _compare(g_out, t_out, gp + gq, tp + tq, _rng(5))


def test_kl_edge_cases_match_torch():
    # Bernoulli with p in {0, 1}; Categorical with zeros in p or q; Uniform outside support
    p, q = np.array([0.0, 1.0, 0.3, 0.0]), np.array([0.4, 0.6, 0.0, 1.0])
    g = D.kl_divergence(D.Bernoulli(gg.tensor(p)), D.Bernoulli(gg.tensor(q))).numpy()
    t = TD.kl_divergence(TD.Bernoulli(torch.tensor(p)), TD.Bernoulli(torch.tensor(q))).numpy()
    np.testing.assert_allclose(g, t, rtol=1e-6)
    pc, qc = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]), np.array([[0.1, 0.9, 0.0]])
    pc, qc = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]), np.array([[0.1, 0.9, 0.0]])
    g = D.kl_divergence(D.Categorical(gg.tensor(pc)), D.Categorical(gg.tensor(qc))).numpy()
    t = TD.kl_divergence(TD.Categorical(torch.tensor(pc)),
                         TD.Categorical(torch.tensor(qc))).numpy()
    np.testing.assert_allclose(g, t)
    assert np.isinf(g[0]) and np.isfinite(g[1])
    lo = gg.tensor([0.0, 0.0], requires_grad=True)
    g = D.kl_divergence(D.Uniform(lo, gg.tensor([1.0, 1.0])),
                        D.Uniform(gg.tensor([-1.0, 0.5]), gg.tensor([2.0, 2.0])))
    t = TD.kl_divergence(TD.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])),
                         TD.Uniform(torch.tensor([-1.0, 0.5]), torch.tensor([2.0, 2.0])))
    np.testing.assert_allclose(g.detach().numpy(), t.numpy())
    assert np.isinf(g.detach().numpy()[1])


def test_kl_edge_gradients_are_finite():
    p = gg.tensor([0.0, 1.0, 0.5], dtype=gg.float64, requires_grad=True)
    q = gg.tensor([0.3, 0.3, 0.3], dtype=gg.float64, requires_grad=True)
    D.kl_divergence(D.Bernoulli(p), D.Bernoulli(q)).sum().backward()
    assert np.isfinite(q.grad.numpy()).all()
    tq = torch.tensor([0.3, 0.3, 0.3], dtype=torch.float64, requires_grad=True)
    TD.kl_divergence(TD.Bernoulli(torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64)),
                     TD.Bernoulli(tq)).sum().backward()
    np.testing.assert_allclose(q.grad.numpy(), tq.grad.numpy(), rtol=1e-9)


def test_kl_known_value_and_unregistered_pair():
    # KL(N(0, 1) || N(1, 2)) = log 2 + (1 + 1) / 8 - 1/2
    out = D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)).item()
    assert out == pytest.approx(math.log(2) + 2 / 8 - 0.5)
    with pytest.raises(NotImplementedError, match="Normal"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))


# --------------------------------------------------------------------------- rsample
def _seeded(seed=7):
    return gg.Generator().manual_seed(seed)


def test_rsample_gradcheck_normal_uniform():
    loc = gg.tensor([0.3, -1.0], dtype=gg.float64, requires_grad=True)
    scale = gg.tensor([1.5, 0.4], dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda m, s: D.Normal(m, s).rsample((3,), generator=_seeded()),
                     (loc, scale))
    low = gg.tensor([0.3, -1.0], dtype=gg.float64, requires_grad=True)
    high = gg.tensor([1.5, 0.4], dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda a, b: D.Uniform(a, b).rsample((3,), generator=_seeded()),
                     (low, high))


def test_rsample_gradcheck_mvn():
    r = _rng(8)
    loc = gg.tensor(r.normal(size=(3,)), requires_grad=True)
    cov = gg.tensor(_pd(r, (), 3), requires_grad=True)
    tril = gg.tensor(_tril(r, (2,), 3), requires_grad=True)
    assert gradcheck(lambda m, c: D.MultivariateNormal(m, (c + c.mT) / 2).rsample(
        (2,), generator=_seeded()), (loc, cov))
    assert gradcheck(lambda m, L: D.MultivariateNormal(m, scale_tril=L.tril()).rsample(
        (2,), generator=_seeded()), (loc, tril))


def test_rsample_pathwise_gradient_values():
    # d/dloc of sum(loc + scale * eps) = n, d/dscale = sum(eps): eps recovered from the draw
    loc = gg.tensor(0.5, dtype=gg.float64, requires_grad=True)
    scale = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((10,), generator=_seeded(3))
    x.sum().backward()
    eps = (x.detach().numpy() - 0.5) / 2.0
    assert loc.grad.item() == pytest.approx(10.0)
    assert scale.grad.item() == pytest.approx(eps.sum())


def test_no_rsample_for_discrete():
    for d in (D.Bernoulli(probs=0.3), D.Categorical(logits=gg.zeros(3))):
        assert not d.has_rsample
        with pytest.raises(NotImplementedError):
            d.rsample()
    assert D.Normal(0.0, 1.0).has_rsample and D.MultivariateNormal(
        gg.zeros(2), scale_tril=gg.eye(2)).has_rsample


# --------------------------------------------------------------------------- sampling
def _dists():
    r = _rng(9)
    return {
        "normal": D.Normal(gg.tensor([1.0, -2.0]), gg.tensor([0.5, 2.0])),
        "uniform": D.Uniform(gg.tensor([0.0, -1.0]), gg.tensor([1.0, 3.0])),
        "bernoulli": D.Bernoulli(probs=gg.tensor([0.2, 0.9])),
        "categorical": D.Categorical(probs=gg.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])),
        "onehot": D.OneHotCategorical(probs=gg.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])),
        "mvn": D.MultivariateNormal(gg.tensor([1.0, 0.0, -1.0]),
                                    covariance_matrix=gg.tensor(_pd(r, (), 3))),
    }


@pytest.mark.parametrize("name", sorted(_dists()))
def test_sample_shapes_and_seeding(name):
    d = _dists()[name]
    batch, event = tuple(d.batch_shape), tuple(d.event_shape)
    for shape in ((), (5,), (2, 3)):
        s = d.sample(shape)
        assert tuple(s.shape) == shape + batch + event
        assert not s.requires_grad
    assert tuple(d.sample(4).shape) == (4,) + batch + event
    a = d.sample((6,), generator=_seeded(11)).numpy()
    b = d.sample((6,), generator=_seeded(11)).numpy()
    np.testing.assert_array_equal(a, b)
    gg.manual_seed(5)
    a = d.sample((6,)).numpy()
    gg.manual_seed(5)
    np.testing.assert_array_equal(a, d.sample((6,)).numpy())
    assert not np.array_equal(a, d.sample((6,)).numpy())


@pytest.mark.parametrize("name", sorted(_dists()))
def test_empirical_moments(name):
    d = _dists()[name]
    n = 40000
    s = d.sample((n,), generator=_seeded(12)).numpy().astype(np.float64)
    if name == "categorical":
        p = d.probs.numpy()
        freq = np.stack([(s == k).mean(0) for k in range(3)], -1)
        np.testing.assert_allclose(freq, p, atol=0.015)
        assert not (s[:, 1] == 2).any()  # zero-probability class never drawn
        return
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), atol=0.05)
    np.testing.assert_allclose(s.var(0), d.variance.numpy(), rtol=0.05, atol=0.01)
    if name == "mvn":
        np.testing.assert_allclose(np.cov(s.T), d.covariance_matrix.numpy(), atol=0.1)
    if name == "uniform":
        assert (s >= d.low.numpy()).all() and (s < d.high.numpy()).all()


def test_float32_stays_float32():
    d = D.Normal(gg.zeros(2), gg.ones(2))
    assert d.sample((3,)).dtype == gg.float32
    assert d.log_prob(gg.zeros(2)).dtype == gg.float32
    assert D.Uniform(gg.zeros(2), gg.ones(2)).rsample().dtype == gg.float32
    assert D.Bernoulli(probs=gg.full((2,), 0.5)).sample().dtype == gg.float32
    assert D.Categorical(logits=gg.zeros(3)).sample().dtype == gg.int64


# --------------------------------------------------------------------------- errors
BAD = [
    ("Normal", dict(loc=[0.0, 1.0], scale=[1.0, -1.0])),
    ("Normal", dict(loc=[0.0, float("nan")], scale=[1.0, 1.0])),
    ("Uniform", dict(low=[0.0, 2.0], high=[1.0, 1.0])),
    ("Bernoulli", dict(probs=[0.5, 1.5])),
    ("Categorical", dict(probs=[[0.5, -0.1, 0.6]])),
    ("MultivariateNormal", dict(loc=[0.0, 0.0], covariance_matrix=[[1.0, 2.0], [2.0, 1.0]])),
    ("MultivariateNormal", dict(loc=[0.0, 0.0], scale_tril=[[1.0, 0.0], [0.5, -1.0]])),
]


@pytest.mark.parametrize("tname,kwargs", BAD)
def test_invalid_parameters_raise_like_torch(tname, kwargs):
    with pytest.raises(ValueError):
        getattr(TD, tname)(**{k: torch.tensor(v) for k, v in kwargs.items()})
    with pytest.raises(ValueError, match="constraint"):
        getattr(D, tname)(**{k: gg.tensor(v) for k, v in kwargs.items()})


def test_validate_args_false_skips_checks():
    d = D.Normal(gg.tensor([0.0]), gg.tensor([-1.0]), validate_args=False)
    assert tuple(d.batch_shape) == (1,)
    u = D.Uniform(gg.tensor([0.0, 0.0]), gg.tensor([1.0, 1.0]), validate_args=False)
    tu = TD.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0]), validate_args=False)
    v = [0.5, 3.0]
    np.testing.assert_array_equal(u.log_prob(gg.tensor(v)).numpy(),
                                  tu.log_prob(torch.tensor(v)).numpy())


def test_argument_errors():
    with pytest.raises(ValueError, match="not both"):
        D.Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="not both"):
        D.Categorical()
    with pytest.raises(ValueError, match="exactly one"):
        D.MultivariateNormal(gg.zeros(2))
    with pytest.raises(ValueError):
        D.Normal(gg.zeros(2), gg.ones(3))
    with pytest.raises(TypeError):
        D.Normal("a", 1.0)


def test_log_prob_outside_support_raises():
    with pytest.raises(ValueError, match="support"):
        D.Bernoulli(probs=gg.tensor([0.5])).log_prob(gg.tensor([0.5]))
    with pytest.raises(ValueError, match="support"):
        D.Categorical(logits=gg.zeros(3)).log_prob(gg.tensor(3))
    with pytest.raises(ValueError, match="support"):
        D.Uniform(0.0, 1.0).log_prob(gg.tensor(2.0))
    with pytest.raises(ValueError):
        D.Normal(gg.zeros(3), gg.ones(3)).log_prob(gg.zeros(2))
    with pytest.raises(ValueError, match="support"):
        D.OneHotCategorical(logits=gg.zeros(3)).log_prob(gg.tensor([1.0, 1.0, 0.0]))


def test_known_values_and_repr():
    assert D.Normal(0.0, 1.0).log_prob(gg.tensor(0.0)).item() == pytest.approx(
        -0.5 * math.log(2 * math.pi))
    assert D.Uniform(0.0, 4.0).entropy().item() == pytest.approx(math.log(4))
    assert D.Bernoulli(probs=0.5).entropy().item() == pytest.approx(math.log(2))
    assert D.Categorical(logits=gg.zeros(4)).entropy().item() == pytest.approx(math.log(4))
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Bernoulli(logits=gg.zeros(3))).startswith("Bernoulli(logits: ")


# --------------------------------------------------------------------------- more behaviour
def test_uniform_log_prob_outside_support_gradient_matches_torch():
    lo, hi = np.array([0.0, -1.0]), np.array([1.0, 2.0])
    v = np.array([[0.5, 3.0], [-0.5, 0.0]])
    gl, gh = gg.tensor(lo, requires_grad=True), gg.tensor(hi, requires_grad=True)
    tl, th = torch.tensor(lo, requires_grad=True), torch.tensor(hi, requires_grad=True)
    g = D.Uniform(gl, gh, validate_args=False).log_prob(gg.tensor(v))
    t = TD.Uniform(tl, th, validate_args=False).log_prob(torch.tensor(v))
    np.testing.assert_array_equal(g.detach().numpy(), t.detach().numpy())
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    (g * gg.tensor(w)).sum().backward()
    (t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(gl.grad.numpy(), tl.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gh.grad.numpy(), th.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("tname,args", [
    ("Normal", ([0.3, -1.0], [1.5, 0.5])),
    ("Uniform", ([-1.0, 0.0], [1.0, 0.5])),
])
def test_cdf_matches_torch(tname, args):
    v = np.array([[-0.5, 0.2], [2.0, -3.0]])
    gs = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in args]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    _compare(getattr(D, tname)(*gs, validate_args=False).cdf(gg.tensor(v)),
             getattr(TD, tname)(*ts, validate_args=False).cdf(torch.tensor(v)), gs, ts,
             _rng(13))
    if tname == "Uniform":  # outside the support: both raise when validating
        with pytest.raises(ValueError):
            TD.Uniform(*ts).cdf(torch.tensor(v))
        with pytest.raises(ValueError, match="support"):
            D.Uniform(*gs).cdf(gg.tensor(v))


def test_second_derivatives_gradgradcheck():
    from glassgrad.autograd.gradcheck import gradgradcheck

    r = _rng(14)
    x = gg.tensor(r.normal(size=(2, 3)))
    loc = gg.tensor(r.normal(size=(3,)), requires_grad=True)
    scale = gg.tensor(r.uniform(0.5, 2, size=(3,)), requires_grad=True)
    assert gradgradcheck(lambda m, s: D.Normal(m, s).log_prob(x), (loc, scale))
    tril = gg.tensor(_tril(r, (), 3), requires_grad=True)
    assert gradgradcheck(lambda m, L: D.MultivariateNormal(m, scale_tril=L.tril()).log_prob(x),
                         (loc, tril))
    logits = gg.tensor(r.normal(size=(2, 4)), requires_grad=True)
    k = gg.tensor(np.array([1, 3]))
    assert gradgradcheck(lambda lg: D.Categorical(logits=lg).log_prob(k), (logits,))
    assert gradgradcheck(lambda lg: D.Categorical(logits=lg).entropy(), (logits,))
    p = gg.tensor(r.uniform(0.2, 0.8, size=(3,)), requires_grad=True)
    q = gg.tensor(r.uniform(0.2, 0.8, size=(3,)), requires_grad=True)
    assert gradgradcheck(lambda a, b: D.kl_divergence(D.Bernoulli(a), D.Bernoulli(b)), (p, q))


def test_float32_mvn_and_kl_keep_dtype():
    L = gg.tensor([[1.0, 0.0], [0.5, 2.0]])
    d = D.MultivariateNormal(gg.zeros(2), scale_tril=L)
    assert d.log_prob(gg.ones(2)).dtype == gg.float32
    assert d.rsample((3,)).dtype == gg.float32
    assert D.kl_divergence(d, d).dtype == gg.float32
    assert D.kl_divergence(d, d).item() == pytest.approx(0.0, abs=1e-6)


def test_onehot_log_prob_with_zero_probability_class():
    p = np.array([0.0, 0.3, 0.7])
    g = D.OneHotCategorical(probs=gg.tensor(p))
    t = TD.OneHotCategorical(probs=torch.tensor(p))
    v = np.eye(3)
    np.testing.assert_allclose(g.log_prob(gg.tensor(v)).numpy(),
                               t.log_prob(torch.tensor(v)).numpy())
    np.testing.assert_allclose(g.entropy().numpy(), t.entropy().numpy())


def test_enumerate_support_matches_torch():
    for g, t in [(D.Bernoulli(probs=gg.tensor([0.2, 0.4])),
                  TD.Bernoulli(probs=torch.tensor([0.2, 0.4]))),
                 (D.Categorical(logits=gg.zeros(2, 3)), TD.Categorical(logits=torch.zeros(2, 3))),
                 (D.OneHotCategorical(logits=gg.zeros(2, 3)),
                  TD.OneHotCategorical(logits=torch.zeros(2, 3)))]:
        for expand in (True, False):
            np.testing.assert_array_equal(g.enumerate_support(expand).numpy(),
                                          t.enumerate_support(expand).numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_expand_matches_torch(name):
    g, t, gs, ts = _make(name, CASES[name][2], grad=False)
    batch = (4,) + tuple(t.batch_shape)
    ge, te = g.expand(batch), t.expand(torch.Size(batch))
    assert tuple(ge.batch_shape) == tuple(te.batch_shape) == batch
    assert tuple(ge.event_shape) == tuple(te.event_shape)
    np.testing.assert_allclose(ge.entropy().numpy(), te.entropy().numpy(), rtol=1e-10)
    assert tuple(ge.sample((2,)).shape) == (2,) + batch + tuple(te.event_shape)
    if len(t.batch_shape):
        bad = tuple(d + 1 for d in t.batch_shape)
        with pytest.raises(RuntimeError):
            t.expand(torch.Size(bad))
        with pytest.raises(RuntimeError, match="expand"):
            g.expand(bad)


@pytest.mark.parametrize("tname,args", [
    ("Normal", ([0.3, -1.0], [1.5, 0.5])),
    ("Uniform", ([-1.0, 0.0], [1.0, 0.5])),
])
def test_icdf_matches_torch_and_inverts_cdf(tname, args):
    v = np.array([[0.1, 0.5], [0.9, 0.25]])
    gs = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in args]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    _compare(getattr(D, tname)(*gs).icdf(gg.tensor(v)),
             getattr(TD, tname)(*ts).icdf(torch.tensor(v)), gs, ts, _rng(15))
    out = np.array([1.5, -0.5])  # not validated in torch: compare what comes out
    np.testing.assert_allclose(
        getattr(D, tname)(*gs).icdf(gg.tensor(out)).detach().numpy(),
        getattr(TD, tname)(*ts).icdf(torch.tensor(out)).detach().numpy(), equal_nan=True)


def test_icdf_inverts_cdf():
    d = D.Normal(gg.tensor([0.3, -1.0], dtype=gg.float64), gg.tensor([1.5, 0.5],
                                                                     dtype=gg.float64))
    x = gg.tensor([[0.0, 2.0]], dtype=gg.float64)
    np.testing.assert_allclose(d.icdf(d.cdf(x)).numpy(), x.numpy(), rtol=1e-8, atol=1e-12)


def test_set_default_validate_args():
    D.Distribution.set_default_validate_args(False)
    try:
        d = D.Normal(0.0, -1.0)  # not checked
        assert d.scale.item() == -1.0
        D.Bernoulli(probs=0.5).log_prob(gg.tensor(0.5))  # not checked either
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="constraint"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


@pytest.mark.parametrize("tname,p", [
    ("Categorical", [[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]]),
    ("OneHotCategorical", [[0.0, 0.3, 0.7]]),
    ("Bernoulli", [0.0, 1.0, 0.4]),
])
def test_zero_probabilities_match_torch_without_nan(tname, p):
    gp = gg.tensor(p, dtype=gg.float64, requires_grad=True)
    tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    g, t = getattr(D, tname)(probs=gp), getattr(TD, tname)(probs=tp)
    _compare(g.entropy(), t.entropy(), [gp], [tp], _rng(16), tol=1e-9)  # grads: no nan
    gp2 = gg.tensor(p, dtype=gg.float64, requires_grad=True)
    tp2 = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    v = g.sample((3,), generator=_seeded(18)).numpy()
    _compare(getattr(D, tname)(probs=gp2).log_prob(gg.tensor(v)),
             getattr(TD, tname)(probs=tp2).log_prob(torch.tensor(v)), [gp2], [tp2], _rng(17),
             tol=1e-9)
