"""Movement ops beyond the registry's gradchecks: indexing rules, split sizing, pad order,
errors, views sharing version counters, __setitem__, double backward through indexing."""

from types import SimpleNamespace

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import grad
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(0)


def _pair(shape, dtype=np.float64):
    """The same random leaf in glassgrad and torch."""
    a = RNG.standard_normal(shape).astype(dtype)
    return gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _backward_both(out, ref):
    """Backward with the same random weights on both sides (not ones: catches transposes)."""
    w = RNG.standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()


def _same(ours, theirs):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ indexing
def test_repeated_index_adds_up_gradients():
    x = gg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 2], [1, 1], [0, 0]])


@pytest.mark.parametrize("index", [
    [2, 0, 2, 2], (slice(None), [1, -1, 1]), ([[0], [2]], [1, 1, 3]),
    ([0, 1, 1], slice(None), [2, 0, 2]), (0, slice(None), [0, 1, 0]), (Ellipsis, [3, 3]),
    (slice(1, None), None, [0, 0]),
])
def test_advanced_index_matches_torch(index):
    shape = (2, 3, 4) if isinstance(index, tuple) and len(index) == 3 else (3, 4)
    x, xt = _pair(shape)
    out, ref = x[index], xt[index]
    assert out.shape == tuple(ref.shape)
    _same(out, ref)
    _backward_both(out, ref)
    _same(x.grad, xt.grad)


def test_int_tensor_index_with_repeats():
    x, xt = _pair((4, 3))
    idx = gg.tensor([[3, 0], [3, 3]])
    out, ref = x[idx], xt[torch.tensor(idx.numpy())]
    assert out.shape == (2, 2, 3)
    _backward_both(out, ref)
    _same(x.grad, xt.grad)
    np.testing.assert_allclose(x.grad.data[1:3], 0.0)


def test_int_then_array_follows_torch_not_numpy():
    x = gg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert x[0, :, [0, 1]].shape == (3, 2)  # numpy would give (2, 3)
    np.testing.assert_array_equal(x[0, :, [0, 1]].data, x.data[0][:, [0, 1]])


@pytest.mark.parametrize("as_tensor", [False, True])
def test_bool_mask(as_tensor):
    x, xt = _pair((3, 4))
    mask = x.detach().numpy() > 0
    m = gg.tensor(mask) if as_tensor else mask
    out, ref = x[m], xt[torch.tensor(mask)]
    assert out.dtype == x.dtype and out.shape == (int(mask.sum()),)
    _same(out, ref)
    _backward_both(out, ref)
    _same(x.grad, xt.grad)
    assert np.all(x.grad.data[~mask] == 0)


def test_bool_mask_on_leading_dims_and_scalar_bool():
    x, xt = _pair((3, 2))
    rows = np.array([True, False, True])
    _same(x[rows, 1], xt[torch.tensor(rows), 1])
    assert x[True].shape == tuple(xt[True].shape) == (1, 3, 2)


def test_basic_index_is_a_view_and_0d_pick_stays_an_array():
    x = gg.tensor(np.arange(12.0).reshape(3, 4))
    y = x[1, 2]
    assert y.shape == () and np.shares_memory(y.numpy(), x.numpy())
    assert np.shares_memory(x[:, 1::2].numpy(), x.numpy())
    assert not np.shares_memory(x[[0, 1]].data, x.data)


def test_index_errors_name_index_dim_and_size():
    x = gg.zeros(2, 3)
    with pytest.raises(IndexError, match=r"index 3 is out of range for dim 1 with size 3"):
        x[0, 3]
    with pytest.raises(IndexError, match=r"index -3 is out of range for dim 0 with size 2"):
        x[[0, -3]]
    with pytest.raises(IndexError, match=r"index 5 is out of range for dim 0 with size 2"):
        x[gg.tensor([1, 5])]
    with pytest.raises(IndexError, match=r"too many indices.*\(2, 3\)"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"boolean mask of shape \(3,\)"):
        x[np.array([True, False, True])]
    with pytest.raises(IndexError, match="must be long, int or bool"):
        x[gg.tensor([0.0])]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]


def test_iteration_unbinds_dim_0():
    x, xt = _pair((3, 2))
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 2], [0, 0], [1, 1]])
    with pytest.raises(TypeError, match="0-d"):
        iter(gg.tensor(1.0))


