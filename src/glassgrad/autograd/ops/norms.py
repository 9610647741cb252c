"""Norms: torch.norm, linalg.vector_norm, linalg.matrix_norm, linalg.norm and dist.

Vector norms over any dims (``Norm``): p = 2 ('fro'), 1, inf, -inf, 0 (count of nonzeros, no
gradient, as torch) and any other real p. d out / d x = sign(x) |x|^(p-1) / out^(p-1), zero
where out = 0; for p = +-inf the tied extremes share the gradient evenly.

Matrix norms over two dims: 'fro' is the vector 2-norm of the entries; inf / -inf is the
max / min over rows of the row sums of |A| and 1 / -1 the same for columns (composed of a
vector 1-norm and amax / amin); 'nuc', 2 and -2 are the sum, largest and smallest singular
value (``MatrixNorm``, from np.linalg.svd) with gradients U V^T, u1 v1^T and uk vk^T, and
second derivatives from the SVD's perturbation formulas (``MatrixNormBackward``). As in
torch, these need distinct singular values (2, -2) and a full-rank matrix ('nuc').
"""

from __future__ import annotations

import numpy as np

from ..function import Function, register
from ..tensor import as_tensor
from ._masks import _raw, _select, _sign
from ._util import expand_reduced, normalize_dim
from .reduce import _axes, _cast, _floating, amax, amin


@register("norm")
class Norm(Function):
    """out = (sum |x|^p)^(1/p) over ``axes``; p = inf: max |x|, -inf: min |x|, 0: count of
    nonzeros.  d out / d x = sign(x) |x|^(p-1) / out^(p-1) (x / out for p = 2, sign(x) for
    p = 1), 0 where out = 0; for p = +-inf the tied extremes share the gradient evenly."""

    __slots__ = ("p", "shape", "axes", "keepdim")

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.p, ctx.shape, ctx.axes, ctx.keepdim = p, x.shape, axes, keepdim
        a = np.abs(x)
        if p == 2:
            out = np.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = a.sum(axis=axes, keepdims=keepdim)
        elif p == np.inf:
            out = a.max(axis=axes, keepdims=keepdim)
        elif p == -np.inf:
            out = a.min(axis=axes, keepdims=keepdim)
        elif p == 0:
            out = (x != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):  # p < 0 with a zero element: the norm is 0
                out = (a**p).sum(axis=axes, keepdims=keepdim) ** (1 / p)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, shape, axes, keepdim = ctx.p, ctx.shape, ctx.axes, ctx.keepdim
        g = expand_reduced(grad, shape, axes, keepdim)
        o = expand_reduced(out, shape, axes, keepdim)
        xr, orr = _raw(x), _raw(o)
        if p == 0:  # piecewise constant: no gradient at all, as in torch
            return None, None, None, None
        if p == 1:
            return _select(g, _sign(xr)), None, None, None
        if p in (np.inf, -np.inf):
            tie = np.abs(xr) == orr
            k = np.maximum(tie.sum(axis=axes, keepdims=True), 1).astype(xr.dtype)
            return _select(g / k, tie * _sign(xr)), None, None, None
        zero = orr == 0  # an all-zero slice, or (p < 0) any slice holding a zero
        safe_out = np.where(zero, 1, o)
        if p == 2:
            return g * x / safe_out, None, None, None
        slope = np.sign(xr) * np.where(xr == 0, 1, np.abs(x)) ** (p - 1)  # sign(0) = 0
        # where out = 0 the whole slice gets 0, as torch (for p < 0 the other elements of a
        # slice with a zero would otherwise get g |x|^(p-1))
        return np.where(zero, 0, g * slope / safe_out ** (p - 1)), None, None, None


def _norm_p(p, op="norm"):
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        raise ValueError(f"{op}: p must be a number, 'fro' or 'nuc', got {p!r}")
    if isinstance(p, bool):
        raise TypeError(f"{op}: p must be a number, got {p!r}")
    try:
        return float(p)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: p must be a number, 'fro' or 'nuc', got {p!r}") from None


