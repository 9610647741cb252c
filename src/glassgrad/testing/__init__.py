"""glassgrad.testing: test infrastructure, kept out of the engine (as ``torch.testing``).

- ``opspecs``: the op registry's specs, one per differentiable op, which drive gradcheck,
  gradgradcheck and the comparisons with torch (``python -m glassgrad gradcheck``);
- ``gradcheck`` and ``gradgradcheck`` (also at ``glassgrad.autograd``);
- ``assert_close``: torch.testing's comparison, with its default tolerances per dtype.
"""

from __future__ import annotations

import numpy as np

from ..autograd.gradcheck import gradcheck, gradgradcheck

# torch.testing.assert_close's defaults: dtype -> (rtol, atol)
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


def _array(x):
    return np.asarray(getattr(x, "_data", x))


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False, check_dtype=True,
                 msg=None):
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere.

    Tolerances default by dtype (float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7,
    exact for integers and bool); pass both or neither, as torch requires."""
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: pass both rtol and atol, or neither")
    a, e = _array(actual), _array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"assert_close: shapes differ: {a.shape} and {e.shape}")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(msg or f"assert_close: dtypes differ: {a.dtype} and {e.dtype}")
    if rtol is None:
        rtol, atol = _TOLERANCES.get(a.dtype, (0.0, 0.0))
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        bad = a != e
    else:
        a64, e64 = a.astype(np.float64), e.astype(np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(msg or (
            f"assert_close: {int(bad.sum())} of {bad.size} elements differ (rtol={rtol}, "
            f"atol={atol}); first at index {idx}: {a[idx]!r} against {e[idx]!r}"))


__all__ = ["assert_close", "gradcheck", "gradgradcheck"]
