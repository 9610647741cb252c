"""Argument normalization shared by the op modules (PyTorch names, numpy aliases)."""

from __future__ import annotations


def normalize_dim(dim, ndim, op="op"):
    """``dim`` (None, int or tuple, negatives allowed) as a sorted tuple of axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims "
                             f"(expected -{max(ndim, 1)} to {max(ndim, 1) - 1})")
        out.append(d % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dims} repeats an axis")
    return tuple(sorted(out))


def pick_dim(dim, axis, op):
    """PyTorch's ``dim``, or numpy's ``axis`` as an alias (not both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        return axis
    return dim


def pick_keepdim(keepdim, keepdims):
    return keepdim if keepdims is None else bool(keepdims)


def expand_reduced(grad, shape, axes, keepdim):
    """Re-insert reduced axes (as size 1) so ``grad`` broadcasts against the input."""
    if keepdim:
        return grad
    if axes is None:
        return grad.reshape((1,) * len(shape))
    return grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
