"""Math ops of issue 11 beyond the registry checks, against torch: function, method and
in-place forms, integer dtypes, rounding modes, integer powers, ties of fmax / fmin /
maximum / minimum / clamp, gradients at non-finite values, and torch.special names."""

import numpy as np
import pytest

import glassgrad as gg
from torch_ref import torch  # None where torch is not installed

RNG = np.random.default_rng(11)

UNARY = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "rsqrt",
         "exp2", "expm1", "log2", "log10", "reciprocal", "square", "erf", "erfc", "erfinv",
         "logit", "sinc", "sign", "sgn", "floor", "ceil", "round", "trunc", "frac", "nan_to_num"]
DOMAIN = {"acosh": (1.1, 3.0), "rsqrt": (0.2, 3.0), "log2": (0.2, 3.0), "log10": (0.2, 3.0),
          "reciprocal": (0.2, 3.0), "logit": (0.05, 0.95), "asin": (-0.95, 0.95),
          "acos": (-0.95, 0.95), "atanh": (-0.95, 0.95), "erfinv": (-0.95, 0.95)}


def _values(name, dtype=np.float64, shape=(3, 4)):
    lo, hi = DOMAIN.get(name, (-2.5, 2.5))
    return RNG.uniform(lo, hi, shape).astype(dtype)


