"""nn.MultiheadAttention and the Transformer modules against torch in float64: outputs,
attention weights, every parameter's gradient, masks, batch_first, norm_first, state_dict
keys, reprs, initialization, train/eval, safetensors, and a small classifier that learns."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.nn.activation import GELU
from glassgrad.nn.attention import MultiheadAttention
from glassgrad.nn.linear import Linear
from glassgrad.nn.module import Module
from glassgrad.nn.normalization import LayerNorm
from glassgrad.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from torch_ref import torch

RTOL, ATOL = 1e-10, 1e-12

pytestmark = [
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
    pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors"),
    pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask"),
]


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(ours_cls, theirs_cls, *args, **kwargs):
    """The same module in both, float64, torch's weights copied into ours."""
    torch.manual_seed(0)
    theirs = theirs_cls(*args, **kwargs, dtype=torch.float64)
    ours = ours_cls(*args, **kwargs, dtype=gg.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert tuple(a.shape) == tuple(b.shape), k
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _close(a, b, what=""):
    a = a.detach().numpy() if isinstance(a, gg.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert a.shape == b.shape, what
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=what)


def _run(ours, theirs, arrays, call, train=True, extra_ours=(), extra_theirs=()):
    """Forward through both with `call(module, *inputs)`, compare every output, then
    backward a random weighting of the first output and compare the gradients of every
    parameter, every input and every extra leaf (e.g. a float mask)."""
    ours.train(train)
    theirs.train(train)
    xs = [gg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = call(ours, *xs, *extra_ours)
    ref = call(theirs, *ts, *extra_theirs)
    out = out if isinstance(out, tuple) else (out,)
    ref = ref if isinstance(ref, tuple) else (ref,)
    for i, (o, r) in enumerate(zip(out, ref, strict=True)):
        if r is None:
            assert o is None
        else:
            _close(o, r, f"output {i}")
    w = _rand(*out[0].shape, seed=7)
    loss = (out[0] * gg.tensor(w)).sum()
    if out[1:] and out[1] is not None:
        loss = loss + (out[1] * gg.tensor(_rand(*out[1].shape, seed=8))).sum()
        tloss = (ref[0] * torch.tensor(w)).sum() + (
            ref[1] * torch.tensor(_rand(*out[1].shape, seed=8))).sum()
    else:
        tloss = (ref[0] * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, tparams[name].grad, f"grad of {name}")
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        _close(x.grad, t.grad, f"grad of input {i}")
    for i, (x, t) in enumerate(zip(extra_ours, extra_theirs, strict=True)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            _close(x.grad, t.grad, f"grad of extra {i}")
    return out


def _both(array, requires_grad=False):
    return (gg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


# ----------------------------------------------------------------------- MultiheadAttention

MHA_CONFIGS = [
    {},
    {"kdim": 3, "vdim": 5},
    {"add_bias_kv": True},
    {"add_zero_attn": True},
    {"add_bias_kv": True, "add_zero_attn": True, "kdim": 4, "vdim": 6},
    {"bias": False},
    {"batch_first": True},
]


@pytest.mark.parametrize("cfg", MHA_CONFIGS, ids=lambda c: ",".join(c) or "default")
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("train", [True, False])
def test_mha_matches_torch(cfg, need_weights, average, train):
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 8, 2, **cfg)
    n_l, n_s, n_b = 4, 5, 3
    bf = cfg.get("batch_first", False)
    shape = (lambda s: (n_b, s)) if bf else (lambda s: (s, n_b))
    arrays = [_rand(*shape(n_l), 8, seed=1), _rand(*shape(n_s), cfg.get("kdim", 8), seed=2),
              _rand(*shape(n_s), cfg.get("vdim", 8), seed=3)]
    out = _run(ours, theirs, arrays, lambda m, q, k, v: m(
        q, k, v, need_weights=need_weights, average_attn_weights=average), train=train)
    if need_weights:
        extra = int(cfg.get("add_bias_kv", False)) + int(cfg.get("add_zero_attn", False))
        want = (n_b, n_l, n_s + extra) if average else (n_b, 2, n_l, n_s + extra)
        assert out[1].shape == want
        np.testing.assert_allclose(out[1].detach().numpy().sum(-1), 1.0, rtol=1e-12)
    else:
        assert out[1] is None


def _masks(n_b, n_l, n_s, heads, seed=0):
    """Random bool masks that never mask a whole row (True = do not attend)."""
    rng = np.random.default_rng(seed)
    attn = rng.random((n_l, n_s)) < 0.4
    attn[:, 0] = False
    attn3 = rng.random((n_b * heads, n_l, n_s)) < 0.4
    attn3[..., 1] = False
    kpm = rng.random((n_b, n_s)) < 0.4
    kpm[:, 1] = False
    kpm[:, 0] = False
    return attn, attn3, kpm


MASK_CASES = ["bool2d", "float2d", "bool3d", "float3d", "kpm_bool", "kpm_float",
              "bool2d+kpm_bool", "float3d+kpm_float", "float2d+kpm_bool"]


@pytest.mark.parametrize("case", MASK_CASES)
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("cfg", [{}, {"add_bias_kv": True, "add_zero_attn": True}],
                         ids=["plain", "bias_kv+zero_attn"])
def test_mha_masks_match_torch(case, need_weights, cfg):
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 6, 3, **cfg)
    n_l, n_s, n_b = 4, 5, 2
    attn, attn3, kpm = _masks(n_b, n_l, n_s, 3)
    float2d = np.where(attn, -1e3, _rand(n_l, n_s, seed=4))
    float3d = np.where(attn3, -np.inf, _rand(*attn3.shape, seed=5))
    kw_o, kw_t = {}, {}
    leaves_o, leaves_t = [], []
    for part in case.split("+"):
        key = "key_padding_mask" if part.startswith("kpm") else "attn_mask"
        if part in ("bool2d", "bool3d", "kpm_bool"):
            arr = {"bool2d": attn, "bool3d": attn3, "kpm_bool": kpm}[part]
            kw_o[key], kw_t[key] = _both(arr)
        elif part == "kpm_float":
            kw_o[key], kw_t[key] = _both(np.where(kpm, -np.inf, 0.0))
        else:
            o, t = _both(float2d if part == "float2d" else float3d, requires_grad=True)
            kw_o[key], kw_t[key] = o, t
            leaves_o.append(o)
            leaves_t.append(t)
    arrays = [_rand(n_l, n_b, 6, seed=1), _rand(n_s, n_b, 6, seed=2), _rand(n_s, n_b, 6, seed=3)]
    _run(ours, theirs, arrays,
         lambda m, q, k, v, *leaves: m(q, k, v, need_weights=need_weights,
                                       **(kw_o if isinstance(m, Module) else kw_t)),
         extra_ours=leaves_o, extra_theirs=leaves_t)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("kpm", [False, True])
@pytest.mark.parametrize("cfg", [{}, {"add_bias_kv": True}], ids=["plain", "bias_kv"])
def test_mha_is_causal_hint_matches_torch(need_weights, kpm, cfg):
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 4, 2, **cfg)
    n_l, n_b = 5, 2
    causal = np.triu(np.ones((n_l, n_l), dtype=bool), 1)
    pad = np.zeros((n_b, n_l), dtype=bool)
    pad[1, -1] = True
    mo, mt = _both(causal)
    po, pt = _both(pad) if kpm else (None, None)
    x = _rand(n_l, n_b, 4, seed=1)
    _run(ours, theirs, [x, x, x],
         lambda m, q, k, v: m(q, k, v, attn_mask=mo if isinstance(m, Module) else mt,
                              key_padding_mask=po if isinstance(m, Module) else pt,
                              need_weights=need_weights, is_causal=True))


def test_mha_is_causal_needs_a_mask():
    m = MultiheadAttention(4, 2)
    x = gg.randn(3, 1, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)


@pytest.mark.parametrize("masks", [False, True])
def test_mha_unbatched_matches_torch(masks):
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 6, 2, batch_first=True)
    attn, attn3, kpm = _masks(1, 3, 4, 2)
    kw = [{}, {}]
    if masks:
        kw = [{"attn_mask": gg.tensor(attn3), "key_padding_mask": gg.tensor(kpm[0])},
              {"attn_mask": torch.tensor(attn3), "key_padding_mask": torch.tensor(kpm[0])}]
    out = _run(ours, theirs, [_rand(3, 6, seed=1), _rand(4, 6, seed=2), _rand(4, 6, seed=3)],
               lambda m, q, k, v: m(q, k, v, **kw[0 if isinstance(m, Module) else 1]))
    assert out[0].shape == (3, 6) and out[1].shape == (3, 4)


