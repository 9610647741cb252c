"""Activation functions (torch.nn.functional): leaky_relu, the elu family (elu, selu, celu),
gelu, silu, softplus, hardtanh, relu6, and relu's functional form with ``inplace=``."""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from ._masks import _blend, _on_graph, _one_where, _pick, _raw, _slopes
from ._special import gelu_parts
from .elementwise import _floating, _in_place
from .unary import _INV_SQRT_2, _INV_SQRT_2PI, _SQRT_2_OVER_PI, _erf, _sigmoid, relu

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _f32(v):
    """v rounded to float32: torch's celu backward rounds 1 / alpha so, even for float64."""
    return float(np.float32(v))


# ------------------------------------------------------------------------------ activations
# Each backward has two paths. On ndarrays (an ordinary backward) it runs in a few in-place
# passes over fresh arrays, with no np.where on a random mask (about 10 times the cost of a
# multiplication) and Python-float constants, so float32 stays float32. On Tensors (under
# create_graph) it is written with ops and ufuncs, so it records the graph of the gradient.
def _negative(x):
    """min(x, 0) for the exp of the elu family's backward, its own derivative 0 at x = 0 (a
    select on x < 0, not min's tie split), so the second derivative there is 0 as torch's."""
    return np.where(_raw(x) < 0, x, 0)


def _exp_negative(x):
    """exp(min(x, 0)), a fresh array (1 where x >= 0)."""
    out = np.minimum(x, 0)
    return np.exp(out, out=out)


