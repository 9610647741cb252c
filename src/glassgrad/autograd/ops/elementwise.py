"""Elementwise ops: arithmetic, the unary math table, activations, clamp, maximum, where.

Each backward returns the gradient at the *output's* shape; the driver sums it back to each
input's shape (broadcasting undone in one place, ``graph.sum_to``). A backward that masks
(relu, abs, clamp, hardtanh, maximum, minimum, where) selects the gradient with ``_select``
instead of multiplying it by the mask, so an inf upstream never becomes 0 * inf = NaN.
Operands are promoted as torch promotes them (``promote``, ``_dtype.result_type``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ... import _dtype
from ..._dtype import to_dtype
from ..function import Function, register
from ..inplace import run as inplace_run
from ..tensor import Tensor, as_tensor
from ._special import erf
from ._special import sigmoid as _sigmoid_array


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
    """out = x ** y.  d/dx = y x^(y-1), and 0 wherever y = 0 (even at x = 0, where
    0 * 0^-1 would be NaN);  d/dy = out log(x), and 0 where x = 0 and y >= 0. These are
    torch's rules: x^-1 at 0 gives -inf, a negative base NaN for the exponent."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = x**y
        ctx.save_for_backward(x, y, out if ctx.needs_input_grad[1] else None)  # out: for d/dy
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 = inf, log(-1) = nan
            if nx:
                if isinstance(y, (int, float)):  # a Python exponent
                    gx = grad * y * x ** (y - 1) if y != 0 else np.zeros(
                        grad.shape, grad.dtype)
                else:
                    gx = grad * y * x ** (y - 1)
                    flat = _raw(y) == 0
                    if flat.any():
                        gx = np.where(flat, 0, gx)
            if ny:
                gy = grad * out * np.log(x)
                flat = np.logical_and(_raw(x) == 0, _raw(y) >= 0)
                if flat.any():
                    gy = np.where(flat, 0, gy)
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


class MaskUnary(Unary):
    """A unary op whose derivative is a mask (relu) or a sign (abs), a constant: backward
    selects the gradient (see ``_select``), so an inf upstream never becomes 0 * inf = NaN."""

    __slots__ = ()

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _select(grad, type(ctx).d(_raw(x), out))


def _select(grad, mask):
    """grad where ``mask`` is 0 gives exactly 0 (torch's select: ``where(mask, grad, 0)``),
    even where grad is inf or NaN; elsewhere grad * mask (a mask may hold 1/2 or -1 too).

    On large arrays this is the product whenever the product is finite everywhere (its max
    and min tell: both carry a NaN, and an inf shows in one of them), since np.where with a
    random mask is about 20 times slower than a product there. A finite product has no
    0 * inf in it, so it equals the select once -0.0 is made 0.0. Otherwise, and on small
    arrays, np.where selects.
    """
    if type(grad) is np.ndarray:
        if mask.size > _SELECT_BY_PRODUCT:
            with np.errstate(invalid="ignore"):  # a 0 * inf is caught just below
                out = grad * mask
            if np.isfinite(out.max()) and np.isfinite(out.min()):
                out += 0  # -0.0 (a negative grad times 0) becomes the 0.0 a select gives
                return out
        if mask.dtype == bool:
            return np.where(mask, grad, 0)
        with np.errstate(invalid="ignore"):  # the 0 * inf this where() replaces
            return np.where(mask == 0, 0, grad * mask)
    return np.where(_raw(mask) == 0, 0, grad * mask)  # Tensors, under create_graph


_SELECT_BY_PRODUCT = 8192  # elements; below this np.where is as fast as the checked product


def _sign(x):
    """sign(x) as int8, and 0 where x is NaN (torch's sgn; numpy's sign gives NaN)."""
    return (x > 0).view(np.int8) - (x < 0).view(np.int8)


