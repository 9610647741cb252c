"""More activations (torch.nn.functional): hardsigmoid, hardswish, softsign, mish,
logsigmoid, prelu, threshold, softshrink and hardshrink as ops; glu, rrelu and tanhshrink
composed of ops (softmin and gumbel_softmax are in softmax.py).

Every backward is written with masks (constants, from the raw input) and numpy calls on
registered ufuncs, so it records a graph under create_graph: all are twice differentiable.
"""

from __future__ import annotations

import numpy as np

from ... import random as _random
from ..function import Function, register
from ..tensor import as_tensor
from ._masks import _keep, _one_where, _outside, _pick, _raw, _slopes
from .activation import _on_graph, celu, elu, hardtanh, leaky_relu, selu
from .elementwise import _floating, _in_place, promote
from .unary import _sigmoid

# torch's backward formulas round 1/6 to float32 even for float64 inputs; so do we, to give
# torch's gradients to the last digit (a relative difference of 3e-8)
_SIXTH_F32 = float(np.float32(1 / 6))


# ------------------------------------------------------------------------------ ops
@register("hardsigmoid")
class Hardsigmoid(Function):
    """out = min(max(x + 3, 0), 6) / 6;  d/dx = 1/6 strictly inside (-3, 3), else 0 (1/6 in
    float32, as torch)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.add(x, 3, out=np.empty_like(x))  # an array even when x is 0-d
        np.clip(out, 0, 6, out=out)
        out /= 6
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x = _raw(x)
        inside = x > -3
        inside &= x < 3
        g = _pick(grad, inside)
        if type(g) is np.ndarray and g.ndim:
            g *= _SIXTH_F32
            return g
        return g * _SIXTH_F32


@register("hardswish")
class Hardswish(Function):
    """out = x * min(max(x + 3, 0), 6) / 6;  d/dx = 0 (x <= -3), x/3 + 1/2 (x < 3), 1 (torch's
    choice at the kinks)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.add(x, 3, out=np.empty_like(x))  # an array even when x is 0-d
        np.clip(out, 0, 6, out=out)
        out *= x
        out /= 6
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            d = x / 3
            d += 0.5
            _one_where(x >= 3, d)
            d *= grad
            return _keep(d, x > -3)
        xr = _raw(x)
        return np.where(xr <= -3, 0, np.where(xr < 3, grad * (x / 3 + 0.5), grad))


