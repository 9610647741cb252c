"""dtypes: numpy dtypes under PyTorch's names, the default float dtype, torch's promotion
rules (``result_type``) and the dtype ``tensor()`` gives Python data (``infer_dtype``)."""

from __future__ import annotations

import numpy as np

_pyfloat, _pyint, _pybool = float, int, bool  # before the torch-style names shadow them

float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")  # noqa: A001  (torch.float is float32)
float64 = double = np.dtype("float64")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = short = np.dtype("int16")
int32 = int = np.dtype("int32")  # noqa: A001
int64 = long = np.dtype("int64")
bool = np.dtype("bool")  # noqa: A001

_BY_NAME = {
    "float16": float16, "half": float16,
    "float32": float32, "float": float32,
    "float64": float64, "double": float64,
    "uint8": uint8, "int8": int8,
    "int16": int16, "short": int16,
    "int32": int32, "int": int32,
    "int64": int64, "long": int64,
    "bool": bool,
}
_SUPPORTED = frozenset(_BY_NAME.values())

_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    d = to_dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {d}")
    _default_float = d


def to_dtype(d):
    """Accept a numpy dtype, a dtype name ("float64", "torch.float64") or a Python type."""
    if d is None:
        return None
    if isinstance(d, np.dtype):
        dt = d
    elif isinstance(d, str):
        key = d.removeprefix("torch.")
        if key not in _BY_NAME:
            raise TypeError(
                f"unknown dtype {d!r}; expected one of {', '.join(sorted(_BY_NAME))}"
            )
        return _BY_NAME[key]
    elif d is _pyfloat:
        return float64  # torch: dtype=float means float64
    elif d is _pyint:
        return int64
    elif d is _pybool:
        return bool
    else:
        try:
            dt = np.dtype(d)
        except TypeError as e:
            raise TypeError(f"unknown dtype {d!r}") from e
    if dt not in _SUPPORTED:
        raise TypeError(f"unsupported dtype {dt}; expected one of {', '.join(sorted(_BY_NAME))}")
    return dt


def is_floating(dt) -> bool:
    return dt.kind == "f"


# ------------------------------------------------------------------------------ promotion
def promote_types(a, b):
    """torch.promote_types: the smallest dtype both fit in, except that a floating dtype
    beats every integer and bool dtype as it is (int64 + float32 -> float32; numpy would
    give float64)."""
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa != fb:
        return a if fa else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    """torch's combine_categories: ``lower`` (0-d tensors, then Python scalars) only counts
    when it is of a higher category (bool < integer < floating) than ``higher``."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def _wrapped(value):
    """The dtype torch gives a Python (or numpy) scalar operand, or None if it is not one."""
    if isinstance(value, (_pybool, np.bool_)):
        return bool
    if isinstance(value, (_pyint, np.integer)):
        return int64
    if isinstance(value, (_pyfloat, np.floating)):
        return _default_float
    return None


def result_type(*operands):
    """The dtype torch computes ``a (op) b (op) ...`` in (torch.result_type).

    Operands are Tensors, ndarrays or scalars, in three tiers: tensors with dims, 0-d
    tensors, and Python (or numpy) scalars. Within a tier dtypes promote as usual; a lower
    tier only counts when it is of a higher category (bool < integer < floating), and then
    as its category's dtype: float32 (3,) * 0-d float64 -> float32, int32 (3,) + 0-d int64
    -> int32, int64 (3,) * 0-d float64 -> float64, int64 (3,) * 2.5 -> the default float.
    """
    dim = zero = wrapped = None
    for a in operands:
        dt = _wrapped(a)
        if dt is not None:
            wrapped = dt if wrapped is None else promote_types(wrapped, dt)
            continue
        arr = getattr(a, "_data", a)  # a Tensor's array
        dt = arr.dtype
        if arr.ndim:
            dim = dt if dim is None else promote_types(dim, dt)
        else:
            zero = dt if zero is None else promote_types(zero, dt)
    return _combine(dim, _combine(zero, wrapped))


# ------------------------------------------------------------------------------ inference
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class IntegerOverflowError(ValueError, RuntimeError):
    """A Python int outside int64's range (torch raises ValueError, RuntimeError before 2.x)."""


def _overflow(value):
    return IntegerOverflowError(
        f"tensor: Overflow when unpacking long: the Python int {value} does not fit in int64 "
        f"([{_INT64_MIN}, {_INT64_MAX}]); pass float(x) if an approximate value will do")


def _python_ints_out_of_range(data):
    """The first Python int in (nested lists of) ``data`` outside int64's range, or None."""
    stack = [data]
    while stack:
        d = stack.pop()
        if isinstance(d, (list, tuple)):
            stack.extend(d)
        elif type(d) is _pyint and not _INT64_MIN <= d <= _INT64_MAX:
            return d
    return None


def infer_dtype(arr: np.ndarray, from_python: bool, data=None):
    """The dtype torch.tensor gives ``arr`` (made by np.asarray from ``data``): Python floats
    become the default float dtype (float32), Python ints int64; numpy keeps its dtype.

    A Python int outside int64's range raises, as in torch (numpy would make it uint64,
    float64 or an object array). Give ``data`` to have lists checked too.
    """
    dt = arr.dtype
    if from_python:
        if dt.kind == "O" or dt == np.uint64 or (
                data is not None and dt == float64 and arr.size
                and (np.abs(arr) >= 2.0**63).any()):
            bad = _python_ints_out_of_range(arr.item() if arr.ndim == 0 else (
                data if data is not None else arr.tolist()))
            if bad is not None:
                raise _overflow(bad)
        if dt == float64:
            return _default_float
    if dt not in _SUPPORTED:
        if dt.kind == "f":
            return float64
        if dt.kind in "iu":
            return int64
        raise TypeError(f"tensor: unsupported data of dtype {dt}")
    return dt
