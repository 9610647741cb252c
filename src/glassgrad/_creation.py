"""Tensor construction, with torch's names and defaults (float32 unless told otherwise).

Every factory takes ``device=`` (None, "cpu" or ``gg.device("cpu")``; any other device raises,
since glassgrad runs on the CPU) and ``requires_grad=``. The random ones take ``generator=``
(a ``gg.Generator``) and use the default generator (``gg.manual_seed``) without one.
"""

from __future__ import annotations

import operator

import numpy as np

from . import _device, _dtype
from . import random as _random
from .autograd.tensor import Tensor
from .autograd.tensor import as_tensor as _as_tensor


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be ints, got {size!r}") from None
    if any(s < 0 for s in size):
        raise RuntimeError(f"{op}: negative dimension in size {size}")
    return size


def _float(dtype):
    return _dtype.to_dtype(dtype) or _dtype.get_default_dtype()


def _floating(dtype, op):
    dt = _float(dtype)
    if dt.kind != "f":
        raise TypeError(f"{op}: dtype {dt} is not a floating point dtype; random floats come "
                        "in float16, float32 or float64 (use randint for integers)")
    return dt


def _make(arr, requires_grad):
    t = Tensor._from_op(arr, None, ())
    return t.requires_grad_() if requires_grad else t


# ------------------------------------------------------------------------------ from data
def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data``. Python floats give float32."""
    _device.check(device, "tensor")
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a Tensor, sharing memory when it already is one (or an ndarray of that
    dtype): Tensors pass through, other data becomes a constant leaf."""
    _device.check(device, "as_tensor")
    return _as_tensor(data, dtype)


def from_numpy(arr):
    """A tensor sharing ``arr``'s memory."""
    return Tensor(np.asarray(arr))


# ------------------------------------------------------------------------------ filled
def zeros(*size, dtype=None, device=None, requires_grad=False):
    _device.check(device, "zeros")
    return _make(np.zeros(_size(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    _device.check(device, "ones")
    return _make(np.ones(_size(size, "ones"), _float(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    _device.check(device, "empty")
    return _make(np.empty(_size(size, "empty"), _float(dtype)), requires_grad)


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    if isinstance(fill_value, (bool, np.bool_)):
        return _dtype.bool
    if isinstance(fill_value, (int, np.integer)):
        return _dtype.int64
    return _dtype.get_default_dtype()


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``size`` filled with ``fill_value``; the dtype follows the value (bool, int64, or the
    default float) unless ``dtype`` is given."""
    _device.check(device, "full")
    dt = _dtype.to_dtype(dtype) or _fill_dtype(fill_value)
    v = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _make(np.full(_size((size,), "full"), v, dt), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    _device.check(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if ints else _dtype.get_default_dtype()
    return _make(np.arange(start, end, step, dtype=_dtype.to_dtype(dtype)), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    _device.check(device, "linspace")
    dt = _float(dtype)
    integer = dt.kind in "iub"
    if integer:  # torch takes the ends in the integer dtype first
        start, end = int(start), int(end)
    values = np.linspace(start, end, int(steps))
    if integer:  # and truncates toward zero (numpy's integer linspace floors)
        values = np.trunc(values)
    return _make(values.astype(dt), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    _device.check(device, "eye")
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


# ------------------------------------------------------------------------------ random
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Draws from U[0, 1)."""
    _device.check(device, "rand")
    dt = _floating(dtype, "rand")
    rng = _random.numpy_rng(generator, "rand")
    return _make(_random.unit_uniform(rng, _size(size, "rand"), dt), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Draws from N(0, 1)."""
    _device.check(device, "randn")
    dt = _floating(dtype, "randn")
    rng = _random.numpy_rng(generator, "randn")
    return _make(rng.standard_normal(_size(size, "randn")).astype(dt), requires_grad)


def _int_arg(v, what, op):
    if isinstance(v, bool):
        return int(v)
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {v!r}") from None


def randint(low=None, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (``low`` defaults to 0). ``size`` is a tuple; the dtype is int64 unless given."""
    if size is None and high is not None and not isinstance(high, (int, np.integer, Tensor)):
        low, high, size = None, low, high  # randint(high, size)
    if high is None:
        low, high = None, low
    if high is None:
        raise TypeError("randint: missing the upper bound, e.g. randint(10, (3,)) or "
                        "randint(0, 10, (3,))")
    if size is None or not isinstance(size, (tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints, got {size!r}; e.g. "
                        "randint(0, 10, (3,))")
    _device.check(device, "randint")
    low = 0 if low is None else _int_arg(low, "low", "randint")
    high = _int_arg(high, "high", "randint")
    dt = _dtype.to_dtype(dtype) or _dtype.int64
    _random.check_int_range(low, high, dt, "randint")
    rng = _random.numpy_rng(generator, "randint")
    return _make(_random.integers(rng, low, high, _size((size,), "randint"), dt), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0, 1, ..., n - 1 (int64 unless ``dtype`` is given)."""
    _device.check(device, "randperm")
    n = _int_arg(n, "n", "randperm")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = _dtype.to_dtype(dtype) or _dtype.int64
    rng = _random.numpy_rng(generator, "randperm")
    return _make(rng.permutation(n).astype(dt), requires_grad)


# ------------------------------------------------------------------------------ *_like
def _like(x, dtype, device, op):
    _device.check(device, op)
    x = x._data if isinstance(x, Tensor) else np.asarray(x)
    return x.shape, _dtype.to_dtype(dtype) or x.dtype


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "zeros_like")
    return _make(np.zeros(shape, dt), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "ones_like")
    return _make(np.ones(shape, dt), requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "full_like")
    return _make(np.full(shape, fill_value, dt), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "empty_like")
    return _make(np.empty(shape, dt), requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "rand_like")
    return rand(shape, generator=generator, dtype=_floating(dt, "rand_like"),
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    shape, dt = _like(input, dtype, device, "randn_like")
    return randn(shape, generator=generator, dtype=_floating(dt, "randn_like"),
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad=False):
    """Integers uniform on [low, high) in ``input``'s shape and dtype:
    ``randint_like(x, high)`` or ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    shape, dt = _like(input, dtype, device, "randint_like")
    return randint(low, high, shape, generator=generator, dtype=dt,
                   requires_grad=requires_grad)
