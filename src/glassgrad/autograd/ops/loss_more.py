"""More losses, each composed from differentiable ops (so every one is twice differentiable):
kl_div, poisson_nll_loss, gaussian_nll_loss, soft_margin_loss,
multilabel_soft_margin_loss and the embedding losses (cosine_embedding_loss,
margin_ranking_loss, hinge_embedding_loss, triplet_margin_loss). The multi-class margin
losses are in loss_margin.py, ctc_loss (a fused op) in ctc.py.

Each takes torch's ``reduction`` ('none', 'mean' or 'sum'; kl_div also 'batchmean') and the
legacy ``size_average``/``reduce`` pair where torch still accepts it.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import _dtype
from ..tensor import Tensor, as_tensor
from .activation import softplus
from .elementwise import _cast, _constant, clamp, minimum, where
from .loss import _raw, _reduction


def _reduced(loss, reduction):
    """'mean' of all elements (nan when there are none, as torch), 'sum', or 'none'."""
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _floating(*xs):
    """The operands as Tensors of their common dtype (torch.result_type), which is at least
    the default float dtype when all are integers."""
    xs = [x if isinstance(x, Tensor) else as_tensor(_constant(x)) for x in xs]
    dt = _dtype.result_type(*xs)
    if dt.kind != "f":
        dt = _dtype.get_default_dtype()
    return [_cast(x, dt) for x in xs]


def _straight_through_clamp_min(x, lo):
    """x clamped at ``lo`` in value, with the gradient of x itself: what torch gets by clamping
    a clone in place under no_grad (gaussian_nll_loss's var, cosine_similarity's norms)."""
    raw = x.detach()
    return x + (clamp(raw, min=lo) - raw)


def _xlogx(t):
    """t log t, 0 at t = 0 (nan for t < 0, as torch's xlogy(t, t)); the gradient at t = 0
    is 0 (torch's is nan there)."""
    zero = _raw(t) == 0
    safe = where(zero, 1.0, t)
    return where(zero, 0.0, safe * safe.log())


# ------------------------------------------------------------------------------ divergences
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target (log target - input), input holding log-probabilities; with ``log_target`` the
    target is given as log-probabilities too: exp(target) (target - input).
    'batchmean' divides the sum by the batch size (input.shape[0])."""
    op = "kl_div"
    legacy = size_average is not None or reduce is not None
    if legacy:
        red = _reduction(op, reduction, size_average, reduce)
    elif reduction == "batchmean":
        red = "sum"
    else:
        if reduction == "mean":
            warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch "
                          "size and the support size; 'batchmean' divides only by the batch "
                          "size and matches the KL divergence's definition", stacklevel=2)
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"{op}: reduction must be 'none', 'batchmean', 'mean' or 'sum', "
                             f"got {reduction!r}")
        red = reduction
    x, t = _floating(input, target)
    loss = t.exp() * (t - x) if log_target else _xlogx(t) - t * x
    out = _reduced(loss, red)
    if not legacy and reduction == "batchmean" and x.ndim:
        out = out / x.shape[0]
    return out


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target input (``log_input``), else input - target log(input + eps);
    ``full`` adds Stirling's target log target - target + log(2 pi target) / 2 where
    target > 1."""
    reduction = _reduction("poisson_nll_loss", reduction, size_average, reduce)
    x, t = _floating(input, target)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        big = _raw(t) > 1
        ts = where(big, t, 2.0)  # a safe value where the term is masked out
        stirling = ts * ts.log() - ts + 0.5 * (ts * (2 * math.pi)).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduced(loss, reduction)


def _var_shape(op, var, x):
    """torch's rules for var: input's shape, input's shape without its last dim
    (unsqueezed), or broadcastable to input with exactly one dim of size 1."""
    if var.shape == x.shape:
        return var
    if var.shape == x.shape[:-1]:
        return var.unsqueeze(-1)
    if var.ndim == x.ndim and sum(v for d, v in zip(x.shape, var.shape) if d != v) == 1:
        return var
    raise ValueError(f"{op}: var is of incorrect size: got shape {tuple(var.shape)} for input "
                     f"of shape {tuple(x.shape)}")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log max(var, eps) + (input - target)^2 / max(var, eps)) / 2, plus log(2 pi) / 2 if
    ``full``. The clamp at eps passes var's gradient through unchanged, as torch's."""
    op = "gaussian_nll_loss"
    if isinstance(var, numbers.Number):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries: {var}")
        x, t = _floating(input, target)
        v = np.full(x.shape, var, dtype=x._data.dtype)
        v = as_tensor(v)
    else:
        x, t, v = _floating(input, target, var)
        if (v._data < 0).any():
            raise ValueError(f"{op}: var has negative entry/entries (min {v._data.min()})")
        v = _var_shape(op, v, x)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    v = _straight_through_clamp_min(v, eps)
    d = x - t
    loss = 0.5 * (v.log() + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)


# ------------------------------------------------------------------------------ two-class
def _log_sigmoid(x):
    """log sigmoid(x) = -softplus(-x) (linear past |x| = 20, within 2e-9 of the exact value)."""
    return -softplus(-x)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target input)), computed without overflow (torch's overflows to inf
    past target input < -88 in float32)."""
    reduction = _reduction("soft_margin_loss", reduction, size_average, reduce)
    x, t = _floating(input, target)
    return _reduced(softplus(-(x * t)), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-(target log sigmoid(input) + (1 - target) log sigmoid(-input)), times ``weight``,
    averaged over the class dim (the last one)."""
    reduction = _reduction("multilabel_soft_margin_loss", reduction, size_average, reduce)
    x, t = _floating(input, target)
    if x.ndim == 0:
        raise IndexError("multilabel_soft_margin_loss: input needs a class dim (the last "
                         "one); got a 0-d tensor")
    loss = -(t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=x.ndim - 1) / x.shape[-1]
    return _reduced(loss, reduction)


# ------------------------------------------------------------------------------ embeddings
def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1; cos
    over the last dim of (N, D) or (D,) inputs, each squared norm plus 1e-12."""
    op = "cosine_embedding_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    y = _raw(as_tensor(target))
    if y.ndim not in (0, 1):
        raise RuntimeError(f"{op}: 0D or 1D target tensor expected, multi-target not "
                           f"supported; got target of shape {y.shape}")
    a, b = _floating(input1, input2)
    want = 2 if y.ndim == 1 else 1
    if a.ndim != want or b.ndim != want:
        raise RuntimeError(f"{op}: {y.ndim}D target tensor expects {want}D input tensors, but "
                           f"found inputs with sizes {tuple(a.shape)} and {tuple(b.shape)}")
    dim = y.ndim
    dot = (a * b).sum(dim=dim)
    denom = (((a * a).sum(dim=dim) + 1e-12) * ((b * b).sum(dim=dim) + 1e-12)).sqrt()
    cos = dot / denom
    loss = where(y == 1, 1 - cos, 0.0) + where(y == -1, clamp(cos - margin, min=0), 0.0)
    return _reduced(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target (input1 - input2) + margin)."""
    op = "margin_ranking_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    a, b, y = (as_tensor(v) for v in (input1, input2, target))
    if not a.ndim == b.ndim == y.ndim:
        raise RuntimeError(f"{op}: all input tensors should have the same number of dims but "
                           f"got sizes: input1: {tuple(a.shape)}, input2: {tuple(b.shape)}, "
                           f"target: {tuple(y.shape)}")
    a, b, y = _floating(a, b, y)
    return _reduced(clamp(-y * (a - b) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target is 1, max(0, margin - input) where it is -1 (both terms where
    target is neither, as torch computes it)."""
    reduction = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    x = _floating(input)[0]  # the target only selects: the result has the input's dtype
    y = _raw(as_tensor(target))
    loss = where(y != 1, clamp(margin - x, min=0), 0.0) + where(y != -1, x, 0.0)
    return _reduced(loss, reduction)


def _pairwise(a, b, p, eps):
    """torch's pairwise_distance: the p-norm of a - b + eps over the last dim."""
    return (a - b + eps).norm(p, dim=max(a.ndim, b.ndim) - 1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-norm
    distance; ``swap`` uses min(d(a, n), d(p, n)) for the negative distance."""
    op = "triplet_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos, neg = (as_tensor(v) for v in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {a.ndim}D, "
                           f"positive {pos.ndim}D, and negative {neg.ndim}D inputs")
    a, pos, neg = _floating(a, pos, neg)
    d_pos, d_neg = _pairwise(a, pos, p, eps), _pairwise(a, neg, p, eps)
    if swap:
        d_neg = minimum(d_neg, _pairwise(pos, neg, p, eps))
    return _reduced(clamp(margin + d_pos - d_neg, min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any ``distance_function`` (default pairwise_distance)."""
    op = "triplet_margin_with_distance_loss"
    reduction = _reduction(op, reduction)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    a, pos, neg = (as_tensor(v) for v in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor {a.ndim}D, "
                           f"positive {pos.ndim}D, and negative {neg.ndim}D inputs")
    dist = distance_function or (lambda u, v: _pairwise(*_floating(u, v), 2.0, 1e-6))
    d_pos, d_neg = dist(a, pos), dist(a, neg)
    if swap:
        d_neg = minimum(d_neg, dist(pos, neg))
    return _reduced(clamp(margin + d_pos - d_neg, min=0), reduction)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {
    "kl_div": kl_div, "poisson_nll_loss": poisson_nll_loss,
    "gaussian_nll_loss": gaussian_nll_loss, "soft_margin_loss": soft_margin_loss,
    "multilabel_soft_margin_loss": multilabel_soft_margin_loss,
    "cosine_embedding_loss": cosine_embedding_loss, "margin_ranking_loss": margin_ranking_loss,
    "hinge_embedding_loss": hinge_embedding_loss, "triplet_margin_loss": triplet_margin_loss,
    "triplet_margin_with_distance_loss": triplet_margin_with_distance_loss,
}
NUMPY_FUNCTIONS = {}
