"""Specs for the scans: cumsum, cumprod, cummax, cummin, logcumsumexp.

cumprod has cases with zeros (one and several in a slice): its backward is exact there, also
to second order. cummax/cummin use untied random data (ties: tests/test_reductions_more.py).
"""

from __future__ import annotations

import glassgrad as gg

from . import Case, spec


def _scan_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {"dim": 1}), Case((x,), {"dim": -1}), Case((x,), {"dim": 0}),
            Case((rng.standard_normal(()),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"dim": 1})]


def _cumprod_cases(rng):
    def draw(shape):  # magnitudes near 1, random signs: products stay moderate
        return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)

    zeros = draw((4, 5))
    zeros[0, 1] = 0.0  # one zero
    zeros[1, [0, 3]] = 0.0  # two zeros
    zeros[2, 4] = 0.0  # a zero at the end (row 3 has none)
    return [Case((draw((3, 4, 5)),), {"dim": 1}), Case((draw((3, 4, 5)),), {"dim": -1}),
            Case((draw(()),), {"dim": 0}), Case((draw((1, 4)),), {"dim": 0}),
            Case((draw((1, 4)),), {"dim": 1}),
            Case((zeros,), {"dim": 1}, "zeros"), Case((zeros,), {"dim": 0}, "zeros")]


spec("cumsum", lambda x, **k: x.cumsum(**k), _scan_cases, lambda t, x, **k: x.cumsum(**k),
     gradgrad=True)
spec("cumprod", lambda x, **k: gg.cumprod(x, **k), _cumprod_cases,
     lambda t, x, **k: t.cumprod(x, **k), gradgrad=True)
spec("cummax", lambda x, **k: gg.cummax(x, **k).values, _scan_cases,
     lambda t, x, **k: t.cummax(x, **k).values, gradgrad=True)
spec("cummin", lambda x, **k: x.cummin(**k).values, _scan_cases,
     lambda t, x, **k: x.cummin(**k).values, gradgrad=True)
spec("logcumsumexp", lambda x, **k: x.logcumsumexp(**k), _scan_cases,
     lambda t, x, **k: x.logcumsumexp(**k), gradgrad=True)
