"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp; and diff.

- cumsum: d out / d x is the reversed cumulative sum of grad.
- cumprod: without zeros, rev_cumsum(grad * out) / x. With zeros it never divides by one:
  elements before a slice's first zero use the same formula, the first zero gets
  prod(x before it) * sum_{j >= z} grad_j prod_{z < k <= j} x_k, and later elements 0. That
  is exact to first order; under create_graph, where the slope of those pieces matters,
  backward uses the exact O(n^2) form sum_{j >= i} grad_j prod_{k <= j, k != i} x_k, as
  torch does.
- cummax / cummin: (values, indices); the index is the last position holding the running
  extreme (ties go to the later element) and a NaN, once seen, is the running extreme, as in
  torch. The values are a gather (sorting.py), so the gradient adds up at each index.
- logcumsumexp: np.logaddexp.accumulate; the backward is torch's log-space formula (split
  by the sign of grad), written with logcumsumexp itself so it is twice differentiable. An
  element at -inf gets gradient 0 (torch: NaN, from inf - inf).
- diff: n-th forward difference along dim, after joining prepend / append.
"""

from __future__ import annotations

import numpy as np

from .. import inplace
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._masks import _raw
from .elementwise import where
from .reduce import _accumulator, _cast, return_types
from .sorting import _const, _Gather, _one_dim


def _flip(a, axis):
    """a reversed along axis (an ndarray view; on a Tensor, a differentiable gather)."""
    if isinstance(a, Tensor):
        return a[(slice(None),) * axis + (np.arange(a.shape[axis] - 1, -1, -1),)]
    return np.flip(a, axis)


def _cumsum(a, axis):
    return Cumsum.apply(a, axis) if isinstance(a, Tensor) else _accumulate(np.cumsum, a, axis)


def _accumulate(scan, a, axis):
    """np.cumsum / np.cumprod as torch on CPU: integers and bool in int64, float16 / float32
    in float64 rounded once at the end (so cumsum(full((100000,), 0.1)) ends at 10000.0 and
    cumprod([1e20, 1e20, 1e-20]) at 1e20 in float32), float64 as is."""
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        with np.errstate(over="ignore"):  # a float32 overflow is inf, as torch
            return scan(a, axis, dtype=np.float64).astype(a.dtype)
    return scan(a, axis, dtype=_accumulator(a.dtype))


def _rev_cumsum(a, axis):
    return _flip(_cumsum(_flip(a, axis), axis), axis)


def _scan_input(input, dim, op, dtype=None):
    """(x as at least 1-D, axis, whether the input was 0-d)."""
    x = _cast(as_tensor(input), dtype)
    axis = _one_dim(dim, x.ndim, op)
    # a 0-d input is scanned as a copy of shape (1,), not a view: a scan that saves its input
    # must not see it change when x.cumprod_(0) writes the result into x
    return (x.reshape(1).clone(), 0, True) if x.ndim == 0 else (x, axis, False)


# ------------------------------------------------------------------------------ cumsum
@register("cumsum")
class Cumsum(Function):
    """out_i = sum_{j <= i} x_j;  d out / d x: grad_x_j = sum_{i >= j} grad_i."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return _accumulate(np.cumsum, x, axis)

    @staticmethod
    def backward(ctx, grad):
        return _rev_cumsum(grad, ctx.axis), None


def _result(out, zd, dtype):
    """The scan's output as 0-d for a 0-d input, in ``dtype`` when given (integer scans run
    in int64 and wrap to it, as torch)."""
    out = _cast(out, dtype)  # no-op (the same tensor) when the dtype is already right
    return out.reshape(()) if zd else out


def cumsum(input, dim, *, dtype=None):
    x, axis, zd = _scan_input(input, dim, "cumsum", dtype)
    return _result(Cumsum.apply(x, axis), zd, dtype)


