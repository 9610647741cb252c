"""Pooling over 1, 2 and 3 spatial dims against torch: values, returned indices and
gradients (ties and NaN included), ceil_mode, count_include_pad, divisor_override, adaptive
and LP pools, max-unpooling, second derivatives, integer inputs, errors, and the nn layers
with their reprs. The registry (tests/test_ops.py) gradient-checks the registered pools."""

import itertools

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradgradcheck
from glassgrad.nn import pooling as P
from torch_ref import torch


def _run(name, x, kwargs, indices=False, seed=0):
    """Ours and torch's output (and indices) and the input gradient of sum(w * out)."""
    ours, theirs = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = getattr(F, name)(ours, **kwargs)
    ref = getattr(torch.nn.functional, name)(theirs, **kwargs)
    if indices:
        (out, idx), (ref, ref_idx) = out, ref
        assert idx.dtype == np.int64
        np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    assert out.dtype == x.dtype and tuple(out.shape) == tuple(ref.shape)
    w = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(x.dtype)
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    tol = dict(rtol=1e-5, atol=1e-5) if x.dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), **tol)


WINDOWS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
           dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(2, 3, 2), stride=(1, 2, 3)),
           dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
           dict(kernel_size=2, stride=3, ceil_mode=True)]


def _window(kwargs, d):
    """kwargs with 3-tuples cut to d entries."""
    return {k: v[:d] if isinstance(v, tuple) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("window", range(len(WINDOWS)))
def test_max_pool_matches_torch_with_ties(d, window, dtype):
    rng = np.random.default_rng(window)
    x = rng.integers(0, 4, (2, 3) + (7,) * d).astype(dtype)  # many ties
    kw = _window(WINDOWS[window], d)
    _run(f"max_pool{d}d", x, dict(kw, return_indices=True), indices=True)
    _run(f"max_pool{d}d", x[0], dict(kw, return_indices=True), indices=True)  # unbatched


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_pool_dilation_matches_torch(d):
    x = np.random.default_rng(0).standard_normal((1, 2) + (9,) * d)
    for kw in [dict(kernel_size=3, dilation=2), dict(kernel_size=3, stride=2, padding=1,
                                                       dilation=2, ceil_mode=True)]:
        _run(f"max_pool{d}d", x, dict(kw, return_indices=True), indices=True)


@pytest.mark.filterwarnings("ignore:invalid value")  # sum(w * out) of -inf outputs is NaN
def test_max_pool_nan_and_minus_inf_point_where_torch_points():
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = x[0, 1, 3, 3] = np.nan
    _run("max_pool2d", x, dict(kernel_size=3, stride=1, return_indices=True), indices=True)
    x = np.full((1, 2, 5, 6), -np.inf)
    x[0, 1, 4, 5] = 1.0
    _run("max_pool2d", x, dict(kernel_size=3, stride=2, padding=1, return_indices=True),
         indices=True)
    _run("max_pool1d", np.full((1, 1, 7), -np.inf),
         dict(kernel_size=3, stride=2, padding=1, dilation=2, return_indices=True), indices=True)


def test_max_pool_known_values_without_torch():
    x = gg.tensor([[[1.0, 3.0, 3.0, 2.0, 5.0]]], requires_grad=True)
    out, idx = F.max_pool1d(x, 2, return_indices=True)
    assert out.detach().numpy().tolist() == [[[3.0, 3.0]]]
    assert idx.numpy().tolist() == [[[1, 2]]]
    out, idx = F.max_pool1d(x, 2, 1, return_indices=True)
    assert idx.numpy().tolist() == [[[1, 1, 2, 4]]]  # a tie goes to the first maximum
    out.sum().backward()
    assert x.grad.numpy().tolist() == [[[0.0, 2.0, 1.0, 0.0, 1.0]]]  # overlaps accumulate


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8])
def test_max_pool_on_integers_with_padding(dtype):
    x = np.random.default_rng(0).integers(-100, 100, (1, 2, 5, 5)).astype(dtype)
    x[0, 0, 0, 0] = np.iinfo(dtype).min
    out, idx = F.max_pool2d(gg.tensor(x), 3, 2, 1, return_indices=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


AVG = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
       dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
       dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
       dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
       dict(kernel_size=(2, 3, 2), stride=(3, 1, 2), ceil_mode=True),
       dict(kernel_size=2, stride=1, divisor_override=3),
       dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=2)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("case", range(len(AVG)))
