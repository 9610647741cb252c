"""scaled_dot_product_attention and the normalization functions and layers against torch:
forward, gradients (and gradcheck / gradgradcheck), running statistics and reprs."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradcheck, gradgradcheck
from glassgrad.nn.normalization import (
    BatchNorm3d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LocalResponseNorm,
    RMSNorm,
)
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(12)


def _compare(fn, tfn, *arrays, atol=1e-10, rtol=1e-7, grads=True):
    ours = [None if a is None else gg.tensor(a, requires_grad=a.dtype.kind == "f")
            for a in arrays]
    refs = [None if a is None else torch.tensor(a, requires_grad=a.dtype.kind == "f")
            for a in arrays]
    out, ref = fn(*ours), tfn(*refs)
    assert out.shape == tuple(ref.shape) and out.dtype == ref.detach().numpy().dtype
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=atol, rtol=rtol)
    if not grads:
        return
    w = RNG.standard_normal(tuple(ref.shape)).astype(out.dtype)
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, refs):
        if b is not None and b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol * 10,
                                       rtol=rtol * 10)


def _checks(fn, *arrays):
    xs = tuple(gg.tensor(a, requires_grad=True) for a in arrays)
    assert gradcheck(fn, xs, atol=1e-7, rtol=1e-5)
    assert gradgradcheck(fn, xs, atol=1e-7, rtol=1e-5)


# ------------------------------------------------------------------------------ attention
def _qkv(lead, n_l=3, n_s=4, e=5, ev=2, dtype=np.float64):
    return (RNG.standard_normal((*lead, n_l, e)).astype(dtype),
            RNG.standard_normal((*lead, n_s, e)).astype(dtype),
            RNG.standard_normal((*lead, n_s, ev)).astype(dtype))


@pytest.mark.parametrize("kw", [{}, {"scale": 0.3}, {"is_causal": True}])
@pytest.mark.parametrize("lead", [(), (2,), (2, 3)])
def test_sdpa_matches_torch(lead, kw):
    sdpa = torch.nn.functional.scaled_dot_product_attention
    _compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
             lambda q, k, v: sdpa(q, k, v, **kw), *_qkv(lead))


def test_sdpa_masks_match_torch():
    sdpa = torch.nn.functional.scaled_dot_product_attention
    q, k, v = _qkv((2,))
    bool_mask = RNG.random((3, 4)) > 0.4
    bool_mask[1] = False  # a fully masked row: torch gives zeros
    _compare(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=bool_mask),
             lambda a, b, c: sdpa(a, b, c, attn_mask=torch.tensor(bool_mask)), q, k, v)
    fmask = RNG.standard_normal((2, 3, 4))
    fmask[0, 2] = -np.inf
    _compare(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
             lambda a, b, c, m: sdpa(a, b, c, attn_mask=m), q, k, v, fmask)
    out = F.scaled_dot_product_attention(*(gg.tensor(a) for a in (q, k, v)),
                                         attn_mask=bool_mask)
    assert np.all(out.numpy()[:, 1] == 0)


def test_sdpa_gqa_float32_and_gradients():
    sdpa = torch.nn.functional.scaled_dot_product_attention
    q = RNG.standard_normal((2, 4, 3, 5)).astype(np.float32)
    k = RNG.standard_normal((2, 2, 4, 5)).astype(np.float32)
    v = RNG.standard_normal((2, 2, 4, 3)).astype(np.float32)
    _compare(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
             lambda a, b, c: sdpa(a, b, c, enable_gqa=True), q, k, v, atol=1e-5, rtol=1e-5)
    mask = np.tril(np.ones((3, 4), bool), -1)  # row 0 fully masked
    _checks(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask),
            *_qkv((1,)))
    _checks(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
            *_qkv(()), RNG.standard_normal((3, 4)))


def test_sdpa_dropout_is_seeded_and_errors():
    q, k, v = (gg.tensor(a) for a in _qkv((2,)))
    gg.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    gg.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), F.scaled_dot_product_attention(q, k, v).numpy())
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 4), bool), is_causal=True)


# ------------------------------------------------------------------------------ batch / layer
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (2, 3, 2, 3), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training_updates_running_stats_like_torch(shape, affine):
    x = RNG.standard_normal(shape)
    c = shape[1]
    w, b = (RNG.standard_normal(c), RNG.standard_normal(c)) if affine else (None, None)
    rm, rv = RNG.standard_normal(c), RNG.uniform(0.5, 2, c)
    ours_rm, ours_rv = gg.tensor(rm.copy()), gg.tensor(rv.copy())
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    for training in (True, False):
        _compare(lambda a, ww, bb, tr=training: F.batch_norm(a, ours_rm, ours_rv, ww, bb, tr, 0.3),
                 lambda a, ww, bb, tr=training: torch.nn.functional.batch_norm(
                     a, t_rm, t_rv, ww, bb, tr, 0.3), x, w, b)
        np.testing.assert_allclose(ours_rm.numpy(), t_rm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours_rv.numpy(), t_rv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("ns, shape", [((4,), (2, 3, 4)), ((3, 4), (2, 3, 4)), (4, (4,))])
def test_layer_norm_matches_torch(ns, shape):
    x = RNG.standard_normal(shape)
    w = RNG.standard_normal(shape[-len(ns) if isinstance(ns, tuple) else -1:])
    _compare(lambda a, ww: F.layer_norm(a, ns, ww), lambda a, ww:
             torch.nn.functional.layer_norm(a, ns if isinstance(ns, tuple) else (ns,), ww),
             x, w)


# ------------------------------------------------------------------------------ group / instance
@pytest.mark.parametrize("shape, groups", [((2, 6), 3), ((2, 4, 5), 2), ((1, 6, 2, 3), 6),
                                           ((2, 4, 2, 1, 3), 1)])
def test_group_norm_matches_torch(shape, groups):
    x = RNG.standard_normal(shape)
    w, b = RNG.standard_normal(shape[1]), RNG.standard_normal(shape[1])
    _compare(lambda a, ww, bb: F.group_norm(a, groups, ww, bb, eps=1e-3),
             lambda a, ww, bb: torch.nn.functional.group_norm(a, groups, ww, bb, eps=1e-3),
             x, w, b)
    _compare(lambda a: F.group_norm(a, groups), lambda a: torch.group_norm(a, groups), x)
    _checks(lambda a, ww, bb: F.group_norm(a, groups, ww, bb), x, w, b)
    with pytest.raises(RuntimeError):
        F.group_norm(gg.tensor(x), 5)


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 2, 3, 3), (1, 2, 2, 2, 3)])
def test_instance_norm_matches_torch(shape):
    x = RNG.standard_normal(shape)
    c = shape[1]
    w, b = RNG.standard_normal(c), RNG.standard_normal(c)
    rm, rv = RNG.standard_normal(c), RNG.uniform(0.5, 2, c)
    ours_rm, ours_rv = gg.tensor(rm.copy()), gg.tensor(rv.copy())
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    for use in (True, False):
        _compare(lambda a, ww, bb, u=use: F.instance_norm(a, ours_rm, ours_rv, ww, bb, u, 0.2),
                 lambda a, ww, bb, u=use: torch.nn.functional.instance_norm(
                     a, t_rm, t_rv, ww, bb, u, 0.2), x, w, b)
        np.testing.assert_allclose(ours_rm.numpy(), t_rm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours_rv.numpy(), t_rv.numpy(), rtol=1e-12)
    _compare(lambda a: F.instance_norm(a), lambda a: torch.nn.functional.instance_norm(a), x)
    _checks(lambda a, ww, bb: F.instance_norm(a, weight=ww, bias=bb), x, w, b)
    with pytest.raises(ValueError):
        F.instance_norm(gg.tensor(np.zeros((2, 3, 1))))


# ------------------------------------------------------------------------------ rms / lrn
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rms_norm_matches_torch(dtype):
    x = RNG.standard_normal((2, 3, 4)).astype(dtype)
    w = RNG.standard_normal((3, 4)).astype(dtype)
    tol = {"atol": 1e-5, "rtol": 1e-5} if dtype == np.float32 else {}
    _compare(lambda a, ww: F.rms_norm(a, (3, 4), ww), lambda a, ww:
             torch.nn.functional.rms_norm(a, (3, 4), ww), x, w, **tol)
    _compare(lambda a: F.rms_norm(a, 4, eps=0.1),
             lambda a: torch.nn.functional.rms_norm(a, (4,), eps=0.1), x, **tol)
    tiny = np.zeros((2, 3), dtype)  # eps defaults to finfo(dtype).eps: 0 stays 0, finite grad
    _compare(lambda a: F.rms_norm(a, 3), lambda a: torch.nn.functional.rms_norm(a, (3,)), tiny,
             **tol)


def test_rms_norm_gradients():
    _checks(lambda a, ww: F.rms_norm(a, (4,), ww), RNG.standard_normal((3, 4)),
            RNG.standard_normal(4))


@pytest.mark.parametrize("shape", [(2, 5, 3), (1, 6, 2, 2), (2, 4, 1, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm_matches_torch(shape, size):
    x = RNG.standard_normal(shape)
    _compare(lambda a: F.local_response_norm(a, size, alpha=0.5, beta=0.6, k=1.5),
             lambda a: torch.nn.functional.local_response_norm(a, size, 0.5, 0.6, 1.5), x)


def test_local_response_norm_gradients_and_errors():
    _checks(lambda a: F.local_response_norm(a, 3, alpha=0.3), RNG.standard_normal((1, 4, 3)))
    with pytest.raises(ValueError):
        F.local_response_norm(gg.tensor(np.zeros((2, 3))), 2)


# ------------------------------------------------------------------------------ modules
def test_normalization_modules_match_torch():
    nn = torch.nn
    cases = [(GroupNorm(2, 4), nn.GroupNorm(2, 4), (2, 4, 3)),
             (GroupNorm(1, 4, eps=1e-3, affine=False), nn.GroupNorm(1, 4, 1e-3, False),
              (2, 4, 3)),
             (InstanceNorm1d(3), nn.InstanceNorm1d(3), (2, 3, 5)),
             (InstanceNorm1d(3), nn.InstanceNorm1d(3), (3, 5)),
             (InstanceNorm2d(3, affine=True, track_running_stats=True),
              nn.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 2, 3)),
             (InstanceNorm3d(2, momentum=0.3), nn.InstanceNorm3d(2, momentum=0.3),
              (1, 2, 2, 2, 2)),
             (LocalResponseNorm(2), nn.LocalResponseNorm(2), (2, 4, 3)),
             (RMSNorm([3]), nn.RMSNorm([3]), (2, 3)),
             (BatchNorm3d(2, momentum=None), nn.BatchNorm3d(2, momentum=None), (2, 2, 2, 1, 3)),
             (RMSNorm(3, eps=1e-3, elementwise_affine=False),
              nn.RMSNorm(3, eps=1e-3, elementwise_affine=False), (2, 3))]
    for ours, ref, shape in cases:
        assert repr(ours) == repr(ref)
        assert sorted(n for n, _ in ours.named_parameters()) == \
            sorted(n for n, _ in ref.named_parameters())
        x = RNG.standard_normal(shape).astype(np.float32)
        for _ in range(2):
            np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                                       ref(torch.tensor(x)).detach().numpy(), atol=1e-5)
        for name, buf in ref.named_buffers():
            np.testing.assert_allclose(getattr(ours, name).numpy(), buf.numpy(), atol=1e-6)
        ours.eval()
        ref.eval()
        np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                                   ref(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_torch_namespace_norms_take_aten_argument_order():
    x = RNG.standard_normal((2, 3, 4))
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    rm, rv = np.zeros(3), np.ones(3)
    _compare(lambda a, ww, bb: gg.batch_norm(a, ww, bb, gg.tensor(rm), gg.tensor(rv), True,
                                             0.1, 1e-5, False),
             lambda a, ww, bb: torch.batch_norm(a, ww, bb, torch.tensor(rm), torch.tensor(rv),
                                                True, 0.1, 1e-5, False), x, w, b)
    _compare(lambda a, ww, bb: gg.instance_norm(a, ww, bb, None, None, True, 0.1, 1e-5, False),
             lambda a, ww, bb: torch.instance_norm(a, ww, bb, None, None, True, 0.1, 1e-5,
                                                   False), x, w, b)
    _compare(lambda a: gg.group_norm(a, 3), lambda a: torch.group_norm(a, 3), x)
    _compare(lambda a: gg.layer_norm(a, (4,)), lambda a: torch.layer_norm(a, (4,)), x)
    _compare(lambda a: gg.rms_norm(a, (4,)), lambda a: torch.rms_norm(a, (4,)), x)


def test_sdpa_tensor_masks_and_mask_gradient_match_torch():
    sdpa = torch.nn.functional.scaled_dot_product_attention
    q, k, v = _qkv((2,))
    keep = RNG.random((2, 3, 4)) > 0.5
    out = F.scaled_dot_product_attention(*(gg.tensor(a) for a in (q, k, v)),
                                         attn_mask=gg.tensor(keep))
    ref = sdpa(*(torch.tensor(a) for a in (q, k, v)), attn_mask=torch.tensor(keep))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-12)
    m = RNG.standard_normal((1, 3, 4))
    _compare(lambda a, b, c, mm: F.scaled_dot_product_attention(a, b, c, attn_mask=mm),
             lambda a, b, c, mm: sdpa(a, b, c, attn_mask=mm), q, k, v, m)
