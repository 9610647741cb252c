"""Classification losses over integer class targets or class probabilities: cross_entropy
and nll_loss, each one fused op (forward computes the loss, backward its gradient).

The class dim is 0 for an input of shape (C,), else 1 for (N, C, d1, ...). Integer class
targets and ``weight`` are constants: they receive no gradient. Class-probability targets of
cross_entropy are differentiated, as torch does. ``reduction`` is 'none', 'sum' or 'mean',
which divides by the summed class weight of the targets not ignored (by the number
of samples for class probabilities); the reduction helpers are shared with loss.py.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .loss import _constant, _raw, _reduce, _reduction


# ------------------------------------------------------------------------------ classes
def _log_softmax(x, axis):
    """log softmax along ``axis``, max subtracted first; works on Tensors for double backward."""
    z = x - _raw(x).max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _class_dim(op, x):
    if x.ndim == 0:
        raise RuntimeError(f"{op}: input must have a class dim: shape (C,), (N, C) or "
                         "(N, C, d1, ...); got a 0-d tensor")
    return 0 if x.ndim == 1 else 1


class _Targets:
    """Integer class targets checked against the input, with each one's weight.

    ``t``: the targets with ignored entries set to 0 (so they can index), ``valid``: False
    where the target is ``ignore_index``, ``wt``: the target's class weight (0 if ignored),
    ``w``: the class weights shaped to broadcast along the class dim (or None).
    """

    __slots__ = ("t", "valid", "all_valid", "wt", "w", "cdim", "classes")

    def __init__(self, op, x, target, weight, ignore_index):
        cdim = _class_dim(op, x)
        c = x.shape[cdim]
        self.cdim, self.classes = cdim, c
        want = x.shape[:cdim] + x.shape[cdim + 1:]
        if target.dtype.kind not in "iu":
            raise TypeError(f"{op}: target must hold integer class indices, got dtype "
                            f"{target.dtype} (shape {target.shape}) for input of shape "
                            f"{x.shape}")
        if target.shape != want:
            raise ValueError(f"{op}: expected target of shape {want} for input of shape "
                             f"{x.shape}, got {target.shape}")
        valid = target != ignore_index
        if target.size and (target.min() < 0 or target.max() >= c):
            bad = valid & ((target < 0) | (target >= c))
        else:
            bad = np.zeros((), bool)
        if bad.any():
            raise IndexError(f"{op}: target {target[bad].flat[0]} is out of range for {c} "
                             f"classes")
        self.all_valid = bool(valid.all())
        self.t = (target if self.all_valid else np.where(valid, target, 0)).astype(np.intp)
        self.valid = valid
        self.w = None
        if weight is None:
            self.wt = valid.astype(x.dtype)
        else:
            self.wt = np.where(valid, weight[self.t], 0).astype(x.dtype)
            self.w = weight.reshape((c,) + (1,) * (x.ndim - cdim - 1))

    def _with_class_dim(self, a):
        """``a`` (shaped like the targets) with a size-1 axis where the class dim goes."""
        return a.reshape(a.shape[:self.cdim] + (1,) + a.shape[self.cdim:])

    def pick(self, a):
        """a[..., t, ...] along the class dim: each sample's value at its target class."""
        if a.ndim == 2:  # (N, C), the common case: one fancy index
            return a[np.arange(a.shape[0]), self.t]
        return np.take_along_axis(a, self._with_class_dim(self.t), self.cdim).squeeze(
            self.cdim)

    def onehot(self):
        """A dense (..., C, ...) array: the target's weight at its class, 0 elsewhere."""
        shape = [1] * (self.t.ndim + 1)
        shape[self.cdim] = self.classes
        hit = np.arange(self.classes).reshape(shape) == self._with_class_dim(self.t)
        return hit * self._with_class_dim(self.wt)


def _class_weight(op, weight, x, c):
    w = _constant(weight, x.dtype)
    if w is not None and w.shape != (c,):
        raise RuntimeError(f"{op}: weight should hold one value per class ({c}), got shape "
                         f"{w.shape}")
    return w


def _expand_grad(grad, ctx, shape):
    """The loss gradient, divided by the normalizer, with the class dim put back."""
    if ctx.reduction == "mean":  # all targets ignored: the loss is nan, the gradient 0
        return grad / (ctx.norm or 1.0)
    if ctx.reduction == "sum":
        return grad
    cdim = ctx.cdim
    return grad.reshape(shape[:cdim] + (1,) + shape[cdim + 1:])


