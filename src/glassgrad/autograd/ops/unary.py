"""The unary math table: out = f(x), with d out / d x written beside f, as a textbook has it.

Each row becomes one registered op class (``Unary``), whose backward multiplies the
upstream gradient by the derivative; a row whose derivative is a mask or a sign
(``MaskUnary``: abs, relu) selects instead (``_masks._select``).
"""

from __future__ import annotations

import math

import numpy as np

from ... import _dtype
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _on_graph, _pick, _raw, _select, _sign
from ._promote import to
from ._special import erf, erfc, erfinv
from ._special import sigmoid as _sigmoid_array


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
        fast = _FAST.get(ctx.op)
        if fast is not None and type(grad) is np.ndarray and grad.ndim:
            return fast(grad, out)
        return grad * type(ctx).d(x, out)


def _tanh_grad(grad, out):
    """grad (1 - out^2), in three passes over one fresh array."""
    d = np.square(out)
    np.subtract(1, d, out=d)
    return np.multiply(d, grad, out=d)


def _sigmoid_grad(grad, out):
    """grad out (1 - out), in three passes over one fresh array."""
    d = np.subtract(1, out)
    d *= out
    return np.multiply(d, grad, out=d)


# the derivatives written in place for an ordinary backward (ndarrays), by op name
_FAST = {"tanh": _tanh_grad, "sigmoid": _sigmoid_grad}


class MaskUnary(Unary):
    """A unary op whose derivative is a mask (relu) or a sign (abs), a constant: backward
    selects the gradient (see ``_select``), so an inf upstream never becomes 0 * inf = NaN."""

    __slots__ = ()

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if ctx.op == "relu" and type(grad) is np.ndarray:
            return _pick(grad, np.logical_not(out <= 0))  # out > 0, or NaN
        return _on_graph(_select(grad, type(ctx).d(_raw(x), out)), x if x is not None else out)


def _sigmoid(x):
    """sigmoid of an array (stable at every x, see ``_special.sigmoid``), or of a Tensor
    through the sigmoid op (for double backward)."""
    return sigmoid(x) if isinstance(x, Tensor) else _sigmoid_array(x)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)  # Python floats: numpy's float64 scalars would
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # promote a float32 array to float64
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_LN2, _LN10 = math.log(2.0), math.log(10.0)

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
    "erfc":    (erfc,                        lambda x, out: -_TWO_OVER_SQRT_PI * np.exp(-x * x)),
    "erfinv":  (erfinv,                      lambda x, out: _SQRT_PI_OVER_2 * np.exp(out * out)),
    "tan":     (np.tan,                      lambda x, out: 1 + out * out),
    "asin":    (np.arcsin,                   lambda x, out: 1 / np.sqrt(1 - x * x)),
    "acos":    (np.arccos,                   lambda x, out: -1 / np.sqrt(1 - x * x)),
    "atan":    (np.arctan,                   lambda x, out: 1 / (1 + x * x)),
    "sinh":    (np.sinh,                     lambda x, out: np.cosh(x)),
    "cosh":    (np.cosh,                     lambda x, out: np.sinh(x)),
    "asinh":   (np.arcsinh,                  lambda x, out: 1 / np.sqrt(x * x + 1)),
    "acosh":   (np.arccosh,                  lambda x, out: 1 / np.sqrt(x * x - 1)),
    "atanh":   (np.arctanh,                  lambda x, out: 1 / (1 - x * x)),
    "rsqrt":   (lambda x: 1 / np.sqrt(x),    lambda x, out: -0.5 * out * out * out),
    "exp2":    (np.exp2,                      lambda x, out: out * _LN2),
    "expm1":   (np.expm1,                    lambda x, out: out + 1),
    "log2":    (np.log2,                     lambda x, out: 1 / (x * _LN2)),
    "log10":   (np.log10,                    lambda x, out: 1 / (x * _LN10)),
    "reciprocal": (lambda x: 1 / x,          lambda x, out: -out * out),
    "square":  (np.square,                   lambda x, out: 2 * x),
}
# abs and relu: the gradient at 0 is 0, as in torch; their masks select (MaskUnary). relu
# reads its output, as torch's does (out > 0 where x > 0; a NaN passes its gradient), so
# relu_ needs no copy of its input.
_MASKS = ("abs", "relu")
_INTEGER_OK = ("abs", "relu")  # the rest compute integer and bool input in the default float