def _sigmoid(x):
    """sigmoid of an array (stable at every x, see ``_special.sigmoid``), or of a Tensor
    through the sigmoid op (for double backward)."""
    return sigmoid(x) if isinstance(x, Tensor) else _sigmoid_array(x)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)  # Python floats: numpy's float64 scalars would
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # promote a float32 array to float64
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)

#           forward                          d out / d x, given x and out
UNARY = {
    "abs":     (np.abs,                      lambda x, out: _sign(x)),
    "exp":     (np.exp,                      lambda x, out: out),
    "log":     (np.log,                      lambda x, out: 1 / x),
    "log1p":   (np.log1p,                    lambda x, out: 1 / (1 + x)),
    "sqrt":    (np.sqrt,                     lambda x, out: 0.5 / out),
    "sin":     (np.sin,                      lambda x, out: np.cos(x)),
    "cos":     (np.cos,                      lambda x, out: -np.sin(x)),
    "tanh":    (np.tanh,                     lambda x, out: 1 - out * out),
    "sigmoid": (_sigmoid_array,              lambda x, out: out * (1 - out)),
    "relu":    (lambda x: np.maximum(x, 0),  lambda x, out: ~(_raw(out) <= 0)),
    "erf":     (erf,                         lambda x, out: _TWO_OVER_SQRT_PI * np.exp(-x * x)),
}
# abs and relu: the gradient at 0 is 0, as in torch; their masks select (MaskUnary). relu
# reads its output, as torch's does (out > 0 where x > 0; a NaN passes its gradient), so
# relu_ needs no copy of its input.
_MASKS = ("abs", "relu")
_INTEGER_OK = ("abs", "relu")  # the rest compute integer and bool input in the default float

# what each derivative above reads (the rest is not saved, so changing it in place is fine)
_READS = {"abs": "x", "exp": "out", "log": "x", "log1p": "x", "sqrt": "out", "sin": "x",
          "cos": "x", "tanh": "out", "sigmoid": "out", "relu": "out", "erf": "x"}

UNARY_CLASSES = {}
for _name, (_f, _d) in UNARY.items():
    UNARY_CLASSES[_name] = register(_name)(
        type(_name.capitalize(), (MaskUnary if _name in _MASKS else Unary,),
             {"__slots__": (), "f": staticmethod(_f), "d": staticmethod(_d),
              "reads": _READS.get(_name, "x out")})
    )


def _unary(name):
    cls = UNARY_CLASSES[name]

    if name in _INTEGER_OK:
        def fn(input):
            return cls.apply(as_tensor(input))
    else:
        def fn(input):
            x = as_tensor(input)
            if x._data.dtype.kind != "f":  # torch: sqrt of an int tensor is float32
                x = to(x, _dtype.get_default_dtype())
            return cls.apply(x)

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