# ------------------------------------------------------------------------------ double backward
@pytest.mark.parametrize("index", [[0, 0, 2], (slice(None), 1), np.array([True, False, True])])
def test_second_derivative_through_indexing_matches_torch(index):
    x, xt = _pair((3, 4))
    ti = torch.tensor(index) if isinstance(index, np.ndarray) else index
    (g,) = grad((x[index] ** 3).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((xt[ti] ** 3).sum(), xt, create_graph=True)
    _same(g, gt)
    _backward_both(g, gt)
    _same(x.grad, xt.grad)


@pytest.mark.parametrize("make", [
    lambda m, x: m.cat([x, x[:1] * 2], 0),
    lambda m, x: m.stack([x, x * x], 1),
    lambda m, x: m.pad(x, (1, -1, 2, 0)),
    lambda m, x: m.pad(x.unsqueeze(0), (2, 1), mode="reflect"),
    lambda m, x: x.T.flip(0).repeat(2, 1).mT,
])
def test_second_derivative_through_movement_matches_torch(make):
    x, xt = _pair((2, 3))
    ours = SimpleNamespace(cat=gg.cat, stack=gg.stack, pad=F.pad)
    theirs = SimpleNamespace(cat=torch.cat, stack=torch.stack, pad=torch.nn.functional.pad)
    out, ref = make(ours, x), make(theirs, xt)
    (g,) = grad((out ** 3).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((ref ** 3).sum(), xt, create_graph=True)
    _same(g, gt)
    _backward_both(g, gt)
    _same(x.grad, xt.grad)


# ------------------------------------------------------------------------------ split, chunk
def test_chunk_sizes_match_torch():
    for n in range(0, 9):
        for chunks in range(1, 6):
            ours = gg.zeros(n, 2).chunk(chunks)
            theirs = torch.zeros(n, 2).chunk(chunks)
            assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs], (n, chunks)


def test_split_by_size_and_by_sections():
    x, xt = _pair((2, 7))
    for arg in (3, 7, 10, [2, 0, 5], (1, 6)):
        ours, theirs = x.split(arg, dim=-1), xt.split(arg, dim=-1)
        assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
    pieces, ref = gg.split(x, [2, 5], 1), torch.split(xt, [2, 5], 1)
    for p, r in zip(pieces, ref):
        _same(p, r)
    w = [RNG.standard_normal(p.shape) for p in pieces]
    sum((p * wi).sum() for p, wi in zip(pieces, w)).backward()
    sum((r * torch.tensor(wi)).sum() for r, wi in zip(ref, w)).backward()
    _same(x.grad, xt.grad)


def test_split_errors():
    x = gg.zeros(4, 3)
    with pytest.raises(RuntimeError, match=r"split: split sizes \[1, 2\] .* sum to 4"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match="split_size must be positive"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunks must be greater than 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="0-d"):
        gg.tensor(1.0).split(1)


def test_unbind_and_narrow_match_torch():
    x, xt = _pair((3, 4))
    for p, r in zip(x.unbind(1), xt.unbind(1)):
        _same(p, r)
    _same(x.narrow(1, -3, 2), xt.narrow(1, -3, 2))
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(3\) exceeds"):
        x.narrow(1, 2, 3)


# ------------------------------------------------------------------------------ pad
@pytest.mark.parametrize("pad, kw", [
    ((1, 2), {}), ((1, 2, 3, 0), {"value": -1.5}), ((0, 1, 2, 0, 1, 1), {}),
    ((-1, 2, 1, -2), {}), ((-2, -1), {}),
    ((2, 1), {"mode": "reflect"}), ((1, 2, 2, 1), {"mode": "reflect"}),
    ((3, -1), {"mode": "replicate"}), ((2, 3, 1, 0), {"mode": "circular"}),
    ((-1, 2), {"mode": "reflect"}),
])
def test_pad_order_and_values_match_torch(pad, kw):
    x, xt = _pair((2, 3, 4))
    out, ref = F.pad(x, pad, **kw), torch.nn.functional.pad(xt, pad, **kw)
    assert out.shape == tuple(ref.shape)
    _same(out, ref)
    _backward_both(out, ref)
    _same(x.grad, xt.grad)


def test_pad_pads_the_last_dim_first():
    x = gg.ones(1, 2)
    out = F.pad(x, (1, 0, 0, 2))  # left 1 on the last dim, bottom 2 on the first
    np.testing.assert_array_equal(out.data, [[0, 1, 1], [0, 0, 0], [0, 0, 0]])


def test_negative_pad_crops_and_zero_fills_the_gradient():
    x = gg.tensor(np.arange(5.0), requires_grad=True)
    out = F.pad(x, (-2, 1))
    np.testing.assert_array_equal(out.data, [2, 3, 4, 0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 1, 1, 1])


def test_pad_errors():
    x = gg.zeros(2, 3)
    with pytest.raises(RuntimeError, match="even length"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="at most 2 \\* 2"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(NotImplementedError, match="mode 'symmetric'"):
        F.pad(x, (1, 1), mode="symmetric")
    with pytest.raises(RuntimeError, match=r"reflect padding \(3, 1\) must be less than"):
        F.pad(x, (3, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="does not take a value"):
        F.pad(x, (1, 1), mode="replicate", value=1.0)
    with pytest.raises(NotImplementedError, match="needs a tensor of 3 or 4 dims"):
        F.pad(x, (1, 1, 1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="negative size -1"):
        F.pad(x, (-2, -2))


# ------------------------------------------------------------------------------ shape and order
def test_transpose_properties_match_torch():
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        a = RNG.standard_normal(shape)
        dims = tuple(reversed(range(len(shape))))
        assert gg.tensor(a).T.shape == tuple(torch.tensor(a).permute(dims).shape)
    x, xt = _pair((2, 3, 4))
    _same(x.mT, xt.mT)
    _same(x.swapaxes(0, -1), xt.swapaxes(0, -1))
    _same(gg.movedim(x, (0, 1), (2, 0)), torch.movedim(xt, (0, 1), (2, 0)))
    _same(x[0].t(), xt[0].t())
    with pytest.raises(RuntimeError, match="mT: needs a tensor of at least 2 dims"):
        _ = gg.zeros(3).mT
    with pytest.raises(RuntimeError, match="t: expects a tensor with <= 2 dims"):
        x.t()


def test_squeeze_unsqueeze_flatten_match_torch():
    x, xt = _pair((1, 3, 1, 2))
    for kw in ({}, {"dim": 0}, {"dim": (0, 2)}, {"dim": -1}):
        assert x.squeeze(**kw).shape == tuple(xt.squeeze(**kw).shape), kw
    for d in (0, 4, -1, -5):
        assert x.unsqueeze(d).shape == tuple(xt.unsqueeze(d).shape), d
    for s, e in ((0, -1), (1, 2), (-2, -1), (2, 2)):
        assert x.flatten(s, e).shape == tuple(xt.flatten(s, e).shape)
    assert gg.tensor(2.0).flatten().shape == (1,)


def test_shape_errors_name_op_and_values():
    x = gg.zeros(2, 3, 4)
    with pytest.raises(IndexError, match=r"squeeze: dim 3 is out of range .* 3 dims"):
        x.squeeze(3)
    with pytest.raises(IndexError, match=r"unsqueeze: dim 4 .* 3 dims \(expected -4 to 3\)"):
        x.unsqueeze(4)
    with pytest.raises(RuntimeError, match=r"permute: .*\(2, 3, 4\) has 3 dims .*\(1, 0\)"):
        x.permute(1, 0)
    with pytest.raises(RuntimeError, match=r"permute: the order \(1, 1, 0\) repeats"):
        x.permute(1, 1, 0)
    with pytest.raises(RuntimeError, match="flatten: start_dim 2 comes after end_dim 1"):
        x.flatten(2, 1)
    with pytest.raises(RuntimeError, match="repeat: the number of repeats"):
        x.repeat(2, 2)


def test_repeat_and_flip_match_torch():
    x, xt = _pair((2, 3))
    out, ref = x.repeat(2, 1, 3), xt.repeat(2, 1, 3)
    _same(out, ref)
    _backward_both(out, ref)
    _same(x.grad, xt.grad)
    f = x.flip(0, 1)
    _same(f, xt.flip(0, 1))
    assert not np.shares_memory(f.detach().numpy(), x.detach().numpy())  # a copy, as in torch


def test_clone_and_contiguous():
    x = gg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    y = x.T.contiguous()
    assert y.detach().numpy().flags.c_contiguous and y.op == "clone"
    c = x.clone()
    assert not np.shares_memory(c.data, x.data)
    (c * 2 + y.T).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 3.0))


# ------------------------------------------------------------------------------ cat, stack
def test_cat_and_stack_match_torch():
    a, at = _pair((2, 3))
    b, bt = _pair((1, 3))
    out, ref = gg.cat([a, b, a]), torch.cat([at, bt, at])
    _same(out, ref)
    _backward_both(out, ref)
    _same(a.grad, at.grad)
    _same(b.grad, bt.grad)
    s, st = gg.stack((a, a * 2), dim=-1), torch.stack((at, at * 2), dim=-1)
    _same(s, st)
    assert gg.concat is gg.cat


def test_cat_promotes_like_torch_and_keeps_dtype():
    f32 = gg.zeros(2, dtype=gg.float32)
    assert gg.cat([f32, gg.zeros(2, dtype=gg.int64)]).dtype == gg.float32
    assert gg.cat([f32, gg.zeros(2, dtype=gg.float64)]).dtype == gg.float64
    x = gg.zeros(2, 3, dtype=gg.float32, requires_grad=True)
    out = gg.stack([x[0], x.T[:, 1]]).flip(0)
    assert out.dtype == gg.float32
    out.sum().backward()
    assert x.grad.dtype == gg.float32


def test_cat_and_stack_errors():
    with pytest.raises(RuntimeError, match=r"cat: tensors must have the same shape except "
                                           r"in dim 1; got \(2, 3\) and \(4, 3\)"):
        gg.cat([gg.zeros(2, 3), gg.zeros(4, 3)], dim=1)
    with pytest.raises(RuntimeError, match="same number of dims"):
        gg.cat([gg.zeros(2, 3), gg.zeros(3)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor"):
        gg.cat([gg.tensor(1.0)])
    with pytest.raises(RuntimeError, match="non-empty"):
        gg.cat([])
    with pytest.raises(RuntimeError, match=r"stack: .*\(2, 3\) at entry 0 and \(2, 4\) at "
                                           r"entry 1"):
        gg.stack([gg.zeros(2, 3), gg.zeros(2, 4)])


def test_numpy_functions_on_tensors_run_glassgrad_ops():
    x = gg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    cases = [(np.transpose(x), (3, 2), "permute"), (np.swapaxes(x, 0, 1), (3, 2), "transpose"),
             (np.expand_dims(x, (0, -1)), (1, 2, 3, 1), "unsqueeze"),
             (np.squeeze(x[None]), (2, 3), "squeeze"),
             (np.concatenate([x, x], axis=1), (2, 6), "cat"),
             (np.stack([x, x], axis=1), (2, 2, 3), "stack"),
             (np.moveaxis(x, 0, -1), (3, 2), "permute"), (np.flip(x, 1), (2, 3), "flip")]
    for out, shape, op in cases:
        assert isinstance(out, gg.Tensor) and out.shape == shape and out.op == op, op


# ------------------------------------------------------------------------------ views, setitem
@pytest.mark.parametrize("make_view", [
    lambda x: x.reshape(3, 2), lambda x: x.T, lambda x: x[1:], lambda x: x.unsqueeze(0),
    lambda x: x.flatten(), lambda x: x.split(1)[0], lambda x: x.expand(2, 2, 3),
])
def test_views_share_the_version_counter(make_view):
    x = gg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = make_view(x)
    z = y * y  # saves y
    with gg.no_grad():
        x.add_(1.0)
    assert y._version is x._version and y._version[0] == 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


def test_copies_do_not_share_the_version_counter():
    x = gg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = x[[1, 0]]
    z = y * y
    with gg.no_grad():
        x.add_(1.0)
    z.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * (x.data[[1, 0]] - 1)[[1, 0]])


def test_setitem_matches_torch():
    a = RNG.standard_normal((2, 3, 4))
    x, xt = gg.tensor(a.copy()), torch.tensor(a.copy())
    for index, value in [((0, slice(None), [0, 1]), 5.0), (1, gg.ones(3, 4)),
                         (([0, 1], [1, 2]), -1.0), (x.numpy() < 0, 0.0),
                         ((Ellipsis, 2), np.arange(3.0))]:
        version = x._version[0]
        x[index] = value
        ti = torch.tensor(index) if isinstance(index, np.ndarray) else index
        tv = torch.tensor(np.asarray(value.data if isinstance(value, gg.Tensor) else value))
        xt[ti] = tv
        assert x._version[0] == version + 1
        np.testing.assert_array_equal(x.data, xt.numpy())


def test_setitem_writes_through_views_and_refuses_graph_tensors():
    x = gg.zeros(2, 3)
    x[0][1:] = 7.0
    np.testing.assert_array_equal(x.data[0], [0, 7, 7])
    w = gg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        w[0] = 1.0
    with gg.no_grad():
        w[0] = 1.0  # as optimizers do
    assert w.data[0] == 1.0 and w._version[0] == 1
    h = w * 2
    h[0] = 1.0  # recorded: the overwritten element gets no gradient
    x[0] = w  # recorded: x now depends on w
    (h.sum() + x.sum()).backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 3.0, 3.0])
    with pytest.raises(RuntimeError, match=r"setitem: cannot assign a value of shape \(4,\)"):
        x[0] = np.zeros(4)
    with pytest.raises(IndexError, match="setitem: index 2 is out of range for dim 0"):
        x[2] = 0.0


@pytest.mark.parametrize("widths", [(1, -2), (-2, 1), (2, -1), (-1, -1), (0, -3), (2, 2)])
def test_circular_pad_with_negative_widths_matches_torch(widths):
    """A negative width crops first; circular padding wraps around what is left (torch).
    Before, it wrapped around the uncropped dim: [4, 0, 1, 2] for (1, -2), and a wrong
    gradient with it."""
    torch = pytest.importorskip("torch")
    a = np.arange(10.0).reshape(1, 2, 5)
    w = np.random.default_rng(0).standard_normal((1, 2, 5 + sum(widths)))
    x, t = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out = gg.functional.pad(x, widths, mode="circular")
    ref = torch.nn.functional.pad(t, widths, mode="circular")
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    (out * gg.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
