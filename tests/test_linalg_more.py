"""Linear algebra beyond matmul: the products composed from registered ops (vdot, inner, addmm
and friends, kron, cross, tensordot, chain_matmul/multi_dot, matrix_power), the linalg
functions' argument forms, result tuples, errors and dtypes, and the edge cases the registry
cannot express (singular det, zero distances in cdist, repeated singular values)."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck, gradgradcheck
from torch_ref import torch  # None where torch is not installed

TOL = {"atol": 1e-7, "rtol": 1e-5}


def _r(rng, *shape):
    return rng.standard_normal(shape)


def _vs_torch(fn, tfn, arrays, seed=0, gradgrad=True, rtol=1e-9, atol=1e-10):
    """Forward and input gradients (of a random weighting of the output) against torch, then
    gradcheck and (if asked) gradgradcheck, and float32 in gives float32 out and gradients."""
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), tfn(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad._data, t.grad.numpy(), rtol=1e-7, atol=1e-9)
    assert gradcheck(fn, [gg.tensor(a, requires_grad=True) for a in arrays], **TOL)
    if gradgrad:
        assert gradgradcheck(fn, [gg.tensor(a, requires_grad=True) for a in arrays], **TOL)
    xs = [gg.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out = fn(*xs)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(x.grad.dtype == np.float32 for x in xs)


# ------------------------------------------------------------------------------ products
def _products(rng):
    r = lambda *s: _r(rng, *s)  # noqa: E731
    return {
        "mm": (lambda a, b: gg.mm(a, b), lambda a, b: torch.mm(a, b), [r(2, 3), r(3, 1)]),
        "bmm": (lambda a, b: a.bmm(b), lambda a, b: a.bmm(b), [r(2, 1, 3), r(2, 3, 2)]),
        "mv": (lambda a, b: a.mv(b), lambda a, b: a.mv(b), [r(2, 3), r(3)]),
        "dot": (lambda a, b: gg.dot(a, b), lambda a, b: torch.dot(a, b), [r(3), r(3)]),
        "outer": (lambda a, b: a.outer(b), lambda a, b: a.outer(b), [r(3), r(1)]),
        "cross_method": (lambda a, b: a.cross(b, dim=-1), lambda a, b: a.cross(b, dim=-1),
                         [r(2, 3), r(2, 3)]),
        "vdot": (lambda a, b: gg.vdot(a, b), lambda a, b: torch.vdot(a, b), [r(4), r(4)]),
        "inner": (lambda a, b: gg.inner(a, b), lambda a, b: torch.inner(a, b),
                  [r(2, 3, 4), r(5, 4)]),
        "inner_0d": (lambda a, b: gg.inner(a, b), lambda a, b: torch.inner(a, b), [r(), r(3)]),
        "inner_method": (lambda a, b: a.inner(b), lambda a, b: a.inner(b), [r(4), r(4)]),
        "addmm": (lambda c, a, b: gg.addmm(c, a, b, beta=0.5, alpha=2.0),
                  lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0),
                  [r(3), r(2, 4), r(4, 3)]),
        "addmm_default": (lambda c, a, b: c.addmm(a, b), lambda c, a, b: c.addmm(a, b),
                          [r(2, 3), r(2, 4), r(4, 3)]),
        "addmv": (lambda c, a, b: gg.addmv(c, a, b, alpha=-1.5),
                  lambda c, a, b: torch.addmv(c, a, b, alpha=-1.5), [r(1), r(2, 4), r(4)]),
        "addbmm": (lambda c, a, b: gg.addbmm(c, a, b, beta=2),
                   lambda c, a, b: torch.addbmm(c, a, b, beta=2), [r(2, 3), r(3, 2, 4),
                                                                   r(3, 4, 3)]),
        "baddbmm": (lambda c, a, b: c.baddbmm(a, b, alpha=0.5),
                    lambda c, a, b: c.baddbmm(a, b, alpha=0.5), [r(1, 2, 3), r(3, 2, 4),
                                                                r(3, 4, 3)]),
        "kron": (lambda a, b: gg.kron(a, b), lambda a, b: torch.kron(a, b), [r(2, 3), r(3, 2)]),
        "kron_ranks": (lambda a, b: a.kron(b), lambda a, b: a.kron(b), [r(2), r(2, 1, 3)]),
        "kron_0d": (lambda a, b: gg.kron(a, b), lambda a, b: torch.kron(a, b), [r(), r(2, 2)]),
        "cross": (lambda a, b: gg.cross(a, b, dim=0), lambda a, b: torch.cross(a, b, dim=0),
                  [r(3, 2), r(3, 1)]),
        "linalg_cross": (lambda a, b: gg.linalg.cross(a, b), lambda a, b: torch.linalg.cross(a, b),
                         [r(2, 4, 3), r(1, 4, 3)]),
        "tensordot_int": (lambda a, b: gg.tensordot(a, b, dims=2),
                          lambda a, b: torch.tensordot(a, b, dims=2), [r(2, 3, 4), r(3, 4, 2)]),
        "tensordot_lists": (lambda a, b: gg.tensordot(a, b, dims=([0, 2], [2, 0])),
                            lambda a, b: torch.tensordot(a, b, dims=([0, 2], [2, 0])),
                            [r(2, 3, 4), r(4, 5, 2)]),
        "tensordot_0": (lambda a, b: gg.tensordot(a, b, 0), lambda a, b: torch.tensordot(a, b, 0),
                        [r(2), r(3)]),
        "chain_matmul": (lambda a, b, c: gg.chain_matmul(a, b, c),
                         lambda a, b, c: torch.linalg.multi_dot([a, b, c]),
                         [r(2, 3), r(3, 4), r(4, 2)]),
        "multi_dot": (lambda a, b, c: gg.linalg.multi_dot([a, b, c]),
                      lambda a, b, c: torch.linalg.multi_dot([a, b, c]), [r(3), r(3, 4), r(4)]),
        "vecdot": (lambda a, b: gg.linalg.vecdot(a, b, dim=0),
                   lambda a, b: torch.linalg.vecdot(a, b, dim=0), [r(3, 2), r(3, 1)]),
        "matrix_power_3": (lambda a: gg.matrix_power(a, 3), lambda a: torch.matrix_power(a, 3),
                           [r(2, 3, 3)]),
        "matrix_power_neg": (lambda a: a.matrix_power(-2), lambda a: a.matrix_power(-2),
                             [r(3, 3) + 3 * np.eye(3)]),
        "matrix_power_linalg": (lambda a: gg.linalg.matrix_power(a, 5),
                                lambda a: torch.linalg.matrix_power(a, 5), [r(2, 2) * 0.5]),
        "matrix_power_1": (lambda a: gg.linalg.matrix_power(a, 1),
                           lambda a: torch.linalg.matrix_power(a, 1), [r(2, 2)]),
    }


@pytest.mark.parametrize("name", sorted(_products(np.random.default_rng(0))))
def test_products_match_torch_and_gradcheck(name):
    fn, tfn, arrays = _products(np.random.default_rng(1))[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _vs_torch(fn, tfn, arrays)


def test_matrix_power_zero_is_the_identity_per_batch():
    a = np.random.default_rng(2).standard_normal((2, 3, 3))
    out = gg.matrix_power(gg.tensor(a), 0)
    np.testing.assert_array_equal(out._data, np.broadcast_to(np.eye(3), (2, 3, 3)))
    if torch is not None:
        np.testing.assert_array_equal(out._data, torch.matrix_power(torch.tensor(a), 0).numpy())


def test_addmm_with_beta_zero_ignores_nan_in_input():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 4)), rng.standard_normal((4, 3))
    out = gg.addmm(gg.tensor(np.full((2, 3), np.nan)), gg.tensor(a), gg.tensor(b), beta=0)
    np.testing.assert_allclose(out._data, a @ b)


def test_cross_default_dim_is_the_first_of_size_3_and_warns():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 3, 2)), rng.standard_normal((3, 3, 2))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        out = gg.cross(gg.tensor(a), gg.tensor(b))
    np.testing.assert_allclose(out._data, np.cross(a, b, axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # linalg.cross and an explicit dim do not warn
        gg.linalg.cross(gg.tensor(a[..., 0]), gg.tensor(b[..., 0]))
        gg.cross(gg.tensor(a), gg.tensor(b), dim=1)
    with pytest.warns(UserWarning):  # input's first size-3 dim (1 here), broadcast after
        out2 = gg.cross(gg.tensor(a[:1]), gg.tensor(b))
    np.testing.assert_allclose(out2._data, np.cross(a[:1], b, axis=1))
    if torch is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = torch.cross(torch.tensor(a), torch.tensor(b))
            ref2 = torch.cross(torch.tensor(a[:1]), torch.tensor(b))
        np.testing.assert_allclose(out._data, ref.numpy())
        np.testing.assert_allclose(out2._data, ref2.numpy())


def test_cross_known_value_and_errors():
    out = gg.linalg.cross(gg.tensor([1.0, 0.0, 0.0]), gg.tensor([0.0, 1.0, 0.0]))
    np.testing.assert_array_equal(out._data, [0.0, 0.0, 1.0])
    with pytest.raises(RuntimeError, match="must have length 3"):
        gg.linalg.cross(gg.ones(2, 2), gg.ones(2, 2))
    with pytest.raises(IndexError):
        gg.linalg.cross(gg.ones(3), gg.ones(3), dim=2)


def test_integer_products_stay_integer():
    a = np.arange(6).reshape(2, 3)
    b = np.arange(6).reshape(3, 2)
    assert gg.kron(gg.tensor(a), gg.tensor(b)).dtype == np.int64
    assert gg.inner(gg.tensor(a), gg.tensor(a)).dtype == np.int64
    np.testing.assert_array_equal(gg.tensordot(gg.tensor(a), gg.tensor(b), 1)._data, a @ b)
    np.testing.assert_array_equal(gg.kron(gg.tensor(a), gg.tensor(b))._data, np.kron(a, b))


def test_product_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(2, 4\)"):
        gg.inner(gg.ones(2, 3), gg.ones(2, 4))
    with pytest.raises(RuntimeError, match="contracted dimensions"):
        gg.tensordot(gg.ones(2, 3), gg.ones(2, 3), dims=([0], [1]))
    with pytest.raises(RuntimeError, match="at least 2"):
        gg.linalg.multi_dot([gg.ones(3, 3)])
    with pytest.raises(RuntimeError, match="square"):
        gg.matrix_power(gg.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        gg.addmm(gg.ones(4), gg.ones(2, 3), gg.ones(3, 3))


# ------------------------------------------------------------------------------ cdist
def test_cdist_gradient_is_zero_at_zero_distance_as_torch():
    a = np.array([[0.0, 1.0], [2.0, 3.0]])
    b = np.array([[0.0, 1.0], [1.0, 1.0]])
    for p in (2.0, 1.0, 3.0, float("inf")):
        x, y = gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)
        gg.cdist(x, y, p=p).sum().backward()
        assert np.isfinite(x.grad._data).all() and np.isfinite(y.grad._data).all()
        if torch is not None:
            tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
            torch.cdist(tx, ty, p=p).sum().backward()
            np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), atol=1e-12)
            np.testing.assert_allclose(y.grad._data, ty.grad.numpy(), atol=1e-12)


def test_cdist_values_and_errors():
    x = gg.tensor([[0.0, 0.0]])
    y = gg.tensor([[3.0, 4.0]])
    assert gg.cdist(x, y).item() == 5.0
    assert gg.cdist(x, y, p=1).item() == 7.0
    assert gg.cdist(x, y, p=float("inf")).item() == 4.0
    assert gg.cdist(x, y, p=0).item() == 2.0
    with pytest.raises(RuntimeError, match="same number of columns"):
        gg.cdist(gg.ones(2, 3), gg.ones(2, 4))
    with pytest.raises(RuntimeError, match="non-negative"):
        gg.cdist(x, y, p=-1)
    with pytest.raises(RuntimeError, match="2D"):
        gg.cdist(gg.ones(3), gg.ones(3))


# ------------------------------------------------------------------------------ inverses, solves
def test_function_and_method_forms_agree():
    rng = np.random.default_rng(5)
    a = gg.tensor(rng.standard_normal((3, 3)) + 3 * np.eye(3))
    np.testing.assert_allclose(gg.inverse(a)._data, gg.linalg.inv(a)._data)
    np.testing.assert_allclose(a.inverse()._data, np.linalg.inv(a._data))
    np.testing.assert_allclose(a.det()._data, np.linalg.det(a._data))
    np.testing.assert_allclose(gg.det(a)._data, np.linalg.det(a._data))
    sign, logabs = a.slogdet()
    np.testing.assert_allclose(sign._data * np.exp(logabs._data), np.linalg.det(a._data))
    np.testing.assert_allclose(a.pinverse()._data, np.linalg.pinv(a._data), atol=1e-12)
    np.testing.assert_allclose(gg.pinverse(a)._data, np.linalg.pinv(a._data), atol=1e-12)


def test_slogdet_is_a_named_tuple_and_logdet_matches_torch_signs():
    rng = np.random.default_rng(6)
    a = np.stack([rng.standard_normal((3, 3)) + 3 * np.eye(3) for _ in range(3)])
    a[1, 0] *= -1  # negative det: logdet is nan
    a[2, 0] = 0  # singular: sign 0, logabsdet -inf
    res = gg.linalg.slogdet(gg.tensor(a))
    assert res.sign is res[0] and res.logabsdet is res[1]
    assert res.sign._data.tolist()[1:] == [-1.0, 0.0]
    assert res.logabsdet._data[2] == -np.inf
    ld = gg.logdet(gg.tensor(a))
    assert np.isnan(ld._data[1]) and ld._data[2] == -np.inf
    if torch is not None:
        ref = torch.linalg.slogdet(torch.tensor(a))
        np.testing.assert_array_equal(res.sign._data, ref.sign.numpy())
        np.testing.assert_allclose(res.logabsdet._data, ref.logabsdet.numpy())
        np.testing.assert_allclose(ld._data, torch.logdet(torch.tensor(a)).numpy())


def test_logdet_gradient_matches_torch():
    a = np.random.default_rng(7).standard_normal((2, 3, 3)) + 3 * np.eye(3)
    _vs_torch(lambda x: x.logdet(), lambda x: x.logdet(), [a])


def test_det_gradient_of_a_singular_matrix_is_its_adjugate():
    """det is a polynomial: its gradient at a singular A is adj(A)ᵀ, nonzero when the rank is
    n - 1. (torch 2.13 returns 0 there when its LU finds an exact zero pivot; glassgrad keeps
    the true derivative, which the finite differences confirm.)"""
    a = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    x = gg.tensor(a, requires_grad=True)
    gg.linalg.det(x).backward()
    adj_t = np.array([[-3.0, 6, -3], [6, -12, 6], [-3, 6, -3]])
    np.testing.assert_allclose(x.grad._data, adj_t, atol=1e-12)
    assert gradcheck(gg.linalg.det, [gg.tensor(a, requires_grad=True)], **TOL)
    rank1 = np.outer([1.0, 2, 3], [1.0, -1, 2])  # adj = 0 at rank n - 2
    y = gg.tensor(rank1, requires_grad=True)
    gg.linalg.det(y).backward()
    np.testing.assert_allclose(y.grad._data, 0, atol=1e-12)


def test_singular_and_non_square_errors_name_op_and_batch_element():
    a = np.stack([np.eye(3), np.zeros((3, 3))])
    with pytest.raises(RuntimeError, match=r"linalg\.inv: \(Batch element 1\).*singular"):
        gg.linalg.inv(gg.tensor(a))
    with pytest.raises(RuntimeError, match=r"linalg\.solve.*singular"):
        gg.linalg.solve(gg.tensor(np.zeros((2, 2))), gg.ones(2, dtype=gg.float64))
    with pytest.raises(RuntimeError, match="square matrices, but they are 2 by 3"):
        gg.linalg.inv(gg.ones(2, 3))
    with pytest.raises(RuntimeError, match="square"):
        gg.linalg.det(gg.ones(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gg.linalg.inv(gg.ones(3))
    with pytest.raises(RuntimeError, match="floating point"):
        gg.linalg.inv(gg.tensor([[1, 2], [3, 4]]))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        gg.linalg.solve(gg.ones(3, 3), gg.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\).*positive-definite"):
        gg.linalg.cholesky(gg.tensor(np.stack([np.eye(2), -np.eye(2)])))
    if torch is not None:  # torch raises the same class for the same inputs
        with pytest.raises(RuntimeError):
            torch.linalg.inv(torch.tensor(a))
        with pytest.raises(RuntimeError):
            torch.linalg.inv(torch.ones(2, 3))


@pytest.mark.parametrize("sa,sb", [((3, 3), (3,)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3)),
                                   ((3, 3), (2, 3, 4)), ((1, 3, 3), (2, 3, 1)),
                                   ((3, 3), (3, 3))])
def test_solve_shapes_match_torch(sa, sb):
    rng = np.random.default_rng(9)
    a = rng.standard_normal(sa) + 3 * np.eye(3)
    b = rng.standard_normal(sb)
    _vs_torch(lambda x, y: gg.linalg.solve(x, y), lambda x, y: torch.linalg.solve(x, y),
              [a, b])


def test_solve_left_false():
    rng = np.random.default_rng(10)
    a, b = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((2, 3))
    x = gg.linalg.solve(gg.tensor(a), gg.tensor(b), left=False)
    np.testing.assert_allclose(x._data @ a, b, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"atol": 1e-3}, {"rtol": 0.2}, {"hermitian": True}])
def test_pinv_tolerances_match_torch(kwargs):
    rng = np.random.default_rng(11)
    u, s = np.linalg.qr(rng.standard_normal((4, 4)))[0], np.array([3.0, 1.0, 0.5, 1e-4])
    a = (u * s) @ u.T  # symmetric, singular values 3, 1, 0.5, 1e-4
    out = gg.linalg.pinv(gg.tensor(a), **kwargs)
    if torch is not None:
        ref = torch.linalg.pinv(torch.tensor(a), **kwargs)
        np.testing.assert_allclose(out._data, ref.numpy(), atol=1e-8)
    kept = {"atol": 3, "rtol": 2}.get(next(iter(kwargs), ""), 4)
    assert np.linalg.matrix_rank(out._data, tol=1e-9) == kept


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
def test_lstsq_matches_torch(driver):
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    res = gg.linalg.lstsq(gg.tensor(a), gg.tensor(b), driver=driver)
    assert res.solution is res[0] and len(res) == 4
    np.testing.assert_allclose(res.solution._data, np.linalg.lstsq(a, b, rcond=None)[0])
    if torch is not None:
        ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for ours, theirs in zip(res, ref):
            assert ours.shape == tuple(theirs.shape)
            assert ours.dtype == gg.tensor(theirs.numpy()).dtype
            np.testing.assert_allclose(ours._data, theirs.numpy(), atol=1e-10)


def test_lstsq_solution_gradient_and_vector_rhs():
    rng = np.random.default_rng(13)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5))
    _vs_torch(lambda x, y: gg.linalg.lstsq(x, y).solution,
              lambda x, y: torch.linalg.lstsq(x, y).solution, [a, b])


# ------------------------------------------------------------------------------ decompositions
def test_decomposition_results_are_named_tuples():
    rng = np.random.default_rng(14)
    a = gg.tensor(rng.standard_normal((4, 3)))
    Q, R = gg.linalg.qr(a)
    assert gg.linalg.qr(a).Q.shape == (4, 3) and R.shape == (3, 3)
    np.testing.assert_allclose((Q @ R)._data, a._data, atol=1e-12)
    U, S, Vh = gg.linalg.svd(a)
    assert (U.shape, S.shape, Vh.shape) == ((4, 4), (3,), (3, 3))
    assert gg.linalg.svd(a, full_matrices=False).U.shape == (4, 3)
    s = a @ a.mT if hasattr(a, "mT") else a @ a.swapaxes(-1, -2)
    w, V = gg.linalg.eigh(s)
    assert gg.linalg.eigh(s).eigenvalues is not None and V.shape == (4, 4)
    np.testing.assert_allclose(((V * w.unsqueeze(-2)) @ V.swapaxes(-1, -2))._data, s._data,
                               atol=1e-12)
    assert gg.linalg.qr(a, mode="r").Q.shape == (0,)
    assert gg.linalg.qr(a, mode="complete").Q.shape == (4, 4)


def test_torch_svd_returns_v_not_vh_and_method_forms():
    rng = np.random.default_rng(15)
    a = rng.standard_normal((4, 3))
    U, S, V = gg.svd(gg.tensor(a))
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ V.swapaxes(-1, -2))._data, a,
                               atol=1e-12)
    assert gg.tensor(a).svd(some=False).U.shape == (4, 4)
    Q, R = gg.tensor(a).qr()
    np.testing.assert_allclose((Q @ R)._data, a, atol=1e-12)
    spd = a.T @ a + np.eye(3)
    np.testing.assert_allclose(gg.tensor(spd).cholesky()._data, np.linalg.cholesky(spd))
    np.testing.assert_allclose(gg.cholesky(gg.tensor(spd), upper=True)._data,
                               np.linalg.cholesky(spd).T)
    if torch is not None:
        ref = torch.svd(torch.tensor(a))
        for ours, theirs in zip((U, S, V), ref):  # same LAPACK signs
            np.testing.assert_allclose(np.abs(ours._data), np.abs(theirs.numpy()), atol=1e-12)


def test_cholesky_and_eigh_read_one_triangle_as_torch():
    rng = np.random.default_rng(16)
    x = rng.standard_normal((3, 3))
    a = x @ x.T + 3 * np.eye(3) + np.triu(rng.standard_normal((3, 3)), 1)  # upper junk
    lower = a.copy()
    np.testing.assert_allclose(gg.linalg.cholesky(gg.tensor(a))._data,
                               np.linalg.cholesky(np.tril(lower) + np.tril(lower, -1).T))
    w_l = gg.linalg.eigvalsh(gg.tensor(a))._data
    w_u = gg.linalg.eigvalsh(gg.tensor(a), UPLO="U")._data
    assert not np.allclose(w_l, w_u)
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        ours = gg.tensor(a, requires_grad=True)
        gg.linalg.cholesky(ours).sum().backward()
        torch.linalg.cholesky(t).sum().backward()
        np.testing.assert_allclose(ours.grad._data, t.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(w_u, torch.linalg.eigvalsh(torch.tensor(a), UPLO="U"))
        t = torch.tensor(a, requires_grad=True)
        ours = gg.tensor(a, requires_grad=True)
        wt, vt = torch.linalg.eigh(t)
        w, v = gg.linalg.eigh(ours)
        (wt.sum() + (vt * vt)[0].sum() * 0 + (vt[:, 0:1] @ vt[:, 0:1].mT).sum()).backward()
        (w.sum() + (v[:, 0:1] @ v[:, 0:1].swapaxes(0, 1)).sum()).backward()
        np.testing.assert_allclose(ours.grad._data, t.grad.numpy(), atol=1e-9)


def test_spectral_values_of_repeated_eigen_and_singular_values_have_finite_gradients():
    """eigvalsh and svdvals of the identity: the vector terms (0/0 there) are skipped, as torch
    skips them when the vectors' gradient is undefined."""
    for fn in (gg.linalg.eigvalsh, gg.linalg.svdvals, lambda a: gg.linalg.svd(a)[1],
               lambda a: gg.linalg.eigh(a)[0]):
        x = gg.tensor(np.eye(3), requires_grad=True)
        (fn(x) * gg.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert np.isfinite(x.grad._data).all()


def test_eigvalsh_and_svdvals_match_torch():
    rng = np.random.default_rng(17)
    a = rng.standard_normal((2, 3, 3))
    _vs_torch(lambda x: gg.linalg.eigvalsh(x + x.swapaxes(-1, -2)),
              lambda x: torch.linalg.eigvalsh(x + x.mT), [a])
    _vs_torch(lambda x: gg.linalg.svdvals(x), lambda x: torch.linalg.svdvals(x),
              [rng.standard_normal((2, 4, 3))])


def test_qr_mode_r_and_complete_tall_refuse_gradients_as_torch():
    a = gg.tensor(np.random.default_rng(18).standard_normal((4, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        gg.linalg.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="complete"):
        gg.linalg.qr(a, mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        gg.linalg.qr(a, mode="full")
    with pytest.raises(RuntimeError, match="UPLO"):
        gg.linalg.eigh(gg.ones(2, 2, dtype=gg.float64), UPLO="X")


def test_float32_decompositions_keep_float32():
    rng = np.random.default_rng(19)
    a = gg.tensor(rng.standard_normal((3, 3)).astype(np.float32))
    spd = a @ a.swapaxes(-1, -2) + 3 * gg.eye(3)
    for out in (gg.linalg.inv(a), gg.linalg.det(a), gg.linalg.slogdet(a).logabsdet,
                gg.linalg.pinv(a), gg.linalg.cholesky(spd), *gg.linalg.qr(a),
                *gg.linalg.eigh(spd), *gg.linalg.svd(a), gg.linalg.svdvals(a),
                gg.linalg.lstsq(a, a).solution, gg.linalg.solve(a, a), gg.logdet(spd)):
        assert out.dtype == np.float32


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
def test_full_matrices_svd_drops_the_extra_columns_gradient_as_torch(shape):
    a = np.random.default_rng(20).standard_normal(shape)

    def fn(x, lib):
        U, S, Vh = lib.linalg.svd(x, full_matrices=True)
        k = min(shape)
        return (U * U).sum() + (U[:, :k] @ Vh[:k, :] * x).sum() + (Vh * Vh)[0].sum() * S[0]

    x = gg.tensor(a, requires_grad=True)
    fn(x, gg).backward()
    assert np.isfinite(x.grad._data).all()
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        fn(t, torch).backward()
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), atol=1e-10)


def test_lstsq_wide_system_gives_the_minimum_norm_solution_as_torch():
    rng = np.random.default_rng(21)
    a, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    _vs_torch(lambda x, y: gg.linalg.lstsq(x, y).solution,
              lambda x, y: torch.linalg.lstsq(x, y).solution, [a, b])


def _lower(rng, *shape):
    return np.tril(rng.standard_normal(shape)) + 2 * np.eye(shape[-1])


@pytest.mark.parametrize("kwargs", [{"upper": False}, {"upper": True},
                                    {"upper": False, "left": False},
                                    {"upper": True, "unitriangular": True}])
def test_solve_triangular_reads_one_triangle_as_torch(kwargs):
    rng = np.random.default_rng(22)
    a = rng.standard_normal((2, 3, 3)) + 2 * np.eye(3)  # junk in the other triangle
    b = rng.standard_normal((3, 3))
    _vs_torch(lambda x, y: gg.linalg.solve_triangular(x, y, **kwargs),
              lambda x, y: torch.linalg.solve_triangular(x, y, **kwargs), [a, b])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_match_torch(upper):
    """Both read one triangle of L, but (as torch) give the gradient of all of L, as if
    A = LLᵀ with L taken whole: gradcheck runs through a function that masks L first."""
    rng = np.random.default_rng(23)
    low = _lower(rng, 3, 3)
    tri = low.T.copy() if upper else low
    b = rng.standard_normal((3, 2))
    mask = np.triu(np.ones((3, 3), bool)) if upper else np.tril(np.ones((3, 3), bool))
    _vs_torch(lambda y, t: gg.cholesky_solve(y, gg.where(mask, t, 0), upper=upper),
              lambda y, t: torch.cholesky_solve(y, torch.where(torch.tensor(mask), t, 0),
                                                upper=upper), [b, tri])
    _vs_torch(lambda t: gg.cholesky_inverse(gg.where(mask, t, 0), upper=upper),
              lambda t: torch.cholesky_inverse(torch.where(torch.tensor(mask), t, 0),
                                               upper=upper), [tri])
    junk = tri + np.where(mask, 0, rng.standard_normal((3, 3)))  # the other triangle: unread
    np.testing.assert_allclose(gg.cholesky_inverse(gg.tensor(junk), upper=upper)._data,
                               np.linalg.inv(low @ low.T))
    np.testing.assert_allclose(gg.cholesky_solve(gg.tensor(b), gg.tensor(junk), upper)._data,
                               np.linalg.solve(low @ low.T, b))
    for ours, theirs in ((gg.cholesky_solve, torch.cholesky_solve),
                         (lambda y, t, upper: gg.cholesky_inverse(t, upper) * y.sum(),
                          lambda y, t, upper: torch.cholesky_inverse(t, upper) * y.sum())):
        y, t = gg.tensor(b), gg.tensor(tri, requires_grad=True)  # unmasked gradients
        ty, tt = torch.tensor(b), torch.tensor(tri, requires_grad=True)
        out, ref = ours(y, t, upper=upper), theirs(ty, tt, upper=upper)
        np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-12)
        (out * out).sum().backward()
        (ref * ref).sum().backward()
        np.testing.assert_allclose(t.grad._data, tt.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("kwargs", [{}, {"atol": 0.6}, {"rtol": 0.1}, {"hermitian": True}])
def test_matrix_rank_matches_torch(kwargs):
    rng = np.random.default_rng(24)
    u = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    a = np.stack([(u * s) @ u.T for s in ([3.0, 1, 0.5, 0], [3.0, 1, 0.2, 0.1])])
    rank = gg.linalg.matrix_rank(gg.tensor(a), **kwargs)
    assert rank.dtype == np.int64
    expected = {"atol": [2, 2], "rtol": [3, 2]}.get(next(iter(kwargs), ""), [3, 4])
    assert rank._data.tolist() == expected
    if torch is not None:
        ref = torch.linalg.matrix_rank(torch.tensor(a), **kwargs)
        assert rank._data.tolist() == ref.tolist()


def test_singular_matrices_in_backward_raise_runtime_errors_naming_the_op():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    x = gg.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="slogdet"):
        gg.linalg.slogdet(x).logabsdet.backward()
    (g,) = gg.autograd.grad(gg.linalg.det(x), [x])  # first order: the adjugate
    np.testing.assert_allclose(g._data, [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    with pytest.raises(RuntimeError, match="det.*singular"):
        gg.autograd.grad(gg.linalg.det(x), [x], create_graph=True)


def test_linalg_extras_match_torch():
    rng = np.random.default_rng(25)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    _vs_torch(lambda x: gg.linalg.diagonal(x, offset=1),
              lambda x: torch.linalg.diagonal(x, offset=1), [a])
    _vs_torch(lambda x: gg.linalg.tensorinv(x, ind=1),
              lambda x: torch.linalg.tensorinv(x, ind=1),
              [rng.standard_normal((6, 2, 3)) + np.eye(6).reshape(6, 2, 3) * 3])
    _vs_torch(lambda x, y: gg.linalg.tensorsolve(x, y),
              lambda x, y: torch.linalg.tensorsolve(x, y),
              [rng.standard_normal((2, 3, 6)) + np.eye(6).reshape(2, 3, 6) * 3,
               rng.standard_normal((2, 3))])
    _vs_torch(lambda x, y: gg.linalg.tensorsolve(x, y, dims=(0,)),
              lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)),
              [rng.standard_normal((6, 2, 3)) + np.eye(6).reshape(6, 2, 3) * 3,
               rng.standard_normal((2, 3))])
    for p in (None, 2, -2):
        _vs_torch(lambda x, p=p: gg.linalg.cond(x, p), lambda x, p=p: torch.linalg.cond(x, p), [a])
    for p in ("fro", 1, float("inf")):  # torch 2.13 cannot backward these (an in-place inv)
        out = gg.linalg.cond(gg.tensor(a), p)
        np.testing.assert_allclose(out._data, torch.linalg.cond(torch.tensor(a), p).numpy())
        assert gradcheck(lambda x, p=p: gg.linalg.cond(x, p), [gg.tensor(a, requires_grad=True)],
                         **TOL)


def test_linalg_errors_are_linalg_errors_and_runtime_errors():
    assert issubclass(gg.linalg.LinAlgError, RuntimeError)
    with pytest.raises(gg.linalg.LinAlgError):
        gg.linalg.inv(gg.zeros(2, 2))
    if torch is not None:
        with pytest.raises(torch.linalg.LinAlgError):
            torch.linalg.inv(torch.zeros(2, 2))


def test_chain_matmul_warns_as_torch_and_equals_multi_dot():
    rng = np.random.default_rng(26)
    mats = [gg.tensor(rng.standard_normal(s)) for s in ((2, 3), (3, 4), (4, 2))]
    with pytest.warns(UserWarning, match="multi_dot"):
        out = gg.chain_matmul(*mats)
    np.testing.assert_allclose(out._data, gg.linalg.multi_dot(mats)._data)
    np.testing.assert_allclose(out._data, mats[0]._data @ mats[1]._data @ mats[2]._data)


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 0), (0, 2, 3), (2, 3, 0)])
def test_empty_batches_and_matrices(shape):
    a = np.zeros(shape)
    square = shape[-1] == shape[-2]
    fns = {"svd": lambda x: gg.linalg.svd(x)[0], "svdvals": gg.linalg.svdvals,
           "qr": lambda x: gg.linalg.qr(x)[1], "pinv": gg.linalg.pinv}
    if square:
        fns.update({"inv": gg.linalg.inv, "det": gg.linalg.det, "cholesky": gg.linalg.cholesky,
                    "eigh": lambda x: gg.linalg.eigh(x)[1]})
    for name, fn in fns.items():
        x = gg.tensor(a, requires_grad=True)
        out = fn(x)
        out.sum().backward()
        assert x.grad.shape == shape, name
        if torch is not None:
            tname = {"svd": "svd", "qr": "qr", "eigh": "eigh"}.get(name)
            ref = getattr(torch.linalg, name)(torch.tensor(a))
            ref = ref[{"svd": 0, "qr": 1, "eigh": 1}[tname]] if tname else ref
            assert out.shape == tuple(ref.shape), name


def test_mm_mv_dot_with_an_integer_operand_take_the_float_dtype():
    f = gg.tensor(np.ones((2, 2), np.float32))
    i = gg.tensor(np.arange(4).reshape(2, 2))
    assert gg.mm(f, i).dtype == np.float32 and gg.mm(i, f).dtype == np.float32
    assert gg.mv(i, gg.ones(2)).dtype == np.float32
    assert gg.dot(gg.ones(2), gg.tensor([1, 2])).dtype == np.float32
    assert gg.bmm(i.reshape(1, 2, 2), f.reshape(1, 2, 2)).dtype == np.float32
    assert gg.mm(i, i).dtype == np.int64
    np.testing.assert_array_equal(gg.mm(i, i)._data, np.arange(4).reshape(2, 2) @
                                  np.arange(4).reshape(2, 2))
