"""Bugs a differential review against torch found after issue 11 landed, one test each.

Each test holds without torch (known values); with torch installed it also compares."""

import numpy as np
import pytest

import glassgrad as gg
from torch_ref import torch


def _grad(out, x):
    return gg.autograd.grad(out, [x])[0].tolist()


# ------------------------------------------------------------------------------ gradients
def test_a_view_with_repeated_elements_keeps_every_gradient_after_an_in_place_change():
    x = gg.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = x * 1
    v = y.expand(4, 3)
    y.add_(1)
    assert _grad(v.sum(), x) == [4.0, 4.0, 4.0]  # torch: 4 per element, not 1
    x = gg.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y.unfold(0, 2, 1)
    y.add_(1)
    assert _grad((v * v).sum(), x) == [2.0, 8.0, 12.0, 8.0]


def test_index_fill_counts_a_repeated_index_once_in_the_value_gradient():
    x = gg.zeros(3, requires_grad=True)
    v = gg.tensor(2.0, requires_grad=True)
    assert _grad(x.index_fill(0, gg.tensor([0, 0, 1]), v).sum(), v) == 2.0
    y = x * 1
    y.index_fill_(0, gg.tensor([0, -3, 1]), v)  # -3 is 0 again
    assert _grad(y.sum(), v) == 2.0


def test_matrix_power_zero_stays_on_the_graph_with_a_zero_gradient():
    A = gg.randn(2, 3, 3, dtype=gg.float64, requires_grad=True)
    out = gg.linalg.matrix_power(A, 0)
    assert out.requires_grad and out.dtype == gg.float64
    np.testing.assert_array_equal(out[1].detach().numpy(), np.eye(3))
    g = gg.autograd.grad(out.sum(), [A])[0]
    assert (g.numpy() == 0).all()


# ------------------------------------------------------------------------------ values, dtypes
def test_einsum_sums_integers_and_bools_in_int64_as_sum_does():
    assert gg.einsum("ij->", gg.ones(3, 3, dtype=gg.bool)).item() == 9
    assert gg.einsum("i->", gg.full((3,), 2**31 - 1, dtype=gg.int32)).item() == 3 * (2**31 - 1)
    assert gg.einsum("ij->j", gg.full((2, 2), 200, dtype=gg.uint8)).tolist() == [400, 400]
    assert gg.einsum("ii", gg.ones(2, 2, dtype=gg.int16)).dtype == gg.int64
    assert gg.einsum("ij->ji", gg.ones(2, 2, dtype=gg.bool)).dtype == gg.bool  # nothing summed
    assert gg.einsum("ij,jk->ik", gg.ones(2, 2, dtype=gg.int32),
                     gg.ones(2, 2, dtype=gg.int32)).dtype == gg.int32


def test_einsum_with_size_zero_dims():
    assert gg.einsum("ij,jk->ik", gg.ones(0, 3), gg.ones(3, 2)).shape == (0, 2)
    assert gg.einsum("ij,jk->ik", gg.ones(2, 0), gg.ones(0, 2)).tolist() == [[0.0] * 2] * 2
    a = gg.ones(0, 3, requires_grad=True)
    gg.einsum("ij,jk->ik", a, gg.ones(3, 2)).sum().backward()
    assert a.grad.shape == (0, 3)


@pytest.mark.parametrize("dt", ["int32", "uint8", "bool", "int64"])
@pytest.mark.parametrize("fn", ["sum", "prod"])
def test_sum_and_prod_with_an_integer_dtype_return_that_dtype(dt, fn):
    out = getattr(gg.ones(3, dtype=getattr(gg, dt)), fn)(dtype=getattr(gg, dt))
    assert out.dtype == getattr(gg, dt)
    assert gg.ones(3, dtype=gg.int32).sum().dtype == gg.int64  # without dtype=: int64
    if torch is not None:
        ref = getattr(torch.ones(3, dtype=getattr(torch, dt)), fn)(dtype=getattr(torch, dt))
        assert out.item() == ref.item() and str(ref.dtype) == f"torch.{dt}"


