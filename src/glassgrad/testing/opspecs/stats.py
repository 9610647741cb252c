"""Specs for the statistics: var, std, quantile, nanquantile.

Random data keeps the sorted neighbours of each quantile untied (ties and NaNs are checked
against torch in tests/test_reductions_more.py).
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import Case, spec


def _var_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    row = rng.standard_normal((1, 4))
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((x,), {"dim": -1, "correction": 0}), Case((x,), {"dim": 0, "unbiased": False}),
            Case((rng.standard_normal(()),), {"correction": 0}),
            Case((row,), {"dim": 1}), Case((row,), {"dim": 0, "correction": 0}, "zero spread")]


spec("var", lambda x, **k: x.var(**k), _var_cases, lambda t, x, **k: x.var(**k), gradgrad=True)
spec("std", lambda x, **k: gg.std(x, **k), _var_cases, lambda t, x, **k: t.std(x, **k),
     gradgrad=True)


def _quantile_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    q = np.array([0.1, 0.5, 0.9])
    return [Case((x,), {"q": 0.3}), Case((x,), {"q": 0.3, "dim": 1}),
            Case((x,), {"q": q, "dim": -1, "keepdim": True}),
            Case((x,), {"q": q, "dim": 0}), Case((x,), {"q": 0.7, "keepdim": True}),
            Case((x,), {"q": 0.4, "dim": 2, "interpolation": "lower"}),
            Case((x,), {"q": 0.4, "dim": 2, "interpolation": "higher"}),
            Case((x,), {"q": 0.4, "dim": 1, "interpolation": "midpoint"}),
            Case((x,), {"q": q, "dim": 1, "interpolation": "nearest"}),
            Case((rng.standard_normal(()),), {"q": 0.5}),
            Case((rng.standard_normal((1, 4)),), {"q": 0.25, "dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"q": 0.25, "dim": 1})]


def _torch_quantile(name):
    def fn(t, x, q, **k):
        return getattr(t, name)(x, t.as_tensor(q) if isinstance(q, np.ndarray) else q, **k)

    return fn


spec("quantile", lambda x, **k: gg.quantile(x, **k), _quantile_cases,
     _torch_quantile("quantile"), gradgrad=True)
spec("nanquantile", lambda x, **k: x.nanquantile(**k), _quantile_cases,
     _torch_quantile("nanquantile"), gradgrad=True)
