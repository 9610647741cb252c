"""Ops that combine three tensors (lerp, addcmul, addcdiv), float_power, and the in-place
twins (``x.copysign_(y)``, ``x.logical_and_(y)``, ``x //= y``, ...) of the math and logical
ops that ``inplace_ops.install_unary`` does not bind. ops/__init__.py installs these dicts.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import _dtype
from .. import inplace
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._promote import _cast, _constant, to


def _fma(a, b, c):
    """a * b + c rounded once, as torch's CPU kernels compute it (a fused multiply-add):
    exact in float64 for float32 and float16 operands; float64 rounds twice (1 ulp at most)."""
    dt = np.result_type(a, b, c)
    if dt.itemsize < 8 and dt.kind == "f":
        wide = np.float64
        return (np.multiply(a, b, dtype=wide) + np.asarray(c, wide)).astype(dt)
    return a * b + c


@register("lerp")
class Lerp(Function):
    """out = x + w (end - x), computed as torch does (from end when w >= 0.5, exact at
    w = 1). d/dx = 1 - w, d/dend = w, d/dw = end - x (w a number or a tensor)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, end, w):
        ctx.save_for_backward(x, end, w)
        diff = end - x
        if not isinstance(w, np.ndarray):  # a number: in x's dtype first, as torch
            w = np.asarray(w, x.dtype)
        return np.where(np.abs(w) < 0.5, _fma(w, diff, x), _fma(-diff, 1 - w, end))

    @staticmethod
    def backward(ctx, grad):
        x, end, w = ctx.saved_tensors
        nx, ne, nw = ctx.needs_input_grad
        return ((grad * (1 - w) if nx else None), (grad * w if ne else None),
                (grad * (end - x) if nw else None))


@register("addcmul")
class Addcmul(Function):
    """out = x + value t1 t2: d/dx = 1, d/dt1 = value t2, d/dt2 = value t1."""

    __slots__ = ("value",)

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.value = value
        _, n1, n2, _ = ctx.needs_input_grad
        ctx.save_for_backward(t1 if n2 else None, t2 if n1 else None)
        return _fma(value * t1 if value != 1 else t1, t2, x)  # torch's rounding

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        nx, n1, n2, _ = ctx.needs_input_grad
        g = grad * ctx.value if ctx.value != 1 else grad
        return (grad if nx else None), (g * t2 if n1 else None), (g * t1 if n2 else None), None


@register("addcdiv")
class Addcdiv(Function):
    """out = x + value t1 / t2: d/dx = 1, d/dt1 = value / t2, d/dt2 = -value t1 / t2^2."""

    __slots__ = ("value",)

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        return x + value * t1 / t2 if value != 1 else x + t1 / t2  # torch's order

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        nx, n1, n2, _ = ctx.needs_input_grad
        g = grad * ctx.value / t2
        return (grad if nx else None), (g if n1 else None), (-g * t1 / t2 if n2 else None), None


# ------------------------------------------------------------------------------ functions
def _all_in(op, *operands, floats_only=False):
    """Operands cast to their torch result dtype (Python numbers stay numbers)."""
    ops = [a if isinstance(a, (Tensor, numbers.Number)) else _constant(a) for a in operands]
    dt = _dtype.result_type(*ops)
    if floats_only and dt.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {dt} (shapes "
                                  f"{[tuple(np.shape(getattr(a, '_data', a))) for a in ops]})")
    return [_cast(as_tensor(a) if i == 0 else a, dt) for i, a in enumerate(ops)]


def lerp(input, end, weight):
    """input + weight (end - input); weight a number or a tensor (differentiable)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp: end must be a Tensor, got {type(end).__name__}")
    if isinstance(weight, Tensor):
        x, e, w = _all_in("lerp", input, end, weight, floats_only=True)
    else:
        x, e = _all_in("lerp", input, end, floats_only=True)
        w = float(weight)
    return Lerp.apply(x, e, w)


def float_power(input, exponent):
    """input ** exponent computed in float64 (torch's float_power), differentiable as pow."""
    from .elementwise import pow as _pow  # elementwise imports this module (via binary_math)

    def f64(a):
        if isinstance(a, Tensor):
            return a if a._data.dtype == np.float64 else to(a, np.float64)
        return a if isinstance(a, numbers.Number) else np.asarray(a, np.float64)

    return _pow(f64(input), f64(exponent))


def addcmul(input, tensor1, tensor2, *, value=1):
    x, t1, t2 = _all_in("addcmul", input, tensor1, tensor2)
    if x._data.dtype.kind in "iub" and not isinstance(value, bool):
        value = int(value)  # torch casts value to an integer tensor's dtype
    return Addcmul.apply(x, t1, t2, value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    t1, t2 = as_tensor(tensor1), as_tensor(tensor2)
    if t1._data.dtype.kind in "iub" and t2._data.dtype.kind in "iub":
        raise RuntimeError(f"addcdiv: integer division is not supported (tensor1 {t1.dtype}, "
                           f"tensor2 {t2.dtype}, shapes {tuple(t1.shape)} and "
                           f"{tuple(t2.shape)}); use input + value * tensor1 / tensor2")
    x, t1, t2 = _all_in("addcdiv", input, tensor1, tensor2)
    return Addcdiv.apply(x, t1, t2, value)


# ------------------------------------------------------------------------------ in place
def _in_place(name):
    """``x.name_(...)``: the out-of-place method, written back into x (recorded on the graph
    as every in-place op is)."""

    def method(self, *args, **kwargs):
        return inplace.run(self, name + "_", getattr(Tensor, name), args, kwargs)

    method.__name__ = name + "_"
    method.__doc__ = f"In place: x = x.{name}(...), as in torch."
    return method


def float_power_(self, exponent):
    """In place: only a float64 tensor can hold float_power's result, as in torch."""
    if self._data.dtype != np.float64:
        raise RuntimeError(f"float_power_: the base has dtype {self.dtype} (shape "
                           f"{tuple(self.shape)}) but the result requires float64")
    return inplace.run(self, "float_power_", float_power, (exponent,))


# in-place twins torch has that inplace_ops.UNARY does not list (bound when the method exists)
IN_PLACE = ("copysign", "floor_divide", "sgn", "sinc", "asinh", "acosh", "atanh", "arcsin",
            "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2", "erfc", "erfinv",
            "xlogy", "hypot", "fix", "absolute", "negative", "logical_and", "logical_or",
            "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
            "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "eq", "ne", "lt", "le",
            "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal")

# augmented assignments that torch runs in place (x //= y is x.floor_divide_(y))
_AUGMENTED = {"__ifloordiv__": "floor_divide", "__imod__": "remainder",
              "__iand__": "bitwise_and", "__ior__": "bitwise_or", "__ixor__": "bitwise_xor",
              "__ilshift__": "bitwise_left_shift", "__irshift__": "bitwise_right_shift"}

TENSOR_METHODS = {"lerp": lerp, "addcmul": addcmul, "addcdiv": addcdiv,
                  "float_power": float_power, "float_power_": float_power_,
                  **{n + "_": _in_place(n) for n in IN_PLACE},
                  **{dunder: _in_place(n) for dunder, n in _AUGMENTED.items()}}
TORCH_FUNCTIONS = {"lerp": lerp, "addcmul": addcmul, "addcdiv": addcdiv,
                   "float_power": float_power}
FUNCTIONAL = {}
