"""Decompositions: ``linalg.cholesky``, ``qr``, ``eigh``/``eigvalsh``, ``svd``/``svdvals``.

An op has one output array, so the decompositions with several results pack them into one
array (eigh: the eigenvalues as row 0 above the eigenvectors; qr and svd: the factors
flattened side by side) and the public functions slice the pieces out. Slicing is
differentiable, so backward receives the gradient of every piece, zero for the unused ones.

Gradients (real case, G the gradient of the named factor, A = the input):

    cholesky  A = LLᵀ     gA = L⁻ᵀ Φ L⁻¹,  Φ = ½ sym_lower(Lᵀ G_L)
    qr        A = QR      gA = [G_Q + Q sym_upper(G_R Rᵀ - Qᵀ G_Q)] R⁻ᵀ   (m ≥ n)
    eigh      A = VΛVᵀ    gA = V [diag(G_Λ) + ½(VᵀG_V - G_VᵀV) / E] Vᵀ,  E_ij = λ_j - λ_i
    svd       A = USVh    gA = U [diag(G_S) + C] Vh (+ the parts of G_U, G_V outside the
                          span of U, V),  C_ij = ((J - Jᵀ)_ij s_j + s_i (K - Kᵀ)_ij) / F_ij,
                          J = UᵀG_U,  K = Vh G_Vhᵀ,  F_ij = s_j² - s_i² (C_ii = 0)

sym_lower(X) mirrors X's lower triangle onto the upper one (sym_upper the other way).
Eigen- and singular vectors are defined up to sign, so only functions invariant to that sign
(like U·Uᵀ or V·V) have a well-defined gradient, as in torch.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Function, register
from ..tensor import Tensor
from .solve import _lapack, _mT, _solve, float_matrix

EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
TorchSVDResult = namedtuple("svd", ["U", "S", "V"])


def _is_zero(g):
    """True when a gradient (ndarray or Tensor) is exactly zero everywhere: an unused output."""
    return not np.any(g._data if isinstance(g, Tensor) else g)


def _diag(v, n):
    """diag_embed(v) for (..., n) v, selecting (never multiplying) with the identity mask."""
    return np.where(np.eye(n, dtype=bool), v.reshape(*v.shape[:-1], 1, n), 0)


def _pack(*matrices):
    """Stacks of matrices (same batch dims) flattened and joined along the last axis."""
    batch = matrices[0].shape[:-2]
    return np.concatenate([a.reshape(*batch, a.shape[-2] * a.shape[-1]) for a in matrices],
                          axis=-1)


def _unpack(packed, shapes):
    """Split a packed array (ndarray or Tensor) into pieces of the given trailing shapes."""
    batch, out, at = packed.shape[:-1], [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(packed[..., at:at + size].reshape(*batch, *shape))
        at += size
    return out


# ------------------------------------------------------------------------------ cholesky
@register("cholesky")
class Cholesky(Function):
    """L with A = LLᵀ from A's lower triangle (Lᵀ when upper).  gA = L⁻ᵀ Φ L⁻¹ with
    Φ = ½ (tril(LᵀG) + tril(LᵀG, -1)ᵀ), symmetric as torch returns it."""

    __slots__ = ("upper",)

    @staticmethod
    def forward(ctx, a, upper):
        low = _lapack("linalg.cholesky", np.linalg.cholesky, a,
                      what="the input is not positive-definite")
        out = np.ascontiguousarray(_mT(low)) if upper else low
        ctx.upper = upper
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        low, g = (_mT(out), _mT(grad)) if ctx.upper else (out, grad)
        n = low.shape[-1]
        x = _mT(low) @ g
        phi = np.where(np.tri(n, dtype=bool), x, _mT(x)) * 0.5
        w = _solve(_mT(low), phi)  # L⁻ᵀ Φ
        return _mT(_solve(_mT(low), _mT(w))), None  # (L⁻ᵀ (L⁻ᵀΦ)ᵀ)ᵀ = L⁻ᵀ Φ L⁻¹


def cholesky(A, *, upper=False):
    return Cholesky.apply(float_matrix("linalg.cholesky", A, square=True), bool(upper))


def _torch_cholesky(input, upper=False):
    return cholesky(input, upper=upper)


# ------------------------------------------------------------------------------ qr
def _qr_tall_backward(q, r, gq, gr):
    """gA for A = QR with Q (m, n), R (n, n), m ≥ n."""
    n = r.shape[-1]
    x = gr @ _mT(r) - _mT(q) @ gq
    sym = np.where(np.tri(n, dtype=bool).T, x, _mT(x))  # upper triangle mirrored down
    return _mT(_solve(r, _mT(gq + q @ sym)))  # (...) R⁻ᵀ


@register("qr")
class QR(Function):
    """Packed (Q, R) (just R for mode='r'). For m < n, A = [X | Y] with X = QU square and
    R = [U | QᵀY]: gY = Q G_V, and X takes the square formula with G_Q + Y G_Vᵀ."""

    __slots__ = ("shapes", "mode")

    @staticmethod
    def forward(ctx, a, mode):
        ctx.mode = mode
        if mode == "r":
            r = np.linalg.qr(a, mode="r")
            ctx.shapes = (r.shape[-2:],)
            return _pack(r)
        q, r = np.linalg.qr(a, mode=mode)
        ctx.shapes = (q.shape[-2:], r.shape[-2:])
        out = _pack(q, r)
        ctx.save_for_backward(out)  # not A: for m < n, Y = Q R[:, m:] (A may change in place)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.mode == "r":
            raise RuntimeError("linalg.qr: The derivative of linalg.qr depends on Q, which is not "
                               "computed when mode='r'. Please use linalg.qr(A, mode='reduced') "
                               "if you are going to differentiate through linalg.qr.")
        (out,) = ctx.saved_tensors
        (m, _), (_, n) = ctx.shapes
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("linalg.qr: The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        q, r = _unpack(out, ctx.shapes)
        gq, gr = _unpack(grad, ctx.shapes)
        if m >= n:
            return _qr_tall_backward(q, r, gq, gr), None
        gv = gr[..., m:]
        y = q @ r[..., m:]  # the right block of A
        gx = _qr_tall_backward(q, r[..., :m], gq + y @ _mT(gv), gr[..., :m])
        return np.concatenate([gx, q @ gv], axis=-1), None


def qr(A, mode="reduced"):
    """(Q, R) with A = QR; mode 'reduced' (Q (m, k)), 'complete' (Q (m, m)) or 'r' (R only,
    Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    A = float_matrix("linalg.qr", A)
    out = QR.apply(A, mode)
    if mode == "r":
        ((k, n),) = _qr_shapes(A, mode)
        return QRResult(Tensor(np.empty((0,), A.dtype)), out.reshape(*A.shape[:-2], k, n))
    return QRResult(*_unpack(out, _qr_shapes(A, mode)))


def _qr_shapes(A, mode):
    m, n = A.shape[-2:]
    k = min(m, n)
    r = ((m if mode == "complete" else k), n)
    return (r,) if mode == "r" else ((m, m if mode == "complete" else k), r)


def _torch_qr(input, some=True):
    return qr(input, "reduced" if some else "complete")


# ------------------------------------------------------------------------------ eigh
@register("eigh")
class Eigh(Function):
    """Packed (..., n+1, n): row 0 the ascending eigenvalues λ, rows 1.. the eigenvectors V
    (as columns). gA = V [diag(G_λ) + ½(VᵀG_V - G_VᵀV) / E] Vᵀ with E_ij = λ_j - λ_i; the
    eigenvector term is skipped when V's gradient is zero (eigvalsh), as torch skips an
    undefined gradient, so repeated eigenvalues give no 0/0 there."""

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = _lapack("linalg.eigh", lambda x: np.linalg.eigh(x, UPLO=uplo), a,
                       what="the algorithm failed to converge")
        out = np.concatenate([w[..., None, :], v], axis=-2)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        w, v = out[..., 0, :], out[..., 1:, :]
        gw, gv = grad[..., 0, :], grad[..., 1:, :]
        n = w.shape[-1]
        inner = _diag(gw, n)
        if not _is_zero(gv):
            x = _mT(v) @ gv
            e = w.reshape(*w.shape[:-1], 1, n) - w.reshape(*w.shape[:-1], n, 1)
            inner = inner + (x - _mT(x)) * 0.5 / np.where(np.eye(n, dtype=bool), 1, e)
        return v @ inner @ _mT(v), None


def _check_uplo(op, UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A, UPLO="L"):  # noqa: N803  (torch's name)
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix, read from its
    lower (UPLO='L') or upper triangle."""
    A = float_matrix("linalg.eigh", A, square=True)
    out = Eigh.apply(A, _check_uplo("linalg.eigh", UPLO))
    return EighResult(out[..., 0, :], out[..., 1:, :])


def eigvalsh(A, UPLO="L"):  # noqa: N803
    A = float_matrix("linalg.eigvalsh", A, square=True)
    return Eigh.apply(A, _check_uplo("linalg.eigvalsh", UPLO))[..., 0, :]


# ------------------------------------------------------------------------------ svd
@register("svd")
class SVD(Function):
    """Packed (U, S, Vh), flattened side by side. See the module docstring for gA; the
    U and Vh terms are skipped when their gradient is zero (svdvals), as torch skips an
    undefined gradient, so equal singular values give no 0/0 there."""

    __slots__ = ("shapes",)

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = _lapack("linalg.svd", lambda x: np.linalg.svd(x, full_matrices), a,
                           what="the algorithm failed to converge")
        ctx.shapes = (u.shape[-2:], s.shape[-1:], vh.shape[-2:])
        out = np.concatenate([_pack(u), s, _pack(vh)], axis=-1)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        u, s, vh = _unpack(out, ctx.shapes)
        gu, gs, gvh = _unpack(grad, ctx.shapes)
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        # full_matrices on a non-square A: the extra columns of U (rows of Vh) are any basis
        # of the complement, so only a gauge-invariant loss uses them; torch drops their
        # gradient, and so do we.
        if u.shape[-1] > k or vh.shape[-2] > k:
            u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        use_u, use_v = not _is_zero(gu), not _is_zero(gvh)
        inner = _diag(gs, k)
        row = s.reshape(*s.shape[:-1], 1, k)  # s_j
        if use_u or use_v:
            s2 = s * s
            f = np.where(np.eye(k, dtype=bool), 1, s2.reshape(*s.shape[:-1], 1, k)
                         - s2.reshape(*s.shape[:-1], k, 1))
            if use_u:
                j = _mT(u) @ gu
                inner = inner + (j - _mT(j)) * row / f
            if use_v:
                kk = vh @ _mT(gvh)
                inner = inner + s.reshape(*s.shape[:-1], k, 1) * (kk - _mT(kk)) / f
        if use_u and m > k:  # the part of G_U outside span(U)
            gus = gu / row
            return (u @ inner + gus - u @ (_mT(u) @ gus)) @ vh, None
        if use_v and n > k:  # the part of G_V outside span(V)
            gvs = gvh / _mT(row)  # (G_V S⁻¹)ᵀ
            return u @ (inner @ vh + gvs - (gvs @ _mT(vh)) @ vh), None
        return u @ inner @ vh, None


def _svd_shapes(A, full_matrices):
    m, n = A.shape[-2:]
    k = min(m, n)
    return ((m, m if full_matrices else k), (k,), (n if full_matrices else k, n))


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending."""
    A = float_matrix("linalg.svd", A)
    out = SVD.apply(A, bool(full_matrices))
    return SVDResult(*_unpack(out, _svd_shapes(A, full_matrices)))


def svdvals(A, *, driver=None):
    A = float_matrix("linalg.svdvals", A)
    return _unpack(SVD.apply(A, False), _svd_shapes(A, False))[1]


def _torch_svd(input, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V (not Vh); reduced when some=True."""
    A = float_matrix("svd", input)
    if not compute_uv:
        m, n = A.shape[-2:]
        zeros = [Tensor(np.zeros((*A.shape[:-2], d, d), A.dtype)) for d in (m, n)]
        return TorchSVDResult(zeros[0], svdvals(A), zeros[1])
    U, S, Vh = svd(A, full_matrices=not some)
    return TorchSVDResult(U, S, _mT(Vh))


TENSOR_METHODS = {"cholesky": _torch_cholesky, "qr": _torch_qr, "svd": _torch_svd}
TORCH_FUNCTIONS = {"cholesky": _torch_cholesky, "qr": _torch_qr, "svd": _torch_svd}
LINALG = {"cholesky": cholesky, "qr": qr, "eigh": eigh, "eigvalsh": eigvalsh, "svd": svd,
          "svdvals": svdvals}
FUNCTIONAL = {}
