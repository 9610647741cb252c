"""Distances, encodings and dropout against torch: normalize, cosine_similarity (zero vectors
included), pairwise_distance, one_hot, embedding (padding_idx, max_norm's in-place renorm,
scale_grad_by_freq), and the dropout family (masks, scaling, channel structure, unbatched
shapes, warnings, seeding, eval identity, alpha dropout's affine map, nn modules)."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradcheck, gradgradcheck
from glassgrad.autograd.ops import distance
from glassgrad.nn import dropout as D
from glassgrad.nn import loss as L
from torch_ref import torch

TF = torch.nn.functional if torch is not None else None


def _both(name, arrays, kwargs, seed=0, rtol=1e-10):
    """F.<name> and torch's on the same arrays: compare values and every input's gradient."""
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = getattr(F, name)(*ours, **kwargs)
    ref = getattr(TF, name)(*theirs, **kwargs)
    assert out.shape == tuple(ref.shape)
    assert out.dtype.name == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * gg.tensor(w, dtype=out.dtype)).sum().backward()
    (ref * torch.tensor(w, dtype=ref.dtype)).sum().backward()
    for o, r in zip(ours, theirs):
        assert np.isfinite(o.grad.numpy()).all()
        np.testing.assert_allclose(o.grad.numpy(), r.grad.numpy(), rtol=rtol,
                                   atol=1e-12 * max(1.0, np.abs(r.grad.numpy()).max()))
    return out, ours


def _check_grads(name, arrays, kwargs):
    fn = getattr(F, name)
    xs = [gg.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *t: fn(*t, **kwargs), xs, atol=1e-6, rtol=1e-5)
    assert gradgradcheck(lambda *t: fn(*t, **kwargs), xs, atol=1e-6, rtol=1e-5)


# ------------------------------------------------------------------------------ distances
DISTANCES = [
    ("normalize", 1, {}), ("normalize", 1, {"p": 1.0, "dim": 0}),
    ("normalize", 1, {"p": 3.0, "dim": -1, "eps": 0.5}),
    ("cosine_similarity", 2, {}), ("cosine_similarity", 2, {"dim": 0, "eps": 1e-3}),
    ("pairwise_distance", 2, {}), ("pairwise_distance", 2, {"p": 1.0, "keepdim": True}),
    ("pairwise_distance", 2, {"p": 3.0, "eps": 0.0}),
    ("pairwise_distance", 2, {"p": float("inf")}),
]


@pytest.mark.parametrize("name,n,kw", DISTANCES)
def test_distances_match_torch(name, n, kw):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)) for _ in range(n)]
    _both(name, arrays, kw)
    _check_grads(name, arrays, kw)


@pytest.mark.parametrize("name,n,kw", [d for d in DISTANCES if d[1] == 2])
def test_distances_broadcast_and_size_one(name, n, kw):
    rng = np.random.default_rng(1)
    _both(name, [rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 1))], kw)
    _both(name, [rng.standard_normal((1, 4)), rng.standard_normal((3, 4))], kw)
    _check_grads(name, [rng.standard_normal((1, 4)), rng.standard_normal((3, 4))], kw)


def test_zero_d_inputs_match_torch():
    _both("pairwise_distance", [np.array(1.5), np.array(-0.5)], {})
    _both("cosine_similarity", [np.array(1.5), np.array(-0.5)], {"dim": 0})
    _both("normalize", [np.array(-2.0)], {"dim": 0})


@pytest.mark.parametrize("name,kw", [("cosine_similarity", {}), ("normalize", {}),
                                     ("pairwise_distance", {"eps": 0.0}),
                                     ("cosine_similarity", {"dim": 0})])
def test_zero_vectors_give_torch_gradients_not_nan(name, kw):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4))
    a[1] = 0.0
    b = a.copy() if name == "pairwise_distance" else rng.standard_normal((3, 4))
    b[2] = 0.0
    arrays = [a] if name == "normalize" else [a, b]
    _both(name, arrays, kw, rtol=1e-9)


def test_cosine_similarity_clamps_each_norm_separately():
    """torch's formula: x1 / max(|x1|, eps) . x2 / max(|x2|, eps), not / max(|x1||x2|, eps)."""
    x1 = gg.tensor([[1e-5, 0.0]])
    x2 = gg.tensor([[1e-5, 0.0]])
    out = F.cosine_similarity(x1, x2, eps=1e-4)
    assert out.item() == pytest.approx(0.01)  # (1e-5 / 1e-4) ** 2
    _both("cosine_similarity", [np.array([[1e-5, 0.0]]), np.array([[2e-5, 1e-5]])],
          {"eps": 1e-4})


