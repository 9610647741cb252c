"""Loss functions, each one fused op: forward computes the loss, backward its gradient.

Every loss takes ``reduction``: 'none' (one loss per element or sample), 'sum', or 'mean'
(the sum divided by a normalizer: the element count, or torch's weighted count where a
``weight`` is given). Backward divides by the same normalizer.

``weight`` and ``pos_weight`` are constants: they receive no gradient. The regression losses
and the binary cross entropies also differentiate their target, as torch does. The losses
over class targets (cross_entropy, nll_loss) are in classification.py.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..function import Function, register
from ..tensor import Tensor
from ._masks import _sign
from .elementwise import promote
from .unary import _sigmoid


def _raw(a):
    """The ndarray behind a Tensor: masks and signs are constants, never graph nodes."""
    return a._data if isinstance(a, Tensor) else a


def _reduction(op, reduction, size_average=None, reduce=None):
    """torch's ``reduction``, or its legacy ``size_average``/``reduce`` pair when given."""
    if size_average is not None or reduce is not None:
        if reduce is False:
            return "none"
        return "sum" if size_average is False else "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def _reduce(loss, reduction, norm):
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 is nan, as in torch
        return total / norm


def _constant(a, dtype):
    """``weight``-like arguments: ndarrays of the input's dtype, outside the graph."""
    if a is None:
        return None
    return np.asarray(_raw(a), dtype=dtype)


def _same_size(op, x, t):
    if x.shape != t.shape:
        warnings.warn(f"{op}: using a target size ({tuple(t.shape)}) that is different to the "
                      f"input size ({tuple(x.shape)}); this will likely lead to incorrect "
                      "results due to broadcasting", stacklevel=4)


# ------------------------------------------------------------------------------ regression
class Pointwise(Function):
    """out = weight * f(x - t, param), reduced. d out / d x = weight * f'(x - t) = -d out / d t.

    'mean' divides by the element count, or by sum(weight) when ``weight_mean`` says so.
    """

    __slots__ = ("param", "weight", "reduction", "norm")
    weight_mean = True  # torch's weighted mse/l1 'mean' divides by sum(weight); huber by n

    @staticmethod
    def forward(ctx, x, t, param, weight, reduction):
        ctx.param, ctx.weight, ctx.reduction = param, weight, reduction
        ctx.save_for_backward(x, t)
        loss = type(ctx).f(x - t, param)
        if weight is not None:
            loss = loss * weight
        by_weight = weight is not None and type(ctx).weight_mean
        ctx.norm = float(weight.sum()) if by_weight else loss.size
        return _reduce(loss, reduction, ctx.norm)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad[:2]
        if ctx.reduction == "mean":
            grad = grad / ctx.norm
        g = grad * type(ctx).d(x - t, ctx.param)
        if ctx.weight is not None:
            g = g * ctx.weight
        return (g if nx else None), (-g if nt else None), None, None, None


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


#                   loss at d = x - t                    d loss / d d
POINTWISE = {
    "mse_loss":       (lambda d, p: d * d,                lambda d, p: 2 * d),
    "l1_loss":        (lambda d, p: np.abs(d),            lambda d, p: _sign(_raw(d))),
    "huber_loss":     (_huber,                            lambda d, p: np.clip(d, -p, p)),
    "smooth_l1_loss": (lambda d, p: _huber(d, p) / p,     lambda d, p: np.clip(d / p, -1, 1)),
}
# l1: the gradient at d = 0 (and at a NaN) is 0 (torch's sgn), as in torch. huber and smooth_l1 are
# quadratic for |d| < delta (beta), linear outside; their derivatives are d clipped.

POINTWISE_CLASSES = {}
for _name, (_f, _d) in POINTWISE.items():
    _cls_name = "".join(w.capitalize() for w in _name.split("_"))
    POINTWISE_CLASSES[_name] = register(_name)(type(_cls_name, (Pointwise,), {
        "__slots__": (), "f": staticmethod(_f), "d": staticmethod(_d),
        "weight_mean": _name != "huber_loss"}))


