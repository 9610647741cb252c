"""Conversions and tensor factories: to(), type(), the dtype casters, type_as, new_*,
requires_grad_, gg.is_tensor / numel / is_floating_point; compared with torch."""

import numpy as np
import pytest

import glassgrad as gg
from torch_ref import torch

DTYPES = ["float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"]
CASTERS = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
           "int": "int32", "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool"}


def _gg(values, dtype):
    return gg.tensor(values, dtype=getattr(gg, dtype))


def _torch(values, dtype):
    return torch.tensor(values, dtype=getattr(torch, dtype))


def _same_dtype(ours, ref):
    return str(ours.dtype) == str(ref.dtype).removeprefix("torch.")


VALUES = [0.0, 1.0, 2.75, -3.5, 100.0]


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("method", sorted(CASTERS))
def test_casters_match_torch(method, src):
    vals = [abs(v) for v in VALUES] if src == "uint8" else VALUES
    x, t = _gg(vals, src), _torch(vals, src)
    ours, ref = getattr(x, method)(), getattr(t, method)()
    assert _same_dtype(ours, ref) and str(ours.dtype) == CASTERS[method]
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    if str(x.dtype) == CASTERS[method]:
        assert ours is x and getattr(t, method)() is t  # no copy when nothing changes


@pytest.mark.parametrize("src", DTYPES)
def test_type_names_match_torch(src):
    assert _gg([1], src).type() == _torch([1], src).type()


def test_type_casts_by_name_or_dtype():
    x = gg.tensor([1.5, -2.0])
    t = torch.tensor([1.5, -2.0])
    for name in ("torch.DoubleTensor", "torch.LongTensor", "torch.BoolTensor"):
        ours, ref = x.type(name), t.type(name)
        assert _same_dtype(ours, ref)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert x.type(gg.float64).dtype == gg.float64
    assert x.type("torch.FloatTensor") is x and x.type(gg.float32) is x
    with pytest.raises(TypeError, match="unknown dtype"):
        x.type("torch.ComplexTensor")


def test_to_dtype_forms():
    x = gg.tensor([1.5, 2.5])
    assert x.to(gg.float64).dtype == gg.float64
    assert x.to(dtype=gg.int64).dtype == gg.int64
    assert x.to("cpu", gg.float16).dtype == gg.float16
    assert x.to(gg.device("cpu"), gg.float64, False, True).dtype == gg.float64
    assert x.to(gg.zeros(1, dtype=gg.int32)).dtype == gg.int32
    assert x.to(gg.float64, non_blocking=True, copy=True).dtype == gg.float64
    assert x.to(float).dtype == gg.float64  # as torch: the Python type float is float64
    assert x.to() is x and x.to(gg.float32) is x and x.to("cpu") is x
    t = torch.tensor([1.5, 2.5])
    assert (t.to(torch.float32) is t) and (t.to("cpu") is t)


def test_to_copy_gives_a_new_tensor_on_the_graph():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(gg.float32, copy=True)
    assert y is not x and not np.shares_memory(y.numpy() if not y.requires_grad
                                               else y.detach().numpy(), x.detach().numpy())
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])
    z = x.to("cpu", copy=True)
    assert z is not x and z.requires_grad
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert t.to(torch.float32, copy=True) is not t


def test_to_errors():
    x = gg.zeros(2)
    with pytest.raises(TypeError, match="two dtypes"):
        x.to(gg.float64, gg.float32)
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        x.to(gg.float64, fast=True)
    with pytest.raises(RuntimeError, match="CPU only.*'cuda'"):
        x.to("cuda", gg.float64)
    with pytest.raises(TypeError, match="unknown dtype"):
        x.to("CPU")


def test_float_casts_keep_the_graph_and_cast_the_gradient_back():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.double()
    assert y.dtype == gg.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == gg.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2, 4, 6])
    assert not x.long().requires_grad  # integer results leave the graph, as in torch
    assert not torch.tensor([1.0], requires_grad=True).long().requires_grad


def test_type_as():
    x = gg.tensor([1.7, -2.2])
    y = x.type_as(gg.zeros(1, dtype=gg.int64))
    ref = torch.tensor([1.7, -2.2]).type_as(torch.zeros(1, dtype=torch.int64))
    assert _same_dtype(y, ref) and y.tolist() == ref.tolist()
    assert x.type_as(gg.zeros(3)) is x
    with pytest.raises(TypeError, match="expected a Tensor"):
        x.type_as(np.zeros(1))


# ------------------------------------------------------------------------------ new_*
NEW_CASES = [
    ("new_zeros", (2, 3), {}), ("new_zeros", ((2, 3),), {}), ("new_ones", ([4],), {}),
    ("new_ones", ((),), {}), ("new_empty", (2,), {}), ("new_full", ((2, 2), 7), {}),
    ("new_full", ((3,), 2.5), {}), ("new_tensor", ([1, 2, 3],), {}),
    ("new_tensor", ([1.5],), {}), ("new_zeros", (2,), {"dtype": "float64"}),
    ("new_full", ((2,), 1), {"dtype": "int64"}), ("new_tensor", ([1, 0],), {"dtype": "bool"}),
    ("new_ones", (3,), {"requires_grad": True}),
]


