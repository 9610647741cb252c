"""Shape ops of issue 11 beyond the registry: triangles and diagonals, reordering,
repetition and splitting, stacking, broadcasting and einsum, against torch: argument forms,
function and method forms, int dtypes, views, errors, and gradients of the composite ops."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import gradcheck, gradgradcheck
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(11)


def _pair(shape, dtype=np.float64, requires_grad=True):
    """The same random tensor in glassgrad and torch."""
    a = RNG.standard_normal(shape).astype(dtype)
    if np.dtype(dtype).kind in "iub":
        a = RNG.integers(-5, 5, shape).astype(dtype)
        requires_grad = False
    return (gg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(ours, theirs, exact=False):
    """Same shape, dtype and values (recursing into tuples and lists)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b, exact)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    want = theirs.detach().numpy()
    if exact:
        np.testing.assert_array_equal(ours._data, want)
    else:
        np.testing.assert_allclose(ours._data, want, rtol=1e-12,
                                   atol=1e-12)


def _grads_match(fn_ours, fn_theirs, *shapes):
    """fn on the same random inputs: same output, and same gradients for random weights."""
    pairs = [_pair(s) for s in shapes]
    out = fn_ours(*(p[0] for p in pairs))
    ref = fn_theirs(*(p[1] for p in pairs))
    _same(out, ref)
    w = RNG.standard_normal(tuple(ref.shape))
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.grad.data.numpy(), theirs.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


