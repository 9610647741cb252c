"""In-place methods (``add_``, ``relu_``, ``masked_fill_``, ``x += y``, ...). The
out-of-place ops behind the scattering ones (masked_fill, index_add, scatter, ...) are in
scatter.py.

Each in-place method is its out-of-place op run through ``inplace.run``: outside the graph
the result is written into the tensor's array (arithmetic uses numpy's ``out=`` directly);
inside it, the op is recorded and becomes the tensor's ``grad_fn``, as in torch.
"""

from __future__ import annotations

import numpy as np

from .. import inplace
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .scatter import (
    _like,
    index_add,
    index_copy,
    index_fill,
    index_put,
    masked_fill,
    masked_scatter,
    scatter,
    scatter_add,
)
from .scatter_reduce import scatter_reduce


# ------------------------------------------------------------------------------ arithmetic
def _arith(name, ufunc, fn):
    """``x.add_(y)``: numpy's ``out=`` outside the graph, the recorded op inside it."""

    def method(self, other, **kwargs):
        if not inplace.recording(self, (other,), kwargs):
            o = other._data if isinstance(other, Tensor) else other
            alpha = kwargs.pop("alpha", 1)
            if kwargs:  # e.g. div_(y, rounding_mode=...): the recorded path handles it
                extra = {} if alpha == 1 else {"alpha": alpha}
                return inplace.run(self, name, fn, (other,), {**extra, **kwargs})
            if alpha != 1:
                o = np.multiply(o, alpha)
            inplace.check_writable(self._data, name)
            try:
                ufunc(self._data, o, out=self._data, casting="same_kind")
            except (ValueError, TypeError) as e:
                raise RuntimeError(
                    f"{name}: cannot apply in place to a tensor of shape {self.shape} and "
                    f"dtype {self.dtype} with an operand of shape {np.shape(o)} and dtype "
                    f"{np.result_type(o)}: {e}") from None
            self._version[0] += 1
            return self
        return inplace.run(self, name, fn, (other,), kwargs)

    method.__name__ = name
    method.__doc__ = f"In place: x = x.{name[:-1]}(other), recorded on the graph as in torch."
    return method


add_ = _arith("add_", np.add, ew.add)
sub_ = _arith("sub_", np.subtract, ew.sub)
mul_ = _arith("mul_", np.multiply, ew.mul)
div_ = _arith("div_", np.true_divide, ew.div)
pow_ = _arith("pow_", np.power, ew.pow)


def _unary(name):
    """``x.exp_()`` and the like: the out-of-place method, written back in place."""

    def method(self, *args, **kwargs):
        return inplace.run(self, name + "_", getattr(Tensor, name), args, kwargs)

    method.__name__ = name + "_"
    method.__doc__ = f"In place: x = x.{name}(...), recorded on the graph as in torch."
    return method


# out-of-place methods whose in-place twin torch has; bound when the method exists
UNARY = ("exp", "log", "log1p", "log2", "log10", "expm1", "sqrt", "rsqrt", "tanh", "sigmoid",
         "abs", "neg", "relu", "sin", "cos", "tan", "erf", "square", "reciprocal", "sign",
         "floor", "ceil", "round", "trunc", "frac", "clamp", "clip", "clamp_min", "clamp_max",
         "hardtanh", "leaky_relu", "elu", "silu", "gelu", "softplus", "exp2", "sinh", "cosh",
         "asin", "acos", "atan", "lerp", "addcmul", "addcdiv", "fmod", "remainder", "atan2",
         "logit", "nan_to_num", "tril", "triu", "true_divide", "multiply", "subtract",
         "divide", "addmm", "addmv", "addbmm", "baddbmm")
# (float_power_, cumsum_ and cumprod_ have their own methods, in combine.py and scan.py)


# ------------------------------------------------------------------------------ fills
def _no_select(x):
    return np.zeros(x.shape, dtype=bool)


