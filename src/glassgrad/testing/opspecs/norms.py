"""Specs for the norms: norm (vector p-norms) and matrix_norm (the singular-value norms)."""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import WITHOUT_ZERO_D, Case, away_from, spec


def _norm_cases(rng):
    x = away_from(rng.standard_normal((3, 4, 5)), [0.0])  # |x| has a kink at 0
    inf = float("inf")  # p=0 has no gradient (x.grad stays None): tests/test_reduce.py
    return [Case((x,)), Case((x,), {"p": 2, "dim": 1}), Case((x,), {"p": 1, "dim": -1}),
            Case((x,), {"p": inf, "dim": (0, 2), "keepdim": True}),
            Case((x,), {"p": -inf, "dim": 0}), Case((x,), {"p": 3, "dim": 1}),
            Case((x,), {"p": 0.5, "dim": 2}), Case((x,), {"p": 1.5}),
            Case((x,), {"p": "fro", "dim": (1, 2)}),
            Case((away_from(rng.standard_normal(()), [0.0]),), {"p": 2}),
            Case((away_from(rng.standard_normal((1, 4)), [0.0]),), {"dim": 0})]


spec("norm", lambda x, **k: x.norm(**k), _norm_cases, lambda t, x, **k: x.norm(**k),
     gradgrad=True)


def _matrix_norm_cases(rng):
    a = rng.standard_normal((3, 4))  # distinct singular values, almost surely
    batch = rng.standard_normal((2, 3, 4))
    return [Case((a,), {"ord": "nuc"}), Case((a,), {"ord": 2}), Case((a,), {"ord": -2}),
            Case((batch,), {"ord": "nuc", "keepdim": True}),
            Case((batch,), {"ord": 2, "dim": (0, 2)}),
            Case((batch,), {"ord": -2, "dim": (2, 1)}),
            Case((a,), {"ord": "fro"}), Case((a,), {"ord": float("inf")}),
            Case((batch,), {"ord": -1, "keepdim": True}), Case((a,), {"ord": 1}),
            Case((batch,), {"ord": float("-inf"), "dim": (0, 1)}),
            Case((rng.standard_normal((1, 4)),), {"ord": "nuc"}),
            Case((rng.standard_normal((3, 1)),), {"ord": 2})]


spec("matrix_norm", lambda a, **k: gg.linalg.matrix_norm(a, **k), _matrix_norm_cases,
     lambda t, a, **k: t.linalg.matrix_norm(a, **k), gradgrad=True)
WITHOUT_ZERO_D.update({"matrix_norm": "a matrix norm needs at least 2 dims"})


def _hessian_cases(rng):
    """(grad, A): grad has A's batch shape (or broadcasts to it)."""
    wide, tall, batch = (rng.standard_normal(s) for s in ((3, 4), (4, 2), (2, 3, 3)))
    return [Case((rng.standard_normal(()), wide), {"ord": o}) for o in ("nuc", 2, -2)] + [
        Case((rng.standard_normal(()), tall), {"ord": o}) for o in ("nuc", 2, -2)] + [
        Case((rng.standard_normal(2), batch), {"ord": "nuc"}),
        Case((rng.standard_normal(()), batch), {"ord": 2}, "grad broadcast over the batch"),
        Case((rng.standard_normal((2,)), batch), {"ord": -2}),
        Case((rng.standard_normal(()), rng.standard_normal((1, 4))), {"ord": 2})]


def _hessian(g, a, ord):  # noqa: A002
    from glassgrad.autograd.ops.norms import MatrixNormBackward

    return MatrixNormBackward.apply(g, a, ord, np.linalg.svd(a.data, full_matrices=False))


def _torch_hessian(t, g, a, ord):  # noqa: A002
    out = t.linalg.matrix_norm(a, ord)
    (ga,) = t.autograd.grad(out, a, g.expand(out.shape), create_graph=True)
    return ga


# matrix_norm's backward: gradcheck here checks its derivative (the norm's Hessian)
spec("matrix_norm_backward", _hessian, _hessian_cases, _torch_hessian)
