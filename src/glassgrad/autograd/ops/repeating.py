"""Repetition and broadcasting: repeat, tile, repeat_interleave, windows (Tensor.unfold),
meshgrid, broadcast_tensors, cartesian_prod and combinations.

repeat_interleave and combinations pick elements by an int index (the ``index`` op's
backward adds repeated picks up); unfold's windows are a view whose backward adds the
overlapping windows up with the index_put scatter.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..._size import Size
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .indexing import Index, _index_put
from .movement import _dim, _shape_arg, expand, flatten, reshape


# ------------------------------------------------------------------------------ repeat
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



def repeat(input, *sizes):
    """Tile x ``sizes`` times along each dim (x.repeat(2, 1) or x.repeat((2, 1)))."""
    x = as_tensor(input)
    sizes = _shape_arg(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: the number of repeats {sizes} can not be smaller than the "
                           f"number of dims of the tensor {x.shape}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {sizes}")
    return Repeat.apply(x, sizes)


def tile(input, dims):
    """repeat, with dims padded by leading 1s when it is shorter than x's dims."""
    x = as_tensor(input)
    dims = _shape_arg((dims,) if isinstance(dims, (tuple, list)) else (dims,), "tile")
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


@register("repeat_interleave")
class RepeatInterleave(Index):
    """out = x with element k along a dim repeated repeats[k] times (x[..., idx, ...] with
    idx = 0, 0, 1, 2, 2, ...); grad adds up each element's copies."""

    __slots__ = ()


def _int_array(v, op, what):
    a = v._data if isinstance(v, Tensor) else np.asarray(v)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: {what} must be an int tensor, got dtype {a.dtype}")
    return a.astype(np.int64)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element along ``dim`` (the flattened x when dim is None) ``repeats``
    times (an int, or one count per element). With one int tensor argument, its indices
    repeated by its values."""
    if repeats is None:  # repeat_interleave(counts)
        counts = _int_array(input, "repeat_interleave", "repeats")
        if counts.ndim != 1 or (counts.size and counts.min() < 0):
            raise RuntimeError("repeat_interleave: repeats must be a 1-D tensor of "
                               f"non-negative counts, got {counts.tolist()}")
        return Tensor._from_op(np.repeat(np.arange(counts.size), counts), None, ())
    x = as_tensor(input)
    if dim is None:
        x, d = flatten(x), 0
    else:
        d = _dim(dim, x.ndim, "repeat_interleave")
    n = x.shape[d] if x.ndim else 1
    counts = _int_array(repeats, "repeat_interleave", "repeats")
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
        raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-d / 1-D tensor "
                           f"with one count per element ({n}) along dim {d}, got shape "
                           f"{counts.shape}")
    if counts.size and counts.min() < 0:
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got "
                           f"{counts.min()}")
    idx = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    if output_size is not None and int(output_size) != idx.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match "
                           f"the sum of repeats ({idx.size})")
    if x.ndim == 0:
        x = reshape(x, (1,))
    return RepeatInterleave.apply(x, (slice(None),) * d + (idx,))


# ------------------------------------------------------------------------------ windows
@register("unfold_windows")
class UnfoldWindows(Function):
    """out = the windows of ``size`` every ``step`` along dim ``d`` (Tensor.unfold): the
    window index replaces dim d and the window is a new last dim; a view of x. grad adds up
    where windows overlap."""

    __slots__ = ("shape", "key", "d")
    is_view = True

    @staticmethod
    def forward(ctx, x, d, size, step):
        count = (x.shape[d] - size) // step + 1
        ctx.shape, ctx.d = x.shape, d
        ctx.key = (slice(None),) * d + (np.arange(count)[:, None] * step + np.arange(size),)
        shape = x.shape[:d] + (count,) + x.shape[d + 1:] + (size,)
        strides = (x.strides[:d] + (x.strides[d] * step,) + x.strides[d + 1:]
                   + (x.strides[d],))
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx, grad):
        g = np.moveaxis(grad, -1, ctx.d + 1)  # (..., count, size, ...) as x[key] is
        return _index_put(g, ctx.shape, ctx.key, True), None, None, None


def unfold(self, dimension, size, step):
    """Tensor.unfold: every window of ``size`` elements, ``step`` apart, along
    ``dimension``, as a view with the windows in a new last dim."""
    x = as_tensor(self)
    d = _dim(dimension, x.ndim, "unfold")
    size, step = int(size), int(step)
    n = x.shape[d] if x.ndim else 1
    if step <= 0:
        raise RuntimeError(f"unfold: step must be positive, got {step}")
    if not 0 <= size <= n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                           f"size is {size}")
    if x.ndim == 0:
        return reshape(UnfoldWindows.apply(reshape(x, (1,)), 0, size, step), (size,))
    return UnfoldWindows.apply(x, d, size, step)


# ------------------------------------------------------------------------------ broadcast
def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to (ints count as 1-D shapes)."""
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {shapes} cannot be broadcast "
                           "together") from None


