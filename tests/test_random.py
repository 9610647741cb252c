"""Random generators: gg.Generator's API, generator= on every random function, reproducible
streams, the distributions (checked statistically on large seeded draws: the streams differ
from torch's), torch's errors, and the zero gradient of a draw."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad import random as gg_random
from glassgrad.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    train_val_split,
)
from glassgrad.nn import init
from torch_ref import torch


def _arr(x):
    if isinstance(x, gg.Tensor):
        return x.detach().numpy().copy()
    if isinstance(x, list):
        return np.concatenate([_arr(b).ravel() for b in x]) if x else np.zeros(0)
    if isinstance(x, tuple):
        return np.concatenate([_arr(b).ravel() for b in x])
    return np.asarray(x).copy()


# ------------------------------------------------------------------------------ Generator
def test_generator_manual_seed_returns_self_and_repeats():
    g = gg.Generator()
    assert g.manual_seed(7) is g
    a = gg.randn(5, generator=g)
    b = gg.randn(5, generator=gg.Generator().manual_seed(7))
    assert np.array_equal(a.numpy(), b.numpy())
    c = gg.randn(5, generator=g)  # the stream goes on
    assert not np.array_equal(a.numpy(), c.numpy())
    assert g.initial_seed() == 7
    assert g.device == gg.device("cpu")


def test_generator_default_seed_matches_torch():
    assert gg.Generator().initial_seed() == 67280421310721
    assert gg.Generator().initial_seed() == torch.Generator().initial_seed()


@pytest.mark.parametrize("seed", [0, 1, -1, -(2**63), 2**64 - 1, 2**40 + 3])
def test_seed_range_matches_torch(seed):
    g = gg.Generator().manual_seed(seed)
    assert g.initial_seed() == torch.Generator().manual_seed(seed).initial_seed()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_seed_out_of_range_raises(seed):
    with pytest.raises(ValueError, match="out of range"):
        gg.Generator().manual_seed(seed)
    with pytest.raises((ValueError, RuntimeError)):
        torch.Generator().manual_seed(seed)


def test_seed_types():
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        gg.Generator().manual_seed(1.5)
    assert gg.manual_seed(1.7).initial_seed() == torch.manual_seed(1.7).initial_seed() == 1
    assert gg.manual_seed(np.int64(5)).initial_seed() == 5


def test_seed_is_nondeterministic_and_reproducible():
    g = gg.Generator()
    s1 = g.seed()
    a = gg.rand(4, generator=g)
    s2 = g.seed()
    assert isinstance(s1, int) and 0 <= s1 < 2**64 and s1 != s2
    assert g.initial_seed() == s2
    assert np.array_equal(gg.rand(4, generator=gg.Generator().manual_seed(s1)).numpy(),
                          a.numpy())


def test_get_state_set_state_round_trip_exactly():
    g = gg.Generator().manual_seed(3)
    gg.rand(3, generator=g)
    state = g.get_state()
    assert isinstance(state, gg.Tensor) and state.dtype == gg.uint8 and state.ndim == 1
    a = [gg.randn(4, generator=g), gg.randint(0, 100, (5,), generator=g),
         gg.rand(2, generator=g)]
    g.manual_seed(99)  # a different seed and position
    g.set_state(state)
    assert g.initial_seed() == 3
    b = [gg.randn(4, generator=g), gg.randint(0, 100, (5,), generator=g),
         gg.rand(2, generator=g)]
    for x, y in zip(a, b):
        assert np.array_equal(x.numpy(), y.numpy())


def test_get_state_is_a_copy():
    g = gg.Generator().manual_seed(1)
    state = g.get_state()
    before = state.numpy().copy()
    gg.rand(10, generator=g)
    assert np.array_equal(state.numpy(), before)
    assert not np.array_equal(g.get_state().numpy(), before)


def test_state_saves_with_gg_save(tmp_path):
    g = gg.Generator().manual_seed(11)
    path = tmp_path / "rng.safetensors"
    gg.save({"rng": g.get_state(), "default": gg.get_rng_state()}, path)
    want = gg.rand(6, generator=g)
    back = gg.load(path)
    g2 = gg.Generator().set_state(back["rng"])
    assert np.array_equal(gg.rand(6, generator=g2).numpy(), want.numpy())
    gg.set_rng_state(back["default"])


def test_set_state_errors():
    g = gg.Generator()
    with pytest.raises(TypeError, match="uint8 Tensor from get_state"):
        g.set_state([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"expected a uint8 tensor of shape \(49,\).*float32"):
        g.set_state(gg.zeros(49))
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        g.set_state(gg.zeros(3, dtype=gg.uint8))
    with pytest.raises(RuntimeError, match="header"):
        g.set_state(gg.zeros(49, dtype=gg.uint8))


def test_default_generator_functions():
    g = gg.manual_seed(5)
    assert isinstance(g, gg.Generator) and gg.initial_seed() == 5
    a = gg.rand(3)
    gg.manual_seed(5)
    assert np.array_equal(gg.rand(3).numpy(), a.numpy())
    state = gg.get_rng_state()
    b = gg.randn(3)
    gg.set_rng_state(state)
    assert np.array_equal(gg.randn(3).numpy(), b.numpy())
    s = gg.seed()
    assert gg.initial_seed() == s


def test_set_rng_state_accepts_an_older_checkpoints_dict():
    gg.manual_seed(4)
    legacy = gg_random.default_generator().bit_generator.state  # what checkpoints held
    a = gg.rand(3)
    gg.manual_seed(8)
    gg.set_rng_state(legacy)
    assert np.array_equal(gg.rand(3).numpy(), a.numpy())


def test_fork_rng_restores_the_default_state():
    gg.manual_seed(2)
    with gg.random.fork_rng():
        gg.rand(100)
    a = gg.rand(3)
    gg.manual_seed(2)
    assert np.array_equal(gg.rand(3).numpy(), a.numpy())


def test_a_generator_does_not_touch_the_default_stream():
    gg.manual_seed(0)
    state = gg.get_rng_state().numpy().copy()
    gg.randn(10, generator=gg.Generator().manual_seed(1))
    assert np.array_equal(gg.get_rng_state().numpy(), state)


def test_generator_type_is_checked():
    with pytest.raises(TypeError, match="generator must be a gg.Generator"):
        gg.rand(2, generator=3)


# ------------------------------------------------------------------------------ generator=
def _ds(n=10):
    return TensorDataset(gg.arange(n).float(), gg.arange(n))


def _uniform_(g):
    return gg.zeros(20).uniform_(-1, 2, generator=g)


DRAWS = {
    "rand": lambda g: gg.rand(3, 4, generator=g),
    "randn": lambda g: gg.randn(3, 4, generator=g, dtype=gg.float64),
    "randint(high, size)": lambda g: gg.randint(10, (20,), generator=g),
    "randint(low, high, size)": lambda g: gg.randint(-5, 5, (20,), generator=g),
    "randperm": lambda g: gg.randperm(20, generator=g),
    "normal(float, float, size)": lambda g: gg.normal(1.0, 2.0, (10,), generator=g),
    "normal(tensor, tensor)": lambda g: gg.normal(gg.zeros(10), gg.ones(10), generator=g),
    "normal(tensor, float)": lambda g: gg.normal(gg.zeros(10), 3.0, generator=g),
    "normal(float, tensor)": lambda g: gg.normal(2.0, gg.ones(10), generator=g),
    "bernoulli": lambda g: gg.bernoulli(gg.full((30,), 0.5), generator=g),
    "bernoulli(p)": lambda g: gg.bernoulli(gg.zeros(30), 0.3, generator=g),
    "Tensor.bernoulli": lambda g: gg.full((30,), 0.5).bernoulli(generator=g),
    "multinomial": lambda g: gg.multinomial(gg.ones(10), 5, generator=g),
    "multinomial(replacement)": lambda g: gg.ones(2, 10).multinomial(8, True, generator=g),
    "rand_like": lambda g: gg.rand_like(gg.zeros(5), generator=g),
    "randn_like": lambda g: gg.randn_like(gg.zeros(5), generator=g),
    "randint_like": lambda g: gg.randint_like(gg.zeros(20), 3, 9, generator=g),
    "uniform_": _uniform_,
    "normal_": lambda g: gg.zeros(20).normal_(2, 3, generator=g),
    "bernoulli_": lambda g: gg.zeros(30).bernoulli_(0.4, generator=g),
    "random_": lambda g: gg.zeros(20, dtype=gg.int64).random_(0, 1000, generator=g),
    "exponential_": lambda g: gg.zeros(20).exponential_(2.0, generator=g),
    "geometric_": lambda g: gg.zeros(20).geometric_(0.3, generator=g),
    "log_normal_": lambda g: gg.zeros(20).log_normal_(generator=g),
    "cauchy_": lambda g: gg.zeros(20).cauchy_(generator=g),
    "init.uniform_": lambda g: init.uniform_(gg.zeros(20), generator=g),
    "init.normal_": lambda g: init.normal_(gg.zeros(20), generator=g),
    "init.trunc_normal_": lambda g: init.trunc_normal_(gg.zeros(20), generator=g),
    "init.xavier_uniform_": lambda g: init.xavier_uniform_(gg.zeros(4, 5), generator=g),
    "init.kaiming_normal_": lambda g: init.kaiming_normal_(gg.zeros(4, 5), generator=g),
    "init.orthogonal_": lambda g: init.orthogonal_(gg.zeros(4, 5), generator=g),
    "DataLoader": lambda g: list(DataLoader(_ds(), batch_size=3, shuffle=True, generator=g)),
    "RandomSampler": lambda g: list(RandomSampler(range(10), generator=g)),
    "SubsetRandomSampler": lambda g: list(SubsetRandomSampler([1, 5, 7, 9], generator=g)),
    "WeightedRandomSampler": lambda g: list(WeightedRandomSampler([1, 2, 3], 10, generator=g)),
    "train_val_split": lambda g: train_val_split(10, 0.3, generator=g)[1],
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_generator_keyword_gives_reproducible_streams(name):
    draw = DRAWS[name]
    gg.manual_seed(0)
    default_before = gg.get_rng_state().numpy().copy()
    a = _arr(draw(gg.Generator().manual_seed(123)))
    b = _arr(draw(gg.Generator().manual_seed(123)))
    c = _arr(draw(gg.Generator().manual_seed(124)))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.array_equal(gg.get_rng_state().numpy(), default_before)  # untouched


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_default_generator_repeats_after_manual_seed(name):
    draw = DRAWS[name]
    gg.manual_seed(31)
    a = _arr(draw(None))
    gg.manual_seed(31)
    b = _arr(draw(None))
    assert np.array_equal(a, b)


def test_numpy_generators_still_work():
    a = gg.rand(3, generator=np.random.default_rng(2))
    assert np.array_equal(a.numpy(), gg.rand(3, generator=np.random.default_rng(2)).numpy())


def test_dropout_uses_the_default_generator():
    x = gg.ones(100)
    gg.manual_seed(9)
    a = gg.functional.dropout(x, 0.5)
    drop = nn.Dropout(0.5)
    gg.manual_seed(9)
    b = drop(x)
    assert np.array_equal(a.numpy(), b.numpy())
    assert set(np.unique(a.numpy())) == {0.0, 2.0}


def test_layers_initialize_reproducibly():
    gg.manual_seed(1)
    a = nn.Linear(4, 3)
    gg.manual_seed(1)
    b = nn.Linear(4, 3)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


# ------------------------------------------------------------------------------ distributions
N = 200_000


def _g(seed=0):
    return gg.Generator().manual_seed(seed)


@pytest.mark.parametrize("dtype", [gg.float16, gg.float32, gg.float64])
def test_rand_is_uniform_on_0_1(dtype):
    x = gg.rand(N, generator=_g(), dtype=dtype)
    assert x.dtype == dtype
    d = x.numpy().astype(np.float64)
    assert d.min() >= 0 and d.max() < 1
    assert abs(d.mean() - 0.5) < 0.005 and abs(d.var() - 1 / 12) < 0.002


def test_unit_uniform_never_rounds_up_to_one():
    class One:  # a generator whose float64 draws round to 1.0 in float32 and float16
        def random(self, shape):
            return np.full(shape, 1 - 2.0**-40)

    for dt in (gg.float16, gg.float32):
        u = gg_random.unit_uniform(One(), (3,), dt)
        assert u.dtype == dt and np.all(u < 1)


def test_randn_and_normal_moments():
    d = gg.randn(N, generator=_g(), dtype=gg.float64).numpy()
    assert abs(d.mean()) < 0.01 and abs(d.std() - 1) < 0.01
    mean = gg.tensor([-3.0, 0.0, 5.0]).reshape(3, 1)
    std = gg.tensor([0.5, 1.0, 2.0]).reshape(3, 1)
    x = gg.normal(mean.expand(3, N // 10), std.expand(3, N // 10), generator=_g(1)).numpy()
    np.testing.assert_allclose(x.mean(1), [-3, 0, 5], atol=0.05)
    np.testing.assert_allclose(x.std(1), [0.5, 1, 2], rtol=0.02)
    y = gg.normal(2.0, 3.0, (N,), generator=_g(2)).numpy()
    assert abs(y.mean() - 2) < 0.03 and abs(y.std() - 3) < 0.03


def test_normal_forms_shapes_and_dtypes_match_torch():
    cases = [
        (lambda m: m.normal(m.zeros(2, 1), m.ones(3)), None),
        (lambda m: m.normal(m.zeros(4, dtype=m.float64), 1.0), None),
        (lambda m: m.normal(2.0, m.ones(2, dtype=m.float64)), None),
        (lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)), None),
        (lambda m: m.normal(0.0, 1.0, (2, 3)), None),
        (lambda m: m.normal(0.0, 1.0, (2,), dtype=m.float64), None),
    ]
    for make, _ in cases:
        ours, ref = make(gg), make(torch)
        assert tuple(ours.shape) == tuple(ref.shape)
        assert str(ours.dtype) == str(ref.dtype).removeprefix("torch.")


def test_normal_errors():
    with pytest.raises(RuntimeError, match="std >= 0.0, but found std -1"):
        gg.normal(gg.zeros(2), -1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0, but found std -1"):
        gg.normal(gg.zeros(2), gg.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="pass size too"):
        gg.normal(0.0, 1.0)
    with pytest.raises(TypeError, match="floating point"):
        gg.normal(gg.zeros(2, dtype=gg.int64), 1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        gg.zeros(3).normal_(0, -1)
    for call in (lambda m: m.normal(m.zeros(2), -1.0), lambda m: m.normal(0.0, 1.0)):
        with pytest.raises((RuntimeError, TypeError)):
            call(torch)


def test_bernoulli_frequencies_and_dtype():
    p = gg.tensor([0.0, 0.1, 0.5, 0.9, 1.0], dtype=gg.float64).reshape(5, 1).expand(5, N // 5)
    x = gg.bernoulli(p, generator=_g())
    assert x.dtype == gg.float64 and set(np.unique(x.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(x.numpy().mean(1), [0, 0.1, 0.5, 0.9, 1], atol=0.01)
    y = gg.bernoulli(gg.zeros(N, dtype=gg.int64), 0.25, generator=_g(1))
    assert y.dtype == gg.int64 and abs(y.numpy().mean() - 0.25) < 0.01
    z = gg.zeros(N).bernoulli_(gg.full((N,), 0.7), generator=_g(2))
    assert abs(z.numpy().mean() - 0.7) < 0.01
    b = gg.zeros(N, dtype=gg.bool).bernoulli_(0.5, generator=_g(3))
    assert b.dtype == gg.bool and abs(b.numpy().mean() - 0.5) < 0.01


def test_bernoulli_errors():
    with pytest.raises(RuntimeError, match=r"probabilities must be in \[0, 1\], but got 1.5"):
        gg.bernoulli(gg.tensor([0.5, 1.5]))
    with pytest.raises(RuntimeError, match="must be in"):
        gg.bernoulli(gg.tensor([float("nan")]))
    with pytest.raises(RuntimeError, match="but got 1.5"):
        gg.bernoulli(gg.zeros(2), 1.5)
    with pytest.raises(TypeError, match="floating point"):
        gg.bernoulli(gg.tensor([1, 0]))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        gg.zeros(3).bernoulli_(gg.full((2,), 0.5))
    with pytest.raises(RuntimeError, match="p_in >= 0"):
        torch.bernoulli(torch.tensor([1.5]))


def _chi2_ok(counts, probs):
    """Pearson's chi-square statistic within a very safe bound of its degrees of freedom."""
    expected = probs * counts.sum()
    stat = ((counts - expected) ** 2 / expected).sum()
    dof = len(counts) - 1
    return stat < dof + 6 * math.sqrt(2 * dof) + 10


