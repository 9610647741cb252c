"""F.pad: constant, reflect, replicate and circular padding of the trailing dims.

Negative widths crop. The constant mode is its own op (``Pad``); the other modes gather with
the index op, whose backward adds up the elements used more than once.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .indexing import Index


# ------------------------------------------------------------------------------ pad
@register("pad")
class Pad(Function):
    """out = x with ``value`` added before and after dims (negative widths crop instead).

    grad is grad padded with the widths negated: what was added is cropped, what was
    cropped is filled with zeros.
    """

    __slots__ = ("widths",)

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return _pad_array(x, widths, value)

    @staticmethod
    def backward(ctx, grad):
        neg = tuple((-b, -a) for b, a in ctx.widths)
        if isinstance(grad, Tensor):
            return Pad.apply(grad, neg, 0), None, None
        return _pad_array(grad, neg, 0), None, None


def _pad_array(x, widths, value):
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
    grow = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    x = x[crop]
    if not any(b or a for b, a in grow):
        return x.copy()
    return np.pad(x, grow, constant_values=value)


# ------------------------------------------------------------------------------ pad
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims, last dim first: pad = (left, right, top, bottom, ...).

    Negative widths crop. 'constant' fills with ``value`` (0 by default); 'reflect' mirrors
    without repeating the edge, 'replicate' repeats the edge, 'circular' wraps around. The
    last three gather with an index (so their backward adds up the reused elements).
    """
    x = as_tensor(input)
    pad = tuple(int(p) for p in pad)
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(_PAD_MODES)}")
    k = len(pad) // 2
    if len(pad) % 2 or k > x.ndim:
        raise RuntimeError(f"pad: the padding {pad} must have an even length of at most "
                           f"2 * {x.ndim} (twice the dims of the tensor {x.shape})")
    widths = [(0, 0)] * (x.ndim - k) + [(pad[2 * j], pad[2 * j + 1]) for j in range(k)][::-1]
    for d, ((b, a), n) in enumerate(zip(widths, x.shape)):
        if n + b + a < 0:
            raise RuntimeError(f"pad: dim {d} of size {n} with padding ({b}, {a}) would have "
                               f"a negative size {n + b + a}")
    if mode == "constant":
        return Pad.apply(x, tuple(widths), 0 if value is None else value)
    if value is not None:
        raise RuntimeError(f"pad: mode {mode!r} does not take a value")
    if x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: mode {mode!r} with padding {pad} needs a tensor of "
                                  f"{k + 1} or {k + 2} dims (unbatched or batched), got shape "
                                  f"{x.shape}")
    maps = [_pad_map(mode, n, b, a, d) for d, ((b, a), n) in
            enumerate(zip(widths[-k:], x.shape[-k:]), start=x.ndim - k)]
    return Index.apply(x, (Ellipsis, *np.ix_(*maps)))


def _pad_map(mode, n, b, a, d):
    """For each output position along one dim, the input position it copies."""
    if mode == "reflect" and max(b, a) >= n:
        raise RuntimeError(f"pad: reflect padding ({b}, {a}) must be less than the size {n} "
                           f"of dim {d}")
    if mode == "replicate" and n == 0:
        raise RuntimeError(f"pad: replicate padding needs a non-empty dim {d}")
    if mode == "circular" and max(b, a) > n and n + b + a:
        raise RuntimeError(f"pad: circular padding ({b}, {a}) may wrap around at most once; "
                           f"dim {d} has size {n}")
    if mode == "circular" and n + b + a == 0:  # cropped to nothing: empty, as torch
        return np.arange(0)
    j = np.arange(-b, n + a)
    if mode == "reflect":
        return np.abs(n - 1 - np.abs(n - 1 - np.abs(j)))
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    # circular wraps around what is left after a negative pad crops, as torch does:
    # [0, 1, 2, 3, 4] with (1, -2) is [2, 0, 1, 2], not [4, 0, 1, 2]
    lo = max(-b, 0)
    m = n - lo - max(-a, 0)
    if m <= 0:
        raise RuntimeError(f"pad: circular padding ({b}, {a}) crops all of dim {d} of size {n}")
    return lo + np.arange(-max(b, 0), m + max(a, 0)) % m


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"pad": pad}