@register("leaky_relu")
class LeakyRelu(Function):
    """out = x if x > 0 else slope * x."""

    __slots__ = ("slope",)

    @staticmethod
    def forward(ctx, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        if x.ndim and 0 < slope <= 1:  # x or s x, whichever is larger
            return np.maximum(x * slope, x)
        if x.ndim and slope > 1:
            return np.minimum(x * slope, x)
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            f = _slopes(x > 0, ctx.slope, grad.dtype)
            return np.multiply(f, grad, out=f), None
        return _on_graph(np.where(x > 0, grad, grad * ctx.slope), x), None


def _elu_forward(x, alpha, scale=1.0, inv_alpha=1.0):
    """scale * (x if x > 0 else alpha (exp(x * inv_alpha) - 1)) as max(x, 0) * scale plus
    the negative part (0 for x > 0), in five or six passes instead of a select."""
    neg = np.minimum(x, 0)
    if inv_alpha != 1:
        neg *= inv_alpha
    np.expm1(neg, out=neg)
    neg *= alpha * scale
    out = np.maximum(x, 0)
    if scale != 1:
        out *= scale
    out += neg
    return out


@register("elu")
class Elu(Function):
    """out = x if x > 0 else alpha * (exp(x) - 1); d/dx = 1 or alpha * exp(x)."""

    __slots__ = ("alpha",)

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        if x.ndim:
            return _elu_forward(x, alpha)
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            f = _exp_negative(x)  # exactly 1 where x >= 0
            if ctx.alpha != 1:
                f *= ctx.alpha
                _one_where(x > 0, f)
            return np.multiply(f, grad, out=f), None
        return np.where(x > 0, grad, grad * ctx.alpha * np.exp(_negative(x))), None


@register("selu")
class Selu(Function):
    """out = scale * (x if x > 0 else alpha (exp(x) - 1)), torch's fixed alpha and scale."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        if x.ndim:
            return _elu_forward(x, _SELU_ALPHA, _SELU_SCALE)
        return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            f = _exp_negative(x)
            f *= _SELU_ALPHA
            _one_where(x > 0, f)  # scale alpha exp(x), or scale
            f *= _SELU_SCALE
            return np.multiply(f, grad, out=f)
        neg = grad * (_SELU_SCALE * _SELU_ALPHA) * np.exp(_negative(x))
        return np.where(_raw(x) > 0, grad * _SELU_SCALE, neg)


@register("celu")
class Celu(Function):
    """out = max(0, x) + min(0, alpha (exp(x / alpha) - 1));  d/dx = 1 or exp(x / alpha), with
    alpha rounded to float32 in the gradient's 1 / alpha (as torch's backward does)."""

    __slots__ = ("alpha",)

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        ctx.save_for_backward(x)
        if x.ndim:
            return _elu_forward(x, alpha, inv_alpha=1 / alpha)
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) / alpha))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inv = 1 / _f32(ctx.alpha)
        if type(grad) is np.ndarray and x.ndim:
            f = np.minimum(x, 0)
            f *= inv
            np.exp(f, out=f)
            f *= inv * ctx.alpha
            _one_where(x > 0, f)
            return np.multiply(f, grad, out=f), None
        neg = grad * (inv * ctx.alpha) * np.exp(_negative(x) * inv)
        return np.where(_raw(x) > 0, grad, neg), None


@register("gelu")
class Gelu(Function):
    """'none': out = x * Phi(x), Phi the normal CDF; d/dx = Phi(x) + x * phi(x).
    'tanh':  out = x/2 * (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).

    Forward keeps what backward reads (the derivative Phi + x phi, or tanh(u)) for one
    backward on arrays; a second backward, or one under create_graph, recomputes it from x."""

    __slots__ = ("approximate", "cache")

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        keep = ctx.needs_input_grad[0]
        ctx.cache = None
        if not x.ndim:
            if approximate == "tanh":
                return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))
            return 0.5 * x * (1 + _erf(x * _INV_SQRT_2))
        if approximate == "tanh":
            t = _gelu_tanh_t(x)
            out = t + 1
            out *= x
            out *= 0.5
            ctx.cache = (t,) if keep else None
            return out
        out, slope = gelu_parts(x)
        ctx.cache = (slope,) if keep else None
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        cache, ctx.cache = ctx.cache, None
        if type(grad) is np.ndarray and x.ndim:
            if ctx.approximate == "tanh":
                (t,) = cache or (_gelu_tanh_t(x),)
                # 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx, du/dx = sqrt(2/pi) (1 + 3 c x^2)
                d = np.square(x)
                d *= 3 * 0.044715 * _SQRT_2_OVER_PI
                d += _SQRT_2_OVER_PI
                d *= x
                s = np.square(t)
                np.subtract(1, s, out=s)
                d *= s
                d += t
                d += 1
                d *= 0.5
                return np.multiply(d, grad, out=d), None
            (d,) = cache or gelu_parts(x)[1:]
            return np.multiply(d, grad, out=d), None
        if ctx.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None
        cdf = 0.5 * (1 + _erf(x * _INV_SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return grad * (cdf + x * pdf), None


def _gelu_tanh_t(x):
    """tanh(sqrt(2/pi) (x + 0.044715 x^3)) for an array, in place on one fresh array."""
    t = np.square(x)
    t *= 0.044715
    t += 1
    t *= x
    t *= _SQRT_2_OVER_PI
    return np.tanh(t, out=t)


@register("silu")
class Silu(Function):
    """out = x * sigmoid(x); d/dx = s + x s (1 - s) = s (1 + x (1 - s)). Forward keeps s
    for one backward on arrays (a second one recomputes it)."""

    __slots__ = ("cache",)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        s = _sigmoid(x)
        ctx.cache = s if ctx.needs_input_grad[0] and x.ndim else None
        return x * s

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s, ctx.cache = ctx.cache, None
        if type(grad) is np.ndarray and x.ndim:
            if s is None:
                s = _sigmoid(x)
            d = np.subtract(1, s)
            d *= x
            d += 1
            d *= s
            return np.multiply(d, grad, out=d)
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
        if not x.ndim:
            bx = x * beta
            return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)
        t = x * beta
        above = t > threshold
        np.minimum(t, threshold, out=t)  # exp cannot overflow below the threshold
        np.exp(t, out=t)
        np.log1p(t, out=t)
        if beta != 1:
            t /= beta
        return _blend(above, x, t)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if type(grad) is np.ndarray and x.ndim:
            t = x * -ctx.beta
            above = t < -ctx.threshold
            with np.errstate(over="ignore"):  # exp(-beta x) = inf: grad / inf = 0
                np.exp(t, out=t)
            t += 1
            np.divide(grad, t, out=t)  # grad * sigmoid(beta x)
            return _blend(above, grad, t), None, None
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
        inside = x > ctx.lo
        inside &= x < ctx.hi
        return _on_graph(_pick(grad, inside), t), None, None


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


def selu(input, inplace=False):
    """scale * elu(input, alpha), alpha = 1.6732632..., scale = 1.0507009..."""
    if inplace:
        return _in_place("selu_", selu, input)
    return Selu.apply(_floating("selu", input))


def celu(input, alpha=1.0, inplace=False):
    """max(0, input) + min(0, alpha * (exp(input / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha must not be 0")
    if inplace:
        return _in_place("celu_", celu, input, alpha)
    return Celu.apply(_floating("celu", input), float(alpha))


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
