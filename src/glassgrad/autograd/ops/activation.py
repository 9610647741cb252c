"""Activation functions (torch.nn.functional): leaky_relu, elu, gelu, silu, softplus,
hardtanh, relu6, and relu's functional form with ``inplace=``."""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from ._masks import _on_graph, _raw, _select
from ._special import erf
from .elementwise import _floating, _in_place
from .unary import _INV_SQRT_2, _INV_SQRT_2PI, _SQRT_2_OVER_PI, _erf, _sigmoid, relu


# ------------------------------------------------------------------------------ activations
def _negative(x):
    """min(x, 0) for the exp of the elu family's backward, its own derivative 0 at x = 0 (a
    select on x < 0, not min's tie split), so the second derivative there is 0 as torch's."""
    return np.where(_raw(x) < 0, x, 0)


@register("leaky_relu")
class LeakyRelu(Function):
    """out = x if x > 0 else slope * x."""

    __slots__ = ("slope",)

    @staticmethod
    def forward(ctx, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _on_graph(np.where(x > 0, grad, grad * ctx.slope), x), None


@register("elu")
class Elu(Function):
    """out = x if x > 0 else alpha * (exp(x) - 1); d/dx = 1 or alpha * exp(x)."""

    __slots__ = ("alpha",)

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, grad, grad * ctx.alpha * np.exp(_negative(x))), None


@register("gelu")
class Gelu(Function):
    """'none': out = x * Phi(x), Phi the normal CDF; d/dx = Phi(x) + x * phi(x).
    'tanh':  out = x/2 * (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)."""

    __slots__ = ("approximate",)

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))
        return 0.5 * x * (1 + erf(x * _INV_SQRT_2))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None
        cdf = 0.5 * (1 + _erf(x * _INV_SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return grad * (cdf + x * pdf), None


@register("silu")
class Silu(Function):
    """out = x * sigmoid(x); d/dx = s + x s (1 - s)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)
        return grad * (s + x * s * (1 - s))


@register("softplus")
class Softplus(Function):
    """out = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""

    __slots__ = ("beta", "threshold")

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        bx = x * beta
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return np.where(bx > ctx.threshold, grad, grad * _sigmoid(bx)), None, None


@register("hardtanh")
class Hardtanh(Function):
    """out = min(max(x, lo), hi) for numbers lo <= hi. The gradient passes where
    lo < x < hi, strictly (torch's rule; clamp also passes it at the bounds)."""

    __slots__ = ("lo", "hi")

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        x = _raw(t)
        return _on_graph(_select(grad, (x > ctx.lo) & (x < ctx.hi)), t), None, None


def _relu(input, inplace=False):
    """F.relu: max(input, 0); with inplace=True written into input."""
    return _in_place("relu_", relu, input) if inplace else relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _in_place("leaky_relu_", leaky_relu, input, negative_slope)
    return LeakyRelu.apply(_floating("leaky_relu", input), negative_slope)


def relu_(input):
    """F.relu_: relu written into input (recorded on the graph); returns input."""
    return _relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """F.leaky_relu_: leaky_relu written into input (recorded on the graph); returns input."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _in_place("elu_", elu, input, alpha)
    return Elu.apply(_floating("elu", input), alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_floating("gelu", input), approximate)


def silu(input, inplace=False):
    if inplace:
        return _in_place("silu_", silu, input)
    return Silu.apply(_floating("silu", input))


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(_floating("softplus", input), beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min(max(input, min_val), max_val); the gradient passes strictly between the bounds."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if inplace:
        return _in_place("hardtanh_", hardtanh, input, min_val, max_val)
    x = as_tensor(input)
    if x._data.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    lo, hi = float(min_val), float(max_val)
    if x._data.dtype.kind != "f":  # torch clamps an integer tensor with the bounds cast to it
        lo, hi = (np.asarray(b).astype(x._data.dtype) for b in (lo, hi))
    return Hardtanh.apply(x, lo, hi)


def relu6(input, inplace=False):
    """min(max(input, 0), 6): hardtanh(input, 0, 6), as torch defines it."""
    return hardtanh(input, 0.0, 6.0, inplace)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {
    "relu": _relu, "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu, "silu": silu,
    "softplus": softplus, "hardtanh": hardtanh, "relu6": relu6, "relu_": relu_,
    "leaky_relu_": leaky_relu_,
}
