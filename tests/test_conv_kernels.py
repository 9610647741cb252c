"""Convolution kernels against torch.nn.functional, forward and every gradient (the pools
are tested in test_pooling_more.py).

The kernel module is loaded from their file paths (importlib), so these tests run whether
or not the glassgrad package imports. Upstream gradients are random, never ones, so a missing
flip or transpose cannot pass.
"""

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from torch_ref import torch  # None where torch is not installed

TF = torch.nn.functional if torch is not None else None

_OPS = Path(__file__).resolve().parents[1] / "src/glassgrad/autograd/ops"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, _OPS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


KN = _load("_convnd_kernels")

RTOL, ATOL = 1e-9, 1e-12


def close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def t(a):
    return torch.tensor(a, requires_grad=True)


# ---------------------------------------------------------------------------------------------
# N-d convolution kernels: conv, conv_transpose (its adjoint in x), conv_weight (in w)


def _sym(p):
    return tuple((a, a) for a in p)


def check_conv(x, w, stride, padding, dilation, groups, seed=0):
    """conv forward, and its input and weight gradients as conv_transpose and conv_weight."""
    nd = w.ndim - 2
    tx, tw = t(x), t(w)
    out_t = getattr(TF, f"conv{nd}d")(tx, tw, None, stride, padding, dilation, groups)
    grad = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(grad))
    out = KN.conv(x, w, stride, _sym(padding), dilation, groups)
    assert out.shape == tuple(out_t.shape)
    close(out, out_t)
    close(KN.conv_transpose(grad, w, stride, padding, x.shape[2:], dilation, groups), tx.grad)
    close(KN.conv_weight(x, grad, w.shape[2:], stride, _sym(padding), dilation, groups),
          tw.grad)


