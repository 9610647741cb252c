"""nn.init: gains and fans equal torch's; distributions checked statistically on large
tensors (the random streams differ); in-place, seeded, and the layers' default init."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn import init
from torch_ref import torch

NONLINEARITIES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
                  ("conv_transpose1d", None), ("conv_transpose2d", None),
                  ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                  ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1),
                  ("leaky_relu", math.sqrt(5)), ("selu", None)]


@pytest.mark.parametrize("name,param", NONLINEARITIES)
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="nonlinearity 'softsign'; use one of linear, conv1d"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 3), (6, 2, 5), (4, 1, 1, 7)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(gg.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(gg.zeros(4))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(gg.zeros(3, 3), mode="fan_avg")


def _big(*shape):
    return nn.Parameter(gg.zeros(*shape))


def _check_uniform(t, bound):
    d = t.data.astype(np.float64)
    assert d.min() >= -bound and d.max() <= bound
    assert d.max() > 0.99 * bound and d.min() < -0.99 * bound
    assert abs(d.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(d.mean()) < 0.01 * bound


def _check_normal(t, std, mean=0.0):
    d = t.data.astype(np.float64)
    assert abs(d.std() - std) < 0.01 * std
    assert abs(d.mean() - mean) < 0.01 * std + 1e-12


def test_plain_fills():
    gg.manual_seed(0)
    t = _big(400, 500)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t.data.min() >= -2 and t.data.max() <= 3 and abs(t.data.mean() - 0.5) < 0.02
    _check_normal(init.normal_(t, 1.5, 0.5), 0.5, mean=1.5)
    assert (init.constant_(t, 0.25).data == 0.25).all()
    assert not init.zeros_(t).data.any() and (init.ones_(t).data == 1).all()
    np.testing.assert_array_equal(init.eye_(_big(3, 4)).data, np.eye(3, 4))
    tn = init.trunc_normal_(t, std=1.0, a=-1.0, b=0.5)
    assert tn.data.min() >= -1.0 and tn.data.max() <= 0.5


def test_orthogonal():
    gg.manual_seed(1)
    for shape in [(3, 5), (6, 2), (4, 2, 3)]:
        w = init.orthogonal_(_big(*shape), gain=2.0).data.reshape(shape[0], -1)
        small = min(w.shape)
        gram = w @ w.T if w.shape[0] == small else w.T @ w
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


@pytest.mark.parametrize("shape", [(300, 400), (64, 32, 3, 3)])
def test_xavier(shape):
    gg.manual_seed(2)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(gg.zeros(*shape))
    std = 1.5 * math.sqrt(2.0 / (fan_in + fan_out))
    _check_uniform(init.xavier_uniform_(_big(*shape), gain=1.5), math.sqrt(3) * std)
    _check_normal(init.xavier_normal_(_big(*shape), gain=1.5), std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("a,nonlinearity", [(0, "relu"), (math.sqrt(5), "leaky_relu"),
                                            (0, "leaky_relu"), (0, "tanh")])
def test_kaiming(mode, a, nonlinearity):
    gg.manual_seed(3)
    shape = (128, 32, 3, 3)
    fan = 32 * 9 if mode == "fan_in" else 128 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    _check_uniform(init.kaiming_uniform_(_big(*shape), a, mode, nonlinearity),
                   math.sqrt(3) * std)
    _check_normal(init.kaiming_normal_(_big(*shape), a, mode, nonlinearity), std)


def test_init_is_in_place_outside_autograd_and_seeded():
    p = nn.Parameter(gg.zeros(50, 40))
    v = p._version[0]
    gg.manual_seed(7)
    out = init.kaiming_uniform_(p, a=1.0)
    assert out is p and p.requires_grad and p.grad_fn is None and p._version[0] == v + 1
    first = p.detach().numpy().copy()
    gg.manual_seed(7)
    init.kaiming_uniform_(p, a=1.0)
    np.testing.assert_array_equal(p.data, first)
    init.normal_(p, generator=np.random.default_rng(0))
    assert not np.array_equal(p.data, first)
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(gg.zeros(0, 3))


# ------------------------------------------------------------------------------ layer defaults
def test_linear_and_conv_default_init_match_torchs_distribution():
    gg.manual_seed(4)
    lin = nn.Linear(400, 300)
    _check_uniform(lin.weight, 1 / math.sqrt(400))
    b = lin.bias.data
    assert b.min() >= -1 / 20 and b.max() <= 1 / 20 and b.std() > 0.5 / 20 / math.sqrt(3)
    conv = nn.Conv2d(16, 64, (3, 5), groups=2)
    fan_in = 8 * 15
    assert conv.weight.shape == (64, 8, 3, 5)
    _check_uniform(conv.weight, 1 / math.sqrt(fan_in))
    assert np.abs(conv.bias.data).max() <= 1 / math.sqrt(fan_in)
    assert lin.weight.dtype == conv.weight.dtype == np.float32


def test_norm_layers_default_init():
    for m in (nn.BatchNorm2d(5), nn.LayerNorm((2, 3))):
        assert (m.weight.data == 1).all() and not m.bias.data.any()
    bn = nn.BatchNorm1d(3)
    assert not bn.running_mean.data.any() and (bn.running_var.data == 1).all()
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 4, 3, 3), 2),
                                           ((2, 3, 3, 3, 3), 1), ((3, 5, 1), 1), ((8, 2, 3), 4)])
def test_dirac_is_the_convolution_identity(shape, groups):
    w = init.dirac_(gg.zeros(*shape), groups)
    if torch is not None:
        ref = torch.nn.init.dirac_(torch.zeros(*shape), groups)
        np.testing.assert_array_equal(w.numpy(), ref.numpy())
    if shape == (4, 4, 3):  # conv1d with it returns its input
        x = gg.randn(1, 4, 7)
        np.testing.assert_allclose(gg.nn.functional.conv1d(x, w, padding=1).numpy(), x.numpy(),
                                   rtol=1e-6)
    with pytest.raises(ValueError, match="3, 4, or 5"):
        init.dirac_(gg.zeros(3, 3))


def test_sparse_zeroes_a_fraction_of_each_column():
    gg.manual_seed(0)
    w = init.sparse_(gg.zeros(10, 400), 0.3, std=0.5)
    zeros = (w.numpy() == 0).sum(0)
    assert (zeros == 3).all()  # ceil(0.3 * 10) rows in every column
    nonzero = w.numpy()[w.numpy() != 0]
    assert abs(nonzero.std() - 0.5) < 0.03 and abs(nonzero.mean()) < 0.03
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(gg.zeros(3), 0.1)
