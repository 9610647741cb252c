"""Specs for the reductions and softmax."""

from __future__ import annotations

from . import Case, spec


def _reduce_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((x,), {"dim": -1}), Case((rng.standard_normal(()),)),
            Case((rng.standard_normal((1, 4)),), {"dim": 0})]


spec("sum", lambda x, **k: x.sum(**k), _reduce_cases, lambda t, x, **k: x.sum(**k),
     gradgrad=True)
spec("mean", lambda x, **k: x.mean(**k), _reduce_cases, lambda t, x, **k: x.mean(**k),
     gradgrad=True)
