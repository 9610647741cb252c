"""Reductions and scans of issue 11 beyond the registry: argument forms, dtypes, ties, NaNs,
second derivatives at zeros, the non-differentiable ops (unique, bincount, histc, histogram,
searchsorted, bucketize) and error types, compared with torch."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import grad, gradcheck, gradgradcheck

INF = float("inf")
NAN = float("nan")


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is not installed")


@pytest.fixture
def rng():
    return np.random.default_rng(2026)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(ours, theirs, **tol):
    """Same values (NaN where torch has NaN) and same dtype as torch's result."""
    theirs = _np(theirs)
    a = ours.data if isinstance(ours, gg.Tensor) else np.asarray(ours)
    assert a.shape == theirs.shape, (a.shape, theirs.shape)
    assert a.dtype == theirs.dtype, (a.dtype, theirs.dtype)
    np.testing.assert_allclose(a, theirs, **({"rtol": 1e-12, "atol": 1e-12} | tol))


def _grads(torch, fn_gg, fn_torch, a, seed=0, out_index=None):
    """Forward values and input gradients of sum(w * fn(x)) in both libraries."""
    a = np.asarray(a, dtype=np.float64)
    x, xt = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = fn_gg(x), fn_torch(xt)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    return out, ref, x.grad, xt.grad


def _check_grads(torch, fn_gg, fn_torch, a, **tol):
    out, ref, g, gt = _grads(torch, fn_gg, fn_torch, a)
    _same(out, ref, **tol)
    _same(g, gt, **tol)


