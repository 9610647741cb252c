"""Specs for the linalg ops: matmul (every rank combination) and linear."""

from __future__ import annotations

from glassgrad import functional as F

from . import Case, spec

# (x shape, y shape): dot, 1-D promotion on either side, plain 2-D, size-1 dims, batched
# with broadcast batch dims, and a 1-D operand against a batch.
_MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((3, 4), (4, 2)), ((1, 4), (4, 1)),
    ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 1)), ((4,), (2, 4, 3)),
    ((2, 2, 3), (3,)),
]


def _matmul_cases(rng):
    return [Case((rng.standard_normal(sx), rng.standard_normal(sy)))
            for sx, sy in _MATMUL_SHAPES]


spec("matmul", lambda x, y: x @ y, _matmul_cases, lambda t, x, y: x @ y, gradgrad=True)


def _linear_cases(rng):
    def r(*shape):
        return rng.standard_normal(shape)

    return [Case((r(4, 3), r(2, 3), r(2))), Case((r(4, 3), r(2, 3))),
            Case((r(2, 3, 4), r(5, 4), r(5)), note="leading dims"),
            Case((r(3,), r(2, 3), r(2)), note="1-D input"),
            Case((r(4, 3), r(2, 3), r(1)), note="size-1 bias broadcast"),
            Case((r(4, 3), r(2, 3), r()), note="0-d bias")]


spec("linear", lambda x, w, *b: F.linear(x, w, *b), _linear_cases,
     lambda t, x, w, *b: t.nn.functional.linear(x, w, *b), gradgrad=True)