def test_multinomial_with_replacement_frequencies():
    p = np.array([0.1, 0.0, 0.2, 0.3, 0.4])
    x = gg.multinomial(gg.tensor(p * 7), N, replacement=True, generator=_g())  # unnormalized
    assert x.dtype == gg.int64 and x.shape == (N,)
    counts = np.bincount(x.numpy(), minlength=5)
    assert counts[1] == 0
    nz = p > 0
    assert _chi2_ok(counts[nz], p[nz])


def test_multinomial_without_replacement():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    rows = 40_000
    x = gg.multinomial(gg.tensor(np.tile(p, (rows, 1))), 2, generator=_g()).numpy()
    assert x.shape == (rows, 2) and np.all(x[:, 0] != x[:, 1])
    # first draw ~ p; the second draw j after i ~ p_j / (1 - p_i)
    assert _chi2_ok(np.bincount(x[:, 0], minlength=4), p)
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j)
                       for j in range(4)])
    assert _chi2_ok(np.bincount(x[:, 1], minlength=4), second)
    full = gg.multinomial(gg.tensor(p), 4, generator=_g(1)).numpy()
    assert sorted(full) == [0, 1, 2, 3]


def test_multinomial_zero_probabilities_come_last():
    x = gg.multinomial(gg.tensor([0.0, 0.5, 0.0, 0.5]), 4, generator=_g())
    assert set(x.numpy()[:2]) == {1, 3}
    assert set(x.numpy()[2:]) == {0, 2}


