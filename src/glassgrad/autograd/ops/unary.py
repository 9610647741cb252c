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
from ._masks import _raw, _select, _sign
from ._special import erf
from ._special import sigmoid as _sigmoid_array
from .elementwise import to


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



TENSOR_METHODS = {
    "__abs__": abs, "abs": abs, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt,
    "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "erf": _erf_op,
}
TORCH_FUNCTIONS = {"abs": abs, "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt,
                   "sin": sin, "cos": cos, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
                   "erf": _erf_op}
FUNCTIONAL = {"sigmoid": sigmoid, "tanh": tanh}
