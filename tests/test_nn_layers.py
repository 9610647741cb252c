"""nn layers against torch.nn: torch's weights loaded into ours, then outputs, input and
parameter gradients compared in float64; BatchNorm running statistics over several steps;
state_dict keys and loading in both directions."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from torch_ref import torch


def _load_from_torch(ours, theirs):
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []


def _pair(build, *args, **kwargs):
    """The same layer in both libraries, float64, ours holding torch's weights."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, build)(*args, **kwargs).double()
    ours = getattr(nn, build)(*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load_from_torch(ours, theirs)
    return ours, theirs


def _check(ours, theirs, x, seed=0, rtol=1e-9, index=False):
    """One forward and backward in both; compare outputs and every gradient."""
    xo = gg.tensor(x, requires_grad=not index)
    xt = torch.tensor(x, requires_grad=not index)
    out, ref = ours(xo), theirs(xt)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    if not index:
        np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=rtol, atol=1e-12)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad is None) == (tp[name].grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), rtol=rtol,
                                       atol=1e-12, err_msg=name)
    return out


def _x(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------------------ linear, conv
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 6), (6,)])
def test_linear(bias, shape):
    ours, theirs = _pair("Linear", 6, 5, bias=bias)
    _check(ours, theirs, _x(*shape))


CONVS = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=4, kernel_size=(3, 2), stride=2, padding=1, bias=False),
    dict(in_channels=4, out_channels=6, kernel_size=3, dilation=2, groups=2, padding=2),
    dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"),
    dict(in_channels=2, out_channels=3, kernel_size=(2, 3), padding="same", dilation=(1, 2)),
    dict(in_channels=2, out_channels=2, kernel_size=3, padding="valid"),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=1, padding_mode="reflect"),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=(2, 1),
         padding_mode="replicate"),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding="same",
         padding_mode="circular"),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kw", CONVS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in
                                                              list(kw.items())[2:]))
def test_conv2d(kw):
    ours, theirs = _pair("Conv2d", **kw)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, _x(2, kw["in_channels"], 7, 6))


def test_conv2d_unbatched_input():
    ours, theirs = _pair("Conv2d", 2, 3, 3, padding=1)
    _check(ours, theirs, _x(2, 5, 5))


@pytest.mark.parametrize("kw", [dict(padding="same", stride=2), dict(padding="full"),
                                dict(groups=3), dict(padding_mode="mirror")])
def test_conv2d_bad_arguments(kw):
    with pytest.raises(ValueError):
        nn.Conv2d(4, 4, 3, **kw)


# ------------------------------------------------------------------------------ pooling, shape
@pytest.mark.parametrize("build,args,kwargs", [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False)),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool2d", ((2, 3),), {}),
    ("AdaptiveAvgPool2d", ((4, 5),), {}),  # windows overlap: 8 / 5 and 6 / 4 are no ints
    ("AdaptiveAvgPool2d", ((None, 4),), {}),
    ("Flatten", (), {}),
    ("Flatten", (0, 2), {}),
    ("Unflatten", (1, (3, 2)), {}),
    ("Identity", (), {}),
])
def test_shape_layers(build, args, kwargs):
    ours, theirs = _pair(build, *args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = _x(2, 6, 8, 6) if build != "Unflatten" else _x(2, 6, 4)
    _check(ours, theirs, x)


def test_adaptive_avg_pool2d_unbatched_and_bad_size():
    ours, theirs = _pair("AdaptiveAvgPool2d", 3)
    _check(ours, theirs, _x(2, 7, 5))
    with pytest.raises(ValueError, match="adaptive_avg_pool2d"):
        nn.AdaptiveAvgPool2d((1, 2, 3))(gg.zeros(1, 1, 4, 4))


# ------------------------------------------------------------------------------ activations
ACTIVATIONS = [("ReLU", {}), ("LeakyReLU", dict(negative_slope=0.2)), ("ELU", dict(alpha=0.7)),
               ("GELU", {}), ("GELU", dict(approximate="tanh")), ("SiLU", {}), ("Sigmoid", {}),
               ("Tanh", {}), ("Softmax", dict(dim=1)), ("LogSoftmax", dict(dim=-1)),
               ("Softplus", dict(beta=2.0, threshold=3.0))]


@pytest.mark.parametrize("build,kwargs", ACTIVATIONS)
def test_activations(build, kwargs):
    ours, theirs = _pair(build, **kwargs)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, _x(3, 4, 5) * 2)


