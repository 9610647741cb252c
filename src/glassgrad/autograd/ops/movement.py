"""Movement ops: they move, select or copy elements, never change values.

    shape      reshape/view, flatten, squeeze, unsqueeze, expand, repeat
    order      transpose, permute (and .T, .mT, movedim, t), flip
    join       cat, stack; split, chunk, unbind and narrow are one getitem per piece
    copy       clone (pad is in padding.py)

Indexing (getitem, index, the index_put scatter and x[index] = value) is in indexing.py.

Ops whose result may be a numpy view of their input set ``is_view = True``: the result
then shares its input's version counter, so an in-place change through either is caught.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from ._util import normalize_dim
from .indexing import GetItem


def _shape_arg(shape, op):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be ints, got {shape!r}") from None


def _dim(dim, ndim, op, new=False):
    """One dim (negatives allowed) as an axis in range(ndim), or in range(ndim + 1) when it
    names a ``new`` dim (unsqueeze, stack). 0-d tensors accept 0 and -1."""
    n, d = max(ndim + new, 1), int(dim)
    if not -n <= d < n:
        raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims "
                         f"(expected {-n} to {n - 1})")
    return d % n


def _dim_of(x, dim, op):
    """The axis ``dim`` names in x, for ops that need x to have at least one dim."""
    if x.ndim == 0:
        raise RuntimeError(f"{op}: expects a tensor with at least 1 dim, got a 0-d tensor")
    return _dim(dim, x.ndim, op)


def _promote(dtypes):
    """torch's promotion for tensors: any float wins over ints (float32 + int64 -> float32)."""
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*(floats or dtypes))


# ------------------------------------------------------------------------------ shape
class _Reshaping(Function):
    """out = x with a new shape (same elements, same order); grad is reshaped back."""

    __slots__ = ("shape",)
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


@register("reshape")
class Reshape(_Reshaping):
    __slots__ = ()

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"reshape: shape {shape} is invalid for input of shape "
                               f"{x.shape} ({x.size} elements)") from None


@register("flatten")
class Flatten(_Reshaping):
    """out = x with dims start_dim..end_dim merged into one."""

    __slots__ = ()


@register("squeeze")
class Squeeze(_Reshaping):
    """out = x without (some of) its size-1 dims."""

    __slots__ = ()


@register("unsqueeze")
class Unsqueeze(_Reshaping):
    """out = x with new size-1 dims."""

    __slots__ = ()


@register("expand")
class Expand(Function):
    """out = x broadcast to ``shape`` (a read-only view); grad is summed back to x's shape."""

    __slots__ = ()
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        try:
            out = np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand: cannot expand shape {x.shape} to {shape}") from None
        if x.flags.writeable:  # torch's expanded views are writable where nothing overlaps
            out = np.lib.stride_tricks.as_strided(x, out.shape, out.strides, writeable=True)
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, None  # the driver's sum_to sums it back to the input's shape


@register("repeat")
class Repeat(Function):
    """out = x tiled ``sizes`` times along each dim (x gets leading 1s if sizes is longer).

    Seen as shape (s0, n0, s1, n1, ...), out is x broadcast over the s axes, so grad is
    summed over them.
    """

    __slots__ = ("shape", "sizes")

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.shape, ctx.sizes = x.shape, sizes
        return np.tile(x.reshape((1,) * (len(sizes) - x.ndim) + x.shape), sizes)

    @staticmethod
    def backward(ctx, grad):
        sizes = ctx.sizes
        padded = (1,) * (len(sizes) - len(ctx.shape)) + ctx.shape
        split = tuple(v for s, n in zip(sizes, padded) for v in (s, n))
        g = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.shape), None


# ------------------------------------------------------------------------------ order
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


