"""Movement ops: they move or copy elements, never change values.

    shape      reshape/view, flatten, squeeze, unsqueeze, expand/broadcast_to
    copy       clone, contiguous (pad is in padding.py)

Reordering (transpose, permute, movedim, flip, roll, rot90) is in reorder.py; joining and
splitting (cat, stack, split, select, ...) in shaping.py; repeat, tile and windows in
repeating.py; diagonals and triangles in triangles.py; indexing in
indexing.py.

Ops whose result may be a numpy view of their input set ``is_view = True``: the result
then shares its input's version counter, so an in-place change through either is caught.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from ._util import normalize_dim


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


def ravel(input):
    """x as 1-D: a view when x is contiguous, else a copy (reshape(-1))."""
    return reshape(input, -1)


def broadcast_to(input, *shape, size=None):
    """expand under numpy's name: ``broadcast_to(x, (2, 3))``, ``x.broadcast_to(2, 3)``."""
    if size is not None:
        shape = (size,)
    return expand(input, _shape_arg(shape, "broadcast_to"))


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


def clone(input, *, memory_format=None):
    return Clone.apply(as_tensor(input))


def contiguous(input, memory_format=None):
    """The tensor itself when its data is C-contiguous, else a contiguous copy (clone)."""
    x = as_tensor(input)
    return x if x._data.flags.c_contiguous else Clone.apply(x)


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
    "is_contiguous": lambda self, memory_format=None: self._data.flags.c_contiguous,
    "stride": _stride, "storage_offset": _storage_offset, "data_ptr": _data_ptr,
    "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "ravel": ravel,
    "flatten": flatten, "squeeze": squeeze, "unsqueeze": unsqueeze, "clone": clone,
    "contiguous": contiguous,
}
TORCH_FUNCTIONS = {
    "reshape": reshape, "ravel": ravel, "broadcast_to": broadcast_to, "flatten": flatten,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "clone": clone,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {
    np.reshape: lambda a, newshape=None, shape=None: reshape(
        a, shape if shape is not None else newshape),
    np.broadcast_to: broadcast_to, np.expand_dims: _expand_dims,
    np.squeeze: lambda a, axis=None: squeeze(a, axis),
}
