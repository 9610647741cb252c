"""nn.Module behaviour (registration, repr, modes, state_dict errors), loss layers against
torch, gradient clipping, and the scalar (Value) Neuron/Layer/MLP."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn import functional as F
from torch_ref import torch


def _model(lib):
    return lib.Sequential(
        lib.Conv2d(1, 4, 3, padding=1, bias=False), lib.BatchNorm2d(4), lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Sequential(lib.Flatten(), lib.Dropout(0.25), lib.Linear(16, 8), lib.GELU()),
        lib.ModuleList([lib.LayerNorm(8), lib.Embedding(5, 2, padding_idx=1)]),
        lib.ModuleDict({"act": lib.LeakyReLU(0.1), "pool": lib.AdaptiveAvgPool2d((2, 2))}),
        lib.Softmax(dim=1), lib.CrossEntropyLoss(label_smoothing=0.1))


# ------------------------------------------------------------------------------ Module contract
def test_functional_is_glassgrad_functional():
    import glassgrad.nn.functional as nnf

    assert nnf is gg.functional and F is gg.functional
    assert {"batch_norm", "layer_norm", "dropout", "embedding",
            "adaptive_avg_pool2d"} <= set(dir(F))


def test_repr_matches_torch():
    assert repr(_model(nn)) == repr(_model(torch.nn))


def test_state_dict_keys_match_torch():
    ours, theirs = _model(nn), _model(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert a.shape == tuple(b.shape), k
        assert a.dtype == np.dtype(str(b.dtype).replace("torch.", "")), k
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_parameters_are_float32_by_default_and_follow_default_dtype():
    assert all(p.dtype == np.float32 for p in _model(nn).parameters())
    prev = gg.get_default_dtype()
    gg.set_default_dtype(gg.float64)
    try:
        assert nn.Linear(2, 3).weight.dtype == np.float64
    finally:
        gg.set_default_dtype(prev)
    assert nn.Conv2d(1, 1, 1, dtype=gg.float64).bias.dtype == np.float64


def test_registration_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gg.zeros(2))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = gg.zeros(2, 2)
    lin.bias = None
    assert "bias" not in lin.state_dict()
    with pytest.raises(TypeError, match="buffer"):
        lin.register_buffer("stats", np.zeros(2))
    with pytest.raises(KeyError, match="'.'"):
        lin.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match="Module"):
        nn.Sequential().add_module("x", 3)


def test_train_eval_propagates_and_dropout_follows():
    m = _model(nn)
    m.eval()
    assert not any(s.training for s in m.modules())
    m.train()
    assert all(s.training for s in m.modules())
    with pytest.raises(ValueError, match="bool"):
        m.train("no")


def test_zero_grad_and_apply_and_to():
    gg.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 1))
    m(gg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())

    seen = []
    m.apply(lambda s: seen.append(type(s).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Tanh", "Linear", "Sequential"]
    m.apply(lambda s: nn.init.zeros_(s.weight) if isinstance(s, nn.Linear) else None)
    assert not m[0].weight.data.any()

    m.to(gg.float64)
    assert all(t.dtype == np.float64 for t in m.parameters())
    assert m[1].running_var.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    assert m(gg.randn(5, 3, dtype=gg.float64)).dtype == np.float64


def test_load_state_dict_errors_name_key_and_shapes():
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    sd = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
    bad = dict(sd, **{"0.weight": np.zeros((4, 2))})
    with pytest.raises(ValueError, match=r"'0\.weight'.*\(4, 2\).*\(4, 3\)"):
        m.load_state_dict(bad)
    missing = {k: v for k, v in sd.items() if k != "1.running_mean"}
    with pytest.raises(KeyError, match="missing keys: 1.running_mean"):
        m.load_state_dict(missing)
    with pytest.raises(KeyError, match="unexpected keys: extra"):
        m.load_state_dict(dict(sd, extra=np.zeros(1)))
    result = m.load_state_dict(dict(missing, extra=np.zeros(1)), strict=False)
    assert result.missing_keys == ["1.running_mean"] and result.unexpected_keys == ["extra"]


# ------------------------------------------------------------------------------ losses
REDUCTIONS = ["mean", "sum", "none"]


def _loss_case(name, rng):
    x = rng.standard_normal((5, 4))
    if name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"):
        return x, rng.standard_normal((5, 4)), {}
    if name in ("CrossEntropyLoss", "NLLLoss"):
        t = rng.integers(0, 4, 5)
        t[0] = 2
        kw = dict(weight=rng.uniform(0.5, 2, 4), ignore_index=2)
        if name == "CrossEntropyLoss":
            kw["label_smoothing"] = 0.1
        return x, t, kw
    if name == "BCELoss":
        return rng.uniform(0.05, 0.95, (5, 4)), rng.uniform(0, 1, (5, 4)), dict(
            weight=rng.uniform(0.5, 2, 4))
    if name == "BCEWithLogitsLoss":
        return x, rng.uniform(0, 1, (5, 4)), dict(weight=rng.uniform(0.5, 2, 4),
                                                  pos_weight=rng.uniform(0.5, 3, 4))
    if name == "HingeEmbeddingLoss":
        return x, rng.choice([-1.0, 1.0], (5, 4)), dict(margin=0.7)
    return x * 0.5, rng.integers(0, 4, 5), dict(margin=0.8, weight=rng.uniform(0.5, 2, 4))


LOSSES = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss",
          "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss", "MultiMarginLoss"]


def _compare_loss(ours, theirs, x, t, seed=0):
    xo, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xo, gg.tensor(t)), theirs(xt, torch.tensor(t))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_loss_modules_match_torch(name, reduction):
    x, t, kw = _loss_case(name, np.random.default_rng(4))
    ours = getattr(nn, name)(reduction=reduction, **kw)
    theirs = getattr(torch.nn, name)(reduction=reduction, **{
        k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare_loss(ours, theirs, x, t)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_p_and_1d_input(p):
    rng = np.random.default_rng(5)
    ours, theirs = nn.MultiMarginLoss(p=p), torch.nn.MultiMarginLoss(p=p)
    _compare_loss(ours, theirs, rng.standard_normal((6, 3)) * 0.5, rng.integers(0, 3, 6))
    _compare_loss(ours, theirs, rng.standard_normal(4) * 0.5, np.array(1))
    with pytest.raises(ValueError, match="p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)


def test_legacy_size_average_and_reduce():
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.CrossEntropyLoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")


# ------------------------------------------------------------------------------ clipping
def _grads_pair(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s) for s in shapes]
    ours = [nn.Parameter(gg.zeros(*s, dtype=gg.float64)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for o, t, g in zip(ours, theirs, grads):
        o.grad = gg.tensor(g.copy())
        t.grad = torch.tensor(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _grads_pair()
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, gg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), ref.item(), rtol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_nonfinite_and_empty():
    ours, _ = _grads_pair()
    ours[0].grad.data[0, 0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), 1.0).item() == 0.0


def test_clip_grad_value_matches_torch():
    ours, theirs = _grads_pair(1)
    nn.utils.clip_grad_value_(ours, 0.3)
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


def test_parameters_to_vector_and_back():
    m = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(gg.arange(8.0), m.parameters())
    assert m.weight.tolist() == [[0, 1, 2], [3, 4, 5]] and m.bias.tolist() == [6, 7]


# ------------------------------------------------------------------------------ scalar MLP
def _scalar_loss(model, xs, ys):
    return sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), gg.Value(0.0))


def test_scalar_mlp_trains_and_registers_parameters():
    gg.manual_seed(0)
    model = nn.MLP(3, [4, 4, 1])
    assert len(list(model.parameters())) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    names = [n for n, _ in model.named_parameters()]
    assert names[:5] == ["layers.0.neurons.0.w0", "layers.0.neurons.0.w1",
                         "layers.0.neurons.0.w2", "layers.0.neurons.0.b",
                         "layers.0.neurons.1.w0"]
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(10):
        loss = _scalar_loss(model, xs, ys)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.02 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def test_scalar_modules_zero_grad_state_dict_and_repr():
    gg.manual_seed(1)
    n = nn.Neuron(2, nonlin=False)
    assert repr(n) == "Neuron(nin=2, nonlin=False)"
    assert all(-1 <= w.data <= 1 for w in n.w) and n.b.data == 0.0
    out = n([1.0, 2.0])
    out.backward()
    assert [w.grad for w in n.w] == [1.0, 2.0]
    n.zero_grad()
    assert [p.grad for p in n.parameters()] == [0.0, 0.0, 0.0]
    for p in n.parameters():  # what an optimizer's zero_grad does: None becomes 0.0
        p.grad = None
    n([1.0, 1.0]).backward()
    assert n.b.grad == 1.0
    sd = n.state_dict()
    assert list(sd) == ["w0", "w1", "b"] and all(isinstance(v, float) for v in sd.values())
    other = nn.Neuron(2, nonlin=False)
    other.load_state_dict(sd)
    assert other([0.3, -0.7]).data == n([0.3, -0.7]).data
    with pytest.raises(KeyError, match="missing keys: b"):
        other.load_state_dict({"w0": 1.0, "w1": 2.0})
    layer = nn.Layer(3, 2)
    assert repr(layer) == "Layer(nin=3, nout=2, nonlin=True)"
    assert len(layer([1.0, 2.0, 3.0])) == 2
    assert nn.MLP(2, [3, 1]).double() is not None
