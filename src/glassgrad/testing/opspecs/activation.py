"""Specs for the activations of activation_more.py (hardsigmoid ... hardshrink).

Inputs are nudged away from each op's kinks (hardsigmoid's +-3, the shrinks' +-lambd, the
threshold, 0 for prelu, celu and selu, whose second derivatives jump there, and softsign's
|x|); the tie behaviour at the kinks is compared with torch in tests/test_activations_more.py.
"""

from __future__ import annotations

from glassgrad import functional as F

from . import Case, away_from, spec

_SHAPES = [(3, 4), (), (1, 5), (2, 1, 3)]


def _cases(kinks=(), scale=2.5, kwargs=None):
    def cases(rng):
        return [Case((away_from(rng.standard_normal(shape) * scale, kinks),), dict(kwargs or {}))
                for shape in _SHAPES]

    return cases


def _functional(name):
    return (lambda x, **k: getattr(F, name)(x, **k),
            lambda t, x, **k: getattr(t.nn.functional, name)(x, **k))


for _name, _kinks, _kw in [
    ("hardsigmoid", (-3.0, 3.0), None), ("hardswish", (-3.0, 3.0), None),
    ("softsign", (0.0,), None), ("mish", (), None), ("selu", (0.0,), None),
    ("celu", (0.0,), {"alpha": 0.7}), ("logsigmoid", (), None),
    ("threshold", (0.3,), {"threshold": 0.3, "value": -2.0}),
    ("softshrink", (-0.7, 0.7), {"lambd": 0.7}), ("hardshrink", (-0.7, 0.7), {"lambd": 0.7}),
]:
    _fn, _torch = _functional(_name)
    spec(_name, _fn, _cases(_kinks, kwargs=_kw), _torch, gradgrad=True)


def _prelu_cases(rng):
    def x(shape):
        return away_from(rng.standard_normal(shape) * 2, (0.0,))

    w = rng.uniform(0.05, 0.5, 3)
    return [Case((x((2, 3, 4)), w)), Case((x((2, 3)), w[:1]), note="one weight, broadcast"),
            Case((x(()), w[:1])), Case((x((1, 3, 1, 2)), w)), Case((x((5,)), w[:1]))]


spec("prelu", lambda x, w: F.prelu(x, w), _prelu_cases,
     lambda t, x, w: t.nn.functional.prelu(x, w), gradgrad=True)