def _checks_twice(fn, *shapes):
    xs = [gg.tensor(RNG.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


# ------------------------------------------------------------------------------ known values
def test_known_values_without_torch():
    x = gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.tril().tolist() == [[1, 0, 0], [4, 5, 0]]
    assert gg.triu(x, 1).tolist() == [[0, 2, 3], [0, 0, 6]]
    assert gg.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert gg.diag(gg.tensor([1.0, 2.0])).tolist() == [[1, 0], [0, 2]]
    assert x.trace().item() == 6.0
    assert gg.roll(gg.arange(5), 2).tolist() == [3, 4, 0, 1, 2]
    assert gg.rot90(x).tolist() == [[3, 6], [2, 5], [1, 4]]
    assert gg.repeat_interleave(gg.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    assert gg.tensor([1, 2]).repeat_interleave(2).tolist() == [1, 1, 2, 2]
    assert [p.tolist() for p in gg.arange(5).tensor_split(3)] == [[0, 1], [2, 3], [4]]
    assert gg.arange(5.0).unfold(0, 2, 2).tolist() == [[0, 1], [2, 3]]
    assert gg.combinations(gg.tensor([1, 2, 3])).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert gg.einsum("ij->j", x).tolist() == [5, 7, 9]
    assert gg.broadcast_shapes((3, 1), (4,)) == (3, 4)


# ------------------------------------------------------------------------------ triangles
@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [-2, 0, 1, 5])
def test_triangles_match_torch_in_every_form(name, diagonal):
    x, t = _pair((2, 3, 4))
    _same(getattr(x, name)(diagonal), getattr(t, name)(diagonal))
    _same(getattr(gg, name)(x, diagonal=diagonal), getattr(torch, name)(t, diagonal=diagonal))
    xi, ti = _pair((3, 4), np.int32)
    _same(getattr(xi, name)(diagonal), getattr(ti, name)(diagonal), exact=True)
    xb, tb = xi > 0, ti > 0
    _same(getattr(xb, name)(diagonal), getattr(tb, name)(diagonal), exact=True)


def test_triangle_in_place_is_recorded_and_its_gradient_selects():
    x, t = _pair((3, 3))
    y, u = x * 2, t * 2
    y.tril_(-1)
    u.tril_(-1)
    _same(y, u)
    y.backward(gg.tensor(np.full((3, 3), np.inf)))
    g = x.grad.data.numpy()
    assert np.all(g[np.triu_indices(3)] == 0)  # selected away: 0, not inf * 0 = NaN
    z = gg.ones(3, 3)
    z.triu_()
    assert z.tolist() == [[1, 1, 1], [0, 1, 1], [0, 0, 1]]


@pytest.mark.parametrize("row,col,offset", [(3, 3, 0), (4, 3, 1), (3, 5, -1), (0, 3, 0),
                                            (2, 2, 5), (3, 2, -4)])
def test_triangle_indices_match_torch(row, col, offset):
    _same(gg.tril_indices(row, col, offset), torch.tril_indices(row, col, offset), exact=True)
    _same(gg.triu_indices(row, col, offset), torch.triu_indices(row, col, offset), exact=True)


@pytest.mark.parametrize("shape,k", [((4,), 0), ((4,), 2), ((3,), -1), ((3, 4), 0),
                                     ((3, 4), 2), ((4, 3), -1), ((1,), 0)])
def test_diag_both_ways_matches_torch_with_gradients(shape, k):
    _grads_match(lambda x: gg.diag(x, k), lambda t: torch.diag(t, k), shape)
    _grads_match(lambda x: x.diagflat(k), lambda t: t.diagflat(k), shape)
    _checks_twice(lambda x: gg.diag(x, k), shape)


def test_diag_of_a_matrix_is_a_copy_and_diag_embed_places_the_last_dim():
    x = gg.zeros(3, 3)
    d = gg.diag(x)
    d += 1
    assert x.sum().item() == 0.0
    x, t = _pair((2, 3, 4))
    for kw in [{}, {"offset": 1, "dim1": 0, "dim2": 2}, {"offset": -2, "dim1": -1, "dim2": 1}]:
        _same(gg.diag_embed(x, **kw), torch.diag_embed(t, **kw))
        _same(x.diag_embed(**kw), t.diag_embed(**kw))
    xi, ti = _pair((2, 3), np.int64)
    _same(xi.diag_embed(), ti.diag_embed(), exact=True)


def test_trace_matches_torch_with_dtypes_and_double_backward():
    _grads_match(lambda x: x.trace(), lambda t: t.trace(), (3, 4))
    for dtype in (np.int32, np.int64):
        xi, ti = _pair((3, 3), dtype)
        _same(gg.trace(xi), torch.trace(ti), exact=True)
    _checks_twice(lambda x: gg.trace(x) * gg.trace(x), (3, 3))
    with pytest.raises(RuntimeError, match="trace"):
        gg.trace(gg.ones(2, 2, 2))


def test_triangle_and_diag_errors():
    with pytest.raises(RuntimeError, match="tril.*2 dims"):
        gg.tril(gg.ones(3))
    with pytest.raises(RuntimeError, match="diag.*1-D or 2-D"):
        gg.diag(gg.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="diag_embed.*same dim"):
        gg.diag_embed(gg.ones(3), 0, 0, -2)


def test_block_diag_matches_torch_with_dtypes():
    a, ta = _pair((2, 3))
    b, tb = _pair((3,))
    c, tc = _pair(())
    _same(gg.block_diag(a, b, c), torch.block_diag(ta, tb, tc))
    i, ti = _pair((2, 2), np.int32)
    _same(gg.block_diag(i, b), torch.block_diag(ti, tb))  # promoted like cat
    _same(gg.block_diag(i, i), torch.block_diag(ti, ti), exact=True)
    with pytest.raises(RuntimeError, match="block_diag"):
        gg.block_diag(gg.ones(1, 1, 1))


# ------------------------------------------------------------------------------ reordering
@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0), (0, 2)])
def test_rot90_matches_torch_with_gradients(k, dims):
    _grads_match(lambda x: x.rot90(k, dims), lambda t: t.rot90(k, dims), (2, 3, 4))


def test_rot90_and_flips_errors_and_double_backward():
    with pytest.raises(RuntimeError, match="rot90"):
        gg.rot90(gg.ones(3))
    with pytest.raises(RuntimeError, match="rot90"):
        gg.rot90(gg.ones(3, 3), 1, (0, 0))
    with pytest.raises(RuntimeError, match="fliplr"):
        gg.fliplr(gg.ones(3))
    with pytest.raises(RuntimeError, match="flipud"):
        gg.flipud(gg.tensor(1.0))
    _checks_twice(lambda x: gg.rot90(x, 1, (0, 1)) ** 2, (2, 3))


@pytest.mark.parametrize("name", ["fliplr", "flipud"])
def test_fliplr_flipud_match_torch(name):
    _grads_match(lambda x: getattr(x, name)(), lambda t: getattr(t, name)(), (3, 4, 2))
    _grads_match(lambda x: getattr(gg, name)(x), lambda t: getattr(torch, name)(t), (3, 2))


