"""The ``Distribution`` base class and the parameter helpers the distributions share."""

from __future__ import annotations

import numbers

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor

_validate_default = __debug__


def _as_float(x, name, cls):
    """``x`` as a floating-point Tensor (numbers become the default float dtype)."""
    import glassgrad as gg

    if isinstance(x, Tensor):
        if x.dtype.kind != "f":
            raise TypeError(f"{cls}: {name} must be a floating point tensor, got dtype "
                            f"{x.dtype}")
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        return gg.tensor(float(x), dtype=gg.get_default_dtype())
    raise TypeError(f"{cls}: {name} must be a Tensor or a number, got {type(x).__name__}")


def _broadcast(*xs):
    import glassgrad as gg

    shapes = [x.shape for x in xs]
    try:
        return gg.broadcast_tensors(*xs)
    except RuntimeError:
        raise ValueError(f"parameter shapes {[tuple(s) for s in shapes]} cannot be broadcast "
                         "together") from None


def _shape(s, what="sample_shape"):
    if isinstance(s, numbers.Integral):
        return (int(s),)
    try:
        return tuple(int(d) for d in s)
    except TypeError:
        raise TypeError(f"{what} must be a tuple of ints, got {s!r}") from None


def _fail(cls, name, value, constraint):
    raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape "
                     f"{tuple(value.shape)}) of distribution {cls} to satisfy the constraint "
                     f"{constraint}, but found invalid values:\n{value}")


def _require(ok, cls, name, value, constraint):
    """ValueError (as torch's validate_args) unless every element of ``ok`` holds."""
    if not bool(np.all(ok)):
        _fail(cls, name, value, constraint)


class Distribution:
    """Base class: a batch of independent distributions over events.

    ``batch_shape`` indexes the independent distributions, ``event_shape`` is the shape of one
    draw; ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``.
    ``validate_args`` (default on, as torch's under ``__debug__``) checks parameters in the
    constructor and values in ``log_prob``, raising ValueError.
    """

    has_rsample = False

    @staticmethod
    def set_default_validate_args(value):
        global _validate_default
        if value not in (True, False):
            raise ValueError("set_default_validate_args: expected True or False")
        _validate_default = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        import glassgrad as gg

        self._batch_shape = gg.Size(tuple(batch_shape))
        self._event_shape = gg.Size(tuple(event_shape))
        self._validate_args = _validate_default if validate_args is None else validate_args

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        return _shape(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def rsample(self, sample_shape=(), generator=None):
        raise NotImplementedError(f"{type(self).__name__} does not support rsample "
                                  "(its draws are not reparameterized)")

    def sample(self, sample_shape=(), generator=None):
        """A draw of shape ``sample_shape + batch_shape + event_shape``, cut from the graph."""
        import glassgrad as gg

        with gg.no_grad():
            return self.rsample(sample_shape, generator=generator).detach()

    def sample_n(self, n, generator=None):
        return self.sample((n,), generator=generator)

    def log_prob(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def expand(self, batch_shape):
        """The same distribution with its parameters expanded to ``batch_shape``."""
        batch = _shape(batch_shape, "batch_shape")
        try:
            out = np.broadcast_shapes(tuple(self._batch_shape), batch)
        except ValueError:
            out = None
        if out != batch:
            raise RuntimeError(f"{type(self).__name__}.expand: batch_shape "
                               f"{tuple(self._batch_shape)} cannot be expanded to {batch}")
        kwargs = {name: t.expand(batch + tuple(t.shape[t.dim() - nd:]) if nd else batch)
                  for name, (t, nd) in self._params().items()}
        return type(self)(**kwargs, validate_args=False)

    def _params(self):
        """name -> (parameter tensor as given to the constructor, its event dims)."""
        raise NotImplementedError(f"{type(self).__name__} does not support expand")

    def perplexity(self):
        return self.entropy().exp()

    def _rng(self, generator):
        return _random.numpy_rng(generator, f"{type(self).__name__}.sample")

    def _value(self, value):
        """``value`` as a Tensor (numbers in the parameters' dtype)."""
        import glassgrad as gg

        if isinstance(value, Tensor):
            return value
        if isinstance(value, numbers.Number):
            return gg.tensor(value, dtype=self._dtype)
        raise TypeError(f"{type(self).__name__}.log_prob: value must be a Tensor, got "
                        f"{type(value).__name__}")

    def _check_value_shape(self, value):
        """ValueError when ``value`` does not broadcast with batch_shape + event_shape."""
        event = tuple(self._event_shape)
        n = len(event)
        vs = tuple(value.shape)
        if n and vs[len(vs) - n:] != event:
            raise ValueError(f"{type(self).__name__}.log_prob: the value's event dims {vs} do "
                             f"not match event_shape {event}")
        try:
            np.broadcast_shapes(vs, tuple(self._batch_shape) + event)
        except ValueError:
            raise ValueError(f"{type(self).__name__}.log_prob: value of shape {vs} does not "
                             f"broadcast with batch_shape {tuple(self._batch_shape)} + "
                             f"event_shape {event}") from None

    def _check_support(self, value, ok, constraint):
        if self._validate_args:
            self._check_value_shape(value)
            if not bool(np.all(ok)):
                raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                                 f"{tuple(value.shape)}) to be within the support "
                                 f"({constraint}) of the distribution {self!r}, but found "
                                 f"invalid values:\n{value}")

    def __repr__(self):
        return f"{type(self).__name__}({self._repr_args()})"

    def _repr_args(self):
        return ""


def _param_repr(**params):
    """torch's repr arguments: the value of a one-element parameter, else its size."""
    return ", ".join(f"{k}: {t.item() if t.numel() == 1 else t.size()}"
                     for k, t in params.items())
