"""Sampling: ``normal``, ``bernoulli``, ``multinomial`` and the in-place random fills
(``uniform_``, ``normal_``, ``bernoulli_``, ``random_``, ``exponential_``, ...).

Each takes ``generator=`` (a ``gg.Generator``) and draws from the default generator without
one. A draw whose distribution depends on tensors that require grad (``gg.normal(mu, sigma)``,
``p.bernoulli()``) is a node with a **zero** gradient, as in torch: sampling is not
reparameterized. Write ``mu + sigma * gg.randn_like(sigma)`` to differentiate through a draw.

An in-place fill of a tensor in the graph is recorded like any in-place op (the old values
get gradient 0); on a leaf that requires grad it raises outside ``no_grad``, as in torch.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import random as _random
from .. import inplace
from ..function import Function
from ..tensor import Tensor


class Draw(Function):
    """out = a random draw made before the call; every tensor argument gets gradient 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, sample, *params):
        return sample

    @staticmethod
    def backward(ctx, grad):
        zero = np.zeros(grad.shape, dtype=grad.dtype)
        return (None,) + (zero,) * (len(ctx.needs_input_grad) - 1)


def _draw_class(name):
    return type(name, (Draw,), {"__slots__": (), "__doc__": f"A {name} draw (gradient 0)."})


_KINDS = {name: _draw_class(name) for name in (
    "Normal", "Bernoulli", "Uniform", "Random", "Exponential", "Geometric", "LogNormal",
    "Cauchy")}


def _node(kind, sample, params):
    """``sample`` as a tensor, on the graph (with gradient 0) when a param requires grad."""
    params = tuple(p for p in params if isinstance(p, Tensor))
    return _KINDS[kind].apply(sample, *params)


# ------------------------------------------------------------------------------ functions
def _float_tensor(x, what, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {what} must be a Tensor or a number, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {what} must be a floating point tensor, got dtype {x.dtype}; "
                        "convert it with .float()")
    return x


