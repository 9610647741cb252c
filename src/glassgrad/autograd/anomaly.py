"""Anomaly detection: the first op whose forward or backward makes NaN or Inf raises.

The error names the op and the line of user code that created it::

    with gg.autograd.detect_anomaly():
        loss = model(x).log().sum()
        loss.backward()
"""

from __future__ import annotations

import os
import traceback

import numpy as np

from .graph import _state

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class detect_anomaly:  # noqa: N801  (PyTorch's name)
    """Context manager: record where each op was created and check every result for NaN/Inf."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _state.anomaly
        _state.anomaly = self.check_nan
        return self

    def __exit__(self, *exc):
        _state.anomaly = self._prev
        return False


def user_frame() -> str:
    """The innermost stack frame outside the glassgrad package, as 'file:line: code'."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PKG):
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return "<unknown>"


def _bad(arr) -> str | None:
    arr = np.asarray(getattr(arr, "data", arr))
    if arr.dtype.kind != "f" or np.isfinite(arr).all():
        return None
    return "NaN" if np.isnan(arr).any() else "Inf"


def check_forward(ctx, out):
    what = _bad(out)
    if what:
        raise FloatingPointError(
            f"anomaly: forward of {ctx.name} produced {what} (output shape {out.shape}); "
            f"created at {getattr(ctx, 'trace', '<unknown>')}"
        )


def check_backward(ctx, grads):
    for i, g in enumerate(grads):
        if g is None:
            continue
        what = _bad(g)
        if what:
            raise FloatingPointError(
                f"anomaly: backward of {ctx.name} returned {what} in the gradient of input {i}; "
                f"the op was created at {getattr(ctx, 'trace', '<unknown>')}"
            )
