"""The activations of issue 11 against torch: values and gradients at and around their kinks
(ties), float32 and float64, inplace forms, the random ones (rrelu, gumbel_softmax) under
glassgrad's seeded generator, softmax's dtype=, errors, and the nn layers with their reprs.
The registry (tests/test_ops.py) gradient-checks the registered ones; the composed ones
(softmin, glu, tanhshrink, rrelu, gumbel_softmax) are gradient-checked here."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradcheck, gradgradcheck
from glassgrad.nn import activation as A
from torch_ref import torch

# name, kwargs, the kinks (ties) of the op
KINKED = [
    ("hardsigmoid", {}, (-3.0, 3.0)), ("hardswish", {}, (-3.0, 3.0)),
    ("softsign", {}, (0.0,)), ("mish", {}, (0.0,)), ("selu", {}, (0.0,)),
    ("celu", {"alpha": 0.7}, (0.0,)), ("elu", {"alpha": 0.5}, (0.0,)),
    ("logsigmoid", {}, (0.0,)), ("threshold", {"threshold": 0.5, "value": -2.0}, (0.5,)),
    ("softshrink", {"lambd": 0.5}, (-0.5, 0.5)), ("hardshrink", {"lambd": 0.5}, (-0.5, 0.5)),
    ("tanhshrink", {}, (0.0,)), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, (-0.5, 2.0)),
    ("relu6", {}, (0.0, 6.0)), ("softmin", {"dim": 1}, ()), ("glu", {"dim": 1}, ()),
    ("glu", {"dim": 0}, ()), ("rrelu", {}, (0.0,)),
]


def _inputs(kinks, dtype, seed=0):
    """Random values plus every kink exactly and just beside it, shaped (4, n)."""
    rng = np.random.default_rng(seed)
    special = [v + e for k in kinks for v in (k,) for e in (0.0, 1e-3, -1e-3)]
    vals = np.concatenate([rng.standard_normal(24) * 4, special, [0.0, -7.0, 7.0]])
    vals = np.concatenate([vals, np.zeros((-len(vals)) % 8)])
    return vals.reshape(4, -1).astype(dtype)


def _both(name, x, kwargs, w):
    """Our and torch's output and input gradient of sum(w * out)."""
    ours = gg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = getattr(F, name)(ours, **kwargs)
    ref = getattr(torch.nn.functional, name)(theirs, **kwargs)
    (out * gg.tensor(w.astype(x.dtype))).sum().backward()
    (ref * torch.tensor(w.astype(x.dtype))).sum().backward()
    return out, ref, ours.grad, theirs.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kwargs", "kinks"), KINKED)
def test_values_and_gradients_match_torch_at_the_kinks(name, kwargs, kinks, dtype):
    x = _inputs(kinks, dtype)
    shape = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs).shape
    w = np.random.default_rng(1).standard_normal(tuple(shape))
    out, ref, g, ref_g = _both(name, x, kwargs, w)
    assert out.dtype == x.dtype and g.dtype == x.dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    np.testing.assert_allclose(g.numpy(), ref_g.numpy(), **tol)


def test_known_values_without_torch():
    x = gg.tensor([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0])
    np.testing.assert_allclose(F.hardsigmoid(x).numpy(), [0, 0, 0.5, 0.75, 1, 1])
    np.testing.assert_allclose(F.hardswish(x).numpy(), [0, 0, 0, 1.125, 3, 4])
    np.testing.assert_allclose(F.softshrink(x, 1.0).numpy(), [-3, -2, 0, 0.5, 2, 3])
    np.testing.assert_allclose(F.hardshrink(x, 1.5).numpy(), [-4, -3, 0, 0, 3, 4])
    np.testing.assert_allclose(F.threshold(x, 1.5, 9.0).numpy(), [9, 9, 9, 9, 3, 4])
    np.testing.assert_allclose(F.softsign(x).numpy(), [-0.8, -0.75, 0, 0.6, 0.75, 0.8])
    np.testing.assert_allclose(F.logsigmoid(gg.tensor([0.0, -1000.0])).numpy(),
                               [-np.log(2), -1000.0])


COMPOSED = [("softmin", {"dim": 1}), ("glu", {"dim": -1}), ("tanhshrink", {}),
            ("rrelu", {"training": True}), ("rrelu", {}),
            ("gumbel_softmax", {"tau": 0.7}), ("gumbel_softmax", {"tau": 2.0, "dim": 0})]
# (hard=True is straight-through: its forward is piecewise constant, so no finite difference
# sees the gradient it passes on; test_gumbel_softmax_soft_and_hard checks that gradient)


@pytest.mark.parametrize(("name", "kwargs"), COMPOSED)
def test_composed_activations_are_twice_differentiable(name, kwargs):
    def fn(x):
        gg.manual_seed(3)  # the random ones draw the same noise on every call
        return getattr(F, name)(x, **kwargs)

    x = np.random.default_rng(0).standard_normal((3, 4)) * 2
    x = np.where(np.abs(x) < 0.1, 0.5, x)
    assert gradcheck(fn, (gg.tensor(x, requires_grad=True),))
    assert gradgradcheck(fn, (gg.tensor(x, requires_grad=True),))