def test_float32_and_integer_inputs():
    rng = np.random.default_rng(3)
    a, b = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(2))
    for name in ("cosine_similarity", "pairwise_distance"):
        out = getattr(F, name)(gg.tensor(a), gg.tensor(b))
        ref = getattr(TF, name)(torch.tensor(a), torch.tensor(b))
        assert out.dtype == gg.float32
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5)
    ia, ib = gg.tensor([[1, 2], [0, 3]]), gg.tensor([[2, 2], [1, 0]])
    with pytest.raises(RuntimeError, match="floating point"):  # as torch
        F.cosine_similarity(ia, ib)
    if torch is not None:
        with pytest.raises(RuntimeError):
            TF.cosine_similarity(torch.tensor([[1, 2]]), torch.tensor([[2, 2]]))
    out = F.pairwise_distance(ia, ib)  # x1 - x2 + eps: the default float
    ref = TF.pairwise_distance(torch.tensor(ia.numpy()), torch.tensor(ib.numpy()))
    assert out.dtype == gg.float32 and ref.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="floating point"):
        F.normalize(ia)
    assert F.normalize(gg.tensor(a)).dtype == gg.float32


def test_torch_namespace_and_errors():
    assert gg.cosine_similarity is F.cosine_similarity
    assert gg.pairwise_distance is F.pairwise_distance
    with pytest.raises(IndexError):
        F.normalize(gg.tensor([1.0, 2.0]))  # dim=1 on a 1-D tensor, as torch
    with pytest.raises(RuntimeError, match="broadcast"):
        F.cosine_similarity(gg.tensor(np.ones((2, 3))), gg.tensor(np.ones((2, 4))))


def test_distance_modules_match_torch():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for ours, theirs in [(L.PairwiseDistance(p=1.0, keepdim=True),
                          torch.nn.PairwiseDistance(p=1.0, keepdim=True)),
                         (L.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0))]:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(gg.tensor(a), gg.tensor(b)).numpy(),
                                   theirs(torch.tensor(a), torch.tensor(b)).numpy(),
                                   rtol=1e-12)


# ------------------------------------------------------------------------------ one_hot
@pytest.mark.parametrize("labels,num_classes", [
    ([1, 0, 3], -1), ([[1, 0], [2, 2]], 5), (2, -1), (2, 3), ([], 4)])
def test_one_hot_matches_torch(labels, num_classes):
    ours = F.one_hot(gg.tensor(labels, dtype=gg.int64), num_classes)
    ref = TF.one_hot(torch.tensor(labels, dtype=torch.int64), num_classes)
    assert ours.dtype == gg.int64
    assert ours.shape == tuple(ref.shape)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert not ours.requires_grad


