"""Losses against torch: reductions, weights, ignore_index, smoothing, K-dim, errors, dtypes."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import grad
from torch_ref import torch  # None where torch is not installed

TF = torch.nn.functional if torch is not None else None

REDUCTIONS = ["mean", "sum", "none"]


def _compare(name, arrays, rtol=1e-10, seed=0, **kwargs):
    """Call F.<name> and torch's, compare the loss and every float input's gradient."""
    ours = [gg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out = getattr(F, name)(*ours, **kwargs)
    ref = getattr(TF, name)(*theirs, **tkw)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for o, r in zip(ours, theirs):
        if o.requires_grad:
            np.testing.assert_allclose(o.grad.data, r.grad.numpy(), rtol=rtol, atol=1e-12)
    return out


# ------------------------------------------------------------------------------ cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("shape", [(6, 5), (2, 4, 3, 2), (5,)])
def test_cross_entropy_matches_torch(reduction, weighted, smoothing, shape):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape) * 2
    c = shape[0] if len(shape) == 1 else shape[1]
    t = rng.integers(0, c, shape[:1] + shape[2:] if len(shape) > 1 else ())
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = rng.uniform(0.2, 2.0, c)
    if t.ndim:
        t.flat[1] = -100  # ignored
    _compare("cross_entropy", [x, t], **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_ignore_index_in_range(reduction):
    rng = np.random.default_rng(11)
    x, t = rng.standard_normal((8, 4)), rng.integers(0, 4, 8)
    t[:3] = 2
    out = _compare("cross_entropy", [x, t], reduction=reduction, ignore_index=2,
                   weight=rng.uniform(0.5, 1.5, 4), label_smoothing=0.1)
    if reduction == "none":
        assert np.all(out.data[:3] == 0)


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(smoothing, reduction):
    rng = np.random.default_rng(12)
    for shape in [(4, 3), (2, 3, 2)]:
        p = rng.uniform(0, 1, shape)
        _compare("cross_entropy", [rng.standard_normal(shape), p / p.sum(1, keepdims=True)],
                 reduction=reduction, label_smoothing=smoothing,
                 weight=rng.uniform(0.5, 1.5, shape[1]))


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]])
    out = _compare("cross_entropy", [x, np.array([1, 1])], reduction="none")
    assert np.isfinite(out.data).all()
    np.testing.assert_allclose(out.data, [2000.0, 0.0])


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    out = F.cross_entropy(gg.randn(2, 3), gg.tensor([-100, -100]))
    ref = TF.cross_entropy(torch.randn(2, 3), torch.tensor([-100, -100]))
    assert np.isnan(out.item()) and np.isnan(ref.item())


def test_cross_entropy_double_backward_matches_torch():
    rng = np.random.default_rng(13)
    a, t = rng.standard_normal((3, 4)), rng.integers(0, 4, 3)
    w = rng.uniform(0.5, 1.5, 4)
    kw = {"weight": w, "label_smoothing": 0.2}
    x, tx = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (g,) = grad(F.cross_entropy(x, gg.tensor(t), **kw), [x], create_graph=True)
    (tg,) = torch.autograd.grad(TF.cross_entropy(tx, torch.tensor(t), weight=torch.tensor(w),
                                                 label_smoothing=0.2), [tx], create_graph=True)
    u = rng.standard_normal(a.shape)
    (h,) = grad((g * u).sum(), [x])
    (th,) = torch.autograd.grad((tg * torch.tensor(u)).sum(), [tx])
    np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_target_gets_no_gradient_and_records_one_op():
    x = gg.randn(3, 4, requires_grad=True)
    t = gg.tensor([0, 3, 1])
    out = F.cross_entropy(x, t)
    assert out.op == "cross_entropy" and out.parents[0] is x
    out.backward()
    assert t.grad is None and x.grad.shape == (3, 4)
    np.testing.assert_allclose(x.grad.data.sum(axis=1), 0, atol=1e-7)  # softmax - onehot


# ------------------------------------------------------------------------------ nll
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 2, 2), (4,)])
def test_nll_loss_matches_torch(reduction, shape):
    rng = np.random.default_rng(14)
    logp = np.log(rng.dirichlet(np.ones(shape[1 if len(shape) > 1 else 0]),
                                size=shape[:1] + shape[2:] if len(shape) > 1 else None))
    logp = np.ascontiguousarray(np.moveaxis(logp, -1, 1)) if len(shape) > 2 else logp
    c = shape[1] if len(shape) > 1 else shape[0]
    t = rng.integers(0, c, shape[:1] + shape[2:] if len(shape) > 1 else ())
    if t.ndim:
        t.flat[0] = 1
        _compare("nll_loss", [logp, t], reduction=reduction, weight=rng.uniform(0.5, 2, c),
                 ignore_index=1)
    _compare("nll_loss", [logp, t], reduction=reduction)


def test_nll_loss_ignores_minus_inf_outside_the_target():
    with np.errstate(divide="ignore"):
        logp = np.log(np.array([[0.0, 1.0], [0.5, 0.5]]))  # -inf where p = 0
        out = F.nll_loss(gg.tensor(logp), gg.tensor([1, -100]), reduction="none")
    np.testing.assert_array_equal(out.data, [0.0, 0.0])


# ------------------------------------------------------------------------------ class errors
@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_out_of_range_targets_name_the_index_and_class_count(fn):
    name = fn.__name__
    with pytest.raises(IndexError, match=f"{name}: target 7 is out of range for 5 classes"):
        fn(gg.randn(3, 5), gg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match=f"{name}: target -1 is out of range for 5 classes"):
        fn(gg.randn(3, 5), gg.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match="target 3 is out of range for 3 classes"):
        fn(gg.randn(2, 3, 4), gg.tensor([[0, 1, 2, 3], [0, 0, 0, 0]]))
    fn(gg.randn(3, 5), gg.tensor([0, -100, 1]))  # ignore_index is not a range error
    fn(gg.randn(3, 5), gg.tensor([0, 9, 1]), ignore_index=9)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_class_target_errors(fn):
    name = fn.__name__
    # torch raises RuntimeError for cross_entropy's float (N,) target
    err = RuntimeError if name == "cross_entropy" else TypeError
    with pytest.raises(err, match=f"{name}: .*target must .*integer class indices"):
        fn(gg.randn(3, 5), gg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=rf"{name}: expected target of shape \(3,\) for "
                                         rf"input of shape \(3, 5\), got \(4,\)"):
        fn(gg.randn(3, 5), gg.tensor([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match=rf"{name}: weight should hold one value per class "
                                         rf"\(5\), got shape \(4,\)"):
        fn(gg.randn(3, 5), gg.tensor([0, 1, 2]), weight=np.ones(4))
    with pytest.raises(RuntimeError, match=f"{name}: input must have a class dim"):
        fn(gg.tensor(1.0), gg.tensor(0))


def test_label_smoothing_range():
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(gg.randn(3, 5), gg.tensor([0, 1, 2]), label_smoothing=1.5)


# ------------------------------------------------------------------------------ regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4}),
    ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.4}), ("smooth_l1_loss", {"beta": 0}),
])
def test_regression_losses_match_torch(reduction, name, kw):
    rng = np.random.default_rng(15)
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out = _compare(name, [x, t], reduction=reduction, **kw)
    assert out.shape == ((4, 3) if reduction == "none" else ())
    _compare(name, [rng.standard_normal(()), rng.standard_normal(())], reduction=reduction,
             **kw)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses_match_torch(name):
    rng = np.random.default_rng(16)
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for reduction in REDUCTIONS:
        _compare(name, [x, t], reduction=reduction, weight=rng.uniform(0.1, 2.0, (4, 3)))


def test_mse_gives_the_target_a_gradient_and_broadcasts():
    rng = np.random.default_rng(17)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _compare("mse_loss", [rng.standard_normal((4, 3)), rng.standard_normal((3,))])
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(gg.zeros(4, 3), gg.zeros(3))


def test_l1_gradient_at_zero_difference_is_zero():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    F.l1_loss(x, gg.tensor([1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


# ------------------------------------------------------------------------------ binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_matches_torch(reduction):
    rng = np.random.default_rng(18)
    x, t = rng.uniform(0.02, 0.98, (3, 4)), rng.uniform(0, 1, (3, 4))
    _compare("binary_cross_entropy", [x, t], reduction=reduction)
    _compare("binary_cross_entropy", [x, t], reduction=reduction,
             weight=rng.uniform(0.1, 2.0, (4,)))


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    out = _compare("binary_cross_entropy", [x, t], reduction="none", rtol=1e-7)  # grads ~1e11
    np.testing.assert_array_equal(out.data, [100.0, 100.0, 0.0, 0.0])


@pytest.mark.parametrize("bad", [1.5, -0.25, np.nan])
def test_binary_cross_entropy_range_errors_name_the_value(bad):
    x = np.array([0.5, bad, 0.2])
    with pytest.raises(RuntimeError, match=rf"binary_cross_entropy: all elements of input should "
                                         rf"be between 0 and 1; got {bad} at index \(1,\)"):
        F.binary_cross_entropy(gg.tensor(x), gg.tensor([0.0, 1.0, 0.0]))
    with pytest.raises(RuntimeError, match=rf"all elements of target .* got {bad}"):
        F.binary_cross_entropy(gg.tensor([0.1, 0.2, 0.3]), gg.tensor(x))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction):
    rng = np.random.default_rng(19)
    x, t = rng.standard_normal((3, 4)) * 3, rng.uniform(0, 1, (3, 4))
    name = "binary_cross_entropy_with_logits"
    _compare(name, [x, t], reduction=reduction)
    _compare(name, [x, t], reduction=reduction, weight=rng.uniform(0.1, 2.0, (3, 1)),
             pos_weight=rng.uniform(0.1, 3.0, (4,)))


def test_binary_cross_entropy_with_logits_is_stable_at_100():
    x = np.array([100.0, -100.0, 100.0, -100.0, 0.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    name = "binary_cross_entropy_with_logits"
    for kw in ({}, {"pos_weight": np.array(2.5)}):
        out = _compare(name, [x, t], reduction="none", **kw)
        assert np.isfinite(out.data).all()
        np.testing.assert_allclose(out.data[:4], [100.0, 100.0 * kw.get("pos_weight", 1.0),
                                                  0.0, 0.0], atol=1e-12)
    xs = gg.tensor(np.array([100.0, -100.0], dtype=np.float32), requires_grad=True)
    F.binary_cross_entropy_with_logits(xs, gg.tensor([0.0, 1.0])).backward()
    np.testing.assert_array_equal(xs.grad.data, [0.5, -0.5])


def test_binary_shape_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(2,\) must "
                                         r"have the input's shape \(3,\)"):
        F.binary_cross_entropy(gg.tensor([0.1, 0.2, 0.3]), gg.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"pos_weight of shape \(2,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(gg.zeros(2, 3), gg.zeros(2, 3),
                                           pos_weight=np.ones(2))


# ------------------------------------------------------------------------------ all losses
def _all_losses():
    rng = np.random.default_rng(20)
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p, q = rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0, 1, (3, 4))
    cls = rng.integers(0, 4, 3)
    return [("mse_loss", x, t), ("l1_loss", x, t), ("huber_loss", x, t),
            ("smooth_l1_loss", x, t), ("binary_cross_entropy", p, q),
            ("binary_cross_entropy_with_logits", x, q), ("cross_entropy", x, cls),
            ("nll_loss", x, cls)]


@pytest.mark.parametrize("name,x,t", _all_losses())
def test_invalid_reduction_names_it(name, x, t):
    with pytest.raises(ValueError, match=f"{name}: reduction must be 'none', 'mean' or 'sum', "
                                         "got 'avg'"):
        getattr(F, name)(gg.tensor(x), gg.tensor(t), reduction="avg")


@pytest.mark.parametrize("name,x,t", _all_losses())
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float32_in_float32_out(name, x, t, reduction):
    x32 = gg.tensor(x.astype(np.float32), requires_grad=True)
    t32 = gg.tensor(t if t.dtype.kind == "i" else t.astype(np.float32))
    out = getattr(F, name)(x32, t32, reduction=reduction)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x32.grad.dtype == np.float32
    ref = getattr(F, name)(gg.tensor(x), gg.tensor(t), reduction=reduction)
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,x,t", [c for c in _all_losses() if c[0] != "huber_loss"])
def test_legacy_size_average_and_reduce(name, x, t):
    fn = getattr(F, name)
    xt, tt = gg.tensor(x), gg.tensor(t)
    np.testing.assert_allclose(fn(xt, tt, reduce=False).data, fn(xt, tt, reduction="none").data)
    np.testing.assert_allclose(fn(xt, tt, size_average=False).data,
                               fn(xt, tt, reduction="sum").data)
    np.testing.assert_allclose(fn(xt, tt, size_average=True, reduce=True).data,
                               fn(xt, tt).data)
