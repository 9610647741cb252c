"""dtypes: numpy dtypes under PyTorch's names, and torch's rules for Python scalars."""

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


def scalar_dtype(value, like):
    """The dtype a Python scalar takes when combined with a tensor of dtype ``like``.

    As in torch: a float scalar keeps a floating tensor's dtype and turns an integer or bool
    tensor into the default float dtype; an int scalar keeps the tensor's dtype (bool -> int64).
    """
    t = type(value)
    if like.kind == "f":
        return like
    if t is _pyfloat or isinstance(value, np.floating):
        return _default_float
    if like.kind == "b" and t is not _pybool:
        return int64
    return like


def infer_dtype(arr: np.ndarray, from_python: bool):
    """Python floats become the default float dtype (float32); numpy keeps its dtype."""
    dt = arr.dtype
    if from_python and dt == float64:
        return _default_float
    if dt not in _SUPPORTED:
        if dt.kind == "f":
            return float64
        if dt.kind in "iu":
            return int64
        raise TypeError(f"tensor: unsupported data of dtype {dt}")
    return dt