@pytest.mark.parametrize("build,kwargs", [("ReLU", {}), ("LeakyReLU", {}), ("ELU", {}),
                                          ("SiLU", {}), ("Dropout", dict(p=0.1))])
def test_inplace_is_accepted_and_shown(build, kwargs):
    ours = getattr(nn, build)(inplace=True, **kwargs)
    assert repr(ours) == repr(getattr(torch.nn, build)(inplace=True, **kwargs))
    x = gg.tensor(_x(4), requires_grad=True)
    h = x * 1  # in place on a non-leaf, as torch allows (on a leaf requiring grad it raises)
    ours.eval()
    out = ours(h)
    assert out is h
    out.sum().backward()
    assert x.grad is not None


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    ours, theirs = _pair("Softmax")
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = ours(gg.tensor(_x(3, 4)))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ref = theirs(torch.tensor(_x(3, 4)))
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------ normalization
def _run_steps(ours, theirs, shape, steps=3, train=True):
    for s in range(steps):
        ours.train(train)
        theirs.train(train)
        _check(ours, theirs, _x(*shape, seed=s) * 2 + 1, seed=s)
        theirs.zero_grad()
        ours.zero_grad()
    tb = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        assert b.dtype == np.dtype(str(tb[name].dtype).replace("torch.", "")), name
        np.testing.assert_allclose(b.data, tb[name].numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=name)


@pytest.mark.parametrize("build,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                         ("BatchNorm2d", (4, 3, 5, 2))])
@pytest.mark.parametrize("kwargs", [{}, dict(momentum=None), dict(momentum=0.3, eps=1e-3),
                                    dict(affine=False), dict(track_running_stats=False),
                                    dict(bias=False)])
def test_batch_norm_train_then_eval(build, shape, kwargs):
    ours, theirs = _pair(build, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    _run_steps(ours, theirs, shape, steps=3, train=True)
    _run_steps(ours, theirs, shape, steps=2, train=False)
    if ours.track_running_stats:
        assert int(ours.num_batches_tracked.item()) == 3
        assert ours.num_batches_tracked.dtype == np.int64


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(gg.zeros(2, 3))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gg.zeros(1, 3))
    bn = nn.BatchNorm1d(3).eval()
    assert bn(gg.ones(1, 3)).shape == (1, 3)  # eval mode needs no batch


def test_batch_norm_running_stats_outside_autograd():
    bn = nn.BatchNorm1d(2)
    before = bn.running_mean._version[0]
    out = bn(gg.randn(5, 2, requires_grad=True))
    assert bn.running_mean._version[0] == before + 1
    assert not bn.running_mean.requires_grad and bn.running_mean.grad_fn is None
    out.sum().backward()  # the in-place update does not break backward


@pytest.mark.parametrize("args,kwargs,shape", [((6,), {}, (4, 6)), (((3, 4),), {}, (2, 3, 4)),
                                               ((4,), dict(elementwise_affine=False), (5, 4)),
                                               ((4,), dict(bias=False, eps=1e-3), (2, 2, 4))])
def test_layer_norm(args, kwargs, shape):
    ours, theirs = _pair("LayerNorm", *args, **kwargs)
    assert repr(ours) == repr(theirs)
    _check(ours, theirs, _x(*shape) * 3 + 2)


def test_layer_norm_shape_error():
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[5\]"):
        nn.LayerNorm(5)(gg.zeros(2, 4))


# ------------------------------------------------------------------------------ embedding
@pytest.mark.parametrize("kwargs", [{}, dict(padding_idx=0), dict(padding_idx=-1),
                                    dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0)])
def test_embedding(kwargs):
    ours, theirs = _pair("Embedding", 7, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    idx = np.array([[0, 2, 6, 2], [1, 0, 6, 6]])
    _check(ours, theirs, idx, index=True)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)
    if "padding_idx" in kwargs:
        assert not ours.weight.grad.data[ours.padding_idx].any()


