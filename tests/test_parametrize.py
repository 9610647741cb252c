"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm) and the hook
forms nn.utils.weight_norm / spectral_norm, compared with torch in float64: state_dict keys,
outputs and gradients after copying torch's state_dict across, power-iteration updates,
remove_*, user parametrizations with right_inverse, cached(), optimizer steps, errors, and
safetensors checkpoints in both directions."""

import copy
import pickle

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad.nn.utils import parametrizations as PZ
from glassgrad.nn.utils import parametrize as P

torch = pytest.importorskip("torch")
TP = torch.nn.utils.parametrize
TPZ = torch.nn.utils.parametrizations

pytestmark = pytest.mark.filterwarnings("ignore:.*weight_norm.*deprecated:FutureWarning")

LAYERS = {  # name: (constructor args, input shape)
    "linear": (("Linear", 4, 3), (5, 4)),
    "conv2d": (("Conv2d", 2, 3, 3), (2, 2, 6, 6)),
    "convT2d": (("ConvTranspose2d", 3, 2, 3), (2, 3, 4, 4)),
}


def _form(lib, form, **kw):
    """The function that applies ``form`` in ``lib`` (gg or torch)."""
    utils = lib.nn.utils
    return {
        "pz_weight_norm": lambda m: utils.parametrizations.weight_norm(m, **kw),
        "pz_spectral_norm": lambda m: utils.parametrizations.spectral_norm(m, **kw),
        "weight_norm": lambda m: utils.weight_norm(m, **kw),
        "spectral_norm": lambda m: utils.spectral_norm(m, **kw),
    }[form]


def _remove(lib, form):
    utils = lib.nn.utils
    return {
        "pz_weight_norm": lambda m: utils.parametrize.remove_parametrizations(m, "weight"),
        "pz_spectral_norm": lambda m: utils.parametrize.remove_parametrizations(m, "weight"),
        "weight_norm": lambda m: utils.remove_weight_norm(m),
        "spectral_norm": lambda m: utils.remove_spectral_norm(m),
    }[form]


def _copy_into(g, t):
    """Copy torch module ``t``'s state_dict into glassgrad module ``g`` through numpy."""
    g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})


def _pair(layer, form, seed=0, **kw):
    """(glassgrad module, torch module, input array) with ``form`` applied to both and the
    same state (torch's copied into glassgrad)."""
    (cls, *args), shape = LAYERS[layer]
    torch.manual_seed(seed)
    t = getattr(torch.nn, cls)(*args).double()
    g = getattr(nn, cls)(*args).double()
    _form(torch, form, **kw)(t)
    _form(gg, form, **kw)(g)
    _copy_into(g, t)
    x = np.random.default_rng(seed).standard_normal(shape)
    return g, t, x


