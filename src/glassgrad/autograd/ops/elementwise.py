"""Elementwise arithmetic (add, sub, mul, div, neg, pow), clamp, maximum, minimum, where,
dtype casts and comparisons, with torch's type promotion (``promote``).

Each backward returns the gradient at the *output's* shape; the driver sums it back to each
input's shape (broadcasting undone in one place, ``graph.sum_to``). A backward that masks
(clamp, maximum, minimum, where) selects the gradient (``_masks._select``) instead of
multiplying it by the mask, so an inf upstream never becomes 0 * inf = NaN. The unary math
table is in ``unary.py`` and the activations in ``activation.py``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from ..._dtype import to_dtype
from ..function import Function, register
from ..inplace import run as inplace_run
from ..tensor import Tensor, as_tensor
from ._masks import _raw, _select


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
    "__pow__": pow, "__rpow__": _rpow, "__neg__": neg,
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "clamp": clamp,
    "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum,
    "minimum": minimum,
    "astype": to,  # numpy's name; to, type and the casters are bound by conversion.py
}
TORCH_FUNCTIONS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "clamp": clamp,
    "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max, "maximum": maximum,
    "minimum": minimum, "where": where,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.where: where, np.clip: lambda a, a_min=None, a_max=None: clamp(
    a, a_min, a_max)}