# what each derivative above reads (the rest is not saved, so changing it in place is fine)
_READS = {"abs": "x", "exp": "out", "log": "x", "log1p": "x", "sqrt": "out", "sin": "x",
          "cos": "x", "tanh": "out", "sigmoid": "out", "relu": "out", "erf": "x", "erfc": "x",
          "erfinv": "out", "tan": "out", "asin": "x", "acos": "x", "atan": "x", "sinh": "x",
          "cosh": "x", "asinh": "x", "acosh": "x", "atanh": "x", "rsqrt": "out", "exp2": "out",
          "expm1": "out", "log2": "x", "log10": "x", "reciprocal": "out", "square": "x"}

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
    elif name == "square":  # integers stay integers (bool becomes int64), as in torch
        def fn(input):
            x = as_tensor(input)
            if x._data.dtype.kind != "f":
                d = x._data.astype(np.int64) if x._data.dtype == bool else x._data
                return Tensor._from_op(np.square(d), None, ())
            return cls.apply(x)
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
_NEW = ("erfc", "erfinv", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
        "atanh", "rsqrt", "exp2", "expm1", "log2", "log10", "reciprocal", "square")
_MORE = {name: _unary(name) for name in _NEW}
tan, sinh, cosh, exp2, square = (_MORE[n] for n in ("tan", "sinh", "cosh", "exp2", "square"))


def _erf(x):
    """erf on arrays, or the differentiable erf op on Tensors (for double backward)."""
    return _erf_op(x) if isinstance(x, Tensor) else erf(x)



@register("logit")
class Logit(Function):
    """out = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given.
    d/dx = 1 / (x (1 - x)); with eps it is 0 outside [eps, 1 - eps], without eps NaN
    outside [0, 1] (torch's rules)."""

    __slots__ = ("eps",)

    @staticmethod
    def forward(ctx, x, eps):
        ctx.eps = eps
        ctx.save_for_backward(x)
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        eps, raw = ctx.eps, _raw(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = grad / (x * (1 - x))
        if eps is None:
            outside = (raw < 0) | (raw > 1)
            return (np.where(outside, np.nan, g) if outside.any() else g), None
        outside = (raw < eps) | (raw > 1 - eps)
        return (np.where(outside, 0, g) if outside.any() else g), None


def logit(input, eps=None):
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = to(x, _dtype.get_default_dtype())
    return Logit.apply(x, None if eps is None else float(eps))


@register("sinc")
class Sinc(Function):
    """out = sin(pi x) / (pi x), 1 at x = 0. d/dx = (cos(pi x) - out) / x, and 0 at x = 0
    (torch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        out = np.sinc(x)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        zero = _raw(x) == 0
        if not zero.any():
            return grad * (np.cos(x * math.pi) - out) / x
        safe = np.where(zero, 1, x)
        return np.where(zero, 0, grad * (np.cos(safe * math.pi) - out) / safe)


def sinc(input):
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = to(x, _dtype.get_default_dtype())
    return Sinc.apply(x)


_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
            "arccosh": "acosh", "arctanh": "atanh"}
_PUBLIC = {"abs": abs, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "sin": sin,
           "cos": cos, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "erf": _erf_op,
           "logit": logit, "sinc": sinc, **_MORE, **{a: _MORE[n] for a, n in _ALIASES.items()}}
TENSOR_METHODS = {"__abs__": abs, "absolute": abs, **_PUBLIC}
TORCH_FUNCTIONS = {"absolute": abs, **_PUBLIC}
FUNCTIONAL = {"sigmoid": sigmoid, "tanh": tanh}
SPECIAL = {"erf": _erf_op, "erfc": _MORE["erfc"], "erfinv": _MORE["erfinv"], "expit": sigmoid,
           "logit": logit, "expm1": _MORE["expm1"], "exp2": exp2, "log1p": log1p,
           "sinc": sinc}
NUMPY_UFUNCS = {  # numpy calls in backward formulas, run on Tensors under create_graph
    np.tan: tan, np.arcsin: _MORE["asin"], np.arccos: _MORE["acos"], np.arctan: _MORE["atan"],
    np.sinh: sinh, np.cosh: cosh, np.arcsinh: _MORE["asinh"], np.arccosh: _MORE["acosh"],
    np.arctanh: _MORE["atanh"], np.exp2: exp2, np.expm1: _MORE["expm1"],
    np.log2: _MORE["log2"], np.log10: _MORE["log10"], np.reciprocal: _MORE["reciprocal"],
    np.square: square, np.sinc: sinc,
}
