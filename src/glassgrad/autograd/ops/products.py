"""Products built on matmul: vdot, inner, addmm/addmv/addbmm/baddbmm, kron, cross, tensordot,
chain_matmul/multi_dot, matrix_power and vecdot; the linalg extras diagonal, tensorinv,
tensorsolve and cond; and cdist, the one op of its own here.

All but cdist are compositions of registered ops (matmul, mul, sum, reshape, permute, inv,
solve, svd), so their gradients, of every order, are those ops' gradients.

cdist:  d_ij = ‖x1_i - x2_j‖_p.  With δ = x1_i - x2_j:
    p = 2:  ∂d/∂δ = δ / d          p = 1:  sign(δ)          p = 0:  0
    p = ∞:  sign(δ) where |δ| = d, else 0
    else:   sign(δ) |δ|^(p-1) / d^(p-1)
and 0 wherever d = 0 (or δ = 0), as torch. torch has no double backward for it.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from .decomp import svdvals
from .elementwise import mul, promote, where
from .linalg import _mT, bmm, dot, matmul, mm, mv
from .solve import float_matrix, inv, solve


# ------------------------------------------------------------------------------ small products
def vdot(input, other):
    """Σ conj(x)·y for 1-D x and y (real tensors: the dot product)."""
    return dot(input, other)


def inner(input, other):
    """Sum over the last dims: out[a..., b...] = Σ_k x[a..., k] y[b..., k]; times for 0-d."""
    x, y = as_tensor(input), as_tensor(other)
    if x.ndim == 0 or y.ndim == 0:
        return mul(x, y)
    if x.shape[-1] != y.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {tuple(x.shape)} and {tuple(y.shape)}")
    k = x.shape[-1]
    out = matmul(x.reshape(-1, k), _mT(y.reshape(-1, k)))
    return out.reshape(*x.shape[:-1], *y.shape[:-1])


def vecdot(x, y, *, dim=-1):
    """linalg.vecdot: Σ x·y along dim, broadcasting the rest."""
    return mul(*promote(x, y)).sum(dim)


def _scale(t, s):
    """t * s; an integer t takes s truncated to an integer, as torch casts alpha and beta."""
    if t._data.dtype.kind in "biu" and not isinstance(s, bool):
        s = int(s)
    return t if s == 1 else t * s


def _add_scaled(input, prod, beta, alpha, op):
    """beta·input + alpha·prod; input is ignored (nan and inf too) when beta = 0, as torch."""
    input = as_tensor(input)
    try:
        if np.broadcast_shapes(input.shape, prod.shape) != tuple(prod.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} does not broadcast to "
                           f"the product's shape {tuple(prod.shape)}") from None
    if beta == 0:
        out = _scale(prod, alpha)
        if input.requires_grad:  # ignored, but on the graph: a zero gradient, as torch
            out = out + where(np.zeros(input.shape, bool), input, 0)
        return out
    return _scale(input, beta) + _scale(prod, alpha)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta·input + alpha·(mat1 @ mat2)."""
    return _add_scaled(input, mm(mat1, mat2), beta, alpha, "addmm")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta·input + alpha·(mat @ vec)."""
    return _add_scaled(input, mv(mat, vec), beta, alpha, "addmv")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta·input + alpha·Σ_b batch1[b] @ batch2[b]."""
    return _add_scaled(input, bmm(batch1, batch2).sum(0, dtype=batch1.dtype), beta, alpha,
                       "addbmm")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta·input + alpha·(batch1 @ batch2), batch by batch."""
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


def kron(input, other):
    """Kronecker product: out[i·q + k, ...] = x[i, ...] y[k, ...] (ranks padded with 1s)."""
    x, y = promote(as_tensor(input), as_tensor(other))
    nd = max(x.ndim, y.ndim)
    xs = (1,) * (nd - x.ndim) + tuple(x.shape)
    ys = (1,) * (nd - y.ndim) + tuple(y.shape)
    xi = [d for s in xs for d in (s, 1)]  # (x0, 1, x1, 1, ...)
    yi = [d for s in ys for d in (1, s)]  # (1, y0, 1, y1, ...)
    return mul(x.reshape(*xi), y.reshape(*yi)).reshape(*(a * b for a, b in zip(xs, ys)))


def _cross(op, x, y, dim):
    x, y = promote(as_tensor(x), as_tensor(y))
    if x.ndim != y.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions, got shapes "
                           f"{tuple(x.shape)} and {tuple(y.shape)}")
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {tuple(x.shape)} and {tuple(y.shape)} do not "
                           f"broadcast") from None
    if dim is None:  # torch.cross: the first dim of size 3 of input
        dim = next((d for d, s in enumerate(x.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"{op}: no dimension of size 3 in input, shapes "
                               f"{tuple(x.shape)} and {tuple(y.shape)}")
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please "
                      "either pass the dim explicitly or simply use torch.linalg.cross.",
                      UserWarning, stacklevel=3)
    nd = len(shape)
    if not -nd <= dim < nd:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    dim %= nd
    if x.shape[dim] != 3 or y.shape[dim] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got "
                           f"{x.shape[dim]} and {y.shape[dim]}")
    x, y = x.swapaxes(dim, -1), y.swapaxes(dim, -1)
    a = [x[..., i] for i in range(3)]
    b = [y[..., i] for i in range(3)]
    out = np.stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                    a[0] * b[1] - a[1] * b[0]], axis=-1)
    return out.swapaxes(dim, -1)


def cross(input, other, dim=None):
    """torch.cross: the cross product along dim (default: the first dim of size 3, with
    torch's deprecation warning)."""
    return _cross("cross", input, other, dim)


def linalg_cross(input, other, *, dim=-1):
    return _cross("linalg.cross", input, other, dim)


def tensordot(a, b, dims=2):
    """Contract dims of a with dims of b: dims an int (a's last n with b's first n) or a pair
    of lists of dims."""
    x, y = promote(as_tensor(a), as_tensor(b))
    if isinstance(dims, int) or (hasattr(dims, "ndim") and dims.ndim == 0):
        n = int(dims)
        if n < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={n}")
        da, db = list(range(x.ndim - n, x.ndim)), list(range(n))
    else:
        da, db = ([d] if isinstance(d, int) else [int(i) for i in d] for d in dims)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
    da, db = [d % x.ndim if x.ndim else d for d in da], [d % y.ndim if y.ndim else d for d in db]
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{x.shape[i]} in dim {i} and second has size {y.shape[j]} in "
                               f"dim {j}")
    fa = [d for d in range(x.ndim) if d not in da]
    fb = [d for d in range(y.ndim) if d not in db]
    k = int(np.prod([x.shape[d] for d in da]))
    xm = x.permute(*fa, *da).reshape(-1, k)
    ym = y.permute(*db, *fb).reshape(k, -1)
    return matmul(xm, ym).reshape(*(x.shape[d] for d in fa), *(y.shape[d] for d in fb))


