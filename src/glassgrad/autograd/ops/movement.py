"""Movement ops: they move or select elements, never change values (the rest join here).

Ops whose result may be a numpy view of their input set ``is_view = True``: the result
then shares its input's version counter, so an in-place change through either is caught.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor


def _shape_arg(shape, op):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be ints, got {shape!r}") from None


@register("reshape")
class Reshape(Function):
    """out = x viewed with a new shape; grad is reshaped back."""

    __slots__ = ("shape",)
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"reshape: shape {shape} is invalid for input of shape "
                               f"{x.shape} ({x.size} elements)") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


@register("expand")
class Expand(Function):
    """out = x broadcast to ``shape`` (a read-only view); grad is summed back to x's shape."""

    __slots__ = ()
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand: cannot expand shape {x.shape} to {shape}") from None

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the driver's sum_to sums it back to the input's shape


def reshape(input, *shape):
    x = as_tensor(input)
    shape = _shape_arg(shape, "reshape")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


def expand(input, *sizes):
    x = as_tensor(input)
    sizes = _shape_arg(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {sizes} must be at least the number "
                           f"of dims of the tensor {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    if shape == x.shape:
        return x
    return Expand.apply(x, shape)


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


TENSOR_METHODS = {"reshape": reshape, "view": reshape, "expand": expand}
TORCH_FUNCTIONS = {"reshape": reshape, "broadcast_to": broadcast_to}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.reshape: lambda a, newshape=None, shape=None: reshape(
    a, shape if shape is not None else newshape), np.broadcast_to: broadcast_to}