def _pointwise(op, input, target, reduction, param=None, weight=None):
    x, t = promote(input, target)  # an integer target takes the input's float dtype
    _same_size(op, x, t)
    w = _constant(weight, x.dtype)
    if w is not None and w.shape != x.shape:
        raise ValueError(f"{op}: weight of shape {w.shape} must have the input's shape "
                         f"{tuple(x.shape)}")
    return POINTWISE_CLASSES[op].apply(x, t, param, w, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((input - target)^2); with ``weight``, sum(weight * (input - target)^2) / sum(weight)."""
    reduction = _reduction("mse_loss", reduction, size_average, reduce)
    return _pointwise("mse_loss", input, target, reduction, weight=weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|input - target|); with ``weight``, sum(weight * |input - target|) / sum(weight)."""
    reduction = _reduction("l1_loss", reduction, size_average, reduce)
    return _pointwise("l1_loss", input, target, reduction, weight=weight)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2); d = input - target."""
    reduction = _reduction("huber_loss", reduction)
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got "
                           f"{delta}")
    return _pointwise("huber_loss", input, target, reduction, float(delta), weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2; beta = 0 is l1_loss."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got "
                           f"{beta}")
    if beta == 0:
        return _pointwise("l1_loss", input, target, reduction)
    return _pointwise("smooth_l1_loss", input, target, reduction, float(beta))


# ------------------------------------------------------------------------------ binary
_LOG_FLOOR = -100.0  # torch clamps each log in binary_cross_entropy at -100
_BCE_EPS = 1e-12  # and keeps x (1 - x) at least this in its gradient


def _clamped_logs(x):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), _LOG_FLOOR), np.maximum(np.log1p(-x), _LOG_FLOOR)


@register("binary_cross_entropy")
class BinaryCrossEntropy(Function):
    """out = -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 (as torch).

    d out / d x = w (x - t) / max(x (1 - x), 1e-12);   d out / d t = w (log(1 - x) - log x).
    """

    __slots__ = ("weight", "reduction", "norm")

    @staticmethod
    def forward(ctx, x, t, weight, reduction):
        for name, a in (("input", x), ("target", t)):
            bad = ~((a >= 0) & (a <= 1))
            if bad.any():
                i = np.unravel_index(int(np.argmax(bad)), a.shape)
                raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be "
                                 f"between 0 and 1; got {a[i]} at index {tuple(map(int, i))}")
        ctx.weight, ctx.reduction, ctx.norm = weight, reduction, x.size
        ctx.save_for_backward(x, t)
        log_x, log_1mx = _clamped_logs(x)
        loss = -(t * log_x + (1 - t) * log_1mx)
        if weight is not None:
            loss = loss * weight
        return _reduce(loss, reduction, ctx.norm)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad[:2]
        if ctx.reduction == "mean":
            grad = grad / ctx.norm
        if ctx.weight is not None:
            grad = grad * ctx.weight
        gx = grad * (x - t) / np.maximum(x * (1 - x), _BCE_EPS) if nx else None
        gt = None
        if nt:  # -logit(x), unclamped as in torch: +-inf where x is 0 or 1
            with np.errstate(divide="ignore"):
                gt = grad * (np.log1p(-x) - np.log(x))
        return gx, gt, None, None


def _softplus_neg(x):
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + exp(-x)), stable


@register("binary_cross_entropy_with_logits")
class BinaryCrossEntropyWithLogits(Function):
    """out = w ((1 - t) x + l log(1 + exp(-x))), l = 1 + (pos_weight - 1) t.

    This is -w (pos_weight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), written so no
    exp overflows. d out / d x = w ((1 - t) - l sigmoid(-x));
    d out / d t = w ((pos_weight - 1) log(1 + exp(-x)) - x).
    """

    __slots__ = ("weight", "pos_weight", "reduction", "norm")

    @staticmethod
    def forward(ctx, x, t, weight, pos_weight, reduction):
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        ctx.save_for_backward(x, t)
        sp = _softplus_neg(x)
        lw = sp if pos_weight is None else (1 + (pos_weight - 1) * t) * sp
        loss = (1 - t) * x + lw
        if weight is not None:
            loss = loss * weight
        ctx.norm = loss.size
        return _reduce(loss, reduction, ctx.norm)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        nx, nt = ctx.needs_input_grad[:2]
        pw = ctx.pos_weight
        if ctx.reduction == "mean":
            grad = grad / ctx.norm
        if ctx.weight is not None:
            grad = grad * ctx.weight
        gx = gt = None
        if nx:
            s = _sigmoid(-x)
            gx = grad * ((1 - t) - (s if pw is None else (1 + (pw - 1) * t) * s))
        if nt:
            gt = grad * -x if pw is None else grad * ((pw - 1) * _softplus_neg(x) - x)
        return gx, gt, None, None, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-weight (target log(input) + (1 - target) log(1 - input)); logs clamped at -100."""
    reduction = _reduction("binary_cross_entropy", reduction, size_average, reduce)
    x, t = promote(input, target)
    if t.shape != x.shape:
        raise ValueError(f"binary_cross_entropy: target of shape {tuple(t.shape)} must have "
                         f"the input's shape {tuple(x.shape)}")
    w = _constant(weight, x.dtype)
    if w is not None:
        w = _broadcast_weight("binary_cross_entropy", "weight", w, x.shape)
    return BinaryCrossEntropy.apply(x, t, w, reduction)


def _broadcast_weight(op, name, w, shape):
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise RuntimeError(f"{op}: {name} of shape {w.shape} does not broadcast to the input's "
                         f"shape {shape}") from None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits.

    ``pos_weight`` (broadcast over the last dim, one per class) scales the positive term.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    x, t = promote(input, target)
    if t.shape != x.shape:
        raise ValueError(f"{op}: target of shape {tuple(t.shape)} must have the input's shape "
                         f"{tuple(x.shape)}")
    w, pw = _constant(weight, x.dtype), _constant(pos_weight, x.dtype)
    if w is not None:
        w = _broadcast_weight(op, "weight", w, x.shape)
    if pw is not None:
        pw = _broadcast_weight(op, "pos_weight", pw, x.shape)
    return BinaryCrossEntropyWithLogits.apply(x, t, w, pw, reduction)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {
    "mse_loss": mse_loss, "l1_loss": l1_loss, "huber_loss": huber_loss,
    "smooth_l1_loss": smooth_l1_loss, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
}
NUMPY_FUNCTIONS = {}
