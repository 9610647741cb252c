"""The composed losses (loss_more.py, loss_margin.py) and the loss options of the fused ones,
against torch: values, gradients (the target's too where torch gives one), reductions, the
legacy size_average/reduce pair, ties at the hinges, errors, dtypes, the nn modules; and
gradcheck + gradgradcheck for every composed loss (they have no registry spec)."""

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradcheck, gradgradcheck
from glassgrad.nn import loss as L
from torch_ref import torch

TF = torch.nn.functional if torch is not None else None
REDUCTIONS = ["none", "mean", "sum"]


def _arrays(kind, rng):
    """Named argument sets: (arrays, kwargs, indices of arrays torch does not differentiate)."""
    x = rng.standard_normal((4, 5))
    t = rng.standard_normal((4, 5))
    sign = np.where(rng.standard_normal((4, 5)) > 0, 1.0, -1.0)
    sign4 = np.where(rng.standard_normal(4) > 0, 1.0, -1.0)
    cls = rng.integers(0, 5, 4)
    labels = np.array([[3, 0, -1, 1, 1], [0, 1, 2, 3, 4], [-1, 2, 2, 2, 2], [4, 4, -1, 0, 0]])
    prob = rng.uniform(0.05, 1.0, (4, 5))
    return {
        "kl_div": ([x, prob], {}, ()),
        "kl_div/log_target": ([x, t], {"log_target": True}, ()),
        "poisson_nll_loss": ([x, rng.uniform(0, 4, (4, 5))], {}, ()),
        "poisson_nll_loss/full": ([rng.uniform(0.1, 3, (4, 5)), rng.uniform(0, 4, (4, 5))],
                                  {"log_input": False, "full": True}, ()),
        "gaussian_nll_loss": ([x, t, rng.uniform(0.1, 2, (4, 5))], {"full": True}, ()),
        "gaussian_nll_loss/var_short": ([x, t, rng.uniform(0.1, 2, (4,))], {}, ()),
        "gaussian_nll_loss/var_one": ([x, t, rng.uniform(0.1, 2, (4, 1))], {}, ()),
        "soft_margin_loss": ([x * 3, sign], {}, (1,)),
        "multilabel_soft_margin_loss": ([x, (sign > 0) * 1.0],
                                        {"weight": rng.uniform(0.1, 1, 5)}, ()),
        "cosine_embedding_loss": ([x, t, sign4], {"margin": 0.1}, (2,)),
        "margin_ranking_loss": ([x, t, sign], {"margin": 0.3}, ()),
        "hinge_embedding_loss": ([x, sign], {"margin": 0.5}, (1,)),
        "triplet_margin_loss": ([x, t, rng.standard_normal((4, 5))], {"margin": 0.5}, ()),
        "triplet_margin_loss/p1_swap": ([x, t, rng.standard_normal((4, 5))],
                                        {"p": 1, "swap": True}, ()),
        "triplet_margin_loss/p3": ([x, t, rng.standard_normal((4, 5))], {"p": 3}, ()),
        "multi_margin_loss": ([x, cls], {"margin": 0.7, "weight": rng.uniform(0.1, 1, 5)},
                              ()),
        "multi_margin_loss/p2": ([x, cls], {"p": 2}, ()),
        "multilabel_margin_loss": ([x, labels], {}, ()),
    }


CASES = sorted(_arrays(None, np.random.default_rng(0)))


def _call(lib, name, arrays, kwargs, nograd=(), seed=0):
    """Run the loss in glassgrad or torch; returns (output, inputs) with grads set."""
    fn_name = name.split("/")[0]
    if lib == "gg":
        xs = [gg.tensor(a, requires_grad=a.dtype.kind == "f" and i not in nograd)
              for i, a in enumerate(arrays)]
        kw = dict(kwargs)
        fn = getattr(F, fn_name)
    else:
        xs = [torch.tensor(a, requires_grad=a.dtype.kind == "f" and i not in nograd)
              for i, a in enumerate(arrays)]
        kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        fn = getattr(TF, fn_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*xs, **kw)
    w = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    if lib == "gg":
        (out * gg.tensor(w)).sum().backward()
    else:
        (out * torch.tensor(w)).sum().backward()
    return out, xs


