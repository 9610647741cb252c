"""Tensor construction, dtypes, attributes and conversion follow torch's contract."""

import numpy as np
import pytest

import glassgrad as gg


def test_python_floats_give_float32_numpy_float64_stays():
    assert gg.tensor(1.5).dtype == gg.float32
    assert gg.tensor([[1.0, 2.0]]).dtype == gg.float32
    assert gg.tensor(np.array([1.0, 2.0])).dtype == gg.float64
    assert gg.tensor([1, 2]).dtype == gg.int64
    assert gg.tensor([True, False]).dtype == gg.bool


@pytest.mark.parametrize("spec", [np.float64, "float64", "torch.float64", gg.float64, "double"])
def test_dtype_spellings(spec):
    assert gg.tensor([1.0], dtype=spec).dtype == np.float64


def test_unknown_dtype_string_is_named():
    with pytest.raises(TypeError, match="flaot32"):
        gg.zeros(2, dtype="flaot32")


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="int64"):
        gg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        gg.arange(3).requires_grad_()


def test_factories_shapes_dtypes_and_seeding():
    assert gg.zeros(2, 3).shape == (2, 3) and gg.zeros((2, 3)).dtype == gg.float32
    assert gg.ones(4, dtype=gg.float64).dtype == gg.float64
    assert gg.full((2, 2), 7).dtype == gg.int64
    assert gg.full((2, 2), 7.0).data.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert gg.empty(3).shape == (3,)
    assert gg.arange(5).tolist() == [0, 1, 2, 3, 4] and gg.arange(5).dtype == gg.int64
    assert gg.arange(0, 1, 0.25).dtype == gg.float32
    np.testing.assert_allclose(gg.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    assert gg.eye(3).numpy().trace() == 3
    assert gg.randint(0, 10, (100,)).data.max() < 10
    gg.manual_seed(3)
    a = gg.randn(4, 5)
    r = gg.rand(3)
    gg.manual_seed(3)
    np.testing.assert_array_equal(a.data, gg.randn(4, 5).data)
    np.testing.assert_array_equal(r.data, gg.rand(3).data)
    assert 0 <= r.data.min() and r.data.max() < 1
    x = gg.randn(2, 3, dtype=gg.float64)
    assert gg.zeros_like(x).dtype == gg.float64 and gg.ones_like(x).data.sum() == 6
    assert gg.randn_like(x).shape == (2, 3)


def test_attributes():
    x = gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3
    assert x.numel() == 6 and len(x) == 2 and x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and repr(y.grad_fn) == "<MulBackward>" and y.op == "mul"
    assert y.parents[0] is x
    assert gg.tensor(3.5).item() == 3.5
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert np.asarray(x.detach()).shape == (2, 3)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert np.shares_memory(x.detach().numpy(), x.data.numpy())


def test_repr_shows_grad_fn_and_requires_grad():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * x) == "tensor([1., 4.], grad_fn=<MulBackward>)"
    assert "dtype=glassgrad.float64" in repr(gg.tensor(np.array([1.0])))


def test_scalar_operands_keep_float32():
    x = gg.ones(3)
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, x**2, 1 - x, x * np.float64(2.0)):
        assert y.dtype == gg.float32
    assert (gg.arange(3) * 0.5).dtype == gg.float32  # int tensor * float -> default float
    assert (gg.arange(3) * 2).dtype == gg.int64


def test_numpy_interop():
    x = gg.tensor([1.0, 4.0, 9.0])
    assert isinstance(np.sqrt(x), gg.Tensor)
    np.testing.assert_allclose(np.sqrt(x).data, [1, 2, 3])
    np.testing.assert_allclose(np.array(x), [1, 4, 9])
    assert isinstance(np.ones(3) * x, gg.Tensor)


def test_comparisons_return_bool_without_grad():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == gg.bool and not m.requires_grad and m.tolist() == [False, True, True]
    assert (x == x).tolist() == [True, True, True]
    assert hash(x) == hash(x)  # still usable as a dict key


def test_to_and_casts():
    x = gg.tensor([1.5, 2.5], requires_grad=True)
    d = x.double()
    assert d.dtype == gg.float64 and d.requires_grad
    d.sum().backward()
    assert x.grad.dtype == gg.float32
    assert x.long().dtype == gg.int64 and not x.long().requires_grad
    assert x.to("cpu") is x
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")


def test_repr_prints_floats_like_torch():
    assert repr(gg.tensor(0.531)) == "tensor(0.5310)"
    assert repr(gg.tensor([0.5, 1.25])) == "tensor([0.5000, 1.2500])"
    assert repr(gg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
