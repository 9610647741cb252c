"""Factories against torch: integer arange/linspace/logspace rounding, eye(n, m), the *_like
family, and what from_numpy, as_tensor and asarray share or copy."""

import numpy as np
import pytest

import glassgrad as gg

DTYPES = ["int32", "int64", "float32", "float64"]


def _torch():
    return pytest.importorskip("torch", reason="torch is not installed")


def _same(ours, theirs):
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")), (ours.dtype,
                                                                               theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


ARANGE = [(5,), (0, 2.5, 0.5), (0, 5, 1.5), (-3, 4, 0.7), (2.9, -1, -0.6), (0.5, 3),
          (10, 0, -3), (1, 1), (-2.5, 2.5, 1.25), (3, 7, 2)]


@pytest.mark.parametrize("args", ARANGE)
@pytest.mark.parametrize("dtype", [None, *DTYPES])
def test_arange_matches_torch(args, dtype):
    torch = _torch()
    kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    try:
        theirs = torch.arange(*args, **kw)
    except ValueError:  # torch refuses a step truncated to 0 (in int64)
        with pytest.raises(ValueError, match="step"):
            gg.arange(*args, **({} if dtype is None else {"dtype": getattr(gg, dtype)}))
        return
    if dtype == "int32" and theirs.numel() > 1 and int(args[2] if len(args) > 2 else 1) == 0:
        # torch's int32 path repeats start with a step truncated to 0; we refuse it instead
        with pytest.raises(ValueError, match="step"):
            gg.arange(*args, dtype=gg.int32)
        return
    ours = gg.arange(*args, **({} if dtype is None else {"dtype": getattr(gg, dtype)}))
    _same(ours, theirs) if dtype in (None, "int32", "int64") else np.testing.assert_allclose(
        ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_arange_known_values_and_errors():
    assert gg.arange(0.5, 3, dtype=gg.int64).tolist() == [0, 1, 2]
    assert gg.arange(0, 5, 1.5, dtype=gg.int32).tolist() == [0, 1, 2, 3]
    assert gg.arange(3).dtype == gg.int64 and gg.arange(3.0).dtype == gg.float32
    with pytest.raises(RuntimeError, match="nonzero"):
        gg.arange(0, 3, 0)
    with pytest.raises(RuntimeError, match="inconsistent"):
        gg.arange(0, 3, -1)
    with pytest.raises(ValueError, match="integer dtype"):
        gg.arange(0, 2.5, 0.5, dtype=gg.int64)


LINSPACE = [(0, 1, 1), (2.7, -3.2, 5), (0, 10, 0), (5, -5, 20), (-1.5, 1.5, 7), (0, 1, 11)]


@pytest.mark.parametrize("args", LINSPACE)
@pytest.mark.parametrize("dtype", DTYPES)
def test_linspace_matches_torch(args, dtype):
    torch = _torch()
    ours = gg.linspace(*args, dtype=getattr(gg, dtype))
    theirs = torch.linspace(*args, dtype=getattr(torch, dtype))
    if dtype.startswith("int"):
        _same(ours, theirs)
    else:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("args", [(0, 2, 5), (-1, 1.5, 3), (0, 3, 4, 2), (1, -2, 6, 3.0),
                                  (0.5, 2.5, 4, 10)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_logspace_matches_torch(args, dtype):
    torch = _torch()
    ours = gg.logspace(*args, dtype=getattr(gg, dtype))
    theirs = torch.logspace(*args, dtype=getattr(torch, dtype))
    if dtype.startswith("int"):
        _same(ours, theirs)
    else:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_logspace_known_values():
    assert gg.logspace(-1, 1.5, 3, dtype=gg.int32).tolist() == [0, 1, 10]
    np.testing.assert_allclose(gg.logspace(0, 2, 3).numpy(), [1, 10, 100], rtol=1e-6)
    assert gg.logspace(0, 2, 3).dtype == gg.float32


@pytest.mark.parametrize("n, m", [(3, None), (2, 3), (4, 1), (0, 2)])
@pytest.mark.parametrize("dtype", [None, "int32", "float64", "bool"])
def test_eye_matches_torch(n, m, dtype):
    torch = _torch()
    kw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    theirs = torch.eye(n, **kw) if m is None else torch.eye(n, m, **kw)
    ours_kw = {} if dtype is None else {"dtype": getattr(gg, dtype)}
    ours = gg.eye(n, **ours_kw) if m is None else gg.eye(n, m, **ours_kw)
    _same(ours, theirs)


@pytest.mark.parametrize("fn", ["full_like", "zeros_like", "ones_like", "empty_like"])
@pytest.mark.parametrize("src", ["float32", "int64", "bool"])
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
def test_like_factories_match_torch(fn, src, dtype):
    torch = _torch()
    args = (3.7,) if fn == "full_like" else ()
    x = np.arange(6).reshape(2, 3).astype(src)
    kw_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    kw_g = {} if dtype is None else {"dtype": getattr(gg, dtype)}
    theirs = getattr(torch, fn)(torch.from_numpy(x), *args, **kw_t)
    ours = getattr(gg, fn)(gg.from_numpy(x), *args, **kw_g)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch."))
    if fn != "empty_like":
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_random_like_factories_keep_shape_and_dtype():
    gg.manual_seed(0)
    x = gg.zeros(2, 3, dtype=gg.float64)
    r = gg.rand_like(x)
    assert r.shape == (2, 3) and r.dtype == gg.float64 and (0 <= r.numpy()).all()
    k = gg.randint_like(gg.zeros(4, dtype=gg.int32), 3, 5)
    assert k.dtype == gg.int32 and set(k.tolist()) <= {3, 4}
    with pytest.raises(TypeError, match="floating point"):
        gg.rand_like(gg.zeros(2, dtype=gg.int64))


def test_from_numpy_shares_memory_and_dtype():
    a = np.arange(3.0)
    t = gg.from_numpy(a)
    a[0] = 9
    assert t.dtype == gg.float64 and t.tolist() == [9.0, 1.0, 2.0]
    t[1] = 5  # and the other way
    assert a[1] == 5
    with pytest.raises(TypeError, match="expected np.ndarray"):
        gg.from_numpy([1, 2])


def test_as_tensor_and_asarray_share_unless_told_to_copy():
    n = np.ones(2)
    a = gg.as_tensor(n)
    b = gg.asarray(n)
    c = gg.asarray(n, copy=True)
    d = gg.asarray(n, dtype=gg.float32)
    n[0] = 5
    assert a.tolist()[0] == 5 and b.tolist()[0] == 5
    assert c.tolist()[0] == 1 and d.tolist()[0] == 1 and d.dtype == gg.float32
    x = gg.ones(2)
    assert gg.asarray(x) is x and gg.as_tensor(x) is x
    assert gg.asarray(x, copy=True).data_ptr() != x.data_ptr()
    with pytest.raises(ValueError, match="copy=False"):
        gg.asarray(n, dtype=gg.float32, copy=False)
    with pytest.raises(ValueError, match="copy=False"):
        gg.asarray([1.0, 2.0], copy=False)
    assert gg.asarray([1.0, 2.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("obj", [[1, 2], [1.0, 2.0], 3.0, 3, True, np.float64(2.0),
                                 np.arange(3, dtype=np.int32), [[True, False]]])
def test_asarray_dtypes_match_torch(obj):
    torch = _torch()
    _same(gg.asarray(obj), torch.asarray(obj))


def test_clone_is_a_differentiable_copy():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data_ptr() != x.data_ptr()
    (y * y).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