def test_mha_double_backward_matches_torch():
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 4, 2)
    qo, qt = _both(_rand(3, 2, 4, seed=1), requires_grad=True)
    # torch's fused CPU attention (need_weights=False) has no double backward: its
    # need_weights=True path (plain softmax) is the reference for both of ours
    tg = torch.autograd.grad(theirs(qt, qt, qt)[0].pow(2).sum(), qt, create_graph=True)[0]
    (tg.pow(2).sum()).backward()
    tparams = dict(theirs.named_parameters())
    for need in (True, False):
        ours.zero_grad()
        qo.grad = None
        g = gg.autograd.grad(ours(qo, qo, qo, need_weights=need)[0].pow(2).sum(), qo,
                             create_graph=True)[0]
        _close(g, tg)
        (g.pow(2).sum()).backward()
        _close(qo.grad, qt.grad)
        for name, p in ours.named_parameters():
            _close(p.grad, tparams[name].grad, name)


def test_mha_init_and_repr():
    gg.manual_seed(0)
    m = MultiheadAttention(16, 4, add_bias_kv=True)
    bound = math.sqrt(6.0 / (16 + 48))
    w = m.in_proj_weight.detach().numpy()
    assert w.shape == (48, 16) and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not np.any(m.in_proj_bias.detach().numpy())
    assert not np.any(m.out_proj.bias.detach().numpy())
    assert m.bias_k.shape == (1, 1, 16) and np.any(m.bias_k.detach().numpy())
    assert m.q_proj_weight is None and m.head_dim == 4 and m.in_proj_weight.dtype == gg.float32
    sep = MultiheadAttention(16, 4, kdim=3, vdim=5, bias=False)
    assert sep.in_proj_weight is None and sep.k_proj_weight.shape == (16, 3)
    assert sep.v_proj_weight.shape == (16, 5) and sep.in_proj_bias is None
    assert list(sep.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                      "out_proj.weight"]
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                       "in_features=16, out_features=16, bias=True)\n)")


