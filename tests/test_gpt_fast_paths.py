"""The fast routes behind the GPT benchmark (benchmarks/cases/gpt.py) give torch's numbers.

A whole GPT training step (loss, every parameter's gradient, the parameters after two AdamW
steps) is compared with torch in float64 and float32, for the three ways the case writes a
block. Then each fast route on its own, at the edges where it hands over to the careful one:
softmax shifted by the global maximum (rows far below it, fully masked rows), attention's
in-place scores (is_causal, bool and float masks, a differentiable mask, scale=, broadcast
batch dims), layer_norm on rows, the linear bias gradient as one matrix-vector product,
embedding's backward by sorting (repeated indices, padding_idx), and Adam's in-place update.
"""

import os
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F

torch = pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.cases import gpt  # noqa: E402

SMALL = {"vocab": 11, "block": 8, "n_embd": 16, "n_head": 2, "n_layer": 2, "batch": 3}
TOL = {np.float64: {"rtol": 1e-9, "atol": 1e-11}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().numpy())


def _close(mine, ref, dtype, what):
    np.testing.assert_allclose(_np(mine), _np(ref), err_msg=what, **TOL[dtype])


# ------------------------------------------------------------------------------ a GPT step
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("variant", gpt.VARIANTS)
def test_gpt_step_matches_torch(variant, dtype):
    state = {k: v.astype(dtype) for k, v in gpt.torch_state(SMALL, variant, seed=1).items()}
    runs = {}
    for name in ("glassgrad", "torch"):
        _, model, opt = gpt.make_step(name, SMALL, variant, state)
        if dtype == np.float64:
            model.double()
        fw = gpt._framework(name)
        x, y = (fw.tensor(a) for a in gpt._data(SMALL, seed=2))
        opt.zero_grad()
        loss = model(x, y)
        loss.backward()
        grads = {k: p.grad for k, p in model.named_parameters()}
        opt.step()
        opt.zero_grad()
        model(x, y).backward()
        opt.step()
        runs[name] = (loss, grads, dict(model.named_parameters()))
    (loss, grads, params), (tloss, tgrads, tparams) = runs["glassgrad"], runs["torch"]
    assert loss.dtype == dtype
    _close(loss, tloss, dtype, "loss")
    assert set(grads) == set(tgrads)
    for k in tgrads:
        assert grads[k] is not None, k
        assert grads[k].dtype == dtype, k
        _close(grads[k], tgrads[k], dtype, f"grad of {k}")
    # Adam divides by sqrt(v): a gradient that is rounding noise (the key bias's, exactly 0
    # in exact arithmetic since softmax ignores a shift per row) moves its parameter by up to
    # lr either way. float32 is held to 2 lr = 6e-4 after two steps, float64 as tightly as
    # the rest.
    tol = TOL[dtype] if dtype == np.float64 else {"rtol": 0, "atol": 6e-4}
    for k in tparams:
        np.testing.assert_allclose(_np(params[k]), _np(tparams[k]), err_msg=k, **tol)


# ------------------------------------------------------------------------------ softmax
def _softmax_pair(x, dim=-1, seed=0):
    g = np.random.default_rng(seed).standard_normal(x.shape).astype(x.dtype)
    a, b = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = F.softmax(a, dim=dim), torch.softmax(b, dim=dim)
    out.backward(gg.tensor(g))
    ref.backward(torch.tensor(g))
    return out, ref, a.grad, b.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_rows_far_below_the_global_max_match_torch(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6)).astype(dtype)
    x[0, 1] -= 1e4  # underflows when shifted by the global maximum: the per-row route
    x[2] += 50
    out, ref, ga, gb = _softmax_pair(x)
    _close(out, ref, dtype, "softmax")
    _close(ga, gb, dtype, "softmax grad")
    np.testing.assert_allclose(_np(out).sum(-1), 1, rtol=1e-5)


