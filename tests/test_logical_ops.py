"""Comparison, logical and bitwise ops (issue 11, item 2) against torch: function, method,
operator (with reflected forms) and in-place forms, dtypes, and TypeError on floats."""

import numpy as np
import pytest

import glassgrad as gg
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(12)
NAN, INF = np.nan, np.inf


def _both(a):
    return gg.tensor(a), torch.tensor(a)


def _same(ours, theirs):
    if isinstance(theirs, bool):
        assert ours is theirs or (type(ours) is bool and ours == theirs)
        return
    o, t = ours.numpy(), theirs.numpy()
    assert o.dtype == t.dtype, (o.dtype, t.dtype)
    assert o.shape == t.shape
    np.testing.assert_array_equal(o, t)


COMPARE = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal",
           "less_equal", "not_equal"]


@pytest.mark.parametrize("name", COMPARE)
def test_comparisons_function_method_and_in_place_match_torch(name):
    a = RNG.integers(-3, 3, (3, 4))
    b = RNG.integers(-3, 3, (4,))
    for da, db in ((np.int64, np.int64), (np.float32, np.int64), (np.int8, np.float64),
                   (bool, np.int64)):
        (x, xt), (y, yt) = _both(a.astype(da)), _both(b.astype(db))
        _same(getattr(gg, name)(x, y), getattr(torch, name)(xt, yt))
        _same(getattr(x, name)(y), getattr(xt, name)(yt))
        _same(getattr(x, name)(1.5), getattr(xt, name)(1.5))
        u, ut = _both(a.astype(np.float32))
        getattr(u, name + "_")(y)
        getattr(ut, name + "_")(yt)
        _same(u, ut)


def test_comparison_operators_promote_like_torch():
    x, xt = _both(np.array([100, -100, 127], np.int8))
    for op in (lambda a: a < 50, lambda a: a == 127, lambda a: a >= -100.5,
               lambda a: 2 > a, lambda a: a != a):
        _same(op(x), op(xt))
    assert (gg.tensor([1, 2]) == None).tolist() == [False, False]  # noqa: E711


def test_isclose_allclose_equal_match_torch():
    a = np.array([1.0, 1.0 + 1e-9, NAN, INF, -INF, 0.0, 1e-9])
    b = np.array([1.0, 1.0, NAN, INF, INF, 1e-8, 0.0])
    (x, xt), (y, yt) = _both(a), _both(b)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 1e-12}, {"atol": 0.0}):
        _same(gg.isclose(x, y, **kw), torch.isclose(xt, yt, **kw))
        _same(x.isclose(y, **kw), xt.isclose(yt, **kw))
        assert gg.allclose(x, y, **kw) is torch.allclose(xt, yt, **kw)
        assert x.allclose(x, **kw) is xt.allclose(xt, **kw)
    assert gg.allclose(x[:2], y[:2]) is True
    i, it = _both(np.array([1, 2, 3]))
    _same(gg.isclose(i, i), torch.isclose(it, it))
    with pytest.raises(RuntimeError):
        gg.isclose(i, i.float())
    assert gg.equal(i, i.float()) is torch.equal(it, it.float()) is True
    assert gg.equal(x, x) is torch.equal(xt, xt) is False  # NaN != NaN
    assert gg.equal(i, i[:2]) is False and x.equal(x.clone()) is False


def test_float_classification_matches_torch():
    a = np.array([NAN, INF, -INF, 0.0, -1.5])
    for dt in (np.float32, np.float64, np.int64):
        x, xt = _both(np.nan_to_num(a, nan=7) if dt == np.int64 else a.astype(dt))
        if dt == np.int64:
            x, xt = _both(np.array([1, -2, 0]))
        for name in ("isnan", "isinf", "isfinite", "isreal", "isposinf", "isneginf"):
            _same(getattr(gg, name)(x), getattr(torch, name)(xt))
            _same(getattr(x, name)(), getattr(xt, name)())


def test_count_nonzero_matches_torch():
    a = RNG.integers(-1, 2, (3, 4, 2)).astype(np.float32)
    x, xt = _both(a)
    for kw in ({}, {"dim": 0}, {"dim": -1}, {"dim": (0, 2)}, {"dim": [1]}):
        _same(gg.count_nonzero(x, **kw), torch.count_nonzero(xt, **kw))
        _same(x.count_nonzero(**kw), xt.count_nonzero(**kw))
    s, st = _both(np.array(3.0))
    _same(gg.count_nonzero(s), torch.count_nonzero(st))
    with pytest.raises(IndexError):
        gg.count_nonzero(x, dim=3)