def test_mha_repr_and_keys_match_torch():
    for kw in ({"add_bias_kv": True}, {"kdim": 3, "bias": False}):
        ours, theirs = MultiheadAttention(16, 4, **kw), torch.nn.MultiheadAttention(16, 4, **kw)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_mha_dropout_train_and_eval():
    m = MultiheadAttention(8, 2, dropout=0.5, dtype=gg.float64)
    x = gg.tensor(_rand(4, 2, 8))
    m.eval()
    ref = MultiheadAttention(8, 2, dtype=gg.float64)
    ref.load_state_dict(m.state_dict())
    ref.eval()
    np.testing.assert_array_equal(m(x, x, x)[0].detach().numpy(), ref(x, x, x)[0].detach().numpy())
    m.train()
    for need in (True, False):
        gg.manual_seed(3)
        a = m(x, x, x, need_weights=need)[0].detach().numpy()
        gg.manual_seed(3)
        b = m(x, x, x, need_weights=need)[0].detach().numpy()
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, ref(x, x, x)[0].detach().numpy())
    gg.manual_seed(4)
    w = m(x, x, x, average_attn_weights=False)[1].detach().numpy()
    assert (w == 0).mean() > 0.2  # the returned weights are dropped out, as torch's


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(10, 3)
    m = MultiheadAttention(4, 2)
    with pytest.raises(RuntimeError, match="MultiheadAttention.*4-D"):
        m(gg.randn(1, 2, 3, 4), gg.randn(1, 2, 3, 4), gg.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match=r"embedding dimension of 4.*\(3, 2, 5\)"):
        m(gg.randn(3, 2, 5), gg.randn(3, 2, 4), gg.randn(3, 2, 4))
    x = gg.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(2, 2\), but should be \(3, 3\)"):
        m(x, x, x, attn_mask=gg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=gg.zeros(3, 3))
    with pytest.raises(TypeError, match="bool and floating"):
        m(x, x, x, attn_mask=gg.tensor(np.zeros((3, 3), dtype=np.int64)))


# ------------------------------------------------------------------------- layers and stacks