def test_one_hot_is_the_torch_exact_one_and_errors_like_torch():
    assert F.one_hot is distance.one_hot
    np.testing.assert_array_equal(F.one_hot(gg.tensor([2, 0])).numpy(), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(gg.tensor([1, 2], dtype=gg.int32))
    with pytest.raises(TypeError):  # also a TypeError, glassgrad's class for argument types
        F.one_hot(gg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(gg.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(gg.tensor([-1, 2]), 3)
    with pytest.raises(RuntimeError, match="empty"):
        F.one_hot(gg.tensor([], dtype=gg.int64))


# ------------------------------------------------------------------------------ embedding
@pytest.mark.parametrize("kw", [
    {}, {"padding_idx": 2}, {"padding_idx": -1}, {"max_norm": 1.5},
    {"max_norm": 2.0, "norm_type": 1.0, "padding_idx": 0}, {"scale_grad_by_freq": True},
    {"scale_grad_by_freq": True, "padding_idx": 2, "max_norm": 1.0}])
def test_embedding_matches_torch_including_the_in_place_renorm(kw):
    rng = np.random.default_rng(5)
    w = rng.standard_normal((6, 3)) * 2
    idx = np.array([[0, 2, 2], [5, 1, 0]])
    ours, theirs = gg.tensor(w.copy(), requires_grad=True), torch.tensor(w.copy(),
                                                                          requires_grad=True)
    out = F.embedding(gg.tensor(idx), ours, **kw)
    ref = TF.embedding(torch.tensor(idx), theirs, **kw)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(out.shape)
    (out * gg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    if "max_norm" in kw:  # the looked-up rows were renormalized in place, the others not
        assert not np.allclose(ours.detach().numpy()[[0, 1, 2, 5]], w[[0, 1, 2, 5]])
        np.testing.assert_array_equal(ours.detach().numpy()[[3, 4]], w[[3, 4]])


def test_embedding_int32_indices_and_double_backward():
    rng = np.random.default_rng(6)
    w = gg.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    idx = gg.tensor([[3, 1], [1, 1]], dtype=gg.int32)
    out = F.embedding(idx, w)
    np.testing.assert_array_equal(out.detach().numpy(), w.detach().numpy()[[[3, 1], [1, 1]]])
    assert gradcheck(lambda t: F.embedding(idx, t), (w,))
    # padding_idx and scale_grad_by_freq change the gradient on purpose (no gradcheck), but
    # the changed gradient is itself differentiable
    for kw in ({}, {"scale_grad_by_freq": True}, {"padding_idx": 1}):
        assert gradgradcheck(lambda t, kw=kw: F.embedding(idx, t, **kw), (w,))
    with pytest.raises(IndexError, match="out of range"):
        F.embedding(gg.tensor([4]), w)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(idx, w, sparse=True)


# ------------------------------------------------------------------------------ dropout
def _ratio(out, x):
    return out.detach().numpy() / x.detach().numpy()


@pytest.mark.parametrize("fn,shape,channels", [
    (F.dropout1d, (4, 6, 5), 2), (F.dropout1d, (6, 5), 1), (F.dropout2d, (4, 6, 3, 2), 2),
    (F.dropout3d, (4, 6, 2, 2, 2), 2), (F.dropout3d, (6, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels_and_scales(fn, shape, channels):
    gg.manual_seed(0)
    x = gg.tensor(np.random.default_rng(7).uniform(1, 2, shape), requires_grad=True)
    out = fn(x, 0.4, True)
    assert out.shape == x.shape
    r = _ratio(out, x).reshape(shape[:channels] + (-1,))
    assert np.allclose(r, r[..., :1])  # one draw per channel
    assert set(np.round(np.unique(r), 12)) == {0.0, round(1 / 0.6, 12)}
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _ratio(out, x))


def test_dropout_is_seeded_and_eval_is_the_identity():
    x = gg.tensor(np.ones((8, 6, 4)), requires_grad=True)
    for fn in (F.dropout, F.dropout1d, F.alpha_dropout, F.feature_alpha_dropout):
        gg.manual_seed(3)
        a = fn(x, 0.5, True)
        gg.manual_seed(3)
        b = fn(x, 0.5, True)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert fn(x, 0.5, False) is x
        assert fn(x, 0.0, True) is x
    assert F.alpha_dropout(x) is x  # torch's default for alpha dropout is training=False
    assert F.feature_alpha_dropout(x, 0.9) is x
    for fn in (F.dropout, F.dropout1d, F.alpha_dropout, F.feature_alpha_dropout):
        np.testing.assert_array_equal(fn(x, 1.0, True).detach().numpy(), 0.0)


def test_dropout_shape_rules_and_warnings_follow_torch():
    x2, x1 = gg.tensor(np.ones((3, 4))), gg.tensor(np.ones(4))
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(gg.tensor(np.ones((2, 3, 4, 5))))
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        F.dropout2d(gg.tensor(np.ones((2, 3, 4))))
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        F.dropout2d(x2)
    with pytest.warns(UserWarning, match="3-D input to dropout3d"):
        F.dropout3d(gg.tensor(np.ones((2, 3, 4))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            F.dropout2d(x1)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(x1, 0.5, True)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout1d(x2, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.alpha_dropout(x2, -0.1, True)
    with pytest.raises(TypeError, match="floating point"):
        F.dropout2d(gg.tensor(np.ones((2, 3, 4, 4), dtype=np.int64)))
    if torch is not None:  # the same cases warn or raise in torch
        with pytest.warns(UserWarning, match="3D input to dropout2d"):
            TF.dropout2d(torch.ones(2, 3, 4))
        with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
            TF.dropout1d(torch.ones(2, 3, 4, 5))


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_values_have_torch_form(feature):
    """Every output of torch's alpha dropout is a x + a alpha' p (kept) or a alpha' (p - 1)
    (dropped), alpha' = 1.7581; glassgrad's too, at about the same rate."""
    p = 0.3
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    rng = np.random.default_rng(8)
    x = rng.standard_normal((40, 30, 5))
    fn, tfn = ((F.feature_alpha_dropout, TF.feature_alpha_dropout) if feature
               else (F.alpha_dropout, TF.alpha_dropout))
    gg.manual_seed(0)
    xs = gg.tensor(x, requires_grad=True)
    out = fn(xs, p, True)
    outs = [out.detach().numpy()]
    if torch is not None:
        torch.manual_seed(0)
        outs.append(tfn(torch.tensor(x), p, True).numpy())
    for o in outs[::-1]:  # glassgrad's last, so ``kept`` is its mask below
        kept = np.isclose(o, a * x + a * alpha * p, rtol=1e-12)
        dropped = np.isclose(o, a * alpha * (p - 1), rtol=1e-12)
        assert (kept | dropped).all()
        assert abs(dropped.mean() - p) < 0.06
        if feature:  # whole channels
            d = dropped.reshape(40, 30, -1)
            assert (d.all(-1) | ~d.any(-1)).all()
    out.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), np.where(kept, a, 0.0))
    assert gradgradcheck(lambda t: (gg.manual_seed(1), fn(t, p, True))[1],
                         (gg.tensor(x[:2, :3, :2], requires_grad=True),))


def test_inplace_dropout_writes_into_the_input():
    gg.manual_seed(0)
    base = gg.tensor(np.ones((2, 4, 3)), requires_grad=True)
    x = base * 1.0
    out = F.dropout1d(x, 0.5, True, inplace=True)
    assert out is x
    assert set(np.unique(x.detach().numpy())) <= {0.0, 2.0}
    out.sum().backward()
    np.testing.assert_array_equal(base.grad.numpy(), x.detach().numpy())


MODULES = [("Dropout", {"p": 0.2}), ("Dropout1d", {}), ("Dropout2d", {"p": 0.1}),
           ("Dropout3d", {"inplace": True}), ("AlphaDropout", {"p": 0.3}),
           ("FeatureAlphaDropout", {})]


@pytest.mark.parametrize("cls,kw", MODULES)
def test_dropout_modules(cls, kw):
    m = getattr(D, cls)(**kw)
    if torch is not None:
        assert repr(m) == repr(getattr(torch.nn, cls)(**kw))
    x = gg.tensor(np.ones((2, 3, 4, 2, 2)) if "3d" in cls else np.ones((2, 3, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gg.manual_seed(0)
        y = m(x * 1.0)
    assert not np.array_equal(y.detach().numpy(), x.numpy())
    m.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(m(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        getattr(D, cls)(p=1.5)
