"""In-place methods (``add_``, ``relu_``, ``masked_fill_``, ``x += y``, ...) and the
out-of-place ops that only they needed before (masked_fill, index_add, index_fill, scatter).

Each in-place method is its out-of-place op run through ``inplace.run``: outside the graph
the result is written into the tensor's array (arithmetic uses numpy's ``out=`` directly);
inside it, the op is recorded and becomes the tensor's ``grad_fn``, as in torch.
"""

from __future__ import annotations

import numpy as np

from .. import inplace
from ..tensor import Tensor, as_tensor
from . import elementwise as ew
from .indexing import IndexAssign, IndexPut
from .movement import _dim


# ------------------------------------------------------------------------------ arithmetic
def _arith(name, ufunc, fn):
    """``x.add_(y)``: numpy's ``out=`` outside the graph, the recorded op inside it."""

    def method(self, other, **kwargs):
        if not inplace.recording(self, (other,), kwargs):
            o = other._data if isinstance(other, Tensor) else other
            alpha = kwargs.pop("alpha", 1)
            if kwargs:
                return inplace.run(self, name, fn, (other,), {"alpha": alpha, **kwargs})
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
         "float_power", "logit", "nan_to_num", "maximum", "minimum", "tril", "triu",
         "true_divide", "multiply", "subtract", "divide")


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


def _like(v, x):
    """A fill value as an operand of x's dtype (a Tensor value keeps its graph)."""
    if isinstance(v, Tensor):
        return v if v.dtype == x.dtype else v.to(x.dtype)
    return np.asarray(v, dtype=x.dtype)


# ------------------------------------------------------------------------------ masked, index
def masked_fill(input, mask, value):
    """x with ``value`` where ``mask`` (broadcast to x's shape) is True; x's dtype."""
    x = as_tensor(input)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {m.dtype} "
                           f"(shape {m.shape}); use mask.bool()")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: only supports a 0-d value tensor, got shape "
                           f"{value.shape}")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {m.shape} does not broadcast to "
                           f"the tensor's shape {x.shape}")
    return ew.where(m, _like(value, x), x)


def masked_fill_(self, mask, value):
    return inplace.run(self, "masked_fill_", masked_fill, (mask, value), casting="unsafe")


def _index_1d(index, op, size, d):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.ndim > 1:
        raise IndexError(f"{op}: index must be a 1-D (or 0-d) int tensor, got dtype "
                         f"{idx.dtype} and shape {idx.shape}")
    idx = idx.reshape(-1).astype(np.int64)
    if idx.size and (idx.max() >= size or idx.min() < -size):
        bad = idx.max() if idx.max() >= size else idx.min()
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size {size}")
    return idx


def index_add(input, dim, index, source, *, alpha=1):
    """x with alpha * source[..., k, ...] added at x[..., index[k], ...] along ``dim``
    (repeated indices add up)."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_add")
    idx = _index_1d(index, "index_add", x.shape[d] if x.ndim else 1, d)
    src = as_tensor(source)
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:] if x.ndim else (idx.size,)
    if src.shape != want and not (x.ndim == 0 and src.numel() == idx.size):
        raise RuntimeError(f"index_add: source of shape {src.shape} does not match the "
                           f"expected shape {want} (the tensor's shape {x.shape} with "
                           f"{idx.size} entries along dim {d})")
    if alpha != 1:
        src = src * alpha
    if x.ndim == 0:
        return x + src.sum()
    added = IndexPut.apply(src.to(x.dtype) if src.dtype != x.dtype else src, x.shape,
                           (slice(None),) * d + (idx,), True)
    return x + added


def index_add_(self, dim, index, source, *, alpha=1):
    return inplace.run(self, "index_add_", index_add, (dim, index, source), {"alpha": alpha})


def index_fill(input, dim, index, value):
    """x with ``value`` at x[..., index[k], ...] along ``dim``."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "index_fill")
    idx = _index_1d(index, "index_fill", x.shape[d] if x.ndim else 1, d)
    if x.ndim == 0:
        return ew.where(np.asarray(idx.size > 0), _like(value, x), x)
    return IndexAssign.apply(x, _like(value, x), None, (slice(None),) * d + (idx,))


