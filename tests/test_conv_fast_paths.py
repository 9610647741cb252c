"""The shape-selected paths of the convolution, pooling and batch-norm kernels against torch.

The conv kernels first cut kernel offsets that only ever meet padding (``taps``), then pick
a matrix layout by shape (``_layout``: per-sample products over many positions, one
product over every (sample, position) of channels-last columns on small maps, rows of
(c, i) for many groups of few channels; ``_weight_layout`` likewise). Each case below is
built to land on one path, which the test asserts, and then compares the forward, every
first derivative and a second derivative with torch, in float64 (tight) and float32.
Upstream gradients are random, never ones.
"""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import nn
from glassgrad.autograd.ops import _convnd_kernels as KN

torch = pytest.importorskip("torch")

DTYPES = [np.float64, np.float32]


def _tol(dtype):
    return (1e-9, 1e-11) if dtype == np.float64 else (2e-4, 2e-4)


def close(ours, theirs, dtype):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    ours = ours.data if isinstance(ours, gg.Tensor) else ours
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype
    rtol, atol = _tol(dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol,
                               atol=atol * max(1.0, float(np.abs(theirs).max(initial=0))))


def _rand(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def compare(fn, arrays, kwargs, dtype, seed=0, second=True):
    """fn (a name in F / torch.nn.functional) on the arrays: forward, the gradient of
    sum(v * out) for every input, and (second=True) the gradient of sum(u * that) again."""
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(F, fn)(*ours, **kwargs)
    ref = getattr(torch.nn.functional, fn)(*theirs, **kwargs)
    close(out, ref, dtype)
    v = _rand(out.shape, dtype, seed + 1)
    g = gg.autograd.grad((out * gg.tensor(v)).sum(), ours, create_graph=second)
    tg = torch.autograd.grad((ref * torch.tensor(v)).sum(), theirs, create_graph=second)
    for a, b in zip(g, tg, strict=True):
        close(a, b, dtype)
    if not second:
        return
    us = [_rand(a.shape, dtype, seed + 2 + i) for i, a in enumerate(g)]
    s = sum((a * gg.tensor(u)).sum() for a, u in zip(g, us, strict=True))
    ts = sum((a * torch.tensor(u)).sum() for a, u in zip(tg, us, strict=True))
    g2 = gg.autograd.grad(s, ours, allow_unused=True)
    tg2 = torch.autograd.grad(ts, theirs, allow_unused=True)
    for a, b in zip(g2, tg2, strict=True):
        if b is None:
            assert a is None or not np.any(a.data)
        else:
            close(a, b, dtype)


def layout_of(x_shape, w_shape, stride, padding, dilation=1, groups=1):
    """(forward layout, weight-gradient layout, kept kernel size) for a conv<nd>d with
    symmetric int arguments."""
    nd = len(x_shape) - 2
    pads = ((padding, padding),) * nd
    out = tuple(KN.out_size(x_shape[2 + a], w_shape[2 + a], stride, padding, padding, dilation)
                for a in range(nd))
    kept, _ = KN._cut(x_shape[2:], out, w_shape[2:], (stride,) * nd, pads, (dilation,) * nd)
    npos = int(np.prod(out))
    cg = x_shape[1] // groups
    return (KN._layout(cg, groups, npos), KN._weight_layout(cg, groups, npos),
            tuple(b - a for a, b in kept))


# ------------------------------------------------------------------------------ conv paths
# (name, x shape, w shape, stride, padding, dilation, groups, (layouts, kept taps))
CONV2D = [
    ("1x1 plain, many positions", (2, 6, 16, 16), (5, 6, 1, 1), 1, 0, 1, 1,
     ("sample", "last", (1, 1))),
    ("1x1, small map", (3, 20, 3, 3), (7, 20, 1, 1), 1, 0, 1, 1, ("last", "last", (1, 1))),
    ("1x1 stride 2", (3, 18, 5, 5), (4, 18, 1, 1), 2, 0, 1, 1, ("last", "last", (1, 1))),
    ("3x3 on a 1x1 map is its centre tap", (4, 24, 1, 1), (9, 24, 3, 3), 1, 1, 1, 1,
     ("last", "last", (1, 1))),
    ("3x3 on 2x2 maps", (4, 16, 2, 2), (6, 16, 3, 3), 1, 1, 1, 1, ("last", "last", (3, 3))),
    ("3x3 stride 2", (2, 17, 6, 5), (5, 17, 3, 3), 2, 1, 1, 1, ("last", "last", (3, 3))),
    ("few channels, small map", (3, 3, 6, 7), (4, 3, 3, 3), 1, 1, 1, 1,
     ("last", "last", (3, 3))),
    ("few channels, large map", (2, 2, 18, 17), (3, 2, 3, 3), 1, 1, 1, 1,
     ("sample", "rows", (3, 3))),
    ("groups", (2, 32, 4, 4), (6, 16, 3, 3), 1, 1, 1, 2, ("last", "last", (3, 3))),
    ("groups, large map", (2, 6, 12, 11), (4, 3, 3, 3), 1, 1, 1, 2,
     ("sample", "rows", (3, 3))),
    ("depthwise", (2, 4, 5, 5), (4, 1, 3, 3), 1, 1, 1, 4, ("rows", "rows", (3, 3))),
    ("depthwise, channel multiplier 2", (2, 3, 4, 6), (6, 1, 3, 3), 2, 1, 1, 3,
     ("rows", "rows", (3, 3))),
    ("groups of 8 channels", (2, 16, 3, 3), (4, 8, 3, 3), 1, 1, 1, 2,
     ("last", "last", (3, 3))),
    ("dilation 2, taps cut", (2, 16, 2, 2), (3, 16, 3, 3), 1, 2, 2, 1,
     ("last", "last", (1, 1))),
    ("dilation 2 stride 2", (2, 16, 7, 6), (3, 16, 3, 2), 2, 2, 2, 1,
     ("last", "last", (3, 2))),
    ("stride 3 skips the last tap", (2, 16, 3, 3), (3, 16, 3, 3), 3, 1, 1, 1,
     ("last", "last", (2, 2))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV2D, ids=[c[0] for c in CONV2D])
def test_conv2d_paths_match_torch(case, dtype):
    _, xs, ws, stride, padding, dilation, groups, paths = case
    assert layout_of(xs, ws, stride, padding, dilation, groups) == paths
    x, w, b = _rand(xs, dtype, 1), _rand(ws, dtype, 2), _rand(ws[:1], dtype, 3)
    compare("conv2d", [x, w, b], dict(stride=stride, padding=padding, dilation=dilation,
                                      groups=groups), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_window_in_the_padding_gives_zeros(dtype):
    # a 1x1 map, padding 2, stride 3: both output positions read padding only
    xs, ws = (2, 16, 1, 1), (3, 16, 1, 1)
    out = (KN.out_size(1, 1, 3, 2, 2, 1),) * 2
    assert KN._cut(xs[2:], out, ws[2:], (3, 3), ((2, 2), (2, 2)), (1, 1)) is None
    x, w, b = _rand(xs, dtype, 1), _rand(ws, dtype, 2), _rand(ws[:1], dtype, 3)
    compare("conv2d", [x, w, b], dict(stride=3, padding=2), dtype, second=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_padding_strings_on_small_maps(padding, dtype):
    x, w = _rand((3, 16, 3, 2), dtype, 1), _rand((5, 16, 3, 2), dtype, 2)
    compare("conv2d", [x, w], dict(padding=padding), dtype)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "zeros"])
def test_padding_modes_channels_last(mode):
    ours = nn.Conv2d(16, 4, 3, padding=1, padding_mode=mode).double()
    ref = torch.nn.Conv2d(16, 4, 3, padding=1, padding_mode=mode).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        ref.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    x = _rand((2, 16, 3, 4), np.float64, 5)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xg), ref(xt)
    close(out, tout, np.float64)
    v = _rand(out.shape, np.float64, 6)
    (out * gg.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    close(xg.grad, xt.grad, np.float64)
    close(ours.weight.grad, ref.weight.grad, np.float64)


CONV_T = [  # (x shape, w shape, stride, padding, output_padding, dilation, groups)
    ((2, 20, 3, 3), (20, 6, 3, 3), 2, 1, 1, 1, 1),
    ((2, 16, 1, 1), (16, 5, 3, 3), 2, 1, 1, 1, 1),      # a 1x1 input, taps cut
    ((2, 16, 2, 2), (16, 5, 1, 1), 2, 0, 1, 1, 1),      # 1x1 kernel, stride 2
    ((2, 32, 2, 3), (32, 3, 3, 3), 1, 1, 0, 1, 2),      # stride 1, groups: a convolution
    ((2, 16, 1, 1), (16, 4, 3, 3), 1, 1, 0, 1, 1),      # stride 1 on a 1x1 map
    ((2, 4, 3, 2), (4, 3, 3, 3), 3, 2, 2, 2, 1),        # dilation, output_padding 2
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_T)
def test_conv_transpose2d_paths_match_torch(case, dtype):
    xs, ws, stride, padding, output_padding, dilation, groups = case
    x, w = _rand(xs, dtype, 1), _rand(ws, dtype, 2)
    b = _rand((ws[1] * groups,), dtype, 3)
    compare("conv_transpose2d", [x, w, b], dict(stride=stride, padding=padding,
                                                output_padding=output_padding,
                                                groups=groups, dilation=dilation), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs, ws, stride, padding", [
    ((3, 16, 1), (5, 16, 3), 1, 1),         # 1-d, a 1-long map: the centre tap
    ((2, 20, 9), (4, 20, 3), 2, 1),         # 1-d channels last, strided
    ((2, 3, 300), (4, 3, 5), 1, 2),         # 1-d per sample
    ((2, 16, 1, 1, 1), (3, 16, 3, 3, 3), 1, 1),   # 3-d on a 1x1x1 map
    ((2, 16, 2, 3, 2), (3, 16, 3, 1, 2), 1, 1),   # 3-d channels last
])
def test_conv1d_conv3d_paths_match_torch(xs, ws, stride, padding, dtype):
    nd = len(xs) - 2
    x, w, b = _rand(xs, dtype, 1), _rand(ws, dtype, 2), _rand(ws[:1], dtype, 3)
    compare(f"conv{nd}d", [x, w, b], dict(stride=stride, padding=padding), dtype)
    xt = (2, 16, 2, 2, 2) if nd == 3 else (2, 16, 3)
    wt = (16, 3) + (3,) * nd
    compare(f"conv_transpose{nd}d", [_rand(xt, dtype, 4), _rand(wt, dtype, 5)],
            dict(stride=2, padding=1, output_padding=1), dtype)


def test_weight_gradient_of_a_centre_tap_is_zero_off_centre():
    x, g = _rand((4, 24, 1, 1), np.float64, 1), _rand((4, 9, 1, 1), np.float64, 2)
    gw = KN.conv_weight(x, g, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    assert gw.shape == (9, 24, 3, 3)
    off = gw.copy()
    off[:, :, 1, 1] = 0
    assert not off.any()
    np.testing.assert_allclose(gw[:, :, 1, 1], g[:, :, 0, 0].T @ x[:, :, 0, 0], rtol=1e-12)


def test_integer_inputs_keep_their_dtype():
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 16, 3, 3))
    w = rng.integers(-3, 4, (4, 16, 3, 3))
    out = KN.conv(x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    ref = torch.nn.functional.conv2d(torch.tensor(x, dtype=torch.float64),
                                     torch.tensor(w, dtype=torch.float64), padding=1)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, ref.numpy().astype(x.dtype))