def test_softmax_fully_masked_row_is_nan_as_torch():
    x = np.random.default_rng(1).standard_normal((2, 5))
    x[1] = -np.inf
    with np.errstate(invalid="ignore"):  # -inf - -inf: the NaN torch gives too
        out, ref, _, _ = _softmax_pair(x)
    assert np.isnan(_np(out)[1]).all() and np.isnan(_np(ref)[1]).all()
    _close(out[0], ref[0], np.float64, "the finite row")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_other_dims_and_partial_masks_match_torch(dim):
    x = np.random.default_rng(2).standard_normal((4, 5, 6))
    x[x > 1.0] = -np.inf  # some masked entries, no fully masked row
    x[:, :, 0] = 0.0
    x[:, 0, :] = 0.0
    x[0, :, :] = 0.0
    out, ref, ga, gb = _softmax_pair(x, dim=dim)
    _close(out, ref, np.float64, "softmax")
    _close(ga, gb, np.float64, "softmax grad")


# ------------------------------------------------------------------------------ attention
def _sdpa_pair(shapes, dtype=np.float64, mask=None, mask_grad=False, **kw):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    mine = [gg.tensor(a, requires_grad=True) for a in arrays]
    ref = [torch.tensor(a, requires_grad=True) for a in arrays]
    if mask is not None:
        mine.append(gg.tensor(mask, requires_grad=mask_grad))
        ref.append(torch.tensor(mask, requires_grad=mask_grad))
    out = F.scaled_dot_product_attention(*mine[:3], attn_mask=mine[3] if mask is not None
                                         else None, **kw)
    tout = torch.nn.functional.scaled_dot_product_attention(
        *ref[:3], attn_mask=ref[3] if mask is not None else None, **kw)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    _close(out, tout, dtype, "output")
    for name, a, b in zip("qkvm", mine, ref):
        if b.grad is not None:
            _close(a.grad, b.grad, dtype, f"grad of {name}")
    return out, mine


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sdpa_is_causal_matches_torch(dtype):
    _sdpa_pair([(2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 6)], dtype, is_causal=True)


def test_sdpa_is_causal_with_more_queries_than_keys():
    # rows past the keys' length keep every key; torch aligns the triangle top-left
    _sdpa_pair([(2, 7, 4), (2, 3, 4), (2, 3, 5)], is_causal=True)


def test_sdpa_bool_mask_with_a_fully_masked_row_gives_zeros_as_torch():
    mask = np.random.default_rng(4).random((5, 6)) > 0.4
    mask[2] = False
    mask[0, 0] = True
    out, mine = _sdpa_pair([(2, 5, 4), (2, 6, 4), (2, 6, 3)], mask=mask)
    assert (_np(out)[:, 2] == 0).all()
    assert (_np(mine[0].grad)[:, 2] == 0).all()


@pytest.mark.parametrize("mask_grad", [False, True])
def test_sdpa_float_mask_and_its_gradient_match_torch(mask_grad):
    mask = np.random.default_rng(5).standard_normal((3, 5, 6))
    mask[0, 1, :3] = -np.inf
    _sdpa_pair([(3, 5, 4), (3, 6, 4), (3, 6, 4)], mask=mask, mask_grad=mask_grad)


def test_sdpa_scale_and_dropout_zero_match_torch():
    _sdpa_pair([(2, 4, 3), (2, 5, 3), (2, 5, 3)], scale=0.37, dropout_p=0.0)


def test_sdpa_broadcast_batch_dims_sum_the_gradients():
    mask = np.random.default_rng(6).standard_normal((1, 3, 1, 6))
    _sdpa_pair([(2, 3, 5, 4), (1, 3, 6, 4), (3, 6, 2)], mask=mask, mask_grad=True)


def test_sdpa_large_scores_fall_back_without_overflow():
    rng = np.random.default_rng(7)
    q = rng.standard_normal((2, 4, 3)).astype(np.float32) * 300
    k = rng.standard_normal((2, 5, 3)).astype(np.float32) * 300
    v = rng.standard_normal((2, 5, 3)).astype(np.float32)
    out = F.scaled_dot_product_attention(gg.tensor(q), gg.tensor(k), gg.tensor(v))
    ref = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)))
    assert np.isfinite(_np(out)).all()
    np.testing.assert_allclose(_np(out), ref.numpy(), rtol=1e-3, atol=1e-3)