@register("softsign")
class Softsign(Function):
    """out = x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = np.abs(x)
        d += 1
        return np.divide(x, d, out=d) if d.ndim else x / d

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = 1 + np.abs(x)
        if type(grad) is np.ndarray and d.ndim:
            np.square(d, out=d)
            return np.divide(grad, d, out=d)
        return grad / (d * d)


def _softplus(x):
    """log(1 + exp(x)), stable (x itself above 20, as torch's softplus threshold)."""
    return np.where(_raw(x) > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


@register("mish")
class Mish(Function):
    """out = x tanh(softplus(x));  d/dx = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)).
    Forward keeps t for one backward on arrays (a second one recomputes it)."""

    __slots__ = ("cache",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.cache = None
        if not x.ndim:
            return x * np.tanh(_softplus(x))
        t = np.minimum(x, 20)  # tanh(softplus(x)) is 1 from x = 20 on, in float32 and 64
        np.exp(t, out=t)
        np.log1p(t, out=t)
        np.tanh(t, out=t)
        if ctx.needs_input_grad[0]:
            ctx.cache = t
        return x * t

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t, ctx.cache = ctx.cache, None
        if type(grad) is np.ndarray and x.ndim:
            if t is None:
                t = np.tanh(_softplus(x))
            d = np.square(t)
            np.subtract(1, d, out=d)
            d *= _sigmoid(x)
            d *= x
            d += t
            return np.multiply(d, grad, out=d)
        t = np.tanh(_softplus(x))
        return grad * (t + x * _sigmoid(x) * (1 - t * t))


@register("logsigmoid")
class LogSigmoid(Function):
    """out = log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|));  d/dx = sigmoid(-x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        if not x.ndim:
            return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
        t = np.abs(x)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        out = np.minimum(x, 0)
        out -= t
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            with np.errstate(over="ignore"):  # exp(x) = inf: grad / inf = 0
                d = np.exp(x)
            d += 1
            return np.divide(grad, d, out=d)  # grad sigmoid(-x)
        return grad * _sigmoid(-x)


@register("prelu")
class PRelu(Function):
    """out = x if x > 0 else w x (w broadcast over x);  d/dx = 1 or w, d/dw = 0 or x."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        if not x.ndim:
            return np.where(x > 0, x, w * x)
        f = _slopes(x > 0, w, x.dtype)  # 1 or w
        return np.multiply(x, f, out=f)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        pos = _raw(x) > 0
        if type(grad) is np.ndarray and x.ndim:
            gx = gw = None
            if ctx.needs_input_grad[0]:
                gx = _slopes(pos, w, grad.dtype)
                gx *= grad
            if ctx.needs_input_grad[1]:
                gw = _keep(grad * x, ~pos)
            return gx, gw
        gx = np.where(pos, grad, grad * w) if ctx.needs_input_grad[0] else None
        gw = np.where(pos, 0, grad * x) if ctx.needs_input_grad[1] else None
        return gx, gw


@register("threshold")
class Threshold(Function):
    """out = x if x > threshold else value;  the gradient passes where x > threshold."""

    __slots__ = ("threshold",)

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        if x.dtype.kind == "f" and x.ndim:
            above = x > threshold
            out = _pick(x, above)
            if value != 0:
                out += np.multiply(~above, value, dtype=x.dtype)  # x + 0 or 0 + value
            return out
        return np.where(x > threshold, x, np.asarray(value).astype(x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _on_graph(_pick(grad, _raw(x) > ctx.threshold), x), None, None


@register("softshrink")
class Softshrink(Function):
    """out = x - lambd (x > lambd), x + lambd (x < -lambd), else 0;  d/dx = 1 outside."""

    __slots__ = ("lambd",)

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        if not x.ndim:
            return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(
                x.dtype, copy=False)
        out = np.clip(x, -lambd, lambd)
        return np.subtract(x, out, out=out)  # x - lambd, x + lambd, or x - x = 0 between

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return _on_graph(_pick(grad, _outside(_raw(t), ctx.lambd)), t), None


@register("hardshrink")
class Hardshrink(Function):
    """out = 0 for -lambd <= x <= lambd, else x;  d/dx = 1 outside."""

    __slots__ = ("lambd",)

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        ctx.save_for_backward(x)
        return _pick(x, _outside(x, lambd)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return _on_graph(_pick(grad, _outside(_raw(t), ctx.lambd)), t), None



# ------------------------------------------------------------------------------ functions
def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6."""
    if inplace:
        return _in_place("hardsigmoid_", hardsigmoid, input)
    return Hardsigmoid.apply(_floating("hardsigmoid", input))


def hardswish(input, inplace=False):
    """input * relu6(input + 3) / 6."""
    if inplace:
        return _in_place("hardswish_", hardswish, input)
    return Hardswish.apply(_floating("hardswish", input))


def softsign(input):
    """input / (1 + |input|)."""
    return Softsign.apply(_floating("softsign", input))


def mish(input, inplace=False):
    """input * tanh(softplus(input))."""
    if inplace:
        return _in_place("mish_", mish, input)
    return Mish.apply(_floating("mish", input))


def logsigmoid(input):
    """log(sigmoid(input)), computed without overflow."""
    return LogSigmoid.apply(_floating("logsigmoid", input))


def prelu(input, weight):
    """input where input > 0, else weight * input; weight has 1 or C elements (C = the size
    of dim 1; 1 for inputs of fewer than 2 dims) and is broadcast along dim 1."""
    x, w = as_tensor(input), as_tensor(weight)
    if w.ndim > 1:
        raise RuntimeError(f"prelu: expected weight to be a scalar or a 1-D tensor, got shape "
                           f"{tuple(w.shape)}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.numel() not in (1, channels):
        raise RuntimeError(f"prelu: the number of weights ({w.numel()}) must be 1 or the "
                           f"number of input channels ({channels}); input {tuple(x.shape)}")
    x, w = promote(x, w)
    _floating("prelu", x)
    if x.ndim >= 2:
        w = w.reshape((w.numel(),) + (1,) * (x.ndim - 2))
    elif w.ndim == 1 and x.ndim == 0:
        w = w.reshape(())
    return PRelu.apply(x, w)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else value."""
    if inplace:
        return _in_place("threshold_", globals()["threshold"], input, threshold, value)
    return Threshold.apply(as_tensor(input), threshold, value)


def softshrink(input, lambd=0.5):
    """input - lambd above lambd, input + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to "
                           f"be {lambd}")
    return Softshrink.apply(_floating("softshrink", input), float(lambd))


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0."""
    return Hardshrink.apply(_floating("hardshrink", input), float(lambd))


def tanhshrink(input):
    """input - tanh(input)."""
    x = _floating("tanhshrink", input)
    return x - np.tanh(x)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    x = as_tensor(input)
    if x.ndim == 0:
        raise RuntimeError("glu: does not support scalars because halving size must be even")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for a tensor with {x.ndim} dims")
    axis = dim % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {axis} is size "
                           f"{n}; input {tuple(x.shape)}")
    head = (slice(None),) * axis
    return x[head + (slice(0, n // 2),)] * _sigmoid(x[head + (slice(n // 2, n),)])


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky relu. Training: input * a where input <= 0, a ~ U(lower, upper) per
    element (from glassgrad's seeded generator); eval: leaky_relu with slope (lower+upper)/2."""
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper "
                           f"bound (lower={lower}, upper={upper})")
    if inplace:
        return _in_place("rrelu_", rrelu, input, lower, upper, training)
    x = _floating("rrelu", input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    u = _random.default_generator().random(x.shape) * (upper - lower) + lower
    noise = u.astype(x.dtype)
    _one_where(_raw(x) > 0, noise)  # 1 where x > 0, u elsewhere
    return x * noise


def _inplace_form(fn):
    """``F.selu_(x)`` and friends: fn with inplace=True."""

    def inplace_fn(input, *args, **kwargs):
        return fn(input, *args, inplace=True, **kwargs)

    inplace_fn.__name__ = fn.__name__ + "_"
    return inplace_fn


_IN_PLACE = {f.__name__ + "_": _inplace_form(f) for f in (selu, celu, rrelu, threshold)}
TENSOR_METHODS = {"hardshrink": hardshrink, "prelu": prelu}
TORCH_FUNCTIONS = {"selu": selu, "celu": celu, "prelu": prelu, "threshold": threshold,
                   "hardshrink": hardshrink, "rrelu": rrelu, **_IN_PLACE}
FUNCTIONAL = {
    "hardsigmoid": hardsigmoid, "hardswish": hardswish, "softsign": softsign, "mish": mish,
    "selu": selu, "celu": celu, "logsigmoid": logsigmoid, "prelu": prelu,
    "threshold": threshold, "softshrink": softshrink, "hardshrink": hardshrink,
    "tanhshrink": tanhshrink, "glu": glu, "rrelu": rrelu, **_IN_PLACE,
    "elu_": _inplace_form(elu), "hardtanh_": _inplace_form(hardtanh),
}
