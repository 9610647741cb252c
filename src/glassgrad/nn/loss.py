"""Loss layers: each wraps a functional loss, with torch's arguments and buffers.

``reduction`` is 'mean' (default), 'sum' or 'none'; the legacy ``size_average``/``reduce``
pair overrides it, as in torch. Class ``weight`` and ``pos_weight`` are registered as
buffers (so they appear in state_dict when given). HingeEmbeddingLoss and MultiMarginLoss
are composed here from existing ops (their functionals are exported from this module).
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..autograd.ops.elementwise import clamp, where
from ..autograd.ops.loss import _reduction
from ..autograd.tensor import Tensor, as_tensor
from .module import Module


def _buffer(t):
    return None if t is None else as_tensor(t)


def _raw(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """loss = input where target == 1, max(0, margin - input) where target == -1 (both
    terms where target is neither, as torch computes it)."""
    reduction = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    x, t = as_tensor(input), _raw(target)
    loss = (where(t != 1, clamp(margin - x, min=0), 0.0) + where(t != -1, x, 0.0))
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """loss_n = sum_{i != y} w_y max(0, margin - x[y] + x[i])^p / C for x = input[n] of C
    classes and y = target[n]; input (N, C) or (C,), p 1 or 2."""
    op = "multi_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    x, y = as_tensor(input), _raw(target).astype(np.int64)
    if x.ndim not in (1, 2):
        raise ValueError(f"{op}: expected input of shape (N, C) or (C,), got {x.shape}")
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    n, c = x2.shape
    y = y.reshape(-1)
    if y.shape != (n,):
        raise ValueError(f"{op}: expected target of shape ({n},) for input {x.shape}, got "
                         f"{_raw(target).shape}")
    if y.size and (y.min() < 0 or y.max() >= c):
        raise IndexError(f"{op}: target {y.min() if y.min() < 0 else y.max()} is out of range "
                         f"for {c} classes")
    rows = np.arange(n)
    z = clamp(margin - x2[rows, y].reshape(n, 1) + x2, min=0)
    if p == 2:
        z = z * z
    scale = np.ones((n, c), dtype=x.dtype)
    scale[rows, y] = 0  # the target class itself does not count
    if weight is not None:
        scale *= _raw(weight).astype(x.dtype)[y].reshape(n, 1)
    loss = (z * scale).sum(dim=1) / c
    return _reduce(loss.reshape(()) if x.ndim == 1 else loss, reduction)


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _reduction(type(self).__name__, reduction, size_average, reduce)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


class L1Loss(_Loss):
    """mean(|input - target|)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """mean((input - target)^2)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2; d = input - target."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2); d = input - target."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """-weight[target] * input[target] over the class dim; input holds log-probabilities."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """-log softmax(input)[target] (class indices) or -sum p log softmax(input) (class
    probabilities), with optional class weights and label smoothing."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """-weight (target log(input) + (1 - target) log(1 - input)); logs clamped at -100."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCELoss on sigmoid(input), computed stably; ``pos_weight`` scales the positive term."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """input where target == 1, max(0, margin - input) where target == -1."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, margin=self.margin,
                                    reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """The multi-class hinge loss: sum_{i != y} w_y max(0, margin - x[y] + x[i])^p / C."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and len(self.weight.shape) != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"shape {tuple(self.weight.shape)}")
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)