def _vector_norm(x, p, dim, keepdim, op):
    """Norm.apply after torch's check: p = inf or p < 0 has no identity, so it cannot reduce
    over an empty dim."""
    axes = _axes(dim, x.ndim, op)
    if (p < 0 or p == np.inf) and 0 in x.shape:
        empty = [a for a in (range(x.ndim) if axes is None else axes) if x.shape[a] == 0]
        if axes is None or empty:
            where = "an empty tensor" if axes is None else f"the empty dim {empty[0]}"
            raise RuntimeError(f"{op}: cannot compute the {p:g} norm over {where} (input shape "
                               f"{tuple(x.shape)}): the reduction has no identity")
    return Norm.apply(x, p, axes, bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: the vector p-norm of the elements over ``dim`` (None: all of them);
    p = 'fro' (the default) is p = 2; p = 'nuc' is the nuclear norm of the matrices in
    ``dim`` (default: the last two dims of a 2-D input)."""
    if out is not None:
        raise TypeError("norm: out= is not supported; use the returned tensor")
    if p == "nuc":
        x = as_tensor(input)
        if dim is None and x.ndim != 2:
            raise RuntimeError(f"norm: p='nuc' needs a 2-D input or a 2-tuple dim, got shape "
                               f"{x.shape}")
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    x = _cast(as_tensor(input), dtype)
    _floating(x, "norm")
    return _vector_norm(x, _norm_p(p), dim, keepdim, "norm")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """linalg.vector_norm: the ord-norm of the elements over ``dim`` (None or (): all)."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    t = _cast(as_tensor(x), dtype)
    _floating(t, "linalg.vector_norm")
    return _vector_norm(t, _norm_p(ord, "linalg.vector_norm"), dim, keepdim,
                        "linalg.vector_norm")


# ------------------------------------------------------------------------------ matrix norms
@register("matrix_norm")
class MatrixNorm(Function):
    """The singular-value norms of the matrices in the last two dims: 'nuc' = sum of the
    singular values (d/dA = U V^T), 2 = the largest (u1 v1^T), -2 = the smallest (uk vk^T).
    Backward is ``matrix_norm_backward``, whose own backward is the Hessian below."""

    __slots__ = ("ord", "svd")

    @staticmethod
    def forward(ctx, a, ord):  # noqa: A002
        ctx.ord = ord
        ctx.svd = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(a)
        s = ctx.svd[1]
        return s.sum(-1) if ord == "nuc" else s[..., 0 if ord == 2 else -1].copy()

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return MatrixNormBackward.apply(grad, a, ctx.ord, ctx.svd), None


def _swap(m):
    return np.swapaxes(m, -1, -2)


@register("matrix_norm_backward")
class MatrixNormBackward(Function):
    """out = grad Q(A) with Q = U V^T ('nuc') or u_p v_p^T (ord 2: p = first, -2: p = last).

    Its derivative in A along W is grad dQ[W] (dQ is the Hessian of the norm, so it is its
    own adjoint), from the SVD's perturbation formulas with M = U^T W V:
    'nuc': dQ = U Om V^T + (I - U U^T) W V S^-1 V^T + U S^-1 U^T W (I - V V^T), where
    Om_ij = (M_ij - M_ji) / (s_i + s_j);  ord +-2: dQ = (U a + P_U W v_p / s_p) v_p^T +
    u_p (V b + P_V W^T u_p / s_p)^T, a_i = (M_ip s_p + s_i M_pi) / (s_p^2 - s_i^2),
    b_i = (s_i M_ip + s_p M_pi) / (s_p^2 - s_i^2), a_p = b_p = 0. Once differentiable.
    """

    __slots__ = ("ord", "svd", "q", "grad")
    once_differentiable = True

    @staticmethod
    def forward(ctx, grad, a, ord, svd):  # noqa: A002
        u, s, vh = svd
        q = u @ vh if ord == "nuc" else _rank_one(u, vh, 0 if ord == 2 else -1)
        ctx.ord, ctx.svd, ctx.q, ctx.grad = ord, svd, q, grad
        return np.asarray(grad)[..., None, None] * q

    @staticmethod
    def backward(ctx, w):
        g = np.asarray(ctx.grad)[..., None, None]
        return (w * ctx.q).sum(axis=(-2, -1)), g * _hessian(ctx.svd, w, ctx.ord), None, None


def _rank_one(u, vh, p):
    return u[..., :, p, None] * vh[..., p, None, :]


def _hessian(svd, w, ord):  # noqa: A002
    u, s, vh = svd
    v, ut = _swap(vh), _swap(u)
    m = ut @ w @ v
    w_pu = w - u @ (ut @ w)  # (I - U U^T) W
    w_pv = w - (w @ v) @ vh  # W (I - V V^T)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ord == "nuc":
            om = (m - _swap(m)) / (s[..., :, None] + s[..., None, :])
            return (u @ om @ vh + (w_pu @ (v / s[..., None, :])) @ vh
                    + (u / s[..., None, :]) @ (ut @ w_pv))
        p = 0 if ord == 2 else s.shape[-1] - 1
        sp = s[..., p, None]
        denom = sp**2 - s**2
        denom[..., p] = np.inf  # a_p = b_p = 0
        m_ip, m_pi = m[..., :, p], m[..., p, :]
        a = (m_ip * sp + s * m_pi) / denom
        b = (s * m_ip + sp * m_pi) / denom
    up, vp = u[..., :, p], v[..., :, p]
    left = (u @ a[..., None])[..., 0] + (w_pu @ vp[..., None])[..., 0] / sp
    right = (v @ b[..., None])[..., 0] + (_swap(w_pv) @ up[..., None])[..., 0] / sp
    return left[..., :, None] * vp[..., None, :] + up[..., :, None] * right[..., None, :]


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002, N803
    """linalg.matrix_norm over the two dims ``dim``: ord 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."""
    x = _cast(as_tensor(A), dtype)
    _floating(x, "linalg.matrix_norm")
    if x.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: needs at least 2 dims, got shape {x.shape}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (normalize_dim(int(d), x.ndim, "linalg.matrix_norm")[0] for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {dim}")
    axes = tuple(sorted((d0, d1)))
    if x.shape[d0] == 0 or x.shape[d1] == 0:
        _empty_matrix_check(x.shape, ord, d0, d1)
        if ord in ("nuc", 2, np.inf, 1):  # sums and maxima of nothing: 0, as torch
            return Norm.apply(x, 2.0, axes, bool(keepdim))
    if ord == "fro":
        return Norm.apply(x, 2.0, axes, bool(keepdim))
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(x.ndim) if i not in (d0, d1)]
        moved = x.permute(*rest, d0, d1) if (d0, d1) != (x.ndim - 2, x.ndim - 1) else x
        out = MatrixNorm.apply(moved, ord)
        if keepdim:
            out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return out
    if ord in (np.inf, -np.inf, 1, -1):
        summed, extreme = (d1, d0) if ord in (np.inf, -np.inf) else (d0, d1)
        sums = Norm.apply(x, 1.0, (summed,), True)
        out = (amax if ord > 0 else amin)(sums, extreme, True)
        return out if keepdim else out.reshape(tuple(
            n for i, n in enumerate(x.shape) if i not in axes))
    raise RuntimeError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', inf, -inf, 1, -1, 2 or "
                       f"-2, got {ord!r}")