# ------------------------------------------------------------------------------ no torch needed
def test_small_known_values():
    x = gg.tensor([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    assert gg.median(x).item() == 3.0  # lower median of 1 1 3 4 5 9
    assert gg.cumsum(gg.tensor([1, 2, 3]), 0).tolist() == [1, 3, 6]
    assert gg.cumprod(gg.tensor([1.0, 2.0, 3.0]), 0).tolist() == [1.0, 2.0, 6.0]
    assert gg.kthvalue(x, 2).values.item() == 1.0
    assert gg.topk(x, 2).values.tolist() == [9.0, 5.0]
    assert gg.mode(gg.tensor([2, 1, 2, 1, 3])).values.item() == 1  # smallest of the tied
    assert gg.quantile(gg.tensor([0.0, 10.0]), 0.25).item() == 2.5
    assert gg.bincount(gg.tensor([0, 2, 2])).tolist() == [1, 0, 2]
    assert gg.searchsorted(gg.tensor([1, 3, 5]), gg.tensor([3, 4])).tolist() == [1, 2]
    assert gg.diff(gg.tensor([1.0, 4.0, 9.0, 16.0]), 2).tolist() == [2.0, 2.0]
    assert gg.cummax(gg.tensor([1.0, 3.0, 2.0, 3.0]), 0).indices.tolist() == [0, 1, 1, 3]


def test_return_type_field_names(torch):
    x = np.random.default_rng(0).standard_normal((3, 4))
    pairs = {
        "sort": ((), {}), "topk": ((2,), {}), "kthvalue": ((2,), {}), "median": ((1,), {}),
        "nanmedian": ((1,), {}), "mode": ((1,), {}), "cummax": ((1,), {}),
        "cummin": ((1,), {}), "aminmax": ((), {"dim": 0}),
    }
    for name, (args, kw) in pairs.items():
        ours, theirs = getattr(gg, name)(gg.tensor(x), *args, **kw), getattr(torch, name)(
            torch.tensor(x), *args, **kw)
        assert ours._fields == tuple(type(theirs).__match_args__), name
        assert type(ours).__name__ == type(theirs).__name__
        for a, b in zip(ours, theirs):
            _same(a, b)
    ours = gg.histogram(gg.tensor(x), 4)
    assert ours._fields == ("hist", "bin_edges")


def test_method_forms_exist_where_torch_has_them(torch):
    for name in ("median", "nanmedian", "mode", "kthvalue", "topk", "sort", "argsort", "msort",
                 "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "quantile",
                 "nanquantile", "nansum", "nanmean", "aminmax", "unique", "unique_consecutive",
                 "bincount", "histc", "histogram", "dist", "norm", "var", "std"):
        assert hasattr(torch.Tensor, name) and hasattr(gg.Tensor, name), name
    for name in ("std_mean", "var_mean", "searchsorted", "bucketize"):
        assert hasattr(gg, name), name
    for name in ("vector_norm", "matrix_norm", "norm"):
        assert hasattr(gg.linalg, name), name


# ------------------------------------------------------------------------------ dtypes
def test_dtype_argument_on_sum_mean_prod(torch):
    i = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    f = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    for name in ("sum", "prod"):
        for dt, tdt in ((np.float32, torch.float32), (np.float64, torch.float64), (None, None)):
            ours = getattr(gg, name)(gg.tensor(i), dim=1, dtype=dt)
            theirs = getattr(torch, name)(torch.tensor(i), dim=1, dtype=tdt)
            _same(ours, theirs)
        _same(getattr(gg, name)(gg.tensor(f), dtype=np.float64),
              getattr(torch, name)(torch.tensor(f), dtype=torch.float64), rtol=1e-6)
    _same(gg.mean(gg.tensor(i), dtype=np.float32), torch.mean(torch.tensor(i),
                                                              dtype=torch.float32))
    _same(gg.tensor(i).mean(0, dtype=np.float64), torch.tensor(i).mean(0, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="mean"):
        gg.mean(gg.tensor(i))
    # the cast is differentiable: gradient comes back in the input's dtype
    x = gg.tensor(f, requires_grad=True)
    gg.sum(x, dtype=np.float64).backward()
    assert x.grad.dtype == np.float32


def test_scan_dtypes(torch):
    for a in (np.array([1, 2, 3], np.int32), np.array([True, False, True]),
              np.array([1, 2, 3], np.uint8)):
        for name in ("cumsum", "cumprod"):
            _same(getattr(gg, name)(gg.tensor(a), 0), getattr(torch, name)(torch.tensor(a), 0))
            _same(getattr(gg, name)(gg.tensor(a), 0, dtype=np.float32),
                  getattr(torch, name)(torch.tensor(a), 0, dtype=torch.float32))
        _same(gg.cummax(gg.tensor(a), 0).values, torch.cummax(torch.tensor(a), 0).values)
    x = np.random.default_rng(2).standard_normal(5).astype(np.float32)
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        assert getattr(gg, name)(gg.tensor(x), 0).dtype == np.float32


# ------------------------------------------------------------------------------ var, std, ...
def test_var_std_corrections_and_means(torch, rng):
    a = rng.standard_normal((3, 4, 5))
    for kw in ({}, {"dim": 1, "correction": 2}, {"dim": (0, 2), "correction": 0, "keepdim": True},
               {"dim": 1, "unbiased": False}):
        for name in ("var", "std"):
            _check_grads(torch, lambda x, n=name, k=kw: getattr(gg, n)(x, **k),
                         lambda x, n=name, k=kw: getattr(torch, n)(x, **k), a)
        for name in ("var_mean", "std_mean"):
            ours = getattr(gg, name)(gg.tensor(a), **kw)
            theirs = getattr(torch, name)(torch.tensor(a), **kw)
            assert type(ours) is tuple and len(ours) == 2
            for o, t in zip(ours, theirs):
                _same(o, t)
    x = gg.tensor(a, requires_grad=True)
    for name in ("var_mean", "std_mean"):
        fn = getattr(gg, name)
        assert gradcheck(lambda t, f=fn: f(t, 1)[0] + f(t, 1)[1], (x,))
        assert gradgradcheck(lambda t, f=fn: f(t, 1, correction=0)[0] * f(t, 1)[1], (x,))


def test_aminmax_values_and_tied_gradients(torch):
    a = np.array([[1.0, 3.0, 3.0, -2.0], [0.0, 0.0, 5.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"keepdim": True}):
        ours = gg.aminmax(gg.tensor(a), **kw)
        theirs = torch.aminmax(torch.tensor(a), **kw)
        _same(ours.min, theirs.min)
        _same(ours.max, theirs.max)
        for k in (0, 1):
            _check_grads(torch, lambda x, k=k, kw=kw: gg.aminmax(x, **kw)[k],
                         lambda x, k=k, kw=kw: torch.aminmax(x, **kw)[k], a)
    _same(gg.aminmax(gg.tensor([3, 1, 2])).max, torch.aminmax(torch.tensor([3, 1, 2])).max)


def test_nansum_nanmean(torch):
    a = np.array([[1.0, NAN, 2.0], [NAN, NAN, NAN], [0.5, -1.0, 4.0]])
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        for name in ("nansum", "nanmean"):
            out, ref, g, gt = _grads(torch, lambda x, n=name, k=kw: getattr(gg, n)(x, **k),
                                     lambda x, n=name, k=kw: getattr(torch, n)(x, **k), a)
            _same(out, ref)
            # NaN elements get 0 (torch: 0 too, but inf * 0 = NaN for nanmean of an all-NaN
            # slice, where the mask multiplies an infinite upstream gradient)
            _same(g, np.where(np.isnan(_np(gt)), 0.0, _np(gt)))
            assert np.all(g.data[np.isnan(a)] == 0)
    i = np.array([[1, 2], [3, 4]], np.int32)
    _same(gg.nansum(gg.tensor(i), 1), torch.nansum(torch.tensor(i), 1))
    _same(gg.tensor(a).nansum(dtype=np.float32), torch.tensor(a).nansum(dtype=torch.float32))
    x = gg.tensor(np.where(np.isnan(a), 0.3, a), requires_grad=True)
    assert gradgradcheck(lambda t: gg.nanmean(t, 1) ** 2, (x,))


# ------------------------------------------------------------------------------ ties
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0, 3.0, 2.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                 [5.0, 4.0, 4.0, 6.0, 6.0, 4.0, 0.0]])


def test_sort_ties_and_nan_match_torch(torch):
    with_nan = np.array([[1.0, NAN, 0.0, NAN, 2.0, 1.0, -INF, INF]])
    for a in (TIES, with_nan, TIES.T):
        for dim in (0, 1, -1):
            for descending in (False, True):
                ours = gg.sort(gg.tensor(a), dim=dim, descending=descending, stable=True)
                theirs = torch.sort(torch.tensor(a), dim=dim, descending=descending,
                                    stable=True)
                _same(ours.values, theirs.values)
                _same(ours.indices, theirs.indices)
                _same(gg.argsort(gg.tensor(a), dim, descending=descending, stable=True),
                      torch.argsort(torch.tensor(a), dim=dim, descending=descending,
                                    stable=True))
    _check_grads(torch, lambda x: x.sort(dim=1, descending=True, stable=True).values,
                 lambda x: x.sort(dim=1, descending=True, stable=True).values, TIES)
    _same(gg.msort(gg.tensor(TIES)), torch.msort(torch.tensor(TIES)))
    i = np.array([3, 1, 2, 1], np.int64)
    _same(gg.sort(gg.tensor(i)).values, torch.sort(torch.tensor(i)).values)
    _same(gg.tensor(2.5).sort().values, torch.tensor(2.5).sort().values)


def test_topk_values_match_torch_index_choice_among_ties_unspecified(torch):
    # torch documents no order for tied elements in topk: compare values, and check that
    # our indices point at those values and receive the gradient
    for largest in (True, False):
        for k in (1, 3, 7):
            ours = gg.topk(gg.tensor(TIES), k, 1, largest=largest)
            theirs = torch.topk(torch.tensor(TIES), k, 1, largest=largest)
            _same(ours.values, theirs.values)
            np.testing.assert_array_equal(np.take_along_axis(TIES, ours.indices.data, 1),
                                          ours.values.data)
    x = gg.tensor(TIES, requires_grad=True)
    v = gg.topk(x, 2, 1).values
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.sum(1), [2, 2, 2])
    a = np.random.default_rng(3).standard_normal((4, 6))  # untied: indices match torch too
    ours, theirs = gg.topk(gg.tensor(a), 3, 0), torch.topk(torch.tensor(a), 3, 0)
    _same(ours.indices, theirs.indices)
    _same(gg.topk(gg.tensor(a), 2, sorted=False).values.sort().values,
          torch.topk(torch.tensor(a), 2, sorted=False).values.sort().values)


def test_kthvalue_and_median_with_ties(torch):
    # torch's index among equal elements for kthvalue and median(dim) comes from its selection
    # algorithm and is documented as unspecified: compare values, check our index holds it
    for k in range(1, 8):
        ours, theirs = gg.kthvalue(gg.tensor(TIES), k, 1), torch.kthvalue(torch.tensor(TIES), k)
        _same(ours.values, theirs.values)
        np.testing.assert_array_equal(
            np.take_along_axis(TIES, ours.indices.data[:, None], 1)[:, 0], ours.values.data)
    for a in (TIES, TIES[:, :6], TIES.T):
        for name in ("median", "nanmedian"):
            ours = getattr(gg, name)(gg.tensor(a), 1, keepdim=True)
            theirs = getattr(torch, name)(torch.tensor(a), 1, keepdim=True)
            _same(ours.values, theirs.values)
            np.testing.assert_array_equal(np.take_along_axis(a, ours.indices.data, 1),
                                          ours.values.data)
            # no dim: torch shares the gradient evenly among the tied elements
            _check_grads(torch, getattr(gg, name), getattr(torch, name), a)
    untied = np.random.default_rng(4).standard_normal((5, 6))
    for name in ("median", "nanmedian"):
        _same(getattr(gg, name)(gg.tensor(untied), 0).indices,
              getattr(torch, name)(torch.tensor(untied), 0).indices)
        _check_grads(torch, lambda x, n=name: getattr(gg, n)(x, 1).values,
                     lambda x, n=name: getattr(torch, n)(x, 1).values, untied)


def test_median_nanmedian_with_nan(torch):
    a = np.array([[1.0, NAN, 0.0, NAN, 2.0], [3.0, 1.0, 2.0, 0.0, -1.0],
                  [NAN, NAN, NAN, NAN, NAN], [NAN, 4.0, NAN, NAN, NAN]])
    for name in ("median", "nanmedian"):
        ours = getattr(gg, name)(gg.tensor(a), 1)
        theirs = getattr(torch, name)(torch.tensor(a), 1)
        _same(ours.values, theirs.values)
        if name == "median":  # the first NaN of each slice, as torch
            _same(ours.indices[[0, 2, 3]], theirs.indices[[0, 2, 3]])
        _check_grads(torch, getattr(gg, name), getattr(torch, name), a[:2])
        _same(getattr(gg, name)(gg.tensor(a[3])), getattr(torch, name)(torch.tensor(a[3])))
    _same(gg.nanmedian(gg.tensor(a[1])), torch.nanmedian(torch.tensor(a[1])))


def test_mode_ties_match_torch(torch):
    rows = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [1.0, 2.0, 2.0, 1.0, 5.0],
                     [4.0, 4.0, 4.0, 0.0, 0.0], [7.0, 6.0, 5.0, 4.0, 3.0]])
    for a in (rows, rows.T, TIES):
        for dim in (0, 1):
            ours, theirs = gg.mode(gg.tensor(a), dim), torch.mode(torch.tensor(a), dim)
            _same(ours.values, theirs.values)
            _same(ours.indices, theirs.indices)
            _check_grads(torch, lambda x, d=dim: x.mode(d, keepdim=True).values,
                         lambda x, d=dim: x.mode(d, keepdim=True).values, a)
    i = np.array([[3, 3, 1, 1, 2]])
    _same(gg.mode(gg.tensor(i)).values, torch.mode(torch.tensor(i)).values)