def chain_matmul(*matrices):
    """The product of a chain of 2-D matrices."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        m = as_tensor(matrices[0])
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor dimension is {m.ndim}, expected 2 "
                               f"instead.")
        return m * 1
    out = mm(matrices[0], matrices[1])
    for m in matrices[2:]:
        out = mm(out, m)
    return out


def multi_dot(tensors):
    """linalg.multi_dot: the product of 2-D matrices; the first and last may be 1-D."""
    ts = [as_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(ts) - 1))
        if not ok:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2-D (the first and last may "
                               f"be 1-D), got {t.ndim}-D shape {tuple(t.shape)}")
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def matrix_power(input, n):
    """A^n for square A (stacks too): A⁰ = I, negative powers through A⁻¹."""
    A = as_tensor(input)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"got shape {tuple(A.shape)}")
    n = int(n)
    if n == 0:  # I, still on the graph (a zero gradient, as torch), selected, never 0 * A
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=bool), A.shape)
        return where(np.zeros(A.shape, bool), A, np.ascontiguousarray(eye).astype(A.dtype))
    if n < 0:
        A = inv(float_matrix("linalg.matrix_power", A, square=True))
        n = -n
    out, base = None, A
    while n:  # binary powering: O(log n) products
        if n & 1:
            out = base if out is None else matmul(out, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return out if out is not A else A * 1


# ------------------------------------------------------------------------------ linalg extras
def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.diagonal with linalg's defaults (the last two dims)."""
    return as_tensor(A).diagonal(offset, dim1, dim2)


