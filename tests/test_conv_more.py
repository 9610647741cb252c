"""conv1d/2d/3d, conv_transpose1d/2d/3d and the conv modules against torch: argument forms,
first and second derivatives, dtypes, errors, padding modes, output_size, init and repr.

The registry (tests/test_ops.py) gradchecks every op to second order on its spec's cases;
this file covers what the registry does not: torch's second derivatives themselves, the
argument parsing and the nn modules.
"""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from torch_ref import torch

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

OURS = {"Conv1d": Conv1d, "Conv2d": Conv2d, "Conv3d": Conv3d,
        "ConvTranspose1d": ConvTranspose1d, "ConvTranspose2d": ConvTranspose2d,
        "ConvTranspose3d": ConvTranspose3d}


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(fn_name, arrays, kwargs, seed=0):
    """Forward, first and second derivatives (of sum(v * grad) wrt every input) in both."""
    ours = [gg.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    out = getattr(F, fn_name)(*ours, **kwargs)
    ref = getattr(torch.nn.functional, fn_name)(*theirs, **kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(out.shape)
    live = [a for a in ours if a is not None]
    tlive = [a for a in theirs if a is not None]
    g = gg.autograd.grad((out * gg.tensor(w)).sum(), live, create_graph=True)
    tg = torch.autograd.grad((ref * torch.tensor(w)).sum(), tlive, create_graph=True)
    for a, b in zip(g, tg, strict=True):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-9, atol=1e-12)
    vs = [rng.standard_normal(a.shape) for a in g]
    s = sum((a * gg.tensor(v)).sum() for a, v in zip(g, vs, strict=True))
    ts = sum((a * torch.tensor(v)).sum() for a, v in zip(tg, vs, strict=True))
    gg2 = gg.autograd.grad(s, live, allow_unused=True)
    tg2 = torch.autograd.grad(ts, tlive, allow_unused=True)
    for a, b in zip(gg2, tg2, strict=True):
        if b is None:
            assert a is None or not np.any(a.data)
        else:
            np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-9, atol=1e-11)
    return out


# ------------------------------------------------------------------------------ functional
CONV_ARGS = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2,), padding=(1,), dilation=(2,)),   # one value expands to every dim
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid", stride=3),
    dict(padding=2, dilation=2, groups=2),
]


@pytest.mark.parametrize("kw", CONV_ARGS, ids=str)
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_first_and_second_derivatives(nd, kw, bias):
    spatial = (7, 6, 5)[:nd]
    kernel = (2, 3, 2)[:nd]                           # even sizes: 'same' pads asymmetrically
    x, w = _rand(2, 4, *spatial, seed=nd), _rand(6, 4 // kw.get("groups", 1), *kernel, seed=9)
    b = _rand(6, seed=3) if bias else None
    _both(f"conv{nd}d", (x, w, b), kw)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_unbatched_input(nd):
    x, w = _rand(3, *(6, 5, 4)[:nd]), _rand(2, 3, *(3, 2, 2)[:nd], seed=1)
    out = _both(f"conv{nd}d", (x, w, _rand(2, seed=2)), dict(padding=1))
    assert out.ndim == nd + 1


T_ARGS = [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(3,), padding=(2,), output_padding=(2,)),
    dict(dilation=3, output_padding=2),               # output_padding < dilation is allowed
    dict(stride=2, groups=2, dilation=2, padding=1, output_padding=1),
]


@pytest.mark.parametrize("kw", T_ARGS, ids=str)
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose_first_and_second_derivatives(nd, kw, bias):
    x = _rand(2, 4, *(4, 3, 3)[:nd], seed=nd)
    w = _rand(4, 3, *(3, 2, 2)[:nd], seed=5)
    b = _rand(3 * kw.get("groups", 1), seed=6) if bias else None
    _both(f"conv_transpose{nd}d", (x, w, b), kw)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_transpose_unbatched_input(nd):
    x, w = _rand(2, *(4, 3, 3)[:nd]), _rand(2, 3, *(3, 2, 2)[:nd], seed=1)
    out = _both(f"conv_transpose{nd}d", (x, w, _rand(3, seed=2)), dict(stride=2))
    assert out.ndim == nd + 1