def _close(a, b, tol=1e-10):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _check_forward_backward(g, t, x, seed=1):
    """Outputs, every parameter's gradient and every buffer agree after one forward and a
    backward with random output weights."""
    yg, yt = g(gg.tensor(x)), t(torch.tensor(x))
    _close(yg, yt)
    w = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    (yg * gg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert list(gp) == list(tp)
    for k in tp:
        _close(gp[k].grad, tp[k].grad)
    _same_buffers(g, t)


def _same_buffers(g, t):
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert list(gb) == list(tb)
    for k in tb:
        _close(gb[k], tb[k])


FORMS = ["pz_weight_norm", "pz_spectral_norm", "weight_norm", "spectral_norm"]


# ------------------------------------------------------------------ keys, values, gradients
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("form", FORMS)
def test_state_dict_keys_match_torch(layer, form):
    g, t, _ = _pair(layer, form)
    assert list(g.state_dict()) == list(t.state_dict())
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    for k, v in t.state_dict().items():
        assert tuple(g.state_dict()[k].shape) == tuple(v.shape), k


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("form", FORMS)
def test_forward_and_gradients_match_torch(layer, form):
    g, t, x = _pair(layer, form)
    _check_forward_backward(g, t, x)


@pytest.mark.parametrize("form", ["pz_weight_norm", "weight_norm"])
@pytest.mark.parametrize("dim", [0, 1, 2, -2, None])
def test_weight_norm_dims_match_torch(form, dim):
    g, t, x = _pair("conv2d", form, dim=dim)
    key = "parametrizations.weight.original0" if form.startswith("pz") else "weight_g"
    assert tuple(g.state_dict()[key].shape) == tuple(t.state_dict()[key].shape)
    _check_forward_backward(g, t, x)


@pytest.mark.parametrize("form", ["pz_weight_norm", "weight_norm"])
def test_weight_norm_keeps_the_weight_and_splits_length_from_direction(form):
    """Registering leaves w unchanged; g holds the per-row norms (w = g * v / ||v||)."""
    gg.manual_seed(0)
    m = nn.Linear(4, 3).double()
    w0 = m.weight.detach().numpy().copy()
    _form(gg, form)(m)
    g_key = "parametrizations.weight.original0" if form.startswith("pz") else "weight_g"
    np.testing.assert_allclose(m.weight.detach().numpy(), w0, rtol=1e-13)
    np.testing.assert_allclose(m.state_dict()[g_key].numpy()[:, 0],
                               np.linalg.norm(w0, axis=1), rtol=1e-13)
    m(gg.ones(2, 4, dtype=gg.float64))  # the hook form recomputes w in a pre-hook
    with gg.no_grad():  # scaling v changes nothing: only its direction counts
        v = m.parametrizations.weight.original1 if form.startswith("pz") else m.weight_v
        v.mul_(7.0)
    m(gg.ones(2, 4, dtype=gg.float64))
    np.testing.assert_allclose(m.weight.detach().numpy(), w0, rtol=1e-12)


@pytest.mark.parametrize("form", ["pz_spectral_norm", "spectral_norm"])
def test_spectral_norm_gives_unit_top_singular_value(form):
    gg.manual_seed(0)
    m = nn.Linear(6, 5).double()
    _form(gg, form, n_power_iterations=30)(m)
    m(gg.ones(1, 6, dtype=gg.float64))
    s = np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)
    assert abs(s[0] - 1.0) < 1e-8, s


# ------------------------------------------------------------------ power iteration
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("form", ["pz_spectral_norm", "spectral_norm"])
def test_spectral_norm_power_iteration_matches_torch(layer, form):
    """Same u, v after each of several training-mode forwards (with SGD steps between, so W
    moves); eval mode leaves u, v alone and still matches."""
    g, t, x = _pair(layer, form, n_power_iterations=2)
    og = gg.optim.SGD(g.parameters(), lr=0.05)
    ot = torch.optim.SGD(t.parameters(), lr=0.05)
    for _ in range(4):
        yg, yt = g(gg.tensor(x)), t(torch.tensor(x))
        _close(yg, yt)
        _same_buffers(g, t)
        og.zero_grad()
        ot.zero_grad()
        (yg ** 2).sum().backward()
        (yt ** 2).sum().backward()
        og.step()
        ot.step()
    g.eval()
    t.eval()
    before = [b.detach().numpy().copy() for b in g.buffers()]
    for _ in range(2):
        _close(g(gg.tensor(x)), t(torch.tensor(x)))
    for b0, b in zip(before, g.buffers()):
        np.testing.assert_array_equal(b0, b.detach().numpy())


def test_spectral_norm_u_v_are_constants_in_backward():
    """The gradient reaches weight_orig only; a later in-place power-iteration update does
    not break the backward of an earlier forward."""
    g, t, x = _pair("linear", "pz_spectral_norm")
    yg = g(gg.tensor(x))
    g(gg.tensor(x))  # updates _u, _v in place
    yg.sum().backward()
    yt = t(torch.tensor(x))
    t(torch.tensor(x))
    yt.sum().backward()
    _close(g.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)
    assert g.parametrizations.weight[0]._u.grad is None


