"""Specs for ops/products.py: cdist (the other products are compositions of matmul, mul and
friends, checked in tests/test_linalg_more.py). Random points keep distances and coordinate
differences away from 0, where the norms have kinks."""

from __future__ import annotations

import glassgrad as gg

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

WITHOUT_ZERO_D.update({"cdist": "needs (..., P, M) and (..., R, M): sets of row vectors"})
WITHOUT_BROADCAST.update({"cdist": "the output (..., P, R) has neither input's shape; batch "
                                   "dims broadcast (case (2, 3, 2) with (4, 2))"})


def _cdist_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    return [Case((r(3, 2), r(4, 2))), Case((r(3, 2), r(4, 2)), {"p": 1.0}),
            Case((r(3, 2), r(4, 2)), {"p": float("inf")}),
            Case((r(3, 3), r(2, 3)), {"p": 3.0}), Case((r(3, 3), r(2, 3)), {"p": 0.5}),
            Case((r(2, 3, 2), r(4, 2)), note="x2 broadcast over x1's batch"),
            Case((r(1, 2), r(2, 1, 2)), note="size-1 dims"),
            Case((r(2, 3, 2), r(1, 4, 2)), {"p": 0.0})]


spec("cdist", lambda a, b, **k: gg.cdist(a, b, **k), _cdist_cases,
     lambda t, a, b, **k: t.cdist(a, b, **k))  # torch has no double backward for cdist