def fill_(self, value):
    """Every element set to ``value`` (a number or a 0-d tensor, which may require grad)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_: only supports a 0-d value tensor, got shape {value.shape}")
    if not inplace.recording(self, (value,)):
        inplace.check_writable(self._data, "fill_")
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version[0] += 1
        return self
    # where(False, x, value): the old values get gradient 0 (selected away, never multiplied)
    return inplace.run(self, "fill_", lambda x, v: ew.where(_no_select(x), x, _like(v, x)),
                       (value,), casting="unsafe")


def zero_(self):
    return fill_(self, 0)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
    if not inplace.recording(self, (src,)):
        arr = src._data if isinstance(src, Tensor) else np.asarray(src)
        inplace.check_writable(self._data, "copy_")
        try:
            np.copyto(self._data, np.broadcast_to(arr, self.shape), casting="unsafe")
        except ValueError:
            raise RuntimeError(f"copy_: source of shape {arr.shape} does not broadcast to "
                               f"{self.shape}") from None
        self._version[0] += 1
        return self

    def copied(x, s):
        s = as_tensor(s)
        try:
            s = s.expand(x.shape) if s.shape != x.shape else s
        except RuntimeError:
            raise RuntimeError(f"copy_: source of shape {s.shape} does not broadcast to "
                               f"{x.shape}") from None
        return ew.where(_no_select(x), x, s.to(x.dtype) if s.dtype != x.dtype else s)

    return inplace.run(self, "copy_", copied, (src,), casting="unsafe")


# ------------------------------------------------------------------------------ masked, index
def masked_fill_(self, mask, value):
    m = np.shape(mask._data if isinstance(mask, Tensor) else mask)
    try:
        fits = np.broadcast_shapes(m, self.shape) == self.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"masked_fill_: the mask of shape {m} does not broadcast to the "
                           f"tensor's shape {self.shape}")
    return inplace.run(self, "masked_fill_", masked_fill, (mask, value), casting="unsafe")


def index_add_(self, dim, index, source, *, alpha=1):
    return inplace.run(self, "index_add_", index_add, (dim, index, source), {"alpha": alpha})


def index_fill_(self, dim, index, value):
    return inplace.run(self, "index_fill_", index_fill, (dim, index, value), casting="unsafe")


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return inplace.run(self, "scatter_", scatter, (dim, index, src, value), {"reduce": reduce},
                       casting="unsafe")


def scatter_add_(self, dim, index, src):
    return inplace.run(self, "scatter_add_", scatter_add, (dim, index, src))


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return inplace.run(self, "scatter_reduce_", scatter_reduce, (dim, index, src, reduce),
                       {"include_self": include_self}, casting="unsafe")


def index_copy_(self, dim, index, source):
    return inplace.run(self, "index_copy_", index_copy, (dim, index, source), casting="unsafe")


def index_put_(self, indices, values, accumulate=False):
    return inplace.run(self, "index_put_", index_put, (indices, values, accumulate),
                       casting="unsafe")


def masked_scatter_(self, mask, source):
    return inplace.run(self, "masked_scatter_", masked_scatter, (mask, source),
                       casting="unsafe")


# ------------------------------------------------------------------------------ comparisons
def _compare_(name):
    """``x.lt_(y)``: x becomes 1 where x < y and 0 elsewhere, in x's dtype. Recorded like
    torch, with gradient 0 for x and y (a comparison has no slope)."""

    def compared(x, other):
        r = getattr(x, name)(other)
        return ew.where(_no_select(x), x, r.to(x.dtype))

    def method(self, other):
        return inplace.run(self, name + "_", compared, (other,), casting="unsafe")

    method.__name__ = name + "_"
    return method


# ------------------------------------------------------------------------------ shape
def _reshape_(name):
    """``x.t_()``, ``x.unsqueeze_(0)``, ...: x takes the view's shape and strides, keeping
    its memory, as in torch."""

    def method(self, *args, **kwargs):
        if inplace.recording(self, ()):
            raise NotImplementedError(
                f"{name}_: changing the shape of a tensor in the autograd graph in place "
                f"(shape {self.shape}) is not supported; write x = x.{name}(...) instead")
        self._data = getattr(Tensor, name)(self, *args, **kwargs)._data
        return self

    method.__name__ = name + "_"
    return method


TENSOR_METHODS = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_,
    "subtract_": sub_, "multiply_": mul_, "divide_": div_, "true_divide_": div_,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_,
    "__ipow__": pow_,
    "fill_": fill_, "zero_": zero_, "copy_": copy_,
    "masked_fill_": masked_fill_, "index_add_": index_add_, "index_fill_": index_fill_,
    "scatter_": scatter_, "scatter_add_": scatter_add_, "scatter_reduce_": scatter_reduce_,
    "index_copy_": index_copy_, "index_put_": index_put_, "masked_scatter_": masked_scatter_,
    **{n + "_": _compare_(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")},
    **{n + "_": _reshape_(n) for n in ("squeeze", "unsqueeze", "t", "transpose", "swapaxes",
                                       "swapdims")},
}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}


def install_unary():
    """Bind ``name_`` for every method in UNARY that Tensor has (called after all op
    modules are bound, so ops added later get their in-place twin too)."""
    for name in UNARY:
        if hasattr(Tensor, name) and not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", _unary(name))