def test_addbmm_keeps_an_integer_dtype():
    b = gg.ones(2, 2, 2, dtype=gg.int32)
    out = gg.addbmm(gg.zeros(2, 2, dtype=gg.int32), b, b)
    assert out.dtype == gg.int32 and out.tolist() == [[4, 4], [4, 4]]


def test_integer_tensors_take_alpha_truncated_as_torch():
    out = gg.zeros(3, dtype=gg.int64).index_add(0, gg.tensor([0, 0]), gg.tensor([1, 2]),
                                                  alpha=1.5)
    assert out.tolist() == [3, 0, 0]
    a = gg.ones(2, 2, dtype=gg.int64)
    out = gg.addmm(a, a, a, alpha=1.5)
    assert out.dtype == gg.int64 and out.tolist() == [[3, 3], [3, 3]]


def test_in_place_ops_work_on_empty_tensors():
    x = gg.zeros(0, 3)
    x.tril_()
    x.add_(1)
    x.masked_fill_(gg.zeros(0, 3, dtype=gg.bool), 2.0)
    x.zero_()
    assert x.shape == (0, 3)
    with pytest.raises(RuntimeError, match="broadcast view"):
        gg.zeros(1, 3).expand(2, 3).add_(1)  # a real broadcast view is still refused


# ------------------------------------------------------------------------------ create_graph
def test_power_zero_under_create_graph_gives_zero_gradients():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    for out in (x**0, gg.pow(x, 0.0), gg.float_power(x, 0)):
        (g,) = gg.autograd.grad(out.sum(), x, create_graph=True)
        assert g.tolist() == [0.0, 0.0]


def test_gradients_keep_each_input_dtype_under_create_graph():
    a = gg.randn(3, requires_grad=True)
    b = gg.randn(2, dtype=gg.float64, requires_grad=True)
    for out in (gg.diff(a, prepend=b), gg.cat([a, b])):
        ga, gb = gg.autograd.grad(out.sum(), [a, b], create_graph=True)
        assert (ga.dtype, gb.dtype) == (gg.float32, gg.float64)
    y = a * 1
    y.add_(gg.randn(3, dtype=gg.float64, requires_grad=True))
    (ga,) = gg.autograd.grad(y.sum(), [a], create_graph=True)
    assert ga.dtype == gg.float32


def test_addcmul_on_integers_truncates_value_as_torch():
    a = gg.tensor([1, 2])
    assert gg.addcmul(a, a, a, value=0.5).tolist() == [1, 2]
    assert gg.addcmul(a, a, a, value=1.5).tolist() == [2, 6]


def test_qr_does_not_keep_its_input_so_changing_it_in_place_is_fine():
    A = gg.randn(3, 5, dtype=gg.float64, requires_grad=True)
    B = A * 1
    Q, R = gg.linalg.qr(B)  # wide: the gradient needs A's right block, rebuilt as Q R[:, 3:]
    B.add_(1)
    (Q.sum() + R.sum()).backward()
    if torch is not None:
        ta = torch.tensor(A.detach().numpy(), requires_grad=True)
        tq, tr = torch.linalg.qr(ta)
        (tq.sum() + tr.sum()).backward()
        np.testing.assert_allclose(A.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------ argument forms
def test_argument_forms_torch_accepts():
    x = gg.arange(6.0).reshape(2, 3)
    assert gg.swapaxes(x, axis0=0, axis1=1).shape == (3, 2)
    assert gg.swapdims(x, dim0=0, dim1=1).shape == (3, 2)
    assert [t.shape[0] for t in gg.tensor_split(gg.arange(7), indices=[2, 5])] == [2, 3, 2]
    assert [t.shape[0] for t in gg.tensor_split(gg.arange(7), sections=3)] == [3, 2, 2]
    with pytest.raises(TypeError, match="one of"):
        gg.tensor_split(gg.arange(7), 3, sections=3)
    assert gg.dot(gg.ones(3), tensor=gg.ones(3)).item() == 3.0
    assert gg.ger(gg.ones(2), gg.ones(3)).shape == (2, 3)
    assert gg.roll(gg.arange(4), gg.tensor(1)).tolist() == [3, 0, 1, 2]
    assert gg.ones(3).broadcast_to(2, 3).shape == (2, 3)
    assert gg.broadcast_to(gg.ones(3), size=(2, 3)).shape == (2, 3)
    assert np.broadcast_to(gg.ones(3), (2, 3)).shape == (2, 3)


def test_count_nonzero_over_an_empty_dim_tuple_counts_everything():
    x = gg.tensor([[0, 1], [2, 0]])
    assert gg.count_nonzero(x, ()).item() == 2 and gg.count_nonzero(x, dim=(0,)).tolist() == [1, 1]


def test_addmm_with_beta_zero_gives_the_ignored_input_a_zero_gradient():
    x = gg.tensor([float("nan"), 1.0], requires_grad=True)
    a, b = gg.ones(2, 3), gg.ones(3, 2)
    out = gg.addmm(x, a, b, beta=0)
    out.sum().backward()
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]] and x.grad.tolist() == [0.0, 0.0]