@register("clone")
class Clone(Function):
    """out = a C-contiguous copy of x; grad passes through."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return np.array(x, order="C", copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad


# ------------------------------------------------------------------------------ join
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
def reshape(input, *shape):
    x = as_tensor(input)
    shape = _shape_arg(shape, "reshape")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


@register("view")
class View(_Reshaping):
    """out = x with a new shape, sharing x's memory; never a copy."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            if math.prod(s for s in shape if s != -1) and x.size != math.prod(shape):
                raise RuntimeError(f"view: shape {shape} is invalid for input of shape "
                                   f"{x.shape} ({x.size} elements)") from None
            strides = tuple(st // x.itemsize for st in x.strides)
            raise RuntimeError(f"view: size {shape} is not compatible with the input's shape "
                               f"{x.shape} and stride {strides} (at least one dim spans "
                               "across two contiguous subspaces); use .reshape(...) "
                               "instead") from None


def view(input, *shape):
    """The same memory seen with another shape. Raises where the strides don't allow it
    (e.g. after transpose), as torch does; ``reshape`` copies in that case."""
    x = as_tensor(input)
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, numbers.Integral)):
        raise NotImplementedError(f"view: reinterpreting the dtype ({shape[0]!r}) is not "
                                  "supported; use .to(dtype), which converts the values")
    shape = _shape_arg(shape, "view")
    if sum(s == -1 for s in shape) > 1:
        raise RuntimeError(f"view: only one dimension can be inferred, got {shape}")
    return View.apply(x, shape)


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


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


@register("diagonal")
class Diagonal(Function):
    """out = the diagonal of x's dims (dim1, dim2) at ``offset``, as the last dim; a
    writable view of x, as in torch. grad is put back on that diagonal."""

    __slots__ = ("shape", "args")
    is_view = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return _diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        from .indexing import _index_put

        offset, d1, d2 = ctx.args
        n = grad.shape[-1]
        key = [slice(None)] * len(ctx.shape)
        key[d1] = np.arange(n) + max(-offset, 0)
        key[d2] = np.arange(n) + max(offset, 0)
        # numpy puts the diagonal where the two indexed dims were when they are adjacent,
        # and first otherwise; the view has it last
        pos = min(d1, d2) if abs(d1 - d2) == 1 else 0
        g = grad if pos == grad.ndim - 1 else np.moveaxis(grad, -1, pos)
        return _index_put(g, ctx.shape, tuple(key), False), None, None, None


def _diagonal_view(x, offset, d1, d2):
    n = max(0, min(x.shape[d1] - max(-offset, 0), x.shape[d2] - max(offset, 0)))
    keep = [k for k in range(x.ndim) if k not in (d1, d2)]
    shape = tuple(x.shape[k] for k in keep) + (n,)
    if n == 0 or x.size == 0:
        return np.empty(shape, dtype=x.dtype)
    start = [slice(None)] * x.ndim
    start[d1], start[d2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
    strides = tuple(x.strides[k] for k in keep) + (x.strides[d1] + x.strides[d2],)
    return np.lib.stride_tricks.as_strided(x[tuple(start)], shape, strides,
                                           writeable=x.flags.writeable)


def diagonal(input, offset=0, dim1=0, dim2=1):
    x = as_tensor(input)
    d1, d2 = _dim(dim1, x.ndim, "diagonal"), _dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({d1})")
    return Diagonal.apply(x, int(offset), d1, d2)


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


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one; a 0-d tensor becomes shape (1,)."""
    x = as_tensor(input)
    s, e = _dim(start_dim, x.ndim, "flatten"), _dim(end_dim, x.ndim, "flatten")
    if x.ndim == 0:
        return Flatten.apply(x, (1,))
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for "
                           f"a tensor of shape {x.shape}")
    if s == e:
        return x
    return Flatten.apply(x, (*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:]))


def squeeze(input, dim=None):
    """Drop size-1 dims: all of them, or those among ``dim`` (int or tuple) that have size 1."""
    x = as_tensor(input)
    dims = normalize_dim(dim, x.ndim, "squeeze")
    shape = tuple(n for k, n in enumerate(x.shape)
                  if n != 1 or (dims is not None and k not in dims))
    return Squeeze.apply(x, shape)


def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim``, in -(ndim + 1) .. ndim."""
    x = as_tensor(input)
    d = _dim(dim, x.ndim, "unsqueeze", new=True)
    return Unsqueeze.apply(x, (*x.shape[:d], 1, *x.shape[d:]))


def _expand_dims(a, axis):
    """numpy's expand_dims: ``axis`` (int or tuple) are positions in the result."""
    x = as_tensor(a)
    axes = normalize_dim(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)),
                         "expand_dims")
    it = iter(x.shape)
    shape = tuple(1 if k in axes else next(it) for k in range(x.ndim + len(axes)))
    return Unsqueeze.apply(x, shape)