def test_cummax_cummin_ties_and_nan_match_torch(torch):
    nan = np.array([[1.0, NAN, 0.0, NAN, 2.0], [2.0, 2.0, 1.0, 2.0, 3.0],
                    [-INF, -INF, 0.0, INF, INF]])
    for a in (TIES, TIES.T, nan):
        for name in ("cummax", "cummin"):
            for dim in (0, 1):
                ours = getattr(gg, name)(gg.tensor(a), dim)
                theirs = getattr(torch, name)(torch.tensor(a), dim)
                _same(ours.values, theirs.values)
                _same(ours.indices, theirs.indices)
                _check_grads(torch, lambda x, n=name, d=dim: getattr(gg, n)(x, d).values,
                             lambda x, n=name, d=dim: getattr(torch, n)(x, d).values, a)


# ------------------------------------------------------------------------------ quantile
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations(torch, interpolation):
    untied = np.random.default_rng(5).standard_normal((4, 9))
    tied = np.round(untied, 0)  # many ties
    q = np.array([0.0, 0.125, 0.5, 0.6, 1.0])
    for kw in ({"dim": 1}, {"dim": 0, "keepdim": True}, {}, {"keepdim": True}):
        for qq in (0.375, q):
            for name in ("quantile", "nanquantile"):
                def ours(x, n=name, qq=qq, k=kw):
                    qt = gg.tensor(qq) if isinstance(qq, np.ndarray) else qq
                    return getattr(gg, n)(x, qt, interpolation=interpolation, **k)

                def theirs(x, n=name, qq=qq, k=kw):
                    qt = torch.tensor(qq) if isinstance(qq, np.ndarray) else qq
                    return getattr(torch, n)(x, qt, interpolation=interpolation, **k)

                _check_grads(torch, ours, theirs, untied)
                # with ties torch's sort (stable=False) picks which tied element gets the
                # gradient in an unspecified order: compare values and gradient totals
                out, ref, g, gt = _grads(torch, ours, theirs, tied)
                _same(out, ref)
                np.testing.assert_allclose(g.data.sum(), gt.sum().item(), rtol=1e-12)