def test_masked_fill_broadcasts_the_tensor_up_to_a_larger_mask_as_torch():
    x = gg.ones(3, 2, requires_grad=True)
    mask = gg.ones(2, 3, 2, dtype=gg.bool) * gg.tensor([True, False])
    out = gg.masked_fill(x, mask, 5.0)
    out.sum().backward()
    assert out.shape == (2, 3, 2) and x.grad.tolist() == [[0.0, 2.0]] * 3
    with pytest.raises(RuntimeError, match="masked_fill_: the mask of shape"):
        (x * 1).masked_fill_(gg.ones(2, 3, 2, dtype=gg.bool), 1.0)


@pytest.mark.parametrize("fn", [lambda x: x.relu(), lambda x: x.abs(),
                                lambda x: gg.nn.functional.leaky_relu(x, 0.1),
                                lambda x: gg.nn.functional.hardtanh(x)])
def test_piecewise_linear_gradients_stay_on_the_graph_under_create_graph(fn):
    """The second derivative of relu, abs, leaky_relu and hardtanh is 0, as torch's, not a
    'does not require grad' error."""
    x = gg.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    (g,) = gg.autograd.grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad
    assert gg.autograd.grad(g.sum(), x)[0].tolist() == [0.0, 0.0, 0.0]


def test_numpy_style_names_torch_has():
    x = gg.arange(12.0).reshape(2, 6)
    assert [t.shape for t in gg.hsplit(x, 3)] == [(2, 2)] * 3
    assert [t.shape for t in x.vsplit([1])] == [(1, 6), (1, 6)]
    assert gg.dsplit(gg.zeros(2, 2, 4), sections=2)[0].shape == (2, 2, 2)
    with pytest.raises(RuntimeError, match="not divisible"):
        gg.hsplit(x, 4)
    with pytest.raises(RuntimeError, match="at least 2"):
        gg.vsplit(gg.arange(6.0), 2)
    assert gg.signbit(gg.tensor([-0.0, 1.0, -2.0])).tolist() == [True, False, True]
    assert gg.positive(x) is x and x.adjoint().shape == (6, 2) and x.mH.shape == (6, 2)
    assert x.T.ravel().shape == (12,) and [t.shape for t in x.split(split_size=4, dim=1)] == [
        (2, 4), (2, 2)]


def test_load_state_dict_names_every_problem_at_once_and_copies_nothing():
    m = gg.nn.Sequential(gg.nn.Linear(2, 3), gg.nn.Linear(3, 4))
    before = m[0].bias.detach().numpy().copy()
    sd = m.state_dict()
    sd["0.weight"], sd["1.bias"], sd["x"] = gg.zeros(5, 5), gg.zeros(7), gg.zeros(1)
    sd["0.bias"] = gg.ones(3)
    del sd["1.weight"]
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    for part in ("missing keys: 1.weight", "unexpected keys: x", "'0.weight'", "'1.bias'"):
        assert part in str(e.value)
    np.testing.assert_array_equal(m[0].bias.detach().numpy(), before)  # nothing was copied