def test_third_derivative_exists():
    """Every gradient is a convolution op again, so derivatives of any order are recorded."""
    x = gg.tensor(_rand(1, 2, 5, 5), requires_grad=True)
    w = gg.tensor(_rand(3, 2, 3, 3, seed=1), requires_grad=True)
    tx, tw = torch.tensor(x.data.numpy(), requires_grad=True), torch.tensor(w.data.numpy(),
                                                                             requires_grad=True)
    outs = []
    for lib, a, b in ((gg, x, w), (torch, tx, tw)):
        y = lib.nn.functional.conv2d(a, b, stride=2, padding=1) if lib is torch else \
            F.conv2d(a, b, stride=2, padding=1)
        (gw,) = lib.autograd.grad((y ** 2).sum(), [b], create_graph=True)
        (gx,) = lib.autograd.grad((gw ** 2).sum(), [a], create_graph=True)
        (gw3,) = lib.autograd.grad((gx * a).sum(), [b])
        outs.append(gw3)
    np.testing.assert_allclose(outs[0].data, outs[1].numpy(), rtol=1e-9)


def test_conv2d_create_graph_no_longer_raises():
    x = gg.tensor(_rand(1, 1, 4, 4), requires_grad=True)
    w = gg.tensor(_rand(1, 1, 2, 2), requires_grad=True)
    (g,) = gg.autograd.grad(F.conv2d(x, w).sum(), [x], create_graph=True)
    assert g.requires_grad and g.grad_fn is not None


def test_same_padding_even_kernel_pads_after_like_torch():
    x = np.zeros((1, 1, 4))
    x[0, 0, 0] = 1.0
    w = np.array([[[1.0, 2.0]]])
    out = F.conv1d(gg.tensor(x), gg.tensor(w), padding="same")
    np.testing.assert_array_equal(out.data, [[[1.0, 0.0, 0.0, 0.0]]])  # out[0] = x0 + 2 x1
    ref = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), padding="same")
    np.testing.assert_array_equal(out.data, ref.numpy())


@pytest.mark.parametrize("name, nd", [("conv2d", 2), ("conv_transpose2d", 2),
                                      ("conv1d", 1), ("conv_transpose3d", 3)])
def test_float32_stays_float32(name, nd):
    x = _rand(2, 4, *(5,) * nd).astype(np.float32)
    w = _rand(4, 4, *(3,) * nd, seed=1).astype(np.float32)
    b = _rand(4, seed=2).astype(np.float32)
    ours = [gg.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = getattr(F, name)(*ours, stride=2, padding=1)
    out.sum().backward()
    assert out.dtype == np.float32 and all(a.grad.dtype == np.float32 for a in ours)
    ref = getattr(torch.nn.functional, name)(*map(torch.tensor, (x, w, b)), stride=2,
                                              padding=1)
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-5, atol=1e-5)


def test_integer_input_matches_torch():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 5 - 2
    out = F.conv2d(gg.tensor(x), gg.tensor(w), padding=1)
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, ref.numpy())


@pytest.mark.parametrize("fn, xs, ws", [("conv2d", (0, 4, 5, 5), (6, 2, 3, 3)),
                                         ("conv_transpose1d", (0, 4, 5), (4, 3, 3))])
def test_empty_batch(fn, xs, ws):
    x = gg.tensor(np.zeros(xs), requires_grad=True)
    w = gg.tensor(_rand(*ws), requires_grad=True)
    out = getattr(F, fn)(x, w, groups=2)
    ref = getattr(torch.nn.functional, fn)(torch.zeros(xs, dtype=torch.float64),
                                           torch.tensor(w.data.numpy()), groups=2)
    assert out.shape == tuple(ref.shape) and out.shape[0] == 0
    out.sum().backward()
    assert x.grad.shape == xs and not np.any(w.grad.data)


def test_torch_namespace_and_functional_agree():
    x, w = gg.tensor(_rand(1, 2, 5)), gg.tensor(_rand(2, 2, 3, seed=1))
    np.testing.assert_array_equal(gg.conv1d(x, w).data, F.conv1d(x, w).data)
    np.testing.assert_array_equal(gg.conv_transpose1d(x, w).data,
                                  F.conv_transpose1d(x, w).data)