@pytest.mark.parametrize("shifts,dims", [(2, None), (-7, None), (1, 0), ((1, -2), (0, -1)),
                                         ((3,), (2,)), (0, 1)])
def test_roll_matches_torch(shifts, dims):
    _grads_match(lambda x: gg.roll(x, shifts, dims), lambda t: torch.roll(t, shifts, dims),
                 (2, 3, 4))
    xi, ti = _pair((3, 4), np.int64)
    _same(xi.roll(shifts, dims if dims != 2 and dims != (2,) else 1),
          ti.roll(shifts, dims if dims != 2 and dims != (2,) else 1), exact=True)


def test_roll_errors():
    with pytest.raises(RuntimeError, match="roll"):
        gg.roll(gg.ones(3, 3), (1, 2))
    with pytest.raises(RuntimeError, match="roll"):
        gg.roll(gg.ones(3, 3), (1, 2), 0)
    with pytest.raises(IndexError, match="roll"):
        gg.roll(gg.ones(3, 3), 1, 2)


@pytest.mark.parametrize("src,dst", [(0, 2), (-1, 0), ((0, 1), (2, 0)), ([2], [0])])
def test_movedim_moveaxis_match_torch_and_are_views(src, dst):
    x, t = _pair((2, 3, 4))
    for name in ("movedim", "moveaxis"):
        _same(getattr(x, name)(src, dst), getattr(t, name)(src, dst))
        _same(getattr(gg, name)(x, src, dst), getattr(torch, name)(t, src, dst))
    y = gg.zeros(2, 3, 4)
    v = y.movedim(src, dst)
    v += 1
    assert y.sum().item() == 24.0


@pytest.mark.parametrize("name", ["swapaxes", "swapdims"])
def test_swapaxes_swapdims_match_torch_and_are_views(name):
    x, t = _pair((2, 3, 4))
    _same(getattr(x, name)(0, -1), getattr(t, name)(0, -1))
    _same(getattr(gg, name)(x, 1, 2), getattr(torch, name)(t, 1, 2))
    y = gg.zeros(2, 3)
    getattr(y, name)(0, 1)[0, 1] = 5.0
    assert y[1, 0].item() == 5.0


# ------------------------------------------------------------------------------ repetition
@pytest.mark.parametrize("sizes", [(2, 1), (1, 3, 2), (2, 2, 1, 1)])
def test_repeat_matches_torch(sizes):
    _grads_match(lambda x: x.repeat(*sizes), lambda t: t.repeat(*sizes), (2, 3))
    _grads_match(lambda x: x.repeat(sizes), lambda t: t.repeat(sizes), (1, 3))


@pytest.mark.parametrize("dims", [(2,), (2, 1), (1, 2, 3), [3], 2])
def test_tile_matches_torch(dims):
    _grads_match(lambda x: x.tile(dims), lambda t: t.tile(dims if dims != 2 else (2,)), (2, 3))
    _grads_match(lambda x: gg.tile(x, dims), lambda t: torch.tile(t, dims if dims != 2 else (2,)),
                 (3,))


@pytest.mark.parametrize("kw", [{"repeats": 2}, {"repeats": 3, "dim": 1},
                                {"repeats": [1, 0, 2], "dim": 0},
                                {"repeats": [2], "dim": -1},
                                {"repeats": [1, 2, 0, 1, 1, 3]},
                                {"repeats": 2, "dim": 0, "output_size": 6}])
def test_repeat_interleave_matches_torch(kw):
    k_ours = {n: gg.tensor(v) if isinstance(v, list) else v for n, v in kw.items()}
    k_torch = {n: torch.tensor(v) if isinstance(v, list) else v for n, v in kw.items()}
    _grads_match(lambda x: x.repeat_interleave(**k_ours),
                 lambda t: t.repeat_interleave(**k_torch), (3, 2))
    xi, ti = _pair((3, 2), np.int32)
    _same(gg.repeat_interleave(xi, **k_ours), torch.repeat_interleave(ti, **k_torch),
          exact=True)