def _compare(name, arrays, kwargs, nograd=(), rtol=1e-10, torch_nan_ok=False):
    """Values and gradients equal to torch's. ``torch_nan_ok``: where torch's gradient is
    nan, glassgrad's must be finite (torch's xlogy-style nan at a target of 0)."""
    out, ours = _call("gg", name, arrays, kwargs, nograd)
    ref, theirs = _call("torch", name, arrays, kwargs, nograd)
    assert out.shape == tuple(ref.shape)
    assert out.dtype.name == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    for o, r in zip(ours, theirs):
        if r.requires_grad:
            assert (o.grad is None) == (r.grad is None)
            if r.grad is not None:
                mine, want = o.grad.numpy(), r.grad.numpy()
                if torch_nan_ok:
                    assert np.isfinite(mine[np.isnan(want)]).all()
                    mine, want = mine[~np.isnan(want)], want[~np.isnan(want)]
                np.testing.assert_allclose(mine, want, rtol=rtol, atol=1e-12)
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, reduction):
    arrays, kwargs, nograd = _arrays(name, np.random.default_rng(1))[name]
    _compare(name, arrays, {**kwargs, "reduction": reduction}, nograd)


@pytest.mark.parametrize("name", CASES)
def test_gradcheck_and_gradgradcheck(name):
    arrays, kwargs, nograd = _arrays(name, np.random.default_rng(2))[name]
    fn = getattr(F, name.split("/")[0])
    xs = [gg.tensor(a, requires_grad=a.dtype.kind == "f" and i not in nograd)
          for i, a in enumerate(arrays)]
    kw = {**kwargs, "reduction": "none"}

    def f(*ts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*ts, **kw)

    assert gradcheck(f, xs, atol=1e-6, rtol=1e-5)
    assert gradgradcheck(f, xs, atol=1e-6, rtol=1e-5)


def test_kl_div_batchmean_and_legacy_and_the_mean_warning():
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((3, 4)), rng.uniform(0.1, 1, (3, 4))
    out = _compare("kl_div", [x, t], {"reduction": "batchmean"})
    total = F.kl_div(gg.tensor(x), gg.tensor(t), reduction="sum").item()
    assert out.item() == pytest.approx(total / 3)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(gg.tensor(x), gg.tensor(t))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the legacy pair does not warn
        legacy = F.kl_div(gg.tensor(x), gg.tensor(t), size_average=False)
    assert legacy.item() == pytest.approx(total)
    assert F.kl_div(gg.tensor(x), gg.tensor(t), reduce=False).shape == (3, 4)
    # 0-d input: batchmean is the sum
    assert F.kl_div(gg.tensor(0.3), gg.tensor(0.5), reduction="batchmean").item() == \
        pytest.approx(TF.kl_div(torch.tensor(0.3), torch.tensor(0.5),
                                reduction="batchmean").item())
    with pytest.raises(ValueError, match="batchmean"):
        F.kl_div(gg.tensor(x), gg.tensor(t), reduction="avg")


def test_kl_div_zero_target_gives_zero_loss_and_finite_input_gradient():
    x = gg.tensor([-1.0, -2.0], requires_grad=True)
    t = gg.tensor([0.0, 0.5], requires_grad=True)
    out = F.kl_div(x, t, reduction="sum")
    out.backward()
    assert out.item() == pytest.approx(0.5 * (math.log(0.5) + 2))
    np.testing.assert_array_equal(x.grad.numpy(), [-0.0, -0.5])
    # torch's target gradient is nan at t = 0 (xlogy's); glassgrad's is 0 there
    assert np.isfinite(t.grad.numpy()).all()