LAYER_CFGS = [
    {},
    {"norm_first": True},
    {"batch_first": True, "activation": "gelu"},
    {"norm_first": True, "batch_first": True, "bias": False},
    {"layer_norm_eps": 1e-3, "activation": "gelu-module"},
]


def _layer_kwargs(cfg):
    """Our kwargs and torch's (a GELU module activation needs one module per library)."""
    ours, theirs = dict(cfg), dict(cfg)
    if cfg.get("activation") == "gelu-module":
        ours["activation"] = GELU("tanh")
        theirs["activation"] = torch.nn.GELU("tanh")
    return ours, theirs


def _pair_kw(ours_cls, theirs_cls, args, kw_o, kw_t):
    torch.manual_seed(0)
    theirs = theirs_cls(*args, **kw_t, dtype=torch.float64)
    ours = ours_cls(*args, **kw_o, dtype=gg.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("cfg", LAYER_CFGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                     c.items()) or "default")
@pytest.mark.parametrize("train", [True, False])
def test_encoder_layer_matches_torch(cfg, train):
    kw_o, kw_t = _layer_kwargs(cfg)
    ours, theirs = _pair_kw(TransformerEncoderLayer, torch.nn.TransformerEncoderLayer,
                            (8, 2, 16, 0.0), kw_o, kw_t)
    bf = cfg.get("batch_first", False)
    n_b, n_l = 3, 5
    attn, _, kpm = _masks(n_b, n_l, n_l, 2)
    x = _rand(*((n_b, n_l) if bf else (n_l, n_b)), 8, seed=1)
    for kwo, kwt in [({}, {}),
                     ({"src_mask": gg.tensor(attn), "src_key_padding_mask": gg.tensor(kpm)},
                      {"src_mask": torch.tensor(attn),
                       "src_key_padding_mask": torch.tensor(kpm)})]:
        for m in (ours, theirs):
            m.zero_grad()
        _run(ours, theirs, [x], lambda m, s, kwo=kwo, kwt=kwt: m(
            s, **(kwo if isinstance(m, Module) else kwt)), train=train)


@pytest.mark.parametrize("cfg", LAYER_CFGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                     c.items()) or "default")
def test_decoder_layer_matches_torch(cfg):
    kw_o, kw_t = _layer_kwargs(cfg)
    ours, theirs = _pair_kw(TransformerDecoderLayer, torch.nn.TransformerDecoderLayer,
                            (8, 2, 16, 0.0), kw_o, kw_t)
    bf = cfg.get("batch_first", False)
    n_b, n_t, n_s = 2, 4, 5
    _, _, mem_kpm = _masks(n_b, n_t, n_s, 2)
    causal = Transformer.generate_square_subsequent_mask(n_t, dtype=gg.float64)
    tcausal = torch.nn.Transformer.generate_square_subsequent_mask(n_t, dtype=torch.float64)
    tgt = _rand(*((n_b, n_t) if bf else (n_t, n_b)), 8, seed=1)
    mem = _rand(*((n_b, n_s) if bf else (n_s, n_b)), 8, seed=2)
    kwo = {"tgt_mask": causal, "memory_key_padding_mask": gg.tensor(mem_kpm),
           "tgt_is_causal": True}
    kwt = {"tgt_mask": tcausal, "memory_key_padding_mask": torch.tensor(mem_kpm),
           "tgt_is_causal": True}
    _run(ours, theirs, [tgt, mem],
         lambda m, t, s: m(t, s, **(kwo if isinstance(m, Module) else kwt)))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_and_decoder_stacks_match_torch(batch_first, norm_first):
    layer = {"dim_feedforward": 12, "dropout": 0.0, "batch_first": batch_first,
             "norm_first": norm_first}
    torch.manual_seed(0)
    t_enc = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, dtype=torch.float64, **layer), 2,
        norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
    t_dec = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, dtype=torch.float64, **layer), 2)
    enc = TransformerEncoder(TransformerEncoderLayer(8, 2, dtype=gg.float64, **layer), 2,
                             norm=LayerNorm(8, dtype=gg.float64), enable_nested_tensor=False)
    dec = TransformerDecoder(TransformerDecoderLayer(8, 2, dtype=gg.float64, **layer), 2)
    for ours, theirs in ((enc, t_enc), (dec, t_dec)):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        # ModuleList folds equal entries into "(0-1): 2 x ...", as torch
        assert repr(ours.layers[1]) == repr(theirs.layers[1])
        assert repr(ours.norm) == repr(theirs.norm)
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    # the clones are independent copies
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    n_b, n_l = 2, 5
    _, _, kpm = _masks(n_b, n_l, n_l, 2)
    causal = np.triu(np.ones((n_l, n_l), dtype=bool), 1)
    x = _rand(*((n_b, n_l) if batch_first else (n_l, n_b)), 8, seed=1)
    mo = {"mask": gg.tensor(causal), "src_key_padding_mask": gg.tensor(kpm)}
    mt = {"mask": torch.tensor(causal), "src_key_padding_mask": torch.tensor(kpm)}
    _run(enc, t_enc, [x], lambda m, s: m(s, **(mo if isinstance(m, Module) else mt)))
    mem = _rand(*x.shape, seed=2)
    do = {"tgt_mask": Transformer.generate_square_subsequent_mask(n_l, dtype=gg.float64),
          "memory_key_padding_mask": gg.tensor(kpm)}
    dt = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(
        n_l, dtype=torch.float64), "memory_key_padding_mask": torch.tensor(kpm)}
    _run(dec, t_dec, [x, mem], lambda m, t, s: m(t, s, **(do if isinstance(m, Module) else dt)))