def repeat(input, *sizes):
    x = as_tensor(input)
    sizes = _shape_arg(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: the number of repeats {sizes} can not be smaller than the "
                           f"number of dims of the tensor {x.shape}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {sizes}")
    return Repeat.apply(x, sizes)


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


def clone(input, *, memory_format=None):
    return Clone.apply(as_tensor(input))


def contiguous(input, memory_format=None):
    """The tensor itself when its data is C-contiguous, else a contiguous copy (clone)."""
    x = as_tensor(input)
    return x if x._data.flags.c_contiguous else Clone.apply(x)


# ------------------------------------------------------------------------------ join
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


def _stride(self, dim=None):
    """Steps in elements between neighbours along each dim, as torch reports them."""
    st = tuple(s // self._data.itemsize for s in self._data.strides)
    return st if dim is None else st[_dim(dim, self.ndim, "stride")]


def _data_ptr(self):
    return self._data.__array_interface__["data"][0]


def _storage_offset(self):
    """Elements between the start of the base's memory and this view's first element."""
    base = self._base if self._base is not None else self
    return (_data_ptr(self) - _data_ptr(base)) // self._data.itemsize


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "view_as": view_as, "reshape_as": reshape_as,
    "select": select, "unflatten": unflatten, "diagonal": diagonal,
    "is_contiguous": lambda self, memory_format=None: self._data.flags.c_contiguous,
    "stride": _stride, "storage_offset": _storage_offset, "data_ptr": _data_ptr,
    "expand": expand, "expand_as": expand_as, "flatten": flatten, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "repeat": repeat, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "permute": permute, "movedim": movedim, "moveaxis": movedim,
    "t": t, "T": property(_T), "mT": property(_mT), "flip": flip, "clone": clone,
    "contiguous": contiguous, "split": split, "chunk": chunk, "unbind": unbind,
    "narrow": narrow, "__iter__": _iter,
}
TORCH_FUNCTIONS = {
    "reshape": reshape, "broadcast_to": broadcast_to, "flatten": flatten, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "transpose": transpose, "swapaxes": transpose,
    "swapdims": transpose, "permute": permute, "movedim": movedim, "moveaxis": movedim,
    "t": t, "flip": flip, "clone": clone, "cat": cat, "concat": cat, "concatenate": cat,
    "select": select, "unflatten": unflatten, "diagonal": diagonal,
    "stack": stack, "split": split, "chunk": chunk, "unbind": unbind, "narrow": narrow,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {
    np.reshape: lambda a, newshape=None, shape=None: reshape(
        a, shape if shape is not None else newshape),
    np.broadcast_to: broadcast_to,
    np.transpose: _np_transpose,
    np.swapaxes: lambda a, axis1, axis2: transpose(a, axis1, axis2),
    np.moveaxis: _moveaxis, np.expand_dims: _expand_dims,
    np.squeeze: lambda a, axis=None: squeeze(a, axis),
    np.concatenate: _np_concatenate, np.stack: _np_stack, np.flip: _np_flip,
}