@pytest.mark.parametrize("name,arrays,kw", [
    ("margin_ranking_loss", [np.array([1.0, 2.0]), np.array([1.5, 1.0]),
                             np.array([1.0, -1.0])], {"margin": 0.5}),
    ("hinge_embedding_loss", [np.array([1.0, 0.5, 2.0]), np.array([-1.0, -1.0, 1.0])],
     {"margin": 0.5}),
    ("multi_margin_loss", [np.array([[0.0, 1.0, 0.0], [2.0, 1.0, 1.0]]), np.array([1, 0])],
     {}),
    ("multilabel_margin_loss", [np.array([[0.0, 1.0, 0.0], [2.0, 1.0, 1.0]]),
                                np.array([[1, -1, 0], [0, 2, -1]])], {}),
    ("cosine_embedding_loss", [np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]),
                               np.array([-1.0])], {"margin": float(np.sqrt(0.5))}),
])
def test_ties_at_the_hinge_match_torch(name, arrays, kw):
    """Each hinge sits exactly at 0 somewhere: torch's clamp_min passes the gradient there,
    its fused margin kernels (multi_margin, multilabel_margin) do not."""
    nograd = {"hinge_embedding_loss": (1,), "cosine_embedding_loss": (2,)}.get(name, ())
    for reduction in REDUCTIONS:
        _compare(name, arrays, {**kw, "reduction": reduction}, nograd, rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in CASES if "/" not in n])
def test_float32_stays_float32(name):
    arrays, kwargs, nograd = _arrays(name, np.random.default_rng(4))[name]
    arrays = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    kwargs = {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
    out = _compare(name, arrays, kwargs, nograd, rtol=2e-5)
    assert out.dtype == gg.float32


@pytest.mark.parametrize("name", [n for n in CASES if "/" not in n and "gaussian" not in n])
def test_legacy_size_average_and_reduce(name):
    arrays, kwargs, nograd = _arrays(name, np.random.default_rng(5))[name]
    for legacy in [{"size_average": False}, {"reduce": False}, {"size_average": True}]:
        _compare(name, arrays, {**kwargs, **legacy}, nograd)


@pytest.mark.parametrize("name", [n for n in CASES if "/" not in n])
def test_invalid_reduction_is_a_value_error(name):
    arrays, kwargs, _ = _arrays(name, np.random.default_rng(6))[name]
    with pytest.raises(ValueError, match="reduction"):
        getattr(F, name)(*[gg.tensor(a) for a in arrays], **kwargs, reduction="avg")


def test_soft_margin_loss_does_not_overflow():
    x = gg.tensor([-100.0, 100.0], dtype=gg.float32, requires_grad=True)
    out = F.soft_margin_loss(x, gg.tensor([1.0, 1.0]), reduction="none")
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), [100.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.0], atol=1e-6)


def test_gaussian_nll_var_rules_and_clamp():
    rng = np.random.default_rng(7)
    x, t = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    for var in [rng.uniform(0.1, 1, (2, 3)), rng.uniform(0.1, 1, (2, 1, 4)), 0.7]:
        arrays = [x, t] + ([var] if isinstance(var, np.ndarray) else [])
        if isinstance(var, float):
            out = F.gaussian_nll_loss(gg.tensor(x), gg.tensor(t), var)
            ref = TF.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), var)
            assert out.item() == pytest.approx(ref.item(), rel=1e-12)
        else:
            _compare("gaussian_nll_loss", arrays, {"reduction": "none"})
    # var below eps: the value is clamped, the gradient passes through unchanged (as torch)
    v = np.array([1e-9, 0.0, 0.5])
    _compare("gaussian_nll_loss", [np.ones(3), np.zeros(3), v], {"reduction": "sum"},
             rtol=1e-9)
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(gg.tensor(x), gg.tensor(t), gg.tensor(np.ones((3, 4, 2))))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(gg.tensor(x), gg.tensor(t), gg.tensor(-np.ones((2, 3, 4))))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(gg.tensor(x), gg.tensor(t), -1.0)


def test_poisson_full_matches_torch_at_small_and_large_targets():
    x = np.array([0.5, -0.3, 1.2, 2.0])
    t = np.array([0.0, 1.0, 1.5, 7.0])
    for log_input in (True, False):
        xs = x if log_input else np.abs(x) + 0.1
        _compare("poisson_nll_loss", [xs, t], {"full": True, "log_input": log_input,
                                               "reduction": "none"}, torch_nan_ok=True)