@register("cross_entropy")
class CrossEntropy(Function):
    """out_i = -sum_c q_ic log softmax(x_i)_c, with q the weighted, smoothed target:

    class index t_i:       q_ic = (1 - eps) w_{t_i} [c = t_i] + eps / C w_c  (0 if ignored),
    class probabilities:   q_ic = w_c ((1 - eps) p_ic + eps / C).
    d out_i / d x_ic = softmax(x_i)_c sum_k q_ik - q_ic;  d out_i / d p_ic = -(1 - eps) w_c
    log softmax(x_i)_c. 'mean' divides by sum_i w_{t_i} over targets not ignored, or for
    probabilities by the number of samples.
    """

    __slots__ = ("targets", "w", "eps", "reduction", "norm", "cdim", "logp")

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        cdim = _class_dim("cross_entropy", x)
        c = x.shape[cdim]
        eps = label_smoothing
        ctx.cdim, ctx.eps, ctx.reduction = cdim, eps, reduction
        logp = _log_softmax(x, cdim)
        if target.dtype.kind == "f" and target.shape == x.shape:  # class probabilities
            ctx.targets = None
            ctx.w = None if weight is None else weight.reshape(
                (c,) + (1,) * (x.ndim - cdim - 1))
            q = CrossEntropy._soft(ctx, target, c)
            loss = -(q * logp).sum(axis=cdim)
            ctx.norm = loss.size
        else:
            tg = ctx.targets = _Targets("cross_entropy", x, target, weight, ignore_index)
            ctx.w = tg.w
            loss = np.where(tg.valid, -tg.wt * tg.pick(logp), 0)
            if eps:
                smooth = logp.sum(axis=cdim) if tg.w is None else (logp * tg.w).sum(axis=cdim)
                loss = (1 - eps) * loss - np.where(tg.valid, smooth, 0) * (eps / c)
            ctx.norm = float(tg.wt.sum())
        ctx.save_for_backward(x, target)
        ctx.logp = logp
        return _reduce(loss, reduction, ctx.norm)

    @staticmethod
    def _soft(ctx, p, c):
        """q for probability targets (p may be a Tensor under create_graph)."""
        q = p * (1 - ctx.eps) + ctx.eps / c if ctx.eps else p
        return q if ctx.w is None else q * ctx.w

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        cdim, tg = ctx.cdim, ctx.targets
        c = x.shape[cdim]
        # create_graph: recompute log softmax from x so the gradient is differentiable in x
        logp = _log_softmax(x, cdim) if isinstance(grad, Tensor) else ctx.logp
        g = _expand_grad(grad, ctx, x.shape)
        gt = None
        if (tg is not None and tg.w is None and not ctx.eps and logp.ndim == 2
                and type(logp) is np.ndarray and tg.all_valid):
            # the common case, (N, C) class indices: softmax(x) - onehot(t), times grad
            gx = np.exp(logp)
            gx[np.arange(len(gx)), tg.t] -= 1
            gx *= g
            return gx, None, None, None, None, None
        if tg is None:
            q = CrossEntropy._soft(ctx, target, c)
            if ctx.needs_input_grad[1]:
                gt = -(1 - ctx.eps) * g * (logp if ctx.w is None else logp * ctx.w)
        else:
            q = tg.onehot() * (1 - ctx.eps)
            if ctx.eps:
                valid = tg._with_class_dim(tg.valid).astype(q.dtype)
                q = q + valid * (ctx.eps / c if tg.w is None else tg.w * (ctx.eps / c))
        gx = (np.exp(logp) * q.sum(axis=cdim, keepdims=True) - q) * g
        return gx, gt, None, None, None, None

    def release(self):
        super().release()
        self.logp = None


@register("nll_loss")
class NllLoss(Function):
    """out_i = -w_{t_i} x_{i, t_i} (0 where t_i is ignore_index), on log-probabilities x.

    d out_i / d x_ic = -w_{t_i} [c = t_i]. 'mean' divides by sum_i w_{t_i} (not ignored).
    """

    __slots__ = ("targets", "reduction", "norm", "cdim")

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        tg = ctx.targets = _Targets("nll_loss", x, target, weight, ignore_index)
        ctx.cdim, ctx.reduction = tg.cdim, reduction
        ctx.norm = float(tg.wt.sum())
        loss = np.where(tg.valid, -tg.wt * tg.pick(x), 0)
        return _reduce(loss, reduction, ctx.norm)

    @staticmethod
    def backward(ctx, grad):
        tg = ctx.targets
        shape = tg.valid.shape[:tg.cdim] + (tg.classes,) + tg.valid.shape[tg.cdim:]
        return -tg.onehot() * _expand_grad(grad, ctx, shape), None, None, None, None


def _class_input(input, target):
    x = as_tensor(input)
    t = target if isinstance(target, Tensor) else as_tensor(np.asarray(target))
    return x, t


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """-log softmax(input)[target] (class indices) or -sum p log softmax(input) (class
    probabilities), over the class dim: 0 for (C,) input, else 1 for (N, C, d1, ...)."""
    op = "cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    if not label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                           f"{label_smoothing}")
    label_smoothing = max(label_smoothing, 0.0)  # torch ignores a negative one
    x, t = _class_input(input, target)
    c = x.shape[_class_dim(op, x)]
    w = _class_weight(op, weight, x, c)
    if t.dtype.kind == "f" and t.shape != x.shape:
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {t.dtype}: "
                           f"target must be integer class indices of shape "
                           f"{x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()} or class "
                           f"probabilities of the input's shape {x.shape}; got a {t.dtype} "
                           f"target of shape {t.shape}")
    return CrossEntropy.apply(x, t, w, int(ignore_index), reduction, float(label_smoothing))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[target] * weight[target] over the class dim; input holds log-probabilities."""
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = _class_input(input, target)
    w = _class_weight(op, weight, x, x.shape[_class_dim(op, x)])
    return NllLoss.apply(x, t, w, int(ignore_index), reduction)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"cross_entropy": cross_entropy, "nll_loss": nll_loss}
NUMPY_FUNCTIONS = {}
