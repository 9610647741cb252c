"""A small DCGAN on real MNIST digits (14x14): it learns, and one step matches torch in float64.

Generator: ConvTranspose2d + BatchNorm2d + ReLU + Tanh. Discriminator: Conv2d + LeakyReLU +
BatchNorm2d + Sigmoid, trained with BCELoss and Adam(lr=2e-4, betas=(0.5, 0.999)) as in the
DCGAN paper. The digits come from ../shared/data/mnist (the test skips without them).
"""

from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.data.mnist import load_mnist
from glassgrad.optim.adam import Adam
from torch_ref import torch

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
NZ = 16
BATCH = 32


def _digits(n=512):
    """``n`` test-split digits, 2x2-mean-pooled to 14x14 and scaled to [-1, 1], float32."""
    try:
        images, _ = load_mnist(SHARED, train=False)
    except FileNotFoundError as e:
        pytest.skip(f"MNIST files not found in {SHARED}: {e}")
    x = images[:n].astype(np.float32) / 255.0
    x = x.reshape(n, 14, 2, 14, 2).mean(axis=(2, 4))
    return (x * 2.0 - 1.0)[:, None]


def _generator(t=nn):
    return t.Sequential(
        t.ConvTranspose2d(NZ, 32, 7, 1, 0, bias=False),  # (N, 32, 7, 7)
        t.BatchNorm2d(32), t.ReLU(True),
        t.ConvTranspose2d(32, 1, 4, 2, 1, bias=False),   # (N, 1, 14, 14)
        t.Tanh())


def _discriminator(t=nn):
    return t.Sequential(
        t.Conv2d(1, 16, 4, 2, 1, bias=False),            # (N, 16, 7, 7)
        t.LeakyReLU(0.2, True),
        t.Conv2d(16, 32, 3, 2, 1, bias=False),           # (N, 32, 4, 4)
        t.BatchNorm2d(32), t.LeakyReLU(0.2, True),
        t.Conv2d(32, 1, 4, 1, 0, bias=False),            # (N, 1, 1, 1)
        t.Flatten(), t.Sigmoid())


def _d_loss(D, G, real, z, bce):
    n = real.shape[0]
    fake = G(z).detach()
    return bce(D(real), gg.ones(n, 1)) + bce(D(fake), gg.zeros(n, 1))


def test_dcgan_learns_on_mnist():
    data = _digits()
    gg.manual_seed(0)
    G, D = _generator(), _discriminator()
    bce = nn.BCELoss()
    opt_g = Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    fixed_real = gg.tensor(data[:BATCH])
    fixed_z = gg.randn(BATCH, NZ, 1, 1)
    with gg.no_grad():
        d_start = _d_loss(D, G, fixed_real, fixed_z, bce).item()
        g_start = G(fixed_z).numpy().copy()
    assert np.isfinite(d_start) and 1.0 < d_start < 2.0  # about 2 log 2 for an untrained D

    rng = np.random.default_rng(0)
    ones, zeros = gg.ones(BATCH, 1), gg.zeros(BATCH, 1)
    for _ in range(60):
        real = gg.tensor(data[rng.choice(len(data), BATCH, replace=False)])
        fake = G(gg.randn(BATCH, NZ, 1, 1))
        opt_d.zero_grad()
        loss_d = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        loss_g = bce(D(fake), ones)
        loss_g.backward()
        opt_g.step()
        assert np.isfinite(loss_d.item()) and np.isfinite(loss_g.item())

    with gg.no_grad():
        d_end = _d_loss(D, G, fixed_real, fixed_z, bce).item()
        g_end = G(fixed_z).numpy()
    # seed 0 goes from 1.24 to 0.82; over seeds 0-4, 60 steps cut it by 19-34%
    assert d_end < 0.85 * d_start, (d_start, d_end)
    assert np.isfinite(g_end).all() and g_end.dtype == np.float32
    assert np.abs(g_end).max() <= 1.0  # Tanh keeps images in [-1, 1]
    assert np.abs(g_end - g_start).mean() > 1e-2  # the generator moved
    for p in list(G.parameters()) + list(D.parameters()):
        assert np.isfinite(p.data).all()


def test_dcgan_step_matches_torch_float64():
    if torch is None:
        pytest.skip("torch is not installed")
    data = _digits(8)
    gg.manual_seed(1)
    G, D = _generator().double(), _discriminator().double()
    tG, tD = _generator(torch.nn).double(), _discriminator(torch.nn).double()
    for ours, theirs in ((G, tG), (D, tD)):
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()},
                               strict=True)
    real = data.astype(np.float64)
    z = np.random.default_rng(2).standard_normal((8, NZ, 1, 1))
    ones, zeros = np.ones((8, 1)), np.zeros((8, 1))

    # one discriminator+generator forward/backward: D on real and fake, G's loss through D
    fake = G(gg.tensor(z))
    loss = (nn.BCELoss()(D(gg.tensor(real)), gg.tensor(ones))
            + nn.BCELoss()(D(fake), gg.tensor(zeros)) + nn.BCELoss()(D(fake), gg.tensor(ones)))
    loss.backward()
    tfake = tG(torch.tensor(z))
    tbce = torch.nn.BCELoss()
    tloss = (tbce(tD(torch.tensor(real)), torch.tensor(ones))
             + tbce(tD(tfake), torch.tensor(zeros)) + tbce(tD(tfake), torch.tensor(ones)))
    tloss.backward()

    np.testing.assert_allclose(fake.detach().numpy(), tfake.detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-10)
    for ours, theirs in ((G, tG), (D, tD)):
        tparams = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=name)
        tbufs = dict(theirs.named_buffers())
        for name, b in ours.named_buffers():  # running stats after the train-mode forwards
            np.testing.assert_allclose(b.numpy(), tbufs[name].numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=name)
