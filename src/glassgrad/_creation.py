"""Tensor construction, with torch's names and defaults (float32 unless told otherwise)."""

from __future__ import annotations

import numpy as np

from . import _dtype
from . import random as _random
from .autograd.tensor import (
    Tensor,
    as_tensor,  # noqa: F401  (gg.as_tensor: shares an ndarray's memory)
)


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be ints, got {size!r}") from None
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: negative dimension in size {size}")
    return size


def _float(dtype):
    return _dtype.to_dtype(dtype) or _dtype.get_default_dtype()


def _make(arr, requires_grad):
    t = Tensor._from_op(arr, None, ())
    return t.requires_grad_() if requires_grad else t


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data``. Python floats give float32."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)



def from_numpy(arr):
    return Tensor(np.asarray(arr))


def zeros(*size, dtype=None, requires_grad=False):
    return _make(np.zeros(_size(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _make(np.ones(_size(size, "ones"), _float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _make(np.empty(_size(size, "empty"), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = (_dtype.bool if isinstance(fill_value, bool) else _dtype.int64
                 if isinstance(fill_value, int) else _dtype.get_default_dtype())
    return _make(np.full(_size((size,), "full"), fill_value, _dtype.to_dtype(dtype)),
                 requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if ints else _dtype.get_default_dtype()
    return _make(np.arange(start, end, step, dtype=_dtype.to_dtype(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _make(np.linspace(start, end, int(steps), dtype=_float(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None):
    rng = generator or _random.default_generator()
    return _make(rng.random(_size(size, "rand"), dtype=np.float64).astype(_float(dtype)),
                 requires_grad)


def randn(*size, dtype=None, requires_grad=False, generator=None):
    rng = generator or _random.default_generator()
    return _make(rng.standard_normal(_size(size, "randn")).astype(_float(dtype)), requires_grad)


def randint(low, high=None, size=None, dtype=None, generator=None):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
    rng = generator or _random.default_generator()
    arr = rng.integers(low, high, size=_size((size,), "randint"))
    return _make(arr.astype(_dtype.to_dtype(dtype) or _dtype.int64), False)


def randperm(n, dtype=None, generator=None):
    rng = generator or _random.default_generator()
    return _make(rng.permutation(int(n)).astype(_dtype.to_dtype(dtype) or _dtype.int64), False)


def _like(x, dtype):
    x = x._data if isinstance(x, Tensor) else np.asarray(x)
    return x.shape, _dtype.to_dtype(dtype) or x.dtype


def zeros_like(input, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return _make(np.zeros(shape, dt), requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return _make(np.ones(shape, dt), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return _make(np.full(shape, fill_value, dt), requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return _make(np.empty(shape, dt), requires_grad)


def rand_like(input, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=dt, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False):
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=dt, requires_grad=requires_grad)
