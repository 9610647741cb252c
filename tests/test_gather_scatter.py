"""Gather, scatter and mask ops of issue 11 beyond the registry, against torch: argument
forms, in-place forms, int dtypes, scatter_reduce's gradients at ties and zeros, double
backward, nonzero and the one-argument where, and errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import grad, gradcheck, gradgradcheck
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(12)


def _same(ours, theirs, exact=False):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, exact)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    if exact:
        np.testing.assert_array_equal(ours._data, theirs.detach().numpy())
    else:
        np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def _leaves(*arrays):
    """Each array as a glassgrad and a torch leaf (floats require grad)."""
    out = []
    for a in arrays:
        a = np.asarray(a)
        rg = a.dtype.kind == "f"
        out.append((gg.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)))
    return out


def _backward_same(out, ref, pairs):
    w = RNG.standard_normal(tuple(ref.shape))
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for ours, theirs in pairs:
        if theirs.requires_grad:
            np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-12,
                                       atol=1e-12)


IDX = np.array([[0, 2, 1, 0], [1, 1, 2, 2]])


# ------------------------------------------------------------------------------ known values
def test_known_values_without_torch():
    x = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.gather(1, gg.tensor([[1, 1], [0, 1]])).tolist() == [[2, 2], [3, 4]]
    assert gg.zeros(3).scatter_add(0, gg.tensor([0, 0, 2]), gg.ones(3)).tolist() == [2, 0, 1]
    got = gg.tensor([1.0, 5.0]).scatter_reduce(0, gg.tensor([0, 0]), gg.tensor([4.0, 3.0]),
                                               "amax")
    assert got.tolist() == [4, 5]
    assert gg.nonzero(gg.tensor([0, 3, 0, 1])).tolist() == [[1], [3]]
    assert gg.where(gg.tensor([[True, False], [False, True]]))[1].tolist() == [0, 1]
    assert x.masked_select(x > 2).tolist() == [3, 4]
    assert gg.take(x, gg.tensor([3, 0])).tolist() == [4, 1]


# ------------------------------------------------------------------------------ gather
@pytest.mark.parametrize("dim,index", [(0, IDX), (1, IDX[:, :2]), (-1, np.zeros((1, 1), int)),
                                       (1, np.array([[3, 1, 0], [0, 0, 0], [1, 2, 3]]))])
def test_gather_matches_torch_and_is_twice_differentiable(dim, index):
    (x, t), = _leaves(RNG.standard_normal((3, 4)))
    out, ref = x.gather(dim, gg.tensor(index)), t.gather(dim, torch.tensor(index))
    _same(out, ref)
    _backward_same(out, ref, [(x, t)])
    _same(gg.gather(x, dim, gg.tensor(index), sparse_grad=True),
          torch.gather(t, dim, torch.tensor(index), sparse_grad=False))
    xs = [gg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)]
    assert gradgradcheck(lambda a: a.gather(dim, gg.tensor(index)) ** 2, xs)


def test_gather_backward_is_a_scatter_add_whose_backward_is_a_gather():
    x = gg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    y = x.gather(0, gg.tensor(IDX))
    (g,) = grad((y * y).sum(), [x], create_graph=True)
    assert g.grad_fn.name == "index_put"  # the scatter-add, recorded for double backward
    tx = torch.tensor(x._data, requires_grad=True)
    ty = tx.gather(0, torch.tensor(IDX))
    (tg,) = torch.autograd.grad((ty * ty).sum(), [tx], create_graph=True)
    w = RNG.standard_normal((3, 4))
    (gx,) = grad((g * gg.tensor(w)).sum(), [x])
    (tgx,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), [tx])
    np.testing.assert_allclose(gx._data, tgx.numpy(), rtol=1e-12)


def test_gather_on_int_and_bool_tensors_and_errors():
    a = RNG.integers(-9, 9, (3, 4))
    _same(gg.tensor(a).gather(0, gg.tensor(IDX)), torch.tensor(a).gather(0, torch.tensor(IDX)),
          exact=True)
    _same(gg.tensor(a > 0).gather(1, gg.tensor(IDX)),
          torch.tensor(a > 0).gather(1, torch.tensor(IDX)), exact=True)
    with pytest.raises(IndexError, match="gather"):
        gg.ones(3, 4).gather(0, gg.tensor([[3]]))
    with pytest.raises(IndexError, match="gather"):  # torch refuses negative indices here
        gg.ones(3, 4).gather(0, gg.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="gather"):
        gg.ones(3, 4).gather(0, gg.tensor([0]))
    with pytest.raises(RuntimeError, match="gather"):
        gg.ones(3, 4).gather(0, gg.tensor([[0.5]]))


@pytest.mark.parametrize("dim,index", [(0, [2, 0, 2]), (1, [3]), (-1, 1), (0, [])])
def test_index_select_matches_torch(dim, index):
    (x, t), = _leaves(RNG.standard_normal((3, 4)))
    idx = np.array(index, dtype=np.int64)
    out, ref = x.index_select(dim, gg.tensor(idx)), torch.index_select(t, dim, torch.tensor(idx))
    _same(out, ref)
    _backward_same(out, ref, [(x, t)])
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(0, gg.tensor([3]))
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(0, gg.tensor([-1]))


def test_take_and_take_along_dim_match_torch():
    (x, t), = _leaves(RNG.standard_normal((3, 4)))
    i = np.array([[11, -12], [0, 0]])
    _same(x.take(gg.tensor(i)), t.take(torch.tensor(i)))
    _same(gg.take(x, gg.tensor(5)), torch.take(t, torch.tensor(5)))
    with pytest.raises(IndexError, match="take"):
        x.take(gg.tensor([12]))
    for idx, dim in [(np.array([[0], [3], [1]]), 1), (np.array([[0, 1, 2, 0]]), 0),
                     (np.array([[3, 0]]), 1), (np.array([[5, 11]]), None),
                     (np.argsort(x._data, 1), 1)]:
        out = gg.take_along_dim(x, gg.tensor(idx), dim)
        ref = torch.take_along_dim(t, torch.tensor(idx), dim)
        _same(out, ref)
        _same(x.take_along_dim(gg.tensor(idx), dim=dim), t.take_along_dim(torch.tensor(idx),
                                                                            dim=dim))
    out, ref = x.take_along_dim(gg.tensor([[3, 0]]), 1), t.take_along_dim(torch.tensor([[3, 0]]),
                                                                            1)
    _backward_same(out, ref, [(x, t)])
    with pytest.raises(RuntimeError, match="take_along_dim"):
        x.take_along_dim(gg.tensor([[0, 1], [0, 1]]), 1)


# ------------------------------------------------------------------------------ scatter
@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_forms_match_torch():
    (x, t), (s, ts) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4)))
    i, ti = gg.tensor(IDX[:, :3] % 3), torch.tensor(IDX[:, :3] % 3)
    _same(x.scatter(0, i, s), t.scatter(0, ti, ts))
    _same(gg.scatter(x, 1, i, src=s), torch.scatter(t, 1, ti, src=ts))
    _same(x.scatter(1, i, 2.5), t.scatter(1, ti, 2.5))
    _same(x.scatter(1, i, value=-1.0), t.scatter(1, ti, value=-1.0))
    for red in ("add", "multiply"):
        _same(x.scatter(1, i, s, reduce=red), t.scatter(1, ti, ts, reduce=red))
        _same(x.scatter(1, i, 2.0, reduce=red), t.scatter(1, ti, 2.0, reduce=red))
    a = RNG.integers(-9, 9, (3, 4))
    _same(gg.tensor(a).scatter(0, gg.tensor(IDX), gg.tensor(a[:2] * 2)),
          torch.tensor(a).scatter(0, torch.tensor(IDX), torch.tensor(a[:2] * 2)), exact=True)
    out, ref = x.scatter_add(0, gg.tensor(IDX), s), t.scatter_add(0, torch.tensor(IDX), ts)
    _same(out, ref)
    _backward_same(out, ref, [(x, t), (s, ts)])


def test_scatter_in_place_forms_are_recorded():
    (x, t), (s, ts) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4)))
    y, u = x * 1, t * 1
    y.scatter_(0, gg.tensor(IDX), s)
    u.scatter_(0, torch.tensor(IDX), ts)
    y.scatter_add_(1, gg.tensor(IDX), s)
    u.scatter_add_(1, torch.tensor(IDX), ts)
    y.scatter_reduce_(0, gg.tensor(IDX), s, "amin", include_self=False)
    u.scatter_reduce_(0, torch.tensor(IDX), ts, "amin", include_self=False)
    _same(y, u)
    _backward_same(y, u, [(x, t), (s, ts)])


REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch_forward_and_backward(reduce, include_self):
    (x, t), (s, ts) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))
    idx = np.array([[0, 2, 1, 0], [1, 1, 2, 2], [0, 0, 0, 2]])
    for dim, index in [(0, idx), (1, idx[:2, :3] % 4)]:
        # src of index's shape: torch's backward fails for a larger src
        k = tuple(slice(0, n) for n in index.shape)
        out = x.scatter_reduce(dim, gg.tensor(index), s[k], reduce, include_self=include_self)
        ref = t.scatter_reduce(dim, torch.tensor(index), ts[k], reduce,
                               include_self=include_self)
        _same(out, ref)
        x.grad = s.grad = t.grad = ts.grad = None
        _backward_same(out, ref, [(x, t), (s, ts)])


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_splits_the_gradient_evenly_among_ties_as_torch(reduce, include_self):
    x0 = np.array([[1.0, 3.0, 2.0], [2.0, 0.0, 5.0]])
    s0 = np.array([[3.0, 3.0, 2.0, 2.0], [5.0, 1.0, 5.0, 5.0]])
    if reduce == "amin":
        x0, s0 = -x0, -s0
    idx = np.array([[1, 1, 0, 2], [2, 0, 2, 2]])
    (x, t), (s, ts) = _leaves(x0, s0)
    out = gg.scatter_reduce(x, 1, gg.tensor(idx), s, reduce, include_self=include_self)
    ref = torch.scatter_reduce(t, 1, torch.tensor(idx), ts, reduce, include_self=include_self)
    _same(out, ref)
    _backward_same(out, ref, [(x, t), (s, ts)])
    gs = s.grad._data
    assert np.any((gs != 0) & (np.abs(gs) < np.abs(gs).max()))  # some grad was split


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros_matches_torch(include_self):
    x0 = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, -2.0]])
    s0 = np.array([[0.0, 4.0, 0.5, 0.0], [2.0, 0.0, 0.0, 3.0]])
    idx = np.array([[0, 1, 1, 2], [2, 1, 0, 0]])
    (x, t), (s, ts) = _leaves(x0, s0)
    out = x.scatter_reduce(1, gg.tensor(idx), s, "prod", include_self=include_self)
    ref = t.scatter_reduce(1, torch.tensor(idx), ts, "prod", include_self=include_self)
    _same(out, ref)
    _backward_same(out, ref, [(x, t), (s, ts)])


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_is_twice_differentiable(reduce):
    idx = gg.tensor(np.array([[0, 2, 1, 0], [1, 1, 2, 2]]))
    xs = [gg.tensor(RNG.standard_normal((3, 4)), requires_grad=True),
          gg.tensor(RNG.standard_normal((2, 4)), requires_grad=True)]
    for incl in (True, False):
        def fn(a, b, incl=incl):
            return a.scatter_reduce(0, idx, b, reduce, include_self=incl) ** 2

        assert gradcheck(fn, xs)
        assert gradgradcheck(fn, xs)


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_on_int_tensors_matches_torch(reduce):
    a = np.array([[1, -2, 3], [4, 5, -6]])
    s = np.array([[7, -8, 9], [10, 11, -13]])
    idx = np.array([[0, 0, 1], [1, 1, 1]])
    for incl in (True, False):
        _same(gg.tensor(a).scatter_reduce(1, gg.tensor(idx), gg.tensor(s), reduce,
                                          include_self=incl),
              torch.tensor(a).scatter_reduce(1, torch.tensor(idx), torch.tensor(s), reduce,
                                             include_self=incl), exact=True)


def test_scatter_reduce_errors():
    with pytest.raises(RuntimeError, match="reduce"):
        gg.ones(3).scatter_reduce(0, gg.tensor([0]), gg.ones(1), "max")
    with pytest.raises(IndexError, match="scatter_reduce"):
        gg.ones(3).scatter_reduce(0, gg.tensor([3]), gg.ones(1), "sum")
    with pytest.raises(RuntimeError, match="src"):
        gg.ones(3, 2).scatter_reduce(0, gg.tensor([[0, 1]]), gg.ones(1, 1), "sum")


# ------------------------------------------------------------------------------ index_*
def test_index_ops_match_torch_in_both_forms():
    (x, t), (s, ts) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal((3, 2)))
    i, ti = gg.tensor([2, 0]), torch.tensor([2, 0])
    out, ref = x.index_copy(1, i, s), t.index_copy(1, ti, ts)
    _same(out, ref)
    _backward_same(out, ref, [(x, t), (s, ts)])
    _same(gg.index_copy(x, 1, i, s), torch.index_copy(t, 1, ti, ts))
    _same(x.index_fill(1, i, -2.0), t.index_fill(1, ti, -2.0))
    _same(x.index_fill(1, gg.tensor([-1]), 3.0), t.index_fill(1, torch.tensor([-1]), 3.0))
    _same(x.index_add(1, i, s, alpha=3), t.index_add(1, ti, ts, alpha=3))
    y, u = x * 1, t * 1
    y.index_copy_(1, i, s)
    u.index_copy_(1, ti, ts)
    _same(y, u)
    with pytest.raises(RuntimeError, match="index_copy"):
        x.index_copy(1, i, gg.ones(3, 3))


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(accumulate):
    (x, t), (v, tv) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal(4))
    rows, cols = np.array([0, 2, 0]), np.array([1, 1, 1])
    for ind, vals in [((rows,), (v, tv)), ((rows, cols), (v[:3], tv[:3])),
                      ((rows, cols), (v[0], tv[0])), ((x._data > 0,), (v[0], tv[0])),
                      ((np.array(1),), (v, tv)), ((np.array(2), np.array([0, 0])),
                                                  (v[1], tv[1]))]:
        gi = tuple(gg.tensor(a) for a in ind)
        tind = tuple(torch.tensor(a) for a in ind)
        out = x.index_put(gi, vals[0], accumulate=accumulate)
        ref = t.index_put(tind, vals[1], accumulate=accumulate)
        _same(out, ref)
        x.grad = v.grad = t.grad = tv.grad = None
        _backward_same(out, ref, [(x, t), (v, tv)])
    y, u = x * 1, t * 1
    y.index_put_((gg.tensor(rows),), v, accumulate)
    u.index_put_((torch.tensor(rows),), tv, accumulate)
    _same(y, u)
    with pytest.raises(TypeError, match="index_put"):
        x.index_put(gg.tensor(rows), v)


# ------------------------------------------------------------------------------ masks
def test_masked_select_and_scatter_match_torch():
    (x, t), (s, ts) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal((4, 4)))
    m = RNG.standard_normal((3, 4)) > 0
    gm, tm = gg.tensor(m), torch.tensor(m)
    for mask, tmask in [(gm, tm), (gm[0], tm[0]), (gg.tensor(True), torch.tensor(True))]:
        out, ref = x.masked_select(mask), t.masked_select(tmask)
        _same(out, ref)
        _same(gg.masked_select(x, mask), torch.masked_select(t, tmask))
        out, ref = x.masked_scatter(mask, s), t.masked_scatter(tmask, ts)
        _same(out, ref)
        x.grad = s.grad = t.grad = ts.grad = None
        _backward_same(out, ref, [(x, t), (s, ts)])
    y, u = x * 1, t * 1
    y.masked_scatter_(gm, s)
    u.masked_scatter_(tm, ts)
    _same(y, u)
    with pytest.raises(RuntimeError, match="bool"):
        x.masked_select(gg.tensor(m.astype(int)))
    with pytest.raises(RuntimeError, match="masked_scatter"):
        x.masked_scatter(gm, gg.ones(1))
    _same(x[0].masked_select(gm), t[0].masked_select(tm))  # x broadcast to the mask


def test_masked_fill_keeps_working_in_both_forms():
    (x, t), = _leaves(RNG.standard_normal((3, 4)))
    m = x._data > 0
    _same(x.masked_fill(gg.tensor(m), 0.5), t.masked_fill(torch.tensor(m), 0.5))
    _same(gg.masked_fill(x, gg.tensor(m[0]), -1.0), torch.masked_fill(t, torch.tensor(m[0]),
                                                                      -1.0))


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2), (0, 3)])
def test_nonzero_argwhere_and_one_argument_where_match_torch(shape):
    a = RNG.integers(-1, 2, shape).astype(np.float64)
    x, t = gg.tensor(a), torch.tensor(a)
    _same(gg.nonzero(x), torch.nonzero(t), exact=True)
    _same(x.nonzero(), t.nonzero(), exact=True)
    _same(x.nonzero(as_tuple=True), t.nonzero(as_tuple=True), exact=True)
    _same(gg.argwhere(x), torch.argwhere(t), exact=True)
    _same(x.argwhere(), t.argwhere(), exact=True)
    _same(gg.where(x > 0), torch.where(t > 0), exact=True)


def test_where_three_argument_and_method_forms_still_work():
    (x, t), (y, u) = _leaves(RNG.standard_normal((3, 4)), RNG.standard_normal(4))
    c = x._data > 0
    out, ref = gg.where(gg.tensor(c), x, y), torch.where(torch.tensor(c), t, u)
    _same(out, ref)
    _backward_same(out, ref, [(x, t), (y, u)])
    _same(x.where(gg.tensor(c), y), t.where(torch.tensor(c), u))
    _same(x.where(gg.tensor(c), 0.0), t.where(torch.tensor(c), 0.0))
    _same(gg.where(gg.tensor(c), 1.0, 0.0), torch.where(torch.tensor(c), 1.0, 0.0))
    with pytest.raises(TypeError, match="where"):
        gg.where(gg.tensor(c), x)
