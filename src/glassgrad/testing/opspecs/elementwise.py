"""Specs for the elementwise ops."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
from glassgrad import functional as F

from . import Case, away_from, spec


def _binary_cases(positive_y=False, positive_x=False):
    def cases(rng):
        def draw(shape, positive):
            a = rng.standard_normal(shape)
            return np.abs(a) + 0.5 if positive else a

        pairs = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)),
                 ((3, 1), ()), ((1,), (5,))]
        return [Case((draw(sx, positive_x), draw(sy, positive_y))) for sx, sy in pairs]

    return cases


def _unary_cases(low=None, kinks=()):
    def cases(rng):
        out = []
        for shape in [(3, 4), (), (1, 5), (2, 1, 3)]:
            a = rng.standard_normal(shape) * 1.5
            if low is not None:
                a = np.abs(a) + low
            out.append(Case((away_from(a, kinks),)))
        return out

    return cases


spec("add", lambda x, y: x + y, _binary_cases(), lambda t, x, y: x + y, gradgrad=True)
spec("sub", lambda x, y: x - y, _binary_cases(), lambda t, x, y: x - y, gradgrad=True)
spec("mul", lambda x, y: x * y, _binary_cases(), lambda t, x, y: x * y, gradgrad=True)
spec("div", lambda x, y: x / y, _binary_cases(positive_y=True), lambda t, x, y: x / y,
     gradgrad=True)
spec("neg", lambda x: -x, _unary_cases(), lambda t, x: -x, gradgrad=True)
spec("pow", lambda x, y: x**y, _binary_cases(positive_x=True), lambda t, x, y: x**y,
     gradgrad=True)

_UNARY_TORCH = {
    "abs": lambda t, x: x.abs(), "exp": lambda t, x: x.exp(), "log": lambda t, x: x.log(),
    "log1p": lambda t, x: x.log1p(), "sqrt": lambda t, x: x.sqrt(),
    "sin": lambda t, x: x.sin(), "cos": lambda t, x: x.cos(), "tanh": lambda t, x: x.tanh(),
    "sigmoid": lambda t, x: x.sigmoid(), "relu": lambda t, x: x.relu(),
    "erf": lambda t, x: x.erf(),
}
_DOMAIN = {"log": 0.2, "sqrt": 0.2, "log1p": 0.0}
_KINKS = {"abs": (0.0,), "relu": (0.0,)}
for _name, _tf in _UNARY_TORCH.items():
    spec(_name, (lambda n: lambda x: getattr(x, n)())(_name),
         _unary_cases(_DOMAIN.get(_name), _KINKS.get(_name, ())), _tf, gradgrad=True)

spec("leaky_relu", lambda x, **k: F.leaky_relu(x, **k),
     lambda rng: [Case((away_from(rng.standard_normal((3, 4)), [0]),), {"negative_slope": 0.2}),
                  Case((away_from(rng.standard_normal(()), [0]),)),
                  Case((away_from(rng.standard_normal((1, 4)), [0]),))],
     lambda t, x, **k: t.nn.functional.leaky_relu(x, **k), gradgrad=True)
spec("elu", lambda x, **k: F.elu(x, **k),
     lambda rng: [Case((away_from(rng.standard_normal((3, 4)), [0]),), {"alpha": 0.7}),
                  Case((away_from(rng.standard_normal((5,)), [0]),)),
                  Case((away_from(rng.standard_normal(()), [0]),)),
                  Case((away_from(rng.standard_normal((2, 1)), [0]),), {"alpha": 1.5})],
     lambda t, x, **k: t.nn.functional.elu(x, **k), gradgrad=True)
spec("gelu", lambda x, **k: F.gelu(x, **k),
     lambda rng: [Case((rng.standard_normal((3, 4)) * 2,)),
                  Case((rng.standard_normal((2, 3)) * 2,), {"approximate": "tanh"}),
                  Case((np.array(-6.0),)),
                  Case((rng.standard_normal((3, 1)) * 2,), {"approximate": "tanh"})],
     lambda t, x, **k: t.nn.functional.gelu(x, **k), gradgrad=True)
spec("silu", lambda x: F.silu(x), _unary_cases(), lambda t, x: t.nn.functional.silu(x),
     gradgrad=True)
spec("softplus", lambda x, **k: F.softplus(x, **k),
     lambda rng: [Case((rng.standard_normal((3, 4)) * 3,)),
                  Case((rng.standard_normal((4,)) * 3,), {"beta": 2.0, "threshold": 3.0}),
                  Case((np.array([30.0, -30.0]),)),
                  Case((rng.standard_normal(()) * 3,)),
                  Case((rng.standard_normal((1, 3)) * 3,), {"beta": 0.5})],
     lambda t, x, **k: t.nn.functional.softplus(x, **k), gradgrad=True)
def _apart(x, bounds, margin=0.1):
    """x moved at least ``margin`` away from every (broadcast) bound: no kink under eps."""
    x = np.array(x, dtype=np.float64)
    for b in bounds:
        b = np.broadcast_to(b, x.shape)
        near = np.abs(x - b) < margin
        x[near] = b[near] + np.where(x[near] >= b[near], margin, -margin)
    return x


def _clamp_cases(rng):
    lo, hi = rng.uniform(-1.0, -0.2, (4,)), rng.uniform(0.2, 1.0, (3, 1))
    crossed_lo = np.full((5,), 0.5)
    crossed_hi = np.array([0.0, 1.0, 0.2, 0.9, 1.5])  # hi < lo in three places: hi wins there
    return [Case((away_from(rng.standard_normal((3, 4)), [-0.5, 0.5]),),
                 {"min": -0.5, "max": 0.5}),
            Case((away_from(rng.standard_normal((5,)), [0.2]),), {"min": 0.2}),
            Case((away_from(rng.standard_normal(()), [0.1]),), {"max": 0.1}),
            Case((_apart(rng.standard_normal((3, 4)), [lo, hi]), lo, hi), note="tensor bounds"),
            Case((_apart(rng.standard_normal((5,)), [crossed_lo, crossed_hi]), crossed_lo,
                  crossed_hi), note="min > max in places"),
            Case((_apart(rng.standard_normal((2, 3)), [0.3]), np.array(0.3)), note="0-d min"),
            Case((_apart(rng.standard_normal((2, 3)), [0.1]), None, np.array(0.1)),
                 note="0-d max only")]


def _clamp(x, *bounds, **k):
    return gg.clamp(x, *bounds, **k)


def _torch_clamp(t, x, *bounds, **k):
    return t.clamp(x, *bounds, **k)


spec("clamp", _clamp, _clamp_cases, _torch_clamp, gradgrad=True)
spec("hardtanh", lambda x, **k: F.hardtanh(x, **k),
     lambda rng: [Case((away_from(rng.standard_normal((3, 4)) * 2, [-1.0, 1.0]),)),
                  Case((away_from(rng.standard_normal((5,)), [-0.5, 0.25]),),
                       {"min_val": -0.5, "max_val": 0.25}),
                  Case((away_from(rng.standard_normal(()) * 4 + 3, [0.0, 6.0]),),
                       {"min_val": 0.0, "max_val": 6.0}, note="relu6"),
                  Case((away_from(rng.standard_normal((2, 1, 3)) * 2, [-1.0, 1.0]),))],
     lambda t, x, **k: t.nn.functional.hardtanh(x, **k), gradgrad=True)
spec("maximum", gg.maximum, _binary_cases(), lambda t, x, y: t.maximum(x, y), gradgrad=True)
spec("minimum", gg.minimum, _binary_cases(), lambda t, x, y: t.minimum(x, y), gradgrad=True)


def _where_cases(rng):
    return [Case((rng.standard_normal((3, 4)) > 0, rng.standard_normal((3, 4)),
                  rng.standard_normal((4,)))),
            Case((np.array([True, False, True]), rng.standard_normal(()),
                  rng.standard_normal((2, 3)))),
            Case((rng.standard_normal((3, 4)) > 0, rng.standard_normal((3, 1)),
                  rng.standard_normal((1, 4))), note="size-1 dims")]


spec("where", lambda c, x, y: gg.where(c, x, y), _where_cases,
     lambda t, c, x, y: t.where(c, x, y), gradgrad=True, consts=(0,))
# Values and eps exactly representable in float32, so the float32 round trip is exact.
spec("to", lambda x: x.to(gg.float32) * 1.5,
     lambda rng: [Case((rng.integers(-64, 64, (3, 2)) / 8.0,)),
                  Case((rng.integers(-64, 64, ()) / 8.0,)),
                  Case((rng.integers(-64, 64, (1, 3)) / 8.0,))],
     lambda t, x: x.to(t.float32) * 1.5, eps=2.0**-10)
