"""Conv and pooling kernels against torch.nn.functional, forward and every gradient.

The kernels module is loaded from its file path (importlib), so these tests run whether or not
the glassgrad package and its __init__ files exist yet. Upstream gradients are random, never
ones, so a missing flip or transpose cannot pass.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from torch_ref import torch  # None where torch is not installed

TF = torch.nn.functional if torch is not None else None

_PATH = Path(__file__).resolve().parents[1] / "src/glassgrad/autograd/ops/_conv_kernels.py"
_spec = importlib.util.spec_from_file_location("_conv_kernels", _PATH)
K = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(K)

RTOL, ATOL = 1e-9, 1e-12


def close(ours, theirs):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def t(a):
    return torch.tensor(a, requires_grad=True)


# ---------------------------------------------------------------------------------------------
# conv2d


def check_conv(x, w, b, stride, padding, dilation, groups, seed=0):
    tx, tw = t(x), t(w)
    tb = None if b is None else t(b)
    out_t = TF.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    grad = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(grad))

    out = K.conv2d_forward(x, w, b, stride, padding, dilation, groups)
    assert out.shape == tuple(out_t.shape)
    close(out, out_t)
    gx, gw, gb = K.conv2d_backward(grad, x, w, stride, padding, dilation, groups,
                                   need_b=b is not None)
    close(gx, tx.grad)
    close(gw, tw.grad)
    if b is None:
        assert gb is None
    else:
        close(gb, tb.grad)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("groups", [1, 2, 4])
@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv2d_matches_torch(stride, padding, dilation, groups, batch, bias):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 4, 10, 13))         # non-square input
    w = rng.standard_normal((8, 4 // groups, 3, 2))     # non-square kernel
    b = rng.standard_normal(8) if bias else None
    check_conv(x, w, b, (stride, stride), (padding, padding), (dilation, dilation), groups)


@pytest.mark.parametrize("stride, padding, dilation, kernel", [
    ((2, 1), (0, 2), (1, 2), (3, 3)),
    ((1, 3), (3, 0), (2, 1), (2, 4)),   # padding larger than the kernel
    ((3, 2), (1, 1), (1, 1), (1, 1)),   # 1x1 kernel with stride: most inputs get no gradient
    ((2, 2), (0, 0), (1, 1), (7, 5)),   # kernel as large as the input in one axis
])
def test_conv2d_mixed_per_axis_arguments(stride, padding, dilation, kernel):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 6, 7, 9))
    w = rng.standard_normal((3, 2, *kernel))
    check_conv(x, w, rng.standard_normal(3), stride, padding, dilation, groups=3)


def test_conv2d_right_edge_not_reached_by_any_window_gets_zero_gradient():
    # (H + 2p - d(k-1) - 1) = 8 - 3 = 5 is not a multiple of s = 2: the last row is never read.
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 1, 8, 8)), rng.standard_normal((1, 1, 3, 3))
    grad = rng.standard_normal((1, 1, 3, 3))
    gx, _, _ = K.conv2d_backward(grad, x, w, (2, 2), (0, 0), (1, 1), 1)
    assert np.all(gx[..., 7, :] == 0) and np.all(gx[..., :, 7] == 0)
    assert np.any(gx[..., 6, :] != 0)
    check_conv(x, w, None, (2, 2), (0, 0), (1, 1), 1)


def test_conv2d_backward_only_what_is_needed():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    grad = rng.standard_normal((2, 4, 4, 4))
    assert K.conv2d_backward(grad, x, w, (1, 1), (0, 0), (1, 1), 1, need_x=False,
                             need_w=False, need_b=False) == (None, None, None)
    gx, gw, gb = K.conv2d_backward(grad, x, w, (1, 1), (0, 0), (1, 1), 1, need_w=False)
    assert gw is None and gx.shape == x.shape and gb.shape == (4,)


def test_conv2d_float32_stays_float32():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    out = K.conv2d_forward(x, w, b, (2, 2), (1, 1), (1, 1), 2)
    grad = rng.standard_normal(out.shape).astype(np.float32)
    gx, gw, gb = K.conv2d_backward(grad, x, w, (2, 2), (1, 1), (1, 1), 2)
    assert [a.dtype for a in (out, gx, gw, gb)] == [np.float32] * 4
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 2, 1, 1, 2)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-5, atol=1e-5)


def test_conv2d_gradients_take_the_dtype_of_their_input():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    w = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    grad = rng.standard_normal((1, 2, 3, 3))                 # float64 from a careless caller
    gx, gw, gb = K.conv2d_backward(grad, x, w, (1, 1), (0, 0), (1, 1), 1)
    assert [a.dtype for a in (gx, gw, gb)] == [np.float32] * 3


@pytest.mark.parametrize("x_shape, w_shape, groups, padding, message", [
    ((2, 3, 8, 8), (5, 4, 3, 3), 1, (0, 0),
     "conv2d: input has 3 channels but weight expects 4 (groups=1); "
     "input (2, 3, 8, 8), weight (5, 4, 3, 3)"),
    ((1, 6, 8, 8), (4, 2, 3, 3), 4, (0, 0),
     "conv2d: groups=4 does not divide the 6 input channels; input (1, 6, 8, 8), weight "
     "(4, 2, 3, 3)"),
    ((1, 4, 8, 8), (6, 1, 3, 3), 4, (0, 0),
     "conv2d: groups=4 does not divide the 6 output channels"),
    ((1, 1, 2, 2), (1, 1, 5, 3), 1, (1, 1),
     "conv2d: kernel extent (5, 3) (dilation (1, 1)) is larger than the padded input (4, 4); "
     "input (1, 1, 2, 2), weight (1, 1, 5, 3)"),
    ((1, 8, 8), (1, 1, 3, 3), 1, (0, 0), "conv2d: expected a 4-D input"),
])
def test_conv2d_errors_name_the_op_and_shapes(x_shape, w_shape, groups, padding, message):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    with pytest.raises(ValueError) as e:
        K.conv2d_forward(x, w, None, (1, 1), padding, (1, 1), groups)
    assert message in str(e.value)


def test_conv2d_errors_on_mixed_dtypes_and_bad_grad():
    x, w = np.zeros((1, 1, 4, 4), np.float32), np.zeros((1, 1, 3, 3))
    with pytest.raises(ValueError, match="conv2d: dtypes differ .x float32, w float64"):
        K.conv2d_forward(x, w, None, (1, 1), (0, 0), (1, 1), 1)
    with pytest.raises(ValueError, match="conv2d: bias has shape .2,."):
        K.conv2d_forward(x, w.astype(np.float32), np.zeros(2, np.float32), (1, 1), (0, 0),
                         (1, 1), 1)
    with pytest.raises(ValueError, match=r"conv2d backward: grad has shape \(1, 1, 4, 4\) but "
                                         r"the output has shape \(1, 1, 2, 2\)"):
        K.conv2d_backward(np.zeros((1, 1, 4, 4)), x, w.astype(np.float32), (1, 1), (0, 0),
                          (1, 1), 1)


# ---------------------------------------------------------------------------------------------
# max_pool2d

POOLS = [  # kernel, stride, padding, dilation
    ((2, 2), (2, 2), (0, 0), (1, 1)),   # reshape path
    ((3, 3), (3, 3), (0, 0), (1, 1)),   # reshape path, size not divisible: edge dropped
    ((3, 3), (1, 1), (0, 0), (1, 1)),   # overlapping
    ((3, 3), (2, 2), (1, 1), (1, 1)),   # overlapping, padded
    ((3, 3), (1, 1), (1, 1), (1, 1)),
    ((3, 2), (2, 1), (1, 0), (1, 1)),   # non-square
    ((3, 3), (2, 2), (1, 1), (2, 2)),   # dilated
    ((2, 3), (1, 2), (1, 1), (2, 1)),
]


def make_input(kind, shape, rng):
    if kind == "random":
        return rng.standard_normal(shape)
    if kind == "zeros":                  # every window is one big tie
        return np.zeros(shape)
    if kind == "nan":                    # torch points at the last NaN of a window
        x = rng.standard_normal(shape)
        x[rng.random(shape) < 0.2] = np.nan
        return x
    return rng.integers(0, 3, shape).astype(np.float64)  # many ties


def check_max_pool(x, kernel, stride, padding, dilation, seed=0):
    tx = t(x)
    out_t, idx_t = TF.max_pool2d(tx, kernel, stride, padding, dilation, return_indices=True)
    grad = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(grad))

    out, idx = K.max_pool2d_forward(x, kernel, stride, padding, dilation)
    close(out, out_t)
    np.testing.assert_array_equal(idx, idx_t.numpy())
    gx = K.max_pool2d_backward(grad, x.shape, idx, kernel, stride, padding, dilation)
    close(gx, tx.grad)


@pytest.mark.parametrize("kind", ["random", "zeros", "integers", "nan"])
@pytest.mark.parametrize("kernel, stride, padding, dilation", POOLS)
@pytest.mark.parametrize("batch", [1, 3])
def test_max_pool2d_matches_torch(kernel, stride, padding, dilation, kind, batch):
    x = make_input(kind, (batch, 2, 8, 11), np.random.default_rng(7))
    check_max_pool(x, kernel, stride, padding, dilation)


def test_max_pool2d_ties_send_gradient_to_one_element_per_window():
    x = np.zeros((1, 1, 4, 4))
    out, idx = K.max_pool2d_forward(x, (2, 2), (2, 2), (0, 0))
    gx = K.max_pool2d_backward(np.ones((1, 1, 2, 2)), x.shape, idx, (2, 2), (2, 2), (0, 0),
                               (1, 1))
    assert gx.sum() == 4 and np.count_nonzero(gx) == 4
    assert np.all(gx[0, 0, ::2, ::2] == 1)          # the first element of each window


def test_max_pool2d_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 5))
    x[0, 0, 1, 2] = 1.0                              # the max of all three 3x3 windows
    _, idx = K.max_pool2d_forward(x, (3, 3), (1, 1), (0, 0))
    grad = np.array([[[[1.0, 2.0, 4.0]]]])
    gx = K.max_pool2d_backward(grad, x.shape, idx, (3, 3), (1, 1), (0, 0), (1, 1))
    assert gx[0, 0, 1, 2] == 7.0 and gx.sum() == 7.0


def test_max_pool2d_all_minus_inf_points_inside_the_input_like_torch():
    check_max_pool(np.full((1, 2, 5, 6), -np.inf), (3, 3), (2, 2), (1, 1), (1, 1))
    check_max_pool(np.full((1, 1, 7, 7), -np.inf), (3, 3), (1, 1), (1, 1), (2, 2))


def test_max_pool2d_float32_stays_float32():
    x = np.random.default_rng(8).standard_normal((2, 3, 8, 8)).astype(np.float32)
    for kernel, stride, padding in [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1))]:
        out, idx = K.max_pool2d_forward(x, kernel, stride, padding)
        gx = K.max_pool2d_backward(np.ones_like(out), x.shape, idx, kernel, stride, padding,
                                   (1, 1))
        assert out.dtype == gx.dtype == np.float32 and idx.dtype == np.int64
        ref, ref_idx = TF.max_pool2d(torch.tensor(x), kernel, stride, padding,
                                    return_indices=True)
        np.testing.assert_array_equal(out, ref.numpy())
        np.testing.assert_array_equal(idx, ref_idx.numpy())


@pytest.mark.parametrize("kernel, padding, x_shape, message", [
    ((3, 3), (2, 2), (1, 1, 8, 8),
     "max_pool2d: padding (2, 2) must be at most half of kernel_size (3, 3); input (1, 1, 8, 8)"),
    ((4, 4), (0, 0), (1, 1, 3, 8),
     "max_pool2d: kernel_size (4, 4) (dilation (1, 1)) is larger than the padded input (3, 8)"),
    ((2, 2), (0, 0), (8, 8), "max_pool2d: expected a 4-D input (N, C, H, W), got shape (8, 8)"),
])
def test_max_pool2d_errors(kernel, padding, x_shape, message):
    with pytest.raises(ValueError) as e:
        K.max_pool2d_forward(np.zeros(x_shape), kernel, (1, 1), padding)
    assert message in str(e.value)


# ---------------------------------------------------------------------------------------------
# avg_pool2d

AVG_POOLS = [  # kernel, stride, padding
    ((2, 2), (2, 2), (0, 0)),
    ((3, 3), (1, 1), (0, 0)),
    ((3, 3), (2, 2), (1, 1)),
    ((3, 2), (2, 3), (1, 1)),
    ((4, 4), (3, 3), (2, 2)),
]


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("kernel, stride, padding", AVG_POOLS)
@pytest.mark.parametrize("batch", [1, 3])
def test_avg_pool2d_matches_torch(kernel, stride, padding, ceil_mode, count_include_pad, batch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((batch, 2, 9, 10))
    tx = t(x)
    out_t = TF.avg_pool2d(tx, kernel, stride, padding, ceil_mode, count_include_pad)
    grad = rng.standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(grad))

    out = K.avg_pool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad)
    assert out.shape == tuple(out_t.shape)
    close(out, out_t)
    gx = K.avg_pool2d_backward(grad, x.shape, kernel, stride, padding, ceil_mode,
                               count_include_pad)
    close(gx, tx.grad)


def test_avg_pool2d_ceil_mode_adds_a_partial_window():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    floor = K.avg_pool2d_forward(x, (2, 2), (2, 2), (0, 0))
    ceil = K.avg_pool2d_forward(x, (2, 2), (2, 2), (0, 0), ceil_mode=True)
    assert floor.shape == (1, 1, 2, 2) and ceil.shape == (1, 1, 3, 3)
    assert ceil[0, 0, 2, 2] == 24.0                  # a 1x1 window: divided by 1, not 4


def test_avg_pool2d_float32_stays_float32():
    x = np.random.default_rng(10).standard_normal((2, 3, 7, 7)).astype(np.float32)
    for ceil_mode, count_include_pad in [(False, True), (True, False)]:
        args = ((3, 3), (2, 2), (1, 1), ceil_mode, count_include_pad)
        out = K.avg_pool2d_forward(x, *args)
        gx = K.avg_pool2d_backward(np.ones_like(out), x.shape, *args)
        assert out.dtype == gx.dtype == np.float32


def test_avg_pool2d_errors():
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 1\) must be at most half of "
                                         r"kernel_size \(3, 3\)"):
        K.avg_pool2d_forward(np.zeros((1, 1, 8, 8)), (3, 3), (1, 1), (2, 1))
    with pytest.raises(ValueError, match=r"avg_pool2d backward: grad has shape \(1, 1, 3, 3\)"):
        K.avg_pool2d_backward(np.zeros((1, 1, 3, 3)), (1, 1, 8, 8), (2, 2), (2, 2), (0, 0))


def test_max_pool_backward_twice_with_retain_graph():
    import glassgrad as gg
    import glassgrad.functional as GF

    x = gg.randn(1, 2, 4, 4, requires_grad=True)
    y = GF.max_pool2d(x, 2).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)