def test_quantile_nan_and_errors(torch):
    a = np.array([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN], [4.0, 0.0, 1.0, 2.0]])
    for name in ("quantile", "nanquantile"):
        _check_grads(torch, lambda x, n=name: getattr(gg, n)(x, 0.4, 1),
                     lambda x, n=name: getattr(torch, n)(x, 0.4, 1), a)
    x = gg.tensor(a)
    with pytest.raises(RuntimeError, match=r"q values must be in the range \[0, 1\]"):
        gg.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match="interpolation"):  # as torch (was ValueError)
        gg.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="floating point"):
        gg.quantile(gg.tensor([1, 2]), 0.5)
    f = gg.tensor(np.array([1.0, 2.0, 4.0], np.float32))
    assert gg.quantile(f, 0.5).dtype == np.float32


# ------------------------------------------------------------------------------ scans
def test_cumsum_cumprod_match_torch(torch, rng):
    a = rng.standard_normal((3, 5))
    for name in ("cumsum", "cumprod", "logcumsumexp"):
        for dim in (0, 1, -1):
            _check_grads(torch, lambda x, n=name, d=dim: getattr(gg, n)(x, d),
                         lambda x, n=name, d=dim: getattr(torch, n)(x, d), a)
        _same(getattr(gg, name)(gg.tensor(1.5), 0), getattr(torch, name)(torch.tensor(1.5), 0))


