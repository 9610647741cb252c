"""Weight norm, spectral norm and orthogonal as parametrizations (``nn.utils.parametrize``).

These are the current forms of ``nn.utils.weight_norm`` and ``nn.utils.spectral_norm``:
instead of a forward pre-hook that rewrites ``module.weight`` before each call, reading
``module.weight`` computes it from the trained tensors, which live under
``module.parametrizations.weight``. state_dict keys, as torch's:

- weight_norm: ``parametrizations.weight.original0`` (g) and ``original1`` (v);
- spectral_norm: ``parametrizations.weight.original`` (the weight before normalization) and
  the power-iteration buffers ``parametrizations.weight.0._u`` and ``_v``;
- orthogonal: ``parametrizations.weight.original`` and (with trivialization) the buffer
  ``parametrizations.weight.0.base``.

``parametrize.remove_parametrizations(module, "weight")`` turns either back into a plain
Parameter holding the current normalized value.
"""

from __future__ import annotations

import numpy as np

from ...autograd.graph import no_grad
from ...autograd.ops.distance import normalize
from ...autograd.ops.linalg import mv
from ...autograd.ops.products import vdot
from ...autograd.tensor import Tensor
from ..module import Module
from . import parametrize
from .spectral_norm import _check_iterations, _default_dim, _matrix, _normalize_into
from .weight_norm import _norm_except_dim, _weight_norm


class _WeightNorm(Module):
    """w = g * v / ||v||, the norm over every dim except ``dim`` (None: the whole tensor).

    ``forward(g, v)`` gives w; ``right_inverse(w)`` gives ``(||w||, w)``, the (g, v) that
    reproduce w, so registering it leaves the weight's value unchanged.
    """

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Weight normalization, ``w = g * v / ||v||``, as a parametrization; returns ``module``.

    ``v`` (``original1``) has the weight's shape and gives its direction; ``g``
    (``original0``) gives its length, one per index of ``dim`` (0: per output unit; None: one
    for the whole tensor). Training g and v decouples a unit's scale from its direction.

    A state_dict from the hook form (``weight_g``, ``weight_v``) still loads: a load pre-hook
    renames those keys.
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _compat(mod, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module.register_load_state_dict_pre_hook(_compat)
    return module


class _SpectralNorm(Module):
    """w / sigma, sigma the largest singular value of w as a matrix (dim ``dim`` as rows),
    estimated by power iteration with the buffers ``_u`` and ``_v``.

    Each training-mode call first updates, in place and without gradient::

        u = normalize(W v),   v = normalize(W^T u)       (n_power_iterations times)

    then returns ``w / (u^T W v)``; an eval-mode call uses u and v as they are. A 1-D weight
    is its own matrix's only singular direction: it is divided by its norm exactly.
    """

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"spectral_norm: dim out of range (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}] but got {dim}) for a weight of shape "
                             f"{tuple(weight.shape)}")
        _check_iterations(n_power_iterations)
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            from ... import random

            self.n_power_iterations = n_power_iterations
            weight_mat = _matrix(weight, self.dim)
            h, w = weight_mat.shape
            rng = random.default_generator()
            u, v = (rng.standard_normal(n).astype(weight.dtype) for n in (h, w))
            self.register_buffer("_u", Tensor(u / max(np.linalg.norm(u), eps)))
            self.register_buffer("_v", Tensor(v / max(np.linalg.norm(v), eps)))
            # start from u, v close to the top singular vectors
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat, n_power_iterations):
        w = weight_mat._data
        for _ in range(n_power_iterations):
            _normalize_into(self._u, w @ self._v._data, self.eps)
            _normalize_into(self._v, w.conj().T @ self._u._data, self.eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = _matrix(weight, self.dim)
        if self.training:
            with no_grad():
                self._power_method(weight_mat, self.n_power_iterations)
        # clones: the next call's in-place updates must not touch what backward reads
        u, v = self._u.clone(), self._v.clone()
        sigma = vdot(u, mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalization, ``w / sigma_max(w)``, as a parametrization; returns
    ``module``.

    sigma_max is estimated by power iteration (see ``_SpectralNorm``): 15 iterations when
    registered, then ``n_power_iterations`` per training-mode forward. ``dim`` (None: 0, or 1
    for ConvTranspose layers) is the dim that becomes the matrix rows. Keys:
    ``parametrizations.<name>.original``, ``parametrizations.<name>.0._u`` and ``._v``.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(parametrize._missing(module, name, "spectral_norm"))
    if dim is None:
        dim = _default_dim(module)
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ------------------------------------------------------------------ orthogonal
def _eye_like(x, n, k):
    from ..._creation import eye

    return eye(n, k, dtype=x.dtype)


def _matrix_exp(A):
    """exp(A) for a (batch of) square matrices, by scaling and squaring:
    exp(A) = T(A / 2^s)^(2^s), T the Taylor polynomial of degree 18 and s chosen so that
    ||A / 2^s||_1 <= 1/2 (truncation error below 1e-22). Built from matmuls, so autograd
    differentiates it (s is a constant for the derivative)."""
    n = A.shape[-1]
    norm = float(np.abs(A._data).sum(axis=-2).max()) if A._data.size else 0.0
    s = int(np.ceil(np.log2(norm / 0.5))) if norm > 0.5 else 0
    X = A / float(2 ** s)
    eye = _eye_like(A, n, n)
    T = eye
    for j in range(18, 0, -1):  # Horner: I + X (I + X/2 (I + X/3 (...)))
        T = eye + (X @ T) / float(j)
    for _ in range(s):
        T = T @ T
    return T


def _householder_product(A, tau):
    """The first k columns of H_1 H_2 ... H_k, H_i = I - tau_i v_i v_i^T, where v_i is column i
    of ``A`` below the diagonal with a 1 on it (torch.linalg.householder_product; ``A`` must be
    zero on and above the diagonal, as it is here)."""
    n, k = A.shape[-2], A.shape[-1]
    V = A + _eye_like(A, n, k)
    Q = _eye_like(A, n, k)
    for i in range(k - 1, -1, -1):  # apply H_k first, H_1 last
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ Q))
    return Q


