"""Reordering ops: the same elements in another order.

    dims       transpose/swapaxes, permute, movedim (and .T, .mT, t)
    reverse    flip, fliplr, flipud, rot90 (a flip and a transpose)
    wrap       roll (a copy whose backward rolls back)

transpose and permute return views (``is_view``); flip and roll copy, as in torch.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._util import normalize_dim
from .movement import _dim, _shape_arg, flatten, reshape


# ------------------------------------------------------------------------------ ops
@register("transpose")
class Transpose(Function):
    """out = x with dims dim0 and dim1 swapped; grad is swapped back."""

    __slots__ = ("dim0", "dim1")
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return np.swapaxes(grad, ctx.dim0, ctx.dim1), None, None


@register("permute")
class Permute(Function):
    """out = x with its dims reordered: out.shape[i] = x.shape[dims[i]]; grad gets the
    inverse order."""

    __slots__ = ("dims",)
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, tuple(np.argsort(ctx.dims).tolist())), None


@register("flip")
class Flip(Function):
    """out = x reversed along ``dims`` (a copy, as in torch); grad is flipped back."""

    __slots__ = ("dims",)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return np.flip(grad, ctx.dims), None



def transpose(input, dim0, dim1):
    x = as_tensor(input)
    d0, d1 = _dim(dim0, x.ndim, "transpose"), _dim(dim1, x.ndim, "transpose")
    return Transpose.apply(x, d0, d1) if x.ndim else Permute.apply(x, ())


def permute(input, *args, dims=None):
    """Reorder the dims: x.permute(2, 0, 1), x.permute((2, 0, 1)) or x.permute(dims=...)."""
    x = as_tensor(input)
    dims = _shape_arg(args if dims is None else (dims,), "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: the tensor of shape {x.shape} has {x.ndim} dims but the "
                           f"order {dims} has {len(dims)}")
    axes = tuple(_dim(d, x.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: the order {dims} repeats a dim")
    return Permute.apply(x, axes)


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or tuples); the others keep
    their order."""
    x = as_tensor(input)
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {source} and destination {destination} must "
                           "have the same number of dims")
    src = [_dim(d, x.ndim, "movedim") for d in src]
    dst = [_dim(d, x.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination "
                           f"{destination}")
    order = [k for k in range(x.ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(x, tuple(order[:x.ndim]))


def _np_transpose(a, axes=None):
    x = as_tensor(a)
    return permute(x, tuple(range(x.ndim))[::-1] if axes is None else axes)


def _moveaxis(a, source, destination):
    return movedim(a, source, destination)


def t(input):
    """Transpose a tensor of at most 2 dims (0-d and 1-d come back as they are)."""
    x = as_tensor(input)
    if x.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dims, got shape {x.shape}; use "
                           "transpose(dim0, dim1) or .mT")
    return x if x.ndim < 2 else Transpose.apply(x, 0, 1)


def _T(self):  # noqa: N802
    """All dims reversed (the transpose for 2 dims), as torch's .T."""
    return Permute.apply(self, tuple(range(self.ndim))[::-1])


def _mT(self):  # noqa: N802
    """The last two dims swapped: a batch of matrices transposed."""
    if self.ndim < 2:
        raise RuntimeError(f"mT: needs a tensor of at least 2 dims, got shape {self.shape}")
    return Transpose.apply(self, self.ndim - 2, self.ndim - 1)


def adjoint(input):
    """The conjugate transpose of the last two dims: for real tensors, .mT (a view)."""
    return _mT(as_tensor(input))


def flip(input, *args, dims=None):
    """Reverse the order along dims: x.flip(0, 1), x.flip((0, 1)) or torch.flip(x, dims)."""
    x = as_tensor(input)
    dims = args if dims is None else (dims,)
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = tuple(dims[0])
    dims = normalize_dim(dims, x.ndim, "flip")
    return Flip.apply(x, dims if x.ndim else ())


def _np_flip(m, axis=None):
    x = as_tensor(m)
    return flip(x, tuple(range(x.ndim)) if axis is None else axis)


def fliplr(input):
    """Reverse dim 1 (left-right); needs at least 2 dims."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {x.shape}")
    return Flip.apply(x, (1,))


def flipud(input):
    """Reverse dim 0 (up-down); needs at least 1 dim."""
    x = as_tensor(input)
    if x.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got shape {x.shape}")
    return Flip.apply(x, (0,))


@register("roll")
class Roll(Function):
    """out = x shifted cyclically by ``shifts`` along ``dims``; grad is rolled back."""

    __slots__ = ("shifts", "dims")

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, dims) if dims else x.copy()

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts)
        if isinstance(grad, Tensor):
            return Roll.apply(grad, back, ctx.dims), None, None
        return (np.roll(grad, back, ctx.dims) if ctx.dims else grad), None, None


def _ints(v, op, what):
    if isinstance(v, numbers.Integral):
        return (int(v),)
    if isinstance(v, Tensor):
        v = v.tolist()
        if isinstance(v, int):  # a 0-d tensor
            return (v,)
    try:
        return tuple(int(s) for s in v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a tuple of ints, got {v!r}") from None


def swapaxes(input, axis0, axis1):
    """transpose under numpy's argument names (torch.swapaxes)."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    return transpose(input, dim0, dim1)


def roll(input, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims``; without dims, the flattened
    tensor is rolled and given its shape back."""
    x = as_tensor(input)
    shifts = _ints(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be a single int, got {shifts}")
        if x.ndim == 0:
            return Roll.apply(x, (), ())
        return reshape(Roll.apply(flatten(x), shifts, (0,)), x.shape)
    dims = _ints(dims, "roll", "dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(_dim(d, x.ndim, "roll") for d in dims)
    return Roll.apply(x, shifts if x.ndim else (), axes if x.ndim else ())


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of ``dims``, from dims[0] towards dims[1]:
    a flip and a transpose (a view of the flipped copy)."""
    x = as_tensor(input)
    dims = _ints(dims, "rot90", "dims")
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected 2 dims, got {len(dims)} ({dims})")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected a tensor of at least 2 dims, got shape {x.shape}")
    d0, d1 = (_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: the two dims must differ, got {dims}")
    k = int(k) % 4
    if k == 1:
        return Transpose.apply(Flip.apply(x, (d1,)), d0, d1)
    if k == 2:
        return Flip.apply(x, tuple(sorted((d0, d1))))
    if k == 3:
        return Transpose.apply(Flip.apply(x, (d0,)), d0, d1)
    return Flip.apply(x, ())  # a copy, as torch's k = 0


TENSOR_METHODS = {
    "transpose": transpose, "swapaxes": swapaxes, "swapdims": swapdims, "permute": permute,
    "movedim": movedim, "moveaxis": movedim, "t": t, "T": property(_T), "mT": property(_mT),
    "mH": property(_mT), "adjoint": adjoint,
    "flip": flip, "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90,
}
TORCH_FUNCTIONS = {
    "transpose": transpose, "swapaxes": swapaxes, "swapdims": swapdims, "permute": permute,
    "movedim": movedim, "moveaxis": movedim, "t": t, "flip": flip, "fliplr": fliplr,
    "flipud": flipud, "roll": roll, "rot90": rot90, "adjoint": adjoint,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {
    np.transpose: _np_transpose,
    np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
    np.moveaxis: _moveaxis, np.flip: _np_flip,
    np.roll: lambda a, shift, axis=None: roll(a, shift, axis),
}
