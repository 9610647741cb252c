"""Inverses and solves: ``linalg.inv``, ``det``, ``slogdet``, ``solve``, ``pinv``, ``lstsq``.

Every op takes stacks of matrices (..., m, n). The gradients are the textbook matrix-calculus
formulas, written with matmul, solve and inv, so that under ``create_graph`` the same code
records a graph and the ops are twice differentiable:

    inv      X = A⁻¹            gA = -Xᵀ G Xᵀ
    det      d = det A          gA = g · d · A⁻ᵀ   (g · adj(A)ᵀ, through the SVD, when singular)
    slogdet  l = log|det A|     gA = g · A⁻ᵀ
    solve    X = A⁻¹B           gB = A⁻ᵀ G,  gA = -gB Xᵀ
    pinv     P = A⁺             gA = -Pᵀ G Pᵀ + (I - AP) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - PA)
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .linalg import matmul

SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


class LinAlgError(RuntimeError):
    """A linear-algebra op failed on its input (singular, not positive-definite, no
    convergence): torch.linalg.LinAlgError, a RuntimeError."""


# ------------------------------------------------------------------------------ helpers
def _mT(a):  # noqa: N802  (torch's name)
    return a.swapaxes(-1, -2)


def _lapack(op, fn, a, *rest, what="the input matrix is singular"):
    """``fn(a, *rest)``, turning numpy's LinAlgError into torch's RuntimeError that names the
    op and the first failing batch element."""
    try:
        with np.errstate(all="ignore"):
            return fn(a, *rest)
    except np.linalg.LinAlgError:
        pass
    batch = np.broadcast_shapes(a.shape[:-2], *(r.shape[:-2] for r in rest))
    args = [np.broadcast_to(x, (*batch, *x.shape[-2:])) for x in (a, *rest)]
    for k, idx in enumerate(np.ndindex(*batch)):
        try:
            with np.errstate(all="ignore"):
                fn(*(x[idx] for x in args))
        except np.linalg.LinAlgError:
            where = f"(Batch element {k}): " if batch else ""
            raise LinAlgError(f"{op}: {where}The computation could not be completed because "
                              f"{what}.") from None
    raise LinAlgError(f"{op}: the computation could not be completed because {what}.")


def _inv(a, op="linalg.inv"):
    """A⁻¹ of an ndarray (plain backward) or a Tensor (create_graph)."""
    if isinstance(a, np.ndarray):
        return _lapack(f"{op} (backward)", np.linalg.inv, a)
    return Inv.apply(a)


def _solve(a, b):
    """A⁻¹B, B a stack of matrices, on ndarrays or Tensors."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return _lapack("linalg.solve (backward)", np.linalg.solve, a, b)
    return Solve.apply(a, b)


def float_matrix(op, A, square=False, name="A"):
    """``A`` as a floating Tensor of at least 2 dims (square if asked), or torch's error."""
    A = as_tensor(A)
    if A.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions, "
                           f"got shape {tuple(A.shape)}.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    return A


def _same_dtype(op, A, B):
    if A.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")