# ------------------------------------------------------------------------------ max pool
def _ties(shape, dtype, seed):
    """Few distinct values, so most windows hold several maxima."""
    return np.random.default_rng(seed).integers(0, 3, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode", [
    (2, 2, 0, 1, False),    # non-overlapping: the scatter is an assignment
    (3, 3, 1, 1, True),     # non-overlapping with padding and ceil_mode
    (3, 2, 1, 1, False),    # overlapping (ResNet's stem pool): scatter-add
    (3, 1, 1, 1, False),    # heavily overlapping
    (2, 1, 0, 2, False),    # dilated
])
def test_max_pool2d_backward_with_ties_matches_torch(kernel, stride, padding, dilation,
                                                     ceil_mode, dtype):
    x = _ties((2, 3, 7, 8), dtype, 1)
    kw = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
              ceil_mode=ceil_mode)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(xg, return_indices=True, **kw)
    tout, tidx = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
    close(out, tout, dtype)
    np.testing.assert_array_equal(idx.data, tidx.numpy())  # the first max in each window
    v = _rand(out.shape, dtype, 2)
    (out * gg.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    close(xg.grad, xt.grad, dtype)


@pytest.mark.parametrize("d, kernel, stride", [(1, 3, 2), (1, 2, 2), (3, 2, 2), (3, 3, 2)])
def test_max_pool1d_3d_backward_with_ties_matches_torch(d, kernel, stride):
    shape = (2, 2) + (9,) * d if d == 1 else (2, 2, 5, 4, 5)
    x = _ties(shape, np.float64, 3)
    fn = f"max_pool{d}d"
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = getattr(F, fn)(xg, kernel, stride)
    tout = getattr(torch.nn.functional, fn)(xt, kernel, stride)
    close(out, tout, np.float64)
    v = _rand(out.shape, np.float64, 4)
    (out * gg.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    close(xg.grad, xt.grad, np.float64)


# ------------------------------------------------------------------------------ batch norm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5, 3, 3), (6, 3), (3, 4, 2, 1, 3), (8, 16, 1, 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch(shape, affine, dtype):
    c = shape[1]
    x = _rand(shape, dtype, 1) * 3 + 1
    x[:, 0] = 2.5  # a constant channel normalizes to exactly 0
    wb = [_rand((c,), dtype, 2), _rand((c,), dtype, 3)] if affine else []
    rm, rv = np.zeros(c, dtype), np.ones(c, dtype)
    ours = [gg.tensor(a, requires_grad=True) for a in [x, *wb]]
    theirs = [torch.tensor(a, requires_grad=True) for a in [x, *wb]]
    grm, grv = gg.tensor(rm.copy()), gg.tensor(rv.copy())
    trm, trv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    out = F.batch_norm(ours[0], grm, grv, *ours[1:], training=True)
    ref = torch.nn.functional.batch_norm(theirs[0], trm, trv, *theirs[1:], training=True)
    close(out, ref, dtype)
    if not affine:
        assert not np.any(out.data[:, 0])
    close(grm, trm, dtype)
    close(grv, trv, dtype)
    v = _rand(shape, dtype, 4)
    g = gg.autograd.grad((out * gg.tensor(v)).sum(), ours)
    tg = torch.autograd.grad((ref * torch.tensor(v)).sum(), theirs)
    for a, b in zip(g, tg, strict=True):
        close(a, b, dtype)


def test_batch_norm_eval_and_second_order_match_torch():
    x, w, b = _rand((4, 3, 2, 2), np.float64, 1), _rand((3,), np.float64, 2), _rand(
        (3,), np.float64, 3)
    rm, rv = _rand((3,), np.float64, 4), np.abs(_rand((3,), np.float64, 5)) + 0.5
    for training in (False, True):
        ours = [gg.tensor(a, requires_grad=True) for a in (x, w, b)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        out = F.batch_norm(ours[0], gg.tensor(rm.copy()), gg.tensor(rv.copy()), *ours[1:],
                           training=training)
        ref = torch.nn.functional.batch_norm(theirs[0], torch.tensor(rm.copy()),
                                             torch.tensor(rv.copy()), *theirs[1:],
                                             training=training)
        close(out, ref, np.float64)
        v = _rand(out.shape, np.float64, 6)
        g = gg.autograd.grad((out * gg.tensor(v)).sum(), ours, create_graph=True)
        tg = torch.autograd.grad((ref * torch.tensor(v)).sum(), theirs, create_graph=True)
        for a, c in zip(g, tg, strict=True):
            close(a, c, np.float64)
        u = _rand(x.shape, np.float64, 7)
        g2 = gg.autograd.grad((g[0] * gg.tensor(u)).sum(), ours[:2], allow_unused=True)
        tg2 = torch.autograd.grad((tg[0] * torch.tensor(u)).sum(), theirs[:2],
                                  allow_unused=True)
        for a, c in zip(g2, tg2, strict=True):
            if c is None:  # eval: the input gradient is linear in the upstream gradient alone
                assert a is None or not np.any(a.data)
            else:
                close(a, c, np.float64)
