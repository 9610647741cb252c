"""Elementwise arithmetic (add, sub, mul, div with rounding modes, neg, pow) and where,
with torch's type promotion (``promote``, in ``_promote.py`` with the casts).

Each backward returns the gradient at the *output's* shape; the driver sums it back to each
input's shape (broadcasting undone in one place, ``graph.sum_to``). A backward that masks
(where) selects the gradient (``_masks._select``) instead of multiplying it by the mask, so
an inf upstream never becomes 0 * inf = NaN. clamp, maximum and minimum are in
``binary_math.py`` (re-exported here), rounding and remainders in ``rounding.py``, the unary
math table in ``unary.py`` and the activations in ``activation.py``.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw, _select
from ._promote import (  # noqa: F401  (re-exported: other op modules import them from here)
    Cast,
    _cast,
    _constant,
    _floating,
    _in_place,
    _true_div,
    promote,
    to,
)
from .binary_math import clamp, clamp_max, clamp_min, clip, maximum, minimum  # noqa: F401
from .rounding import div_rounding, floor_divide, remainder  # noqa: F401


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
        out = _int_pow(x, y) if x.dtype.kind in "iu" else _float_pow(x, y)
        ctx.save_for_backward(x, y, out if ctx.needs_input_grad[1] else None)  # out: for d/dy
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        gx = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):  # 0^-1 = inf, log(-1) = nan
            if nx:
                if type(grad) is np.ndarray and type(y) in (int, float) and y != 0:
                    gx = _float_pow(x, y - 1)  # a fresh array: scaled in place
                    gx *= y
                    gx *= grad
                elif isinstance(y, (int, float)):  # a Python exponent
                    # x ** 0: a zero gradient, selected (so on the graph under create_graph)
                    gx = grad * y * x ** (y - 1) if y != 0 else np.where(
                        np.zeros(np.shape(grad), bool), grad, 0)
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


def _float_pow(x, y):
    """x ** y for a float array, as a fresh array. A Python exponent that is a small integer
    or +-0.5 takes the cheap route torch takes too (multiplications, a reciprocal, a square
    root): numpy's general power costs about 100 times a multiplication."""
    if type(y) not in (int, float) or x.dtype.kind != "f" or x.ndim == 0:
        return x**y
    if y == 0.5:
        with np.errstate(invalid="ignore"):  # a negative base gives NaN
            return np.sqrt(x)
    if y == -0.5:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sqrt(x)
            return np.divide(1, out, out=out)
    if y != int(y) or not -4 <= y <= 4:
        return x**y
    n = abs(int(y))
    if n == 0:
        return np.ones_like(x)
    out = x.copy() if n == 1 else np.square(x)
    if n == 3:
        out *= x
    elif n == 4:
        np.square(out, out=out)
    if y < 0:
        with np.errstate(divide="ignore"):  # 0 ** -k = inf
            np.divide(1, out, out=out)
    return out


def _int_pow(x, y):
    """Integer x ** y with torch's answer for negative exponents (numpy raises): 1 ** -n
    is 1, (-1) ** -n is +-1, and every other base (0 too) gives 0."""
    neg = np.asarray(y) < 0
    if not neg.any():
        return x**y
    out = x ** np.where(neg, 0, y)
    one = np.where(np.asarray(y) % 2 == 0, 1, -1).astype(out.dtype)
    small = np.where(x == 1, 1, np.where(x == -1, one, 0)).astype(out.dtype)
    return np.where(neg, small, out)


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


# ------------------------------------------------------------------------------ functions
def add(input, other, *, alpha=1):
    return Add.apply(*promote(input, other if alpha == 1 else other * alpha))


def sub(input, other, *, alpha=1):
    return Sub.apply(*promote(input, other if alpha == 1 else other * alpha))


def mul(input, other):
    return Mul.apply(*promote(input, other))


def div(input, other, *, rounding_mode=None):
    """input / other; ``rounding_mode`` "trunc" or "floor" rounds the quotient (gradient 0,
    integers stay integers), as in torch."""
    if rounding_mode is not None:
        return div_rounding(input, other, rounding_mode)
    return Div.apply(*_true_div(input, other))


def true_divide(input, other):
    return Div.apply(*_true_div(input, other))


def neg(input):
    return Neg.apply(as_tensor(input))


def pow(input, exponent):  # noqa: A001
    """input ** exponent. An integer tensor to a negative Python int raises, as in torch;
    to a negative integer *tensor* it gives torch's integer result (see ``_int_pow``)."""
    if (isinstance(exponent, int) and exponent < 0 and isinstance(input, Tensor)
            and input._data.dtype.kind in "iub"):
        raise RuntimeError(f"pow: Integers to negative integer powers are not allowed "
                           f"(exponent {exponent}, tensor of dtype {input.dtype} and shape "
                           f"{tuple(input.shape)})")
    if not isinstance(input, Tensor):  # scalar ** tensor: the base is a constant
        e, base = promote(exponent, input)
        if not isinstance(base, np.ndarray):  # a 0-d array, so log(base) keeps e's dtype
            base = np.asarray(base, dtype=e._data.dtype)
        return Pow.apply(base, e)
    return Pow.apply(*promote(input, exponent))


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
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
    "true_divide": true_divide, "divide": div, "multiply": mul, "subtract": sub,
    "negative": neg,
    "astype": to,  # numpy's name; to, type and the casters are bound by conversion.py
}
TORCH_FUNCTIONS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow, "where": where,
    "true_divide": true_divide, "divide": div, "multiply": mul, "subtract": sub,
    "negative": neg,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.where: where}