def test_conv_transpose_argument_order_is_groups_then_dilation():
    x, w = _rand(1, 4, 4, 4), _rand(4, 1, 3, 3, seed=1)
    ours = F.conv_transpose2d(gg.tensor(x), gg.tensor(w), None, 1, 0, 0, 2, 3)
    ref = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w), None, 1, 0,
                                               0, 2, 3)
    assert ours.shape == tuple(ref.shape) == (1, 2, 10, 10)
    np.testing.assert_allclose(ours.data, ref.numpy(), rtol=1e-12)


ERRORS = [  # fn, input shape, weight shape, kwargs, our message fragment
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(padding="same", stride=2),
     "padding='same' is not supported for strided convolutions"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(padding="full"), "Invalid padding string"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(stride=0), "non-positive stride"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(padding=-1), "negative padding"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(groups=0), "non-positive groups"),
    ("conv2d", (1, 2, 5, 5), (3, 3, 2, 2), dict(), "to have 3 channels, but got 2 channels"),
    ("conv2d", (1, 2, 5, 5), (3, 1, 2, 2), dict(groups=2), "expected weight to be divisible"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 7, 7), dict(), "Kernel size can't be greater"),
    ("conv2d", (5, 5), (3, 2, 2, 2), dict(), "Expected 3D (unbatched) or 4D (batched) input"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(stride=(1, 1, 1)), "stride"),
    ("conv3d", (1, 2, 4, 4), (3, 2, 2, 2, 2), dict(groups=2), "divisible by 2"),
    ("conv3d", (2, 4, 4, 4), (4, 3, 2, 2, 2), dict(), "to have 3 channels, but got 2"),
    ("conv_transpose2d", (1, 2, 5, 5), (2, 3, 3, 3), dict(output_padding=1),
     "output padding must be smaller than either stride or dilation"),
    ("conv_transpose2d", (1, 2, 5, 5), (2, 3, 3, 3), dict(padding=5), "Output size is too small"),
    ("conv_transpose2d", (1, 2, 5, 5), (3, 3, 3, 3), dict(), "to have 3 channels, but got 2"),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 3), dict(output_padding=-1), "negative"),
]


@pytest.mark.parametrize("fn, xs, ws, kw, message", ERRORS, ids=lambda v: str(v)[:30])
def test_errors_match_torch_class(fn, xs, ws, kw, message):
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(F, fn)(gg.tensor(np.zeros(xs)), gg.tensor(np.zeros(ws)), **kw)
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.zeros(xs), torch.zeros(ws), **kw)


def test_other_errors():
    x, w = gg.zeros(1, 2, 5, 5), gg.zeros(3, 2, 2, 2)
    with pytest.raises(RuntimeError, match="bias of size"):
        F.conv2d(x, w, gg.zeros(2))
    with pytest.raises(RuntimeError, match="one dtype"):
        F.conv2d(x.to(gg.float64), w.to(gg.float32))
    with pytest.raises(TypeError, match="must be tuple of ints, not str"):
        F.conv_transpose2d(x, gg.zeros(2, 3, 2, 2), padding="same")
    with pytest.raises(TypeError, match="groups must be an int"):
        F.conv2d(x, w, groups=1.5)


# ------------------------------------------------------------------------------ modules
def _pair(build, *args, **kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, build)(*args, **kwargs).double()
    ours = OURS[build](*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, p in theirs.state_dict().items():
        assert ours.state_dict()[name].shape == tuple(p.shape), name
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    return ours, theirs


def _check(ours, theirs, x, **fwd):
    xo, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xo, **fwd), theirs(xt, **fwd)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    w = np.random.default_rng(5).standard_normal(out.shape)
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[name].grad.numpy(), rtol=1e-9, atol=1e-12)


