"""Specs for the inverses, solves and decompositions (ops/solve.py and ops/decomp.py).

Cases are well conditioned (a multiple of the identity added where a matrix must be
invertible) and have well-separated eigen- and singular values. Ops that read one triangle
(cholesky, eigh) get a symmetrized input, A = X + Xᵀ (or XXᵀ + 3I), so the finite
differences see the same function as the formula. Eigen- and singular vectors are checked
through functions invariant to their signs: V·V, U·U, Vh·Vh and U @ Vh ("part" below).
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import WITHOUT_ZERO_D, Case, spec

_MATRIX = "needs a matrix (at least 2 dims)"
WITHOUT_ZERO_D.update({name: _MATRIX for name in (
    "inv", "det", "slogdet", "solve", "pinv", "cholesky", "qr", "eigh", "svd")})


def _invertible(rng, *shape):
    n = shape[-1]
    return rng.standard_normal(shape) + 3 * np.eye(n)


def _square_cases(rng):
    a = rng.standard_normal((3, 3))
    a[0] *= -1  # some negative determinants
    return [Case((_invertible(rng, 3, 3),)), Case((a + np.diag([3.0, -3, 3]),)),
            Case((_invertible(rng, 2, 3, 3),), note="batch"),
            Case((_invertible(rng, 1, 1),), note="1 by 1"),
            Case((_invertible(rng, 1, 2, 2),), note="size-1 batch")]


spec("inv", lambda a: gg.linalg.inv(a), _square_cases, lambda t, a: t.linalg.inv(a),
     gradgrad=True)
spec("det", lambda a: gg.linalg.det(a), _square_cases, lambda t, a: t.linalg.det(a),
     gradgrad=True)
spec("slogdet", lambda a: gg.linalg.slogdet(a).logabsdet, _square_cases,
     lambda t, a: t.linalg.slogdet(a).logabsdet, gradgrad=True)


def _solve_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    return [Case((_invertible(rng, 3, 3), r(3, 2))),
            Case((_invertible(rng, 3, 3), r(3)), note="vector B"),
            Case((_invertible(rng, 2, 3, 3), r(3, 2)), note="B broadcast over A's batch"),
            Case((_invertible(rng, 3, 3), r(2, 3, 1)), note="A broadcast over B's batch"),
            Case((_invertible(rng, 2, 3, 3), r(2, 3)), note="batch of vectors"),
            Case((_invertible(rng, 3, 3), r(2, 3)), {"left": False}, note="XA = B")]


spec("solve", lambda a, b, **k: gg.linalg.solve(a, b, **k), _solve_cases,
     lambda t, a, b, **k: t.linalg.solve(a, b, **k), gradgrad=True)


def _pinv_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    u, v = r(4, 1), r(1, 3)
    return [Case((r(4, 3),)), Case((r(3, 4),), note="wide"), Case((r(2, 3, 2),), note="batch"),
            Case((r(1, 3),), note="one row"),
            Case((u @ v + 1e-9 * r(4, 3),), {"rtol": 1e-3}, note="rank 1 after the cutoff"),
            Case((r(3, 3),), {"hermitian": True, "sym": True}, note="hermitian"),
            Case((r(3, 2) @ r(2, 4) + 1e-9 * r(3, 4),), {"atol": 1e-4}, note="rank 2, atol")]


def _pinv(a, sym=False, **k):
    return gg.linalg.pinv(a + a.swapaxes(-1, -2) if sym else a, **k)


spec("pinv", _pinv, _pinv_cases,
     lambda t, a, sym=False, **k: t.linalg.pinv(a + a.mT if sym else a, **k), gradgrad=True)


def _spd_cases(rng):
    return [Case((rng.standard_normal((3, 3)),)),
            Case((rng.standard_normal((2, 3, 3)),), {"upper": True}, note="batch, upper"),
            Case((rng.standard_normal((1, 1)),), note="1 by 1"),
            Case((rng.standard_normal((1, 4, 4)),), note="size-1 batch")]


def _spd(a):
    return a @ a.swapaxes(-1, -2) + 3 * np.eye(a.shape[-1], dtype=a.dtype)


spec("cholesky", lambda a, **k: gg.linalg.cholesky(_spd(a), **k), _spd_cases,
     lambda t, a, **k: t.linalg.cholesky(a @ a.mT + 3 * t.eye(a.shape[-1], dtype=a.dtype),
                                         **k), gradgrad=True)


def _qr_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    return [Case((r(4, 3),), {"part": "Q"}), Case((r(4, 3),), {"part": "R"}),
            Case((r(3, 3),), {"part": "QR"}), Case((r(3, 5),), {"part": "Q"}, note="wide"),
            Case((r(3, 5),), {"part": "R"}, note="wide"),
            Case((r(2, 4, 2),), {"part": "QR"}, note="batch"),
            Case((r(3, 4),), {"part": "QR", "mode": "complete"}),
            Case((r(1, 3),), {"part": "QR"}, note="one row"),
            Case((r(3, 1),), {"part": "QR"}, note="one column")]


def _qr_part(res, part):
    Q, R = res
    if part == "Q":
        return Q
    if part == "R":
        return R
    return Q.sum(-1, keepdim=True) * R.sum(-2, keepdim=True)  # both, in one output


spec("qr", lambda a, part, **k: _qr_part(gg.linalg.qr(a, **k), part), _qr_cases,
     lambda t, a, part, **k: _qr_part(t.linalg.qr(a, **k), part), gradgrad=True)


def _eigh_cases(rng):
    def sep(*s):  # X + Xᵀ then has well-separated eigenvalues
        return rng.standard_normal(s) * 0.3 + np.diag(np.arange(s[-1]) * 1.5)

    return [Case((sep(3, 3),), {"part": "w"}), Case((sep(3, 3),), {"part": "VV"}),
            Case((sep(2, 3, 3),), {"part": "both"}, note="batch"),
            Case((sep(4, 4),), {"part": "both", "UPLO": "U"}),
            Case((sep(1, 1),), {"part": "both"}, note="1 by 1"),
            Case((sep(1, 2, 2),), {"part": "VV"}, note="size-1 batch")]


def _eigh_part(res, part):
    w, V = res
    if part == "w":
        return w
    if part == "VV":
        return V * V
    return V * V * w.unsqueeze(-2)


spec("eigh", lambda a, part, **k: _eigh_part(gg.linalg.eigh(a + a.swapaxes(-1, -2), **k),
                                             part),
     _eigh_cases, lambda t, a, part, **k: _eigh_part(t.linalg.eigh(a + a.mT, **k), part),
     gradgrad=True)


def _svd_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    return [Case((r(4, 3),), {"part": "S"}), Case((r(4, 3),), {"part": "UU"}),
            Case((r(3, 4),), {"part": "VV"}, note="wide"),
            Case((r(3, 3),), {"part": "UVh"}), Case((r(4, 3),), {"part": "UVh"}),
            Case((r(3, 4),), {"part": "UVh"}, note="wide"),
            Case((r(2, 3, 2),), {"part": "all"}, note="batch"),
            Case((r(3, 3),), {"part": "UU", "full_matrices": True}),
            Case((r(1, 3),), {"part": "all"}, note="one row"),
            Case((r(3, 1),), {"part": "all"}, note="one column")]


def _svd_part(res, part):
    U, S, Vh = res
    if part == "S":
        return S
    if part == "UU":
        return U * U
    if part == "VV":
        return Vh * Vh
    if part == "UVh":
        return U @ Vh
    return (U * U) @ (Vh * Vh) * S.sum(-1, keepdim=True).unsqueeze(-1)


spec("svd", lambda a, part, full_matrices=False: _svd_part(
    gg.linalg.svd(a, full_matrices=full_matrices), part), _svd_cases,
    lambda t, a, part, full_matrices=False: _svd_part(
        t.linalg.svd(a, full_matrices=full_matrices), part), gradgrad=True)
