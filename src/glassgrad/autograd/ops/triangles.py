"""Diagonals and triangles of matrices (the last two dims, or two chosen dims).

    diagonal   diagonal (a view), diag_embed (its scatter), diag, diagflat, trace
    triangle   tril, triu (a masked select), tril_indices, triu_indices
    blocks     block_diag

diagonal's backward is diag_embed's forward and the other way round (through the index_put
scatter), so both are differentiable to any order.
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .indexing import _index_put
from .movement import _dim, _promote, flatten


# ------------------------------------------------------------------------------ diagonal
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


@register("diag_embed")
class DiagEmbed(Function):
    """out = zeros with x's last dim written on the diagonal (offset, dim1, dim2) of two new
    dims; grad is that diagonal of grad."""

    __slots__ = ("args",)

    @staticmethod
    def forward(ctx, x, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = np.zeros(shape, dtype=x.dtype)
        if out.size:
            _diagonal_view(out, offset, d1, d2)[...] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        offset, d1, d2 = ctx.args
        if isinstance(grad, Tensor):
            g = Diagonal.apply(grad, offset, d1, d2)
        else:
            g = _diagonal_view(grad, offset, d1, d2).copy()
        return g, None, None, None, None


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose (dim1, dim2) diagonals at ``offset`` hold x's last dim; the result
    has one more dim than x, zeros elsewhere."""
    x = as_tensor(input)
    if x.ndim == 0:
        raise RuntimeError("diag_embed: expects a tensor with at least 1 dim, got a 0-d tensor")
    d1, d2 = _dim(dim1, x.ndim + 1, "diag_embed"), _dim(dim2, x.ndim + 1, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dim ({d1})")
    offset = int(offset)
    n = x.shape[-1] + abs(offset)
    rest = iter(x.shape[:-1])
    shape = tuple(n if k in (d1, d2) else next(rest) for k in range(x.ndim + 1))
    return DiagEmbed.apply(x, shape, offset, d1, d2)


def diag(input, diagonal=0):
    """A 1-D x as a square matrix with x on diagonal ``diagonal``; a 2-D x's diagonal (a
    copy, as in torch)."""
    x = as_tensor(input)
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return Diagonal.apply(x, int(diagonal), 0, 1).clone()
    raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")


def diagflat(input, offset=0):
    """The flattened x on diagonal ``offset`` of a square matrix."""
    return diag_embed(flatten(as_tensor(input)), offset, 0, 1)


def trace(input):
    """The sum of a matrix's main diagonal (int tensors give int64, as in torch)."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expects a matrix (2-D tensor), got shape {x.shape}")
    return Diagonal.apply(x, 0, 0, 1).sum()


# ------------------------------------------------------------------------------ triangle
def _tri_mask(shape, k, lower):
    """True on the kept triangle of the last two dims (broadcasts over the others)."""
    rows, cols = np.arange(shape[-2])[:, None], np.arange(shape[-1])
    return cols - rows <= k if lower else cols - rows >= k


class _Triangle(Function):
    """out = x on its triangle of the last two dims, 0 elsewhere; grad is selected the
    same way (a select: an infinite grad outside gives 0)."""

    __slots__ = ("mask",)

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return np.where(mask, x, np.zeros((), x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.mask, grad, 0), None


@register("tril")
class Tril(_Triangle):
    __slots__ = ()


@register("triu")
class Triu(_Triangle):
    __slots__ = ()


def _triangle(cls, op, lower):
    def fn(input, diagonal=0):
        x = as_tensor(input)
        if x.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dims, got shape "
                               f"{x.shape}")
        return cls.apply(x, _tri_mask(x.shape, int(diagonal), lower))

    fn.__name__ = op
    fn.__doc__ = (f"The {'lower' if lower else 'upper'} triangle of the last two dims, on "
                  f"and {'below' if lower else 'above'} diagonal ``diagonal``; 0 elsewhere.")
    return fn


tril = _triangle(Tril, "tril", True)
triu = _triangle(Triu, "triu", False)


def _tri_indices(op, lower):
    def fn(row, col, offset=0, *, dtype=None, device=None, layout=None):
        row, col, offset = int(row), int(col), int(offset)
        if row < 0 or col < 0:
            raise RuntimeError(f"{op}: row and col must be non-negative, got {row}, {col}")
        mask = _tri_mask((row, col), offset, lower)
        out = np.stack(np.nonzero(mask)).astype(np.int64)
        t = Tensor(out)
        return t if dtype is None else t.to(dtype)

    fn.__name__ = op
    fn.__doc__ = (f"The (row, col) indices of the {'lower' if lower else 'upper'} triangle "
                  "of a row x col matrix at ``offset``, as a (2, N) int64 tensor, row by row.")
    return fn


tril_indices = _tri_indices("tril_indices", True)
triu_indices = _tri_indices("triu_indices", False)


# ------------------------------------------------------------------------------ blocks
@register("block_diag")
class BlockDiag(Function):
    """out = the inputs as blocks down the diagonal of a zero matrix (0-d as 1x1, 1-D as a
    row); each input's grad is its block of grad."""

    __slots__ = ("blocks",)

    @staticmethod
    def forward(ctx, *xs):
        mats = [x.reshape(1, -1) if x.ndim < 2 else x for x in xs]
        r = np.cumsum([0] + [m.shape[0] for m in mats]).tolist()
        c = np.cumsum([0] + [m.shape[1] for m in mats]).tolist()
        out = np.zeros((r[-1], c[-1]), dtype=_promote([x.dtype for x in xs]))
        for k, m in enumerate(mats):  # one block per tensor, not per element
            out[r[k]:r[k + 1], c[k]:c[k + 1]] = m
        ctx.blocks = [(r[k], r[k + 1], c[k], c[k + 1], x.shape) for k, x in enumerate(xs)]
        return out

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[r0:r1, c0:c1].reshape(shape) if need else None
                     for need, (r0, r1, c0, c1, shape) in zip(ctx.needs_input_grad,
                                                               ctx.blocks))


def block_diag(*tensors):
    xs = [as_tensor(x) for x in tensors]
    for k, x in enumerate(xs):
        if x.ndim > 2:
            raise RuntimeError(f"block_diag: input {k} must have 2 or fewer dims, got shape "
                               f"{x.shape}")
    if not xs:
        return Tensor(np.zeros((1, 0)))
    return BlockDiag.apply(*xs)


TENSOR_METHODS = {
    "diagonal": diagonal, "diag_embed": diag_embed, "diag": diag, "diagflat": diagflat,
    "trace": trace, "tril": tril, "triu": triu,
}
TORCH_FUNCTIONS = {
    "diagonal": diagonal, "diag_embed": diag_embed, "diag": diag, "diagflat": diagflat,
    "trace": trace, "tril": tril, "triu": triu, "tril_indices": tril_indices,
    "triu_indices": triu_indices, "block_diag": block_diag,
}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {np.trace: lambda a, offset=0, axis1=0, axis2=1: diagonal(
    a, offset, axis1, axis2).sum(-1)}