def test_embedding_init_and_errors():
    gg.manual_seed(0)
    e = nn.Embedding(2000, 50, padding_idx=3)
    assert e.weight.dtype == np.float32
    assert not e.weight.data[3].any()
    assert abs(e.weight.data.std() - 1.0) < 0.02 and abs(e.weight.data.mean()) < 0.02
    with pytest.raises(IndexError, match="out of range"):
        e(gg.tensor([2000]))
    with pytest.raises(TypeError, match="integer"):
        e(gg.tensor([1.0]))
    pre = nn.Embedding.from_pretrained(gg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not pre.weight.requires_grad and pre(gg.tensor([1])).tolist() == [[3.0, 4.0]]


# ------------------------------------------------------------------------------ dropout
def test_dropout_statistics_and_modes():
    gg.manual_seed(3)
    d = nn.Dropout(0.3)
    assert repr(d) == "Dropout(p=0.3, inplace=False)"
    x = gg.ones(200, 500, requires_grad=True)
    out = d(x)
    kept = out.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out.detach().numpy()[kept], 1 / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)  # d out / d x is the scaled mask
    d.eval()
    assert d(x) is x
    gg.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.3)(gg.ones(200, 500)).data, out.data)
    assert not nn.Dropout(1.0)(gg.ones(3)).data.any()
    np.testing.assert_array_equal(nn.Dropout(0.0)(gg.ones(3)).data, 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# ------------------------------------------------------------------------------ whole models
def _cnn(lib):
    return lib.Sequential(lib.Conv2d(3, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(),
                          lib.MaxPool2d(2), lib.Flatten(), lib.Dropout(0.5),
                          lib.Linear(4 * 4 * 4, 5), lib.LayerNorm(5))


def test_cnn_state_dict_both_ways():
    torch.manual_seed(0)
    theirs, ours = _cnn(torch.nn).double(), _cnn(nn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load_from_torch(ours, theirs)
    x = _x(3, 3, 8, 8)
    for _ in range(2):  # train steps move the running stats
        ours.train()
        theirs.train()
        ours(gg.tensor(x))  # dropout masks differ, so compare in eval only
        theirs(torch.tensor(x))
    ours.eval()
    theirs.eval()
    _check(ours, theirs, x)
    # ours -> a fresh torch model, strict
    fresh = _cnn(torch.nn).double()
    fresh.load_state_dict({k: torch.tensor(np.array(v.data)) for k, v in
                           ours.state_dict().items()}, strict=True)
    fresh.eval()
    np.testing.assert_allclose(fresh(torch.tensor(x)).detach().numpy(),
                               ours(gg.tensor(x)).data, rtol=1e-9)
    assert int(fresh[1].num_batches_tracked) == 2


def test_float32_training_steps_close_to_torch():
    """Three SGD steps (momentum 0.9) of the CNN on cross-entropy, in float32 and in train
    mode (batch statistics, running stats updated; dropout off in both, as its masks cannot
    agree): each step's loss, every parameter after each step, and the running statistics
    stay within float32 error of torch's."""
    torch.manual_seed(1)
    theirs, ours = _cnn(torch.nn), _cnn(nn)
    _load_from_torch(ours, theirs)
    for model in (ours, theirs):
        model.train()
        model[5].eval()  # Dropout: the identity in eval
    opt_ours = gg.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    start = {k: v.detach().clone() for k, v in theirs.named_parameters()}
    rng = np.random.default_rng(2)
    tp = dict(theirs.named_parameters())
    for step in range(3):
        x = rng.standard_normal((4, 3, 8, 8)).astype(np.float32)
        target = rng.integers(0, 5, 4)
        loss = gg.nn.functional.cross_entropy(ours(gg.tensor(x)), gg.tensor(target))
        ref = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(target))
        assert loss.dtype == np.float32
        np.testing.assert_allclose(float(loss.item()), ref.item(), rtol=1e-5,
                                   err_msg=f"loss at step {step}")
        for opt, lo in ((opt_ours, loss), (opt_theirs, ref)):
            opt.zero_grad()
            lo.backward()
            opt.step()
        for name, p in ours.named_parameters():
            assert p.dtype == np.float32, name
            np.testing.assert_allclose(p.data.numpy(), tp[name].detach().numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=f"{name} after step {step}")
    moved = [k for k, v in theirs.named_parameters() if not torch.equal(v, start[k])]
    assert len(moved) == len(start)  # every parameter took real steps
    for name, buf in theirs.named_buffers():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[name].data.numpy()),
                                   buf.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