GRID = list(itertools.product([1, 2, 3], [0, 1, 2], [1, 2], [1, 2]))  # stride pad dil groups


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("stride, padding, dilation, groups", GRID)
def test_conv2d_kernels_match_torch(stride, padding, dilation, groups, batch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 4, 10, 13))         # non-square input
    w = rng.standard_normal((6, 4 // groups, 3, 2))     # non-square kernel
    check_conv(x, w, (stride,) * 2, (padding,) * 2, (dilation,) * 2, groups)


@pytest.mark.parametrize("stride, padding, dilation, groups", GRID[::3])
def test_conv1d_and_conv3d_kernels_match_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(2)
    check_conv(rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 4 // groups, 3)),
               (stride,), (padding,), (dilation,), groups)
    check_conv(rng.standard_normal((2, 4, 7, 6, 8)),
               rng.standard_normal((2, 4 // groups, 2, 3, 2)),
               (stride,) * 3, (padding,) * 3, (dilation,) * 3, groups)


@pytest.mark.parametrize("stride, padding, dilation, kernel", [
    ((2, 1), (0, 2), (1, 2), (3, 3)),
    ((1, 3), (3, 0), (2, 1), (2, 4)),   # padding larger than the kernel
    ((3, 2), (1, 1), (1, 1), (1, 1)),   # 1x1 kernel with stride: most inputs get no gradient
    ((2, 2), (0, 0), (1, 1), (7, 5)),   # kernel as large as the input in one axis
])
def test_conv2d_kernels_mixed_per_axis_arguments(stride, padding, dilation, kernel):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 7, 9))
    check_conv(x, rng.standard_normal((3, 2, *kernel)), stride, padding, dilation, groups=3)


def test_conv_depthwise_and_grouped_3d():
    rng = np.random.default_rng(3)
    check_conv(rng.standard_normal((2, 6, 5, 5)), rng.standard_normal((12, 1, 3, 3)),
               (1, 1), (1, 1), (1, 1), 6)
    check_conv(rng.standard_normal((1, 4, 5, 4, 6)), rng.standard_normal((4, 2, 2, 2, 3)),
               (2, 1, 3), (1, 0, 2), (1, 2, 1), 2)


def test_right_edge_not_reached_by_any_window_gets_zero_gradient():
    # (H + 2p - d(k-1) - 1) = 8 - 3 = 5 is not a multiple of s = 2: the last row is never read.
    rng = np.random.default_rng(3)
    w, grad = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 3, 3))
    gx = KN.conv_transpose(grad, w, (2, 2), (0, 0), (8, 8), (1, 1), 1)
    assert gx.shape == (1, 1, 8, 8)
    assert np.all(gx[..., 7, :] == 0) and np.all(gx[..., :, 7] == 0)
    assert np.any(gx[..., 6, :] != 0)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_asymmetric_and_negative_padding():
    """pads (lo, hi) per dim: 'same' with an even kernel pads one more after; a negative hi
    crops the input's end, and conv_weight then only reads the windows that remain."""
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 4))
    ref = TF.conv1d(torch.tensor(x), torch.tensor(w), padding="same").numpy()
    np.testing.assert_allclose(KN.conv(x, w, (1,), ((1, 2),), (1,), 1), ref, rtol=1e-12)
    cropped = KN.conv(x, w, (2,), ((1, -2),), (1,), 1)
    np.testing.assert_allclose(cropped, KN.conv(x[..., :7], w, (2,), ((1, 0),), (1,), 1))
    g = rng.standard_normal(cropped.shape)
    np.testing.assert_allclose(KN.conv_weight(x, g, (4,), (2,), ((1, -2),), (1,), 1),
                               KN.conv_weight(x[..., :7], g, (4,), (2,), ((1, 0),), (1,), 1))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_the_kernels_are_adjoints(nd):
    """<conv(x, w), g> = <x, conv_transpose(g, w)> = <w, conv_weight(x, g)>."""
    rng = np.random.default_rng(5 + nd)
    x = rng.standard_normal((2, 4) + (7,) * nd)
    w = rng.standard_normal((6, 2) + (3,) * nd)
    s, p, d = (2,) * nd, (1,) * nd, (2,) * nd
    out = KN.conv(x, w, s, _sym(p), d, 2)
    g = rng.standard_normal(out.shape)
    a = np.vdot(out, g)
    np.testing.assert_allclose(np.vdot(x, KN.conv_transpose(g, w, s, p, x.shape[2:], d, 2)), a)
    np.testing.assert_allclose(np.vdot(w, KN.conv_weight(x, g, w.shape[2:], s, _sym(p), d, 2)),
                               a)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("stride, padding, output_padding, dilation, groups", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 2), (3, 2, 2, 2, 1), (1, 1, 1, 2, 2), (2, 0, 1, 3, 1),
])
def test_conv_transpose_kernel_matches_torch(nd, stride, padding, output_padding, dilation,
                                             groups):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 4) + (4, 5, 3)[:nd])
    w = rng.standard_normal((4, 3) + (3, 2, 3)[:nd])
    ref = getattr(TF, f"conv_transpose{nd}d")(torch.tensor(x), torch.tensor(w), None, stride,
                                              padding, output_padding, groups, dilation)
    out = KN.conv_transpose(x, w, (stride,) * nd, (padding,) * nd, tuple(ref.shape[2:]),
                            (dilation,) * nd, groups)
    close(out, ref)


def test_kernels_keep_float32():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    out = KN.conv(x, w, (2, 2), ((1, 1), (1, 1)), (1, 1), 2)
    g = rng.standard_normal(out.shape).astype(np.float32)
    gx = KN.conv_transpose(g, w, (2, 2), (1, 1), (9, 9), (1, 1), 2)
    gw = KN.conv_weight(x, g, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), 2)
    assert [a.dtype for a in (out, gx, gw)] == [np.float32] * 3
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), None, 2, 1, 1, 2)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-5, atol=1e-5)


def test_max_pool_backward_twice_with_retain_graph():
    import glassgrad as gg
    import glassgrad.functional as GF

    x = gg.randn(1, 2, 4, 4, requires_grad=True)
    y = GF.max_pool2d(x, 2).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)