@register("clamp")
class Clamp(Function):
    """out = min(max(x, lo), hi); hi wins where lo > hi, and NaN stays NaN (torch's rules).

    Each bound is None, a number or a tensor. The gradients select (never 0 * inf = NaN):
    x gets grad where lo <= x <= hi; a tensor lo where x < lo < hi; a tensor hi where
    x > hi or hi < lo.
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = (_raw(a) for a in ctx.saved_tensors)
        nx, nlo, nhi = ctx.needs_input_grad
        gx = glo = ghi = None
        if nx:
            keep = x >= lo if lo is not None else x <= hi
            if lo is not None and hi is not None:
                keep = keep & (x <= hi)
            gx = _select(grad, keep)
        if nlo:
            below = x < lo
            glo = _select(grad, below if hi is None else below & (lo < hi))
        if nhi:
            above = x > hi
            ghi = _select(grad, above if lo is None else above | (hi < lo))
        return gx, glo, ghi


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
        (x,) = ctx.saved_tensors
        x = _raw(x)
        return _select(grad, (x > ctx.lo) & (x < ctx.hi)), None, None


def _pairwise_grads(ctx, grad, x_loses, y_loses, tie):
    """maximum/minimum backward, torch's rule: a side that lost gets 0, a tie splits grad
    in half, and otherwise (also where a NaN made every comparison false) the side gets the
    whole grad, so a NaN sends the gradient to both sides."""
    half = tie * np.asarray(0.5, grad.dtype) if tie.any() else None

    def share(loses):
        s = (~loses).astype(grad.dtype)
        return _select(grad, s if half is None else s - half)

    nx, ny = ctx.needs_input_grad
    return (share(x_loses) if nx else None), (share(y_loses) if ny else None)


@register("maximum")
class Maximum(Function):
    """out = max(x, y), NaN if either is NaN. Ties split the gradient half and half, and a
    NaN sends it to both sides (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        out = np.maximum(x, y)
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _pairwise_grads(ctx, grad, x < y, x > y, x == y)


@register("minimum")
class Minimum(Function):
    """out = min(x, y). Ties and NaN share the gradient as for maximum."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = (_raw(a) for a in ctx.saved_tensors)
        return _pairwise_grads(ctx, grad, x > y, x < y, x == y)


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
        _, nx, ny = ctx.needs_input_grad
        cond = ctx.cond
        return (None, _select(grad, cond) if nx else None,
                _select(grad, ~cond) if ny else None)


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
def _constant(other):
    """A non-Tensor operand as numpy should see it: Python scalars stay Python scalars
    (numpy treats them as weak, as torch treats its wrapped numbers), numpy scalars become
    Python scalars (which torch also wraps), and lists become arrays with torch's dtypes
    (Python floats in the default float dtype)."""
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, (np.ndarray, numbers.Number)):
        return other
    arr = np.asarray(other)
    return arr.astype(_dtype.infer_dtype(arr, True, other), copy=False)


def _cast(y, dt):
    """An operand (Tensor, array or Python scalar) in dtype ``dt``; scalars stay as they are."""
    if isinstance(y, Tensor):
        return y if y._data.dtype == dt else to(y, dt)
    if isinstance(y, np.ndarray) and y.dtype != dt:
        return y.astype(dt)
    return y


def promote(input, other):
    """Both operands of a binary op, cast to the dtype torch computes it in
    (``_dtype.result_type``): a Python scalar or a 0-d tensor counts by its category only
    (float32 * 0-d float64 stays float32, int32 + 0-d int64 stays int32), a float beats
    every integer dtype as it is (int64 + float32 -> float32), and a Python float meeting
    an integer tensor gives the default float dtype. A Python scalar is returned as it is.
    """
    t = type(other)
    if (t is float or t is int) and isinstance(input, Tensor) and input._data.dtype.kind == "f":
        return input, other  # the common case, decided without further calls
    x = input if isinstance(input, Tensor) else as_tensor(input)
    y = other if isinstance(other, Tensor) else _constant(other)
    if isinstance(y, Tensor) and y._data.dtype == x._data.dtype:
        return x, y
    dt = _dtype.result_type(x, y)
    return _cast(x, dt), _cast(y, dt)


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


def add(input, other, *, alpha=1):
    return Add.apply(*promote(input, other if alpha == 1 else other * alpha))


def sub(input, other, *, alpha=1):
    return Sub.apply(*promote(input, other if alpha == 1 else other * alpha))


def mul(input, other):
    return Mul.apply(*promote(input, other))


def _true_div(input, other):
    """The operands of a true division: promoted, and integers (and bools) in the default
    float dtype, as in torch (int64 / int64 -> float32)."""
    x, y = promote(input, other)
    if x._data.dtype.kind != "f":
        dt = _dtype.get_default_dtype()
        x, y = to(x, dt), _cast(y, dt)
    return x, y


def div(input, other):
    return Div.apply(*_true_div(input, other))


def neg(input):
    return Neg.apply(as_tensor(input))


def pow(input, exponent):  # noqa: A001
    if not isinstance(input, Tensor):  # scalar ** tensor: the base is a constant
        e, base = promote(exponent, input)
        if not isinstance(base, np.ndarray):  # a 0-d array, so log(base) keeps e's dtype
            base = np.asarray(base, dtype=e._data.dtype)
        return Pow.apply(base, e)
    return Pow.apply(*promote(input, exponent))


def _floating(op, input):
    """The input of an op torch defines for floating point only, or a clear error."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype} (shape "
                        f"{tuple(x.shape)}); convert it with .float() first")
    return x