def test_repeat_interleave_one_argument_form_and_errors():
    _same(gg.repeat_interleave(gg.tensor([3, 0, 1, 2])),
          torch.repeat_interleave(torch.tensor([3, 0, 1, 2])), exact=True)
    with pytest.raises(RuntimeError, match="repeat_interleave"):
        gg.ones(3).repeat_interleave(gg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="repeat_interleave"):
        gg.ones(3).repeat_interleave(-1)
    with pytest.raises(RuntimeError, match="output_size"):
        gg.ones(3).repeat_interleave(2, output_size=5)


@pytest.mark.parametrize("arg", [3, 4, 1, [1, 3], [0, 5], [-1], [2, 1], []])
@pytest.mark.parametrize("dim", [0, -1])
def test_tensor_split_matches_torch_and_gives_views(arg, dim):
    x, t = _pair((4, 3))
    _same(x.tensor_split(arg, dim), t.tensor_split(arg, dim))
    _same(gg.tensor_split(x, arg, dim=dim), torch.tensor_split(t, arg, dim=dim))
    idx = np.array(arg, dtype=np.int64)
    _same(gg.tensor_split(x, gg.tensor(idx), dim), torch.tensor_split(t, torch.tensor(idx), dim))
    y = gg.zeros(4, 3)
    pieces = y.tensor_split(arg, dim)
    pieces[0].add_(1.0)
    assert y.sum().item() == pieces[0].numel()
    with pytest.raises(RuntimeError, match="tensor_split"):
        gg.ones(3).tensor_split(0)


@pytest.mark.parametrize("shape,dim,size,step", [((7,), 0, 3, 2), ((2, 5, 3), 1, 2, 1),
                                                 ((4, 1), -1, 1, 3), ((), 0, 1, 1),
                                                 ((5, 2), 0, 5, 1), ((5,), 0, 0, 1)])
def test_unfold_matches_torch_and_is_a_view(shape, dim, size, step):
    _grads_match(lambda x: x.unfold(dim, size, step), lambda t: t.unfold(dim, size, step),
                 shape)
    y = gg.zeros(6, 2)
    w = y.unfold(0, 2, 2)
    w.add_(1.0)  # a view: the base changes, and its version with it
    assert y.sum().item() == 12.0
    assert w._version is y._version


def test_unfold_view_catches_an_in_place_change_of_the_base():
    x = gg.tensor(RNG.standard_normal(6), requires_grad=True)
    y = x * 1
    w = y.unfold(0, 3, 1)
    out = (w ** 2).sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


def test_unfold_errors():
    with pytest.raises(RuntimeError, match="unfold"):
        gg.ones(3).unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="step"):
        gg.ones(3).unfold(0, 2, 0)


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_matches_torch_for_one_or_several_tensors(name):
    shapes = [(), (2,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]
    pairs = [_pair(s) for s in shapes]
    fn, ref = getattr(gg, name), getattr(torch, name)
    for x, t in pairs:
        _same(fn(x), ref(t))
    _same(fn(*(p[0] for p in pairs)), ref(*(p[1] for p in pairs)))
    _same(fn([p[0] for p in pairs]), ref([p[1] for p in pairs]))
    x = gg.zeros(3)
    v = fn(x)
    v += 1  # a view
    assert x.sum().item() == 3.0


# ------------------------------------------------------------------------------ stacking
@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(), ()], [(2, 3, 1)] * 2,
                                    [(3,), (3,), (3,)]])
def test_stacking_matches_torch(name, shapes):
    fn, ref = getattr(gg, name), getattr(torch, name)
    try:
        want = ref([torch.zeros(s) for s in shapes])
    except RuntimeError:
        with pytest.raises(RuntimeError):
            fn([gg.zeros(s) for s in shapes])
        return
    assert tuple(fn([gg.zeros(s) for s in shapes]).shape) == tuple(want.shape)
    pairs = [_pair(s) for s in shapes]
    out, r = fn([p[0] for p in pairs]), ref([p[1] for p in pairs])
    _same(out, r)
    w = RNG.standard_normal(tuple(r.shape))
    (out * gg.tensor(w)).sum().backward()
    (r * torch.tensor(w)).sum().backward()
    for x, t in pairs:
        np.testing.assert_allclose(x.grad.data.numpy(), t.grad.numpy())