def test_one_d_and_zero_d_margin_inputs_match_torch():
    rng = np.random.default_rng(8)
    x = rng.standard_normal(5)
    for target in (np.array(2), np.array([2])):
        _compare("multi_margin_loss", [x, target], {"reduction": "none"})
    _compare("multi_margin_loss", [np.array(0.3), np.array(0)], {"reduction": "none"})
    _compare("multilabel_margin_loss", [x, np.array([3, 1, -1, 0, 2])],
             {"reduction": "none"})
    _compare("cosine_embedding_loss", [x, rng.standard_normal(5), np.array(-1.0)],
             {"margin": -0.5, "reduction": "none"}, (2,))
    _compare("triplet_margin_loss", [x, rng.standard_normal(5), rng.standard_normal(5)],
             {"reduction": "none"})
    _compare("multilabel_soft_margin_loss", [x, (x > 0) * 1.0], {"reduction": "none"})


def test_broadcast_inputs_match_torch():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 5))
    _compare("margin_ranking_loss", [x, rng.standard_normal((1, 5)),
                                     np.sign(rng.standard_normal((4, 1)))], {})
    _compare("triplet_margin_loss", [x, rng.standard_normal((1, 5)),
                                     rng.standard_normal((4, 5))], {"swap": True})
    _compare("cosine_embedding_loss", [x, rng.standard_normal((1, 5)),
                                       np.sign(rng.standard_normal(4))], {}, (2,))
    _compare("kl_div", [x, rng.uniform(0.1, 1, (5,))], {"reduction": "sum"})


def test_margin_loss_errors():
    x = gg.tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="margin"):
        F.triplet_margin_loss(x, x, x, margin=0.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_loss(x, x, x[0])
    with pytest.raises(RuntimeError, match="same number of dims"):
        F.margin_ranking_loss(x, x, x[0])
    with pytest.raises(RuntimeError, match="expects 2D input"):
        F.cosine_embedding_loss(x[0], x[0], gg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="p == 1 and p == 2"):
        F.multi_margin_loss(x, gg.tensor([0, 1, 2]), p=3)
    with pytest.raises(IndexError, match="out of range for 4 classes"):
        F.multi_margin_loss(x, gg.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match="out of range for 4 classes"):
        F.multilabel_margin_loss(x, gg.tensor([[0, 5, -1, 0]] * 3))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(x, gg.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.multi_margin_loss(x, gg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="one-dimensional"):
        F.multi_margin_loss(x, gg.tensor([0, 1, 2]), weight=gg.tensor(np.ones((4, 1))))


def test_nn_functionals_are_the_ones_in_nn_loss():
    assert L.hinge_embedding_loss is F.hinge_embedding_loss
    assert L.multi_margin_loss is F.multi_margin_loss
    assert L.multilabel_margin_loss is F.multilabel_margin_loss


# ------------------------------------------------------------------------------ modules
MODULES = [
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "kl_div/log_target"),
    ("KLDivLoss", {"reduction": "sum"}, "kl_div"),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 1e-6},
     "poisson_nll_loss/full"),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, "gaussian_nll_loss"),
    ("SoftMarginLoss", {"reduction": "none"}, "soft_margin_loss"),
    ("MultiLabelSoftMarginLoss", {"reduction": "sum"}, "multilabel_soft_margin_loss"),
    ("MultiLabelMarginLoss", {}, "multilabel_margin_loss"),
    ("CosineEmbeddingLoss", {"margin": 0.2}, "cosine_embedding_loss"),
    ("MarginRankingLoss", {"margin": 0.1, "size_average": False}, "margin_ranking_loss"),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, "triplet_margin_loss"),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True}, "triplet_margin_loss"),
    ("HingeEmbeddingLoss", {"margin": 0.3}, "hinge_embedding_loss"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "multi_margin_loss/p2"),
    ("HuberLoss", {"delta": 0.5}, None),
    ("SmoothL1Loss", {"beta": 0.5}, None),
]