# ------------------------------------------------------------------ remove
@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("form", FORMS)
def test_remove_leaves_a_plain_weight(layer, form):
    g, t, x = _pair(layer, form)
    g(gg.tensor(x))
    t(torch.tensor(x))
    base = type(t) if not form.startswith("pz") else TP.type_before_parametrizations(t)
    _remove(gg, form)(g)
    _remove(torch, form)(t)
    assert type(g).__name__ == base.__name__ == type(t).__name__
    assert list(g.state_dict()) == list(t.state_dict())
    assert isinstance(g.weight, nn.Parameter) and g.weight.requires_grad
    _close(g.weight, t.weight)
    assert not P.is_parametrized(g)
    assert "parametrizations" not in g._modules
    _check_forward_backward(g, t, x)


def test_remove_keeps_the_original_object_for_optimizers():
    gg.manual_seed(0)
    m = nn.Linear(3, 3).double()
    P.register_parametrization(m, "weight", _Symmetric())
    original = m.parametrizations.weight.original
    value = m.weight.detach().numpy().copy()
    P.remove_parametrizations(m, "weight")
    assert m.weight is original
    np.testing.assert_array_equal(m.weight.detach().numpy(), value)


def test_remove_leave_parametrized_false_restores_the_original():
    m = nn.Linear(3, 3).double()
    P.register_parametrization(m, "weight", _Symmetric())
    upper = m.parametrizations.weight.original.detach().numpy().copy()
    P.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(m.weight.detach().numpy(), upper)
    m2 = nn.Linear(3, 3).double()
    PZ.weight_norm(m2)
    with pytest.raises(ValueError, match="sequence of tensors"):
        P.remove_parametrizations(m2, "weight", leave_parametrized=False)


# ------------------------------------------------------------------ user parametrizations
class _Symmetric(nn.Module):
    """X -> the symmetric matrix with X's upper triangle; right_inverse keeps that triangle."""

    calls = 0

    def forward(self, X):
        type(self).calls += 1
        return X.triu() + X.triu(1).transpose(0, 1)

    def right_inverse(self, A):
        return A.triu()


class _TSymmetric(torch.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(0, 1)

    def right_inverse(self, A):
        return A.triu()


class _Scale(nn.Module):
    def forward(self, X):
        return 2.0 * X

    def right_inverse(self, A):
        return A / 2.0


class _TScale(torch.nn.Module):
    def forward(self, X):
        return 2.0 * X

    def right_inverse(self, A):
        return A / 2.0


def _sym_pair(chain=False):
    torch.manual_seed(0)
    t = torch.nn.Linear(3, 3).double()
    g = nn.Linear(3, 3).double()
    _copy_into(g, t)
    TP.register_parametrization(t, "weight", _TSymmetric())
    P.register_parametrization(g, "weight", _Symmetric())
    if chain:
        TP.register_parametrization(t, "weight", _TScale())
        P.register_parametrization(g, "weight", _Scale())
    return g, t


@pytest.mark.parametrize("chain", [False, True])
def test_user_parametrization_matches_torch(chain):
    g, t = _sym_pair(chain)
    assert list(g.state_dict()) == list(t.state_dict()) == ["bias",
                                                            "parametrizations.weight.original"]
    _close(g.parametrizations.weight.original, t.parametrizations.weight.original)
    w = g.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)
    _close(g.weight, t.weight)
    assert len(g.parametrizations.weight) == (2 if chain else 1)
    x = np.random.default_rng(0).standard_normal((4, 3))
    _check_forward_backward(g, t, x)
    assert P.is_parametrized(g) and P.is_parametrized(g, "weight")
    assert not P.is_parametrized(g, "bias")
    assert P.type_before_parametrizations(g) is nn.Linear
    assert isinstance(g, nn.Linear) and type(g).__name__ == "ParametrizedLinear"