# ------------------------------------------------------------------------------ cumprod
@register("cumprod")
class Cumprod(Function):
    """out_i = prod_{j <= i} x_j; see the module docstring for the gradient at zeros."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = _accumulate(np.cumprod, x, axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        zero = _raw(x) == 0
        if not zero.any():
            return _rev_cumsum(grad * out, axis) / x, None
        if isinstance(grad, Tensor):
            return _cumprod_grad_exact(grad, x, axis), None
        n = x.shape[axis]
        pos = np.arange(n).reshape([-1 if i == axis else 1 for i in range(x.ndim)])
        zeros_so_far = np.cumsum(zero, axis)
        before = zeros_so_far == 0
        first = zero & (zeros_so_far == 1)
        z = np.where(zero.any(axis, keepdims=True), np.argmax(zero, axis, keepdims=True), n)
        with np.errstate(invalid="ignore", over="ignore"):
            head = _rev_cumsum(np.where(before, grad * out, 0), axis) / np.where(before, x, 1)
            prefix = np.where(before, x, 1).prod(axis, keepdims=True)
            tail = np.cumprod(np.where(pos <= z, 1, x), axis)
            at_zero = prefix * np.where(pos >= z, grad * tail, 0).sum(axis, keepdims=True)
        return np.where(before, head, 0) + np.where(first, at_zero, 0), None


def _cumprod_grad_exact(grad, x, axis):
    """sum_{j >= i} grad_j prod_{k <= j, k != i} x_k on a (..., i, j, ...) grid: O(n^2)."""
    shape, n = x.shape, x.shape[axis]
    grid = shape[:axis] + (1,) + shape[axis:]  # i at axis, j (and k) at axis + 1
    tail = (1,) * (len(shape) - axis - 1)
    eye = np.eye(n, dtype=bool).reshape((n, n) + tail)
    upper = np.triu(np.ones((n, n), dtype=bool)).reshape((n, n) + tail)
    others = Cumprod.apply(where(eye, 1.0, x.reshape(grid)), axis + 1)
    return where(upper, grad.reshape(grid) * others, 0.0).sum(axis=axis + 1)


def cumprod(input, dim, *, dtype=None):
    x, axis, zd = _scan_input(input, dim, "cumprod", dtype)
    return _result(Cumprod.apply(x, axis), zd, dtype)


# ------------------------------------------------------------------------------ cummax, cummin
@register("cummax")
class Cummax(_Gather):
    __slots__ = ()


@register("cummin")
class Cummin(_Gather):
    __slots__ = ()


def _cum_extreme(name, cls, accumulate, beats):
    result = getattr(return_types, name)

    def fn(input, dim):
        x, axis, zd = _scan_input(input, dim, name)
        data = np.moveaxis(x._data, axis, -1)
        n = data.shape[-1]
        index = np.zeros(data.shape, np.int64)
        if n:
            run = accumulate(data, axis=-1)
            record = np.ones(data.shape, bool)
            later = data[..., 1:]
            record[..., 1:] = beats(later, run[..., :-1]) | (later != later)  # or NaN
            index = np.maximum.accumulate(np.where(record, np.arange(n), 0), axis=-1)
        index = np.ascontiguousarray(np.moveaxis(index, -1, axis))
        values = cls.apply(x, index, axis)
        if zd:
            values, index = values.reshape(()), index.reshape(())
        return result(values, _const(index))

    fn.__name__ = name
    fn.__doc__ = (f"{name}(input, dim) -> (values, indices): the running {name[3:]} along "
                  "dim and the (last) index where it was taken.")
    return fn


cummax = _cum_extreme("cummax", Cummax, np.maximum.accumulate, np.greater_equal)
cummin = _cum_extreme("cummin", Cummin, np.minimum.accumulate, np.less_equal)


# ------------------------------------------------------------------------------ logcumsumexp
@register("logcumsumexp")
class Logcumsumexp(Function):
    """out_i = log sum_{j <= i} exp(x_j);  grad_x_j = sum_{i >= j} grad_i exp(x_j - out_i),
    computed in log space for the positive and negative parts of grad separately."""

    __slots__ = ("axis",)

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = np.logaddexp.accumulate(x, axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        g = _raw(grad)
        lowest = np.finfo(g.dtype).min
        parts = []
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            log_abs = np.log(np.abs(grad))
            for mask in (g > 0, g < 0):
                logs = where(mask, log_abs, lowest) if isinstance(grad, Tensor) else np.where(
                    mask, log_abs, lowest)
                rev = _flip(_logcumsumexp(_flip(logs - out, axis), axis), axis)
                parts.append(np.exp(rev + x))
        # exp(x) = 0 at x = -inf: a zero gradient there (torch's formula gives inf - inf = NaN)
        return np.where(_raw(x) == -np.inf, 0.0, parts[0] - parts[1]), None


def _logcumsumexp(a, axis):
    return Logcumsumexp.apply(a, axis) if isinstance(a, Tensor) else np.logaddexp.accumulate(
        a, axis)


def logcumsumexp(input, dim):
    x, axis, zd = _scan_input(input, dim, "logcumsumexp")
    if x.dtype.kind != "f":
        raise RuntimeError(f"logcumsumexp: input dtype should be floating point, got {x.dtype}")
    out = Logcumsumexp.apply(x, axis)
    return out.reshape(()) if zd else out


# ------------------------------------------------------------------------------ diff
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """out = x[1:] - x[:-1] along dim, n times, after joining prepend and append to x."""
    x = as_tensor(input)
    if x.ndim == 0:
        raise RuntimeError("diff: expected at least a 1-D input, got a 0-d tensor")
    axis = _one_dim(dim, x.ndim, "diff")
    if prepend is not None or append is not None:
        from . import TORCH_FUNCTIONS  # cat, installed by ops/__init__.py

        parts = [as_tensor(p) for p in (prepend, x, append) if p is not None]
        parts = [p.expand(*(x.shape[:axis] + (1,) + x.shape[axis + 1:])) if p.ndim == 0
                 else p for p in parts]
        x = TORCH_FUNCTIONS["cat"](parts, axis)
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative, got {n}")
    lead = (slice(None),) * axis
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        after, before = x[lead + (slice(1, None),)], x[lead + (slice(None, -1),)]
        x = after != before if x.dtype == bool else after - before  # bool: xor, as torch
    return x


def cumsum_(self, dim, *, dtype=None):
    """x.cumsum_(dim): the running sum written into x (recorded on the graph)."""
    dtype = self.dtype if dtype is None else dtype  # keeps x's dtype (uint8 wraps), as torch
    return inplace.run(self, "cumsum_", cumsum, (dim,), {"dtype": dtype})


def cumprod_(self, dim, *, dtype=None):
    """x.cumprod_(dim): the running product written into x (recorded on the graph)."""
    dtype = self.dtype if dtype is None else dtype
    return inplace.run(self, "cumprod_", cumprod, (dim,), {"dtype": dtype})


_SCANS = {
    "cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin,
    "logcumsumexp": logcumsumexp, "diff": diff,
}
TENSOR_METHODS = {**_SCANS, "cumsum_": cumsum_, "cumprod_": cumprod_}
TORCH_FUNCTIONS = dict(_SCANS)
FUNCTIONAL = {}
