"""The connectionist temporal classification loss (ctc_loss), one fused op.

For each sample, the target l (length L) is extended with blanks to l' = (blank, l1, blank,
l2, ..., lL, blank) of length S = 2L + 1. The forward variable alpha_t(s) is the log of the
summed probability of all prefixes of alignments ending at l'_s at time t (log-space
dynamic programming over time, vectorized over samples and positions):

    alpha_t(s) = lp[t, l'_s] + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1),
                                         alpha_{t-1}(s-2) if l'_s != blank, l'_s != l'_{s-2})

and the loss is -logsumexp(alpha_{T-1}(S-1), alpha_{T-1}(S-2)). The backward variable beta
runs the same recursion from the end. The gradient is torch's:
d loss / d lp[t, c] = exp(lp[t, c]) - sum_{s: l'_s = c} exp(alpha_t(s) + beta_t(s) + loss
- lp[t, c]), which is the gradient with respect to the logits when ``log_probs`` is their
log_softmax (the exp(lp) term vanishes through log_softmax's backward). As in torch it has
no double backward, and times past a sample's input length get no gradient.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .loss import _reduction

_NEG = -np.inf


def _logsumexp(*arrays):
    """Elementwise log(sum(exp(a))) of same-shaped arrays; -inf where all are -inf."""
    m = arrays[0]
    for a in arrays[1:]:
        m = np.maximum(m, a)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return np.log(sum(np.exp(a - m) for a in arrays)) + m


def _shift(a, k):
    """a moved k places to the right (k > 0) or left (k < 0) along the last axis, -inf in."""
    out = np.full_like(a, _NEG)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _skips(ext):
    """(N, S') bool: alpha_t(s) may come from alpha_{t-1}(s - 2), i.e. l'_s is a label (not
    the blank, which every even position holds) that differs from l'_{s-2}."""
    out = np.zeros(ext.shape, dtype=bool)
    out[:, 2:] = (ext[:, 2:] != ext[:, :1]) & (ext[:, 2:] != ext[:, :-2])
    return out


@register("ctc_loss")
class CtcLoss(Function):
    """Per-sample negative log likelihoods (N,) of ``lp`` (T, N, C) given extended targets."""

    __slots__ = ("ext", "in_len", "ext_len", "zero_inf", "alpha", "nll")
    once_differentiable = True

    @staticmethod
    def forward(ctx, lp, ext, in_len, ext_len, zero_infinity):
        t_max, n = lp.shape[:2]
        s_max = ext.shape[1]
        lpe = np.take_along_axis(lp, np.broadcast_to(ext, (t_max, n, s_max)), axis=2)
        skip = _skips(ext)
        alpha = np.full(lpe.shape, _NEG, dtype=lp.dtype)
        alpha[0, :, :2] = lpe[0, :, :2]
        for t in range(1, t_max):
            prev = alpha[t - 1]
            alpha[t] = lpe[t] + _logsumexp(prev, _shift(prev, 1),
                                           np.where(skip, _shift(prev, 2), _NEG))
        last = alpha[np.maximum(in_len - 1, 0), np.arange(n)]  # (N, S') at each final time
        end = np.take_along_axis(last, (ext_len - 1)[:, None], 1)[:, 0]
        end2 = np.where(ext_len >= 2, np.take_along_axis(
            last, np.maximum(ext_len - 2, 0)[:, None], 1)[:, 0], _NEG)
        nll = -_logsumexp(end, end2)
        nll = np.where(in_len == 0, np.where(ext_len == 1, 0.0, np.inf), nll).astype(lp.dtype)
        ctx.ext, ctx.in_len, ctx.ext_len, ctx.zero_inf = ext, in_len, ext_len, zero_infinity
        ctx.alpha, ctx.nll = alpha, nll
        ctx.save_for_backward(lp)
        if zero_infinity:
            return np.where(np.isinf(nll), 0.0, nll).astype(lp.dtype)
        return nll

    @staticmethod
    def backward(ctx, grad):
        (lp,) = ctx.saved_tensors
        ext, in_len, ext_len, alpha, nll = ctx.ext, ctx.in_len, ctx.ext_len, ctx.alpha, ctx.nll
        t_max, n, c = lp.shape
        s_max = ext.shape[1]
        lpe = np.take_along_axis(lp, np.broadcast_to(ext, (t_max, n, s_max)), axis=2)
        s = np.arange(s_max)
        valid = s < ext_len[:, None]
        skip = np.zeros_like(valid)  # beta_t(s) may come from beta_{t+1}(s + 2)
        skip[:, :-2] = _skips(ext)[:, 2:]
        skip &= valid
        beta = np.full(lpe.shape, _NEG, dtype=lp.dtype)
        last_s = (s == (ext_len - 1)[:, None]) | ((s == (ext_len - 2)[:, None])
                                                  & (ext_len >= 2)[:, None])
        nxt = np.full((n, s_max), _NEG, dtype=lp.dtype)
        for t in range(t_max - 1, -1, -1):
            rec = lpe[t] + _logsumexp(nxt, _shift(nxt, -1), np.where(skip, _shift(nxt, -2),
                                                                     _NEG))
            start = np.where(last_s, lpe[t], _NEG)
            here = (t == in_len - 1)[:, None]
            before = (t < in_len - 1)[:, None]
            beta[t] = np.where(valid & here, start, np.where(valid & before, rec, _NEG))
            nxt = beta[t]
        ab = alpha + beta  # (T, N, S'): log of the paths through (t, s), times lp[t, l'_s]
        m = ab.max(axis=2, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        hit = (ext[:, :, None] == np.arange(c)) & valid[:, :, None]  # (N, S', C)
        acc = np.einsum("tns,nsc->tnc", np.exp(ab - m), hit.astype(lp.dtype))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g = np.exp(lp) - np.exp(np.log(acc) + m + nll[None, :, None] - lp)
        live = np.arange(t_max)[:, None, None] < in_len[None, :, None]
        if ctx.zero_inf:
            live = live & ~np.isinf(nll)[None, :, None]
        g = np.where(live, g, 0).astype(lp.dtype)
        return g * grad[None, :, None], None, None, None, None

    def release(self):
        super().release()
        self.alpha = None


def _lengths(op, name, value, n):
    a = np.asarray(value._data if isinstance(value, Tensor) else value)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must hold integers, got dtype {a.dtype}")
    a = a.reshape(-1).astype(np.intp)
    if a.shape != (n,):
        raise RuntimeError(f"{op}: expected {n} {name}, got shape {a.shape}")
    return a


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """-log p(target | log_probs) summed over every alignment, for log_probs (T, N, C) or
    unbatched (T, C); targets padded (N, S) or concatenated (sum(target_lengths),).
    'mean' divides each loss by its target length (at least 1), then averages."""
    op = "ctc_loss"
    reduction = _reduction(op, reduction)
    lp = as_tensor(log_probs)
    if lp._data.dtype.kind != "f":
        raise TypeError(f"{op}: log_probs must be floating point, got dtype {lp.dtype}")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp.unsqueeze(1)
    if lp.ndim != 3:
        raise RuntimeError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape "
                           f"{tuple(lp.shape)}")
    t_max, n, c = lp.shape
    tg = np.asarray(targets._data if isinstance(targets, Tensor) else targets)
    if tg.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must hold integer class indices, got dtype {tg.dtype}")
    in_len = _lengths(op, "input_lengths", input_lengths, n)
    tl = _lengths(op, "target_lengths", target_lengths, n)
    if (in_len > t_max).any() or (in_len < 0).any():
        raise RuntimeError(f"{op}: input_lengths must be within 0..{t_max}, got {in_len}")
    if not 0 <= blank < c:
        raise IndexError(f"{op}: blank {blank} is out of range for {c} classes")
    l_max = int(tl.max()) if n else 0
    padded = np.full((n, l_max), blank, dtype=np.intp)
    cols = np.arange(l_max)
    used = cols < tl[:, None]
    if unbatched:
        tg = tg.reshape(1, -1)
    if tg.ndim == 2 and not (tg.shape[0] == 1 and n > 1):
        if tg.shape[1] < l_max:
            raise RuntimeError(f"{op}: targets of shape {tg.shape} are shorter than the "
                               f"longest target length {l_max}")
        padded[used] = tg[:, :l_max][used]
    else:  # concatenated targets
        flat = tg.reshape(-1)
        if flat.size < tl.sum():
            raise RuntimeError(f"{op}: {flat.size} concatenated targets, but target_lengths "
                               f"sum to {tl.sum()}")
        padded[used] = flat[:tl.sum()]
    if used.any() and (padded[used].min() < 0 or padded[used].max() >= c):
        raise IndexError(f"{op}: a target is out of range for {c} classes")
    ext = np.full((n, 2 * l_max + 1), blank, dtype=np.intp)
    ext[:, 1::2] = padded
    losses = CtcLoss.apply(lp, ext, in_len, 2 * tl + 1, bool(zero_infinity))
    if reduction == "mean":
        return (losses / np.maximum(tl, 1).astype(lp._data.dtype)).mean()
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(()) if unbatched else losses


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"ctc_loss": ctc_loss}
NUMPY_FUNCTIONS = {}
