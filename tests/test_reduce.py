"""Reductions and softmax beyond the registry checks: return types, ties, large logits,
var/std corrections, dtypes, argmax/argmin, any/all, numpy calls and error messages."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import gradcheck, gradgradcheck

INF = float("inf")


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is not installed")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def _pair(torch, a):
    """The same float64 data as a glassgrad and a torch leaf."""
    a = np.asarray(a, dtype=np.float64)
    return gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _grads(torch, fn_gg, fn_torch, a, seed=0):
    """Forward values and input gradients of sum(w * fn(x)) in both libraries."""
    x, xt = _pair(torch, a)
    out, ref = fn_gg(x), fn_torch(xt)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    return out, ref, x.grad, xt.grad


def _assert_matches(torch, fn_gg, fn_torch, a):
    out, ref, g, gt = _grads(torch, fn_gg, fn_torch, a)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ max / min
def test_max_with_dim_is_a_named_tuple(rng):
    x = gg.tensor(rng.standard_normal((3, 4)))
    r = x.max(1)
    assert type(r).__name__ == "max" and r._fields == ("values", "indices")
    values, indices = r
    assert values is r.values and indices is r.indices
    assert r.indices.dtype == np.int64 and not r.indices.requires_grad
    np.testing.assert_array_equal(r.values.numpy(), x.numpy().max(1))
    np.testing.assert_array_equal(r.indices.data, x.data.argmax(1))
    m = gg.min(x, dim=0, keepdim=True)
    assert type(m).__name__ == "min" and m.values.shape == (1, 4) and m.indices.shape == (1, 4)
    np.testing.assert_array_equal(m.indices.data, x.data.argmin(0)[None])


def test_max_without_dim_is_a_0d_tensor(rng):
    x = gg.tensor(rng.standard_normal((3, 4)))
    assert isinstance(x.max(), gg.Tensor) and x.max().shape == ()
    assert x.max().item() == x.data.max() and gg.min(x).item() == x.data.min()


def test_max_of_two_tensors_is_elementwise_maximum():
    a = gg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    b = gg.tensor([2.0, 4.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(gg.max(a, b).data, [2.0, 5.0, 3.0])
    np.testing.assert_array_equal(a.min(b).data, [1.0, 4.0, 3.0])
    np.testing.assert_array_equal(gg.max(a, other=b).data, [2.0, 5.0, 3.0])
    gg.max(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, 1.0, 0.5])  # the tie splits


def test_max_of_0d_tensor():
    x = gg.tensor(2.5, requires_grad=True)
    values, indices = x.max(0)
    assert values.shape == () and indices.item() == 0 and indices.dtype == np.int64
    values.backward()
    assert x.grad.item() == 1.0


TIED = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-2.0, -1.0, -2.0, -1.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_send_tie_gradient_to_first_index(torch, name, dim):
    out, ref, g, gt = _grads(torch, lambda x: getattr(x, name)(dim).values,
                             lambda x: getattr(x, name)(dim).values, TIED)
    np.testing.assert_array_equal(g.data, gt.numpy())
    # exactly one element per slice receives the gradient, the first of the tied ones
    assert ((g.data != 0).sum(axis=dim) == 1).all()
    ours = getattr(gg.tensor(TIED), name)(dim).indices.data
    np.testing.assert_array_equal(ours, getattr(torch.tensor(TIED), name)(dim).indices.numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_without_dim_split_ties_evenly(torch, name):
    _, _, g, gt = _grads(torch, lambda x: getattr(x, name)(), lambda x: getattr(x, name)(),
                         TIED)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-12)
    k = (TIED == getattr(TIED, name)()).sum()
    assert k > 1 and (g.numpy() != 0).sum() == k and len(np.unique(g.numpy()[g.numpy() != 0])) == 1


@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1), -1])
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_split_ties_evenly(torch, name, dim):
    _assert_matches(torch, lambda x: getattr(x, name)(dim), lambda x: getattr(x, name)(dim),
                    TIED)


def test_norm_inf_splits_ties_like_torch(torch):
    a = np.array([[3.0, -3.0, 1.0], [0.5, -2.0, 2.0]])
    _assert_matches(torch, lambda x: x.norm(INF), lambda x: x.norm(INF), a)
    _assert_matches(torch, lambda x: x.norm(INF, dim=1), lambda x: x.norm(INF, dim=1), a)
    _assert_matches(torch, lambda x: x.norm(-INF, dim=0), lambda x: x.norm(-INF, dim=0), a)


def test_max_rejects_tuple_dim():
    with pytest.raises(TypeError, match=r"max: dim must be an int, got \(0, 1\).*amax"):
        gg.randn(2, 3).max((0, 1))


# ------------------------------------------------------------------------------ softmax
LOGITS = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 0.5, -1e4],
                   [1e4, 1e4, 1e4, 1e4]])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_large_logits_finite_and_match_torch(torch, fn, dim):
    out, ref, g, gt = _grads(torch, lambda x: getattr(F, fn)(x, dim),
                             lambda x: getattr(torch.nn.functional, fn)(x, dim), LOGITS)
    assert np.isfinite(out.data).all() and np.isfinite(g.data).all()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_large_logits_float32(torch, fn):
    x = gg.tensor(LOGITS.astype(np.float32), requires_grad=True)
    out = getattr(x, fn)(-1)
    ref = getattr(torch.tensor(LOGITS.astype(np.float32)), fn)(-1)
    assert out.dtype == np.float32 and np.isfinite(out.data).all()
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-6, atol=1e-6)
    out.sum().backward()
    assert x.grad.dtype == np.float32 and np.isfinite(x.grad.data).all()


def test_softmax_rows_sum_to_one_and_names(rng):
    x = gg.tensor(rng.standard_normal((4, 5)) * 50)
    for f in (F.softmax, gg.softmax, lambda t, d: t.softmax(d)):
        np.testing.assert_allclose(f(x, 1).sum(1).data, np.ones(4), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(x, dim=1).data, np.log(F.softmax(x, 1).data),
                               rtol=1e-9, atol=1e-9)


def test_softmax_method_needs_dim_and_the_functional_picks_torchs_implicit_one():
    with pytest.raises(TypeError, match="log_softmax: dim is required"):
        gg.randn(2, 3).log_softmax()
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        out = F.softmax(gg.randn(2, 3))  # dim 1 for a 2-D input, as torch
    np.testing.assert_allclose(out.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)


def test_softmax_dtype_argument():
    out = F.softmax(gg.tensor([1.0, 2.0]), 0, dtype=gg.float64)
    assert out.dtype == np.float64


def test_logsumexp_large_and_matches_torch(torch):
    for dim in (0, 1, (0, 1)):
        out, ref, g, gt = _grads(torch, lambda x, d=dim: x.logsumexp(d),
                                 lambda x, d=dim: torch.logsumexp(x, d), LOGITS)
        assert np.isfinite(out.data).all()
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-9, atol=1e-12)


def test_logsumexp_of_minus_inf_and_empty(torch):
    x = np.array([[-INF, -INF], [0.0, -INF]])
    ours = gg.logsumexp(gg.tensor(x), 1).data
    np.testing.assert_array_equal(ours, torch.logsumexp(torch.tensor(x), 1).numpy())
    assert gg.logsumexp(gg.zeros(0), 0).item() == -INF


# ------------------------------------------------------------------------------ var / std
def test_var_std_unbiased_by_default(rng):
    a = rng.standard_normal((4, 6))
    x = gg.tensor(a)
    np.testing.assert_allclose(x.var().item(), a.var(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.std(1).data, a.std(1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.var(1, True).data, a.var(1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(gg.var(x, correction=0).item(), a.var(), rtol=1e-12)
    np.testing.assert_allclose(x.std(dim=0, unbiased=False).data, a.std(0), rtol=1e-12)
    np.testing.assert_allclose(x.var(False).item(), a.var(), rtol=1e-12)  # var(x, unbiased)
    np.testing.assert_allclose(x.var(0, correction=2).data, a.var(0, ddof=2), rtol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"unbiased": False},
                                {"dim": 1, "keepdim": True}, {"dim": (0, 1), "correction": 2}])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_match_torch(torch, rng, name, kw):
    a = rng.standard_normal((3, 5))
    _assert_matches(torch, lambda x: getattr(x, name)(**kw), lambda x: getattr(x, name)(**kw), a)


def test_var_of_one_element_is_nan_like_torch(torch):
    with pytest.warns(UserWarning, match="degrees of freedom") as caught:
        v = gg.tensor([1.5], requires_grad=True).var()
    assert caught[0].filename == __file__  # the warning points at the caller
    assert np.isnan(v.item())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(torch.tensor([1.5]).var().item())


def test_std_of_constant_has_zero_gradient(torch):
    _assert_matches(torch, lambda x: x.std(), lambda x: x.std(), np.full(4, 0.3))
    _assert_matches(torch, lambda x: x.std(1), lambda x: x.std(1), np.full((2, 3), 2.0))


def test_var_rejects_unbiased_and_correction():
    with pytest.raises(TypeError, match="var: give unbiased or correction, not both"):
        gg.randn(3).var(unbiased=True, correction=1)


def test_var_of_integers_is_refused():
    with pytest.raises(RuntimeError, match="std: input dtype should be floating point, got int"):
        gg.tensor([1, 2, 3]).std()


# ------------------------------------------------------------------------------ prod
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros_matches_torch(torch, rng, dim):
    a = rng.uniform(0.5, 2.0, (4, 5))
    a[0, 2] = 0.0  # one zero in row 0
    a[1, [0, 3]] = 0.0  # two zeros in row 1
    a[2, :] = 0.0  # all zeros in row 2
    f = (lambda x: x.prod()) if dim is None else (lambda x: x.prod(dim))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero anywhere
        out, ref, g, gt = _grads(torch, f, f, a)
    assert np.isfinite(g.data).all()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.data, gt.numpy(), rtol=1e-12, atol=1e-15)


def test_prod_gradient_is_product_of_the_others():
    x = gg.tensor([2.0, 0.0, 3.0, 5.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 30.0, 0.0, 0.0])
    y = gg.tensor([2.0, 0.0, 3.0, 0.0], requires_grad=True)
    y.prod().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, 0.0, 0.0, 0.0])


def test_prod_double_backward_at_zeros():
    # the Hessian of x0 x1 x2 x3 is prod of the other two off the diagonal, 0 on it
    for a in ([2.0, 0.0, 3.0, 5.0], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.5]):
        x = gg.tensor(a, requires_grad=True)
        (g,) = gg.autograd.grad(x.prod(), x, create_graph=True)
        hess = np.stack([gg.autograd.grad((g * e).sum(), x, retain_graph=True)[0].data
                         for e in np.eye(4)])
        expected = np.array([[0.0 if i == j else np.prod(np.delete(a, [i, j]))
                              for j in range(4)] for i in range(4)])
        np.testing.assert_array_equal(hess, expected)
        assert gradgradcheck(lambda t: t.prod(), [x])


# ------------------------------------------------------------------------------ norm
@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, INF, -INF])
def test_norm_of_zeros_has_zero_gradient(torch, p):
    a = np.zeros((2, 3))
    a[1] = [1.0, -2.0, 0.5]
    _assert_matches(torch, lambda x: x.norm(p, dim=1), lambda x: x.norm(p, dim=1), a)


def test_norm_p0_counts_nonzeros_and_has_no_gradient(torch):
    a = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]])
    x, xt = _pair(torch, a)
    out = x.norm(0, dim=1)
    np.testing.assert_array_equal(out.data, [2.0, 1.0])
    out.sum().backward()
    xt.norm(0, dim=1).sum().backward()
    assert x.grad is None and xt.grad is None


def test_norm_names_and_errors(rng):
    a = rng.standard_normal((3, 4))
    x = gg.tensor(a)
    np.testing.assert_allclose(gg.norm(x).item(), np.linalg.norm(a), rtol=1e-12)
    np.testing.assert_allclose(x.norm(p=1, dim=0, keepdim=True).data,
                               np.abs(a).sum(0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(x.norm("nuc").item(), np.linalg.norm(a, "nuc"), rtol=1e-12)
    with pytest.raises(ValueError, match="norm: p must be a number, 'fro' or 'nuc', got 'abc'"):
        x.norm("abc")


# ------------------------------------------------------------------------------ dtypes
REDUCTIONS = {
    "sum": lambda x: x.sum(1), "mean": lambda x: x.mean(), "var": lambda x: x.var(0),
    "std": lambda x: x.std(), "amax": lambda x: x.amax((0, 1)), "amin": lambda x: x.amin(1),
    "max": lambda x: x.max(1).values, "min": lambda x: x.min(), "prod": lambda x: x.prod(0),
    "logsumexp": lambda x: x.logsumexp(1), "norm": lambda x: x.norm(),
    "norm3": lambda x: x.norm(3, 1), "norminf": lambda x: x.norm(INF),
    "softmax": lambda x: x.softmax(1), "log_softmax": lambda x: x.log_softmax(0),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_float32_stays_float32_through_double_backward(rng, name):
    a = rng.standard_normal((3, 4)).astype(np.float32)
    a[0, 1] = 0.0  # prod takes its zero branch, norm its masked one
    x = gg.tensor(a, requires_grad=True)
    out = REDUCTIONS[name](x)
    assert out.dtype == np.float32
    (g,) = gg.autograd.grad(out.sum(), x, create_graph=True)  # not cast by the driver
    assert g.dtype == np.float32
    if g.requires_grad:
        (gg2,) = gg.autograd.grad((g * g).sum(), x)
        assert gg2.dtype == np.float32
    x.grad = None
    REDUCTIONS[name](x).sum().backward()
    assert x.grad.dtype == np.float32


# ------------------------------------------------------------------------------ argmax & co
def test_argmax_argmin(torch, rng):
    a = np.round(rng.standard_normal((4, 5)), 1)
    a[2, 1] = a[2, 3] = a.max() + 1  # ties: the first index wins
    x, t = gg.tensor(a), torch.tensor(a)
    for name in ("argmax", "argmin"):
        for kw in ({}, {"dim": 0}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"keepdim": True}):
            ours = getattr(x, name)(**kw)
            ref = getattr(t, name)(**kw)
            assert ours.dtype == np.int64 and not ours.requires_grad
            assert ours.shape == tuple(ref.shape), (name, kw)
            np.testing.assert_array_equal(ours.data, ref.numpy())
    assert gg.argmax(x).item() == 2 * 5 + 1  # flattened index
    assert gg.argmax(gg.tensor(3.0), 0).item() == 0


def test_argmax_of_a_graph_tensor_has_no_gradient():
    x = gg.randn(3, 4, requires_grad=True)
    i = (x * 2).argmax(1)
    assert i.grad_fn is None and not i.requires_grad


def test_any_all():
    x = gg.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert x.any().item() is True and x.all().item() is False
    np.testing.assert_array_equal(x.any(dim=1).data, [True, False])
    np.testing.assert_array_equal(gg.all(x == 0, 0).data, [True, False])
    assert x.any(dim=(0, 1), keepdim=True).shape == (1, 1)
    assert x.any().dtype == np.bool_


# ------------------------------------------------------------------------------ aliases & numpy
def test_axis_and_keepdims_aliases(rng):
    a = rng.standard_normal((2, 3, 4))
    x = gg.tensor(a)
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).data, a.sum(1, keepdims=True))
    np.testing.assert_allclose(x.var(axis=(0, 2)).data, a.var((0, 2), ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.amax(axis=-1).data, a.max(-1))
    np.testing.assert_allclose(x.prod(axis=0, keepdims=True).data, a.prod(0, keepdims=True))
    np.testing.assert_allclose(x.logsumexp(axis=2).data, np.log(np.exp(a).sum(2)), rtol=1e-12)
    assert x.max(axis=1).indices.shape == (2, 4)
    assert x.sum(dim=()).shape == () and x.amax().shape == ()  # torch: () is every dim
    assert x.sum(axis=()).shape == (2, 3, 4)  # numpy: () is no dim, as on ndarrays
    np.testing.assert_array_equal(np.mean(x, axis=()).data, a)
    with pytest.raises(TypeError, match="sum: give dim or axis, not both"):
        x.sum(0, axis=1)


def test_numpy_functions_on_tensors_keep_the_graph(rng):
    a = rng.standard_normal((3, 4))
    x = gg.tensor(a, requires_grad=True)
    checks = [
        (np.sum(x, axis=0), a.sum(0)), (np.mean(x, 1, keepdims=True), a.mean(1, keepdims=True)),
        (np.var(x), a.var()), (np.std(x, axis=1, ddof=1), a.std(1, ddof=1)),
        (np.max(x, axis=(0, 1)), a.max()), (np.amin(x, 0), a.min(0)), (np.prod(x, 1), a.prod(1)),
    ]
    for ours, ref in checks:
        assert isinstance(ours, gg.Tensor) and ours.requires_grad
        np.testing.assert_allclose(ours.data, ref, rtol=1e-12)
    np.testing.assert_array_equal(np.argmax(x, axis=1).data, a.argmax(1))
    assert np.argmin(x).item() == a.argmin()
    np.testing.assert_array_equal(np.any(x > 1, axis=0).data, (a > 1).any(0))
    np.max(x, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, a == a.max(1, keepdims=True))
    with pytest.raises(TypeError, match="numpy.sum on a glassgrad Tensor does not support out"):
        np.sum(x, out=np.zeros(()))


def test_zero_d_and_size_one_dims(torch):
    x = gg.tensor(1.5, requires_grad=True)
    for f in (lambda t: t.sum(0), lambda t: t.amax(-1), lambda t: t.logsumexp(0),
              lambda t: t.softmax(0), lambda t: t.prod(0), lambda t: t.norm(dim=0)):
        assert f(x).shape == ()
    assert x.softmax(0).item() == 1.0
    _assert_matches(torch, lambda t: t.max(0).values, lambda t: t.max(0).values, [[1.0, 2.0]])
    _assert_matches(torch, lambda t: t.log_softmax(0), lambda t: t.log_softmax(0), [[1.0, 2.0]])


# ------------------------------------------------------------------------------ errors
def test_dim_out_of_range_names_op_and_dim():
    x = gg.randn(2, 3)
    for name in ("sum", "var", "amax", "prod", "logsumexp", "argmax", "softmax", "max"):
        with pytest.raises(IndexError, match=rf"{name}: dim 2 is out of range for a tensor "
                                             r"with 2 dims \(expected -2 to 1\)"):
            getattr(x, name)(2)


def test_empty_reductions_without_identity_raise():
    x = gg.zeros(2, 0)
    with pytest.raises(RuntimeError, match=r"max: cannot reduce a tensor of shape \(2, 0\)"):
        x.max()
    with pytest.raises(IndexError, match=r"argmin: cannot reduce .* \(2, 0\)"):  # as torch
        x.argmin(1)
    assert x.amax(0).shape == (0,)  # reducing the nonempty dim is fine
    assert x.sum().item() == 0.0


def test_repeated_dim_is_refused():
    with pytest.raises(RuntimeError, match=r"amax: dim \(0, -2\) repeats an axis"):
        gg.randn(2, 3).amax((0, -2))


def test_gradchecks_with_ties_avoided_but_keepdim_everywhere(rng):
    x = gg.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    for f in (lambda t: t.var((0, 2), keepdim=True), lambda t: t.norm(3, (0, 1), True),
              lambda t: t.min(1, keepdim=True).values, lambda t: t.logsumexp(-1, True)):
        assert gradcheck(f, [x])
        assert gradgradcheck(f, [x])
