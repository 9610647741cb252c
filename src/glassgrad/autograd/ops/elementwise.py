"""Elementwise ops: arithmetic, the unary math table, activations, clamp, maximum, where.

Each backward returns the gradient at the *output's* shape; the driver sums it back to each
input's shape (broadcasting undone in one place, ``graph.sum_to``).
"""

from __future__ import annotations

import numpy as np

from ... import _dtype
from ..._dtype import bool as bool_
from ..._dtype import float16, float32, float64, int32, int64, to_dtype
from ..function import Function, register
from ..tensor import Tensor, as_tensor, operand
from ._special import erf


# ------------------------------------------------------------------------------ arithmetic
@register("add")
class Add(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


@register("sub")
class Sub(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


@register("mul")
class Mul(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        nx, ny = ctx.needs_input_grad  # save only what backward reads, as torch does
        ctx.save_for_backward(x if ny else None, y if nx else None)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        return (grad * y if nx else None), (grad * x if ny else None)


@register("div")
class Div(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = grad / y if nx else None
        gy = -grad * x / (y * y) if ny else None  # d(x/y)/dy = -x / y^2
        return gx, gy


@register("neg")
class Neg(Function):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


@register("pow")
class Pow(Function):
    """out = x ** y. d/dx = y * x^(y-1); d/dy = out * log(x) (defined for x > 0)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = x**y
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = grad * y * x ** (y - 1) if nx else None
        gy = None
        if ny:
            # log(x) exists for x > 0; at x == 0 the exponent's gradient is 0 (as in torch),
            # and for x < 0 it is NaN: a real power of a negative base has no derivative in y
            log_x = np.log(np.where(x > 0, x, 1))
            gy = np.where(x < 0, np.nan, grad * out * log_x)
        return gx, gy


# ------------------------------------------------------------------------------ unary math
class Unary(Function):
    """out = f(x); backward multiplies the upstream gradient by f'(x), written as d(x, out)."""

    __slots__ = ()

    reads = "x out"  # what d reads: backward saves only that, as torch does

    @staticmethod
    def forward(ctx, x):
        cls = type(ctx)
        out = cls.f(x)
        reads = cls.reads
        ctx.save_for_backward(x if "x" in reads else None, out if "out" in reads else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return grad * type(ctx).d(x, out)


_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow


#           forward                          d out / d x, given x and out
UNARY = {
    "abs":     (np.abs,                      lambda x, out: np.sign(x)),
    "exp":     (np.exp,                      lambda x, out: out),
    "log":     (np.log,                      lambda x, out: 1 / x),
    "log1p":   (np.log1p,                    lambda x, out: 1 / (1 + x)),
    "sqrt":    (np.sqrt,                     lambda x, out: 0.5 / out),
    "sin":     (np.sin,                      lambda x, out: np.cos(x)),
    "cos":     (np.cos,                      lambda x, out: -np.sin(x)),
    "tanh":    (np.tanh,                     lambda x, out: 1 - out * out),
    "sigmoid": (_sigmoid,                    lambda x, out: out * (1 - out)),
    "relu":    (lambda x: np.maximum(x, 0),  lambda x, out: x > 0),
    "erf":     (erf,                         lambda x, out: _TWO_OVER_SQRT_PI * np.exp(-x * x)),
}
# abs: the gradient at 0 is 0 (sign(0) = 0), as in torch. relu: the gradient at 0 is 0.

# what each derivative above reads (the rest is not saved, so changing it in place is fine)
_READS = {"abs": "x", "exp": "out", "log": "x", "log1p": "x", "sqrt": "out", "sin": "x",
          "cos": "x", "tanh": "out", "sigmoid": "out", "relu": "x", "erf": "x"}

UNARY_CLASSES = {}
for _name, (_f, _d) in UNARY.items():
    UNARY_CLASSES[_name] = register(_name)(
        type(_name.capitalize(), (Unary,),
             {"__slots__": (), "f": staticmethod(_f), "d": staticmethod(_d),
              "reads": _READS.get(_name, "x out")})
    )


def _unary(name):
    cls = UNARY_CLASSES[name]

    def fn(input):
        return cls.apply(as_tensor(input))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}, differentiable."
    return fn


abs = _unary("abs")  # noqa: A001
exp = _unary("exp")
log = _unary("log")
log1p = _unary("log1p")
sqrt = _unary("sqrt")
sin = _unary("sin")
cos = _unary("cos")
tanh = _unary("tanh")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
_erf_op = _unary("erf")


def _erf(x):
    """erf on arrays, or the differentiable erf op on Tensors (for double backward)."""
    return _erf_op(x) if isinstance(x, Tensor) else erf(x)


def _raw(a):
    """The ndarray behind a Tensor: masks and tie shares are constants, never graph nodes."""
    return a._data if isinstance(a, Tensor) else a


# ------------------------------------------------------------------------------ activations
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
        return np.where(x > 0, grad, grad * ctx.slope), None


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
        return np.where(x > 0, grad, grad * ctx.alpha * np.exp(np.minimum(x, 0))), None


_SQRT_2_OVER_PI = np.sqrt(2 / np.pi)
_INV_SQRT_2PI = 1 / np.sqrt(2 * np.pi)


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
        return 0.5 * x * (1 + erf(x / np.sqrt(2)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None
        cdf = 0.5 * (1 + _erf(x / np.sqrt(2)))
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


@register("clamp")
class Clamp(Function):
    """out = min(max(x, lo), hi). The gradient passes where lo <= x <= hi (torch's rule)."""

    __slots__ = ("lo", "hi")

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.save_for_backward(x)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x, keep = _raw(x), True
        if ctx.lo is not None:
            keep = keep & (x >= ctx.lo)
        if ctx.hi is not None:
            keep = keep & (x <= ctx.hi)
        return grad * keep, None, None


@register("maximum")
class Maximum(Function):
    """out = max(x, y). Where x == y the gradient is split evenly, half to each (as torch)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = np.maximum(x, y)
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        share = (x > y) + 0.5 * (x == y)
        return grad * share, grad * (1 - share)


@register("minimum")
class Minimum(Function):
    """out = min(x, y). Ties split the gradient evenly, as for maximum."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        share = (x < y) + 0.5 * (x == y)
        return grad * share, grad * (1 - share)


@register("where")
class Where(Function):
    """out = x where cond else y; each branch receives the gradient where it was chosen."""

    __slots__ = ("cond",)

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.cond = cond
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(ctx.cond, grad, zero), np.where(ctx.cond, zero, grad)


@register("to")
class Cast(Function):
    """out = x in another dtype; the gradient is cast back to x's dtype."""

    __slots__ = ("dtype",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype), None


# ------------------------------------------------------------------------------ functions
def promote(input, other):
    """Both operands of a binary op, promoted as torch promotes them.

    Scalars take the tensor's dtype; a float meeting an integer tensor makes it the float
    dtype (numpy would often pick float64; torch keeps float32).
    """
    t = type(other)
    if (t is float or t is int) and isinstance(input, Tensor) and input._data.dtype.kind == "f":
        return input, other  # the common case, decided without further calls
    x = input if isinstance(input, Tensor) else as_tensor(input)
    y = operand(other, x)
    t = type(y)
    if t is float or t is int:
        return x, y  # a Python scalar meeting a float tensor: numpy keeps the tensor's dtype
    xf = x.dtype.kind == "f"
    if isinstance(y, Tensor):
        yf = y.dtype.kind == "f"
        if xf and not yf:
            y = to(y, x.dtype)
        elif yf and not xf:
            x = to(x, y.dtype)
    elif xf:
        if y.dtype != x.dtype and (y.ndim == 0 or y.dtype.kind != "f"):
            y = y.astype(x.dtype)
    elif y.dtype.kind == "f":
        x = to(x, y.dtype if y.ndim else _dtype.get_default_dtype())
        y = y if y.ndim else y.astype(x.dtype)
    return x, y


def to(input, *args, dtype=None, copy=False, **kwargs):
    """``x.to(dtype)``; devices other than "cpu" are refused (glassgrad runs on numpy)."""
    for a in args:
        if isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps"):
            if a != "cpu":
                raise RuntimeError(f"to: glassgrad runs on the CPU only; got device {a!r}")
        elif isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    device = kwargs.pop("device", None)
    if device not in (None, "cpu"):
        raise RuntimeError(f"to: glassgrad runs on the CPU only; got device {device!r}")
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    x = as_tensor(input)
    dt = to_dtype(dtype)
    if dt is None or (dt == x.dtype and not copy):
        return x
    return Cast.apply(x, dt)


def _caster(name, dt):
    def fn(input):
        return to(input, dt)

    fn.__name__ = name
    return fn


def add(input, other, *, alpha=1):
    return Add.apply(*promote(input, other if alpha == 1 else other * alpha))


def sub(input, other, *, alpha=1):
    return Sub.apply(*promote(input, other if alpha == 1 else other * alpha))


def mul(input, other):
    return Mul.apply(*promote(input, other))


def _float_of(input):
    """True division of integers gives the default float dtype, as in torch."""
    x = as_tensor(input)
    return x if x.dtype.kind == "f" else to(x, _dtype.get_default_dtype())


def div(input, other):
    return Div.apply(*promote(_float_of(input), other))


def neg(input):
    return Neg.apply(as_tensor(input))


def pow(input, exponent):  # noqa: A001
    if not isinstance(input, Tensor):  # scalar ** tensor
        e = as_tensor(exponent)
        return Pow.apply(operand(input, e), e)
    return Pow.apply(*promote(input, exponent))


def leaky_relu(input, negative_slope=0.01):
    return LeakyRelu.apply(as_tensor(input), negative_slope)


def elu(input, alpha=1.0):
    return Elu.apply(as_tensor(input), alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(as_tensor(input), approximate)


def silu(input):
    return Silu.apply(as_tensor(input))


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(as_tensor(input), beta, threshold)


def clamp(input, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    lo = min.item() if isinstance(min, Tensor) else min
    hi = max.item() if isinstance(max, Tensor) else max
    return Clamp.apply(as_tensor(input), lo, hi)


clip = clamp


def maximum(input, other):
    return Maximum.apply(*promote(input, other))


def minimum(input, other):
    return Minimum.apply(*promote(input, other))


def where(condition, input, other):
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        cond = cond.astype(bool)
    if isinstance(input, Tensor):
        x = input
        y = operand(other, x)
    elif isinstance(other, Tensor):
        y = other
        x = operand(input, y)
    else:
        x, y = as_tensor(input), as_tensor(other)
    return Where.apply(cond, x, y)


# ------------------------------------------------------------------------------ comparisons
def _compare(ufunc):
    def fn(input, other):
        x = input._data if isinstance(input, Tensor) else np.asarray(input)
        y = other._data if isinstance(other, Tensor) else other
        return Tensor._from_op(np.asarray(ufunc(x, y)), None, ())

    fn.__name__ = ufunc.__name__
    fn.__doc__ = f"Elementwise {ufunc.__name__}; a bool tensor without gradient."
    return fn


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def _rsub(input, other):
    x, y = promote(input, other)
    return Sub.apply(y, x)


def _rdiv(input, other):
    x, y = promote(_float_of(input), other)
    return Div.apply(y, x)


def _rpow(input, other):
    x, y = promote(input, other)
    return Pow.apply(y, x)


TENSOR_METHODS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rdiv,
    "__pow__": pow, "__rpow__": _rpow, "__neg__": neg, "__abs__": abs,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
    "abs": abs, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "erf": _erf_op, "clamp": clamp,
    "clip": clamp, "maximum": maximum, "minimum": minimum,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "to": to, "astype": to, "type": to, "float": _caster("float", float32),
    "double": _caster("double", float64), "half": _caster("half", float16),
    "long": _caster("long", int64), "int": _caster("int", int32), "bool": _caster("bool", bool_),
}
TORCH_FUNCTIONS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "abs": abs,
    "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh,
    "sigmoid": sigmoid, "relu": relu, "erf": _erf_op, "clamp": clamp, "clip": clamp,
    "maximum": maximum, "minimum": minimum, "where": where,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
}
FUNCTIONAL = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "leaky_relu": leaky_relu, "elu": elu,
    "gelu": gelu, "silu": silu, "softplus": softplus,
}
NUMPY_FUNCTIONS = {np.where: where, np.clip: lambda a, a_min=None, a_max=None: clamp(
    a, a_min, a_max)}