@pytest.mark.filterwarnings("ignore:size_average and reduce args")  # torch's own warning
@pytest.mark.parametrize("cls,kw,case", MODULES)
def test_modules_match_torch_modules(cls, kw, case):
    rng = np.random.default_rng(10)
    if case is None:
        arrays, nograd = [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))], ()
    else:
        arrays, _, nograd = _arrays(case, rng)[case]
    ours = getattr(L, cls)(**kw)
    theirs = getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction
    xs = [gg.tensor(a, requires_grad=a.dtype.kind == "f" and i not in nograd)
          for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f" and i not in nograd)
          for i, a in enumerate(arrays)]
    out, ref = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    ref.sum().backward()
    for o, r in zip(xs, ts):
        if r.requires_grad:
            np.testing.assert_allclose(o.grad.numpy(), r.grad.numpy(), rtol=1e-10,
                                       atol=1e-12)


def test_module_weight_is_a_buffer_and_margin_is_checked():
    m = L.MultiLabelSoftMarginLoss(weight=gg.tensor([1.0, 2.0]))
    assert "weight" in m.state_dict()
    with pytest.raises(ValueError, match="margin"):
        L.TripletMarginLoss(margin=-1.0)
    with pytest.raises(ValueError, match="margin"):
        L.TripletMarginWithDistanceLoss(margin=0.0)


def test_triplet_with_custom_distance_function():
    rng = np.random.default_rng(11)
    a, p, n = (rng.standard_normal((3, 4)) for _ in range(3))

    def ours(u, v):
        return 1.0 - F.cosine_similarity(u, v)

    def theirs(u, v):
        return 1.0 - TF.cosine_similarity(u, v)

    out = F.triplet_margin_with_distance_loss(gg.tensor(a), gg.tensor(p), gg.tensor(n),
                                              distance_function=ours, margin=0.3)
    ref = TF.triplet_margin_with_distance_loss(torch.tensor(a), torch.tensor(p),
                                               torch.tensor(n), distance_function=theirs,
                                               margin=0.3)
    assert out.item() == pytest.approx(ref.item(), rel=1e-12)


# ------------------------------------------------------------------------------ fused options
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_all_ignored_batches_match_torch(name, reduction):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 4, 2))
    t = np.full((3, 2), 1)
    kw = {"ignore_index": 1, "reduction": reduction, "weight": rng.uniform(0.5, 1, 4)}
    out = _compare(name, [x, t], kw)
    if reduction == "mean":
        assert np.isnan(out.item())


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_kdim_weight_smoothing(smoothing, reduction):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 3, 2, 2))
    p = rng.uniform(0, 1, x.shape)
    p /= p.sum(1, keepdims=True)
    _compare("cross_entropy", [x, p], {"weight": rng.uniform(0.2, 2, 3),
                                       "label_smoothing": smoothing, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses_weight_and_pos_weight_kdim(reduction):
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 3, 4))
    t = rng.uniform(0, 1, x.shape)
    _compare("binary_cross_entropy_with_logits", [x, t],
             {"weight": rng.uniform(0.1, 2, (3, 1)), "pos_weight": rng.uniform(0.1, 3, 4),
              "reduction": reduction})
    _compare("binary_cross_entropy", [1 / (1 + np.exp(-x)), t],
             {"weight": rng.uniform(0.1, 2, (3, 4)), "reduction": reduction})


# ------------------------------------------------------------------------------ ctc_loss
CTC_TARGETS = np.array([[1, 2, 2, 3], [3, 1, 0, 0], [2, 0, 0, 0], [4, 4, 4, 1]])
CTC_IN, CTC_TL = np.array([7, 5, 3, 2]), np.array([3, 2, 0, 3])  # the last is impossible


