"""dtypes follow torch's promotion rules: Python scalars and 0-d tensors count by category
only, integer inputs to float ops give the default float dtype, sums of small integers are
int64, the default dtype can be changed, and out-of-range Python ints raise."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import _dtype
from glassgrad import functional as F
from torch_ref import torch  # None where torch is not installed

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
TF = torch.nn.functional if torch is not None else None


def _values(name, shape):
    """Small positive values every dtype holds exactly (1..3, True for bool)."""
    if name == "bool":
        return np.ones(shape, bool)
    return (np.arange(int(np.prod(shape))) % 3 + 1).reshape(shape).astype(name)


def _pair(name, shape):
    a = _values(name, shape)
    return gg.tensor(a), (torch.tensor(a) if torch is not None else None)


# ------------------------------------------------------------------------------ the table
@pytest.mark.parametrize("rule", [
    ("float32", (3,), "float64", (), "float32"),   # a 0-d tensor counts by category only
    ("int32", (3,), "int64", (), "int32"),
    ("int64", (3,), "float64", (), "float64"),     # ... but a higher category wins, as itself
    ("int64", (3,), "float16", (), "float16"),
    ("bool", (3,), "int32", (), "int32"),
    ("uint8", (3,), "int8", (), "uint8"),
    ("float32", (3,), "float64", (3,), "float64"),  # tensors with dims promote normally
    ("int32", (3,), "int64", (3,), "int64"),
    ("int64", (3,), "float32", (3,), "float32"),   # numpy would give float64
    ("int32", (3,), "float16", (3,), "float16"),
    ("uint8", (3,), "int8", (3,), "int16"),
    ("float32", (), "float64", (), "float64"),     # two 0-d tensors promote normally
    ("int32", (), "float64", (), "float64"),
])
def test_named_promotions(rule):
    a, sa, b, sb, want = rule
    x, y = gg.tensor(_values(a, sa)), gg.tensor(_values(b, sb))
    assert (x * y).dtype == np.dtype(want) and (y * x).dtype == np.dtype(want)
    assert (x + y).dtype == np.dtype(want)
    assert _dtype.result_type(x, y) == np.dtype(want)


@pytest.mark.parametrize("scalar, want", [
    (2.5, {"float16": "float16", "float64": "float64", "int64": "float32", "bool": "float32"}),
    (3, {"uint8": "uint8", "int8": "int8", "int32": "int32", "bool": "int64",
         "float16": "float16"}),
    (True, {"bool": "bool", "int16": "int16", "float32": "float32"}),
    (np.float64(2.5), {"float32": "float32", "int64": "float32"}),  # numpy scalars: wrapped
    (np.int64(3), {"int32": "int32", "float16": "float16"}),
])
def test_python_and_numpy_scalars_count_by_category(scalar, want):
    for name, out in want.items():
        x = gg.tensor(_values(name, (3,)))
        assert (x * scalar).dtype == np.dtype(out), f"{name} * {scalar!r}"
        assert (scalar * x).dtype == np.dtype(out), f"{scalar!r} * {name}"


OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (gg.maximum, lambda a, b: torch.maximum(a, b)),
    "where": (lambda a, b: gg.where(gg.tensor([True, False, True]), a, b),
              lambda a, b: torch.where(torch.tensor([True, False, True]), a, b)),
}


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("first", NAMES)
def test_every_pair_promotes_like_torch(first, op):
    """Tensor (op) tensor, 0-d tensor or Python scalar, over every pair of dtypes: the same
    dtype and the same values as torch."""
    ours, theirs = OPS[op]
    x, xt = _pair(first, (3,))
    others = [_pair(n, s) for n in NAMES for s in [(3,), ()]]
    others += [(v, v) for v in (True, 2, 2.5)]
    for y, yt in others:
        what = f"{first} {op} {getattr(y, 'dtype', y)!r} {getattr(y, 'shape', '')}"
        for a, b, at, bt in ((x, y, xt, yt), (y, x, yt, xt)):
            if not isinstance(a, gg.Tensor) and op in ("maximum",):
                continue  # torch.maximum needs tensors
            try:
                ref = theirs(at, bt)
            except (RuntimeError, TypeError):
                continue  # torch refuses (e.g. bool - bool): not a promotion question
            out = ours(a, b)
            assert out.dtype == np.dtype(str(ref.dtype).removeprefix("torch.")), what
            np.testing.assert_allclose(out.numpy().astype(np.float64),
                                       ref.numpy().astype(np.float64), rtol=1e-3, err_msg=what)


def test_clamp_promotes_its_bounds_like_torch():
    ints = gg.tensor([1, 5, 9])
    assert gg.clamp(ints, min=2.5).dtype == gg.float32
    assert gg.clamp(ints, min=gg.tensor(2.5)).dtype == gg.float32
    assert gg.clamp(ints, min=2, max=7).dtype == gg.int64
    f32 = gg.ones(3)
    assert gg.clamp(f32, min=gg.tensor(2.0, dtype=gg.float64)).dtype == gg.float32
    assert gg.clamp(f32, min=gg.ones(3, dtype=gg.float64)).dtype == gg.float64
    np.testing.assert_array_equal(gg.clamp(ints, min=2.5).numpy(), [2.5, 5, 9])


def test_float_ops_of_integers_give_the_default_float():
    for name in ("int64", "int32", "uint8", "bool"):
        x = gg.tensor(_values(name, (3,)))
        for op in ("sqrt", "exp", "log", "log1p", "sin", "cos", "tanh", "sigmoid", "erf"):
            out = getattr(x, op)()
            assert out.dtype == gg.float32, f"{op} of {name}"
            if torch is not None:
                ref = getattr(torch.tensor(_values(name, (3,))), op)()
                np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
        assert np.exp(x).dtype == gg.float32  # numpy calls route to the same ops
        assert (x / x).dtype == gg.float32 and (x / 2).dtype == gg.float32
        assert (2 / x).dtype == gg.float32
        assert gg.logsumexp(x, 0).dtype == gg.float32
    assert gg.tensor([1, -2]).abs().dtype == gg.int64  # abs and relu keep integers
    assert gg.tensor([1, -2]).relu().dtype == gg.int64


def test_integer_division_by_a_0d_float64_is_float64_like_torch():
    assert (gg.tensor([1, 2]) / gg.tensor(2.0, dtype=gg.float64)).dtype == gg.float64
    assert (gg.tensor([1, 2], dtype=gg.int32) / gg.tensor(2)).dtype == gg.float32


@pytest.mark.parametrize("fn", [F.gelu, F.silu, F.softplus, F.elu, F.leaky_relu,
                                lambda x: F.softmax(x, 0), lambda x: x.mean()])
def test_float_only_ops_refuse_integers_like_torch(fn):
    with pytest.raises((TypeError, RuntimeError), match="float"):
        fn(gg.tensor([1, 2, 3]))


@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int32", "int64"])
def test_sums_and_products_of_integers_are_int64(name):
    x = gg.tensor(_values(name, (2, 3)))
    for out in (x.sum(), x.sum(1), x.prod(), x.prod(0), gg.sum(x, dim=0, keepdim=True),
                np.sum(x)):
        assert out.dtype == gg.int64
    assert x.sum().item() == _values(name, (2, 3)).astype(np.int64).sum()
    if torch is not None:
        assert str(torch.tensor(_values(name, (2, 3))).sum().dtype) == "torch.int64"


def test_float_sums_keep_their_dtype():
    for name in ("float16", "float32", "float64"):
        assert gg.tensor(_values(name, (3,))).sum().dtype == np.dtype(name)


def test_default_dtype_can_be_set_like_torch():
    assert gg.get_default_dtype() == gg.float32
    try:
        gg.set_default_dtype(gg.float64)
        assert gg.get_default_dtype() == gg.float64
        assert gg.tensor([1.5]).dtype == gg.float64
        assert gg.tensor(2.5).dtype == gg.float64
        assert gg.tensor([1, 2]).dtype == gg.int64
        ints = gg.tensor([1, 4])
        assert ints.sqrt().dtype == gg.float64
        assert (ints * 2.5).dtype == gg.float64 and (ints / ints).dtype == gg.float64
        assert gg.zeros(2).dtype == gg.float64
        assert (gg.ones(2, dtype=gg.float32) * 2.5).dtype == gg.float32
    finally:
        gg.set_default_dtype(gg.float32)
    assert gg.tensor([1.5]).dtype == gg.float32
    with pytest.raises(TypeError, match="floating"):
        gg.set_default_dtype(gg.int64)


def test_default_dtype_matches_torch_under_float64():
    prev = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        gg.set_default_dtype(gg.float64)
        for ours, theirs in ((gg.tensor([1, 2]) * 0.5, torch.tensor([1, 2]) * 0.5),
                             (gg.tensor([4]).sqrt(), torch.tensor([4]).sqrt()),
                             (gg.tensor([1.5]), torch.tensor([1.5]))):
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    finally:
        torch.set_default_dtype(prev)
        gg.set_default_dtype(gg.float32)


# ------------------------------------------------------------------------------ Python ints
@pytest.mark.parametrize("value", [2**63, 2**63 + 5, 2**64 - 1])
def test_python_int_past_int64_raises_like_torch(value):
    with pytest.raises(ValueError, match="Overflow when unpacking long"):
        gg.tensor(value)
    with pytest.raises(RuntimeError, match="does not fit in int64"):  # older torch's type
        gg.tensor(value)


def test_int64_limits_are_exact():
    assert gg.tensor(2**63 - 1).dtype == gg.int64 and gg.tensor(2**63 - 1).item() == 2**63 - 1
    assert gg.tensor(-(2**63)).item() == -(2**63)


@pytest.mark.parametrize("data", [[1, 2**63], [[0], [-(2**63) - 1]], [2**64]])
def test_infer_dtype_checks_python_ints_in_lists(data):
    with pytest.raises(ValueError, match="Overflow when unpacking long"):
        _dtype.infer_dtype(np.asarray(data), True, data)
    assert _dtype.infer_dtype(np.asarray([1e19]), True, [1e19]) == gg.float32  # a float: fine


# ------------------------------------------------------------------------------ float32 stays
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_keeps_float32(approximate):
    x = gg.randn(4, 3, requires_grad=True)
    for y in (F.gelu(x, approximate=approximate), gg.nn.GELU(approximate)(x)):
        assert y.dtype == gg.float32
        y.sum().backward()
        assert x.grad.dtype == gg.float32
        x.grad = None


def test_a_model_stays_float32():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(4, 8), gg.nn.GELU(), gg.nn.LayerNorm(8),
                             gg.nn.SiLU(), gg.nn.Linear(8, 3), gg.nn.Softplus())
    out = model(gg.randn(5, 4))
    loss = F.cross_entropy(out, gg.tensor([0, 1, 2, 0, 1]))
    loss.backward()
    assert out.dtype == gg.float32 and loss.dtype == gg.float32
    assert all(p.grad.dtype == gg.float32 for p in model.parameters())