def broadcast_tensors(*tensors):
    """Each tensor expanded (a view) to the shape they broadcast to together."""
    xs = [as_tensor(x) for x in tensors]
    shape = broadcast_shapes(*(x.shape for x in xs))
    return tuple(expand(x, shape) for x in xs)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 1-D tensors: with indexing 'ij' (the default, with torch's
    warning when not given) output k varies along dim k; 'xy' swaps the first two dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass "
                      "the indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    xs = [as_tensor(x) for x in tensors]
    for k, x in enumerate(xs):
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid: expects 0-d or 1-D tensors, got shape {x.shape} "
                               f"at position {k}")
    pos = list(range(len(xs)))
    if indexing == "xy" and len(xs) >= 2:
        pos[0], pos[1] = 1, 0
    sizes = [x.numel() for x in xs]
    shape = [0] * len(xs)
    for k, p in enumerate(pos):
        shape[p] = sizes[k]
    out = []
    for k, x in enumerate(xs):
        view = [1] * len(xs)
        view[pos[k]] = sizes[k]
        out.append(expand(reshape(x, tuple(view)), tuple(shape)))
    return tuple(out)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows (one tensor: itself)."""
    xs = [as_tensor(x) for x in tensors]
    for k, x in enumerate(xs):
        if x.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expects 1-D tensors, got shape {x.shape} at "
                               f"position {k}")
    if len(xs) == 1:
        return xs[0]
    from .shaping import stack

    return stack([flatten(g) for g in meshgrid(*xs, indexing="ij")], 1)


@register("combinations")
class Combinations(Index):
    """out[i] = x[idx[i]] for the rows idx[i] of every r-element combination of positions
    (in lexicographic order); grad adds up each element's uses."""

    __slots__ = ()


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-D tensor's elements, as rows of an (N, r) tensor."""
    x = as_tensor(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: expects a 1-D tensor, got shape {x.shape}")
    r, n = int(r), x.shape[0]
    if r < 0:
        raise RuntimeError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return Tensor._from_op(np.empty((0,), x.dtype), None, ())
    return Combinations.apply(x, (_combination_rows(n, r, with_replacement),))


def _combination_rows(n, r, with_replacement):
    """Every increasing (non-decreasing with replacement) r-tuple of positions in range(n),
    in lexicographic order, as an (N, r) array: grown one column at a time (a loop over r,
    not over the tuples), each row followed by every allowed next position."""
    rows = np.arange(n, dtype=np.int64)[:, None]
    for _ in range(r - 1):
        first = rows[:, -1] + (0 if with_replacement else 1)  # smallest next position
        counts = np.maximum(n - first, 0)
        starts = np.cumsum(counts) - counts
        nxt = np.arange(counts.sum()) - np.repeat(starts, counts) + np.repeat(first, counts)
        rows = np.concatenate([np.repeat(rows, counts, axis=0), nxt[:, None]], axis=1)
    return rows


TENSOR_METHODS = {
    "repeat": repeat, "tile": tile, "repeat_interleave": repeat_interleave,
    "unfold": unfold,
}
TORCH_FUNCTIONS = {
    "tile": tile, "repeat_interleave": repeat_interleave, "broadcast_shapes": broadcast_shapes,
    "broadcast_tensors": broadcast_tensors, "meshgrid": meshgrid,
    "cartesian_prod": cartesian_prod, "combinations": combinations,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.tile: lambda a, reps: tile(a, reps),
                   np.broadcast_arrays: lambda *args: broadcast_tensors(*args)}