def _in_place(op, fn, input, *args):
    """``input <- fn(input, *args)`` for a functional's ``inplace=True``, recorded on the
    graph as every in-place op is (``autograd.inplace``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: inplace=True needs a Tensor to change, got "
                        f"{type(input).__name__}")
    return inplace_run(input, op, fn, args)


def _relu(input, inplace=False):
    """F.relu: max(input, 0); with inplace=True written into input."""
    return _in_place("relu_", relu, input) if inplace else relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _in_place("leaky_relu_", leaky_relu, input, negative_slope)
    return LeakyRelu.apply(_floating("leaky_relu", input), negative_slope)


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


def clamp(input, min=None, max=None):  # noqa: A002
    """min(max(input, min), max). Bounds are numbers or tensors (broadcast against input,
    and given gradients); the result has the promoted dtype of all three, as in torch."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    x = as_tensor(input)
    lo = min if min is None or isinstance(min, Tensor) else _constant(min)
    hi = max if max is None or isinstance(max, Tensor) else _constant(max)
    dt = _dtype.result_type(x, *(b for b in (lo, hi) if b is not None))
    return Clamp.apply(_cast(x, dt), _cast(lo, dt), _cast(hi, dt))


clip = clamp


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min(max(input, min_val), max_val); the gradient passes strictly between the bounds."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if inplace:
        return _in_place("hardtanh_", hardtanh, input, min_val, max_val)
    x = as_tensor(input)
    lo, hi = float(min_val), float(max_val)
    if x._data.dtype.kind != "f":  # torch clamps an integer tensor with the bounds cast to it
        lo, hi = (np.asarray(b).astype(x._data.dtype) for b in (lo, hi))
    return Hardtanh.apply(x, lo, hi)


def relu6(input, inplace=False):
    """min(max(input, 0), 6): hardtanh(input, 0, 6), as torch defines it."""
    return hardtanh(input, 0.0, 6.0, inplace)


def maximum(input, other):
    return Maximum.apply(*promote(input, other))


def minimum(input, other):
    return Minimum.apply(*promote(input, other))


def where(condition, input, other):
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        cond = cond.astype(bool)
    if isinstance(input, Tensor):
        x, y = promote(input, other)
    elif isinstance(other, Tensor):
        y, x = promote(other, input)
    else:
        x, y = promote(as_tensor(input), as_tensor(other))
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
    x, y = _true_div(input, other)
    return Div.apply(y, x)


def _rpow(input, other):
    return pow(other, input)


TENSOR_METHODS = {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rdiv,
    "__pow__": pow, "__rpow__": _rpow, "__neg__": neg, "__abs__": abs,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
    "abs": abs, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "erf": _erf_op, "clamp": clamp,
    "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum,
    "minimum": minimum, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "astype": to,  # numpy's name; to, type and the casters are bound by conversion.py
}
TORCH_FUNCTIONS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "abs": abs,
    "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh,
    "sigmoid": sigmoid, "relu": relu, "erf": _erf_op, "clamp": clamp, "clip": clamp,
    "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum, "minimum": minimum,
    "where": where,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
}
FUNCTIONAL = {
    "relu": _relu, "sigmoid": sigmoid, "tanh": tanh, "leaky_relu": leaky_relu, "elu": elu,
    "gelu": gelu, "silu": silu, "softplus": softplus, "hardtanh": hardtanh, "relu6": relu6,
}
NUMPY_FUNCTIONS = {np.where: where, np.clip: lambda a, a_min=None, a_max=None: clamp(
    a, a_min, a_max)}