def test_encoder_eval_no_grad_matches_torch_fast_path():
    """torch takes its fused path in eval under no_grad; the numbers must agree."""
    ours, theirs = _pair_kw(TransformerEncoderLayer, torch.nn.TransformerEncoderLayer,
                            (8, 2, 16), {"batch_first": True}, {"batch_first": True})
    ours.eval()
    theirs.eval()
    x = _rand(3, 5, 8, seed=1)
    with gg.no_grad():
        out = ours(gg.tensor(x))
    with torch.no_grad():
        ref = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    args = {"d_model": 8, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1,
            "dim_feedforward": 12, "dropout": 0.0, "batch_first": batch_first}
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**args, dtype=torch.float64)
    ours = Transformer(**args, dtype=gg.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours.decoder) == repr(theirs.decoder)  # one layer: no folded ModuleList repr
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    n_b, n_s, n_t = 2, 5, 4
    _, _, kpm = _masks(n_b, n_s, n_s, 2)
    src = _rand(*((n_b, n_s) if batch_first else (n_s, n_b)), 8, seed=1)
    tgt = _rand(*((n_b, n_t) if batch_first else (n_t, n_b)), 8, seed=2)
    ko = {"tgt_mask": Transformer.generate_square_subsequent_mask(n_t, dtype=gg.float64),
          "src_key_padding_mask": gg.tensor(kpm), "memory_key_padding_mask": gg.tensor(kpm)}
    kt = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(
        n_t, dtype=torch.float64), "src_key_padding_mask": torch.tensor(kpm),
        "memory_key_padding_mask": torch.tensor(kpm)}
    _run(ours, theirs, [src, tgt],
         lambda m, s, t: m(s, t, **(ko if isinstance(m, Module) else kt)))
    for train in (True, False):
        _run(ours, theirs, [src, tgt], lambda m, s, t: m(s, t), train=train)


def test_generate_square_subsequent_mask():
    m = Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == gg.float32 and m.shape == (4, 4)
    assert np.all(np.isneginf(m.detach().numpy()[np.triu_indices(4, 1)]))
    assert not np.any(m.detach().numpy()[np.tril_indices(4)])
    assert Transformer.generate_square_subsequent_mask(3, dtype=gg.float64).dtype == gg.float64