def _positive_qr(a):
    """The Q of a = QR with diag(R) > 0, for a (batch of) real matrices (numpy)."""
    q, r = np.linalg.qr(a)
    d = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return q * np.where(d == 0, 1.0, d)[..., None, :]


class _Orthogonal(Module):
    """A (batch of) n x k matrices with orthonormal columns (or rows, when n < k).

    ``forward(X)`` maps an unconstrained X onto them: "matrix_exp" and "cayley" take the
    skew-symmetric A = L - L^T from X's lower triangle L and return exp(A) or
    (I - A/2)^-1 (I + A/2) (the first k columns); "householder" uses X's entries below the
    diagonal as reflection vectors and returns their product. With ``use_trivialization``
    the result is multiplied by the buffer ``base``, an orthogonal matrix set by
    ``right_inverse``, which then returns the X that maps to the identity.
    """

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:  # embed into a square matrix
                from ...autograd.ops.shaping import cat

                zeros = Tensor(np.zeros((*X.shape[:-1], n - k), dtype=X._data.dtype))
                X = cat([X, zeros], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = _matrix_exp(A)
            else:
                from ...linalg import solve

                eye = _eye_like(A, n, n)
                Q = solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            # X's diagonal holds the signs (+-1) of Q's columns; no gradient flows into it
            signs = np.trunc(np.diagonal(X._data, axis1=-2, axis2=-1))
            Q = Q * Tensor(signs[..., None, :])
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"orthogonal: expected a matrix or batch of matrices of shape "
                             f"{self.shape}. Got a tensor of shape {tuple(Q.shape)}.")
        q = Q._data
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = np.swapaxes(q, -1, -2)
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map != "householder":
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            import scipy.linalg

            flat = q.reshape(-1, n, k)
            out = np.empty_like(flat)
            for b, m in enumerate(flat):  # LAPACK geqrf: reflectors below, R on/above diag
                (h, tau), _ = scipy.linalg.qr(m, mode="raw")
                d = np.sign(np.diagonal(h)).copy()
                d[tau == 0.0] *= -1
                out[b] = np.tril(h, -1)
                out[b][np.arange(k), np.arange(k)] = d
            out = out.reshape(q.shape)
            return Tensor(np.swapaxes(out, -1, -2).copy() if transpose else out)
        if n == k:
            eps = 10.0 * n * np.finfo(q.dtype).eps
            gram = np.swapaxes(q, -1, -2) @ q
            base = q.copy() if np.allclose(gram, np.eye(k), atol=eps) else _positive_qr(q)
        else:  # complete Q to an n x n orthogonal matrix with random columns
            from ... import random

            rng = random.default_generator()
            extra = rng.standard_normal((*q.shape[:-2], n, n - k)).astype(q.dtype)
            base = _positive_qr(np.concatenate([q, extra], axis=-1))
        self.base = Tensor(base)
        neg_eye = np.zeros(self.shape, dtype=q.dtype)
        idx = np.arange(min(self.shape[-2:]))
        neg_eye[..., idx, idx] = -1.0  # householder(0) with these signs is the identity
        return Tensor(neg_eye)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain ``module.<name>`` (a matrix, or a batch of them in the last two dims) to have
    orthonormal columns, or rows when it is wide; returns ``module``.

    ``orthogonal_map``: "matrix_exp" (the default for square matrices), "cayley", or
    "householder" (the default otherwise). With ``use_trivialization`` (the default) the
    trained tensor moves near the identity and the buffer ``parametrizations.<name>.0.base``
    holds the current orthogonal matrix, so registering keeps the weight's value (after
    making it orthogonal) and assigning ``module.<name> = Q`` works for every map.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(parametrize._missing(module, name, "orthogonal"))
    if weight.ndim < 2:
        raise ValueError(f"orthogonal: expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions ({type(module).__name__}.{name} of shape "
                         f"{tuple(weight.shape)}).")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in ("matrix_exp", "cayley", "householder"):
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


__all__ = ["orthogonal", "spectral_norm", "weight_norm"]