def test_registered_ops_have_second_derivatives_like_torch():
    x = np.array([-3.5, -2.0, -0.3, 0.4, 2.5, 4.0])
    for name, kwargs in [("hardswish", {}), ("mish", {}), ("selu", {}), ("celu", {"alpha": 2.0}),
                         ("softsign", {}), ("logsigmoid", {})]:
        ours = gg.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        (g,) = gg.autograd.grad(getattr(F, name)(ours, **kwargs).sum(), ours, create_graph=True)
        (tg,) = torch.autograd.grad(getattr(torch.nn.functional, name)(theirs, **kwargs).sum(),
                                    theirs, create_graph=True)
        (gg2,) = gg.autograd.grad(g.sum(), ours)
        (tg2,) = torch.autograd.grad(tg.sum(), theirs)
        np.testing.assert_allclose(gg2.numpy(), tg2.numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("x_shape, w_shape", [((2, 3, 4), (3,)), ((2, 3), (1,)), ((), (1,)),
                                              ((5,), (1,)), ((2, 3), ()), ((1, 3, 2, 2), (3,))])
def test_prelu_matches_torch(x_shape, w_shape):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.uniform(0.1, 0.5, w_shape)
    x = np.where(np.abs(x) < 0.1, 0.0, x)  # exact zeros: the tie at 0 goes to the slope
    ours = [gg.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    out, ref = F.prelu(*ours), torch.nn.functional.prelu(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert gradgradcheck(F.prelu, [gg.tensor(a + 0.3, requires_grad=True) for a in (x, w)])


def test_prelu_errors():
    with pytest.raises(RuntimeError, match="prelu"):
        F.prelu(gg.zeros(2, 3), gg.ones(2))
    with pytest.raises(RuntimeError, match="prelu"):
        F.prelu(gg.zeros(2, 3), gg.ones(3, 1))


def test_rrelu_training_draws_seeded_slopes_in_range():
    x = gg.tensor(np.linspace(-3, 3, 61), requires_grad=True)
    gg.manual_seed(5)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    gg.manual_seed(5)
    again = F.rrelu(x, 0.1, 0.3, training=True)
    np.testing.assert_array_equal(out.detach().numpy(), again.detach().numpy())
    xs = x.detach().numpy()
    slope = out.detach().numpy()[xs < 0] / xs[xs < 0]
    assert (slope >= 0.1).all() and (slope <= 0.3).all() and slope.std() > 0.01
    np.testing.assert_array_equal(out.detach().numpy()[xs > 0], xs[xs > 0])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[xs < 0], slope)  # the gradient is the slope
    assert (x.grad.numpy()[xs > 0] == 1).all()


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = np.linspace(-2, 2, 9)
    out = F.rrelu(gg.tensor(x), 0.1, 0.3)
    np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, 0.2 * x))
    ref = torch.nn.functional.rrelu(torch.tensor(x), 0.1, 0.3, training=False)
    np.testing.assert_allclose(out.numpy(), ref.numpy())


def test_gumbel_softmax_soft_and_hard():
    logits = gg.tensor(np.random.default_rng(0).standard_normal((5, 4)), requires_grad=True)
    gg.manual_seed(1)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(axis=-1), 1.0)
    gg.manual_seed(1)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and (h.sum(axis=-1) == 1).all()
    assert (h.argmax(-1) == soft.detach().numpy().argmax(-1)).all()
    w = gg.tensor(np.random.default_rng(2).standard_normal((5, 4)))
    (g_hard,) = gg.autograd.grad((hard * w).sum(), logits)
    (g_soft,) = gg.autograd.grad((soft * w).sum(), logits)
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy())  # straight-through


def test_gumbel_softmax_sample_frequencies_follow_the_softmax():
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    gg.manual_seed(0)
    hard = F.gumbel_softmax(gg.tensor(np.tile(logits, (20000, 1))), hard=True)
    np.testing.assert_allclose(hard.numpy().mean(axis=0), [0.6, 0.3, 0.1], atol=0.015)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_dtype_casts_the_input_first(name):
    x = np.arange(6).reshape(2, 3)
    for src, dt, tdt in [(x, gg.float32, torch.float32), (x * 0.3, gg.float32, torch.float32),
                         ((x * 0.3).astype(np.float32), gg.float64, torch.float64)]:
        ours = getattr(F, name)(gg.tensor(src), 1, dtype=dt)
        ref = getattr(torch.nn.functional, name)(torch.tensor(src), 1, dtype=tdt)
        assert ours.dtype == ref.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)
    t = gg.tensor(x * 0.3, requires_grad=True)
    getattr(F, name)(t, 1, dtype=gg.float32).sum().backward()
    assert t.grad.dtype == np.float64  # the gradient comes back in the input's dtype


def test_softmax_method_forms_take_dtype_positionally():
    x = gg.arange(4.0)
    assert gg.softmax(x, 0, gg.float32).dtype == np.float32
    assert x.softmax(0, gg.float32).dtype == np.float32
    assert x.log_softmax(0, dtype=gg.float32).dtype == np.float32


