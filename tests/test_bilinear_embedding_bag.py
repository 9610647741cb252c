"""F.bilinear, F.embedding_bag, nn.Bilinear, nn.EmbeddingBag and nn.SyncBatchNorm against
torch in float64: values, gradients of inputs and weights, argument forms, ties, errors,
parameter shapes, initialization, reprs and state_dict round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.testing.opspecs.bilinear  # noqa: F401  (registers the specs)
from glassgrad import functional as F
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.bilinear import Bilinear, EmbeddingBag, SyncBatchNorm
from glassgrad.testing.opspecs import SPECS, cases_of
from torch_ref import torch

RTOL = 1e-10


def _close(a, b, what=""):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12, err_msg=what)


def _pair(a, grad=True):
    a = np.asarray(a)
    return gg.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


# ------------------------------------------------------------------------------ specs
@pytest.mark.parametrize("name", ["bilinear", "embedding_bag"])
def test_spec_gradcheck_and_gradgradcheck(name):
    s = SPECS[name]
    assert s.composed and s.gradgrad
    for case in cases_of(s):
        xs = s.tensors(case)
        diff = [x for x in xs if x is not None and x.requires_grad]

        def fn(*d, case=case, xs=xs):
            it = iter(d)
            full = [next(it) if (x is not None and x.requires_grad) else x for x in xs]
            return s.fn(*full, **case.kwargs)

        assert gradcheck(fn, tuple(diff)), case.note
        assert gradgradcheck(fn, tuple(diff)), case.note


# ------------------------------------------------------------------------------ bilinear
def test_bilinear_known_values():
    w = np.zeros((2, 2, 3))
    w[0, 0, 1] = 2.0
    w[1, 1, 2] = -1.0
    out = F.bilinear(gg.tensor(np.array([1.0, 3.0])), gg.tensor(np.array([5.0, 7.0, 11.0])),
                     gg.tensor(w), gg.tensor(np.array([0.5, 0.0])))
    np.testing.assert_allclose(out.numpy(), [1 * 2 * 7 + 0.5, -3 * 11])


@pytest.mark.parametrize("lead,bias", [((4,), True), ((2, 3), False), ((), True), ((1,), True)])
def test_bilinear_matches_torch(lead, bias):
    rng = np.random.default_rng(1)
    a1, t1 = _pair(rng.standard_normal((*lead, 3)))
    a2, t2 = _pair(rng.standard_normal((*lead, 2)))
    aw, tw = _pair(rng.standard_normal((5, 3, 2)))
    ab, tb = _pair(rng.standard_normal(5)) if bias else (None, None)
    ours, theirs = F.bilinear(a1, a2, aw, ab), torch.nn.functional.bilinear(t1, t2, tw, tb)
    _close(ours, theirs)
    g = rng.standard_normal(theirs.shape)
    ours.backward(gg.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, t in [(a1, t1), (a2, t2), (aw, tw)] + ([(ab, tb)] if bias else []):
        _close(a.grad, t.grad, "grad")
    assert gg.bilinear is F.bilinear


def test_bilinear_keeps_float32():
    x = gg.ones((2, 3), dtype=gg.float32)
    y = gg.ones((2, 4), dtype=gg.float32)
    w = gg.ones((5, 3, 4), dtype=gg.float32)
    assert F.bilinear(x, y, w).dtype == gg.float32


@pytest.mark.parametrize("s1,s2,sw,sb", [((2, 3), (1, 4), (5, 3, 4), None),
                                         ((2, 3), (2, 5), (5, 3, 4), None),
                                         ((2, 2), (2, 4), (5, 3, 4), None),
                                         ((2, 3), (2, 4), (5, 3, 4), (4,))])
def test_bilinear_shape_errors_match_torch(s1, s2, sw, sb):
    args = [np.ones(s) if s is not None else None for s in (s1, s2, sw, sb)]
    with pytest.raises(RuntimeError):
        torch.nn.functional.bilinear(*[None if a is None else torch.tensor(a) for a in args])
    with pytest.raises(RuntimeError, match="bilinear"):
        F.bilinear(*[None if a is None else gg.tensor(a) for a in args])


def test_bilinear_mixed_dtypes_raise_like_torch():
    with pytest.raises(RuntimeError):
        torch.nn.functional.bilinear(torch.ones(2, 3), torch.ones(2, 2, dtype=torch.float64),
                                     torch.ones(4, 3, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.bilinear(gg.ones((2, 3), dtype=gg.float32), gg.ones((2, 2), dtype=gg.float64),
                   gg.ones((4, 3, 2), dtype=gg.float32))


# ------------------------------------------------------------------------------ embedding_bag
FLAT = np.array([1, 4, 0, 2, 2, 5, 3, 1, 0])
FORMS = {
    "2-D": (FLAT.reshape(3, 3), None, False),
    "offsets": (FLAT, [0, 2, 2, 6], False),
    "last offset": (FLAT, [0, 3, 3, 9], True),
    "last offset short": (FLAT, [0, 3, 4, 7], True),
}


def _bag_pair(form, mode, padding_idx, psw=False, seed=0, **kw):
    rng = np.random.default_rng(seed)
    idx, off, last = FORMS[form]
    w = rng.standard_normal((6, 4))
    aw, tw = _pair(w)
    p = rng.standard_normal(idx.shape) if psw else None
    ap, tp = _pair(p) if psw else (None, None)
    ours = F.embedding_bag(gg.tensor(idx), aw, None if off is None else gg.tensor(off),
                           mode=mode, per_sample_weights=ap, include_last_offset=last,
                           padding_idx=padding_idx, **kw)
    theirs = torch.nn.functional.embedding_bag(
        torch.tensor(idx), tw, None if off is None else torch.tensor(off), mode=mode,
        per_sample_weights=tp, include_last_offset=last, padding_idx=padding_idx, **kw)
    _close(ours, theirs, "value")
    g = rng.standard_normal(theirs.shape)
    ours.backward(gg.tensor(g))
    theirs.backward(torch.tensor(g))
    _close(aw.grad, tw.grad, "weight grad")
    if psw:
        _close(ap.grad, tp.grad, "per_sample_weights grad")
    return ours, aw


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_bag_matches_torch(form, mode, padding_idx):
    _bag_pair(form, mode, padding_idx)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_bag_per_sample_weights(form, padding_idx):
    _bag_pair(form, "sum", padding_idx, psw=True)


def test_embedding_bag_known_values_and_empty_bags():
    w = gg.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, -4.0]])
    idx, off = gg.tensor([0, 1, 2, 2]), gg.tensor([0, 0, 3])
    np.testing.assert_allclose(F.embedding_bag(idx, w, off, mode="sum").numpy(),
                               [[0, 0], [5, -2], [4, -4]])
    np.testing.assert_allclose(F.embedding_bag(idx, w, off, mode="mean").numpy(),
                               [[0, 0], [5 / 3, -2 / 3], [4, -4]])
    np.testing.assert_allclose(F.embedding_bag(idx, w, off, mode="max").numpy(),
                               [[0, 0], [4, 2], [4, -4]])
    # a bag of padding only is empty: zeros, and the mean counts the other entries only
    np.testing.assert_allclose(F.embedding_bag(idx, w, off, padding_idx=2).numpy(),
                               [[0, 0], [0.5, 1], [0, 0]])


def test_embedding_bag_max_ties_go_to_first_row_like_torch():
    w = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0], [1.0, -3.0]])
    idx = np.array([[3, 0, 1, 2], [2, 2, 1, 0]])
    aw, tw = _pair(w)
    ours = F.embedding_bag(gg.tensor(idx), aw, mode="max")
    theirs = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, mode="max")
    _close(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    _close(aw.grad, tw.grad)
    # column 0: bag 0 ties rows 3, 0, 1 and bag 1 rows 1, 0: the first of each bag wins
    np.testing.assert_array_equal(aw.grad.numpy()[:, 0], [0.0, 1.0, 0.0, 1.0])


def test_embedding_bag_max_norm_renorms_weight_like_torch():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((6, 3)) * 2
    aw, tw = _pair(w, grad=False)
    idx = np.array([0, 2, 3, 2])
    ours = F.embedding_bag(gg.tensor(idx), aw, gg.tensor([0, 2]), max_norm=1.0, mode="sum")
    theirs = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor([0, 2]),
                                               max_norm=1.0, mode="sum")
    _close(ours, theirs)
    _close(aw, tw, "weight renormed in place")


def test_embedding_bag_scale_grad_by_freq_divides_by_count():
    # torch's embedding_bag (2.x, CPU) divides by miscounted frequencies (a row seen once got
    # half its gradient when tried), so the reference is the documented rule, as computed by
    # torch's embedding: each row's gradient divided by how often it occurs in input.
    rng = np.random.default_rng(2)
    idx = np.array([[0, 2, 2], [1, 1, 3]])
    aw, tw = _pair(rng.standard_normal((4, 2)))
    g = rng.standard_normal((2, 2))
    F.embedding_bag(gg.tensor(idx), aw, mode="sum", scale_grad_by_freq=True).backward(
        gg.tensor(g))
    rows = torch.nn.functional.embedding(torch.tensor(idx), tw, scale_grad_by_freq=True)
    rows.sum(1).backward(torch.tensor(g))
    _close(aw.grad, tw.grad)
    # and without torch: row 2 occurs twice in bag 0, so its gradient is g[0] (not 2 g[0])
    np.testing.assert_allclose(aw.grad.numpy()[2], g[0])


@pytest.mark.parametrize("idx,off,last", [([], [0, 0], False), ([], [0], True),
                                           ([1, 2], [0, 2], True), ([[], []], None, False)])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_empty_input_matches_torch(idx, off, last, mode):
    # (torch 2.x crashes on [1, 2] with offsets [0] and include_last_offset: not compared)
    w = np.random.default_rng(0).standard_normal((4, 2))
    aw, tw = _pair(w)
    idx = np.array(idx, dtype=np.int64).reshape((2, 0) if off is None else (-1,))
    if off is None:  # torch refuses a 2-D input with empty bags; ours gives zeros
        out = F.embedding_bag(gg.tensor(idx), aw, mode=mode)
        np.testing.assert_array_equal(out.detach().numpy(), np.zeros((2, 2)))
        return
    ours = F.embedding_bag(gg.tensor(idx), aw, gg.tensor(off), mode=mode,
                           include_last_offset=last)
    theirs = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off),
                                               mode=mode, include_last_offset=last)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)


def test_embedding_bag_keeps_float32():
    w = gg.ones((4, 2), dtype=gg.float32)
    for mode in ("sum", "mean", "max"):
        assert F.embedding_bag(gg.tensor([[0, 1]]), w, mode=mode).dtype == gg.float32


@pytest.mark.parametrize("kw,exc", [
    ({"offsets": [0, 1]}, ValueError),  # offsets with 2-D input
    ({"mode": "prod"}, ValueError),
    ({"mode": "mean", "per_sample_weights": np.ones((2, 2))}, NotImplementedError),
])
def test_embedding_bag_errors_2d(kw, exc):
    idx, w = np.array([[0, 1], [2, 3]]), np.ones((4, 2))

    def conv(k, lib):
        return {key: lib.tensor(v) if isinstance(v, (list, np.ndarray)) else v
                for key, v in k.items()}

    with pytest.raises(exc):
        torch.nn.functional.embedding_bag(torch.tensor(idx), torch.tensor(w), **conv(kw, torch))
    with pytest.raises(exc, match="embedding_bag"):
        F.embedding_bag(gg.tensor(idx), gg.tensor(w), **conv(kw, gg))


def test_embedding_bag_per_sample_weights_dtype_must_match_weight():
    idx = np.array([[0, 1]])
    with pytest.raises(RuntimeError):
        torch.nn.functional.embedding_bag(torch.tensor(idx), torch.ones(3, 2), mode="sum",
                                          per_sample_weights=torch.ones(1, 2,
                                                                        dtype=torch.float64))
    with pytest.raises(RuntimeError, match="per_sample_weights"):
        F.embedding_bag(gg.tensor(idx), gg.ones((3, 2), dtype=gg.float32), mode="sum",
                        per_sample_weights=gg.ones((1, 2), dtype=gg.float64))


def test_embedding_bag_errors_1d():
    w = gg.ones((4, 2))
    with pytest.raises(RuntimeError, match="offsets\\[0\\]"):
        F.embedding_bag(gg.tensor([0, 1, 2]), w, gg.tensor([1, 2]))
    with pytest.raises(ValueError, match="offsets"):
        F.embedding_bag(gg.tensor([0, 1, 2]), w)
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(gg.tensor([[0, 9]]), w)
    with pytest.raises(TypeError, match="integer"):
        F.embedding_bag(gg.tensor([[0.0, 1.0]]), w)


# ------------------------------------------------------------------------------ nn.Bilinear
def _load_torch_into_ours(ours, theirs):
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def test_bilinear_module_matches_torch():
    theirs = torch.nn.Bilinear(3, 2, 4).double()
    ours = Bilinear(3, 2, 4).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert ours.weight.shape == (4, 3, 2) and ours.bias.shape == (4,)
    assert repr(ours) == repr(theirs)
    assert repr(Bilinear(1, 2, 3, bias=False)) == repr(torch.nn.Bilinear(1, 2, 3, bias=False))
    _load_torch_into_ours(ours, theirs)
    rng = np.random.default_rng(3)
    a1, t1 = _pair(rng.standard_normal((5, 3)))
    a2, t2 = _pair(rng.standard_normal((5, 2)))
    ours(a1, a2).sum().backward()
    theirs(t1, t2).sum().backward()
    _close(ours(a1, a2), theirs(t1, t2))
    for a, t in [(a1, t1), (a2, t2), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        _close(a.grad, t.grad)
    with pytest.raises(RuntimeError, match=r"Bilinear: expected input2 of shape \(\*, 2\)"):
        ours(a1, a1)


def test_bilinear_module_init_distribution():
    gg.manual_seed(0)
    m = Bilinear(16, 3, 40)
    bound = 1 / math.sqrt(16)
    for p in (m.weight.detach().numpy(), m.bias.detach().numpy()):
        assert np.abs(p).max() <= bound
    w = m.weight.detach().numpy()
    assert np.abs(w).max() > 0.9 * bound and abs(w.mean()) < 0.02  # fills U(-b, b)
    assert abs(w.var() - bound ** 2 / 3) < 0.1 * bound ** 2 / 3


def test_bilinear_weights_move_to_torch_through_safetensors(tmp_path):
    from safetensors.torch import load_file

    gg.manual_seed(4)
    ours = Bilinear(3, 2, 4).double()
    path = tmp_path / "bilinear.safetensors"
    gg.save(ours.state_dict(), path)
    theirs = torch.nn.Bilinear(3, 2, 4).double()
    theirs.load_state_dict(load_file(str(path)))
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    _close(ours(gg.tensor(x1), gg.tensor(x2)), theirs(torch.tensor(x1), torch.tensor(x2)))


# ------------------------------------------------------------------------------ nn.EmbeddingBag
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_matches_torch(mode):
    kw = {"mode": mode, "padding_idx": 1, "include_last_offset": True}
    theirs = torch.nn.EmbeddingBag(7, 3, **kw).double()
    ours = EmbeddingBag(7, 3, **kw).double()
    assert list(ours.state_dict()) == ["weight"] and ours.weight.shape == (7, 3)
    assert repr(ours) == repr(theirs)
    _load_torch_into_ours(ours, theirs)
    idx, off = np.array([0, 1, 4, 6, 6, 2]), np.array([0, 2, 2, 6])
    a, t = ours(gg.tensor(idx), gg.tensor(off)), theirs(torch.tensor(idx), torch.tensor(off))
    _close(a, t)
    a.sum().backward()
    t.sum().backward()
    _close(ours.weight.grad, theirs.weight.grad)


def test_embedding_bag_module_per_sample_weights_and_reprs():
    ours, theirs = EmbeddingBag(5, 2, mode="sum"), torch.nn.EmbeddingBag(5, 2, mode="sum")
    _load_torch_into_ours(ours.double(), theirs.double())
    idx, p = np.array([[0, 3], [4, 4]]), np.array([[0.5, 2.0], [1.0, -1.0]])
    _close(ours(gg.tensor(idx), per_sample_weights=gg.tensor(p)),
           theirs(torch.tensor(idx), per_sample_weights=torch.tensor(p)))
    for kw in ({}, {"max_norm": 1.5, "norm_type": 1.0, "scale_grad_by_freq": True},
               {"padding_idx": -2, "mode": "max"}):
        assert repr(EmbeddingBag(5, 2, **kw)) == repr(torch.nn.EmbeddingBag(5, 2, **kw))


def test_embedding_bag_module_init():
    gg.manual_seed(0)
    m = EmbeddingBag(400, 50, padding_idx=3)
    w = m.weight.detach().numpy()
    assert np.all(w[3] == 0)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02  # N(0, 1)
    with pytest.raises(ValueError, match="padding_idx"):
        EmbeddingBag(4, 2, padding_idx=4)
    with pytest.raises(ValueError):
        torch.nn.EmbeddingBag(4, 2)(torch.zeros((1, 2, 2), dtype=torch.long))
    with pytest.raises(ValueError, match=r"EmbeddingBag: .* got shape \(1, 2, 2\)"):
        EmbeddingBag(4, 2)(gg.zeros((1, 2, 2), dtype=gg.int64))


def test_embedding_bag_from_pretrained():
    w = np.arange(12.0).reshape(4, 3)
    ours = EmbeddingBag.from_pretrained(gg.tensor(w), mode="sum")
    theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    assert not ours.weight.requires_grad and not theirs.weight.requires_grad
    assert repr(ours) == repr(theirs)
    idx = np.array([[0, 2], [3, 3]])
    _close(ours(gg.tensor(idx)), theirs(torch.tensor(idx)))
    assert EmbeddingBag.from_pretrained(gg.tensor(w), freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="2-dimensional"):
        EmbeddingBag.from_pretrained(gg.ones(3))


# ------------------------------------------------------------------------------ SyncBatchNorm
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 2, 2)])
def test_sync_batchnorm_matches_torch_in_one_process(shape):
    theirs = torch.nn.SyncBatchNorm(3, momentum=0.3).double()
    ours = SyncBatchNorm(3, momentum=0.3).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(6)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.standard_normal(3)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(3)))
    _load_torch_into_ours(ours, theirs)
    a, t = _pair(rng.standard_normal(shape))
    for _ in range(2):  # training: batch statistics, running ones updated
        out_a, out_t = ours(a), theirs(t)
        _close(out_a, out_t)
    out_a.sum().backward()
    (out_t * 1).sum().backward()
    _close(a.grad, t.grad)
    _close(ours.weight.grad, theirs.weight.grad)
    for k, v in theirs.state_dict().items():
        _close(ours.state_dict()[k], v, k)
    ours.eval()
    theirs.eval()
    _close(ours(a), theirs(t))
    with pytest.raises(ValueError, match="SyncBatchNorm: expected at least 2D"):
        ours(gg.ones(3))


def test_convert_sync_batchnorm_keeps_parameters_and_structure():
    from glassgrad import nn

    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3, momentum=0.2, eps=1e-3),
                          nn.Sequential(nn.BatchNorm2d(3, affine=False)),
                          nn.InstanceNorm1d(3))
    bn = model[1]
    bn.eval()
    weight, running = bn.weight, bn.running_mean
    out = SyncBatchNorm.convert_sync_batchnorm(model)
    assert out is model  # a non-BatchNorm module is kept, its children converted
    assert type(model[1]) is SyncBatchNorm and type(model[2][0]) is SyncBatchNorm
    assert type(model[3]) is nn.InstanceNorm1d  # torch does not convert instance norms
    assert model[1].weight is weight and model[1].running_mean is running
    assert model[1].eps == 1e-3 and model[1].momentum == 0.2 and not model[1].training
    assert model[2][0].weight is None and model[2][0].training
    single = SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert type(single) is SyncBatchNorm
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(
        torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3),
                            torch.nn.Sequential(torch.nn.BatchNorm2d(3, affine=False)),
                            torch.nn.InstanceNorm1d(3)))
    assert [type(m).__name__ for m in model.modules()] == \
        [type(m).__name__ for m in theirs.modules()]
    assert list(model.state_dict()) == list(theirs.state_dict())