def test_multinomial_shapes_match_torch():
    for probs, k, rep in [(np.ones(5), 3, False), (np.ones((2, 5)), 7, True),
                          (np.ones((0, 3)), 2, False), (np.ones(3), 1, False)]:
        ours = gg.multinomial(gg.tensor(probs), k, rep)
        ref = torch.multinomial(torch.tensor(probs), k, rep)
        assert tuple(ours.shape) == tuple(ref.shape) and ours.dtype == gg.int64


MULTINOMIAL_ERRORS = [
    ([0.5, -0.1], 1, False, "contains either `inf`, `nan` or element < 0"),
    ([0.5, float("nan")], 1, False, "contains either `inf`, `nan` or element < 0"),
    ([0.5, float("inf")], 1, False, "contains either `inf`, `nan` or element < 0"),
    ([0.0, 0.0], 1, False, r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
    ([[1.0, 1.0], [0.0, 0.0]], 1, True, "sum of probabilities <= 0"),
    ([0.5, 0.5], 3, False, "cannot sample n_sample > prob_dist.size"),
    ([0.5, 0.5], 0, False, "cannot sample n_sample <= 0 samples"),
    ([0.5, 0.5], -1, True, "cannot sample n_sample <= 0 samples"),
    (0.5, 1, False, "prob_dist must be 1 or 2 dim"),
    (np.ones((2, 2, 2)), 1, False, "prob_dist must be 1 or 2 dim"),
]


@pytest.mark.parametrize("probs,k,rep,msg", MULTINOMIAL_ERRORS)
def test_multinomial_errors_match_torch(probs, k, rep, msg):
    with pytest.raises(RuntimeError, match=msg):
        gg.multinomial(gg.tensor(probs), k, rep)
    with pytest.raises(RuntimeError, match=msg):
        torch.multinomial(torch.tensor(probs), k, rep)


def test_multinomial_needs_floats():
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        gg.multinomial(gg.tensor([1, 2]), 1)
    with pytest.raises(TypeError, match="num_samples must be an int"):
        gg.multinomial(gg.ones(3), 1.5)


def test_randint_forms_range_and_uniformity():
    g = _g()
    a = gg.randint(6, (N,), generator=g)
    assert a.dtype == gg.int64 and a.shape == (N,)
    assert _chi2_ok(np.bincount(a.numpy(), minlength=6), np.full(6, 1 / 6))
    b = gg.randint(-3, 2, (4, 5), generator=g).numpy()
    assert b.min() >= -3 and b.max() < 2
    c = gg.randint(low=2, high=4, size=(50,), generator=g)
    assert set(np.unique(c.numpy())) == {2, 3}
    d = gg.randint(10, size=(3,), dtype=gg.float32)
    assert d.dtype == gg.float32
    e = gg.randint(0, 2, (10,), dtype=gg.bool)
    assert e.dtype == gg.bool


def test_randint_errors_match_torch():
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        gg.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        torch.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="size must be a tuple"):
        gg.randint(3, 10)
    with pytest.raises(TypeError):
        torch.randint(3, 10)
    with pytest.raises(TypeError, match="size must be a tuple"):
        gg.randint(0, 10, 5)
    with pytest.raises(TypeError):
        torch.randint(0, 10, 5)
    with pytest.raises(RuntimeError, match="out of bounds for uint8"):
        gg.randint(0, 300, (3,), dtype=gg.uint8)
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.randint(0, 300, (3,), dtype=torch.uint8)
    with pytest.raises(TypeError, match="high must be an int"):
        gg.randint(0, 2.5, (3,))


