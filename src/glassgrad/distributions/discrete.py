"""``Bernoulli``, ``Categorical`` and ``OneHotCategorical`` (not reparameterized)."""

from __future__ import annotations

import numpy as np

from .distribution import Distribution, _as_float, _param_repr, _require


def _probs_or_logits(probs, logits, cls):
    if (probs is None) == (logits is None):
        raise ValueError(f"{cls}: either `probs` or `logits` must be specified, but not both.")
    if probs is not None:
        return _as_float(probs, "probs", cls), None
    return None, _as_float(logits, "logits", cls)


def _clamp_probs(p):
    eps = float(np.finfo(np.dtype(p.dtype)).eps)
    return p.clamp(eps, 1 - eps)


class Bernoulli(Distribution):
    """Bernoulli(p) over {0, 1}, given ``probs`` = p or ``logits`` = log(p / (1 - p)).

    log_prob(x) = x * logits - softplus(logits);
    entropy = softplus(logits) - p * logits (as binary_cross_entropy_with_logits(logits, p))
    """

    def __init__(self, probs=None, logits=None, validate_args=None):
        import glassgrad as gg

        probs, logits = _probs_or_logits(probs, logits, "Bernoulli")
        if probs is not None:
            self.probs = probs
            self.logits = _clamp_probs(probs).logit()
            given = probs
        else:
            self.logits = logits
            self.probs = gg.sigmoid(logits)
            given = logits
        self._param = given
        self._param_name = "probs" if probs is not None else "logits"
        self._dtype = given.dtype
        super().__init__(given.shape, (), validate_args)
        if self._validate_args:
            if probs is not None:
                d = probs._data
                _require((d >= 0) & (d <= 1), "Bernoulli", "probs", probs,
                         "Interval(lower_bound=0.0, upper_bound=1.0)")
            else:
                _require(~np.isnan(logits._data), "Bernoulli", "logits", logits, "Real()")

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs._data, shape)
        u = self._rng(generator).random(shape)
        return gg.tensor((u < p).astype(self._dtype))

    def log_prob(self, value):
        import glassgrad as gg

        value = self._value(value)
        self._check_support(value, (value._data == 0) | (value._data == 1), "Boolean()")
        logits, value = gg.broadcast_tensors(self.logits, value)
        return value * logits - gg.nn.functional.softplus(logits)

    def entropy(self):
        import glassgrad as gg

        return gg.nn.functional.binary_cross_entropy_with_logits(
            self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        import glassgrad as gg

        values = gg.tensor([0.0, 1.0], dtype=self._dtype).reshape(
            (2,) + (1,) * len(self.batch_shape))
        return values.expand((2,) + tuple(self.batch_shape)) if expand else values

    def _params(self):
        return {self._param_name: (self._param, 0)}

    def _repr_args(self):
        return _param_repr(**{self._param_name: self._param})


class Categorical(Distribution):
    """A distribution over {0, ..., K-1} given by the last dim of ``probs`` (normalized to
    sum to 1) or of ``logits`` (normalized to logsumexp 0).

    log_prob(k) = logits[..., k];  entropy = -sum_k probs_k * logits_k
    """

    def __init__(self, probs=None, logits=None, validate_args=None):
        import glassgrad as gg

        probs, logits = _probs_or_logits(probs, logits, type(self).__name__)
        given = probs if probs is not None else logits
        if given.dim() < 1:
            raise ValueError(f"{type(self).__name__}: `probs`/`logits` must be at least "
                             "one-dimensional.")
        self._check_params(probs, logits, validate_args)
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = _clamp_probs(self.probs).log()
        else:
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = gg.softmax(self.logits, -1)
        self._param = given
        self._param_name = "probs" if probs is not None else "logits"
        self._dtype = given.dtype
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], self._event_dims(), validate_args)

    def _event_dims(self):
        return ()

    def _check_params(self, probs, logits, validate_args):
        """torch's parameter checks, made before probs is normalized (so before the base
        class's __init__ sets _validate_args)."""
        from . import distribution

        if not (distribution._validate_default if validate_args is None else validate_args):
            return
        name = type(self).__name__
        if probs is not None:
            d = probs._data
            _require((d >= 0).all() and (d.sum(-1) > 0).all(), name, "probs", probs,
                     "Simplex()")
        else:
            _require(~np.isnan(logits._data), name, "logits", logits,
                     "IndependentConstraint(Real(), 1)")

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        import glassgrad as gg

        return gg.full(tuple(self.batch_shape), float("nan"), dtype=self._dtype)

    @property
    def variance(self):
        import glassgrad as gg

        return gg.full(tuple(self.batch_shape), float("nan"), dtype=self._dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def _draw_indices(self, sample_shape, generator):
        """Indices of shape sample_shape + batch_shape, by inverting the CDF."""
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        cdf = np.cumsum(self.probs._data, axis=-1)
        cdf = cdf / cdf[..., -1:]
        u = self._rng(generator).random(shape)
        k = (np.broadcast_to(cdf, shape + (self._num_events,)) <= u[..., None]).sum(-1)
        return np.minimum(k, self._num_events - 1)

    def sample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        from .distribution import _shape

        idx = self._draw_indices(_shape(sample_shape), generator)
        return gg.tensor(idx.astype(np.int64))

    def log_prob(self, value):
        value = self._value(value)
        d = value._data
        self._check_support(value, (d >= 0) & (d < self._num_events) & (d == np.floor(d)),
                            f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})")
        return self._log_prob_index(value)

    def _log_prob_index(self, value):
        import glassgrad as gg

        value = value.long().unsqueeze(-1)
        value, logits = gg.broadcast_tensors(value, self.logits)
        return logits.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        tiny = float(np.finfo(np.dtype(self._dtype)).min)
        return -(self.probs * self.logits.clamp(min=tiny)).sum(-1)

    def enumerate_support(self, expand=True):
        import glassgrad as gg

        values = gg.arange(self._num_events).reshape(
            (-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values

    def _params(self):
        return {self._param_name: (self._param, 1)}

    def _repr_args(self):
        return _param_repr(**{self._param_name: self._param})


class OneHotCategorical(Categorical):
    """``Categorical`` with one-hot draws: events of shape (K,).

    log_prob(x) = sum_k x_k * logits_k;  mean = probs;  variance = probs * (1 - probs)
    """

    def _event_dims(self):
        return (self._num_events,)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        import glassgrad as gg

        return gg.nn.functional.one_hot(self.probs.argmax(-1), self._num_events).to(
            self._dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=(), generator=None):
        import glassgrad as gg

        from .distribution import _shape

        idx = self._draw_indices(_shape(sample_shape), generator)
        return gg.tensor(np.eye(self._num_events, dtype=self._dtype)[idx])

    def log_prob(self, value):
        import glassgrad as gg

        value = self._value(value)
        d = value._data
        ok = ((d == 0) | (d == 1)).all(-1) & (d.sum(-1) == 1) if d.ndim else False
        self._check_support(value, ok, "OneHot()")
        return self._log_prob_index(gg.tensor(d.argmax(-1)))

    def enumerate_support(self, expand=True):
        import glassgrad as gg

        values = gg.tensor(np.eye(self._num_events, dtype=self._dtype)).reshape(
            (self._num_events,) + (1,) * len(self.batch_shape) + (self._num_events,))
        if expand:
            values = values.expand((-1,) + tuple(self.batch_shape) + (self._num_events,))
        return values
