"""Specs for the math ops of issue 11: trig and hyperbolic, powers, exps and logs, special
functions, rounding (gradient 0), remainders, and the combining ops (atan2, copysign, hypot,
logaddexp, xlogy, lerp, addcmul, addcdiv, fmax, fmin, nan_to_num).

Inputs stay inside each op's domain and away from its kinks and jumps (rounding ops: away
from the integers, fmod / remainder: away from the multiples of the divisor)."""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import Case, away_from, spec

_SHAPES = [(3, 4), (), (1, 5), (2, 1, 3)]


def _unary_cases(draw):
    def cases(rng):
        return [Case((draw(rng, shape),)) for shape in _SHAPES]

    return cases


def _normal(rng, shape):
    return rng.standard_normal(shape)


def _open_unit(rng, shape):  # (-0.9, 0.9): asin, acos, atanh, erfinv
    return rng.uniform(-0.9, 0.9, shape)


def _above_one(rng, shape):  # acosh
    return rng.uniform(1.2, 3.0, shape)


def _positive(rng, shape):
    return rng.uniform(0.3, 3.0, shape)


def _unit(rng, shape):  # logit
    return rng.uniform(0.1, 0.9, shape)


def _tan_domain(rng, shape):
    return rng.uniform(-1.2, 1.2, shape)


def _off_integers(rng, shape):  # rounding ops: away from the jumps
    a = rng.uniform(-3, 3, shape)
    return away_from(a, np.arange(-3.0, 4.0), margin=0.1)


_DRAW = {"tan": _tan_domain, "asin": _open_unit, "acos": _open_unit, "atan": _normal,
         "sinh": _normal, "cosh": _normal, "asinh": _normal, "acosh": _above_one,
         "atanh": _open_unit, "rsqrt": _positive, "exp2": _normal, "expm1": _normal,
         "log2": _positive, "log10": _positive, "reciprocal": _positive, "square": _normal,
         "erfc": _normal, "erfinv": _open_unit}
for _name, _draw in _DRAW.items():
    spec(_name, (lambda n: lambda x: getattr(x, n)())(_name), _unary_cases(_draw),
         (lambda n: lambda t, x: getattr(x, n)())(_name), gradgrad=True)

spec("sinc", lambda x: x.sinc(), _unary_cases(lambda rng, shape: away_from(
    rng.uniform(-2.5, 2.5, shape), [0.0], 0.1)), lambda t, x: x.sinc(), gradgrad=True)

for _name in ("sign", "floor", "ceil", "trunc", "frac"):
    spec(_name, (lambda n: lambda x: getattr(x, n)())(_name), _unary_cases(_off_integers),
         (lambda n: lambda t, x: getattr(x, n)())(_name), gradgrad=True)


def _round_cases(rng):
    return [Case((_off_integers(rng, (3, 4)),)),
            Case((_off_integers(rng, ()),)),
            Case((away_from(rng.uniform(-3, 3, (1, 5)), np.arange(-3.0, 3.1, 0.1) + 0.05,
                            margin=0.01),), {"decimals": 1}),
            Case((away_from(rng.uniform(-300, 300, (2, 1, 3)), np.arange(-300, 301, 10) + 5,
                            margin=1.0),), {"decimals": -1})]


spec("round", lambda x, **k: gg.round(x, **k), _round_cases,
     lambda t, x, **k: t.round(x, **k), gradgrad=True)


def _logit_cases(rng):
    return [Case((_unit(rng, (3, 4)),)), Case((_unit(rng, ()),)),
            Case((away_from(rng.uniform(0.0, 1.0, (1, 6)), [0.2, 0.8], 0.05),), {"eps": 0.2}),
            Case((_unit(rng, (2, 1, 3)),), {"eps": 1e-6})]


spec("logit", lambda x, **k: gg.logit(x, **k), _logit_cases,
     lambda t, x, **k: t.logit(x, **k), gradgrad=True)


def _nan_to_num_cases(rng):
    # finite inputs only: central differences cannot see through NaN and inf (the gradient
    # at replaced elements is tested against torch in tests/test_math_ops.py)
    return [Case((rng.standard_normal((3, 4)),)), Case((rng.standard_normal(()),)),
            Case((rng.standard_normal((1, 5)),), {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}),
            Case((rng.standard_normal((2, 1, 3)),))]


spec("nan_to_num", lambda x, **k: gg.nan_to_num(x, **k), _nan_to_num_cases,
     lambda t, x, **k: t.nan_to_num(x, **k), gradgrad=True)


# ------------------------------------------------------------------------------ binary
_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((3, 1), ())]


def _binary_cases(draw_x, draw_y, fix=None):
    def cases(rng):
        out = []
        for sx, sy in _PAIRS:
            x, y = draw_x(rng, sx), draw_y(rng, sy)
            if fix is not None:
                x, y = fix(x, y)
            out.append(Case((x, y)))
        return out

    return cases