def _empty_matrix_check(shape, ord, d0, d1):  # noqa: A002
    """torch: the smallest singular value or smallest row / column sum of an empty matrix has
    no identity (IndexError); the other ords give 0."""
    extreme = {-2: None, -1: d1, -np.inf: d0}
    if isinstance(ord, str) or ord not in extreme:
        return
    d = extreme[ord]
    if d is None or shape[d] == 0:
        raise IndexError(f"linalg.matrix_norm: ord={ord} of an empty matrix (input shape "
                         f"{tuple(shape)}) has no identity: a zero-size dim cannot be reduced "
                         f"by amin")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002, N803
    """linalg.norm: a vector norm (ord None on any input, or an int dim) or a matrix norm (a
    2-D input or a 2-tuple dim with a given ord)."""
    x = as_tensor(A)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if x.ndim == 1:
            return vector_norm(x, ord, None, keepdim, dtype=dtype)
        if x.ndim == 2:
            return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D "
                           f"or 2-D, got shape {x.shape}")
    if len(dim) == 1:
        return vector_norm(x, ord, dim, keepdim, dtype=dtype)
    return matrix_norm(x, ord, tuple(dim), keepdim, dtype=dtype)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), over all elements."""
    return norm(as_tensor(input) - other, p)


TENSOR_METHODS = {"norm": norm, "dist": dist}
TORCH_FUNCTIONS = {"norm": norm, "dist": dist}
FUNCTIONAL = {}
LINALG = {"vector_norm": vector_norm, "matrix_norm": matrix_norm, "norm": linalg_norm}