def _second_derivative(torch, fn_gg, fn_torch, a, seed=1):
    """d/dx of sum(v * d/dx sum(w * fn(x))) in both libraries."""
    r = np.random.default_rng(seed)
    x, xt = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = fn_gg(x), fn_torch(xt)
    w, v = r.standard_normal(out.shape), r.standard_normal(a.shape)
    (g,) = grad((out * w).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((ref * torch.tensor(w)).sum(), xt, create_graph=True)
    (gg2,) = grad((g * v).sum(), x)
    (gt2,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    return g, gt, gg2, gt2


def test_cumprod_gradients_at_zeros_match_torch_to_second_order(torch):
    a = np.array([[2.0, 0.0, 3.0, 0.5, -1.5], [0.0, 0.0, 2.0, 1.0, 3.0],
                  [1.5, -2.0, 0.7, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0, 0.0]])
    for dim in (0, 1):
        g, gt, g2, gt2 = _second_derivative(torch, lambda x, d=dim: gg.cumprod(x, d),
                                            lambda x, d=dim: torch.cumprod(x, d), a)
        _same(g, gt, rtol=1e-10)
        _same(g2, gt2, rtol=1e-10, atol=1e-10)
        x = gg.tensor(a, requires_grad=True)
        assert gradcheck(lambda t, d=dim: gg.cumprod(t, d), (x,))
        assert gradgradcheck(lambda t, d=dim: gg.cumprod(t, d), (x,))


def test_logcumsumexp_large_and_infinite_inputs(torch):
    a = np.array([[1000.0, -1000.0, 999.0, 0.0], [-INF, 1.0, -INF, 2.0], [-50.0, 50.0, 3.0, 3.0]])
    out, ref, g, gt = _grads(torch, lambda x: gg.logcumsumexp(x, 1),
                             lambda x: torch.logcumsumexp(x, 1), a)
    _same(out, ref, rtol=1e-10)
    # at x = -inf torch's formula gives inf - inf = NaN; the gradient there is 0
    _same(g, np.where(a == -INF, 0.0, _np(gt)), rtol=1e-10, atol=1e-12)
    assert not np.isnan(g.data).any()
    finite = np.array([[3.0, -1.0, 2.0, 0.5]])
    g, gt, g2, gt2 = _second_derivative(torch, lambda x: gg.logcumsumexp(x, 1),
                                        lambda x: torch.logcumsumexp(x, 1), finite)
    _same(g2, gt2, rtol=1e-10)


def test_diff_matches_torch(torch, rng):
    a = rng.standard_normal((3, 5))
    pre, app = rng.standard_normal((3, 2)), rng.standard_normal((1, 5))
    for kw in ({}, {"n": 2}, {"n": 3, "dim": 0}, {"n": 0}, {"n": 6}):
        _check_grads(torch, lambda x, k=kw: gg.diff(x, **k), lambda x, k=kw: torch.diff(x, **k),
                     a)
    _same(gg.diff(gg.tensor(a), prepend=gg.tensor(pre), append=gg.tensor(a[:, :1])),
          torch.diff(torch.tensor(a), prepend=torch.tensor(pre), append=torch.tensor(a[:, :1])))
    _same(gg.diff(gg.tensor(a), 2, 0, append=gg.tensor(app)),
          torch.diff(torch.tensor(a), 2, 0, append=torch.tensor(app)))
    _same(gg.tensor([1, 5, 2]).diff(), torch.tensor([1, 5, 2]).diff())
    b = gg.tensor([True, False, False])
    _same(gg.diff(b), torch.diff(torch.tensor([True, False, False])))
    with pytest.raises(RuntimeError):
        gg.diff(gg.tensor(1.0))


# ------------------------------------------------------------------------------ norms
def test_norm_forms_match_torch(torch, rng):
    a = rng.standard_normal((3, 4, 2))
    m = rng.standard_normal((4, 3))
    for p, dim in ((2, None), (1, 1), (INF, (0, 2)), (-INF, 0), ("fro", (1, 2)), ("fro", 1),
                   (3, -1), (0.5, None)):
        _check_grads(torch, lambda x, p=p, d=dim: gg.norm(x, p, d),
                     lambda x, p=p, d=dim: torch.norm(x, p, d), a, rtol=1e-10)
    _check_grads(torch, lambda x: gg.norm(x, "nuc"), lambda x: torch.norm(x, "nuc"), m,
                 rtol=1e-10)
    _check_grads(torch, lambda x: x.norm("nuc", (0, 2), keepdim=True),
                 lambda x: x.norm("nuc", (0, 2), keepdim=True), a, rtol=1e-10)
    _same(gg.norm(gg.tensor(m), 0), torch.norm(torch.tensor(m), 0))
    with pytest.raises(RuntimeError, match="nuc"):
        gg.norm(gg.tensor(a), "nuc")


def test_vector_and_matrix_norm_match_torch(torch, rng):
    a = rng.standard_normal((2, 3, 4))
    for ord in (2, 1, INF, -INF, 3.5, -1):
        for dim in (None, 1, (0, 2)):
            _check_grads(torch, lambda x, o=ord, d=dim: gg.linalg.vector_norm(x, o, d),
                         lambda x, o=ord, d=dim: torch.linalg.vector_norm(x, o, d), a,
                         rtol=1e-10)
    _same(gg.linalg.vector_norm(gg.tensor(a), 0, 1),
          torch.linalg.vector_norm(torch.tensor(a), 0, 1))
    f = gg.tensor(a.astype(np.float32))
    _same(gg.linalg.vector_norm(f, dtype=np.float64),
          torch.linalg.vector_norm(torch.tensor(a.astype(np.float32)), dtype=torch.float64),
          rtol=1e-6)
    for ord in ("fro", "nuc", INF, -INF, 1, -1, 2, -2):
        for kw in ({}, {"dim": (2, 0)}, {"keepdim": True}, {"dim": (-1, 1), "keepdim": True}):
            _check_grads(torch, lambda x, o=ord, k=kw: gg.linalg.matrix_norm(x, o, **k),
                         lambda x, o=ord, k=kw: torch.linalg.matrix_norm(x, o, **k), a,
                         rtol=1e-9, atol=1e-12)
    for ord, dim in ((None, None), (2, None), (INF, 1), ("fro", (0, 1)), (-2, (1, 2))):
        x = a[0] if dim is None and ord is not None else a
        _same(gg.linalg.norm(gg.tensor(x), ord, dim), torch.linalg.norm(torch.tensor(x), ord, dim),
              rtol=1e-10)
    with pytest.raises(RuntimeError, match="matrix_norm"):
        gg.linalg.matrix_norm(gg.tensor(a), 3)
    with pytest.raises(RuntimeError, match="floating point"):
        gg.linalg.vector_norm(gg.tensor([1, 2]))


def test_matrix_norm_svd_orders_second_derivatives_match_torch(torch, rng):
    for shape in ((3, 4), (4, 2), (2, 3, 3)):
        a = rng.standard_normal(shape)
        for ord in ("nuc", 2, -2):
            g, gt, g2, gt2 = _second_derivative(
                torch, lambda x, o=ord: gg.linalg.matrix_norm(x, o),
                lambda x, o=ord: torch.linalg.matrix_norm(x, o), a)
            _same(g, gt, rtol=1e-9, atol=1e-12)
            _same(g2, gt2, rtol=1e-8, atol=1e-10)
            x = gg.tensor(a, requires_grad=True)
            assert gradgradcheck(lambda t, o=ord: gg.linalg.matrix_norm(t, o), (x,))


def test_dist_matches_torch(torch, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    for p in (2, 1, INF, 0, 3):
        x, xt = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, yt = gg.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, ref = gg.dist(x, y, p), torch.dist(xt, yt, p)
        _same(out, ref)
        if p != 0:
            out.backward()
            ref.backward()
            _same(x.grad, xt.grad)
            _same(y.grad, yt.grad)


# ------------------------------------------------------------------------------ second order
def test_value_selecting_ops_are_twice_differentiable(rng):
    x = gg.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    for fn in (lambda t: gg.sort(t, 1).values ** 2, lambda t: gg.topk(t, 2, 0).values ** 3,
               lambda t: gg.cummax(t, 1).values ** 2, lambda t: gg.median(t) ** 2,
               lambda t: gg.quantile(t, 0.3, 1) ** 2, lambda t: gg.msort(t).sin(),
               lambda t: gg.aminmax(t, dim=0).max ** 2, lambda t: gg.diff(t, 2) ** 2,
               lambda t: gg.linalg.vector_norm(t, 3, 1), lambda t: gg.linalg.matrix_norm(t, 1)):
        assert gradgradcheck(fn, (x,))


# ------------------------------------------------------------------------------ unique & co
def test_unique_matches_torch(torch):
    a = np.array([[3, 1, 2, 1], [2, 2, 3, 1], [3, 1, 2, 1]])
    f = np.array([1.0, NAN, 2.0, NAN, 1.0, -0.0, 0.0])
    for x in (a, f):
        for inv in (False, True):
            for cnt in (False, True):
                ours = gg.unique(gg.tensor(x), return_inverse=inv, return_counts=cnt)
                theirs = torch.unique(torch.tensor(x), return_inverse=inv, return_counts=cnt)
                ours = ours if isinstance(ours, tuple) else (ours,)
                theirs = theirs if isinstance(theirs, tuple) else (theirs,)
                assert len(ours) == len(theirs)
                for o, t in zip(ours, theirs):
                    _same(o, t)
    for dim in (0, 1):
        for o, t in zip(gg.unique(gg.tensor(a), dim=dim, return_inverse=True,
                                  return_counts=True),
                        torch.unique(torch.tensor(a), dim=dim, return_inverse=True,
                                     return_counts=True)):
            _same(o, t)
    _same(gg.tensor(a).unique(sorted=False), torch.tensor(a).unique(sorted=False))


def test_unique_consecutive_matches_torch(torch):
    a = np.array([[1, 1, 2, 2, 1, 3], [1, 1, 2, 2, 1, 3], [0, 0, 2, 2, 1, 3]])
    for kw in ({}, {"dim": 0}, {"dim": 1}):
        ours = gg.unique_consecutive(gg.tensor(a), return_inverse=True, return_counts=True, **kw)
        theirs = torch.unique_consecutive(torch.tensor(a), return_inverse=True,
                                          return_counts=True, **kw)
        for o, t in zip(ours, theirs):
            _same(o, t)
    _same(gg.tensor(a[0]).unique_consecutive(), torch.tensor(a[0]).unique_consecutive())


def test_bincount_matches_torch(torch):
    i = np.array([0, 3, 3, 1, 0, 3])
    for w in (None, np.arange(6, dtype=np.float32) / 4, np.arange(6.0), np.arange(6)):
        for minlength in (0, 7):
            ours = gg.bincount(gg.tensor(i), None if w is None else gg.tensor(w), minlength)
            theirs = torch.bincount(torch.tensor(i), None if w is None else torch.tensor(w),
                                    minlength)
            _same(ours, theirs)
    _same(gg.tensor(i).bincount(), torch.tensor(i).bincount())
    with pytest.raises(RuntimeError, match="non-negative"):
        gg.bincount(gg.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="1-D"):
        gg.bincount(gg.tensor([[1]]))


def test_histc_and_histogram_match_torch(torch, rng):
    for dt in (np.float64, np.float32):
        a = rng.standard_normal(200).astype(dt)
        edgy = np.array([0.0, 1.0, 0.1, 0.3, 0.7, 0.9, 1.0, 0.2], dt)
        same = np.array([2.0, 2.0, 2.0], dt)
        for x in (a, edgy, same):
            for kw in ({}, {"bins": 7}, {"bins": 5, "min": -1, "max": 1},
                       {"bins": 3, "min": 0.2, "max": 0.2}):
                _same(gg.histc(gg.tensor(x), **kw), torch.histc(torch.tensor(x), **kw))
            for kw in ({"bins": 4}, {"bins": 10, "range": (-1.0, 1.0)},
                       {"bins": 6, "density": True}, {"bins": 3, "range": (0.2, 0.9)}):
                ours, theirs = gg.histogram(gg.tensor(x), **kw), torch.histogram(
                    torch.tensor(x), **kw)
                _same(ours.hist, theirs.hist, rtol=1e-6)
                _same(ours.bin_edges, theirs.bin_edges, rtol=1e-6)
        edges = np.array([-1.0, -0.2, 0.0, 0.5, 2.0], dt)
        w = rng.uniform(0, 2, 200).astype(dt)
        for density in (False, True):
            ours = gg.histogram(gg.tensor(a), gg.tensor(edges), weight=gg.tensor(w),
                                density=density)
            theirs = torch.histogram(torch.tensor(a), torch.tensor(edges),
                                     weight=torch.tensor(w), density=density)
            _same(ours.hist, theirs.hist, rtol=1e-5)
        _same(gg.tensor(a).histc(4), torch.tensor(a).histc(4))
    with pytest.raises(RuntimeError, match="floating point"):
        gg.histc(gg.tensor([1, 2]))
    with_nan = np.array([1.0, NAN, 2.0])
    for ours, theirs in ((lambda: gg.histc(gg.tensor(with_nan), 3),
                          lambda: torch.histc(torch.tensor(with_nan), 3)),
                         (lambda: gg.histogram(gg.tensor(with_nan), 3),
                          lambda: torch.histogram(torch.tensor(with_nan), 3))):
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises(RuntimeError, match="not finite"):
            ours()
    # NaNs are not counted when the range is given
    _same(gg.histc(gg.tensor(with_nan), 3, 0, 3), torch.histc(torch.tensor(with_nan), 3, 0, 3))


def test_searchsorted_and_bucketize_match_torch(torch, rng):
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
    v = np.array([[0.0, 3.0, 4.0], [7.0, 8.0, 1.0]])
    nd = np.sort(rng.integers(0, 5, (2, 3, 6)), axis=-1)
    nv = rng.integers(-1, 6, (2, 3, 4))
    for kw in ({}, {"right": True}, {"side": "right"}, {"side": "left"},
               {"out_int32": True}):
        _same(gg.searchsorted(gg.tensor(seq), gg.tensor(v), **kw),
              torch.searchsorted(torch.tensor(seq), torch.tensor(v), **kw))
        _same(gg.searchsorted(gg.tensor(nd), gg.tensor(nv), **kw),
              torch.searchsorted(torch.tensor(nd), torch.tensor(nv), **kw))
    _same(gg.searchsorted(gg.tensor(seq), 3.0), torch.searchsorted(torch.tensor(seq), 3.0))
    perm = rng.permutation(5)
    shuffled = seq[perm]
    sorter = np.argsort(shuffled, kind="stable")
    _same(gg.searchsorted(gg.tensor(shuffled), gg.tensor(v), sorter=gg.tensor(sorter)),
          torch.searchsorted(torch.tensor(shuffled), torch.tensor(v),
                             sorter=torch.tensor(sorter)))
    for kw in ({}, {"right": True}, {"out_int32": True}):
        _same(gg.bucketize(gg.tensor(v), gg.tensor(seq), **kw),
              torch.bucketize(torch.tensor(v), torch.tensor(seq), **kw))
    with pytest.raises(RuntimeError):
        gg.searchsorted(gg.tensor(seq), gg.tensor(v), right=True, side="left")
    with pytest.raises(RuntimeError, match="leading dims"):
        gg.searchsorted(gg.tensor(nd), gg.tensor(v))


# ------------------------------------------------------------------------------ errors
def test_errors_use_torch_exception_classes(torch):
    x = gg.tensor(TIES)
    xt = torch.tensor(TIES)
    for ours, theirs in (
        (lambda: gg.kthvalue(x, 8, 1), lambda: torch.kthvalue(xt, 8, 1)),
        (lambda: gg.kthvalue(x, 0, 1), lambda: torch.kthvalue(xt, 0, 1)),
        (lambda: gg.topk(x, 8, 1), lambda: torch.topk(xt, 8, 1)),
        (lambda: gg.sort(x, 2), lambda: torch.sort(xt, 2)),
        (lambda: gg.cumsum(x, -3), lambda: torch.cumsum(xt, -3)),
        (lambda: gg.median(x, 5), lambda: torch.median(xt, 5)),
        (lambda: gg.quantile(x, 2.0), lambda: torch.quantile(xt, 2.0)),
    ):
        with pytest.raises(Exception) as theirs_err:
            theirs()
        with pytest.raises(type(theirs_err.value)):
            ours()
