"""Elementwise ops beyond the registry checks: hardtanh and relu6 (functions and modules),
clamp_min and clamp_max, and their errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad import nn
from torch_ref import torch  # None where torch is not installed

X = [-7.0, -1.0, -0.25, 0.0, 0.5, 1.0, 3.0, 6.0, 9.0]


def _grad(fn, values):
    x = gg.tensor(np.array(values), requires_grad=True)
    y = fn(x)
    (y * gg.tensor(np.arange(1.0, len(values) + 1))).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def test_hardtanh_and_relu6_values_and_strict_mask():
    y, g = _grad(F.relu6, X)
    np.testing.assert_array_equal(y, [0, 0, 0, 0, 0.5, 1, 3, 6, 6])
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 5, 6, 7, 0, 0])  # none at 0 or 6
    y, g = _grad(lambda x: F.hardtanh(x, -1.0, 3.0), X)
    np.testing.assert_array_equal(y, [-1, -1, -0.25, 0, 0.5, 1, 3, 3, 3])
    np.testing.assert_array_equal(g, [0, 0, 3, 4, 5, 6, 0, 0, 0])


@pytest.mark.parametrize("make", [lambda m: m.Hardtanh(), lambda m: m.Hardtanh(-2.0, 0.5),
                                  lambda m: m.ReLU6(), lambda m: m.ReLU6(inplace=True)])
def test_hardtanh_modules_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = gg.tensor(np.array(X), requires_grad=True)
    xt = torch.tensor(np.array(X), requires_grad=True)
    w = np.arange(1.0, len(X) + 1)
    y, yt = ours(x * 1), theirs(xt * 1)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    (y * gg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_hardtanh_keeps_integer_tensors_integer():
    out = F.hardtanh(gg.tensor([1, 2, -3]))
    assert out.dtype == gg.int64 and out.tolist() == [1, 1, -1]


def test_hardtanh_bounds_are_checked():
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) cannot be greater"):
        F.hardtanh(gg.ones(2), 2.0, 1.0)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_clamp_min_and_max():
    x = gg.tensor([-1.0, 0.5, 2.0])
    assert gg.clamp_min(x, 0.0).tolist() == [0.0, 0.5, 2.0]
    assert x.clamp_max(1.0).tolist() == [-1.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match="at least one of min and max"):
        gg.clamp(x)


def test_inplace_functionals_need_a_tensor():
    with pytest.raises(TypeError, match="relu_: inplace=True needs a Tensor"):
        F.relu(np.ones(3), inplace=True)