MODULES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="reflect")),
    ("Conv1d", (2, 2, 3), dict(padding=2, padding_mode="circular", bias=False)),
    ("Conv1d", (4, 6, 3), dict(padding="valid", groups=2, dilation=2)),
    ("Conv3d", (2, 4, (2, 3, 2)), dict(padding=(1, 0, 1), padding_mode="replicate")),
    ("Conv3d", (2, 2, 3), dict(padding="same", padding_mode="circular")),
    ("Conv3d", (4, 2, 2), dict(stride=(1, 2, 1), groups=2)),
    ("Conv2d", (2, 3, (2, 4)), dict(padding="same", padding_mode="reflect", dilation=(2, 1))),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, padding=1, output_padding=1)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=2, groups=2, dilation=2, bias=False)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=(2, 1, 2), padding=1, output_padding=(1, 0, 0))),
]


@pytest.mark.parametrize("build, args, kw", MODULES, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("batched", [True, False])
def test_modules_match_torch(build, args, kw, batched):
    ours, theirs = _pair(build, *args, **kw)
    nd = int(build[-2])
    x = _rand(*((2,) if batched else ()), args[0], *(6, 5, 4)[:nd], seed=4)
    _check(ours, theirs, x)


@pytest.mark.parametrize("size", [(11, 11), (12, 12), (11, 12), (2, 3, 12, 11)])
def test_conv_transpose_output_size(size):
    ours, theirs = _pair("ConvTranspose2d", 3, 2, 3, stride=2)
    _check(ours, theirs, _rand(2, 3, 5, 5), output_size=size)
    ours, theirs = _pair("ConvTranspose1d", 3, 2, 3, stride=3, dilation=2)
    _check(ours, theirs, _rand(3, 4), output_size=[size[-1] + 3])  # unbatched: 14 to 16


def test_conv_transpose_bad_output_size():
    m = ConvTranspose2d(2, 3, 3, stride=2)
    with pytest.raises(ValueError, match=r"valid sizes range from \[11, 11\] to \[12, 12\]"):
        m(gg.zeros(1, 2, 5, 5), output_size=[10, 10])
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        m(gg.zeros(1, 2, 5, 5), output_size=[11])


@pytest.mark.parametrize("build, kw", [
    ("ConvTranspose2d", dict(padding_mode="reflect")),
    ("Conv1d", dict(padding="same", stride=2)),
    ("Conv3d", dict(padding="full")),
    ("Conv1d", dict(groups=3)),
    ("Conv2d", dict(padding_mode="mirror")),
    ("ConvTranspose1d", dict(groups=0)),
])
def test_module_bad_arguments(build, kw):
    with pytest.raises(ValueError):
        OURS[build](4, 4, 3, **kw)
    with pytest.raises(ValueError):
        getattr(torch.nn, build)(4, 4, 3, **kw)


@pytest.mark.parametrize("build, args, shape", [
    ("Conv1d", (4, 6, 3), (6, 4, 3)),
    ("Conv3d", (4, 6, (1, 2, 3), 1, 0, 1, 2), (6, 2, 1, 2, 3)),
    ("ConvTranspose1d", (4, 6, 3), (4, 6, 3)),
    ("ConvTranspose3d", (4, 6, 2, 1, 0, 0, 2), (4, 3, 2, 2, 2)),
])
def test_module_init_bounds(build, args, shape):
    """kaiming_uniform_(a=sqrt(5)) gives U(+-1/sqrt(fan_in)) for the weight, as for the bias;
    fan_in = weight.shape[1] * prod(kernel_size)."""
    gg.manual_seed(0)
    m = OURS[build](*args)
    assert m.weight.shape == shape and m.bias.shape == (args[1],)
    bound = 1 / math.sqrt(shape[1] * math.prod(shape[2:]))
    for p in (m.weight, m.bias):
        a = p.data.numpy()
        assert np.all(np.abs(a) <= bound) and np.abs(a).max() > 0.5 * bound
    assert m.weight.requires_grad and m.bias.requires_grad


def test_conv2d_repr_and_attributes():
    m = Conv2d(2, 4, 3, padding="same", padding_mode="reflect")
    assert repr(m) == ("Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, "
                       "padding_mode=reflect)")
    assert m._reversed_padding_repeated_twice == (1, 1, 1, 1)
    m = ConvTranspose2d(2, 4, 3, stride=2, output_padding=1, groups=2, dilation=2, bias=False)
    assert repr(m) == ("ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), "
                       "dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)")
    assert m.transposed and not Conv1d(1, 1, 1).transposed