def _signed_away(rng, shape):  # copysign: x away from 0 (the gradient's jump)
    return away_from(rng.standard_normal(shape), [0.0], 0.2)


def _divisor(rng, shape):
    return rng.uniform(0.5, 1.5, shape) * np.where(rng.random(shape) < 0.5, -1, 1)


def _off(x, y):
    xb, yb = np.broadcast_arrays(x, y)
    q = xb / yb
    q = away_from(q, np.arange(np.floor(q.min()) - 1, np.ceil(q.max()) + 2), 0.1)
    return q * yb, y


def _binary(name, fn, torch_fn, draw_x, draw_y, fix=None):
    spec(name, fn, _binary_cases(draw_x, draw_y, fix), torch_fn, gradgrad=True)


_binary("atan2", gg.atan2, lambda t, x, y: t.atan2(x, y), _normal, _positive)
_binary("copysign", gg.copysign, lambda t, x, y: t.copysign(x, y), _signed_away,
        _signed_away)
_binary("hypot", gg.hypot, lambda t, x, y: t.hypot(x, y), _positive, _normal)
_binary("logaddexp", gg.logaddexp, lambda t, x, y: t.logaddexp(x, y), _normal, _normal)
_binary("logaddexp2", gg.logaddexp2, lambda t, x, y: t.logaddexp2(x, y), _normal, _normal)
_binary("xlogy", gg.xlogy, lambda t, x, y: t.xlogy(x, y), _normal, _positive)
_binary("fmod", gg.fmod, lambda t, x, y: t.fmod(x, y), _normal, _divisor, _off)
_binary("remainder", gg.remainder, lambda t, x, y: t.remainder(x, y), _normal, _divisor,
        _off)


def _grid(rng, shape):  # multiples of 0.4
    return np.round(rng.standard_normal(shape) * 2.5) / 2.5


def _grid_off(rng, shape):  # multiples of 0.4, plus 0.2: never tied with _grid
    return _grid(rng, shape) + 0.2


# no ties here: ties are tested against torch in tests/test_math_ops.py
_binary("fmax", gg.fmax, lambda t, x, y: t.fmax(x, y), _grid, _grid_off)
_binary("fmin", gg.fmin, lambda t, x, y: t.fmin(x, y), _grid, _grid_off)


def _div_rounding_cases(rng):
    out = []
    for i, (sx, sy) in enumerate(_PAIRS):
        x, y = _off(rng.standard_normal(sx) * 3, _divisor(rng, sy))
        out.append(Case((x, y), {"rounding_mode": ("trunc", "floor")[i % 2]}))
    return out


spec("div_rounding", lambda x, y, **k: gg.div(x, y, **k), _div_rounding_cases,
     lambda t, x, y, **k: t.div(x, y, **k), gradgrad=True)


# ------------------------------------------------------------------------------ ternary
def _lerp_cases(rng):
    n = rng.standard_normal
    return [Case((n((3, 4)), n((3, 4)), rng.uniform(0, 1, (3, 4)))),
            Case((n((3, 4)), n((4,)), rng.uniform(0, 1, (3, 1))), note="broadcast"),
            Case((n(()), n(()), np.array(0.7))),
            Case((n((1, 5)), n((1, 5))), {"weight": 0.3}, note="scalar weight"),
            Case((n((2, 3)), n((2, 3))), {"weight": 0.8}, note="scalar weight >= 0.5")]


def _lerp(x, e, w=None, **k):
    return gg.lerp(x, e, w if w is not None else k["weight"])


def _torch_lerp(t, x, e, w=None, **k):
    return t.lerp(x, e, w if w is not None else k["weight"])


spec("lerp", _lerp, _lerp_cases, _torch_lerp, gradgrad=True)


def _addc_cases(positive_t2):
    def cases(rng):
        def t2(shape):
            a = rng.standard_normal(shape)
            return np.abs(a) + 0.5 if positive_t2 else a

        n = rng.standard_normal
        return [Case((n((3, 4)), n((3, 4)), t2((3, 4)))),
                Case((n((4,)), n((3, 1)), t2((3, 4))), {"value": 0.5}, note="broadcast"),
                Case((n(()), n(()), t2(())), {"value": -2.0}),
                Case((n((1, 3)), n((2, 1)), t2((1, 1))))]

    return cases


spec("addcmul", lambda x, a, b, **k: gg.addcmul(x, a, b, **k), _addc_cases(False),
     lambda t, x, a, b, **k: t.addcmul(x, a, b, **k), gradgrad=True)
spec("addcdiv", lambda x, a, b, **k: gg.addcdiv(x, a, b, **k), _addc_cases(True),
     lambda t, x, a, b, **k: t.addcdiv(x, a, b, **k), gradgrad=True)