@pytest.mark.parametrize("src", ["float32", "float64", "int32"])
@pytest.mark.parametrize("method,args,kwargs", NEW_CASES)
def test_new_factories_match_torch(src, method, args, kwargs):
    if kwargs.get("requires_grad") and src == "int32":
        return  # integer tensors cannot require grad (both raise)
    x, t = _gg([1, 2], src), _torch([1, 2], src)
    gk = {k: getattr(gg, v) if k == "dtype" else v for k, v in kwargs.items()}
    tk = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ours, ref = getattr(x, method)(*args, **gk), getattr(t, method)(*args, **tk)
    assert tuple(ours.shape) == tuple(ref.shape)
    assert _same_dtype(ours, ref)
    assert ours.requires_grad == ref.requires_grad and ours.is_leaf
    if method != "new_empty":
        np.testing.assert_array_equal(ours.detach().numpy(), ref.detach().numpy())


def test_new_tensor_copies_and_new_full_needs_a_tuple():
    src = np.array([1.0, 2.0], dtype=np.float32)
    y = gg.zeros(1).new_tensor(src)
    src[0] = 100
    assert y.tolist() == [1.0, 2.0]
    z = gg.zeros(1)
    w = z.new_tensor(z)
    assert w is not z and not np.shares_memory(w.numpy(), z.numpy())
    with pytest.raises(TypeError, match="size must be a tuple"):
        gg.zeros(1).new_full(2, 3.0)
    with pytest.raises(TypeError):
        torch.zeros(1).new_full(2, 3.0)
    with pytest.raises(RuntimeError, match="negative dimension"):
        gg.zeros(1).new_zeros(2, -1)
    with pytest.raises(TypeError, match="missing the size"):
        gg.zeros(1).new_ones()
    with pytest.raises(TypeError):
        torch.zeros(1).new_ones()
    with pytest.raises(RuntimeError, match="only floating point tensors can require grad"):
        gg.zeros(1, dtype=gg.int64).new_zeros(2, requires_grad=True)


# ------------------------------------------------------------------------------ functions
def test_requires_grad_returns_self():
    x = gg.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad


def test_is_tensor_numel_is_floating_point_match_torch():
    for values, dtype in [([1.0, 2.0], "float32"), ([[1, 2, 3]], "int64"), ([], "float64"),
                          (True, "bool")]:
        x, t = _gg(values, dtype), _torch(values, dtype)
        assert gg.is_tensor(x) == torch.is_tensor(t) is True
        assert gg.numel(x) == torch.numel(t) == x.numel()
        assert gg.is_floating_point(x) == torch.is_floating_point(t)
        assert x.element_size() == t.element_size()
    assert gg.is_tensor(np.zeros(2)) is False and gg.is_tensor([1]) is False
    with pytest.raises(TypeError, match="expected a Tensor"):
        gg.numel([1, 2])
    with pytest.raises(TypeError, match="expected a Tensor"):
        gg.is_floating_point(1.0)


def test_factory_dtypes_match_torch():
    cases = [
        lambda m: m.tensor([1, 2]), lambda m: m.tensor([1.0]), lambda m: m.tensor(True),
        lambda m: m.full((2,), 3), lambda m: m.full((2,), 3.0), lambda m: m.full((2,), True),
        lambda m: m.arange(3), lambda m: m.arange(0.0, 1.0, 0.5), lambda m: m.zeros(2),
        lambda m: m.zeros(2, dtype=m.int32), lambda m: m.randint(0, 3, (2,)),
        lambda m: m.randperm(3), lambda m: m.rand(2, dtype=m.float64),
        lambda m: m.zeros_like(m.zeros(2, dtype=m.int16)),
        lambda m: m.full_like(m.zeros(2, dtype=m.int32), 4),
        lambda m: m.as_tensor([1, 2], dtype=m.float64),
    ]
    for make in cases:
        ours, ref = make(gg), make(torch)
        assert _same_dtype(ours, ref), (ours.dtype, ref.dtype)
        assert tuple(ours.shape) == tuple(ref.shape)


def test_as_tensor_shares_memory_and_tensor_copies():
    arr = np.zeros(3, dtype=np.float32)
    a, b = gg.as_tensor(arr), gg.tensor(arr)
    arr[0] = 5
    assert a.tolist()[0] == 5 and b.tolist()[0] == 0
    x = gg.ones(2)
    assert gg.as_tensor(x) is x and gg.as_tensor(x, dtype=gg.float64).dtype == gg.float64
