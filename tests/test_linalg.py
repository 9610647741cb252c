"""matmul and linear: torch's shape rules, values and gradients, errors, dtypes."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import functional as F
from glassgrad.autograd import grad
from torch_ref import torch  # None where torch is not installed

RANK_PAIRS = [
    ((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)), ((2, 4), (4, 3)),
    ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (2, 1, 4, 2)),
    ((4,), (2, 3, 4, 2)), ((2, 3, 1, 4), (4,)), ((1, 4), (4, 1)), ((0, 4), (4, 2)),
]


def _pair(rng, sx, sy, dtype=np.float64):
    a = rng.standard_normal(sx).astype(dtype)
    b = rng.standard_normal(sy).astype(dtype)
    return a, b


def _grads_vs_torch(fn, tfn, arrays, seed=0):
    """Run fn on glassgrad and tfn on torch, weight the outputs randomly, compare all."""
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), tfn(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * w).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for o, r in zip(ours, theirs):
        assert o.grad.shape == o.shape
        np.testing.assert_allclose(o.grad.data, r.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sx,sy", RANK_PAIRS)
def test_matmul_shapes_values_and_grads_match_torch(sx, sy):
    a, b = _pair(np.random.default_rng(1), sx, sy)
    _grads_vs_torch(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


@pytest.mark.parametrize("sx,sy", RANK_PAIRS[:10])
def test_matmul_double_backward_matches_torch(sx, sy):
    rng = np.random.default_rng(2)
    a, b = _pair(rng, sx, sy)
    v = rng.standard_normal(np.matmul(a, b).shape)
    x, y = gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    gx, gy = grad(((x @ y) * v).sum(), [x, y], create_graph=True)
    tgx, tgy = torch.autograd.grad(((tx @ ty) * torch.tensor(v)).sum(), [tx, ty],
                                   create_graph=True)
    u1, u2 = rng.standard_normal(a.shape), rng.standard_normal(b.shape)
    hx, hy = grad((gx * u1).sum() + (gy * u2).sum(), [x, y])
    thx, thy = torch.autograd.grad((tgx * torch.tensor(u1)).sum() + (tgy * torch.tensor(u2)).sum(),
                                   [tx, ty])
    np.testing.assert_allclose(hx.data, thx.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hy.data, thy.numpy(), rtol=1e-10, atol=1e-12)


def test_matmul_entry_points_agree():
    rng = np.random.default_rng(3)
    a, b = _pair(rng, (2, 3), (3, 4))
    x, y = gg.tensor(a), gg.tensor(b)
    expected = a @ b
    for out in (x @ y, x.matmul(y), gg.matmul(x, y), gg.mm(x, y), x.mm(y), a @ y, x @ b,
                np.matmul(a, y), np.dot(x, b), np.dot(a, y)):
        assert isinstance(out, gg.Tensor)
        np.testing.assert_allclose(out.data, expected)


def test_ndarray_on_the_left_still_gives_a_gradient():
    rng = np.random.default_rng(4)
    a, b = _pair(rng, (2, 3), (3, 4))
    y = gg.tensor(b, requires_grad=True)
    out = a @ y
    assert isinstance(out, gg.Tensor) and out.op == "matmul"
    out.sum().backward()
    np.testing.assert_allclose(y.grad.data, a.T @ np.ones((2, 4)))


@pytest.mark.parametrize("name,sx,sy", [
    ("mm", (2, 3), (3, 4)), ("bmm", (2, 3, 4), (2, 4, 5)), ("mv", (3, 4), (4,)),
    ("dot", (4,), (4,)), ("outer", (3,), (4,)),
])
def test_wrappers_match_torch(name, sx, sy):
    a, b = _pair(np.random.default_rng(5), sx, sy)
    _grads_vs_torch(getattr(gg, name), getattr(torch, name), [a, b])
    assert getattr(gg.tensor(a), name)(gg.tensor(b)).shape == getattr(
        torch.tensor(a), name)(torch.tensor(b)).shape


@pytest.mark.parametrize("sx,sy,msg", [
    ((3, 4), (5, 2), r"matmul: shapes \(3, 4\) and \(5, 2\) do not align \(4 != 5\)"),
    ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) do not align \(3 != 4\)"),
    ((2, 3), (4,), r"shapes \(2, 3\) and \(4,\) do not align \(3 != 4\)"),
    ((2, 3, 4), (5, 4, 2), r"matmul: batch dims \(2,\) and \(5,\) of shapes \(2, 3, 4\) and "
                           r"\(5, 4, 2\) do not broadcast"),
    ((), (3,), r"matmul: both arguments need to be at least 1-D, got shapes \(\) and \(3,\)"),
])
def test_matmul_errors_name_the_shapes(sx, sy, msg):
    with pytest.raises(RuntimeError, match=msg):
        gg.zeros(*sx) @ gg.zeros(*sy)


def test_wrapper_errors():
    with pytest.raises(RuntimeError, match=r"mm: expected 2-D and 2-D tensors, got shapes "
                                           r"\(2, 3, 4\) and \(4, 2\)"):
        gg.mm(gg.zeros(2, 3, 4), gg.zeros(4, 2))
    with pytest.raises(RuntimeError, match=r"bmm: batch sizes .* differ \(2 != 3\)"):
        gg.bmm(gg.zeros(2, 3, 4), gg.zeros(3, 4, 2))
    with pytest.raises(RuntimeError, match=r"dot: 1-D tensors of shapes \(3,\) and \(4,\)"):
        gg.dot(gg.zeros(3), gg.zeros(4))
    with pytest.raises(RuntimeError, match=r"mv: shapes \(2, 3\) and \(4,\) do not align"):
        gg.mv(gg.zeros(2, 3), gg.zeros(4))
    with pytest.raises(RuntimeError, match="outer: expected 1-D and 1-D"):
        gg.outer(gg.zeros(2, 1), gg.zeros(3))
    with pytest.raises(TypeError, match="numpy.dot"):
        np.dot(gg.zeros(2, 2, 2), gg.zeros(2, 2))


def test_float32_in_float32_out():
    rng = np.random.default_rng(6)
    for sx, sy in [((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (3, 4))]:
        a, b = _pair(rng, sx, sy, np.float32)
        x, y = gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)
        out = x @ y
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32 and y.grad.dtype == np.float32
    x = gg.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    lin = F.linear(x, gg.randn(2, 3, requires_grad=True), gg.randn(2, requires_grad=True))
    assert lin.dtype == np.float32


def test_integer_operand_takes_the_float_dtype():
    x = gg.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    out = x @ gg.tensor([[1], [2], [3]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, [[8.0], [26.0]])
    ints = gg.tensor([[1, 2]]) @ gg.tensor([[3], [4]])
    assert ints.dtype.kind == "i" and ints.item() == 11 and not ints.requires_grad


@pytest.mark.parametrize("sx,sw,sb", [
    ((4, 3), (2, 3), (2,)), ((4, 3), (2, 3), None), ((2, 3, 4), (5, 4), (5,)),
    ((3,), (2, 3), (2,)), ((4, 3), (2, 3), ()), ((3,), (3,), ()), ((2, 4, 3), (3,), None),
])
def test_linear_matches_torch(sx, sw, sb):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(sx), rng.standard_normal(sw)]
    if sb is not None:
        arrays.append(rng.standard_normal(sb))
    _grads_vs_torch(F.linear, torch.nn.functional.linear, arrays)
    if len(sw) == 2:
        assert F.linear(*[gg.tensor(a, requires_grad=True) for a in arrays]).op == "linear"


def test_linear_double_backward_matches_torch():
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)),
              rng.standard_normal(5)]
    v = rng.standard_normal((2, 3, 5))
    ours = [gg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    g1 = grad((F.linear(*ours) * v).sum(), ours, create_graph=True)
    t1 = torch.autograd.grad((torch.nn.functional.linear(*theirs) * torch.tensor(v)).sum(),
                             theirs, create_graph=True)
    us = [rng.standard_normal(a.shape) for a in arrays]
    g2 = grad(sum((g * u).sum() for g, u in zip(g1[:2], us)), ours[:2])
    t2 = torch.autograd.grad(sum((g * torch.tensor(u)).sum() for g, u in zip(t1[:2], us)),
                             theirs[:2])
    for a, b in zip(g2, t2):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-10, atol=1e-12)


def test_linear_errors():
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(4, 3\) has 3 features "
                                           r"but weight of shape \(2, 5\) expects 5"):
        F.linear(gg.zeros(4, 3), gg.zeros(2, 5))
    with pytest.raises(RuntimeError, match=r"linear: bias of shape \(3,\) does not broadcast "
                                           r"to the output shape \(4, 2\)"):
        F.linear(gg.zeros(4, 3), gg.zeros(2, 3), gg.zeros(3))


def test_linear_gradients_skip_inputs_without_grad():
    x = gg.randn(4, 3)
    w = gg.randn(2, 3, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad.data, np.ones((4, 2)).T @ x.data, rtol=1e-6)