def test_avg_pool_matches_torch(d, case, dtype):
    kw = _window(AVG[case], d)
    if d == 1 and "divisor_override" in kw:
        pytest.skip("avg_pool1d has no divisor_override (as torch)")
    x = np.random.default_rng(case).standard_normal((2, 3) + (7,) * d).astype(dtype)
    _run(f"avg_pool{d}d", x, kw)
    _run(f"avg_pool{d}d", x[1], kw)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("size", [1, 3, 4, 7, (2, 5, 3), (None, 2, None)])
def test_adaptive_avg_pool_matches_torch(d, size):
    if isinstance(size, tuple):
        size = size[:d] if d > 1 else size[1]  # torch's 1-d pools take no None
    x = np.random.default_rng(0).standard_normal((2, 3) + (7,) * d)
    _run(f"adaptive_avg_pool{d}d", x, dict(output_size=size))
    _run(f"adaptive_avg_pool{d}d", x[0].astype(np.float32), dict(output_size=size))


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("size", [1, 3, 4, 7, 9, (2, 5)])
def test_adaptive_max_pool_matches_torch_with_ties(d, size):
    if isinstance(size, tuple):
        size = size[:d]
    x = np.random.default_rng(1).integers(0, 3, (2, 3) + (7,) * d).astype(np.float64)
    _run(f"adaptive_max_pool{d}d", x, dict(output_size=size, return_indices=True), indices=True)
    _run(f"adaptive_max_pool{d}d", x[0], dict(output_size=size, return_indices=True),
         indices=True)
    x[0, 0, 2] = np.nan
    _run(f"adaptive_max_pool{d}d", x, dict(output_size=size, return_indices=True), indices=True)


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("kw", [dict(norm_type=2, kernel_size=2),
                                dict(norm_type=3.5, kernel_size=3, stride=2, ceil_mode=True),
                                dict(norm_type=1, kernel_size=(3, 2), stride=1)])
def test_lp_pool_matches_torch(d, kw):
    x = np.abs(np.random.default_rng(0).standard_normal((2, 3) + (7,) * d)) + 0.1
    kw = _window(kw, d)
    if d == 1 and isinstance(kw["kernel_size"], tuple):
        kw["kernel_size"] = kw["kernel_size"][0]  # torch's lp_pool1d fails on a 1-tuple
    _run(f"lp_pool{d}d", x, kw)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("k, s, p, size", [(2, None, 0, None), (3, 2, 1, 6),
                                           (2, 2, 0, 7), (3, 3, 0, 8)])
