"""Linear algebra: ``matmul`` (the ``@`` operator) and the fused ``linear`` layer op.

matmul follows torch's (and numpy's) rank rules:

- 1-D @ 1-D is the dot product, a 0-d result;
- a 1-D left operand is a row (1, n), a 1-D right operand a column (n, 1); the added dim is
  removed from the result;
- operands of 3 or more dims are stacks of matrices whose batch dims broadcast.

Backward, with 1-D operands promoted:  dx = grad @ yᵀ,  dy = xᵀ @ grad. The driver sums
batch dims that broadcasting added back to each input's shape.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import numpy_dispatch
from .elementwise import mul, promote


def _mT(a):  # noqa: N802  (torch's name)
    """Swap the last two axes, of an ndarray or (under create_graph) of a Tensor."""
    return a.swapaxes(-1, -2)


def _check_matmul(xs, ys, op="matmul"):
    """Raise torch-style errors, naming both shapes, for operands matmul cannot multiply."""
    if not xs or not ys:
        raise RuntimeError(f"{op}: both arguments need to be at least 1-D, got shapes {xs} "
                           f"and {ys}")
    k = ys[-2] if len(ys) >= 2 else ys[0]
    if xs[-1] != k:
        raise RuntimeError(f"{op}: shapes {xs} and {ys} do not align ({xs[-1]} != {k})")
    if len(xs) > 2 or len(ys) > 2:
        try:
            np.broadcast_shapes(xs[:-2], ys[:-2])
        except ValueError:
            raise RuntimeError(f"{op}: batch dims {xs[:-2]} and {ys[:-2]} of shapes {xs} and "
                               f"{ys} do not broadcast") from None


def _right(y):
    """``y`` as the right operand of a stack of products: numpy multiplies stacks (3 or more
    dims) about twice as slowly when the right matrices are transposed views (their last
    axis not contiguous), so those are copied first. 2-D products go straight to BLAS."""
    if type(y) is np.ndarray and y.ndim > 2 and y.strides[-1] != y.itemsize and y.size:
        return np.ascontiguousarray(y)
    return y


@register("matmul")
class Matmul(Function):
    """out = x @ y.  dx = grad @ yᵀ,  dy = xᵀ @ grad  (1-D operands promoted as in forward)."""

    __slots__ = ("xs", "ys")

    @staticmethod
    def forward(ctx, x, y):
        _check_matmul(x.shape, y.shape)
        nx, ny = ctx.needs_input_grad  # dx reads only y, dy only x: save just those
        ctx.save_for_backward(x if ny else None, y if nx else None)
        ctx.xs, ctx.ys = x.shape, y.shape
        return np.matmul(x, _right(y))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad
        xs, ys = ctx.xs, ctx.ys
        gx = gy = None
        if len(xs) == 1 and len(ys) == 1:  # dot product, grad is 0-d
            return (grad * y if nx else None), (grad * x if ny else None)
        if len(xs) == 1:  # out = (y-batch..., m); x acts as a row (1, n)
            n, m = xs[0], grad.shape[-1]
            if nx:  # dx_k = sum over batch and j of y[..., k, j] grad[..., j]
                gx = (y @ grad.reshape(*grad.shape, 1)).reshape(*grad.shape[:-1], n)
            if ny:  # dy = x (as a column) times grad (as a row)
                gy = x.reshape(n, 1) @ grad.reshape(*grad.shape[:-1], 1, m)
        elif len(ys) == 1:  # out = (x-batch..., r); y acts as a column (n, 1)
            n, r = ys[0], grad.shape[-1]
            if nx:
                gx = grad.reshape(*grad.shape, 1) @ y.reshape(1, n)
            if ny:  # dy_k = sum over batch and i of grad[..., i] x[..., i, k]
                gy = (grad.reshape(*grad.shape[:-1], 1, r) @ x).reshape(*grad.shape[:-1], n)
        else:
            gx = grad @ _right(_mT(y)) if nx else None
            gy = _mT(x) @ _right(grad) if ny else None
        return gx, gy


@register("linear")
class Linear(Function):
    """out = x @ wᵀ + b, with x (*, in), w (out, in), b (out,).

    dx = grad @ w,   dw = gradᵀ @ x (the leading dims of x and grad flattened into one),
    db = grad summed over the leading dims: ones @ grad (one matrix-vector product) for an
    (out,) bias, otherwise by the driver.
    """

    __slots__ = ("xs", "ws", "bs")

    @staticmethod
    def forward(ctx, x, w, b):
        nx, nw, _ = ctx.needs_input_grad  # dx reads only w, dw only x: save just those
        ctx.save_for_backward(x if nw else None, w if nx else None)
        ctx.xs, ctx.ws, ctx.bs = x.shape, w.shape, None if b is None else b.shape
        fan_out, fan_in = w.shape
        out = (x.reshape(-1, fan_in) @ w.T).reshape(*x.shape[:-1], fan_out)  # one 2-D product
        if b is not None:
            if np.result_type(out, b) == out.dtype:
                out += b  # the product is a fresh array: add the bias in place
            else:
                out = out + b
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        fan_out, fan_in = ctx.ws
        g2 = grad.reshape(-1, fan_out)
        gx = (g2 @ w).reshape(ctx.xs) if nx else None
        gw = _mT(g2) @ x.reshape(-1, fan_in) if nw else None
        gb = grad if nb else None
        if nb and ctx.bs == (fan_out,) and type(g2) is np.ndarray and g2.dtype.kind == "f":
            gb = np.ones(g2.shape[0], dtype=g2.dtype) @ g2
        return gx, gw, gb


# ------------------------------------------------------------------------------ functions
def matmul(input, other):
    """Matrix product with torch's rank rules (see the module docstring)."""
    return Matmul.apply(*promote(input, other))  # an integer operand takes the float's dtype


