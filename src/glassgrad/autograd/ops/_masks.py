"""Gradient masks shared by the ops whose derivative selects (relu, abs, clamp, maximum, ...).

A mask selects the gradient; it never multiplies it, so an inf upstream never becomes
0 * inf = NaN where torch gives 0 (shared/STYLE.md, example 2).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def _select(grad, mask):
    """grad where ``mask`` is 0 gives exactly 0 (torch's select: ``where(mask, grad, 0)``),
    even where grad is inf or NaN; elsewhere grad * mask (a mask may hold 1/2 or -1 too).

    On large arrays this is the product whenever the product is finite everywhere (its max
    and min tell: both carry a NaN, and an inf shows in one of them), since np.where with a
    random mask is about 20 times slower than a product there. A finite product has no
    0 * inf in it, so it equals the select once -0.0 is made 0.0. Otherwise, and on small
    arrays, np.where selects.
    """
    if type(grad) is np.ndarray:
        if mask.size > _SELECT_BY_PRODUCT:
            with np.errstate(invalid="ignore"):  # a 0 * inf is caught just below
                out = grad * mask
            if np.isfinite(out.max()) and np.isfinite(out.min()):
                out += 0  # -0.0 (a negative grad times 0) becomes the 0.0 a select gives
                return out
        if mask.dtype == bool:
            return np.where(mask, grad, 0)
        with np.errstate(invalid="ignore"):  # the 0 * inf this where() replaces
            return np.where(mask == 0, 0, grad * mask)
    return np.where(_raw(mask) == 0, 0, grad * mask)  # Tensors, under create_graph


_SELECT_BY_PRODUCT = 8192  # elements; below this np.where is as fast as the checked product


def _sign(x):
    """sign(x) as int8, and 0 where x is NaN (torch's sgn; numpy's sign gives NaN)."""
    return (x > 0).view(np.int8) - (x < 0).view(np.int8)



def _raw(a):
    """The ndarray behind a Tensor: masks and tie shares are constants, never graph nodes."""
    return a._data if isinstance(a, Tensor) else a


def _on_graph(g, x):
    """Under create_graph, the gradient g of a piecewise-linear op made a function of x too
    (plus a select that picks no cell: 0 in value and in gradient), so a further grad with
    respect to x is zeros, as torch's, rather than a 'does not require grad' error."""
    if isinstance(g, Tensor) and isinstance(x, Tensor) and x.requires_grad and not (
            g.requires_grad):
        return g + np.where(np.zeros(x.shape, bool), x, 0)
    return g


_BITS = {2: np.int16, 4: np.int32, 8: np.int64}  # a float dtype's bits, as an integer dtype


def _pick(grad, mask):
    """where(mask, grad, 0) for a bool mask, exactly, and fast on a float ndarray grad: the
    bits of grad times the mask as integers (1 keeps a value's bits, 0 gives +0.0), so inf
    and NaN where the mask is False give 0 and no product is ever formed. A random mask makes
    np.where about 10 times slower than this one pass. Otherwise ``_select``."""
    if (type(grad) is np.ndarray and grad.ndim and grad.dtype.kind == "f"
            and mask.dtype == bool):
        bits = _BITS.get(grad.dtype.itemsize)
        if bits is not None:
            out = np.empty_like(grad)  # its own buffer, not a view: the driver keeps it
            np.multiply(grad.view(bits), mask, out=out.view(bits), dtype=bits)
            return out
    return _select(grad, mask)


def _blend(mask, a, b):
    """where(mask, a, b) for float ndarrays of one dtype and shape, exactly (see ``_pick``),
    in three passes; b must be a fresh array this call may overwrite. Other operands go to
    np.where."""
    bits = _BITS.get(a.dtype.itemsize)
    if (bits is None or a.dtype != b.dtype or a.dtype.kind != "f" or a.shape != b.shape
            or not a.ndim):
        return np.where(mask, a, b)
    out = np.empty_like(a)  # its own buffer, not a view: the driver keeps it
    ob = out.view(bits)
    np.multiply(a.view(bits), mask, out=ob, dtype=bits)
    bb = b.view(bits)
    np.multiply(bb, ~mask, out=bb)
    ob |= bb  # one of the two is all zero bits: or-ing them is the select
    return out


def _keep(a, mask):
    """a (a fresh float ndarray) set to exactly +0.0 where the bool mask is False, in place
    (``_pick`` without a new array); returns a."""
    bits = _BITS.get(a.dtype.itemsize)
    if bits is None or not a.ndim:
        return np.where(mask, a, 0).astype(a.dtype, copy=False)
    ab = a.view(bits)
    np.multiply(ab, mask, out=ab)
    return a


def _slopes(mask, slope, dtype):
    """A fresh array: 1 where mask, slope (a number, or an array broadcast to mask) elsewhere;
    exact, in one or two passes."""
    if np.ndim(slope) == 0 and 0 <= slope <= 1:
        return np.maximum(mask, slope, dtype=dtype)  # max(1, s) = 1, max(0, s) = s
    out = np.multiply(~mask, slope, dtype=dtype)
    out += mask  # s + 0 or 0 + 1
    return out


def _one_where(mask, f):
    """f (a fresh array) set to exactly 1 where mask, in place: f * ~mask + mask."""
    f *= ~mask
    f += mask
    return f


def _outside(x, lambd):
    """not (-lambd <= x <= lambd): torch's mask for the shrinks (NaN counts as outside)."""
    inside = x >= -lambd
    inside &= x <= lambd
    return np.logical_not(inside, out=inside) if isinstance(inside, np.ndarray) else ~inside
