"""Fixes from review 3 of nn.functional against torch: lp_pool with norm_type = +-inf, softmax
and attention over an empty dim, softmax's implicit dim, empty inputs to the norms, adaptive
max pool and area interpolation, circular pad cropping to nothing, the added functions and
modules (adaptive_max_pool3d, relu_, leaky_relu_, pdist, the padding modules, ChannelShuffle,
LPPool3d), int64 average pooling, and torch's exception classes. Each compares with torch
where it is installed and checks known values that hold without it."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad import nn
from glassgrad.nn import normalization as NORM
from glassgrad.nn import padding as PAD
from glassgrad.nn import pooling as POOL
from glassgrad.nn import resample as RES
from torch_ref import torch

INF = float("inf")


def _both(x, requires_grad=True):
    return (gg.tensor(x, requires_grad=requires_grad),
            torch.tensor(x, requires_grad=requires_grad))


def _compare(ours_fn, torch_fn, *arrays, seed=0, grads=True):
    """Values (and shapes) of ours_fn and torch_fn on the arrays, and the input gradients of
    sum(w * out) for a random w."""
    ours = [gg.tensor(a, requires_grad=grads) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=grads) for a in arrays]
    out, ref = ours_fn(*ours), torch_fn(*theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    assert str(out.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    if grads:
        w = np.random.default_rng(seed).standard_normal(tuple(out.shape))
        (out * gg.tensor(w.astype(arrays[0].dtype))).sum().backward()
        (ref * torch.tensor(w.astype(arrays[0].dtype))).sum().backward()
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    return out


# ------------------------------------------------------------------------------ 1. lp_pool inf
def test_lp_pool_inf_known_values():
    x = gg.tensor([[[1.0, -3.0, 2.0, -0.5]]], requires_grad=True)
    out = F.lp_pool1d(x, INF, 2)
    np.testing.assert_array_equal(out.detach().numpy(), [[[3.0, 2.0]]])  # max |x|, not 1.0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[0.0, -1.0, 1.0, 0.0]]])
    low = F.lp_pool1d(gg.tensor([[[1.0, -3.0, 2.0, -0.5]]]), -INF, 2)
    np.testing.assert_array_equal(low.numpy(), [[[1.0, 0.5]]])  # min |x|


@pytest.mark.parametrize("p", [INF, -INF])
@pytest.mark.parametrize(("d", "kw"), [
    (1, {"kernel_size": 2}), (1, {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    (2, {"kernel_size": 2}), (2, {"kernel_size": (2, 3), "stride": 1}),
    (3, {"kernel_size": 2, "ceil_mode": True}),
])
def test_lp_pool_inf_matches_torch(p, d, kw):
    x = np.random.default_rng(d).standard_normal((2, 2) + (5,) * d)
    name = f"lp_pool{d}d"
    _compare(lambda t: getattr(F, name)(t, p, **kw),
             lambda t: getattr(torch.nn.functional, name)(t, p, **kw), x)


def test_lp_pool_inf_module_and_float32():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
    out = _compare(lambda t: POOL.LPPool3d(INF, 2)(t), lambda t: torch.nn.LPPool3d(INF, 2)(t), x)
    assert out.dtype == gg.float32


# ------------------------------------------------------------------------------ 2. empty softmax
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(("shape", "dim"), [((2, 0), 1), ((0,), 0), ((0, 3), 0), ((0, 3), 1)])
def test_softmax_over_an_empty_dim(name, shape, dim):
    x = gg.zeros(*shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning either
        out = getattr(F, name)(x, dim)
        out.sum().backward()
    assert out.shape == shape and x.grad.shape == shape
    if torch is not None:
        ref = getattr(torch.nn.functional, name)(torch.zeros(shape), dim)
        assert tuple(ref.shape) == shape


def test_softmax_nonempty_unchanged():
    x = np.array([[1.0, 2.0, 3.0], [-np.inf, 0.0, 0.0]])
    np.testing.assert_allclose(F.softmax(gg.tensor(x), 1).numpy()[1], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(F.log_softmax(gg.tensor(x), 1).numpy()[0],
                               x[0] - np.log(np.exp(x[0]).sum()))


def test_attention_with_no_keys():
    q = gg.randn(1, 2, 4, requires_grad=True)
    k = gg.zeros(1, 0, 4, requires_grad=True)
    v = gg.zeros(1, 0, 3, requires_grad=True)
    out = F.scaled_dot_product_attention(q, k, v)
    np.testing.assert_array_equal(out.detach().numpy(), np.zeros((1, 2, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(q.grad.numpy(), np.zeros((1, 2, 4)))
    assert k.grad.shape == (1, 0, 4) and v.grad.shape == (1, 0, 3)
    g, = gg.autograd.grad(F.scaled_dot_product_attention(q, k, v).sum(), q, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), np.zeros((1, 2, 4)))
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    np.testing.assert_array_equal(causal.detach().numpy(), np.zeros((1, 2, 3)))
    if torch is not None:
        ref = torch.nn.functional.scaled_dot_product_attention(
            torch.randn(1, 2, 4), torch.zeros(1, 0, 4), torch.zeros(1, 0, 3))
        np.testing.assert_array_equal(ref.numpy(), out.detach().numpy())


# ------------------------------------------------------------------------------ 3. implicit dim
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_softmax_implicit_dim_warns_as_torch(name, ndim):
    x = np.random.default_rng(ndim).standard_normal((2, 3, 2, 3)[:ndim])
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been "
                                         "deprecated") as rec:
        out = getattr(F, name)(gg.tensor(x))
    assert rec[0].filename == __file__  # points at the caller, as torch's _stacklevel=3
    dim = 0 if ndim in (0, 1, 3) else 1
    np.testing.assert_allclose(out.numpy(), getattr(F, name)(gg.tensor(x), dim).numpy())
    if torch is not None:
        with pytest.warns(UserWarning, match="Implicit dimension"):
            ref = getattr(torch.nn.functional, name)(torch.tensor(x))
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax", "Softmin"])
def test_softmax_modules_share_the_rule(cls):
    x = gg.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    with pytest.warns(UserWarning, match="Implicit dimension") as rec:
        out = getattr(nn, cls)()(x)
    assert rec[0].filename == __file__
    name = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Softmin": "softmin"}[cls]
    np.testing.assert_allclose(out.numpy(), getattr(F, name)(x, 0).numpy())


def test_softmax_methods_still_need_dim():
    x = gg.randn(2, 3)
    for call in (lambda: x.softmax(), lambda: gg.softmax(x), lambda: x.log_softmax(),
                 lambda: gg.log_softmax(x)):
        with pytest.raises(TypeError, match='missing 1 required positional arguments: "dim"'):
            call()


# ------------------------------------------------------------------------------ 4. empty norms
EMPTY_NORMS = [
    ("layer_norm", (0, 4), lambda f, x, w, b: f.layer_norm(x, (4,), w, b), 4),
    ("layer_norm", (3, 0), lambda f, x, w, b: f.layer_norm(x, (0,)), 0),
    ("group_norm", (0, 4, 2), lambda f, x, w, b: f.group_norm(x, 2, w, b), 4),
    ("batch_norm", (0, 3), lambda f, x, w, b: f.batch_norm(x, None, None, w, b, True), 3),
    ("batch_norm", (2, 3, 0), lambda f, x, w, b: f.batch_norm(x, None, None, w, b, True), 3),
    ("batch_norm", (0, 3), lambda f, x, w, b: f.batch_norm(
        x, w.detach() * 0, w.detach(), w, b, False), 3),
    ("instance_norm", (2, 3, 0), lambda f, x, w, b: f.instance_norm(x, weight=w, bias=b), 3),
    ("instance_norm", (0, 3, 4), lambda f, x, w, b: f.instance_norm(x), 3),  # torch: no weight
]


@pytest.mark.parametrize(("name", "shape", "call", "c"), EMPTY_NORMS)
def test_norms_of_empty_inputs(name, shape, call, c):
    x = gg.zeros(*shape, requires_grad=True)
    w, b = gg.ones(c, requires_grad=True), gg.zeros(c, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = call(F, x, w, b)
        out.sum().backward()
    assert out.shape == shape and x.grad.shape == shape
    if w.grad is not None:
        np.testing.assert_array_equal(w.grad.numpy(), np.zeros(c))  # a sum of no terms
    if torch is not None:
        tx = torch.zeros(shape, requires_grad=True)
        tw, tb = torch.ones(c, requires_grad=True), torch.zeros(c, requires_grad=True)
        ref = call(torch.nn.functional, tx, tw, tb)
        assert tuple(ref.shape) == shape


def test_group_norm_empty_spatial():
    # torch gives a NaN weight gradient here (an empty sum); ours is the sum of no terms, 0
    x, w = gg.zeros(2, 4, 0, requires_grad=True), gg.ones(4, requires_grad=True)
    F.group_norm(x, 2, w, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(4))


def test_empty_batch_leaves_running_stats_as_torch():
    for shape in [(0, 3), (2, 3, 0)]:
        rm, rv = gg.ones(3), gg.ones(3) * 2
        F.batch_norm(gg.zeros(*shape), rm, rv, training=True)
        np.testing.assert_array_equal(rm.numpy(), np.ones(3))
        np.testing.assert_array_equal(rv.numpy(), np.full(3, 2.0))
    rm, rv = gg.ones(3), gg.ones(3) * 2
    F.instance_norm(gg.zeros(2, 3, 0), rm, rv)  # no spatial values: unchanged
    np.testing.assert_array_equal(rm.numpy(), np.ones(3))
    F.instance_norm(gg.zeros(0, 3, 4), rm, rv)  # the mean over no samples: NaN, as torch
    assert np.isnan(rm.numpy()).all() and np.isnan(rv.numpy()).all()
    if torch is not None:
        trm, trv = torch.ones(3), torch.ones(3) * 2
        torch.nn.functional.instance_norm(torch.zeros(0, 3, 4), trm, trv)
        assert torch.isnan(trm).all() and torch.isnan(trv).all()


def test_norm_errors_still_raised():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(gg.zeros(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(gg.zeros(2, 3, 1))


@pytest.mark.parametrize(("call", "shape"), [
    (lambda f, x: f.adaptive_max_pool2d(x, (2, 0)), (1, 2, 2, 0)),
    (lambda f, x: f.adaptive_max_pool2d(x, (2, 0), True)[1], (1, 2, 2, 0)),
    (lambda f, x: f.adaptive_max_pool1d(x[..., 0], 0), (1, 2, 0)),
    (lambda f, x: f.adaptive_avg_pool2d(x, (0, 2)), (1, 2, 0, 2)),
    (lambda f, x: f.interpolate(x, scale_factor=(3.3, 0.3), mode="area"), (1, 2, 13, 0)),
    (lambda f, x: f.interpolate(x, size=(2, 0), mode="area"), (1, 2, 2, 0)),
])
def test_empty_outputs(call, shape):
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 3))
    out = call(F, gg.tensor(x, requires_grad=True))
    assert out.shape == shape
    if torch is not None:
        assert tuple(call(torch.nn.functional, torch.tensor(x)).shape) == shape


def test_empty_output_gradient_is_zero():
    # torch's backward refuses an empty grad_output here; ours is the zero gradient
    x = gg.randn(1, 2, 4, 3, requires_grad=True)
    (F.adaptive_max_pool2d(x, (2, 0)).sum() + F.interpolate(x, size=(2, 0), mode="area").sum()
     ).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 2, 4, 3)))


def test_interpolate_zero_size_other_modes_still_raise():
    with pytest.raises(RuntimeError, match="greater than 0"):
        F.interpolate(gg.randn(1, 2, 4, 3), size=(2, 0), mode="nearest")
    if torch is not None:
        with pytest.raises(RuntimeError):
            torch.nn.functional.interpolate(torch.randn(1, 2, 4, 3), size=(2, 0))


# ------------------------------------------------------------------------------ 5. circular pad
@pytest.mark.parametrize(("shape", "pad"), [
    ((1, 2, 4), (-2, -2)), ((1, 2, 4), (-3, -1)), ((1, 2, 4), (-4, 0)), ((1, 2, 4), (-5, 1)),
    ((1, 2, 4, 3), (1, 1, -2, -2)),
])
def test_circular_pad_cropping_to_nothing(shape, pad):
    x = gg.randn(*shape, requires_grad=True)
    out = F.pad(x, pad, mode="circular")
    want = list(shape)
    for j in range(len(pad) // 2):
        want[-1 - j] += pad[2 * j] + pad[2 * j + 1]
    assert out.shape == tuple(want) and 0 in out.shape
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(shape))
    if torch is not None:
        ref = torch.nn.functional.pad(torch.randn(shape), pad, mode="circular")
        assert tuple(ref.shape) == tuple(want)


def test_circular_pad_negative_size_still_raises():
    with pytest.raises(RuntimeError):
        F.pad(gg.randn(1, 2, 4), (-3, -2), mode="circular")


# ------------------------------------------------------------------------------ 6. added ops
@pytest.mark.parametrize(("shape", "size"), [
    ((2, 2, 4, 4, 4), 2), ((1, 1, 5, 4, 3), (3, None, 2)), ((2, 3, 4, 5), (1, 2, 3)),
    ((1, 2, 3, 3, 3), 5),
])
def test_adaptive_max_pool3d(shape, size):
    x = np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    ours, theirs = _both(x)
    out, idx = F.adaptive_max_pool3d(ours, size, return_indices=True)
    assert idx.dtype == gg.int64
    assert F.adaptive_max_pool3d_with_indices(ours, size)[1].shape == idx.shape
    if torch is None:
        return
    ref, ref_idx = torch.nn.functional.adaptive_max_pool3d(theirs, size, return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_adaptive_max_pool3d_known_value_and_module():
    x = gg.arange(8.0).reshape(1, 1, 2, 2, 2)
    np.testing.assert_array_equal(F.adaptive_max_pool3d(x, 1).numpy(), [[[[[7.0]]]]])
    m = POOL.AdaptiveMaxPool3d((2, None, 3))
    assert repr(m) == "AdaptiveMaxPool3d(output_size=(2, None, 3))"
    out, idx = POOL.AdaptiveMaxPool3d(1, True)(x)
    assert idx.numpy().ravel().tolist() == [7]
    if torch is not None:
        assert repr(m) == repr(torch.nn.AdaptiveMaxPool3d((2, None, 3)))


def test_lppool3d_module():
    m = POOL.LPPool3d(2, 3)
    assert repr(m) == "LPPool3d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4, 4))
    _compare(lambda t: POOL.LPPool3d(3, (2, 2, 1), 1, True)(t),
             lambda t: torch.nn.LPPool3d(3, (2, 2, 1), 1, True)(t), np.abs(x) + 0.1)
    if torch is not None:
        assert repr(m) == repr(torch.nn.LPPool3d(2, 3))


@pytest.mark.parametrize(("name", "args"), [("relu_", ()), ("leaky_relu_", (0.2,))])
def test_inplace_activations(name, args):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    leaf = gg.tensor(x, requires_grad=True)
    y = leaf * 1.0
    out = getattr(F, name)(y, *args)
    assert out is y and y._version[0] > 0
    out.sum().backward()
    slope = args[0] if args else 0.0
    np.testing.assert_allclose(out.detach().numpy(), np.where(x > 0, x, slope * x))
    np.testing.assert_allclose(leaf.grad.numpy(), np.where(x > 0, 1.0, slope))
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(F, name)(gg.tensor(x, requires_grad=True), *args)
    if torch is not None:
        t = torch.tensor(x, requires_grad=True)
        r = getattr(torch.nn.functional, name)(t * 1.0, *args)
        r.sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), r.detach().numpy())
        np.testing.assert_allclose(leaf.grad.numpy(), t.grad.numpy())


PAD_CASES = [
    (f"{kind}Pad{d}d", d, args, shape)
    for d, shape in ((1, (2, 3, 5)), (2, (1, 2, 4, 5)), (3, (1, 2, 3, 4, 5)))
    for kind, args in (("Zero", (2,)), ("Zero", (tuple(range(2 * d)),)),
                       ("Constant", (1, 2.5)), ("Constant", ((1, 0) * d, -1)),
                       ("Reflection", (1,)), ("Reflection", ((2, 1) * d,)),
                       ("Replication", (2,)), ("Replication", ((0, 3) * d,)),
                       ("Circular", (1,)), ("Circular", ((2, -1) * d,)))
]


@pytest.mark.parametrize(("name", "d", "args", "shape"), PAD_CASES)
def test_padding_modules(name, d, args, shape):
    m = getattr(PAD, name)(*args)
    pad = args[0] if isinstance(args[0], tuple) else (args[0],) * (2 * d)
    assert m.padding == pad
    x = np.random.default_rng(d).standard_normal(shape)
    out = m(gg.tensor(x))
    value = args[1] if name.startswith("Constant") else 0.0
    if name.startswith(("Zero", "Constant")):
        np.testing.assert_array_equal(out.numpy(), F.pad(gg.tensor(x), pad, value=value).numpy())
    if torch is None:
        return
    tm = getattr(torch.nn, name)(*args)
    assert repr(m) == repr(tm) and m.padding == tm.padding
    assert getattr(m, "value", None) == getattr(tm, "value", None)
    _compare(m, tm, x)


def test_padding_module_reprs_without_torch():
    assert repr(PAD.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(PAD.ConstantPad1d((1, 2), 3)) == "ConstantPad1d(padding=(1, 2), value=3)"
    assert repr(PAD.ReflectionPad3d(1)) == "ReflectionPad3d((1, 1, 1, 1, 1, 1))"
    assert PAD.ZeroPad1d(2).value == 0.0
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        PAD.CircularPad1d(1)(gg.zeros(1, 1, 1, 3))


def test_channel_shuffle_module():
    m = RES.ChannelShuffle(2)
    assert repr(m) == "ChannelShuffle(groups=2)" and m.groups == 2
    x = gg.arange(4.0).reshape(1, 4, 1)
    np.testing.assert_array_equal(m(x).numpy().ravel(), [0.0, 2.0, 1.0, 3.0])
    if torch is not None:
        assert repr(m) == repr(torch.nn.ChannelShuffle(2))
        xx = np.random.default_rng(0).standard_normal((2, 6, 3))
        _compare(RES.ChannelShuffle(3), torch.nn.ChannelShuffle(3), xx)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 0.5, 1.5, 3.0, INF])
@pytest.mark.parametrize("rows", [
    [[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]],  # a zero distance
    [[0.0, 0.0], [1.0, -1.0], [0.0, 2.0], [3.0, -1.0]],  # ties in the max-norm
    "random",
])
def test_pdist_matches_torch(p, rows):
    x = (np.random.default_rng(0).standard_normal((5, 3)) if isinstance(rows, str)
         else np.array(rows))
    _compare(lambda t: F.pdist(t, p), lambda t: torch.nn.functional.pdist(t, p), x)


def test_pdist_known_values_and_errors():
    x = gg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]], requires_grad=True)
    np.testing.assert_allclose(F.pdist(x).detach().numpy(), [5.0, 1.0, np.sqrt(18.0)])
    np.testing.assert_allclose(gg.pdist(x, 1).detach().numpy(), [7.0, 1.0, 6.0])
    # max |diff| of pairs (0,1), (0,2) at column 1, (1,2) a tie (3, 3): each tied entry gets
    # the whole sign, as torch
    F.pdist(x, INF).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, -2.0], [1.0, 2.0], [-1.0, 0.0]])
    assert F.pdist(gg.randn(1, 3)).shape == (0,) and F.pdist(gg.randn(0, 3)).shape == (0,)
    assert F.pdist(gg.randn(3, 2, dtype=gg.float32)).dtype == gg.float32
    with pytest.raises(RuntimeError, match="2D"):
        F.pdist(gg.randn(3))
    with pytest.raises(RuntimeError, match="non-negative"):
        F.pdist(gg.randn(3, 2), -1.0)


@pytest.mark.parametrize(("shape", "k", "size"), [
    ((2, 2, 7, 8, 6), 2, (4, 5, 3)), ((1, 3, 6, 6, 5), (2, 3, 1), 3), ((2, 6, 5, 5), 2, (4, 2, 3)),
])
def test_fractional_max_pool3d_matches_torch(shape, k, size):
    rng = np.random.default_rng(0)
    x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1
    planes = shape[:2] if len(shape) == 5 else (1, shape[0])
    samples = rng.random(planes + (3,))
    ours, theirs = _both(x)
    out, idx = F.fractional_max_pool3d(ours, k, size, return_indices=True,
                                       _random_samples=gg.tensor(samples))
    assert idx.dtype == gg.int64 and out.shape == shape[:-3] + ((size,) * 3 if isinstance(
        size, int) else size)
    if torch is None:
        return
    ref, ref_idx = torch.nn.functional.fractional_max_pool3d(
        theirs, k, size, return_indices=True, _random_samples=torch.tensor(samples))
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_fractional_max_pool3d_sizes_errors_and_module():
    x = gg.randn(1, 2, 8, 8, 8)
    assert F.fractional_max_pool3d(x, 2, output_ratio=0.5).shape == (1, 2, 4, 4, 4)
    # torch's 3-d kernel needs output + kernel - 1 < input, strictly (2-d allows equality)
    with pytest.raises(RuntimeError, match="too large"):
        F.fractional_max_pool3d(gg.randn(1, 1, 5, 4, 4), 2, (4, 2, 2))
    assert F.fractional_max_pool2d(gg.randn(1, 1, 5, 4), 2, (4, 3)).shape == (1, 1, 4, 3)
    m = POOL.FractionalMaxPool3d(2, output_ratio=0.5)
    assert m.kernel_size == (2, 2, 2) and m.output_ratio == (0.5, 0.5, 0.5)
    assert m(x).shape == (1, 2, 4, 4, 4) and repr(m) == "FractionalMaxPool3d()"
    out, idx = POOL.FractionalMaxPool3d(2, 3, return_indices=True)(x)
    assert out.shape == idx.shape == (1, 2, 3, 3, 3)
    with pytest.raises(ValueError, match="FractionalMaxPool3d requires specifying either"):
        POOL.FractionalMaxPool3d(2)
    if torch is not None:
        with pytest.raises(RuntimeError):
            torch.nn.functional.fractional_max_pool3d(torch.randn(1, 1, 5, 4, 4), 2, (4, 2, 2))


# ------------------------------------------------------------------------------ 7. int avg pool
def test_avg_pool_int64_truncates_toward_zero():
    x = gg.tensor([[[-3, 4, 7, -8, 5, 2]]])
    out = F.avg_pool1d(x, 2)
    assert out.dtype == gg.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [[[0, 0, 3]]])  # 1/2, -1/2, 7/2
    np.testing.assert_array_equal(F.avg_pool1d(x, 3, 1, 1).numpy(), [[[0, 2, 1, 1, 0, 2]]])
    np.testing.assert_array_equal(
        F.avg_pool2d(x, (1, 2), divisor_override=-3).numpy(), [[[0, 0, -2]]])


@pytest.mark.parametrize("seed", range(12))
def test_avg_pool_int64_matches_torch(seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 4))
    k, s = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    p = int(rng.integers(0, k // 2 + 1))
    shape = (2, 2) + tuple(int(rng.integers(k, 6)) for _ in range(d))
    x = rng.integers(-50, 50, shape)
    kw = {"ceil_mode": bool(rng.integers(2)), "count_include_pad": bool(rng.integers(2))}
    if d > 1 and rng.integers(2):
        kw["divisor_override"] = int(rng.choice([-3, 2, 5]))
    out = getattr(F, f"avg_pool{d}d")(gg.tensor(x), k, s, p, **kw)
    assert out.dtype == gg.int64
    ref = getattr(torch.nn.functional, f"avg_pool{d}d")(torch.tensor(x), k, s, p, **kw)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool"])
def test_avg_pool_other_integer_dtypes_raise(dtype):
    with pytest.raises(NotImplementedError, match="not implemented"):
        F.avg_pool2d(gg.zeros(1, 2, 2, dtype=getattr(gg, dtype)), 2)
    if torch is not None:
        with pytest.raises(NotImplementedError):
            torch.nn.functional.avg_pool2d(torch.zeros(1, 2, 2, dtype=getattr(torch, dtype)), 2)


# ------------------------------------------------------------------------------ 8. exceptions
ERRORS = [
    ("batch_norm eval without running_mean",
     lambda m, t: m.batch_norm(t(2, 3), None, None), RuntimeError, "running_mean"),
    ("batch_norm eval without running_var",
     lambda m, t: m.batch_norm(t(2, 3), t(3), None), RuntimeError, "running_var"),
    ("affine_grid size with another N",
     lambda m, t: m.affine_grid(t(2, 2, 3), (3, 1, 4, 4), align_corners=False), RuntimeError,
     None),
    ("sdpa heads that do not broadcast",
     lambda m, t: m.scaled_dot_product_attention(t(1, 4, 2, 3), t(1, 2, 2, 3), t(1, 2, 2, 3)),
     RuntimeError, None),
    ("sdpa mask that does not broadcast",
     lambda m, t: m.scaled_dot_product_attention(t(2, 2, 3), t(2, 2, 3), t(2, 2, 3),
                                                 attn_mask=t(3, 2, 2)), RuntimeError, None),
    ("smooth_l1_loss beta < 0",
     lambda m, t: m.smooth_l1_loss(t(3), t(3), beta=-1.0), RuntimeError, "beta"),
    ("huber_loss delta = 0", lambda m, t: m.huber_loss(t(3), t(3), delta=0.0), RuntimeError,
     "delta"),
    ("huber_loss delta < 0", lambda m, t: m.huber_loss(t(3), t(3), delta=-1.0), RuntimeError,
     "delta"),
    ("cross_entropy label_smoothing > 1",
     lambda m, t: m.cross_entropy(t(2, 3), t(2, 3), label_smoothing=1.5), RuntimeError,
     "label_smoothing"),
    ("cross_entropy float (N,) target",
     lambda m, t: m.cross_entropy(t(2, 3), t(2)), RuntimeError, "Long"),
    ("cross_entropy float () target",
     lambda m, t: m.cross_entropy(t(3), t(())), RuntimeError, "Long"),
]


@pytest.mark.parametrize(("label", "call", "exc", "match"), ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_exception_classes_as_torch(label, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call(F, gg.zeros)
    assert type(info.value) is exc
    if torch is not None:
        with pytest.raises(exc) as ref:
            call(torch.nn.functional, torch.zeros)
        assert type(ref.value) is exc


def test_negative_label_smoothing_is_ignored_as_torch():
    x = np.random.default_rng(0).standard_normal((4, 3))
    y = np.array([0, 1, 2, 1])
    plain = F.cross_entropy(gg.tensor(x), gg.tensor(y))
    neg = F.cross_entropy(gg.tensor(x), gg.tensor(y), label_smoothing=-0.3)
    np.testing.assert_allclose(neg.numpy(), plain.numpy())
    if torch is not None:
        ref = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y),
                                                label_smoothing=-0.3)
        np.testing.assert_allclose(neg.numpy(), ref.numpy(), rtol=1e-12)


def test_nn_norm_modules_on_empty_batch():
    bn = NORM.BatchNorm1d(3)
    out = bn(gg.zeros(0, 3))
    assert out.shape == (0, 3)
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(3))
    assert NORM.LayerNorm(4)(gg.zeros(0, 4)).shape == (0, 4)
    assert NORM.GroupNorm(2, 4)(gg.zeros(0, 4, 3)).shape == (0, 4, 3)


# ------------------------------------------------------------------------------ more of review 3
@pytest.mark.parametrize(("name", "kw"), [("elu", {}), ("elu", {"alpha": 2.0}), ("selu", {}),
                                          ("celu", {"alpha": 0.5})])
@pytest.mark.parametrize("v", [0.0, -0.3, 0.4])
def test_elu_family_second_derivative(name, kw, v):
    x = gg.tensor([v], dtype=gg.float64, requires_grad=True)
    g, = gg.autograd.grad(getattr(F, name)(x, **kw).sum(), x, create_graph=True)
    h, = gg.autograd.grad(g.sum(), x)
    if v >= 0:  # at 0 too: the x <= 0 branch's exp(min(x, 0)) is flat there, as torch's
        np.testing.assert_array_equal(h.numpy(), [0.0])
    if torch is not None:
        t = torch.tensor([v], dtype=torch.float64, requires_grad=True)
        tg, = torch.autograd.grad(getattr(torch.nn.functional, name)(t, **kw).sum(), t,
                                  create_graph=True)
        th, = torch.autograd.grad(tg.sum(), t)
        np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("call", "exc"), [
    (lambda m, t: m.rrelu(t([1.0, -1.0]), 0.5, 0.1), RuntimeError),
    (lambda m, t: m.rrelu(t([1.0, -1.0]), 0.5, 0.1, training=True), RuntimeError),
    (lambda m, t: m.hardtanh(t([True, False])), RuntimeError),
    (lambda m, t: m.relu6(t([True, False])), RuntimeError),
    (lambda m, t: m.embedding(t([0]), t([[1.0], [2.0]]), padding_idx=2), AssertionError),
    (lambda m, t: m.embedding(t([0]), t([[1.0], [2.0]]), padding_idx=-3), AssertionError),
])
def test_more_errors_as_torch(call, exc):
    with pytest.raises(exc) as info:
        call(F, gg.tensor)
    assert type(info.value) is exc
    if torch is not None:
        with pytest.raises(exc):
            call(torch.nn.functional, torch.tensor)


@pytest.mark.parametrize(("name", "args"), [
    ("hardtanh", ()), ("relu6", ()), ("hardshrink", ()), ("softshrink", ()),
    ("threshold", (0.1, 0.0)), ("leaky_relu", (0.2,)),
])
def test_piecewise_linear_second_derivative_is_zero(name, args):
    x = gg.tensor([0.5, -2.0, 3.0, np.inf], requires_grad=True)
    g, = gg.autograd.grad(getattr(F, name)(x, *args).sum(), x, create_graph=True)
    assert g.requires_grad  # as torch: a function of x, so a further grad is zeros
    h, = gg.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros(4))
    if torch is not None:
        t = torch.tensor([0.5, -2.0, 3.0, np.inf], requires_grad=True)
        tg, = torch.autograd.grad(getattr(torch.nn.functional, name)(t, *args).sum(), t,
                                  create_graph=True)
        np.testing.assert_array_equal(g.detach().numpy(), tg.detach().numpy())
        th, = torch.autograd.grad(tg.sum(), t)
        np.testing.assert_array_equal(h.numpy(), th.numpy())