def test_sdpa_double_backward_after_the_fast_forward():
    rng = np.random.default_rng(8)
    q, k, v = (gg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True) for _ in range(3))
    tq, tk, tv = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    (gq,) = gg.autograd.grad((out ** 2).sum(), q, create_graph=True)
    (tgq,) = torch.autograd.grad((tout ** 2).sum(), tq, create_graph=True)
    (gq ** 2).sum().backward()
    (tgq ** 2).sum().backward()
    for a, b in ((q, tq), (k, tk), (v, tv)):
        _close(a.grad, b.grad, np.float64, "second derivative")


# ------------------------------------------------------------------------------ layer_norm
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,normalized,affine", [
    ((4, 5, 6), (6,), "both"), ((3, 4, 5), (4, 5), "both"), ((7, 6), (6,), "none"),
    ((2, 3, 6), (6,), "bias"), ((2, 3, 6), (6,), "weight")])
def test_layer_norm_rows_match_torch(dtype, shape, normalized, affine):
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape).astype(dtype) * 3 + 1
    lead = (0,) * (len(shape) - len(normalized))
    x[lead] = 2.5  # a constant slice normalizes to exactly 0
    w = rng.standard_normal(normalized).astype(dtype)
    b = rng.standard_normal(normalized).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    use_w, use_b = affine in ("both", "weight"), affine in ("both", "bias")
    mine = [gg.tensor(a, requires_grad=True) for a in (x, w, b)]
    ref = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.layer_norm(mine[0], normalized, mine[1] if use_w else None,
                       mine[2] if use_b else None)
    tout = torch.nn.functional.layer_norm(ref[0], normalized, ref[1] if use_w else None,
                                          ref[2] if use_b else None)
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    _close(out, tout, dtype, "layer_norm")
    if affine in ("none", "bias"):
        assert (_np(out)[lead] == (0 if affine == "none" else b)).all()
    for name, a, t in zip("xwb", mine, ref):
        if t.grad is not None:
            _close(a.grad, t.grad, dtype, f"grad of {name}")
        else:
            assert a.grad is None


def test_layer_norm_non_contiguous_input_and_grad():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 4, 5))
    a, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.layer_norm(a.transpose(0, 2), (6,))  # (5, 4, 6), not contiguous
    tout = torch.nn.functional.layer_norm(t.transpose(0, 2), (6,))
    (out * gg.tensor(np.arange(6.0))).sum().backward()
    (tout * torch.arange(6.0, dtype=torch.float64)).sum().backward()
    _close(out, tout, np.float64, "layer_norm")
    _close(a.grad, t.grad, np.float64, "grad")


# ------------------------------------------------------------------------------ linear bias
@pytest.mark.parametrize("xshape", [(5,), (4, 5), (2, 3, 5), (0, 5)])
def test_linear_bias_gradient_matches_torch(xshape):
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal(xshape), rng.standard_normal((3, 5)), rng.standard_normal(3)
    mine = [gg.tensor(a, requires_grad=True) for a in (x, w, b)]
    ref = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    g = rng.standard_normal(xshape[:-1] + (3,))
    F.linear(*mine).backward(gg.tensor(g))
    torch.nn.functional.linear(*ref).backward(torch.tensor(g))
    for name, a, t in zip("xwb", mine, ref):
        _close(a.grad, t.grad, np.float64, f"grad of {name}")


# ------------------------------------------------------------------------------ embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_backward_with_repeats_and_padding_matches_torch(padding_idx):
    rng = np.random.default_rng(12)
    w = rng.standard_normal((6, 4))
    idx = np.array([[2, 2, 0, 5], [5, 2, 1, 2], [0, 0, 0, 3]])
    g = rng.standard_normal(idx.shape + (4,))
    a, t = gg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.embedding(gg.tensor(idx), a, padding_idx=padding_idx).backward(gg.tensor(g))
    torch.nn.functional.embedding(torch.tensor(idx), t, padding_idx=padding_idx).backward(
        torch.tensor(g))
    _close(a.grad, t.grad, np.float64, "embedding grad")
    assert (_np(a.grad)[4] == 0).all()  # an index never used gets exactly 0


