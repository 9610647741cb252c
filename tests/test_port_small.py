"""Small things ported torch code does on every line: Size, formatting, indexing forms."""

import numpy as np
import pytest

import glassgrad as gg


def test_shape_and_size_are_a_size_tuple():
    x = gg.zeros(2, 3, 4)
    assert isinstance(x.shape, gg.Size) and isinstance(x.shape, tuple)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3
    assert x.shape.numel() == 24 and x.nelement() == x.numel() == 24
    assert repr(x.shape) == "glassgrad.Size([2, 3, 4])" and str(x.shape) == "(2, 3, 4)"
    assert isinstance(x.shape[1:], gg.Size) and x.shape[1:] == (3, 4)
    assert x.shape[-1] == 4 and isinstance(x.shape[0], int)
    assert isinstance(x.shape + (5,), gg.Size) and (1,) + x.shape == (1, 2, 3, 4)
    b, *rest = x.shape
    assert b == 2 and rest == [3, 4]
    assert gg.zeros(x.shape).shape == x.shape and x.view(x.shape[0], -1).shape == (2, 12)


def test_format_of_a_one_element_tensor():
    loss = gg.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:.2e}" == "1.23e-01"
    assert f"{gg.tensor([2.5]):.1f}" == "2.5"
    assert f"{gg.tensor(3)}" == "3" and f"{gg.tensor(7):>3}" == "  7"
    x = gg.tensor([1.0, 2.0])
    assert f"{x}" == repr(x)
    with pytest.raises(ValueError):
        f"{x:.2f}"  # noqa: B018  (torch also refuses a format spec for a vector)


def test_format_matches_torch():
    torch = pytest.importorskip("torch")
    for v in (0.5, -3.25, 1e-7):
        for spec in (".4f", ".3e", "8.2f", "g"):
            assert format(gg.tensor(v, dtype=gg.float64), spec) == format(
                torch.tensor(v, dtype=torch.float64), spec)


def test_indexing_with_range_and_bool_lists_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(4, 6)
    x, t = gg.tensor(a), torch.tensor(a)
    for index in (range(2), (slice(None), range(1, 5, 2)), [True, False, True, True],
                  (1, [False, True, True, False, False, True]), range(0)):
        np.testing.assert_array_equal(x[index].numpy(), t[index].numpy())
    y, u = gg.tensor(a.copy()), torch.tensor(a.copy())
    y[range(1, 3)] = -1.0
    u[range(1, 3)] = -1.0
    np.testing.assert_array_equal(y.numpy(), u.numpy())


def test_shape_like_methods():
    x = gg.tensor(np.arange(6.0), requires_grad=True)
    other = gg.zeros(2, 3)
    assert x.view_as(other).shape == (2, 3) and x.reshape_as(other).shape == (2, 3)
    assert gg.zeros(1, 3).expand_as(other).shape == (2, 3)
    assert x.requires_grad_() is x
    assert gg.is_tensor(x) and not gg.is_tensor(np.zeros(2))


def test_functional_one_hot():
    from glassgrad.nn import functional as F

    out = F.one_hot(gg.tensor([0, 2, 1]), num_classes=4)
    assert out.dtype == gg.int64 and out.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]


def test_integer_linspace_truncates_like_torch():
    """numpy's integer linspace floors; torch truncates toward zero (issue 11's example)."""
    torch = pytest.importorskip("torch")
    for args in [(5, -5, 20), (-3.5, 2.5, 9), (7.9, -7.2, 7), (0, 10, 7)]:
        for name in ("int32", "int64"):
            assert gg.linspace(*args, dtype=getattr(gg, name)).tolist() == torch.linspace(
                *args, dtype=getattr(torch, name)).tolist(), (args, name)
    assert gg.linspace(5, -5, 20, dtype=gg.int32).tolist()[8:12] == [0, 0, 0, 0]


def test_max_pool_of_integer_tensors_with_padding():
    """Padding with -inf cast to an integer dtype gave garbage (or an OverflowError)."""
    import warnings

    torch = pytest.importorskip("torch")
    for dt in (np.int64, np.int32, np.int8, np.uint8):
        a = (np.arange(16) - (0 if dt == np.uint8 else 8)).astype(dt).reshape(1, 1, 4, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = gg.functional.max_pool2d(gg.tensor(a), 2, padding=1)
        ref = torch.nn.functional.max_pool2d(torch.tensor(a), 2, padding=1)
        assert out.dtype == dt and out.tolist() == ref.tolist()