def tensorinv(A, ind=2):
    """The inverse of A seen as a linear map from its last dims to its first ind dims."""
    A = as_tensor(A)
    out_shape, in_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    p, q = int(np.prod(out_shape)), int(np.prod(in_shape))
    if ind <= 0 or p != q:
        raise RuntimeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{q} != {p} for shape {tuple(A.shape)} and ind={ind}")
    return inv(A.reshape(p, q)).reshape(*in_shape, *out_shape)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B."""
    A, B = as_tensor(A), as_tensor(B)
    if dims is not None:  # these dims of A go last, in order
        dims = [d % A.ndim for d in dims]
        A = A.permute(*(d for d in range(A.ndim) if d not in dims), *dims)
    x_shape = tuple(A.shape[B.ndim:])
    p, q = int(np.prod(B.shape)), int(np.prod(x_shape))
    if tuple(A.shape[:B.ndim]) != tuple(B.shape) or p != q:
        raise RuntimeError(f"linalg.tensorsolve: A of shape {tuple(A.shape)} does not map a "
                           f"tensor to B's shape {tuple(B.shape)} as a square system")
    return solve(A.reshape(p, q), B.reshape(p)).reshape(*x_shape)


def cond(A, p=None):
    """The condition number ‖A‖_p ‖A⁻¹‖_p; for p None, 2 or -2, the ratio of extreme singular
    values."""
    A = float_matrix("linalg.cond", A)
    if p is None or p in (2, -2):
        s = svdvals(A)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    from . import LINALG  # matrix_norm is norms.py's, installed there by ops/__init__.py

    matrix_norm = LINALG["matrix_norm"]
    return matrix_norm(A, p) * matrix_norm(inv(float_matrix("linalg.cond", A, square=True)), p)


# ------------------------------------------------------------------------------ cdist
def _pnorm(diff, p, axis=-1):
    a = np.abs(diff)
    if p == 0:
        return (a != 0).sum(axis).astype(diff.dtype)
    if p == 1:
        return a.sum(axis)
    if p == 2:
        return np.sqrt((a * a).sum(axis))
    if p == np.inf:
        return a.max(axis, initial=0)
    return (a ** p).sum(axis) ** (1 / p)


@register("cdist")
class Cdist(Function):
    """d[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖_p; the gradients sum ∂d/∂δ (module
    docstring) over j for x1 and, negated, over i for x2."""

    __slots__ = ("p",)
    once_differentiable = True  # as torch: _cdist_backward has no derivative

    @staticmethod
    def forward(ctx, x1, x2, p):
        ctx.p = p
        out = _pnorm(x1[..., :, None, :] - x2[..., None, :, :], p)
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x1, x2, d = ctx.saved_tensors
        p, diff = ctx.p, x1[..., :, None, :] - x2[..., None, :, :]
        dd = d[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                g = np.zeros_like(diff)
            elif p == 1:
                g = np.sign(diff)
            elif p == 2:
                g = np.where(dd > 0, diff / np.where(dd > 0, dd, 1), 0)
            elif p == np.inf:
                g = np.where(np.abs(diff) == dd, np.sign(diff), 0)
            else:
                a = np.abs(diff)
                ok = (a > 0) & (dd > 0)
                g = np.where(ok, np.sign(diff) * (np.where(ok, a, 1) / np.where(ok, dd, 1))
                             ** (p - 1), 0)
        gd = grad[..., None] * g.astype(diff.dtype, copy=False)
        return gd.sum(-2), -gd.sum(-3), None


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    a, b = as_tensor(x1), as_tensor(x2)
    for name, t in (("X1", a), ("X2", b)):
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype}")
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{a.shape[-1]} X2: {b.shape[-1]}")
    p = float(p)
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    a, b = promote(a, b)
    return Cdist.apply(a, b, p)


TENSOR_METHODS = {
    "vdot": vdot, "inner": inner, "addmm": addmm, "addmv": addmv, "addbmm": addbmm,
    "baddbmm": baddbmm, "kron": kron, "cross": cross, "matrix_power": matrix_power,
}
TORCH_FUNCTIONS = {
    "vdot": vdot, "inner": inner, "addmm": addmm, "addmv": addmv, "addbmm": addbmm,
    "baddbmm": baddbmm, "kron": kron, "cross": cross, "tensordot": tensordot,
    "chain_matmul": chain_matmul, "matrix_power": matrix_power, "cdist": cdist,
}
LINALG = {"cross": linalg_cross, "multi_dot": multi_dot, "matrix_power": matrix_power,
          "vecdot": vecdot, "matmul": matmul, "diagonal": linalg_diagonal, "tensorinv": tensorinv,
          "tensorsolve": tensorsolve, "cond": cond}
FUNCTIONAL = {}