def _check_std(std, op):
    s = std._data if isinstance(std, Tensor) else np.asarray(std)
    bad = s < 0
    if np.any(bad):
        raise RuntimeError(f"{op}: normal expects all elements of std >= 0.0, but found std "
                           f"{s[bad].flat[0]}")


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Draws from N(mean, std^2), in torch's four forms:

    - ``normal(mean_tensor, std_tensor)``: elementwise, broadcast together (mean's dtype);
    - ``normal(mean_tensor, std=1.0)`` and ``normal(mean_float, std_tensor)``;
    - ``normal(mean_float, std_float, size)``: a new tensor of ``size`` (default float dtype).
    """
    from ... import _creation, _device

    rng = _random.numpy_rng(generator, "normal")
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal: with a number for both mean and std, pass size too, e.g. "
                            "normal(0.0, 1.0, (2, 3)); or pass a tensor mean or std")
        _device.check(device, "normal")
        _check_std(std, "normal")
        dt = _creation._floating(dtype, "normal")
        shape = _creation._size((size,), "normal")
        out = (mean + std * rng.standard_normal(shape)).astype(dt)
        return _creation._make(out, requires_grad)
    if size is not None:
        raise TypeError("normal: size= goes with a number mean and std only; the tensor forms "
                        "take their shape from mean and std")
    if isinstance(mean, Tensor):
        dt = _float_tensor(mean, "mean", "normal").dtype
        if isinstance(std, Tensor):
            _float_tensor(std, "std", "normal")
    else:
        dt = _float_tensor(std, "std", "normal").dtype
    _check_std(std, "normal")
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    out = (m + s * rng.standard_normal(shape)).astype(dt)
    return _node("Normal", out, (mean, std))


def _check_p(p, op):
    """A probability (number or array) must lie in [0, 1]."""
    arr = np.asarray(p)
    bad = ~((arr >= 0) & (arr <= 1))  # NaN counts as bad
    if np.any(bad):
        raise RuntimeError(f"{op}: probabilities must be in [0, 1], but got "
                           f"{arr[bad].flat[0] if arr.ndim else arr.item()}")


def bernoulli(input, p=None, *, generator=None):
    """out[i] = 1 with probability input[i] (or ``p``, a number, for every element), else 0;
    the shape and dtype of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    rng = _random.numpy_rng(generator, "bernoulli")
    if p is None:
        _float_tensor(input, "input (the probabilities)", "bernoulli")
        probs = input._data
    else:
        if isinstance(p, Tensor) or not isinstance(p, numbers.Real):
            raise TypeError(f"bernoulli: p must be a number, got {type(p).__name__}; for one "
                            "probability per element pass them as the input")
        probs = float(p)
    _check_p(probs, "bernoulli")
    out = (rng.random(input.shape) < probs).astype(input.dtype)
    return _node("Bernoulli", out, (input,))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn with probabilities proportional to the rows of ``input``
    (1-D: one distribution; 2-D: one per row), int64 of shape (..., num_samples).

    Without replacement each row gives distinct categories (a row of n categories gives at
    most n samples); zero-probability categories come only after all others are drawn.
    """
    op = "multinomial"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: only supports floating-point dtypes for input, got "
                           f"{input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{op}: prob_dist must be 1 or 2 dim, got shape {tuple(input.shape)}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"{op}: num_samples must be an int, got {num_samples!r}")
    k = int(num_samples)
    if k <= 0:
        raise RuntimeError(f"{op}: cannot sample n_sample <= 0 samples (got {k})")
    n = input.shape[-1]
    probs = input._data.astype(np.float64).reshape(input.shape[0] if input.ndim == 2 else 1, n)
    if not replacement and k > n:
        raise RuntimeError(f"{op}: cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({k} > {n}); pass replacement=True or draw at most "
                           f"{n}")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        bad = probs[~(np.isfinite(probs) & (probs >= 0))].flat[0]
        raise RuntimeError(f"{op}: probability tensor contains either `inf`, `nan` or element "
                           f"< 0 (found {bad})")
    sums = probs.sum(axis=1)
    if np.any(sums <= 0):
        row = int(np.argmax(sums <= 0))
        raise RuntimeError(f"{op}: invalid multinomial distribution (sum of probabilities <= 0)"
                           f" in row {row}")
    rng = _random.numpy_rng(generator, op)
    rows = probs.shape[0]
    if replacement:
        out = np.empty((rows, k), dtype=np.int64)
        for r in range(rows):
            cdf = np.cumsum(probs[r])
            idx = np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right")
            last = n - 1 - int(np.argmax(probs[r][::-1] > 0))  # never past the last p > 0
            out[r] = np.minimum(idx, last)
    else:
        # the exponential race: sorting E / p (E ~ Exp(1)) orders the categories as drawing
        # one at a time without replacement would
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = rng.standard_exponential((rows, n)) / probs
        keys[np.isnan(keys)] = np.inf
        out = np.argsort(keys, axis=1, kind="stable")[:, :k].astype(np.int64)
    out = out.reshape(k) if input.ndim == 1 else out
    return Tensor._from_op(out, None, ())


# ------------------------------------------------------------------------------ in place
def _fill(self, op, kind, draw, params=()):
    """Write ``draw()`` (an array of self's shape) into self; recorded when self or a tensor
    param is in the graph (the old values then get gradient 0)."""
    params = tuple(p for p in params if isinstance(p, Tensor))
    if inplace.recording(self, params):
        inplace.check_leaf(self, op)
        values = np.asarray(draw()).astype(self.dtype, copy=False)
        return inplace.run(self, op, lambda x, *ps: _node(kind, values, (x, *ps)), params,
                           casting="unsafe")
    inplace.write(self, np.asarray(draw()), op, casting="unsafe")
    return self


def _need_float(self, op):
    if self.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating point tensor, got dtype {self.dtype}; "
                        "convert it with .float() first")


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill with draws from U[from_, to)."""
    _need_float(self, "uniform_")
    if from_ > to:
        raise RuntimeError(f"uniform_: expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    rng = _random.numpy_rng(generator, "uniform_")
    return _fill(self, "uniform_", "Uniform", lambda: from_ + (to - from_) * _random.unit_uniform(
        rng, self.shape, self.dtype))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with draws from N(mean, std^2)."""
    _need_float(self, "normal_")
    _check_std(std, "normal_")
    rng = _random.numpy_rng(generator, "normal_")
    return _fill(self, "normal_", "Normal",
                 lambda: mean + std * rng.standard_normal(self.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number, or a tensor broadcast to self), else 0."""
    probs = p._data if isinstance(p, Tensor) else p
    if isinstance(p, Tensor):
        try:
            np.broadcast_to(probs, self.shape)
        except ValueError:
            raise RuntimeError(f"bernoulli_: p of shape {tuple(p.shape)} does not broadcast to "
                               f"the tensor's shape {tuple(self.shape)}") from None
    _check_p(probs, "bernoulli_")
    rng = _random.numpy_rng(generator, "bernoulli_")
    return _fill(self, "bernoulli_", "Bernoulli", lambda: rng.random(self.shape) < probs, (p,))


def _random_bounds(dt):
    """random_()'s default range [0, hi] for dtype dt (floats: every integer is exact)."""
    if dt.kind == "f":
        return 1 << (np.finfo(dt).nmant + 1)
    if dt.kind == "b":
        return 1
    return int(np.iinfo(dt).max)


def random_(self, *args, to=None, generator=None):
    """``random_()``: integers uniform on [0, the dtype's largest exact integer];
    ``random_(to)``: on [0, to); ``random_(from, to)``: on [from, to)."""
    if len(args) > 2:
        raise TypeError(f"random_: expected at most (from, to), got {len(args)} arguments")
    dt = self.dtype
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = (0, args[0]) if to is None else (args[0], to)
    else:
        low, high = 0, to
    if high is None:
        high = _random_bounds(dt) + 1
    low, high = int(low), int(high)
    if dt.kind == "f":
        if low >= high:
            raise RuntimeError(f"random_: expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
    else:
        _random.check_int_range(low, high, dt, "random_")
    rng = _random.numpy_rng(generator, "random_")
    return _fill(self, "random_", "Random",
                 lambda: _random.integers(rng, low, high, self.shape, dt))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with draws from Exp(lambd): density lambd * exp(-lambd * x), mean 1 / lambd."""
    if self.dtype.kind != "f":
        raise RuntimeError(f"exponential_: the exponential distribution is continuous; the "
                           f"tensor's dtype must be a floating point one, got {self.dtype}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expects lambda > 0.0, but found lambda={lambd}")
    rng = _random.numpy_rng(generator, "exponential_")
    return _fill(self, "exponential_", "Exponential",
                 lambda: rng.standard_exponential(self.shape) / lambd)


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expects p to be in (0, 1), but got p={p}")
    rng = _random.numpy_rng(generator, "geometric_")
    return _fill(self, "geometric_", "Geometric", lambda: rng.geometric(p, self.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std^2)) draws."""
    _need_float(self, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_: expects std > 0.0, but found std={std}")
    rng = _random.numpy_rng(generator, "log_normal_")
    return _fill(self, "log_normal_", "LogNormal",
                 lambda: np.exp(mean + std * rng.standard_normal(self.shape)))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with draws from the Cauchy distribution at ``median`` with scale ``sigma``."""
    _need_float(self, "cauchy_")
    rng = _random.numpy_rng(generator, "cauchy_")
    return _fill(self, "cauchy_", "Cauchy",
                 lambda: median + sigma * rng.standard_cauchy(self.shape))


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


TENSOR_METHODS = {
    "bernoulli": _bernoulli_method, "multinomial": _multinomial_method,
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_,
    "cauchy_": cauchy_,
}
TORCH_FUNCTIONS = {"normal": normal, "bernoulli": bernoulli, "multinomial": multinomial}
FUNCTIONAL = {}