def _rmatmul(input, other):
    x, y = promote(input, other)
    return Matmul.apply(y, x)


def _require_ndim(op, ndims, *tensors):
    shapes = [tuple(t.shape) for t in tensors]
    if any(len(s) != n for s, n in zip(shapes, ndims)):
        want = " and ".join(f"{n}-D" for n in ndims)
        got = " and ".join(str(s) for s in shapes)
        raise RuntimeError(f"{op}: expected {want} tensors, got shapes {got}")


def mm(input, mat2):
    """(n, k) @ (k, m), 2-D only."""
    x, y = promote(as_tensor(input), as_tensor(mat2))  # as matmul
    _require_ndim("mm", (2, 2), x, y)
    _check_matmul(x.shape, y.shape, "mm")
    return Matmul.apply(x, y)


def bmm(input, mat2):
    """(b, n, k) @ (b, k, m), 3-D with equal batch sizes (no broadcasting)."""
    x, y = promote(as_tensor(input), as_tensor(mat2))  # as matmul
    _require_ndim("bmm", (3, 3), x, y)
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(f"bmm: batch sizes of shapes {x.shape} and {y.shape} differ "
                           f"({x.shape[0]} != {y.shape[0]})")
    _check_matmul(x.shape, y.shape, "bmm")
    return Matmul.apply(x, y)


def mv(input, vec):
    """(n, m) @ (m,)."""
    x, y = promote(as_tensor(input), as_tensor(vec))  # as matmul
    _require_ndim("mv", (2, 1), x, y)
    _check_matmul(x.shape, y.shape, "mv")
    return Matmul.apply(x, y)


def dot(input, tensor):
    """Inner product of two 1-D tensors of the same length, a 0-d tensor."""
    x, y = promote(as_tensor(input), as_tensor(tensor))  # as matmul
    _require_ndim("dot", (1, 1), x, y)
    if x.shape != y.shape:
        raise RuntimeError(f"dot: 1-D tensors of shapes {x.shape} and {y.shape} differ in "
                           f"length ({x.shape[0]} != {y.shape[0]})")
    return Matmul.apply(x, y)


def outer(input, vec2):
    """out[i, j] = x[i] * y[j], for 1-D x and y."""
    x, y = as_tensor(input), as_tensor(vec2)
    _require_ndim("outer", (1, 1), x, y)
    return mul(x.reshape(-1, 1), y.reshape(1, -1))


def linear(input, weight, bias=None):
    """out = input @ weightᵀ + bias, with input (*, in), weight (out, in), bias (out,)."""
    x, w = as_tensor(input), as_tensor(weight)
    b = None if bias is None else as_tensor(bias)
    if w.ndim == 1:  # torch allows a 1-D weight: out has input's leading dims only
        out = matmul(x, w)
        return out if b is None else out + b
    if w.ndim != 2 or x.ndim == 0:
        raise RuntimeError(f"linear: expected input of shape (*, in) and weight (out, in), got "
                           f"input {x.shape} and weight {w.shape}")
    if x.shape[-1] != w.shape[1]:
        raise RuntimeError(f"linear: input of shape {x.shape} has {x.shape[-1]} features but "
                           f"weight of shape {w.shape} expects {w.shape[1]}")
    if b is not None and not (b.ndim == 1 and b.shape[0] == w.shape[0]):  # (out,): fine
        out_shape = (*x.shape[:-1], w.shape[0])
        try:
            ok = np.broadcast_shapes(out_shape, b.shape) == out_shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"linear: bias of shape {b.shape} does not broadcast to the "
                               f"output shape {out_shape}")
    return Linear.apply(x, w, b)


def _np_dot(a, b, out=None):
    ndims = [t.ndim if isinstance(t, Tensor) else np.asarray(t).ndim for t in (a, b)]
    if out is not None or not all(1 <= n <= 2 for n in ndims):
        raise TypeError("numpy.dot on glassgrad Tensors supports 1-D and 2-D operands only; "
                        "use matmul")
    return matmul(a, b) if isinstance(a, Tensor) else _rmatmul(b, a)


numpy_dispatch.register_ufunc(np.matmul, matmul)  # ndarray @ Tensor, np.matmul in backward

TENSOR_METHODS = {
    "__matmul__": matmul, "__rmatmul__": _rmatmul, "matmul": matmul, "mm": mm, "bmm": bmm,
    "mv": mv, "dot": dot, "outer": outer, "ger": outer,
}
TORCH_FUNCTIONS = {"matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer,
                   "ger": outer}
FUNCTIONAL = {"linear": linear}
NUMPY_FUNCTIONS = {np.dot: _np_dot, np.outer: outer}