def test_max_unpool_matches_torch(d, k, s, p, size):
    if d == 3 and not hasattr(torch.nn.functional, "max_unpool3d"):
        pytest.skip("no max_unpool3d in this torch")
    x = np.random.default_rng(0).standard_normal((2, 3) + (6,) * d)
    pooled, idx = getattr(torch.nn.functional, f"max_pool{d}d")(
        torch.tensor(x), k, s, p, return_indices=True)
    output_size = None if size is None else (size,) * d
    ours = gg.tensor(pooled.numpy(), requires_grad=True)
    theirs = pooled.clone().requires_grad_()
    out = getattr(F, f"max_unpool{d}d")(ours, gg.tensor(idx.numpy()), k, s, p, output_size)
    ref = getattr(torch.nn.functional, f"max_unpool{d}d")(theirs, idx, k, s, p, output_size)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_max_unpool_errors():
    x, idx = F.max_pool2d(gg.zeros(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(RuntimeError, match="max_unpool2d.*invalid max index"):
        F.max_unpool2d(x, idx * 100, 2)
    with pytest.raises(RuntimeError, match="max_unpool2d"):
        F.max_unpool2d(x, idx[..., :1], 2)
    with pytest.raises(ValueError, match="max_unpool2d"):
        F.max_unpool2d(x, idx, 2, output_size=(9, 9))


# ------------------------------------------------------------------------------ second order
@pytest.mark.parametrize(("name", "kwargs"), [
    ("max_pool2d", dict(kernel_size=3, stride=1, padding=1)),
    ("max_pool1d", dict(kernel_size=2)), ("max_pool3d", dict(kernel_size=2, stride=1)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool3d", dict(kernel_size=2, count_include_pad=False, padding=1)),
    ("adaptive_max_pool2d", dict(output_size=3)), ("adaptive_avg_pool2d", dict(output_size=3)),
    ("adaptive_avg_pool1d", dict(output_size=4)), ("lp_pool2d", dict(norm_type=3, kernel_size=2)),
])
def test_double_backward_matches_torch(name, kwargs):
    """The gradient of <v, d/dx sum(w * pool(x))> with respect to x and to w."""
    d = int(name[-2])
    rng = np.random.default_rng(0)
    x = np.abs(rng.standard_normal((1, 2) + (5,) * d)) + 0.1
    out_shape = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs).shape
    w, v = rng.standard_normal(tuple(out_shape)), rng.standard_normal(x.shape)

    def second(lib, tensor, fn):
        xs, ws = tensor(x, requires_grad=True), tensor(w, requires_grad=True)
        (g,) = lib.autograd.grad((fn(xs, **kwargs) * ws).sum(), xs, create_graph=True)
        return lib.autograd.grad((g * tensor(v)).sum(), (xs, ws), allow_unused=True)

    ours = second(gg, gg.tensor, getattr(F, name))
    theirs = second(torch, torch.tensor, getattr(torch.nn.functional, name))
    for a, b in zip(ours, theirs, strict=True):
        a = np.zeros(b.shape) if a is None else a.numpy()
        b = np.zeros(a.shape) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_pools_are_twice_differentiable_by_gradgradcheck():
    rng = np.random.default_rng(0)
    x = (rng.permutation(2 * 36) * 0.05).reshape(1, 2, 6, 6)
    for fn in [lambda t: F.adaptive_avg_pool2d(t, (4, 5)),
               lambda t: F.lp_pool2d(t + 1, 2, 3, 2, True),
               lambda t: F.max_pool2d(t, 3, 1, 1) * F.avg_pool2d(t, 3, 1, 1)]:
        assert gradgradcheck(fn, (gg.tensor(x, requires_grad=True),))


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: F.max_pool2d(gg.zeros(1, 1, 8, 8), 3, padding=2), RuntimeError, "half"),
    (lambda: F.max_pool2d(gg.zeros(1, 1, 3, 8), 4), RuntimeError, "too small"),
    (lambda: F.max_pool2d(gg.zeros(8, 8), 2), RuntimeError, "3-D .* or 4-D"),
    (lambda: F.max_pool1d(gg.zeros(1, 1, 8), (2, 2)), RuntimeError, "kernel_size"),
    (lambda: F.max_pool3d(gg.zeros(1, 1, 4, 4, 4), 0), RuntimeError, "kernel_size >= 1"),
    (lambda: F.avg_pool2d(gg.zeros(1, 1, 4, 4), 2, divisor_override=0), RuntimeError,
     "divisor"),
    (lambda: F.avg_pool1d(gg.zeros(1, 1, 4, dtype=gg.int32), 2), NotImplementedError,
     "not implemented for dtype int32"),
    (lambda: F.adaptive_max_pool2d(gg.zeros(1, 1, 4, 4), -1), RuntimeError, "non-negative"),
    (lambda: F.adaptive_avg_pool3d(gg.zeros(1, 4, 4, 4), (1, 2)), ValueError, "output_size"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------------------ nn layers
LAYERS = [
    ("MaxPool1d", (2,), {}), ("MaxPool1d", (3, 2, 1), dict(ceil_mode=True)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=1)),
    ("MaxPool3d", (3, 2, 1, 2, False, True), {}), ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1, True, False), {}), ("AvgPool2d", (3,), dict(divisor_override=2)),
    ("AvgPool3d", (3, 2, 1, True, False, 4), {}), ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}), ("AdaptiveMaxPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", (3, True), {}), ("LPPool1d", (2, 3), {}),
    ("LPPool2d", (2.0, (2, 3), 1, True), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), LAYERS)
def test_layers_match_torch(name, args, kwargs):
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    ours = getattr(P, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    d = int(name[-2])
    x = np.abs(np.random.default_rng(0).standard_normal((2, 3) + (7,) * d)) + 0.1
    out, ref = ours(gg.tensor(x)), theirs(torch.tensor(x))
    if isinstance(ref, tuple):
        np.testing.assert_array_equal(out[1].numpy(), ref[1].numpy())
        out, ref = out[0], ref[0]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_unpool_layer_inverts_max_pool(d):
    pool = getattr(P, f"MaxPool{d}d")(2, return_indices=True)
    unpool = getattr(P, f"MaxUnpool{d}d")(2)
    assert repr(unpool) == repr(getattr(torch.nn, f"MaxUnpool{d}d")(2))
    x = gg.tensor(np.random.default_rng(0).standard_normal((1, 2) + (4,) * d))
    out, idx = pool(x)
    back = unpool(out, idx)
    assert tuple(back.shape) == tuple(x.shape)
    kept = back.numpy() != 0
    assert kept.sum() == out.numel()
    np.testing.assert_array_equal(back.numpy()[kept], x.numpy()[kept])


def test_all_window_shapes_agree_with_torch_on_output_size():
    """Output sizes for a grid of sizes, kernels, strides, paddings and ceil_mode."""
    for n, k, s, p, ceil in itertools.product([4, 5, 7], [2, 3], [1, 2, 3], [0, 1], [False,
                                                                                  True]):
        x = np.zeros((1, 1, n))
        ref = torch.nn.functional.max_pool1d(torch.tensor(x), k, s, p, ceil_mode=ceil)
        assert F.max_pool1d(gg.tensor(x), k, s, p, ceil_mode=ceil).shape == tuple(ref.shape)
        ref = torch.nn.functional.avg_pool1d(torch.tensor(x), k, s, p, ceil_mode=ceil)
        assert F.avg_pool1d(gg.tensor(x), k, s, p, ceil_mode=ceil).shape == tuple(ref.shape)


# ------------------------------------------------------------------------------ fractional
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("shape", "kernel", "size"), [
    ((2, 3, 9, 11), 3, (4, 5)), ((3, 10, 10), 2, (5, 4)), ((1, 1, 7, 7), (2, 3), (6, 5)),
    ((2, 2, 9, 9), 3, 1), ((1, 2, 8, 8), 2, 7)])