@pytest.mark.parametrize("normalized", [True, False])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_matches_torch(reduction, zero_infinity, normalized):
    """Values, and torch's gradient (nan where the loss is inf, unless zero_infinity), also
    for log_probs that are not normalized (torch's kernel adds exp(log_probs))."""
    x = np.random.default_rng(20).standard_normal((7, 4, 5))
    kw = {"reduction": reduction, "zero_infinity": zero_infinity}
    xo, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lo, lt = (xo.log_softmax(2), xt.log_softmax(2)) if normalized else (xo, xt)
    out = F.ctc_loss(lo, gg.tensor(CTC_TARGETS), gg.tensor(CTC_IN), gg.tensor(CTC_TL), **kw)
    ref = TF.ctc_loss(lt, torch.tensor(CTC_TARGETS), torch.tensor(CTC_IN),
                      torch.tensor(CTC_TL), **kw)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    w = np.random.default_rng(21).standard_normal(out.shape)
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_ctc_loss_target_forms_lengths_and_dtypes():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((6, 3, 4)).astype(np.float32)
    tg, il, tl = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]]), [6, 4, 3], (3, 2, 1)
    flat = np.concatenate([tg[0, :3], tg[1, :2], tg[2, :1]])
    ref = TF.ctc_loss(torch.tensor(x).log_softmax(2), torch.tensor(tg), il, tl,
                      reduction="none").numpy()
    for targets in (tg, flat):
        for lengths in ((il, tl), (gg.tensor(il), gg.tensor(tl))):
            out = F.ctc_loss(gg.tensor(x).log_softmax(2), gg.tensor(targets), *lengths,
                             reduction="none")
            assert out.dtype == gg.float32
            np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5)
    one = F.ctc_loss(gg.tensor(x[:, 0]).log_softmax(1), gg.tensor(tg[0]), 6, 3,
                     reduction="none")
    assert one.shape == () and one.item() == pytest.approx(float(ref[0]), rel=1e-5)
    m = L.CTCLoss(blank=0, zero_infinity=True)
    assert repr(m) == repr(torch.nn.CTCLoss(zero_infinity=True))
    np.testing.assert_allclose(m(gg.tensor(x).log_softmax(2), gg.tensor(tg), il, tl).item(),
                               (ref / np.array(tl)).mean(), rtol=1e-5)


def test_ctc_loss_has_no_double_backward_and_checks_arguments():
    x = gg.tensor(np.random.default_rng(23).standard_normal((4, 2, 3)), requires_grad=True)
    args = (gg.tensor([[1, 2], [1, 0]]), [4, 3], [2, 1])
    loss = F.ctc_loss(x.log_softmax(2), *args)
    assert gradcheck(lambda t: F.ctc_loss(t.log_softmax(2), *args), (x,))
    with pytest.raises(RuntimeError, match="double backward"):  # torch: not implemented
        gg.autograd.grad(loss, (x,), create_graph=True)
    with pytest.raises(IndexError, match="out of range for 3 classes"):
        F.ctc_loss(x, gg.tensor([[1, 3], [1, 0]]), [4, 3], [2, 1])
    with pytest.raises(RuntimeError, match="input_lengths"):
        F.ctc_loss(x, *args[:1], [5, 3], [2, 1])
    with pytest.raises(RuntimeError, match="target_lengths"):
        F.ctc_loss(x, *args[:1], [4, 3], [2, 1, 1])
    with pytest.raises(TypeError, match="integer"):
        F.ctc_loss(x, gg.tensor([[1.0, 2.0]]), [4, 3], [2, 1])


# ------------------------------------------------------------------------------ double backward
def _fused_cases():
    rng = np.random.default_rng(30)
    x = rng.standard_normal((4, 3, 2))
    t = rng.integers(0, 3, (4, 2))
    t[0, 0] = -100
    p = rng.uniform(0, 1, x.shape)
    p /= p.sum(1, keepdims=True)
    w3 = rng.uniform(0.2, 2, 3)
    u = rng.uniform(0.05, 0.95, x.shape)
    return [
        ("cross_entropy", x, t, {"weight": w3, "label_smoothing": 0.2}),
        ("cross_entropy", x, p, {"weight": w3, "label_smoothing": 0.1, "reduction": "sum"}),
        ("cross_entropy", x, np.where(t < 0, 2, t), {"reduction": "none", "ignore_index": 1}),
        ("nll_loss", x, t, {"weight": w3}),
        ("binary_cross_entropy", u, rng.uniform(0, 1, x.shape),
         {"weight": rng.uniform(0.2, 2, 2)}),
        ("binary_cross_entropy_with_logits", x, rng.uniform(0, 1, x.shape),
         {"weight": rng.uniform(0.2, 2, (3, 1)), "pos_weight": rng.uniform(0.2, 3, 2)}),
        ("huber_loss", x, rng.standard_normal(x.shape), {"delta": 0.7}),
        ("smooth_l1_loss", x, rng.standard_normal(x.shape), {"beta": 0.7}),
    ]