def test_stacking_mixed_shapes_and_dtypes():
    a, ta = _pair((2,))
    b, tb = _pair((2, 3))
    _same(gg.column_stack([a, b]), torch.column_stack([ta, tb]))
    i, ti = _pair((2, 3), np.int32)
    j, tj = _pair((2, 3), np.int64)
    _same(gg.vstack([i, j]), torch.vstack([ti, tj]), exact=True)
    _same(gg.hstack((i, b)), torch.hstack((ti, tb)))


def test_cartesian_prod_and_combinations_match_torch():
    a, ta = _pair((3,))
    b, tb = _pair((2,))
    _grads_match(lambda x, y: gg.cartesian_prod(x, y), lambda s, u: torch.cartesian_prod(s, u),
                 (3,), (2,))
    _same(gg.cartesian_prod(a), torch.cartesian_prod(ta))
    _same(gg.cartesian_prod(a, b, a), torch.cartesian_prod(ta, tb, ta))
    for r in range(5):
        for rep in (False, True):
            _same(gg.combinations(a, r, rep), torch.combinations(ta, r, rep))
            _same(gg.combinations(a, r=r, with_replacement=rep),
                  torch.combinations(ta, r=r, with_replacement=rep))
    i, ti = _pair((4,), np.int64)
    _same(gg.combinations(i, 3), torch.combinations(ti, 3), exact=True)
    _checks_twice(lambda x: gg.combinations(x, 2).prod(1), (4,))