@pytest.mark.parametrize("chain", [False, True])
def test_assigning_the_weight_goes_through_right_inverse(chain):
    g, t = _sym_pair(chain)
    a = np.random.default_rng(3).standard_normal((3, 3))
    a = a + a.T
    original = g.parametrizations.weight.original
    g.weight = gg.tensor(a)
    t.weight = torch.tensor(a)
    assert g.parametrizations.weight.original is original  # same object for optimizers
    _close(g.parametrizations.weight.original, t.parametrizations.weight.original)
    _close(g.weight, a)
    assert "weight" not in g._parameters and "weight" not in g.__dict__
    with pytest.raises(KeyError, match="'weight' of Linear"):
        g.weight = nn.Parameter(gg.tensor(a))


def test_right_inverse_returning_a_tuple_makes_original0_original1():
    class LowRank(nn.Module):
        def forward(self, A, B):
            return A @ B

        def right_inverse(self, W):
            return W, gg.eye(W.shape[1], dtype=W.dtype)

    m = nn.Linear(3, 2).double()
    w0 = m.weight.detach().numpy().copy()
    P.register_parametrization(m, "weight", LowRank())
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0",
                                    "parametrizations.weight.original1"]
    np.testing.assert_allclose(m.weight.detach().numpy(), w0)
    assert m.parametrizations.weight.ntensors == 2
    assert all(isinstance(p, nn.Parameter) for p in m.parameters())


def test_parametrizing_a_buffer_keeps_it_a_buffer():
    bn = nn.BatchNorm1d(3).double()
    P.register_parametrization(bn, "running_var", _Scale())
    assert "parametrizations.running_var.original" in bn.state_dict()
    assert "parametrizations.running_var.original" not in dict(bn.named_parameters())
    np.testing.assert_allclose(bn.running_var.detach().numpy(), np.ones(3))


def test_cached_computes_each_tensor_once():
    g, _ = _sym_pair()
    _Symmetric.calls = 0
    assert g.weight is not g.weight  # computed on each access
    assert _Symmetric.calls == 2
    _Symmetric.calls = 0
    with P.cached():
        a = g.weight
        with P.cached():  # nested blocks share the cache
            b = g.weight
        c = g.weight
    assert _Symmetric.calls == 1 and a is b is c
    assert g.weight is not a
    assert _Symmetric.calls == 2  # the cache is emptied on leaving the outer block


def test_cached_gradient_accumulates_through_every_use():
    g, t = _sym_pair()
    x = np.random.default_rng(0).standard_normal((4, 3))
    with P.cached():
        (g(gg.tensor(x)) + g(gg.tensor(x))).sum().backward()
    with TP.cached():
        (t(torch.tensor(x)) + t(torch.tensor(x))).sum().backward()
    _close(g.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad)


def test_unsafe_checks():
    class Shrink(nn.Module):
        def forward(self, X):
            return X[:1]

    m = nn.Linear(3, 2).double()
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", Shrink())
    assert not P.is_parametrized(m) and type(m) is nn.Linear
    P.register_parametrization(m, "weight", Shrink(), unsafe=True)
    assert tuple(m.weight.shape) == (1, 3)


def test_deepcopy_is_independent_and_pickle_refuses():
    g, _ = _sym_pair()
    h = copy.deepcopy(g)
    _close(h.weight, g.weight)
    assert h.parametrizations.weight.original is not g.parametrizations.weight.original
    P.remove_parametrizations(h, "weight")
    assert type(h) is nn.Linear and P.is_parametrized(g, "weight")
    _close(g.weight, h.weight)
    with pytest.raises(RuntimeError, match="state_dict"):
        pickle.dumps(g)