@pytest.mark.parametrize("case", range(len(_fused_cases())))
def test_fused_loss_double_backward_matches_torch(case):
    """Second derivatives of the fused losses (in the input and, where float, the target)
    against torch's double backward."""
    name, x, t, kw = _fused_cases()[case]
    tdiff = t.dtype.kind == "f"
    xo, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    to, tt = gg.tensor(t, requires_grad=tdiff), torch.tensor(t, requires_grad=tdiff)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    out, ref = getattr(F, name)(xo, to, **kw), getattr(TF, name)(xt, tt, **tkw)
    ins_o, ins_t = [xo] + [to] * tdiff, [xt] + [tt] * tdiff
    w = np.random.default_rng(31).standard_normal(out.shape)
    g_o = gg.autograd.grad((out * gg.tensor(w)).sum(), ins_o, create_graph=True)
    g_t = torch.autograd.grad((ref * torch.tensor(w)).sum(), ins_t, create_graph=True)
    v = [np.random.default_rng(32 + i).standard_normal(x.shape) for i in range(len(g_o))]
    s_o = sum((a * gg.tensor(b)).sum() for a, b in zip(g_o, v))
    s_t = sum((a * torch.tensor(b)).sum() for a, b in zip(g_t, v))
    h_o = (gg.autograd.grad(s_o, ins_o, allow_unused=True) if s_o.requires_grad
           else [None] * len(ins_o))
    h_t = (torch.autograd.grad(s_t, ins_t, allow_unused=True) if s_t.requires_grad
           else [None] * len(ins_t))
    for a, b in zip(h_o, h_t):
        mine = np.zeros(x.shape) if a is None else a.numpy()
        want = np.zeros(x.shape) if b is None else b.detach().numpy(force=True)
        np.testing.assert_allclose(mine, want, rtol=1e-9, atol=1e-11 * np.abs(want).max())


@pytest.mark.parametrize("name,arrays,kw,nograd", [
    ("kl_div", [np.array(-0.7), np.array(0.4)], {"reduction": "batchmean"}, ()),
    ("kl_div", [np.array(-0.7), np.array(-1.4)], {"log_target": True}, ()),
    ("poisson_nll_loss", [np.array(0.3), np.array(2.0)], {"full": True}, ()),
    ("gaussian_nll_loss", [np.array(0.3), np.array(-0.2), np.array(0.5)], {}, ()),
    ("soft_margin_loss", [np.array(0.3), np.array(-1.0)], {}, (1,)),
    ("margin_ranking_loss", [np.array(0.3), np.array(0.5), np.array(-1.0)], {}, ()),
    ("hinge_embedding_loss", [np.array(0.3), np.array(-1.0)], {}, (1,)),
])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_zero_d_inputs_match_torch_and_gradcheck(name, arrays, kw, nograd, reduction):
    kw = {**kw, "reduction": kw.get("reduction", reduction)}
    _compare(name, arrays, kw, nograd)
    xs = [gg.tensor(a, requires_grad=i not in nograd) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning
        assert gradgradcheck(lambda *t: getattr(F, name)(*t, **kw), xs)


def test_multilabel_soft_margin_loss_needs_a_class_dim_like_torch():
    with pytest.raises(IndexError):
        F.multilabel_soft_margin_loss(gg.tensor(0.3), gg.tensor(1.0))
    if torch is not None:
        with pytest.raises(IndexError):
            TF.multilabel_soft_margin_loss(torch.tensor(0.3), torch.tensor(1.0))


def test_hinge_embedding_loss_keeps_the_input_dtype_like_torch():
    x = np.array([0.3, -0.2, 1.5], dtype=np.float32)
    t = np.array([1.0, -1.0, -1.0])  # float64 target: it only selects
    out = F.hinge_embedding_loss(gg.tensor(x), gg.tensor(t), reduction="none")
    assert out.dtype == gg.float32
    np.testing.assert_allclose(out.numpy(), [0.3, 1.2, 0.0], rtol=1e-6)
    if torch is not None:
        ref = TF.hinge_embedding_loss(torch.tensor(x), torch.tensor(t), reduction="none")
        assert ref.dtype == torch.float32
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