# ------------------------------------------------------------------------------ broadcasting
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch_and_gives_views(indexing):
    pairs = [_pair((3,)), _pair((2,)), _pair(())]
    _same(gg.meshgrid(*(p[0] for p in pairs), indexing=indexing),
          torch.meshgrid(*(p[1] for p in pairs), indexing=indexing))
    _same(gg.meshgrid([p[0] for p in pairs[:2]], indexing=indexing),
          torch.meshgrid([p[1] for p in pairs[:2]], indexing=indexing))
    _same(gg.meshgrid(pairs[0][0], indexing=indexing),
          torch.meshgrid(pairs[0][1], indexing=indexing))
    out = gg.meshgrid(pairs[0][0], pairs[1][0], indexing=indexing)
    ref = torch.meshgrid(pairs[0][1], pairs[1][1], indexing=indexing)
    w = RNG.standard_normal(tuple(ref[0].shape))
    (out[0] * out[1] * gg.tensor(w)).sum().backward()
    (ref[0] * ref[1] * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(pairs[0][0].grad.data.numpy(), pairs[0][1].grad.numpy())
    np.testing.assert_allclose(pairs[1][0].grad.data.numpy(), pairs[1][1].grad.numpy())


def test_meshgrid_warns_without_indexing_like_torch_and_defaults_to_ij():
    with pytest.warns(UserWarning, match="indexing"):
        a, b = gg.meshgrid(gg.arange(3), gg.arange(2))
    assert tuple(a.shape) == (3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gg.meshgrid(gg.arange(3), gg.arange(2), indexing="xy")
    with pytest.raises(ValueError, match="indexing"):
        gg.meshgrid(gg.arange(3), indexing="yx")
    with pytest.raises(RuntimeError, match="meshgrid"):
        gg.meshgrid(gg.ones(2, 2), indexing="ij")


def test_broadcast_tensors_shapes_and_to():
    pairs = [_pair((3, 1)), _pair((4,)), _pair((2, 1, 1))]
    _same(gg.broadcast_tensors(*(p[0] for p in pairs)),
          torch.broadcast_tensors(*(p[1] for p in pairs)))
    assert gg.broadcast_shapes((3, 1), 4, (2, 1, 1)) == tuple(
        torch.broadcast_shapes((3, 1), 4, (2, 1, 1)))
    assert gg.broadcast_shapes() == ()
    with pytest.raises(RuntimeError, match="broadcast"):
        gg.broadcast_shapes((3,), (4,))
    x, t = pairs[0]
    _same(x.broadcast_to((2, 3, 5)), t.broadcast_to((2, 3, 5)))
    _grads_match(lambda x: x.broadcast_to((2, 3, 4)) * 1, lambda t: t.broadcast_to((2, 3, 4)) * 1,
                 (3, 1))
    y = gg.zeros(3, 1)
    assert y.broadcast_to((3, 4))._version is y._version
    v = gg.broadcast_tensors(y, gg.zeros(4))[0]
    assert v._version is y._version


# ------------------------------------------------------------------------------ squeeze
@pytest.mark.parametrize("dim", [(0, 2), (0, 1), (-1, -3), (), 1, None])
def test_squeeze_with_a_tuple_of_dims_matches_torch(dim):
    x, t = _pair((1, 3, 1))
    args = () if dim is None else (dim,)
    _same(x.squeeze(*args), t.squeeze(*args))
    _same(gg.squeeze(x, *args), torch.squeeze(t, *args))
    y = gg.zeros(1, 3, 1)
    y.squeeze(*args).add_(1)
    assert y.sum().item() == 3.0


# ------------------------------------------------------------------------------ einsum
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3),
                                                                                 (2, 3, 4)]),
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("iij->j", [(2, 2, 4)]), ("ijij->ij", [(2, 3, 2, 3)]),
    ("...ij->...ji", [(2, 3, 4)]), ("...ij->ij", [(5, 2, 3)]), ("a...,...b", [(2, 3, 4), (4, 5)]),
    ("...a,...a->...", [(2, 1, 4), (3, 4)]), ("i,j->ij", [(3,), (4,)]), ("i,i->", [(3,), (3,)]),
    ("ij->", [(2, 3)]), ("ik,j->ij", [(2, 5), (3,)]), (",i->i", [(), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("bA,ab", [(2, 3), (3, 2)]),
    ("Ba,aB", [(2, 3), (3, 2)]), ("ij,ij->ij", [(3, 1), (3, 4)]), ("i j , j k -> i k",
                                                                    [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EQUATIONS)
def test_einsum_matches_torch_with_gradients_of_both_orders(eq, shapes):
    _grads_match(lambda *xs: gg.einsum(eq, *xs), lambda *ts: torch.einsum(eq, *ts), *shapes)
    _checks_twice(lambda *xs: gg.einsum(eq, *xs), *shapes)


def test_einsum_argument_forms_dtypes_and_errors():
    a, ta = _pair((2, 3))
    b, tb = _pair((3, 4))
    _same(gg.einsum("ij,jk", [a, b]), torch.einsum("ij,jk", [ta, tb]))
    _same(gg.einsum("ij,jk", (a, b)), torch.einsum("ij,jk", (ta, tb)))
    _same(gg.einsum(a, [0, 1], b, [1, 2], [0, 2]), torch.einsum(ta, [0, 1], tb, [1, 2], [0, 2]))
    _same(gg.einsum(a, [0, Ellipsis], b, [Ellipsis, 2]),
          torch.einsum(ta, [0, Ellipsis], tb, [Ellipsis, 2]))
    i, ti = _pair((2, 3), np.int64)
    _same(gg.einsum("ij->j", i), torch.einsum("ij->j", ti), exact=True)
    f32 = gg.tensor(RNG.standard_normal((2, 3)).astype(np.float32))
    assert gg.einsum("ij->i", f32).dtype == gg.float32
    for eq, ops in [("ij->ii", [a]), ("ij,jk->ik", [a]), ("ij->k", [a]), ("i->i", [a]),
                    ("ij,jk->ik", [a, a])]:
        with pytest.raises(RuntimeError, match="einsum"):
            gg.einsum(eq, *ops)
        with pytest.raises(RuntimeError):
            torch.einsum(eq, *[torch.zeros(tuple(o.shape)) for o in ops])
    with pytest.raises(RuntimeError, match="einsum"):
        gg.einsum("ii", gg.ones(2, 3))
    with pytest.raises(RuntimeError, match="einsum"):
        gg.einsum("i,i", gg.ones(2), gg.ones(3))


def test_numpy_functions_on_tensors_route_to_these_ops():
    y = gg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = np.roll(y, 1) + np.tile(y, (1, 1)) + np.take_along_axis(y, np.array([[0], [1]]), 1)
    assert isinstance(out, gg.Tensor) and out.requires_grad
    assert np.trace(gg.ones(3, 3)).item() == 3.0
    assert gg.tril_indices(3, 3, dtype=gg.int32).dtype == gg.int32