@pytest.mark.parametrize(("name", "kwargs"), [
    ("hardsigmoid", {}), ("hardswish", {}), ("mish", {}), ("selu", {}), ("celu", {"alpha": 0.5}),
    ("threshold", {"threshold": 0.2, "value": 5.0}), ("rrelu", {})])
def test_inplace_matches_torch(name, kwargs):
    x = np.random.default_rng(0).standard_normal((3, 4))
    base = gg.tensor(x, requires_grad=True)
    tbase = torch.tensor(x, requires_grad=True)
    y, ty = base * 2, tbase * 2
    out = getattr(F, name)(y, inplace=True, **kwargs)
    tout = getattr(torch.nn.functional, name)(ty, inplace=True, **kwargs)
    assert out is y
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), tbase.grad.numpy(), rtol=1e-6)
    assert tout is ty


def test_threshold_on_integers_matches_torch():
    x = np.array([-3, 0, 1, 2, 5])
    out = F.threshold(gg.tensor(x), 1, 7)
    ref = torch.nn.functional.threshold(torch.tensor(x), 1, 7)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match="glu.*even"):
        F.glu(gg.zeros(2, 3))
    with pytest.raises(RuntimeError, match="glu"):
        F.glu(gg.tensor(1.0))
    with pytest.raises(IndexError, match="glu"):
        F.glu(gg.zeros(2, 4), dim=2)
    with pytest.raises(RuntimeError, match="softshrink"):
        F.softshrink(gg.zeros(3), -1.0)
    with pytest.raises(TypeError, match="hardsigmoid"):
        F.hardsigmoid(gg.tensor([1, 2]))


# ------------------------------------------------------------------------------ nn layers
LAYERS = [
    ("Hardsigmoid", ()), ("Hardsigmoid", (True,)), ("Hardswish", ()), ("Softsign", ()),
    ("Mish", ()), ("Mish", (True,)), ("SELU", ()), ("SELU", (True,)), ("CELU", ()),
    ("CELU", (0.5, True)), ("LogSigmoid", ()), ("Softmin", (1,)), ("GLU", ()), ("GLU", (0,)),
    ("PReLU", ()), ("PReLU", (4, 0.1)), ("RReLU", ()), ("RReLU", (0.1, 0.3)),
    ("Threshold", (0.1, 20.0)), ("Threshold", (0.1, 20.0, True)), ("Tanhshrink", ()),
    ("Softshrink", ()), ("Hardshrink", (0.3,)), ("Softmax2d", ()),
]


@pytest.mark.parametrize(("name", "args"), LAYERS)
def test_layers_match_torch(name, args):
    theirs = getattr(torch.nn, name)(*args).double().eval()
    ours = getattr(A, name)(*args).double().eval()
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = np.random.default_rng(0).standard_normal((2, 4, 2, 2))
    xo, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xo * 1), theirs(xt * 1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-9)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (n, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, err_msg=n)


def test_prelu_layer_state_dict_and_init():
    layer = A.PReLU(3, init=0.1)
    np.testing.assert_allclose(layer.weight.detach().numpy(), [0.1] * 3)
    assert list(layer.state_dict()) == ["weight"]
    layer.load_state_dict({"weight": np.array([0.5, 0.6, 0.7])})
    out = layer(gg.tensor([[-1.0, -1.0, 1.0]])).detach()
    np.testing.assert_allclose(out.numpy(), [[-0.5, -0.6, 1]])


def test_rrelu_layer_draws_in_training_only():
    layer = A.RReLU(0.1, 0.3)
    x = gg.tensor(-np.ones(50))
    assert np.ptp(layer(x).numpy()) > 0.01
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), -0.2)


@pytest.mark.parametrize(("where", "name", "args"), [
    ("F", "selu_", ()), ("F", "celu_", (0.5,)), ("F", "threshold_", (0.1, 3.0)),
    ("F", "elu_", (0.5,)), ("F", "hardtanh_", (-0.5, 0.5)), ("F", "rrelu_", (0.1, 0.3)),
    ("torch", "selu_", ()), ("torch", "celu_", ()), ("torch", "threshold_", (0.1, 3.0))])
def test_underscore_forms_change_their_input_like_torch(where, name, args):
    x = np.random.default_rng(0).standard_normal(6)
    ours, theirs = gg.tensor(x), torch.tensor(x)
    lib = (F, torch.nn.functional) if where == "F" else (gg, torch)
    assert getattr(lib[0], name)(ours, *args) is ours
    getattr(lib[1], name)(theirs, *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_method_forms():
    x = np.array([[-1.0, 2.0, -3.0]])
    w = np.array([0.25])
    np.testing.assert_allclose(gg.tensor(x).prelu(gg.tensor(w)).numpy(),
                               torch.tensor(x).prelu(torch.tensor(w)).numpy())
    np.testing.assert_allclose(gg.tensor(x).hardshrink(1.5).numpy(),
                               torch.tensor(x).hardshrink(1.5).numpy())
    np.testing.assert_allclose(gg.hardshrink(gg.tensor(x), 1.5).numpy(), [[0, 2, -3]])
