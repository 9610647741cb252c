"""Joining and splitting: cat, stack and their numpy-style forms (hstack, vstack, dstack,
column_stack), and the pieces of a tensor (select, split, tensor_split, chunk, unbind,
narrow, unflatten), each a view of it.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .indexing import GetItem
from .movement import _dim, _dim_of, _promote, _shape_arg, flatten, reshape


# ------------------------------------------------------------------------------ ops
@register("cat")
class Cat(Function):
    """out = x_1, ..., x_n joined along ``dim``; each input's grad is its slice of grad."""

    __slots__ = ("dim", "bounds")

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [x.shape[dim] for x in xs]).tolist()
        return np.concatenate(xs, axis=dim, dtype=_promote([x.dtype for x in xs]))

    @staticmethod
    def backward(ctx, grad):
        lead, b = (slice(None),) * ctx.dim, ctx.bounds
        return (None, *(grad[(*lead, slice(b[i], b[i + 1]))] if need else None
                        for i, need in enumerate(ctx.needs_input_grad[1:])))


@register("stack")
class Stack(Function):
    """out = x_1, ..., x_n joined along a new dim ``dim``; input i's grad is grad[..., i]."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim, dtype=_promote([x.dtype for x in xs]))

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        return (None, *(grad[(*lead, i)] if need else None
                        for i, need in enumerate(ctx.needs_input_grad[1:])))


# ------------------------------------------------------------------------------ functions
def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of tensors")
    return [as_tensor(x) for x in tensors]


def cat(tensors, dim=0):
    """Join tensors along an existing dim; their other dims must match."""
    xs = _tensor_list(tensors, "cat")
    first = xs[0]
    for k, x in enumerate(xs):
        if x.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {k}) cannot be "
                               "concatenated; use stack")
    d = _dim(dim, first.ndim, "cat")
    for x in xs[1:]:
        if x.ndim != first.ndim:
            raise RuntimeError(f"cat: tensors must have the same number of dims; got "
                               f"{first.shape} and {x.shape}")
        if any(
                a != b for k, (a, b) in enumerate(zip(x.shape, first.shape)) if k != d):
            raise RuntimeError(f"cat: tensors must have the same shape except in dim {d}; "
                               f"got {first.shape} and {x.shape}")
    return Cat.apply(d, *xs)


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dim ``dim``."""
    xs = _tensor_list(tensors, "stack")
    first = xs[0]
    for k, x in enumerate(xs):
        if x.shape != first.shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got "
                               f"{first.shape} at entry 0 and {x.shape} at entry {k}")
    return Stack.apply(_dim(dim, first.ndim, "stack", new=True), *xs)


def _np_concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    if out is not None or dtype is not None:
        raise TypeError("numpy.concatenate on Tensors: out= and dtype= are not supported")
    xs = [as_tensor(a) for a in arrays]
    if axis is None:
        return cat([flatten(x) for x in xs], 0)
    return cat(xs, axis)


def _np_stack(arrays, axis=0, out=None, dtype=None, casting=None):
    if out is not None or dtype is not None:
        raise TypeError("numpy.stack on Tensors: out= and dtype= are not supported")
    return stack(list(arrays), axis)