def test_index_backward_with_negative_and_multi_dim_indices_matches_torch():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((5, 3, 2))
    idx = np.array([[1, -1], [4, 1]])
    a, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = rng.standard_normal((2, 2, 3, 2))
    a[gg.tensor(idx)].backward(gg.tensor(g))
    t[torch.tensor(idx)].backward(torch.tensor(g))
    _close(a.grad, t.grad, np.float64, "index grad")
    b, u = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    b[:, gg.tensor(np.array([0, 0, 2]))].sum().backward()  # not dim 0: np.add.at
    u[:, torch.tensor([0, 0, 2])].sum().backward()
    _close(b.grad, u.grad, np.float64, "index grad on dim 1")


# ------------------------------------------------------------------------------ Adam family
@pytest.mark.parametrize("opts", [{}, {"amsgrad": True}, {"maximize": True},
                                  {"weight_decay": 0.3}])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_in_place_update_matches_torch(name, opts, dtype):
    rng = np.random.default_rng(14)
    x = rng.standard_normal((4, 3)).astype(dtype)
    grads = [rng.standard_normal((4, 3)).astype(dtype) for _ in range(3)]
    p, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    opt = getattr(gg.optim, name)([p], lr=0.05, betas=(0.8, 0.9), **opts)
    topt = getattr(torch.optim, name)([t], lr=0.05, betas=(0.8, 0.9), **opts)
    for g in grads:
        p.grad, t.grad = gg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert p.dtype == dtype
    _close(p, t, dtype, f"{name} {opts}")
    _close(gg.tensor(opt.state[p]["exp_avg_sq"]), topt.state[t]["exp_avg_sq"], dtype,
           "exp_avg_sq")


# ------------------------------------------------------------------------------ MultiheadAttention
@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("cfg", [{}, {"add_bias_kv": True, "add_zero_attn": True},
                                 {"kdim": 3, "vdim": 5}])
def test_multihead_attention_batch_first_layout_matches_torch(cfg, need_weights):
    # batch_first inputs stay (N, L, E) inside: masks, bias_kv and zero_attn on dim 1
    torch.manual_seed(15)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64, **cfg)
    m = gg.nn.MultiheadAttention(8, 2, batch_first=True, dtype=gg.float64, **cfg)
    m.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(15)
    q = rng.standard_normal((3, 4, 8))
    k = rng.standard_normal((3, 5, cfg.get("kdim", 8)))
    v = rng.standard_normal((3, 5, cfg.get("vdim", 8)))
    kpm = np.zeros((3, 5))
    kpm[1, 3:] = -np.inf  # float, as attn_mask: torch warns about mixed mask types
    mask = rng.standard_normal((4, 5))
    ours = [gg.tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out, w = m(*ours, key_padding_mask=gg.tensor(kpm), attn_mask=gg.tensor(mask),
               need_weights=need_weights)
    tout, tw = tm(*theirs, key_padding_mask=torch.tensor(kpm), attn_mask=torch.tensor(mask),
                  need_weights=need_weights)
    g = rng.standard_normal(tuple(tout.shape))
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    _close(out, tout, np.float64, "output")
    if need_weights:
        _close(w, tw, np.float64, "weights")
    for name, a, b in zip("qkv", ours, theirs):
        _close(a.grad, b.grad, np.float64, f"grad of {name}")
    grads = dict(m.named_parameters())
    for name, p in tm.named_parameters():
        _close(grads[name].grad, p.grad, np.float64, f"grad of {name}")


def test_multihead_attention_self_attention_is_causal_hint_matches_torch():
    torch.manual_seed(16)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    m = gg.nn.MultiheadAttention(8, 2, batch_first=True, dtype=gg.float64)
    m.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(16).standard_normal((2, 6, 8))
    a, t = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mask = gg.nn.Transformer.generate_square_subsequent_mask(6, dtype=gg.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    out = m(a, a, a, attn_mask=mask, need_weights=False, is_causal=True)[0]
    tout = tm(t, t, t, attn_mask=tmask, need_weights=False, is_causal=True)[0]
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    _close(out, tout, np.float64, "output")
    _close(a.grad, t.grad, np.float64, "grad of x")
