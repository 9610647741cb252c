"""Adaptive pooling: windows that tile the input into a given output size."""

from __future__ import annotations

import numpy as np

from ..tensor import as_tensor
from .conv import avg_pool2d
from .linalg import matmul


def _pool_matrix(n, out, dtype):
    """(out, n): row i averages input positions floor(i n / out) to ceil((i + 1) n / out)."""
    m = np.zeros((out, n), dtype)
    for i in range(out):
        lo, hi = (i * n) // out, -((-(i + 1) * n) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average over windows that tile the (H, W) plane into ``output_size`` cells (torch's
    window bounds); an entry None keeps that input size."""
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) "
                         f"input, got shape {x.shape}")
    h, w = x.shape[-2:]
    size = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else (
        tuple(output_size))
    if len(size) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got "
                         f"{output_size!r}")
    oh, ow = (h if size[0] is None else int(size[0])), (w if size[1] is None else int(size[1]))
    if oh <= 0 or ow <= 0:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {(oh, ow)}")
    if (oh, ow) == (1, 1):
        return x.mean(dim=(-2, -1), keepdim=True)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(x, (h // oh, w // ow))
    # overlapping windows: the average is separable, rows then columns
    return matmul(_pool_matrix(h, oh, x.dtype), matmul(x, _pool_matrix(w, ow, x.dtype).T))


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"adaptive_avg_pool2d": adaptive_avg_pool2d}