# ------------------------------------------------------------------ training
@pytest.mark.parametrize("form", FORMS + ["symmetric"])
def test_sgd_steps_match_torch(form):
    if form == "symmetric":
        g, t = _sym_pair(chain=True)
        x = np.random.default_rng(0).standard_normal((5, 3))
    else:
        g, t, x = _pair("linear", form)
    og = gg.optim.SGD(g.parameters(), lr=0.1, momentum=0.9)
    ot = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9)
    for _ in range(4):
        og.zero_grad()
        ot.zero_grad()
        (gg.tanh(g(gg.tensor(x))) ** 2).sum().backward()
        (torch.tanh(t(torch.tensor(x))) ** 2).sum().backward()
        og.step()
        ot.step()
    gs, ts = g.state_dict(), t.state_dict()
    assert list(gs) == list(ts)
    for k in ts:
        _close(gs[k], ts[k], tol=1e-9)
    _close(g(gg.tensor(x)), t(torch.tensor(x)), tol=1e-9)


# ------------------------------------------------------------------ loading across forms
def test_new_weight_norm_loads_a_hook_form_state_dict():
    torch.manual_seed(0)
    old = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3).double())
    t = TPZ.weight_norm(torch.nn.Linear(4, 3).double())
    t.load_state_dict(old.state_dict())
    g = PZ.weight_norm(nn.Linear(4, 3).double())
    g.load_state_dict({k: v.detach().numpy() for k, v in old.state_dict().items()})
    for k, v in t.state_dict().items():
        _close(g.state_dict()[k], v)


@pytest.mark.parametrize("form", FORMS)
def test_safetensors_both_ways(form, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    g, t, x = _pair("conv2d", form)
    t.eval()
    g.eval()
    # torch -> file -> glassgrad
    st.save_file({k: v.contiguous() for k, v in t.state_dict().items()}, tmp_path / "t.st")
    g2 = _pair("conv2d", form, seed=5)[0].eval()
    g2.load_state_dict(gg.load(tmp_path / "t.st"))
    _close(g2(gg.tensor(x)), t(torch.tensor(x)))
    # glassgrad -> file -> torch
    gg.save(g.state_dict(), tmp_path / "g.st")
    t2 = _pair("conv2d", form, seed=6)[1].eval()
    t2.load_state_dict(st.load_file(tmp_path / "g.st"))
    _close(g(gg.tensor(x)), t2(torch.tensor(x)))
    assert list(gg.load(tmp_path / "g.st")) == list(t.state_dict())


# ------------------------------------------------------------------ errors
def test_bad_names_name_the_module_and_the_attribute():
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"Linear has no parameter.*'weigth'.*no attribute"):
        P.register_parametrization(m, "weigth", _Scale())
    with pytest.raises(ValueError, match=r"Linear.*'in_features'.*holding int"):
        P.register_parametrization(m, "in_features", _Scale())
    with pytest.raises(ValueError, match=r"spectral_norm: Linear.*'in_features'"):
        PZ.spectral_norm(m, name="in_features")
    with pytest.raises(ValueError, match=r"Linear.*'nope'"):
        PZ.weight_norm(m, name="nope")
    with pytest.raises(AttributeError, match=r"weight_norm: Linear has no attribute 'nope'"):
        nn.utils.weight_norm(m, name="nope")
    with pytest.raises(ValueError, match=r"spectral_norm: Linear.in_features is not a param"):
        nn.utils.spectral_norm(m, name="in_features")
    with pytest.raises(ValueError, match="Linear does not have a parametrization on 'bias'"):
        P.remove_parametrizations(m, "bias")
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(m)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        nn.utils.remove_spectral_norm(m)
    with pytest.raises(ValueError, match="n_power_iterations=0"):
        PZ.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="spectral_norm: dim out of range"):
        PZ.spectral_norm(nn.Linear(3, 2), dim=2)


def test_hook_forms_refuse_a_second_registration_and_warn():
    m = nn.Linear(3, 2)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(m)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        nn.utils.weight_norm(m)
    m = nn.Linear(3, 2)
    nn.utils.spectral_norm(m)
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        nn.utils.spectral_norm(m)