def _slice_dim(x, d, start, stop):
    return x[(slice(None),) * d + (slice(start, stop),)]


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given
    section sizes, which must add up to the dim's size. Each piece is a view."""
    x = as_tensor(tensor)
    d = _dim_of(x, dim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n > 0):
            raise RuntimeError(f"split: split_size must be positive for dim {d} of size {n}, "
                               f"got {size}")
        sizes = [min(size, n - a) for a in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split sizes {sizes} must be non-negative and sum to "
                               f"{n}, the size of dim {d} of the tensor {x.shape}")
    bounds = np.cumsum([0, *sizes]).tolist()
    return tuple(_slice_dim(x, d, a, b) for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):
    """Split into pieces of ceil(n / chunks) along ``dim``: the last may be smaller, and
    there may be fewer than ``chunks`` of them (torch's rule)."""
    x = as_tensor(input)
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be greater than 0, got {chunks}")
    d = _dim_of(x, dim, "chunk")
    n = x.shape[d]
    if n == 0:
        return split(x, [0] * chunks, d)
    return split(x, -(-n // chunks), d)


def unbind(input, dim=0):
    """The slices along ``dim``, each without that dim."""
    x = as_tensor(input)
    d = _dim_of(x, dim, "unbind")
    lead = (slice(None),) * d
    return tuple(x[(*lead, i)] for i in range(x.shape[d]))


def narrow(input, dim, start, length):
    """x[..., start:start + length, ...] along ``dim``, a view."""
    x = as_tensor(input)
    d = _dim_of(x, dim, "narrow")
    n, start, length = x.shape[d], int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {d} with size {n}")
    start %= n if n else 1
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size "
                           f"{n} of dim {d}")
    return _slice_dim(x, d, start, start + length)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(unbind(self, 0))


@register("select")
class Select(GetItem):
    """out = x[..., index, ...] along ``dim``, without that dim: a view of x (getitem with
    one int, under torch's name)."""

    __slots__ = ()


def select(input, dim, index):
    x = as_tensor(input)
    d = _dim_of(x, dim, "select")
    n, i = x.shape[d], int(index)
    if not -n <= i < n:
        raise IndexError(f"select: index {i} is out of range for dim {d} with size {n}")
    return Select.apply(x, (slice(None),) * d + (i % n, Ellipsis))


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1): a view where possible."""
    x = as_tensor(input)
    d = _dim_of(x, dim, "unflatten")
    sizes = _shape_arg((sizes,), "unflatten")
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (sizes.count(-1) == 0 and known != x.shape[d]) or (
            sizes.count(-1) == 1 and (known == 0 or x.shape[d] % known)):
        raise RuntimeError(f"unflatten: sizes {sizes} don't multiply up to the size "
                           f"{x.shape[d]} of dim {d} of the tensor {x.shape}")
    sizes = tuple(x.shape[d] // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def tensor_split(input, indices_or_sections=None, dim=0, *, indices=None, sections=None):
    """Views of x along ``dim``: ``sections`` pieces whose sizes differ by at most one (the
    first ones larger), or the pieces between the given indices (clipped, like slices)."""
    given = [a for a in (indices_or_sections, indices, sections) if a is not None]
    if len(given) != 1:
        raise TypeError("tensor_split: give one of indices_or_sections, indices or sections")
    indices_or_sections = given[0]
    x = as_tensor(input)
    d = _dim_of(x, dim, "tensor_split")
    n, arg = x.shape[d], indices_or_sections
    if isinstance(arg, Tensor):
        if arg.dtype.kind not in "iu" or arg.ndim > 1:
            raise RuntimeError(f"tensor_split: indices_or_sections must be a 0-d or 1-D int "
                               f"tensor, got dtype {arg.dtype} and shape {arg.shape}")
        arg = int(arg.item()) if arg.ndim == 0 else [int(i) for i in arg.tolist()]
    if isinstance(arg, numbers.Integral):
        k = int(arg)
        if k <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got "
                               f"{k}")
        q, r = divmod(n, k)
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (k - r)).tolist()
    else:
        bounds = [0, *(int(i) for i in arg), n]
    bounds = [min(max(b if b >= 0 else b + n, 0), n) for b in bounds]
    return tuple(_slice_dim(x, d, a, max(a, b)) for a, b in zip(bounds[:-1], bounds[1:]))


def _tensors(tensors, op):
    """atleast_*(x), atleast_*(x, y) and atleast_*([x, y]): the tensors, and whether a
    tuple comes back."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return [as_tensor(x) for x in tensors[0]], True
    if not tensors:
        raise TypeError(f"{op}: expected at least one tensor")
    return [as_tensor(x) for x in tensors], len(tensors) > 1


