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