# ------------------------------------------------------------------ orthogonal
ORTH_CASES = [  # (layer args, input shape, orthogonal_map, use_trivialization)
    (("Linear", 4, 4), (3, 4), None, True),
    (("Linear", 3, 5), (3, 3), None, True),
    (("Linear", 5, 3), (3, 5), None, True),
    (("Linear", 4, 4), (3, 4), "cayley", True),
    (("Linear", 3, 5), (3, 3), "cayley", True),
    (("Linear", 4, 4), (3, 4), "householder", True),
    (("Linear", 3, 5), (3, 3), "householder", False),
    (("Linear", 5, 3), (3, 5), "householder", False),
    (("Conv2d", 2, 3, 3), (2, 2, 5, 5), None, True),
]


@pytest.mark.parametrize("args, shape, orth_map, triv", ORTH_CASES)
def test_orthogonal_matches_torch(args, shape, orth_map, triv):
    cls, *a = args
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(*a).double()
    g = getattr(nn, cls)(*a).double()
    TPZ.orthogonal(t, orthogonal_map=orth_map, use_trivialization=triv)
    PZ.orthogonal(g, orthogonal_map=orth_map, use_trivialization=triv)
    assert list(g.state_dict()) == list(t.state_dict())
    with torch.no_grad():  # move off the identity; the diagonal holds householder's signs
        X = t.parametrizations.weight.original
        off = 1.0 - torch.eye(X.shape[-2], X.shape[-1], dtype=X.dtype)
        X.add_(0.4 * torch.randn(X.shape, dtype=X.dtype) * off)
    _copy_into(g, t)
    x = np.random.default_rng(0).standard_normal(shape)
    _check_forward_backward(g, t, x)
    W = g.weight.detach().numpy()
    if W.shape[-2] < W.shape[-1]:
        W = np.swapaxes(W, -1, -2)
    gram = np.swapaxes(W, -1, -2) @ W
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(W.shape[-1]), gram.shape),
                               atol=1e-12)


@pytest.mark.parametrize("n, k", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_keeps_an_orthogonal_weight_and_takes_assignments(n, k):
    rng = np.random.default_rng(2)
    q = np.linalg.qr(rng.standard_normal((max(n, k), min(n, k))))[0]
    q = q if n >= k else q.T
    m = nn.Linear(k, n).double()
    with gg.no_grad():
        m.weight.copy_(gg.tensor(q))
    PZ.orthogonal(m)
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-13)
    q2 = np.linalg.qr(rng.standard_normal((max(n, k), min(n, k))))[0]
    q2 = q2 if n >= k else q2.T
    m.weight = gg.tensor(q2)
    np.testing.assert_allclose(m.weight.detach().numpy(), q2, atol=1e-13)


def test_matrix_exp_matches_torch_with_scaling_and_squaring():
    from glassgrad.nn.utils.parametrizations import _matrix_exp

    a = 3.0 * np.random.default_rng(0).standard_normal((2, 4, 4))  # norm >> 1/2: squaring
    w = np.random.default_rng(1).standard_normal((2, 4, 4))
    ag = gg.tensor(a, requires_grad=True)
    at = torch.tensor(a, requires_grad=True)
    eg, et = _matrix_exp(ag), torch.matrix_exp(at)
    _close(eg, et, tol=1e-9)
    (eg * gg.tensor(w)).sum().backward()
    (et * torch.tensor(w)).sum().backward()
    _close(ag.grad, at.grad, tol=1e-9)


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="orthogonal: expected a matrix.*Linear.bias"):
        PZ.orthogonal(nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        PZ.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    m = PZ.orthogonal(nn.Linear(3, 3).double(), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        m.weight = gg.eye(3, dtype=gg.float64)


def test_an_attribute_error_inside_a_parametrization_is_not_hidden():
    class Broken(nn.Module):
        def forward(self, X):
            return X.no_such_method()

    m = nn.Linear(3, 2)
    P.register_parametrization(m, "weight", Broken(), unsafe=True)
    with pytest.raises(RuntimeError, match="parametrized 'weight' of Linear.*no_such_method"):
        _ = m.weight