# ------------------------------------------------------------------------------ ops
@register("inv")
class Inv(Function):
    """X = A⁻¹.  gA = -Xᵀ G Xᵀ."""

    @staticmethod
    def forward(ctx, a):
        out = _lapack("linalg.inv", np.linalg.inv, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        t = _mT(out)
        return -(t @ grad @ t)


def _adjugate_t(a):
    """adj(A)ᵀ = det(U) det(Vh) U diag(∏_{j≠i} s_j) Vh, finite for singular A too."""
    u, s, vh = np.linalg.svd(a)
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * ((u * (before * after)[..., None, :]) @ vh)


@register("det")
class Det(Function):
    """d = det A.  gA = g · d · A⁻ᵀ = g · adj(A)ᵀ."""

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if isinstance(a, np.ndarray):  # plain backward: exact for singular A too
            return grad[..., None, None] * _adjugate_t(a).astype(a.dtype, copy=False)
        try:
            inv_t = _mT(_inv(a))
        except RuntimeError:
            raise RuntimeError("linalg.det: double backward (create_graph=True) through a "
                               "singular matrix is not supported; first order works") from None
        return (grad * out).reshape(*grad.shape, 1, 1) * inv_t


@register("slogdet")
class Slogdet(Function):
    """l = log|det A| (the sign has no gradient).  gA = g · A⁻ᵀ."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.asarray(np.linalg.slogdet(a)[1])

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad.reshape(*grad.shape, 1, 1) * _mT(_inv(a, "linalg.slogdet"))


@register("solve")
class Solve(Function):
    """X = A⁻¹B, B a stack of matrices (batch dims broadcast).  gB = A⁻ᵀG,  gA = -gB Xᵀ."""

    @staticmethod
    def forward(ctx, a, b):
        out = _lapack("linalg.solve", np.linalg.solve, a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        gb = _solve(_mT(a), grad)
        return (-(gb @ _mT(x)) if na else None), (gb if nb else None)


def _pinv_array(a, atol, rtol, hermitian):
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    if min(m, n) == 0:
        return np.zeros((*a.shape[:-2], n, m), a.dtype)
    with np.errstate(divide="ignore"):
        if hermitian:
            w, v = np.linalg.eigh(a)
            big = np.abs(w).max(-1, keepdims=True)
            keep = np.abs(w) > np.maximum(atol, rtol * big)
            winv = np.where(keep, 1 / np.where(keep, w, 1), 0).astype(a.dtype)
            return (v * winv[..., None, :]) @ _mT(v)
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        keep = s > np.maximum(atol, rtol * s[..., :1])
        sinv = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        return (_mT(vh) * sinv[..., None, :]) @ _mT(u)


@register("pinv")
class Pinv(Function):
    """P = A⁺ (singular values at or below max(atol, rtol·σ₁) dropped).
    gA = -Pᵀ G Pᵀ + (I - AP) Gᵀ P Pᵀ + Pᵀ P Gᵀ (I - PA)  (valid where the rank is locally
    constant)."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        out = _pinv_array(a, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, p = ctx.saved_tensors
        gt, pt = _mT(grad), _mT(p)
        k1 = gt @ (p @ pt)  # Gᵀ P Pᵀ
        k2 = (pt @ p) @ gt  # Pᵀ P Gᵀ
        return -(pt @ grad @ pt) + k1 - a @ (p @ k1) + k2 - (k2 @ p) @ a, None, None, None


# ------------------------------------------------------------------------------ functions
def inv(A):
    """A⁻¹ for a stack of square matrices; a singular one raises RuntimeError naming it."""
    return Inv.apply(float_matrix("linalg.inv", A, square=True))


def det(A):
    return Det.apply(float_matrix("linalg.det", A, square=True))


def slogdet(A):
    """(sign, logabsdet) with det A = sign · exp(logabsdet); sign 0 and -inf when singular."""
    A = float_matrix("linalg.slogdet", A, square=True)
    sign = np.asarray(np.linalg.slogdet(A._data)[0])
    return SlogdetResult(Tensor._from_op(sign, None, ()), Slogdet.apply(A))


def logdet(A):
    """log det A: nan where det A < 0 and -inf where it is 0, as torch."""
    sign, logabs = slogdet(float_matrix("logdet", A, square=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        return logabs + np.log(sign._data)


def _vector_rhs(A, B):
    """torch's rule: B is a vector (or a stack of them) when it is 1-D or has A's shape
    without its last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True):
    """X with AX = B (XA = B when left=False); B a vector, a matrix or a stack of them."""
    A = float_matrix("linalg.solve", A, square=True)
    B = as_tensor(B)
    _same_dtype("linalg.solve", A, B)
    if not left:
        if B.ndim < 2:
            raise RuntimeError(f"linalg.solve: with left=False, B must be a matrix or a stack "
                               f"of them, got shape {tuple(B.shape)}")
        return _mT(solve(_mT(A), _mT(B)))
    vector = _vector_rhs(A, B)
    Bm = B.reshape(*B.shape, 1) if vector else B
    n = A.shape[-1]
    if Bm.ndim < 2 or Bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({tuple(A.shape)} and {tuple(B.shape)})")
    try:
        np.broadcast_shapes(A.shape[:-2], Bm.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dims of A {tuple(A.shape)} and B "
                           f"{tuple(B.shape)} do not broadcast") from None
    X = Solve.apply(A, Bm)
    return X.reshape(*X.shape[:-1]) if vector else X


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """Moore-Penrose pseudo-inverse, through the SVD (eigh when hermitian=True)."""
    A = float_matrix("linalg.pinv", A)
    if rcond is not None:  # torch's older name for rtol
        rtol = rcond
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if isinstance(tol, Tensor):
            if tol.ndim:
                raise TypeError(f"linalg.pinv: {name} must be a number or a 0-d tensor")
            tol = float(tol._data)
        if name == "atol":
            atol = tol
        else:
            rtol = tol
    if hermitian and A.shape[-1] != A.shape[-2]:
        float_matrix("linalg.pinv", A, square=True)
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of AX = B: (solution, residuals, rank, singular_values).

    The solution is A⁺B (the minimum-norm solution, which is what gelsy/gelsd/gelss give), so
    its gradient is that of pinv and matmul. As torch: residuals are filled only when m > n,
    every matrix has full rank and the driver is not gelsy; rank is empty for gels;
    singular_values are filled for gelsd and gelss only.
    """
    A = float_matrix("linalg.lstsq", A)
    B = as_tensor(B)
    _same_dtype("linalg.lstsq", A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"{_DRIVERS}, got {driver!r}")
    m, n = A.shape[-2:]
    vector = B.ndim == A.ndim - 1
    Bm = B.reshape(*B.shape, 1) if vector else B
    if Bm.ndim < 2 or Bm.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), "
                           f"got A {tuple(A.shape)} and B {tuple(B.shape)}")
    eps = np.finfo(A.dtype).eps
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else rcond
    P = Pinv.apply(A, None, rtol, False)
    X = matmul(P, Bm)
    s = np.linalg.svd(A._data, compute_uv=False)
    rank = (s > rtol * s[..., :1]).sum(-1) if min(m, n) else np.zeros(A.shape[:-2], np.int64)
    empty = np.empty((0,), A.dtype)
    res = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        r = (A._data @ X._data - Bm._data)
        res = (r * r).sum(-2)
        if vector:
            res = res.reshape(res.shape[:-1])
    sv = s if driver in ("gelsd", "gelss") else empty
    rank = np.empty((0,), np.int64) if driver == "gels" else rank.astype(np.int64)
    const = [Tensor._from_op(np.asarray(v), None, ()) for v in (res, rank, sv)]
    return LstsqResult(X.reshape(*X.shape[:-1]) if vector else X, *const)


def _triangle(A, upper, unitriangular=False):
    """A's upper or lower triangle (strict, plus the identity, when unitriangular), selected
    with a mask so the gradient lands on that triangle only."""
    n = A.shape[-1]
    keep = np.tri(n, k=-1 if unitriangular else 0, dtype=bool)
    T = np.where(keep.T if upper else keep, A, 0)
    return T + np.eye(n, dtype=A.dtype) if unitriangular else T


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with AX = B (XA = B when left=False), reading only A's upper or lower triangle."""
    A = float_matrix("linalg.solve_triangular", A, square=True)
    B = float_matrix("linalg.solve_triangular", B, name="B")
    _same_dtype("linalg.solve_triangular", A, B)
    T = _triangle(A, upper, unitriangular)
    return solve(T, B, left=left)


def _factor(op, L, upper):
    """L's triangle as the value, but the gradient of all of L, as torch's cholesky_solve and
    cholesky_inverse give it."""
    L = float_matrix(op, L, square=True)
    flat = L.detach()
    return _triangle(flat, upper) + (L - flat)


def cholesky_solve(B, L, upper=False):
    """X with (LLᵀ) X = B (LᵀL when upper), L triangular."""
    T = _factor("cholesky_solve", L, upper)
    A = _mT(T) @ T if upper else T @ _mT(T)
    return solve(A, float_matrix("cholesky_solve", B, name="B"))


def cholesky_inverse(L, upper=False):
    """(LLᵀ)⁻¹ (or (LᵀL)⁻¹ when upper), L triangular."""
    T = _factor("cholesky_inverse", L, upper)
    return inv(_mT(T) @ T if upper else T @ _mT(T))


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """How many singular values (|eigenvalues| when hermitian) exceed max(atol, rtol·σ₁),
    with pinv's defaults; an int64 tensor over the batch."""
    A = float_matrix("linalg.matrix_rank", A)
    a = A._data
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    big = s.max(-1, keepdims=True, initial=0)
    rank = (s > np.maximum(atol, rtol * big)).sum(-1).astype(np.int64)
    return Tensor._from_op(np.asarray(rank), None, ())


TENSOR_METHODS = {
    "inverse": inv, "det": det, "slogdet": slogdet, "logdet": logdet, "pinverse": pinverse,
    "cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
}
TORCH_FUNCTIONS = {
    "inverse": inv, "det": det, "slogdet": slogdet, "logdet": logdet, "pinverse": pinverse,
    "cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
}
LINALG = {"inv": inv, "det": det, "slogdet": slogdet, "solve": solve, "pinv": pinv,
          "lstsq": lstsq, "solve_triangular": solve_triangular, "matrix_rank": matrix_rank,
          "LinAlgError": LinAlgError}
FUNCTIONAL = {}
