"""Specs for the composed math functions: public functions built from registered ops
(products.py, solve.py, decomp.py, linalg.py, stats.py, norms.py, scan.py, sorting.py,
combine.py, binary_math.py) with no Function class of their own.

Functions returning several tensors are checked through one: ``var_mean`` and ``aminmax``
stack their parts, ``lstsq`` gives its solution. ``float_power`` computes in float64 and is
cast back to the input's dtype. Inputs stay away from kinks: random values
are untied (aminmax, msort, clamp bounds), norm arguments away from 0, matrices well
conditioned (a diagonal shift) with distinct singular values and eigenvalues. Functions that
read one triangle of a matrix are called on a symmetric (eigvalsh) or triangular
(cholesky_solve, cholesky_inverse) argument built inside ``fn``, as torch's own gradchecks do:
their gradient is defined for the whole matrix, their value by one triangle only.
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

_MATRIX = "takes matrices (at least 2-D)"


def _r(rng):
    return lambda *s: rng.standard_normal(s)


def _well(rng, *shape, shift=3.0):
    """Random square matrices (..., n, n) with ``shift`` added to the diagonal: invertible,
    moderate condition number."""
    return rng.standard_normal(shape) + shift * np.eye(shape[-1])


def _spd(rng, *shape):
    """Lower-triangular Cholesky factors (..., n, n) with a diagonal in [1, 2]."""
    n = shape[-1]
    low = np.tril(rng.standard_normal(shape) * 0.5, -1)
    return low + np.eye(n) * rng.uniform(1.0, 2.0, shape[:-1])[..., None, :]


# ------------------------------------------------------------------------------ float_power
def _float_power_cases(rng):
    def pos(*s):
        return rng.uniform(0.5, 2.0, s)

    return [Case((pos(3, 4), rng.uniform(-2, 2, (3, 4)))),
            Case((pos(3, 4), rng.uniform(-2, 2, (4,))), note="exponent broadcast"),
            Case((pos(), rng.uniform(-2, 2, (3,))), note="0-d base"),
            Case((pos(2, 1, 3),), {"exponent": 2.5}),
            Case((pos(4),), {"exponent": -1}),
            Case((rng.uniform(-2, 2, (2, 3)),), {"exponent": 3}, "negative base, integer power")]


# float_power computes in float64 (as torch); the spec casts back so the dtype rule holds and
# the float32 comparison checks the float32 round trip.
spec("float_power",
     lambda x, e=None, exponent=None: gg.float_power(x, exponent if e is None else e).to(x.dtype),
     _float_power_cases,
     lambda t, x, e=None, exponent=None: t.float_power(x, exponent if e is None else e)
     .to(x.dtype), gradgrad=True, composed=True)


# ------------------------------------------------------------------------------ stats
def _var_mean_cases(rng):
    r = _r(rng)
    x = r(3, 4, 5)
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((x,), {"dim": -1, "correction": 0}), Case((x,), {"dim": 0, "unbiased": False}),
            Case((x,), {"dim": 2, "correction": 2}),
            Case((r(),), {"correction": 0}), Case((r(1, 4),), {"dim": 1})]


spec("var_mean", lambda x, **k: gg.stack(list(gg.var_mean(x, **k))), _var_mean_cases,
     lambda t, x, **k: t.stack(list(t.var_mean(x, **k))), gradgrad=True, composed=True)
spec("std_mean", lambda x, **k: gg.stack(list(gg.std_mean(x, **k))), _var_mean_cases,
     lambda t, x, **k: t.stack(list(t.std_mean(x, **k))), gradgrad=True, composed=True)


def _aminmax_cases(rng):
    r = _r(rng)
    x = r(3, 4, 5)
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": -1, "keepdim": True}),
            Case((r(),)), Case((r(),), {"dim": 0}), Case((r(1, 4),), {"dim": 0})]


spec("aminmax", lambda x, **k: gg.stack(list(gg.aminmax(x, **k))), _aminmax_cases,
     lambda t, x, **k: t.stack(list(t.aminmax(x, **k))), gradgrad=True, composed=True)


def _nan_cases(rng):
    r = _r(rng)
    x = r(3, 4, 5)
    x[0, 1, 2] = x[2, 0, 0] = x[1, 3, 4] = np.nan  # no slice all NaN
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((r(3, 4),), {"dim": -1}, "no NaN"), Case((r(),)),
            Case((np.array([[1.5, np.nan, -0.5, 2.0]]),), {"dim": 1})]


spec("nansum", lambda x, **k: gg.nansum(x, **k), _nan_cases,
     lambda t, x, **k: t.nansum(x, **k), gradgrad=True, composed=True)
spec("nanmean", lambda x, **k: gg.nanmean(x, **k), _nan_cases,
     lambda t, x, **k: t.nanmean(x, **k), gradgrad=True, composed=True)


# ------------------------------------------------------------------------------ msort, diff
def _msort_cases(rng):
    r = _r(rng)
    return [Case((r(5),)), Case((r(4, 3),)), Case((r(3, 2, 4),)), Case((r(),)),
            Case((r(1, 4),))]


spec("msort", lambda x: gg.msort(x), _msort_cases, lambda t, x: t.msort(x), gradgrad=True,
     composed=True)


def _diff_cases(rng):
    r = _r(rng)
    x = r(3, 5)
    return [Case((x,)), Case((x,), {"dim": 0}), Case((x,), {"n": 2}),
            Case((x,), {"n": 3, "dim": 1}),
            Case((x, r(3, 2), r(3, 1)), {"n": 2}, "prepend and append"),
            Case((x, r(1, 5)), {"dim": 0}, "prepend"),
            Case((x, None, r(2, 5)), {"dim": 0, "n": 2}, "append"),
            Case((r(1, 4),)), Case((r(4),), {"n": 0})]


def _diff(x, prepend=None, append=None, **k):
    return gg.diff(x, prepend=prepend, append=append, **k)


def _torch_diff(t, x, prepend=None, append=None, **k):
    return t.diff(x, prepend=prepend, append=append, **k)


WITHOUT_ZERO_D.update({"diff": "needs a 1-D or larger input, and torch refuses a 0-d prepend or "
                              "append (glassgrad expands it, as numpy.diff)"})
spec("diff", _diff, _diff_cases, _torch_diff, gradgrad=True, composed=True)


# ------------------------------------------------------------------------------ norms
def _nonzero(rng, *shape):
    """Distinct random values, 0.3 to 2 in magnitude, random signs: away from 0, where |x|
    and the p < 1 norms have kinks."""
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _dist_cases(rng):
    def r(*s):
        return rng.standard_normal(s)

    a = r(3, 4)
    b = a + _nonzero(rng, 3, 4)  # differences away from the |.| kink
    return [Case((a, b)), Case((a, b), {"p": 1}), Case((a, b), {"p": 3}),
            Case((a, b), {"p": float("inf")}), Case((a, b), {"p": 0.5}),
            Case((a, b), {"p": -1.5}),
            Case((a, a[0] + _nonzero(rng, 4)), note="other broadcast"),
            Case((np.array(0.7), np.array(-0.4)), {"p": 2}),
            Case((r(1, 3), r(2, 1)), {"p": 3})]


WITHOUT_BROADCAST.update({"dist": "the output is 0-d (a norm over all elements), so the shape "
                                  "rule sees no broadcast; the inputs broadcast against each other "
                                  "in cases (3, 4) with (4,) and (1, 3) with (2, 1)"})
spec("dist", lambda a, b, **k: gg.dist(a, b, **k), _dist_cases,
     lambda t, a, b, **k: t.dist(a, b, **k), gradgrad=True, composed=True)


def _vector_norm_cases(rng):
    x = _nonzero(rng, 3, 4)
    inf = float("inf")
    return [Case((x,)), Case((x,), {"ord": 1}), Case((x,), {"ord": inf, "dim": 1}),
            Case((x,), {"ord": -inf, "dim": 0}), Case((x,), {"ord": 3, "dim": (0, 1)}),
            Case((x,), {"ord": 0.5, "dim": -1, "keepdim": True}), Case((x,), {"ord": -1}),
            Case((_nonzero(rng),)), Case((_nonzero(rng),), {"ord": 1}),
            Case((_nonzero(rng, 1, 4),), {"dim": 0})]


spec("linalg.vector_norm", lambda x, **k: gg.linalg.vector_norm(x, **k), _vector_norm_cases,
     lambda t, x, **k: t.linalg.vector_norm(x, **k), gradgrad=True, composed=True)


def _linalg_norm_cases(rng):
    def distinct_sv(*shape):  # separated singular values: the 2 and nuc norms are smooth
        u, _, vh = np.linalg.svd(rng.standard_normal(shape), full_matrices=False)
        k = min(shape[-2:])
        return u @ (np.linspace(3.0, 1.0, k)[:, None] * vh)

    inf = float("inf")
    x = _nonzero(rng, 3, 4)
    return [Case((x,)), Case((x,), {"ord": "fro"}), Case((distinct_sv(3, 4),), {"ord": "nuc"}),
            Case((distinct_sv(3, 4),), {"ord": 2}), Case((distinct_sv(4, 3),), {"ord": -2}),
            Case((x,), {"ord": 1}), Case((x,), {"ord": -inf}), Case((x,), {"ord": inf}),
            Case((x,), {"ord": 3, "dim": 1}), Case((x,), {"ord": 0.5, "dim": 0, "keepdim": True}),
            Case((_nonzero(rng, 2, 3, 4),), {"ord": "fro", "dim": (0, 2)}),
            Case((_nonzero(rng, 2, 3, 4),), {"dim": (1, 2)}),
            Case((_nonzero(rng, 4),), {"ord": inf}), Case((_nonzero(rng),)),
            Case((_nonzero(rng, 1, 3),), {"ord": "fro"})]


spec("linalg.norm", lambda x, **k: gg.linalg.norm(x, **k), _linalg_norm_cases,
     lambda t, x, **k: t.linalg.norm(x, **k), gradgrad=True, composed=True)


# ------------------------------------------------------------------------------ products
def _vdot_cases(rng):
    r = _r(rng)
    return [Case((r(4), r(4))), Case((r(1), r(1)))]


_VECTORS = "takes 1-D vectors"
_SAME = "its inputs have one shape (no broadcasting)"
WITHOUT_ZERO_D.update({"vdot": _VECTORS, "dot": _VECTORS, "outer": _VECTORS})
WITHOUT_BROADCAST.update({"vdot": _SAME, "dot": _SAME})
spec("vdot", lambda a, b: gg.vdot(a, b), _vdot_cases, lambda t, a, b: t.vdot(a, b),
     gradgrad=True, composed=True)
spec("dot", lambda a, b: gg.dot(a, b), _vdot_cases, lambda t, a, b: t.dot(a, b),
     gradgrad=True, composed=True)


def _outer_cases(rng):
    r = _r(rng)
    return [Case((r(3), r(4))), Case((r(1), r(2))), Case((r(3), r(1)))]


spec("outer", lambda a, b: gg.outer(a, b), _outer_cases, lambda t, a, b: t.outer(a, b),
     gradgrad=True, composed=True)


def _inner_cases(rng):
    r = _r(rng)
    return [Case((r(4), r(4))), Case((r(2, 3), r(4, 3))), Case((r(2, 1, 3), r(3))),
            Case((r(), r(2, 3)), note="0-d: a product"), Case((r(3, 2), r()))]


spec("inner", lambda a, b: gg.inner(a, b), _inner_cases, lambda t, a, b: t.inner(a, b),
     gradgrad=True, composed=True)


def _vecdot_cases(rng):
    r = _r(rng)
    return [Case((r(3, 4), r(3, 4))), Case((r(2, 3, 4), r(4)), note="y broadcast"),
            Case((r(3, 4), r(2, 1, 4)), {"dim": -1}), Case((r(4, 3), r(4, 1)), {"dim": 0})]


WITHOUT_ZERO_D.update({"linalg.vecdot": "reduces over a dim: a 0-d tensor has none (torch "
                                        "refuses it)"})
WITHOUT_BROADCAST.update({"linalg.vecdot": "reduces over dim, so the shape rule sees no "
                                           "broadcast; the inputs broadcast against each other in "
                                           "cases (2, 3, 4) with (4,) and (3, 4) with (2, 1, 4)"})
spec("linalg.vecdot", lambda a, b, **k: gg.linalg.vecdot(a, b, **k), _vecdot_cases,
     lambda t, a, b, **k: t.linalg.vecdot(a, b, **k), gradgrad=True, composed=True)


def _mm_cases(rng):
    r = _r(rng)
    return [Case((r(3, 4), r(4, 2))), Case((r(1, 4), r(4, 1))), Case((r(3, 1), r(1, 2)))]


WITHOUT_ZERO_D.update({n: "takes 2-D matrices" for n in ("mm", "chain_matmul")})
WITHOUT_ZERO_D.update({"bmm": "takes 3-D stacks of matrices", "mv": "takes a matrix and a vector"})
WITHOUT_BROADCAST.update({"mm": "matrices of shapes (n, k) and (k, m): nothing broadcasts",
                          "bmm": "torch's bmm does not broadcast (matmul does)",
                          "mv": "a matrix (n, m) and a vector (m,): nothing broadcasts"})
spec("mm", lambda a, b: gg.mm(a, b), _mm_cases, lambda t, a, b: t.mm(a, b), gradgrad=True,
     composed=True)


def _bmm_cases(rng):
    r = _r(rng)
    return [Case((r(2, 3, 4), r(2, 4, 2))), Case((r(1, 2, 3), r(1, 3, 1)))]


spec("bmm", lambda a, b: gg.bmm(a, b), _bmm_cases, lambda t, a, b: t.bmm(a, b), gradgrad=True,
     composed=True)


def _mv_cases(rng):
    r = _r(rng)
    return [Case((r(3, 4), r(4))), Case((r(1, 2), r(2))), Case((r(3, 1), r(1)))]


spec("mv", lambda a, b: gg.mv(a, b), _mv_cases, lambda t, a, b: t.mv(a, b), gradgrad=True,
     composed=True)


# The add*mm/mv cases leave out beta=0: glassgrad then leaves input's gradient None where
# torch gives zeros (reported on issue 11).
def _addmm_cases(rng):
    r = _r(rng)
    return [Case((r(3, 2), r(3, 4), r(4, 2))), Case((r(2), r(3, 4), r(4, 2)), {"beta": 0.5}),
            Case((r(), r(3, 4), r(4, 2)), {"alpha": -2.0}),
            Case((r(3, 1), r(3, 4), r(4, 2)), {"beta": 2, "alpha": 0.5}),
            Case((r(1, 2), r(1, 1), r(1, 2)))]


spec("addmm", lambda x, a, b, **k: gg.addmm(x, a, b, **k), _addmm_cases,
     lambda t, x, a, b, **k: t.addmm(x, a, b, **k), gradgrad=True, composed=True)


def _addmv_cases(rng):
    r = _r(rng)
    return [Case((r(3), r(3, 4), r(4))), Case((r(), r(3, 4), r(4)), {"beta": 0.5}),
            Case((r(1), r(3, 4), r(4)), {"alpha": -2.0, "beta": 3}),
            Case((r(3), r(3, 1), r(1)), {"beta": 0.5})]


spec("addmv", lambda x, a, b, **k: gg.addmv(x, a, b, **k), _addmv_cases,
     lambda t, x, a, b, **k: t.addmv(x, a, b, **k), gradgrad=True, composed=True)


def _addbmm_cases(rng):
    r = _r(rng)
    return [Case((r(3, 2), r(4, 3, 5), r(4, 5, 2))),
            Case((r(2), r(4, 3, 5), r(4, 5, 2)), {"beta": 0.5, "alpha": 2}),
            Case((r(), r(2, 3, 1), r(2, 1, 2))), Case((r(3, 1), r(1, 3, 2), r(1, 2, 2)))]


spec("addbmm", lambda x, a, b, **k: gg.addbmm(x, a, b, **k), _addbmm_cases,
     lambda t, x, a, b, **k: t.addbmm(x, a, b, **k), gradgrad=True, composed=True)


def _baddbmm_cases(rng):
    r = _r(rng)
    return [Case((r(4, 3, 2), r(4, 3, 5), r(4, 5, 2))),
            Case((r(3, 2), r(4, 3, 5), r(4, 5, 2)), {"beta": 0.5, "alpha": 2}),
            Case((r(), r(2, 3, 1), r(2, 1, 2))), Case((r(4, 1, 2), r(4, 3, 5), r(4, 5, 2)),
                                                  {"beta": -1})]


spec("baddbmm", lambda x, a, b, **k: gg.baddbmm(x, a, b, **k), _baddbmm_cases,
     lambda t, x, a, b, **k: t.baddbmm(x, a, b, **k), gradgrad=True, composed=True)


def _kron_cases(rng):
    r = _r(rng)
    return [Case((r(2, 3), r(3, 2))), Case((r(2), r(3))), Case((r(2, 1, 2), r(3, 2))),
            Case((r(), r(2, 3))), Case((r(2, 2), r(1, 1)))]


WITHOUT_BROADCAST.update({"kron": "the output's dims are products of the inputs' dims: "
                                  "nothing broadcasts (a (1, 1) operand is covered)"})
spec("kron", lambda a, b: gg.kron(a, b), _kron_cases, lambda t, a, b: t.kron(a, b),
     gradgrad=True, composed=True)


def _cross_cases(rng):
    r = _r(rng)
    return [Case((r(4, 3), r(4, 3)), {"dim": 1}), Case((r(3, 2), r(3, 2)), {"dim": 0}),
            Case((r(2, 3, 4), r(1, 3, 1)), {"dim": 1}), Case((r(1, 3), r(5, 3)), {"dim": -1})]


def _linalg_cross_cases(rng):
    r = _r(rng)
    return [Case((r(4, 3), r(4, 3))), Case((r(3, 2), r(3, 2)), {"dim": 0}),
            Case((r(2, 4, 3), r(1, 1, 3))), Case((r(1, 3), r(5, 3)))]


WITHOUT_ZERO_D.update({n: "needs a dim of size 3" for n in ("cross", "linalg.cross")})
spec("cross", lambda a, b, **k: gg.cross(a, b, **k), _cross_cases,
     lambda t, a, b, **k: t.cross(a, b, **k), gradgrad=True, composed=True)
spec("linalg.cross", lambda a, b, **k: gg.linalg.cross(a, b, **k), _linalg_cross_cases,
     lambda t, a, b, **k: t.linalg.cross(a, b, **k), gradgrad=True, composed=True)


def _tensordot_cases(rng):
    r = _r(rng)
    return [Case((r(2, 3, 4), r(3, 4, 2))), Case((r(2, 3, 4), r(4, 5)), {"dims": 1}),
            Case((r(2, 3), r(3, 2)), {"dims": ([1, 0], [0, 1])}),
            Case((r(3, 4, 2), r(2, 4)), {"dims": ([1], [1])}),
            Case((r(2, 3), r(2)), {"dims": 0}), Case((r(), r(2, 3)), {"dims": 0}),
            Case((r(1, 3), r(3, 1)), {"dims": 1})]


WITHOUT_BROADCAST.update({"tensordot": "contracts dims and joins the free dims of both: "
                                       "nothing broadcasts"})
spec("tensordot", lambda a, b, **k: gg.tensordot(a, b, **k), _tensordot_cases,
     lambda t, a, b, **k: t.tensordot(a, b, **k), gradgrad=True, composed=True)


def _chain_cases(rng):
    r = _r(rng)
    return [Case((r(2, 3), r(3, 4), r(4, 2))), Case((r(2, 3), r(3, 2))), Case((r(3, 3),)),
            Case((r(1, 3), r(3, 2), r(2, 1), r(1, 2)))]


WITHOUT_BROADCAST.update({n: "a chain of matrix products: nothing broadcasts"
                          for n in ("chain_matmul", "linalg.multi_dot")})
spec("chain_matmul", lambda *m: gg.chain_matmul(*m), _chain_cases,
     lambda t, *m: t.chain_matmul(*m), gradgrad=True, composed=True)


def _multi_dot_cases(rng):
    r = _r(rng)
    return [Case((r(2, 3), r(3, 4), r(4, 2))), Case((r(3), r(3, 4), r(4, 2))),
            Case((r(2, 3), r(3, 4), r(4))), Case((r(3), r(3))), Case((r(1, 3), r(3, 1)))]


WITHOUT_ZERO_D.update({"linalg.multi_dot": "takes matrices; the first and last may be 1-D"})
spec("linalg.multi_dot", lambda *m: gg.linalg.multi_dot(list(m)), _multi_dot_cases,
     lambda t, *m: t.linalg.multi_dot(list(m)), gradgrad=True, composed=True)


def _matrix_power_cases(rng):
    a = _well(rng, 3, 3, shift=1.0) / 2
    return [Case((a,), {"n": 2}), Case((a,), {"n": 3}), Case((a,), {"n": 5}), Case((a,), {"n": 1}),
            Case((a,), {"n": 0}), Case((_well(rng, 3, 3),), {"n": -1}),
            Case((_well(rng, 2, 3, 3),), {"n": -2}), Case((_well(rng, 1, 2, 2),), {"n": 3}),
            Case((rng.standard_normal((1, 1)),), {"n": 4})]


WITHOUT_ZERO_D.update({"matrix_power": _MATRIX})
spec("matrix_power", lambda a, **k: gg.matrix_power(a, **k), _matrix_power_cases,
     lambda t, a, **k: t.matrix_power(a, **k), gradgrad=True, composed=True)


# ------------------------------------------------------------------------------ solve, decomp
def _logdet_cases(rng):
    return [Case((_well(rng, 3, 3),)), Case((_well(rng, 2, 4, 4),)),
            Case((_well(rng, 1, 2, 2),)), Case((np.array([[1.7]]),))]


WITHOUT_ZERO_D.update({n: _MATRIX for n in (
    "logdet", "pinverse", "cholesky_solve", "cholesky_inverse", "linalg.solve_triangular",
    "linalg.lstsq", "linalg.eigvalsh", "linalg.svdvals", "linalg.cond")})
spec("logdet", lambda a: gg.logdet(a), _logdet_cases, lambda t, a: t.logdet(a), gradgrad=True,
     composed=True)


def _full_rank(rng, *shape):
    """Random (..., m, n) matrices with singular values spread over [1, 3]: full rank, so
    the pseudo-inverse is smooth."""
    u, _, vh = np.linalg.svd(rng.standard_normal(shape), full_matrices=False)
    k = min(shape[-2:])
    return u @ (np.linspace(3.0, 1.0, k)[:, None] * vh)


def _pinverse_cases(rng):
    return [Case((_full_rank(rng, 3, 3),)), Case((_full_rank(rng, 4, 2),)),
            Case((_full_rank(rng, 2, 3),)), Case((_full_rank(rng, 2, 3, 2),)),
            Case((_full_rank(rng, 1, 3),))]


spec("pinverse", lambda a: gg.pinverse(a), _pinverse_cases, lambda t, a: t.pinverse(a),
     gradgrad=True, composed=True)


def _svdvals_cases(rng):
    return [Case((_full_rank(rng, 3, 3),)), Case((_full_rank(rng, 4, 2),)),
            Case((_full_rank(rng, 2, 3),)), Case((_full_rank(rng, 2, 3, 2),)),
            Case((_full_rank(rng, 1, 3),)), Case((np.array([[-1.3]]),))]


spec("linalg.svdvals", lambda a: gg.linalg.svdvals(a), _svdvals_cases,
     lambda t, a: t.linalg.svdvals(a), gradgrad=True, composed=True)


def _cond_cases(rng):
    inf = float("inf")
    a = _full_rank(rng, 3, 3) + 0.1 * rng.standard_normal((3, 3))  # entries untied
    return [Case((a,)), Case((_full_rank(rng, 4, 2),)),
            Case((_full_rank(rng, 2, 3, 2),), {"p": -2}),
            Case((a,), {"p": "fro"}), Case((a,), {"p": "nuc"}), Case((a,), {"p": 1}),
            Case((a,), {"p": -1}), Case((a,), {"p": inf}), Case((a,), {"p": -inf}),
            Case((_full_rank(rng, 1, 3, 3),), {"p": 2})]


def _torch_cond(t, a, p=None):
    """torch's linalg.cond; for p 'fro', 1, -1, inf and -inf, whose backward fails in torch
    ("modified by an inplace operation", torch 2.13), its definition ‖A‖_p ‖A⁻¹‖_p."""
    if p is None or p in (2, -2, "nuc"):
        return t.linalg.cond(a, p)
    return t.linalg.matrix_norm(a, p) * t.linalg.matrix_norm(t.linalg.inv(a), p)


spec("linalg.cond", lambda a, **k: gg.linalg.cond(a, **k), _cond_cases, _torch_cond,
     gradgrad=True, composed=True)


def _eigvalsh_cases(rng):
    def sym(*shape):  # half a symmetric matrix with spread eigenvalues: fn adds Aᵀ
        q, _ = np.linalg.qr(rng.standard_normal(shape))
        n = shape[-1]
        return q @ (np.linspace(-2.0, 3.0, n)[:, None] * np.swapaxes(q, -1, -2)) / 2

    return [Case((sym(3, 3),)), Case((sym(4, 4),), {"UPLO": "U"}), Case((sym(2, 3, 3),)),
            Case((sym(1, 2, 2),)), Case((np.array([[0.6]]),))]


# The value reads one triangle, the gradient is symmetric (as torch): check on A + Aᵀ.
spec("linalg.eigvalsh", lambda a, **k: gg.linalg.eigvalsh(a + a.transpose(-1, -2), **k),
     _eigvalsh_cases, lambda t, a, **k: t.linalg.eigvalsh(a + a.transpose(-1, -2), **k),
     gradgrad=True, composed=True)


def _lstsq_cases(rng):
    r = _r(rng)
    return [Case((_full_rank(rng, 4, 3), r(4, 2))), Case((_full_rank(rng, 3, 3), r(3))),
            Case((_full_rank(rng, 2, 4), r(2, 3)), note="underdetermined: minimum norm"),
            Case((_full_rank(rng, 2, 4, 3), r(1, 4, 2)), note="B broadcast over A's batch"),
            Case((_full_rank(rng, 1, 3, 2), r(2, 3, 2)), note="A broadcast over B's batch")]


WITHOUT_BROADCAST.update({"linalg.lstsq": "batch dims broadcast (cases A (2, 4, 3) with "
                                          "B (1, 4, 2), A (1, 3, 2) with B (2, 3, 2)), but the "
                                          "solution (..., n, k) has neither input's shape"})
spec("linalg.lstsq", lambda a, b: gg.linalg.lstsq(a, b).solution, _lstsq_cases,
     lambda t, a, b: t.linalg.lstsq(a, b).solution, gradgrad=True, composed=True)


def _solve_triangular_cases(rng):
    r = _r(rng)
    return [Case((_well(rng, 3, 3), r(3, 2)), {"upper": True}),
            Case((_well(rng, 3, 3), r(3, 2)), {"upper": False}),
            Case((_well(rng, 3, 3), r(2, 3)), {"upper": True, "left": False}),
            Case((r(3, 3), r(3, 2)), {"upper": False, "unitriangular": True}),
            Case((_well(rng, 2, 3, 3), r(3, 1)), {"upper": True}, "B broadcast over A's batch"),
            Case((_well(rng, 1, 2, 2), r(2, 2, 3)), {"upper": False})]


spec("linalg.solve_triangular", lambda a, b, **k: gg.linalg.solve_triangular(a, b, **k),
     _solve_triangular_cases, lambda t, a, b, **k: t.linalg.solve_triangular(a, b, **k),
     gradgrad=True, composed=True)


def _cholesky_solve_cases(rng):
    r = _r(rng)
    return [Case((r(3, 2), _spd(rng, 3, 3))), Case((r(3, 2), _spd(rng, 3, 3)), {"upper": True}),
            Case((r(3, 1), _spd(rng, 2, 3, 3)), note="B broadcast over L's batch"),
            Case((r(2, 2, 4), _spd(rng, 1, 2, 2)))]


# The value reads L's triangle and the gradient is for all of L (as torch): fn passes
# tril(L) (triu for upper), so the gradient check sees the triangle's gradient.
def _tri(lib, x, upper=False):
    return lib.triu(x.transpose(-1, -2)) if upper else lib.tril(x)


spec("cholesky_solve", lambda b, low, upper=False: gg.cholesky_solve(b, _tri(gg, low, upper),
                                                                     upper),
     _cholesky_solve_cases,
     lambda t, b, low, upper=False: t.cholesky_solve(b, _tri(t, low, upper), upper),
     gradgrad=True, composed=True)


def _cholesky_inverse_cases(rng):
    return [Case((_spd(rng, 3, 3),)), Case((_spd(rng, 3, 3),), {"upper": True}),
            Case((_spd(rng, 2, 3, 3),)), Case((_spd(rng, 1, 2, 2),))]


spec("cholesky_inverse",
     lambda low, upper=False: gg.cholesky_inverse(_tri(gg, low, upper), upper),
     _cholesky_inverse_cases,
     lambda t, low, upper=False: t.cholesky_inverse(_tri(t, low, upper), upper),
     gradgrad=True, composed=True)


def _tensorinv_cases(rng):
    return [Case((_well(rng, 6, 6).reshape(6, 2, 3),), {"ind": 1}),
            Case((_well(rng, 6, 6).reshape(2, 3, 6),), {"ind": 2}),
            Case((_well(rng, 4, 4).reshape(2, 2, 1, 4),), {"ind": 2}),
            Case((_well(rng, 2, 2),), {"ind": 1})]


WITHOUT_ZERO_D.update({"linalg.tensorinv": "the input is a linear map: prod(shape[:ind]) "
                                           "== prod(shape[ind:]) with ind > 0",
                       "linalg.tensorsolve": "A maps X's shape onto B's: at least 2-D"})
spec("linalg.tensorinv", lambda a, **k: gg.linalg.tensorinv(a, **k), _tensorinv_cases,
     lambda t, a, **k: t.linalg.tensorinv(a, **k), gradgrad=True, composed=True)


def _tensorsolve_cases(rng):
    r = _r(rng)
    return [Case((_well(rng, 6, 6).reshape(2, 3, 6), r(2, 3))),
            Case((_well(rng, 6, 6).reshape(6, 2, 3), r(6))),
            Case((_well(rng, 6, 6).reshape(6, 3, 2).transpose(0, 2, 1).copy(), r(6)),
                 {"dims": (1,)}),
            Case((_well(rng, 4, 4).reshape(1, 4, 2, 2), r(1, 4)))]


WITHOUT_BROADCAST.update({"linalg.tensorsolve": "solves a square system: nothing broadcasts"})
spec("linalg.tensorsolve", lambda a, b, **k: gg.linalg.tensorsolve(a, b, **k),
     _tensorsolve_cases, lambda t, a, b, **k: t.linalg.tensorsolve(a, b, **k), gradgrad=True,
     composed=True)


# ------------------------------------------------------------------------------ clamp_min/max
def _clamp_bound_cases(rng, key):
    r = _r(rng)

    def apart(b):  # x at least 0.1 from the bound b: no ties, where clamp has its kink
        return b + rng.choice([-1.0, 1.0], (3, 4)) * (0.1 + np.abs(r(3, 4)))

    b1, b2 = r(3, 4), r(4)
    x = apart(b1)
    return [Case((x, b1)), Case((apart(b2), b2), note="bound broadcast"),
            Case((x,), {key: 0.3}), Case((x,), {key: -0.25}),
            Case((np.array(0.4), np.array(-0.3))), Case((np.array(0.4),), {key: 0.9}),
            Case((r(1, 4),), {key: 0.05})]


def _clamp_bound(fname, key):
    def fn(x, b=None, **k):
        return getattr(gg, fname)(x, *(() if b is None else (b,)), **k)

    def torch_fn(t, x, b=None, **k):
        return getattr(t, fname)(x, *(() if b is None else (b,)), **k)

    spec(fname, fn, lambda rng: _clamp_bound_cases(rng, key), torch_fn, gradgrad=True,
         composed=True)


_clamp_bound("clamp_min", "min")
_clamp_bound("clamp_max", "max")
