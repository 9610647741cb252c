"""Tensor construction, with torch's names and defaults (float32 unless told otherwise).

Every factory takes ``device=`` (None, "cpu" or ``gg.device("cpu")``; any other device raises,
since glassgrad runs on the CPU) and ``requires_grad=``. The random ones take ``generator=``
(a ``gg.Generator``) and use the default generator (``gg.manual_seed``) without one.
"""

from __future__ import annotations

import math
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


def from_numpy(ndarray):
    """A tensor sharing ``ndarray``'s memory and dtype: a change to either shows in both."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor(ndarray)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``obj`` as a Tensor, sharing memory with a Tensor or ndarray ``obj`` unless ``copy=True``
    or a new ``dtype`` needs one (``copy=False`` then raises). Python floats give the default
    float dtype, numpy data keeps its dtype."""
    _device.check(device, "asarray")
    dt = _dtype.to_dtype(dtype)
    src = obj._data if isinstance(obj, Tensor) else obj
    shares = isinstance(src, np.ndarray) and (dt is None or dt == src.dtype)
    if copy is False and not shares:
        raise ValueError(f"asarray: copy=False, but {type(obj).__name__} of dtype "
                         f"{getattr(src, 'dtype', None)} cannot be shared as dtype {dt}")
    if isinstance(obj, Tensor) and shares and not copy:
        return obj.requires_grad_() if requires_grad else obj
    if shares:
        t = Tensor(src.copy() if copy else src)
    else:
        t = Tensor(src, dtype=dt) if isinstance(src, np.ndarray) or isinstance(
            src, np.generic) else tensor(obj, dtype=dt)
    return t.requires_grad_() if requires_grad else t


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
    """start, start + step, ... up to but excluding end. int64 when every argument is an
    integer, else the default float dtype. As torch, an integer ``dtype`` truncates start and
    step toward zero (``arange(0.5, 3, dtype=int64)`` is [0, 1, 2]); the length is
    ceil((end - start) / step) from the values given, except in int64, where torch
    truncates end as well (``arange(0, 5, 1.5, dtype=int64)`` has 5 elements, int32 4).
    A step that truncates to 0 raises (torch's int32 repeats start instead)."""
    _device.check(device, "arange")
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, (Tensor, np.generic)) else v
                        for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if ints else _dtype.get_default_dtype()
    dt = _dtype.to_dtype(dtype)
    n = max(math.ceil((end - start) / step), 0)
    if (end - start) / step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start {start}, end {end}, step {step})")
    if dt.kind not in "iub":  # start + i * step in float64, then rounded once, as torch
        return _make((start + step * np.arange(n, dtype=np.float64)).astype(dt), requires_grad)
    first, by = int(start), int(step)
    if by == 0 and n > 0:
        raise ValueError(f"arange: step {step} is 0 in the integer dtype {dt} (torch "
                         f"truncates it toward zero); use a step of at least 1")
    if dt == np.int64:  # torch's int64 arange truncates end too before counting
        n = max(-(-(int(end) - first) // by), 0)
    return _make((first + by * np.arange(n, dtype=np.int64)).astype(dt), requires_grad)


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


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps). With an integer ``dtype`` the exponents run between
    ends truncated toward zero, and the powers are truncated, as torch:
    ``logspace(-1, 1.5, 3, dtype=int32)`` is [0, 1, 10]."""
    _device.check(device, "logspace")
    dt = _float(dtype)
    integer = dt.kind in "iub"
    if integer:  # torch truncates the ends, and then the powers
        start, end = int(start), int(end)
    powers = np.power(float(base), np.linspace(float(start), float(end), int(steps)))
    return _make((np.trunc(powers) if integer else powers).astype(dt), requires_grad)


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