def test_fractional_max_pool2d_matches_torch_with_ties(shape, kernel, size, dtype):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, shape).astype(dtype)
    planes = (shape[0] if len(shape) == 4 else 1, shape[-3])
    samples = rng.random(planes + (2,)).astype(dtype)
    kw = dict(kernel_size=kernel, output_size=size, return_indices=True)
    ours, theirs = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, idx = F.fractional_max_pool2d(ours, _random_samples=samples, **kw)
    ref, ref_idx = torch.nn.functional.fractional_max_pool2d(
        theirs, _random_samples=torch.tensor(samples), **kw)
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    w = rng.standard_normal(tuple(ref.shape)).astype(dtype)
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_fractional_max_pool2d_draws_from_the_seeded_generator():
    x = gg.tensor(np.random.default_rng(0).standard_normal((2, 3, 12, 12)))
    gg.manual_seed(4)
    a, ia = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    gg.manual_seed(4)
    b, ib = F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), return_indices=True)
    assert a.shape == (2, 3, 6, 6)
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    draws = {F.fractional_max_pool2d(x, 2, 7, return_indices=True)[1].numpy().tobytes()
             for _ in range(5)}
    assert len(draws) > 1  # fresh offsets on each call
    layer = P.FractionalMaxPool2d(2, output_ratio=0.5)
    assert repr(layer) == repr(torch.nn.FractionalMaxPool2d(2, output_ratio=0.5))
    assert layer(x).shape == (2, 3, 6, 6)


def test_fractional_max_pool2d_errors():
    x = gg.zeros(1, 1, 6, 6)
    with pytest.raises(RuntimeError, match="too large"):
        F.fractional_max_pool2d(x, 3, 5)
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        F.fractional_max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="_random_samples"):
        F.fractional_max_pool2d(x, 2, 3, _random_samples=np.zeros((1, 2, 2)))


@pytest.mark.parametrize(("name", "kwargs"), [
    ("max_pool2d", dict(kernel_size=3, padding=1)), ("avg_pool2d", dict(kernel_size=2)),
    ("adaptive_avg_pool2d", dict(output_size=3)), ("adaptive_max_pool2d", dict(output_size=3)),
    ("fractional_max_pool2d", dict(kernel_size=2, output_size=3)),
    ("lp_pool2d", dict(norm_type=2, kernel_size=2))])
def test_an_empty_batch_pools_to_an_empty_batch(name, kwargs):
    x = gg.zeros(0, 3, 4, 4, requires_grad=True)
    out = getattr(F, name)(x, **kwargs)
    ref = getattr(torch.nn.functional, name)(torch.zeros(0, 3, 4, 4), **kwargs)
    assert out.shape == tuple(ref.shape)
    out.sum().backward()
    assert x.grad.shape == (0, 3, 4, 4)


@pytest.mark.parametrize(("name", "args"), [
    ("max_pool1d_with_indices", (2,)), ("max_pool2d_with_indices", (3, 2, 1)),
    ("max_pool3d_with_indices", (2,)), ("adaptive_max_pool1d_with_indices", (3,)),
    ("adaptive_max_pool2d_with_indices", (3,))])
def test_with_indices_forms(name, args):
    d = int(name.split("_pool")[1][0])
    x = np.random.default_rng(0).integers(0, 3, (1, 2) + (6,) * d).astype(np.float64)
    out, idx = getattr(F, name)(gg.tensor(x), *args)
    ref, ref_idx = getattr(torch.nn.functional, name)(torch.tensor(x), *args)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