def test_randperm():
    p = gg.randperm(50, generator=_g())
    assert p.dtype == gg.int64 and sorted(p.numpy()) == list(range(50))
    assert gg.randperm(0).shape == (0,)
    assert gg.randperm(4, dtype=gg.float32).dtype == gg.float32
    with pytest.raises(RuntimeError, match="non-negative, got -1"):
        gg.randperm(-1)
    firsts = np.array([gg.randperm(4, generator=_g(s)).numpy()[0] for s in range(2000)])
    assert _chi2_ok(np.bincount(firsts, minlength=4), np.full(4, 0.25))


def test_like_functions_keep_shape_and_dtype():
    x = gg.zeros(2, 3, dtype=gg.float64)
    for f in (gg.rand_like, gg.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == gg.float64
    assert gg.randint_like(gg.zeros(4, dtype=gg.int32), 5).dtype == gg.int32
    r = gg.randint_like(gg.zeros(1000), 3, 5).numpy()
    assert set(np.unique(r)) == {3.0, 4.0}
    with pytest.raises(TypeError, match="not a floating point dtype"):
        gg.randn_like(gg.zeros(3, dtype=gg.int64))
    with pytest.raises(TypeError, match="not a floating point dtype"):
        gg.rand(2, dtype=gg.int64)


def test_uniform_exponential_geometric_lognormal_cauchy():
    u = gg.zeros(N, dtype=gg.float64).uniform_(-2, 4, generator=_g()).numpy()
    assert u.min() >= -2 and u.max() < 4 and abs(u.mean() - 1) < 0.02
    e = gg.zeros(N, dtype=gg.float64).exponential_(4.0, generator=_g(1)).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.005
    geo = gg.zeros(N, dtype=gg.int64).geometric_(0.25, generator=_g(2)).numpy()
    assert geo.min() >= 1 and abs(geo.mean() - 4) < 0.05
    ln = gg.zeros(N, dtype=gg.float64).log_normal_(0.5, 0.25, generator=_g(3)).numpy()
    assert abs(np.log(ln).mean() - 0.5) < 0.005 and abs(np.log(ln).std() - 0.25) < 0.005
    c = gg.zeros(N, dtype=gg.float64).cauchy_(1.0, 2.0, generator=_g(4)).numpy()
    assert abs(np.median(c) - 1.0) < 0.05
    assert abs(np.percentile(c, 75) - np.percentile(c, 25) - 4.0) < 0.1  # IQR = 2 sigma


def test_random_ranges():
    f = gg.zeros(N).random_(generator=_g()).numpy()
    assert f.min() >= 0 and f.max() <= 2**24 and f.max() > 2**23
    assert np.all(f == np.round(f))
    i = gg.zeros(1000, dtype=gg.uint8).random_(generator=_g(1)).numpy()
    assert i.max() > 200
    a = gg.zeros(1000, dtype=gg.int64).random_(7, generator=_g(2)).numpy()
    assert set(np.unique(a)) == set(range(7))
    b = gg.zeros(1000).random_(-3, 3, generator=_g(3)).numpy()
    assert set(np.unique(b)) == set(range(-3, 3))
    big = gg.zeros(1000, dtype=gg.int64).random_(generator=_g(4)).numpy()
    assert big.min() >= 0 and big.max() > 2**60
    flags = gg.zeros(100, dtype=gg.bool).random_(generator=_g(5)).numpy()
    assert flags.any() and not flags.all()


def test_in_place_fill_errors_match_torch():
    with pytest.raises(RuntimeError, match="from=3 >= to=3"):
        gg.zeros(2).random_(3, 3)
    with pytest.raises(RuntimeError, match="to - 1 = 299 is out of bounds for uint8"):
        gg.zeros(2, dtype=gg.uint8).random_(0, 300)
    with pytest.raises(RuntimeError, match="from=-1 is out of bounds for uint8"):
        gg.zeros(2, dtype=gg.uint8).random_(-1, 3)
    with pytest.raises(RuntimeError, match=r"\[from, to\) range, but found from=2 > to=1"):
        gg.zeros(2).uniform_(2, 1)
    with pytest.raises(RuntimeError, match="lambda > 0.0, but found lambda=0"):
        gg.zeros(2).exponential_(0)
    with pytest.raises(RuntimeError, match="must be a floating point one"):
        gg.zeros(2, dtype=gg.int64).exponential_()
    with pytest.raises(RuntimeError, match=r"p to be in \(0, 1\), but got p=1.5"):
        gg.zeros(2).geometric_(1.5)
    with pytest.raises(TypeError, match="floating point tensor"):
        gg.zeros(2, dtype=gg.int64).uniform_()
    for call, msg in [(lambda: torch.zeros(2).uniform_(2, 1), "found from=2 > to=1"),
                      (lambda: torch.zeros(2).exponential_(0), "lambda > 0.0"),
                      (lambda: torch.zeros(2).random_(3, 3), "from=3 >= to=3"),
                      (lambda: torch.zeros(2).geometric_(1.5), "p=1.5")]:
        with pytest.raises(RuntimeError, match=msg):
            call()


def test_fills_keep_dtype_write_in_place_and_bump_the_version():
    x = gg.zeros(3, 4, dtype=gg.float64)
    base_data, v = x.numpy(), x._version[0]
    assert x.normal_(generator=_g()) is x
    assert x.dtype == gg.float64 and x._version[0] == v + 1
    assert np.shares_memory(x.numpy(), base_data) and np.all(base_data != 0)
    view = x[1]
    view.uniform_(5, 6, generator=_g(1))
    assert np.all((x.numpy()[1] >= 5) & (x.numpy()[1] < 6))  # the view wrote into x
    assert np.all(x.numpy()[0] < 5)


# ------------------------------------------------------------------------------ autograd
def test_normal_and_bernoulli_have_zero_gradients_as_torch():
    m = gg.zeros(3, requires_grad=True)
    s = gg.ones(3, requires_grad=True)
    out = gg.normal(m, s, generator=_g())
    assert out.requires_grad and "Normal" in repr(out.grad_fn)
    (out * gg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert np.array_equal(m.grad.numpy(), np.zeros(3)) and np.array_equal(s.grad.numpy(),
                                                                           np.zeros(3))
    p = gg.full((3,), 0.5, requires_grad=True)
    b = p.bernoulli(generator=_g())
    assert b.requires_grad
    b.sum().backward()
    assert np.array_equal(p.grad.numpy(), np.zeros(3))

    tm = torch.zeros(3, requires_grad=True)
    ts = torch.ones(3, requires_grad=True)
    torch.normal(tm, ts).sum().backward()
    assert tm.grad.tolist() == m.grad.tolist() and ts.grad.tolist() == s.grad.tolist()


def test_draws_without_grad_inputs_do_not_require_grad():
    assert not gg.normal(gg.zeros(3), 1.0).requires_grad
    assert not gg.multinomial(gg.ones(3, requires_grad=True), 2).requires_grad
    assert gg.rand(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("fill", ["uniform_", "normal_", "bernoulli_", "random_",
                                  "exponential_", "log_normal_", "cauchy_"])
def test_in_place_fill_of_a_leaf_that_requires_grad(fill):
    w = gg.zeros(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        getattr(w, fill)()
    with gg.no_grad():
        getattr(w, fill)()
    assert w.requires_grad and w.is_leaf
    tw = torch.zeros(4, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(tw, fill)()


def test_in_place_fill_in_the_graph_gives_the_old_values_zero_gradient():
    x = gg.ones(3, requires_grad=True)
    y = x * 2
    y.normal_(generator=_g())
    assert y.requires_grad and "Normal" in repr(y.grad_fn)
    (y * y).sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(3))
    tx = torch.ones(3, requires_grad=True)
    ty = tx * 2
    ty.normal_()
    (ty * ty).sum().backward()
    assert tx.grad.tolist() == x.grad.tolist()


def test_in_place_fill_of_part_of_a_tensor_in_the_graph():
    x = gg.ones(2, 3, requires_grad=True)
    y = x * 3
    y[0].uniform_(generator=_g())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [3, 3, 3]])
    tx = torch.ones(2, 3, requires_grad=True)
    ty = tx * 3
    ty[0].uniform_()
    ty.sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), x.grad.numpy())


