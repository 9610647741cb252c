"""``MultivariateNormal``: N(loc, Sigma) over vectors, parameterized by a Cholesky factor."""

from __future__ import annotations

import math

import numpy as np

from .distribution import Distribution, _as_float, _param_repr, _require


def _batch_mv(L, x):
    """L @ x over batch dims (x: (..., n))."""
    return (L @ x.unsqueeze(-1)).squeeze(-1)


def _solve_lower(L, x):
    """L^{-1} x for lower-triangular L, broadcasting batch dims (x: (..., n))."""
    import glassgrad as gg

    n = x.shape[-1]
    shape = np.broadcast_shapes(tuple(L.shape[:-2]), tuple(x.shape[:-1]))
    L = L.expand(shape + (n, n))
    x = x.expand(shape + (n,))
    return gg.linalg.solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)


def _half_log_det(L):
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) with exactly one of ``covariance_matrix`` (Sigma), ``precision_matrix``
    (Sigma^{-1}) or ``scale_tril`` (L, lower triangular with positive diagonal, Sigma = L L^T).

    log_prob(x) = -(n log(2 pi) + |L^{-1}(x - loc)|^2) / 2 - sum(log diag L)
    entropy = n (1 + log(2 pi)) / 2 + sum(log diag L);  rsample = loc + L eps
    """

    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        import glassgrad as gg

        from . import distribution

        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("MultivariateNormal: exactly one of covariance_matrix or "
                             "precision_matrix or scale_tril may be specified.")
        loc = _as_float(loc, "loc", "MultivariateNormal")
        if loc.dim() < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional.")
        name = ("covariance_matrix" if covariance_matrix is not None else
                "precision_matrix" if precision_matrix is not None else "scale_tril")
        m = _as_float(given[0], name, "MultivariateNormal")
        if m.dim() < 2:
            raise ValueError(f"MultivariateNormal: {name} must be at least two-dimensional, "
                             "with optional leading batch dimensions")
        n = loc.shape[-1]
        if tuple(m.shape[-2:]) != (n, n):
            raise ValueError(f"MultivariateNormal: {name} of shape {tuple(m.shape)} does not "
                             f"match loc's event size {n}")
        try:
            batch = np.broadcast_shapes(tuple(m.shape[:-2]), tuple(loc.shape[:-1]))
        except ValueError:
            raise ValueError(f"MultivariateNormal: batch shapes of loc {tuple(loc.shape)} and "
                             f"{name} {tuple(m.shape)} cannot be broadcast") from None
        on = distribution._validate_default if validate_args is None else validate_args
        if on:
            self._check_matrix(name, m)
            _require(~np.isnan(loc._data), "MultivariateNormal", "loc", loc,
                     "IndependentConstraint(Real(), 1)")
        self._given = name
        self._matrix = m.expand(batch + (n, n))
        self.loc = loc.expand(batch + (n,))
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = m
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = gg.linalg.cholesky(m)
        else:
            self._unbroadcasted_scale_tril = gg.linalg.cholesky(gg.linalg.inv(m))
        self._dtype = loc.dtype
        super().__init__(batch, (n,), validate_args)

    @staticmethod
    def _check_matrix(name, m):
        d = m._data
        if name == "scale_tril":
            ok = (np.triu(d, 1) == 0).all() and (np.diagonal(d, 0, -2, -1) > 0).all()
            _require(ok, "MultivariateNormal", name, m, "LowerCholesky()")
            return
        ok = np.allclose(d, np.swapaxes(d, -1, -2), atol=1e-6) and bool(np.all(
            np.linalg.eigvalsh(d) > 0)) if np.isfinite(d).all() else False
        _require(ok, "MultivariateNormal", name, m, "PositiveDefinite()")

    @property
    def scale_tril(self):
        n = self.event_shape[0]
        return self._unbroadcasted_scale_tril.expand(tuple(self.batch_shape) + (n, n))

    @property
    def covariance_matrix(self):
        if self._given == "covariance_matrix":
            return self._matrix
        L = self.scale_tril
        return L @ L.mT

    @property
    def precision_matrix(self):
        import glassgrad as gg

        if self._given == "precision_matrix":
            return self._matrix
        return gg.cholesky_inverse(self.scale_tril)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        L = self._unbroadcasted_scale_tril
        return (L ** 2).sum(-1).expand(tuple(self.batch_shape) + tuple(self.event_shape))

    def rsample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        shape = self._extended_shape(sample_shape)
        eps = gg.tensor(self._rng(generator).standard_normal(shape).astype(self._dtype))
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        value = self._value(value)
        self._check_support(value, ~np.isnan(value._data),
                            "IndependentConstraint(Real(), 1)")
        diff = value - self.loc
        m = (_solve_lower(self._unbroadcasted_scale_tril, diff) ** 2).sum(-1)
        n = self.event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - _half_log_det(
            self._unbroadcasted_scale_tril)

    def entropy(self):
        n = self.event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(
            self._unbroadcasted_scale_tril)
        return h.expand(tuple(self.batch_shape))

    def _params(self):
        m = self._unbroadcasted_scale_tril if self._given == "scale_tril" else self._matrix
        return {"loc": (self.loc, 1), self._given: (m, 2)}

    def _repr_args(self):
        return _param_repr(loc=self.loc, **{self._given: self._matrix})
