"""Special functions for the ops: ``erf``, ``erfc`` and ``erfinv`` (scipy.special, exact to
float64 and computed in the input's float dtype) and a stable ``sigmoid``."""

from __future__ import annotations

import numpy as np
from scipy import special as _sp


def _in_dtype(f, x):
    """f(x), in x's float dtype (scipy computes float32 input in float32 too)."""
    x = np.asarray(x)
    out = f(x)
    return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out


def erf(x):
    """The error function, 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""
    return _in_dtype(_sp.erf, x)


def erfc(x):
    """1 - erf(x), without the cancellation for large x."""
    return _in_dtype(_sp.erfc, x)


def erfinv(x):
    """The inverse of erf on (-1, 1); +-inf at +-1 and NaN outside."""
    return _in_dtype(_sp.erfinv, x)


def sigmoid(x):
    """1 / (1 + exp(-x)) for arrays, with no overflow and no cancellation anywhere:

    e = exp(-|x|) is at most 1, and out = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0
    (the numerator is max(e, x >= 0)). So sigmoid(-20) in float32 is 2.06e-9, not the 0
    that 0.5 (1 + tanh(x / 2)) rounds to. Large |x| only underflows exp, to 0.
    """
    e = np.exp(-np.abs(x))
    return np.maximum(e, x >= 0) / (1 + e)