# ------------------------------------------------------------------------------ samplers
def test_dataloader_shuffles_with_a_generator_each_epoch():
    ds = _ds(12)
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(5))
    e1 = np.concatenate([y.numpy() for _, y in loader])
    e2 = np.concatenate([y.numpy() for _, y in loader])
    assert sorted(e1) == list(range(12)) and not np.array_equal(e1, e2)
    again = DataLoader(ds, batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(5))
    assert np.array_equal(np.concatenate([y.numpy() for _, y in again]), e1)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(DataLoader(ds).sampler, SequentialSampler)


def test_dataloader_with_samplers():
    ds = _ds(10)
    w = WeightedRandomSampler([0, 0, 1, 0, 0, 0, 0, 0, 0, 1], 6, generator=_g())
    loader = DataLoader(ds, batch_size=4, sampler=w)
    batches = [y.numpy() for _, y in loader]
    assert len(loader) == 2 and [len(b) for b in batches] == [4, 2]
    assert set(np.concatenate(batches)) <= {2, 9}
    bs = BatchSampler(SequentialSampler(range(7)), 3, drop_last=True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5]] and len(bs) == 2
    loader = DataLoader(ds, batch_sampler=[[9, 0], [3]])
    assert [y.tolist() for _, y in loader] == [[9, 0], [3]]
    assert loader.batch_size is None
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=w, shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=bs)


def test_dataloader_accepts_worker_arguments():
    loader = DataLoader(_ds(6), batch_size=2, num_workers=2, pin_memory=True,
                        persistent_workers=True)
    assert [y.tolist() for _, y in loader] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(_ds(), num_workers=-1)


def test_random_sampler_options():
    s = RandomSampler(range(5), num_samples=12, generator=_g())
    idx = list(s)
    assert len(s) == 12 and len(idx) == 12
    assert sorted(idx[:5]) == list(range(5)) and sorted(idx[5:10]) == list(range(5))
    r = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=_g(1)))
    assert set(r) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    assert sorted(SubsetRandomSampler([4, 8, 15], generator=_g())) == [4, 8, 15]