def test_any_and_all_match_torch():
    a = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    x, xt = _both(a)
    for name in ("any", "all"):
        _same(getattr(gg, name)(x), getattr(torch, name)(xt))
        _same(getattr(x, name)(dim=1), getattr(xt, name)(dim=1))
        _same(getattr(x, name)(1, keepdim=True), getattr(xt, name)(1, keepdim=True))


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_binary_ops_match_torch(name):
    a = np.array([[0.0, 1.5, NAN], [-2.0, 0.0, 3.0]])
    b = np.array([0, 2, 0])
    (x, xt), (y, yt) = _both(a), _both(b)
    _same(getattr(gg, name)(x, y), getattr(torch, name)(xt, yt))
    _same(getattr(x, name)(y), getattr(xt, name)(yt))
    u, ut = _both(np.array([True, False, True]))
    getattr(u, name + "_")(y)
    getattr(ut, name + "_")(yt)
    _same(u, ut)


def test_logical_not_matches_torch():
    for a in (np.array([0.0, 2.0, NAN]), np.array([0, 3]), np.array([True, False])):
        x, xt = _both(a)
        _same(gg.logical_not(x), torch.logical_not(xt))
        _same(x.logical_not(), xt.logical_not())


BITWISE = {"bitwise_and": lambda a, b: a & b, "bitwise_or": lambda a, b: a | b,
           "bitwise_xor": lambda a, b: a ^ b, "bitwise_left_shift": lambda a, b: a << b,
           "bitwise_right_shift": lambda a, b: a >> b}


@pytest.mark.parametrize("name", sorted(BITWISE))
def test_bitwise_ops_operators_and_reflected_forms_match_torch(name):
    op = BITWISE[name]
    a = RNG.integers(-20, 20, (3, 4))
    b = RNG.integers(0, 5, (4,))
    for da, db in ((np.int64, np.int64), (np.int32, np.int64), (np.uint8, np.int16),
                   (bool, bool), (bool, np.int64)):
        if name.endswith("shift") and (da is bool or db is bool):
            continue
        if da is np.uint8:
            a = np.abs(a)
        (x, xt), (y, yt) = _both(a.astype(da)), _both(b.astype(db))
        _same(getattr(gg, name)(x, y), getattr(torch, name)(xt, yt))
        _same(getattr(x, name)(y), getattr(xt, name)(yt))
        _same(op(x, y), op(xt, yt))
        _same(op(x, 3), op(xt, 3))
        _same(op(3, y), op(3, yt))  # reflected
        if da == np.int64:
            u, ut = _both(a.astype(da))
            getattr(u, name + "_")(y)
            getattr(ut, name + "_")(yt)
            _same(u, ut)


def test_bitwise_not_and_invert_match_torch():
    for a in (np.array([0, 5, -3]), np.array([True, False]), np.array([3, 200], np.uint8)):
        x, xt = _both(a)
        _same(~x, ~xt)
        _same(gg.bitwise_not(x), torch.bitwise_not(xt))
        u, ut = _both(a)
        u.bitwise_not_()
        ut.bitwise_not_()
        _same(u, ut)
    assert (~gg.tensor([True, False])).tolist() == [False, True]


@pytest.mark.parametrize("op", [lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b,
                                lambda a, b: a << b, lambda a, b: a >> b,
                                lambda a, b: ~a, lambda a, b: 1 & a])
def test_bitwise_ops_refuse_floats_with_type_error(op):
    x = gg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="not implemented for dtype float32"):
        op(x, gg.tensor([1, 2]))
    if torch is not None:
        with pytest.raises((TypeError, RuntimeError)):
            op(torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))


def test_known_values_without_torch():
    i = gg.tensor([3, -2, 5])
    assert (i & 3).tolist() == [3, 2, 1]
    assert (i << 1).tolist() == [6, -4, 10]
    assert (1 << i.abs()).tolist() == [8, 4, 32]
    assert (gg.tensor([True, False]) | 1).dtype == gg.int64
    assert gg.count_nonzero(gg.tensor([[0, 1], [2, 0]]), dim=0).tolist() == [1, 1]


def test_shifts_past_the_width_and_negative_shifts_match_torch():
    for a, s in (([1, 2], 64), ([1, -8], 70), ([8], -1)):
        for op in (lambda u, v: u << v, lambda u, v: u >> v):
            _same(op(gg.tensor(a), s), op(torch.tensor(a), s))
    for dt, gdt in ((torch.int8, gg.int8), (torch.uint8, gg.uint8)):
        _same(gg.tensor([1, 100], dtype=gdt) << 2, torch.tensor([1, 100], dtype=dt) << 2)


def test_augmented_assignments_change_the_tensor_in_place_as_torch():
    ops = {"&=": lambda u, v: u.__iand__(v), "|=": lambda u, v: u.__ior__(v),
           "^=": lambda u, v: u.__ixor__(v), "<<=": lambda u, v: u.__ilshift__(v),
           ">>=": lambda u, v: u.__irshift__(v), "//=": lambda u, v: u.__ifloordiv__(v),
           "%=": lambda u, v: u.__imod__(v)}
    for sym, op in ops.items():
        x, xt = _both(np.array([7, -6, 5]))
        view, viewt = x[:], xt[:]
        assert op(x, 2) is x, sym
        op(xt, 2)
        _same(x, xt)
        _same(view, viewt)  # written in place: a view sees the change
