"""``Normal`` and ``Uniform``: reparameterized univariate distributions."""

from __future__ import annotations

import math

import numpy as np

from .distribution import Distribution, _as_float, _broadcast, _param_repr, _require

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class Normal(Distribution):
    """N(loc, scale^2), elementwise over the broadcast of ``loc`` and ``scale``.

    log_prob(x) = -(x - loc)^2 / (2 scale^2) - log(scale) - log(2 pi) / 2
    entropy = 1/2 + log(2 pi) / 2 + log(scale);  rsample = loc + scale * eps, eps ~ N(0, 1)
    """

    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        loc = _as_float(loc, "loc", "Normal")
        scale = _as_float(scale, "scale", "Normal")
        self.loc, self.scale = _broadcast(loc, scale)
        self._dtype = self.loc.dtype
        super().__init__(self.loc.shape, (), validate_args)
        if self._validate_args:
            _require(~np.isnan(self.loc._data), "Normal", "loc", self.loc, "Real()")
            _require(self.scale._data > 0, "Normal", "scale", self.scale,
                     "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        shape = self._extended_shape(sample_shape)
        eps = gg.tensor(self._rng(generator).standard_normal(shape).astype(self._dtype))
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = self._value(value)
        self._check_support(value, ~np.isnan(value._data), "Real()")
        return (-((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - _HALF_LOG_2PI)

    def cdf(self, value):
        import glassgrad as gg

        value = self._value(value)
        self._check_support(value, ~np.isnan(value._data), "Real()")
        return 0.5 * (1 + gg.special.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        """loc + scale * sqrt(2) * erfinv(2 value - 1)"""
        import glassgrad as gg

        value = self._value(value)  # not validated, as torch: outside [0, 1] gives nan/extrapolates
        return self.loc + self.scale * gg.special.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + _HALF_LOG_2PI + self.scale.log()

    def _params(self):
        return {"loc": (self.loc, 0), "scale": (self.scale, 0)}

    def _repr_args(self):
        return _param_repr(loc=self.loc, scale=self.scale)


class Uniform(Distribution):
    """U[low, high), elementwise over the broadcast of ``low`` and ``high``.

    log_prob(x) = -log(high - low) on [low, high), -inf outside; entropy = log(high - low);
    rsample = low + (high - low) * u, u ~ U[0, 1)
    """

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        low = _as_float(low, "low", "Uniform")
        high = _as_float(high, "high", "Uniform")
        self.low, self.high = _broadcast(low, high)
        self._dtype = self.low.dtype
        super().__init__(self.low.shape, (), validate_args)
        if self._validate_args:
            _require(self.low._data < self.high._data, "Uniform", "low", self.low,
                     "LessThan(upper_bound=high)")

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        import glassgrad as gg

        return gg.full_like(self.low, float("nan"))

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        from .. import random as _random

        shape = self._extended_shape(sample_shape)
        u = gg.tensor(_random.unit_uniform(self._rng(generator), shape, np.dtype(self._dtype)))
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        import glassgrad as gg

        value = self._value(value)
        inside = (self.low._data <= value._data) & (value._data < self.high._data)
        self._check_support(value, inside, "Interval(lower_bound=low, upper_bound=high)")
        # as torch: log(1{inside}) - log(high - low), so outside points (-inf) still carry
        # the gradient of -log(high - low)
        with np.errstate(divide="ignore"):
            log_inside = gg.tensor(np.log(inside.astype(np.dtype(self._dtype))))
        return log_inside - (self.high - self.low).log()

    def cdf(self, value):
        value = self._value(value)
        inside = (self.low._data <= value._data) & (value._data < self.high._data)
        self._check_support(value, inside, "Interval(lower_bound=low, upper_bound=high)")
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        """low + value * (high - low)"""
        value = self._value(value)  # not validated, as torch: outside [0, 1] gives nan/extrapolates
        return self.low + value * (self.high - self.low)

    def entropy(self):
        return (self.high - self.low).log()

    def _params(self):
        return {"low": (self.low, 0), "high": (self.high, 0)}

    def _repr_args(self):
        return _param_repr(low=self.low, high=self.high)
