"""The multi-class margin losses, composed from differentiable ops: multi_margin_loss (one
target class per sample) and multilabel_margin_loss (a set of target classes per sample).

Inputs are (N, C) or (C,) (multi_margin_loss also takes a 0-d input: one class). As in
torch's kernels, a term contributes (and passes gradient) only where its hinge is strictly
positive. Integer targets are constants.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, as_tensor
from .elementwise import where
from .loss import _raw, _reduction


def _reduced(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _float_input(op, input):
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype} (shape "
                        f"{tuple(x.shape)})")
    return x


def _int_target(op, target):
    y = np.asarray(_raw(target) if isinstance(target, Tensor) else target)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {y.dtype}")
    return y.astype(np.intp)


def _hinge(z):
    """max(z, 0), with no gradient at z = 0 (torch's kernels test z > 0)."""
    return z.relu()


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum_{i != y} w_y max(0, margin - x[y] + x[i])^p / C for each sample x (C classes)
    and its target y; p is 1 or 2."""
    op = "multi_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    x = _float_input(op, input)
    if x.ndim > 2:
        raise RuntimeError(f"{op}: expected a non-empty vector or matrix input, got shape "
                           f"{tuple(x.shape)}")
    y = _int_target(op, target)
    x2 = x.reshape(1, -1) if x.ndim < 2 else x
    n, c = x2.shape
    if y.size != n or (x.ndim == 2 and y.ndim != 1) or y.ndim > 1:
        raise RuntimeError(f"{op}: inconsistent target size: got target of shape {y.shape} "
                           f"for input of shape {tuple(x.shape)}")
    out_shape = y.shape if x.ndim < 2 else (n,)
    y = y.reshape(n)
    if y.size and (y.min() < 0 or y.max() >= c):
        bad = y.min() if y.min() < 0 else y.max()
        raise IndexError(f"{op}: target {bad} is out of range for {c} classes")
    w = None
    if weight is not None:
        w = np.asarray(_raw(weight), dtype=x._data.dtype)
        if w.ndim != 1:
            raise ValueError(f"{op}: weight must be one-dimensional, got shape {w.shape}")
    rows = np.arange(n)
    z = _hinge(margin - x2[rows, y].reshape(n, 1) + x2)
    if p == 2:
        z = z * z
    if w is not None:
        z = z * w[y].reshape(n, 1)
    z = where(np.arange(c) == y.reshape(n, 1), 0.0, z)  # the target class does not count
    loss = z.sum(dim=1) / c
    return _reduced(loss.reshape(out_shape), reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum_{j in targets} sum_{i not in targets} max(0, 1 - (x[j] - x[i])) / C per sample;
    each target row lists class indices and ends at its first -1."""
    op = "multilabel_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x = _float_input(op, input)
    if x.ndim > 2:
        raise RuntimeError(f"{op}: expected a non-empty vector or matrix input, got shape "
                           f"{tuple(x.shape)}")
    y = _int_target(op, target)
    if y.shape != tuple(x.shape) and not (x.ndim == 0 and y.size == 1):
        raise RuntimeError(f"{op}: inconsistent target size: got target of shape {y.shape} "
                           f"for input of shape {tuple(x.shape)}")
    x2 = x.reshape(1, -1) if x.ndim < 2 else x
    n, c = x2.shape
    y = y.reshape(n, c)
    listed = np.cumprod(y != -1, axis=1).astype(bool)  # the entries before the first -1
    if listed.any() and (y[listed].min() < 0 or y[listed].max() >= c):
        bad = y[listed].min() if y[listed].min() < 0 else y[listed].max()
        raise IndexError(f"{op}: target {bad} is out of range for {c} classes")
    count = np.zeros((n, c), dtype=x._data.dtype)  # how often each class is listed
    np.add.at(count, (np.nonzero(listed)[0], y[listed]), 1)
    pairs = count[:, :, None] * (count[:, None, :] == 0)  # (n, target j, other class i)
    z = _hinge(1 - x2.reshape(n, c, 1) + x2.reshape(n, 1, c))
    z = where(pairs > 0, z, 0.0) * pairs
    loss = z.sum(dim=(1, 2)) / c
    return _reduced(loss.reshape(()) if x.ndim < 2 else loss, reduction)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"multi_margin_loss": multi_margin_loss,
              "multilabel_margin_loss": multilabel_margin_loss}
NUMPY_FUNCTIONS = {}