def index_fill_(self, dim, index, value):
    return inplace.run(self, "index_fill_", index_fill, (dim, index, value), casting="unsafe")


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """out = x with out[..., index[i, j, ...], ...] = src[i, j, ...] along ``dim`` (each
    other dim by position), or = value when a number is given."""
    if reduce is not None:
        raise NotImplementedError("scatter: reduce= is not supported; use scatter_add or "
                                  "index_add")
    x = as_tensor(input)
    if value is None and not isinstance(src, Tensor):
        src, value = None, src  # scatter(x, dim, index, 2.0): the value form
    grid = _scatter_index(x, dim, index, "scatter")
    v = _like(value, x) if src is None else _scatter_source(x, src, grid, "scatter")
    return IndexAssign.apply(x, v, None, grid)


def _scatter_index(x, dim, index, op):
    """``index`` along ``dim`` as a full advanced index of x: every other dim by position."""
    d = _dim(dim, x.ndim, op)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: index must be an int tensor, got dtype {idx.dtype}")
    if idx.ndim != x.ndim:
        raise RuntimeError(f"{op}: index (shape {idx.shape}) must have as many dims as the "
                           f"tensor (shape {x.shape})")
    for k, (n, m) in enumerate(zip(idx.shape, x.shape)):
        if k != d and n > m:
            raise RuntimeError(f"{op}: index of shape {idx.shape} is larger than the "
                               f"tensor of shape {x.shape} in dim {k}")
    if idx.size and (idx.max() >= x.shape[d] or idx.min() < -x.shape[d]):
        bad = int(idx.max()) if idx.max() >= x.shape[d] else int(idx.min())
        raise IndexError(f"{op}: index {bad} is out of range for dim {d} with size "
                         f"{x.shape[d]}")
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx.astype(np.int64)
    return tuple(grid)


def _scatter_source(x, src, grid, op):
    """The part of ``src`` the index covers (its leading corner), in x's dtype."""
    shape = np.broadcast_shapes(*(g.shape for g in grid))
    s = as_tensor(src)
    if s.ndim != len(shape) or any(n > m for n, m in zip(shape, s.shape)):
        raise RuntimeError(f"{op}: src of shape {s.shape} must be at least as large as the "
                           f"index (shape {shape}) in every dim")
    if s.shape != shape:
        s = s[tuple(slice(0, n) for n in shape)]
    return s.to(x.dtype) if s.dtype != x.dtype else s


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return inplace.run(self, "scatter_", scatter, (dim, index, src, value), {"reduce": reduce},
                       casting="unsafe")


def scatter_add(input, dim, index, src):
    """out = x with src[i, j, ...] added at out[..., index[i, j, ...], ...] along ``dim``."""
    x = as_tensor(input)
    grid = _scatter_index(x, dim, index, "scatter_add")
    return x + IndexPut.apply(_scatter_source(x, src, grid, "scatter_add"), x.shape, grid,
                              True)


def scatter_add_(self, dim, index, src):
    return inplace.run(self, "scatter_add_", scatter_add, (dim, index, src))


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
    "masked_fill": masked_fill, "masked_fill_": masked_fill_,
    "index_add": index_add, "index_add_": index_add_,
    "index_fill": index_fill, "index_fill_": index_fill_,
    "scatter": scatter, "scatter_": scatter_, "scatter_add": scatter_add,
    "scatter_add_": scatter_add_,
    **{n + "_": _compare_(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")},
    **{n + "_": _reshape_(n) for n in ("squeeze", "unsqueeze", "t", "transpose", "swapaxes",
                                       "swapdims")},
}
TORCH_FUNCTIONS = {"masked_fill": masked_fill, "index_add": index_add,
                   "index_fill": index_fill, "scatter": scatter, "scatter_add": scatter_add}
FUNCTIONAL = {}


def install_unary():
    """Bind ``name_`` for every method in UNARY that Tensor has (called after all op
    modules are bound, so ops added later get their in-place twin too)."""
    for name in UNARY:
        if hasattr(Tensor, name) and not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", _unary(name))