def test_generate_square_subsequent_mask_matches_torch():
    np.testing.assert_array_equal(
        Transformer.generate_square_subsequent_mask(4).numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_transformer_init():
    gg.manual_seed(0)
    t = Transformer(16, 4, 1, 1, 32)
    for name, p in t.named_parameters():
        if p.ndim > 1:
            bound = math.sqrt(6.0 / (p.shape[0] + p.shape[1]))
            assert np.abs(p.detach().numpy()).max() <= bound, name
            assert np.abs(p.detach().numpy()).max() > 0.7 * bound, name
    assert np.all(t.encoder.norm.weight.detach().numpy() == 1)
    assert not np.any(t.decoder.norm.bias.detach().numpy())
    assert not np.any(t.encoder.layers[0].self_attn.in_proj_bias.detach().numpy())
    assert t.d_model == 16 and t.nhead == 4 and t.batch_first is False


def test_transformer_layer_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(8, 2, activation="tanh")
    layer = TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(RuntimeError, match=r"TransformerEncoderLayer.*8.*\(5, 2, 6\)"):
        layer(gg.randn(5, 2, 6))
    t = Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        t(gg.randn(5, 2, 8), gg.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="feature number"):
        t(gg.randn(5, 2, 8), gg.randn(4, 2, 6))


def test_callable_activation_is_used():
    calls = []

    def act(x):
        calls.append(x.shape)
        return F.relu(x)

    layer = TransformerEncoderLayer(8, 2, 16, activation=act)
    layer(gg.randn(3, 2, 8))
    assert calls == [(3, 2, 16)]


def test_weights_move_through_safetensors(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    args = {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
            "dim_feedforward": 12, "dropout": 0.0}
    gg.manual_seed(5)
    ours = Transformer(**args, dtype=gg.float64)
    path = tmp_path / "transformer.safetensors"
    gg.save(ours.state_dict(), path)
    theirs = torch.nn.Transformer(**args, dtype=torch.float64)
    theirs.load_state_dict(safetensors_torch.load_file(str(path)))
    src, tgt = _rand(5, 2, 8, seed=1), _rand(3, 2, 8, seed=2)
    ours.eval()
    theirs.eval()
    _close(ours(gg.tensor(src), gg.tensor(tgt)), theirs(torch.tensor(src), torch.tensor(tgt)))
    back = Transformer(**args, dtype=gg.float64)
    back.load_state_dict(gg.load(path))
    back.eval()
    np.testing.assert_array_equal(back(gg.tensor(src), gg.tensor(tgt)).detach().numpy(),
                                  ours(gg.tensor(src), gg.tensor(tgt)).detach().numpy())


# ------------------------------------------------------------------------------- learning


class _RowClassifier(Module):
    """Each image's 28 rows as a sequence of 28 features: a Transformer encoder, mean
    pooled, then a linear head."""

    def __init__(self, d=32):
        super().__init__()
        self.embed = Linear(28, d)
        self.pos = gg.nn.Parameter(gg.zeros(28, d))
        self.encoder = TransformerEncoder(
            TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True), 1)
        self.head = Linear(d, 10)

    def forward(self, x):
        h = self.encoder(self.embed(x) + self.pos)
        return self.head(h.mean(dim=1))


def test_small_transformer_classifier_learns_digits():
    images, labels = gg.data.load_digits(train=True)
    x_all = images[:512].astype(np.float32) / 255.0
    y_all = labels[:512]
    gg.manual_seed(0)
    model = _RowClassifier()
    opt = gg.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(60):
        idx = rng.choice(len(x_all), 64, replace=False)
        loss = F.cross_entropy(model(gg.tensor(x_all[idx])), gg.tensor(y_all[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5]), losses
    model.eval()
    with gg.no_grad():
        pred = model(gg.tensor(x_all[:256])).detach().numpy().argmax(-1)
    assert (pred == y_all[:256]).mean() > 0.5


def test_padded_positions_where_torch_uses_nested_tensors():
    """torch's eval fast path (batch_first, key padding, no grad) returns zeros at padded
    positions; ours computes them. Every unpadded position agrees."""
    torch.manual_seed(0)
    t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        4, 2, 8, batch_first=True, dtype=torch.float64), 1).eval()
    enc = TransformerEncoder(TransformerEncoderLayer(4, 2, 8, batch_first=True,
                                                     dtype=gg.float64), 1).eval()
    enc.load_state_dict({k: v.numpy() for k, v in t_enc.state_dict().items()})
    x = _rand(2, 3, 4, seed=1)
    kpm = np.zeros((2, 3), dtype=bool)
    kpm[0, 2] = True
    with torch.no_grad():
        ref = t_enc(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
    with gg.no_grad():
        out = enc(gg.tensor(x), src_key_padding_mask=gg.tensor(kpm)).numpy()
    np.testing.assert_allclose(out[~kpm], ref[~kpm], rtol=1e-9, atol=1e-12)
    assert np.all(np.isfinite(out)) and np.any(out[kpm])


def test_fully_masked_rows_follow_torch():
    """A batch element with every key padded: NaN through the weights path (torch's plain
    softmax), zeros through scaled_dot_product_attention, as torch."""
    ours, theirs = _pair(MultiheadAttention, torch.nn.MultiheadAttention, 4, 2)
    kpm = np.zeros((2, 3), dtype=bool)
    kpm[1] = True
    x = _rand(3, 2, 4, seed=1)
    with np.errstate(invalid="ignore"):
        for need in (True, False):
            xo, xt = _both(x, requires_grad=True)
            out = ours(xo, xo, xo, key_padding_mask=gg.tensor(kpm), need_weights=need)[0]
            ref = theirs(xt, xt, xt, key_padding_mask=torch.tensor(kpm), need_weights=need)[0]
            np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=RTOL,
                                       atol=ATOL)
            assert np.all(np.isnan(out.detach().numpy()[:, 1])) == need
            out.sum().backward()
            ref.sum().backward()
            np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_float32_stays_float32():
    gg.manual_seed(0)
    layer = TransformerDecoderLayer(8, 2, 16, dropout=0.0)
    tgt, mem = gg.randn(3, 2, 8), gg.randn(4, 2, 8)
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    out = layer(tgt, mem, tgt_mask=gg.tensor(causal),
                memory_key_padding_mask=gg.tensor(np.zeros((2, 4), dtype=bool)))
    assert out.dtype == gg.float32 and out.shape == (3, 2, 8)
    m = MultiheadAttention(8, 2)
    o, w = m(tgt, mem, mem, attn_mask=gg.zeros(3, 4))
    assert o.dtype == gg.float32 and w.dtype == gg.float32


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_gradcheck_without_torch(need_weights):
    """Finite differences, first and second order, through query, key, value and a float
    mask, with bias_kv and a separate key size (no torch needed)."""
    gg.manual_seed(1)
    m = MultiheadAttention(4, 2, add_bias_kv=True, kdim=3, dtype=gg.float64)
    q = gg.tensor(_rand(3, 2, 4, seed=1), requires_grad=True)
    k = gg.tensor(_rand(2, 2, 3, seed=2), requires_grad=True)
    v = gg.tensor(_rand(2, 2, 4, seed=3), requires_grad=True)
    mask = gg.tensor(_rand(3, 2, seed=4), requires_grad=True)

    def fn(q, k, v, mask):
        out, w = m(q, k, v, attn_mask=mask, need_weights=need_weights)
        return out if w is None else out * 2 + (w * w).sum()

    assert gg.autograd.gradcheck(fn, [q, k, v, mask])
    assert gg.autograd.gradgradcheck(fn, [q, k, v, mask])