def _both(a, requires_grad=False):
    return (gg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _close(ours, theirs, **kw):
    theirs = (theirs.detach().numpy(force=True) if hasattr(theirs, "detach")
              else np.asarray(theirs))  # force: torch gives some zero gradients lazily
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", UNARY)
def test_unary_function_method_and_in_place_match_torch(name, dtype):
    a = _values(name, dtype)
    x, xt = _both(a)
    rtol = 2e-6 if dtype == np.float32 else 1e-12
    _close(getattr(gg, name)(x), getattr(torch, name)(xt), rtol=rtol, atol=1e-30)
    _close(getattr(x, name)(), getattr(xt, name)(), rtol=rtol, atol=1e-30)
    assert hasattr(torch.Tensor, name + "_") and hasattr(gg.Tensor, name + "_")
    y, yt = _both(a)
    assert getattr(y, name + "_")() is y
    getattr(yt, name + "_")()
    _close(y, yt, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("name", ["tan", "atan", "sinh", "exp2", "expm1", "log2", "log10",
                                  "reciprocal", "rsqrt", "erfc", "erfinv", "logit",
                                  "square", "floor", "round", "sign", "trunc", "ceil"])
def test_unary_on_integers_and_bools_has_torchs_dtype(name):
    for a in (np.array([0, 1, 2, -3]), np.array([True, False])):
        x, xt = _both(a)
        try:
            want = getattr(torch, name)(xt)
        except (RuntimeError, TypeError) as e:
            with pytest.raises(type(e) if not isinstance(e, NotImplementedError)
                               else RuntimeError):
                getattr(gg, name)(x)
            continue
        got = getattr(gg, name)(x)
        _close(got, want, rtol=1e-6, equal_nan=True)


def test_gradients_of_rounding_ops_are_zero_and_frac_passes_them():
    a = np.array([-2.7, -0.5, 0.0, 0.5, 1.5, 2.49])
    for name in ["floor", "ceil", "round", "trunc", "sign", "sgn", "frac"]:
        x, xt = _both(a, True)
        getattr(gg, name)(x).sum().backward()
        getattr(torch, name)(xt).sum().backward()
        _close(x.grad, xt.grad)
    assert gg.frac(gg.tensor([1.5])).requires_grad is False


def test_round_decimals_and_half_to_even():
    a = np.array([2.5, 3.5, -0.5, 1.25, 0.125, 1234.5678, -987.65])
    for d in (0, 1, 2, -1, -2):
        for dt in (np.float32, np.float64):
            x, xt = _both(a.astype(dt))
            _close(gg.round(x, decimals=d), torch.round(xt, decimals=d), rtol=1e-6)
            _close(x.round(decimals=d), xt.round(decimals=d), rtol=1e-6)
    assert gg.round(gg.tensor([0.5, 1.5, 2.5])).tolist() == [0.0, 2.0, 2.0]
    with pytest.raises(RuntimeError):  # torch: not implemented for integers
        gg.round(gg.tensor([1, 2]), decimals=1)
    with pytest.raises(RuntimeError):
        gg.frac(gg.tensor([1, 2]))


def test_sign_is_zero_at_nan_and_negative_zero():
    a = np.array([np.nan, -0.0, 0.0, -3.0, np.inf])
    x, xt = _both(a)
    _close(gg.sign(x), torch.sign(xt))
    _close(gg.sgn(x), torch.sgn(xt))


@pytest.mark.parametrize("ix, iy", [(np.array([7, -7, 6, -6, 0]), np.array([2, 2, -4, -4, 3])),
                                    (np.array([7, -7, 6, -6, 0]), 3),
                                    (np.array([7.5, -7.5, 6.0, -6.25, 0.0]),
                                     np.array([2.0, 2.0, -4.0, -4.0, 3.0])),
                                    (np.array([7.5, -7.5, 6.0]), -2.5),
                                    (np.array([7, -7, 6]), 2.5)])
def test_division_and_remainder_forms_match_torch(ix, iy):
    x, xt = _both(ix)
    y, yt = _both(iy) if isinstance(iy, np.ndarray) else (iy, iy)
    _close(x // y, xt // yt)
    _close(x % y, xt % yt)
    _close(gg.floor_divide(x, y), torch.floor_divide(xt, yt))
    _close(gg.fmod(x, y), torch.fmod(xt, yt))
    _close(gg.remainder(x, y), torch.remainder(xt, yt))
    _close(x.fmod(y), xt.fmod(yt))
    _close(x.remainder(y), xt.remainder(yt))
    for mode in (None, "trunc", "floor"):
        _close(gg.div(x, y, rounding_mode=mode), torch.div(xt, yt, rounding_mode=mode),
               rtol=1e-6)
        _close(x.div(y, rounding_mode=mode), xt.div(yt, rounding_mode=mode), rtol=1e-6)
    _close(gg.true_divide(x, y), torch.true_divide(xt, yt), rtol=1e-6)
    _close(x.true_divide(y), xt.true_divide(yt), rtol=1e-6)
    if isinstance(iy, np.ndarray):  # reflected operators with a Python number on the left
        _close(5 // y, 5 // yt)
        _close(5 % y, 5 % yt)
        _close(gg.remainder(5, y), torch.remainder(5, yt))


def test_float_division_keeps_float32_and_known_values():
    x = gg.tensor([7.0, -7.0], dtype=gg.float32)
    assert (x // 2).dtype == gg.float32 and (x // 2).tolist() == [3.0, -4.0]
    assert (x % 2).tolist() == [1.0, 1.0]
    assert gg.fmod(x, 2).tolist() == [1.0, -1.0]
    assert gg.div(x, 2, rounding_mode="trunc").tolist() == [3.0, -3.0]


def test_integer_division_by_zero_raises_as_torch():
    x = gg.tensor([1, 2])
    for fn in (lambda: x // 0, lambda: x % 0, lambda: gg.fmod(x, 0),
               lambda: gg.div(x, 0, rounding_mode="floor")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn()
    with pytest.raises(ValueError, match="rounding_mode"):
        gg.div(x, 2, rounding_mode="round")


def test_division_gradients_match_torch():
    a, b = np.array([1.5, -2.5, 3.25, -0.75]), np.array([0.7, -1.3, 2.0, 0.4])
    for fn in (lambda t, x, y: t.fmod(x, y), lambda t, x, y: t.remainder(x, y),
               lambda t, x, y: t.div(x, y, rounding_mode="trunc"),
               lambda t, x, y: t.div(x, y, rounding_mode="floor")):
        (x, xt), (y, yt) = _both(a, True), _both(b, True)
        fn(gg, x, y).sum().backward()
        fn(torch, xt, yt).sum().backward()
        _close(x.grad, xt.grad)
        _close(y.grad, yt.grad)


def test_floor_divide_has_no_derivative_as_in_torch():
    x = gg.tensor([1.5, 2.5], requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()


def test_integer_power_with_negative_exponents_matches_torch():
    base = np.array([0, 1, -1, 2, -2, 3])
    exps = np.array([-1, -2, -3, -1, -2, 2])
    for dt in (np.int64, np.int32, np.int8):
        (x, xt), (e, et) = _both(base.astype(dt)), _both(exps.astype(dt))
        _close(x**e, xt**et)
        _close(gg.pow(x, e), torch.pow(xt, et))
    _close(2 ** gg.tensor([-1, 2]), 2 ** torch.tensor([-1, 2]))
    _close(gg.tensor([2, 3]) ** gg.tensor(-1), torch.tensor([2, 3]) ** torch.tensor(-1))
    _close(gg.tensor([2, 3]) ** -1.0, torch.tensor([2, 3]) ** -1.0)
    with pytest.raises(RuntimeError, match="negative integer powers"):
        gg.tensor([2, 3]) ** -1
    assert (gg.tensor([1, -1, 5]) ** gg.tensor([-4, -3, -1])).tolist() == [1, -1, 0]


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_pairwise_extrema_ties_and_nan_gradients_match_torch(name):
    nan = np.nan
    a = np.array([1.0, 2.0, -1.0, nan, 3.0, nan, 0.0])
    b = np.array([1.0, 0.5, 4.0, 2.0, nan, nan, -0.0])
    (x, xt), (y, yt) = _both(a, True), _both(b, True)
    out, outt = getattr(gg, name)(x, y), getattr(torch, name)(xt, yt)
    _close(out, outt, equal_nan=True)
    w = np.arange(1.0, 8.0)
    (out * gg.tensor(w)).sum().backward()
    (outt * torch.tensor(w)).sum().backward()
    _close(x.grad, xt.grad)
    _close(y.grad, yt.grad)
    _close(getattr(x, name)(y), getattr(xt, name)(yt), equal_nan=True)


def test_fmax_refuses_numbers_and_keeps_integers():
    with pytest.raises(TypeError):
        gg.fmax(gg.tensor([1.0]), 2.0)
    _close(gg.fmax(gg.tensor([1, 5]), gg.tensor([3, 2])),
           torch.fmax(torch.tensor([1, 5]), torch.tensor([3, 2])))


def test_clamp_with_tensor_bounds_and_ties_matches_torch():
    a = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 0.7])
    lo = np.array([-1.0, -1.0, -1.0, 0.8, 0.0, 0.0, 0.9])
    hi = np.array([1.0, 1.0, 1.0, 0.2, 1.0, 2.0, 0.3])
    (x, xt), (l_, lt), (h, ht) = _both(a, True), _both(lo, True), _both(hi, True)
    for f in (lambda t, x, l_, h: t.clamp(x, l_, h), lambda t, x, l_, h: x.clip(l_, h),
              lambda t, x, l_, h: t.clamp(x, min=l_), lambda t, x, l_, h: t.clamp(x, max=h)):
        for v in (x, l_, h, xt, lt, ht):
            v.grad = None
        w = np.arange(1.0, 8.0)
        (f(gg, x, l_, h) * gg.tensor(w)).sum().backward()
        (f(torch, xt, lt, ht) * torch.tensor(w)).sum().backward()
        for ours, theirs in ((x, xt), (l_, lt), (h, ht)):
            if theirs.grad is None:
                assert ours.grad is None or not ours.grad.numpy().any()
            else:
                _close(ours.grad, theirs.grad)
    _close(gg.clamp(gg.tensor([1, 5, -3]), gg.tensor([0.5])),
           torch.clamp(torch.tensor([1, 5, -3]), torch.tensor([0.5])))


def test_nan_to_num_values_and_gradient_at_replaced_elements():
    a = np.array([np.nan, np.inf, -np.inf, 0.5, -1.5])
    for dt in (np.float32, np.float64):
        x, xt = _both(a.astype(dt), True)
        _close(gg.nan_to_num(x), torch.nan_to_num(xt))
        _close(x.nan_to_num(nan=1.0, posinf=9.0), xt.nan_to_num(nan=1.0, posinf=9.0))
        gg.nan_to_num(x, neginf=-7.0).sum().backward()
        torch.nan_to_num(xt, neginf=-7.0).sum().backward()
        _close(x.grad, xt.grad)
    _close(gg.nan_to_num(gg.tensor([1, 2])), torch.nan_to_num(torch.tensor([1, 2])))


def test_xlogy_and_copysign_at_zero_match_torch():
    a = np.array([0.0, 0.0, 0.0, 2.0, -1.5])
    b = np.array([0.0, -1.0, 3.0, 0.5, 2.0])
    for name in ("xlogy", "copysign"):
        (x, xt), (y, yt) = _both(a, True), _both(b, True)
        out, outt = getattr(gg, name)(x, y), getattr(torch, name)(xt, yt)
        _close(out, outt, equal_nan=True)
        out.sum().backward()
        outt.sum().backward()
        _close(x.grad, xt.grad, equal_nan=True)
        _close(y.grad, yt.grad, equal_nan=True)
    x, xt = _both(np.array([0.5, 2.0], np.float32))
    _close(gg.xlogy(x, 2.0), torch.xlogy(xt, 2.0), rtol=1e-6)
    _close(gg.xlogy(2.0, x), torch.xlogy(2.0, xt), rtol=1e-6)
    _close(gg.special.xlogy(x, x), torch.special.xlogy(xt, xt), rtol=1e-6)


@pytest.mark.parametrize("name", ["atan2", "copysign", "hypot", "logaddexp", "logaddexp2",
                                  "xlogy", "float_power"])
def test_binary_math_dtypes_and_forms_match_torch(name):
    a = RNG.uniform(0.2, 2.0, (3, 4))
    b = RNG.uniform(0.2, 2.0, (4,))
    for dx, dy in ((np.float32, np.float32), (np.float32, np.float64), (np.int64, np.int64),
                   (np.int64, np.float32)):
        (x, xt), (y, yt) = _both((a * 3).astype(dx)), _both((b * 3).astype(dy))
        try:
            want = getattr(torch, name)(xt, yt)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                getattr(gg, name)(x, y)
            continue
        _close(getattr(gg, name)(x, y), want, rtol=2e-6)
        _close(getattr(x, name)(y), getattr(xt, name)(yt), rtol=2e-6)
    if name not in ("logaddexp", "logaddexp2"):  # torch has no logaddexp_
        x, xt = _both(a)
        getattr(x, name + "_")(gg.tensor(b))
        getattr(xt, name + "_")(torch.tensor(b))
        _close(x, xt, rtol=1e-12)


def test_float_power_is_float64_and_differentiable():
    a = RNG.uniform(0.5, 2.0, (3,)).astype(np.float32)
    x, xt = _both(a, True)
    out, outt = gg.float_power(x, 2.5), torch.float_power(xt, 2.5)
    _close(out, outt, rtol=1e-12)
    out.sum().backward()
    outt.sum().backward()
    _close(x.grad, xt.grad, rtol=1e-6)
    with pytest.raises(RuntimeError):
        gg.tensor(a).float_power_(2)
    y, yt = _both(a.astype(np.float64))
    assert y.float_power_(1.5) is y
    _close(y, yt.float_power_(1.5), rtol=1e-12)


def test_lerp_addcmul_addcdiv_forms_and_dtypes_match_torch():
    a, b, c = (RNG.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    c = np.abs(c) + 0.5
    (x, xt), (y, yt), (z, zt) = _both(a), _both(b), _both(c)
    _close(gg.lerp(x, y, 0.3), torch.lerp(xt, yt, 0.3), rtol=1e-6)
    _close(x.lerp(y, z), xt.lerp(yt, zt), rtol=1e-6, atol=1e-6)
    _close(gg.addcmul(x, y, z, value=0.5), torch.addcmul(xt, yt, zt, value=0.5), rtol=1e-6)
    _close(x.addcdiv(y, z, value=-2), xt.addcdiv(yt, zt, value=-2), rtol=1e-6)
    for m in ("lerp_", "addcmul_", "addcdiv_"):
        u, ut = _both(a)
        args = (y, 0.25) if m == "lerp_" else (y, z)
        targs = (yt, 0.25) if m == "lerp_" else (yt, zt)
        getattr(u, m)(*args)
        getattr(ut, m)(*targs)
        _close(u, ut, rtol=1e-6)
    i, it = _both(np.array([1, 2, 3]))
    _close(gg.addcmul(i, i, i, value=2), torch.addcmul(it, it, it, value=2))
    with pytest.raises(RuntimeError):
        gg.addcdiv(i, i, i)
    with pytest.raises(RuntimeError):
        gg.lerp(i, i, 0.5)


def test_lerp_gradients_with_tensor_weight_match_torch():
    a, b, w = RNG.standard_normal(4), RNG.standard_normal(4), np.array([0.0, 0.3, 0.5, 1.0])
    (x, xt), (y, yt), (u, ut) = _both(a, True), _both(b, True), _both(w, True)
    gg.lerp(x, y, u).sum().backward()
    torch.lerp(xt, yt, ut).sum().backward()
    for ours, theirs in ((x, xt), (y, yt), (u, ut)):
        _close(ours.grad, theirs.grad, rtol=1e-12)


def test_logit_eps_gradient_outside_the_clamp_matches_torch():
    a = np.array([0.05, 0.2, 0.5, 0.9, 0.95])
    for eps in (None, 0.1):
        x, xt = _both(a, True)
        gg.logit(x, eps=eps).sum().backward()
        torch.logit(xt, eps=eps).sum().backward()
        _close(x.grad, xt.grad, rtol=1e-12)


def test_special_namespace_matches_torch():
    a = RNG.uniform(-0.9, 0.9, (5,))
    x, xt = _both(a)
    for name in ("erf", "erfc", "erfinv", "expit", "expm1", "exp2", "log1p", "round", "sinc"):
        _close(getattr(gg.special, name)(x), getattr(torch.special, name)(xt), rtol=1e-12)
    _close(gg.special.logit(x.abs()), torch.special.logit(xt.abs()), rtol=1e-12)
    assert abs(gg.special.erf(gg.tensor(1.0)).item() - 0.8427007929497149) < 1e-7


def test_erf_is_exact_in_float64():
    a = np.linspace(-6, 6, 101)
    _close(gg.erf(gg.tensor(a)), torch.erf(torch.tensor(a)), rtol=1e-15, atol=1e-300)
    _close(gg.erfc(gg.tensor(a)), torch.erfc(torch.tensor(a)), rtol=1e-13, atol=1e-300)


def test_double_backward_of_new_unary_ops_matches_torch():
    a = RNG.uniform(0.2, 0.8, (4,))
    for name in ("tan", "asin", "acosh", "atanh", "erfinv", "log10", "exp2", "rsqrt"):
        v = a + 1.0 if name == "acosh" else a
        x, xt = _both(v, True)
        (g,) = gg.autograd.grad(getattr(gg, name)(x).sum(), x, create_graph=True)
        (gt,) = torch.autograd.grad(getattr(torch, name)(xt).sum(), xt, create_graph=True)
        g.sum().backward()
        gt.sum().backward()
        _close(x.grad, xt.grad, rtol=1e-10)


def _identical(ours, theirs):
    """Same values bit for bit where it matters: NaN places, values and the sign of zero."""
    o, t = ours.detach().numpy(), theirs.detach().numpy(force=True)
    assert o.dtype == t.dtype
    np.testing.assert_array_equal(np.isnan(o), np.isnan(t))
    keep = ~np.isnan(o)
    np.testing.assert_array_equal(o[keep], t[keep])
    np.testing.assert_array_equal(np.signbit(o[keep]), np.signbit(t[keep]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_division_modes_at_zeros_infinities_and_nan_are_identical_to_torch(dtype):
    a = np.array([-3.0, 3.0, 0.0, -0.0, 0.5, -0.5, 7.0, -7.0, np.inf, -np.inf, np.nan, 1, 1])
    b = np.array([1.5, -1.5, -3.0, 3.0, -3.0, 3.0, np.inf, np.inf, 2.0, 2.0, 1.0, 0.0, -0.0])
    (x, xt), (y, yt) = _both(a.astype(dtype)), _both(b.astype(dtype))
    for f in (lambda u, v: u % v, lambda u, v: u // v, lambda u, v: u.fmod(v),
              lambda u, v: u.div(v, rounding_mode="trunc"),
              lambda u, v: u.div(v, rounding_mode="floor")):
        with np.errstate(all="ignore"):
            _identical(f(x, y), f(xt, yt))


def test_gradients_at_singular_points_match_torch():
    cases = {"hypot": ([0.0, 3.0], [0.0, 4.0]), "atan2": ([0.0, 1.0, 0.0], [0.0, 0.0, -2.0]),
             "logaddexp": ([-np.inf, np.inf, 1.0], [-np.inf, 1.0, np.inf]),
             "logaddexp2": ([-np.inf, np.inf, 1.0], [-np.inf, 1.0, np.inf]),
             "fmod": ([3.0, -3.0, 1.0], [1.5, 1.5, 0.0]),
             "remainder": ([3.0, -3.0, 1.0], [1.5, 1.5, 0.0]),
             "xlogy": ([0.0, 1.0, 0.0], [np.nan, 0.0, np.inf])}
    for name, (a, b) in cases.items():
        (x, xt), (y, yt) = _both(np.array(a), True), _both(np.array(b), True)
        with np.errstate(all="ignore"):
            out, outt = getattr(gg, name)(x, y), getattr(torch, name)(xt, yt)
            _identical(out, outt)
            out.sum().backward()
        outt.sum().backward()
        _identical(x.grad, xt.grad)
        _identical(y.grad, yt.grad)


def test_sinc_at_zero_matches_torch():
    x, xt = _both(np.array([0.0, 0.5, -1.0]), True)
    gg.sinc(x).sum().backward()
    torch.sinc(xt).sum().backward()
    _close(gg.sinc(x), torch.sinc(xt), rtol=1e-12)
    _close(x.grad, xt.grad, rtol=1e-12)


def test_float32_lerp_addcmul_addcdiv_round_as_torch():
    """torch fuses the multiply-add (one rounding): the float32 results are bit for bit."""
    a, b, c = (RNG.standard_normal(2000).astype(np.float32) for _ in range(3))
    w = (np.abs(c) % 1).astype(np.float32)
    (x, xt), (y, yt), (z, zt), (u, ut) = _both(a), _both(b), _both(np.abs(c) + 0.1), _both(w)
    for v in (1, 0.3, -2.0):
        _identical(gg.addcmul(x, y, z, value=v), torch.addcmul(xt, yt, zt, value=v))
        _identical(gg.addcdiv(x, y, z, value=v), torch.addcdiv(xt, yt, zt, value=v))
    for wg, wt in ((u, ut), (0.3, 0.3), (0.7, 0.7)):
        _identical(gg.lerp(x, y, wg), torch.lerp(xt, yt, wt))