def _atleast(shape_of, op):
    def fn(*tensors):
        xs, many = _tensors(tensors, op)
        out = tuple(x if shape_of(x.shape) == x.shape else reshape(x, shape_of(x.shape))
                    for x in xs)
        return out if many else out[0]

    fn.__name__ = op
    fn.__doc__ = f"torch.{op}: each tensor with enough leading (or trailing) size-1 dims."
    return fn


atleast_1d = _atleast(lambda s: s or (1,), "atleast_1d")
atleast_2d = _atleast(lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else s, "atleast_2d")
atleast_3d = _atleast(lambda s: {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}.get(len(s), s),
                      "atleast_3d")


def hstack(tensors):
    """cat along dim 1, or along dim 0 when every tensor is 1-D (0-d ones become 1-D)."""
    xs = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(xs, 0 if all(x.ndim == 1 for x in xs) else 1)


def vstack(tensors):
    """cat along dim 0 of the tensors made at least 2-D (a 1-D tensor becomes a row)."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0)


def dstack(tensors):
    """cat along dim 2 of the tensors made at least 3-D."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack")), 2)


def column_stack(tensors):
    """cat along dim 1, with 0-d and 1-D tensors made columns of shape (n, 1)."""
    xs = _tensor_list(tensors, "column_stack")
    return cat([reshape(x, (x.numel(), 1)) if x.ndim < 2 else x for x in xs], 1)


def _split_along(name, dim, min_ndim):
    """torch.hsplit / vsplit / dsplit: tensor_split along one dim, and an int must divide
    that dim's size evenly."""

    def fn(input, indices_or_sections=None, *, sections=None, indices=None):
        given = [a for a in (indices_or_sections, sections, indices) if a is not None]
        if len(given) != 1:
            raise TypeError(f"{name}: give one of indices_or_sections, sections or indices")
        indices_or_sections = given[0]
        x = as_tensor(input)
        if x.ndim < min_ndim:
            raise RuntimeError(f"{name} requires a tensor with at least {min_ndim} dimension, "
                               f"but got a tensor with {x.ndim} dimensions!")
        d = 0 if (name == "hsplit" and x.ndim == 1) else dim
        if isinstance(indices_or_sections, numbers.Integral):
            k, n = int(indices_or_sections), x.shape[d]
            if k <= 0 or n % k:
                raise RuntimeError(f"{name} attempted to split along dimension {d}, but the "
                                   f"size of the dimension {n} is not divisible by the "
                                   f"split_size {k}!")
        return tensor_split(x, indices_or_sections, d)

    fn.__name__ = name
    return fn


hsplit = _split_along("hsplit", 1, 1)
vsplit = _split_along("vsplit", 0, 2)
dsplit = _split_along("dsplit", 2, 3)


def _split_method(self, split_size, dim=0):
    """x.split(split_size, dim): torch's method names its first argument split_size."""
    return split(self, split_size, dim)


TENSOR_METHODS = {
    "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "split": _split_method,
    "select": select, "unflatten": unflatten, "chunk": chunk,
    "unbind": unbind, "narrow": narrow, "tensor_split": tensor_split, "__iter__": _iter,
}
TORCH_FUNCTIONS = {
    "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit,
    "cat": cat, "concat": cat, "concatenate": cat, "stack": stack, "select": select,
    "unflatten": unflatten, "split": split, "chunk": chunk, "unbind": unbind,
    "narrow": narrow, "tensor_split": tensor_split, "atleast_1d": atleast_1d,
    "atleast_2d": atleast_2d, "atleast_3d": atleast_3d, "hstack": hstack, "vstack": vstack,
    "row_stack": vstack, "dstack": dstack, "column_stack": column_stack,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.concatenate: _np_concatenate, np.stack: _np_stack}