@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_layers_match_torch(batch_first):
    args = {"d_model": 4, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
            "dim_feedforward": 8, "dropout": 0.0, "batch_first": batch_first}
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**args, dtype=torch.float64)
    ours = Transformer(**args, dtype=gg.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ko = {"tgt_mask": Transformer.generate_square_subsequent_mask(3, dtype=gg.float64)}
    kt = {"tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(
        3, dtype=torch.float64)}
    out = _run(ours, theirs, [_rand(4, 4, seed=1), _rand(3, 4, seed=2)],
               lambda m, s, t: m(s, t, **(ko if isinstance(m, Module) else kt)))
    assert out[0].shape == (3, 4)


def test_transformer_dropout_train_and_eval():
    """Eval ignores dropout (and matches torch's eval with the same p); training drops,
    repeatably under gg.manual_seed."""
    args = {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
            "dim_feedforward": 12, "dropout": 0.3}
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(**args, dtype=torch.float64)
    ours = Transformer(**args, dtype=gg.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    src, tgt = _rand(4, 2, 8, seed=1), _rand(3, 2, 8, seed=2)
    _run(ours, theirs, [src, tgt], lambda m, s, t: m(s, t), train=False)
    ours.train()
    gg.manual_seed(9)
    a = ours(gg.tensor(src), gg.tensor(tgt)).detach().numpy()
    gg.manual_seed(9)
    b = ours(gg.tensor(src), gg.tensor(tgt)).detach().numpy()
    c = ours(gg.tensor(src), gg.tensor(tgt)).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    ours.eval()
    assert not np.allclose(a, ours(gg.tensor(src), gg.tensor(tgt)).detach().numpy())
