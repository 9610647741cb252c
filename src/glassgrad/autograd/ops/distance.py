"""Distances and encodings: normalize, cosine_similarity, pairwise_distance, pdist (composed from
the norm and elementwise ops, so twice differentiable), one_hot, and embedding (rows of a
weight matrix at integer indices)."""

from __future__ import annotations

import numpy as np

from ... import _dtype
from ..tensor import Tensor, as_tensor
from .elementwise import clamp, where
from .indexing import getitem
from .loss_more import _floating, _straight_through_clamp_min


# ------------------------------------------------------------------------------ distances
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps), the norm taken over ``dim``."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; use the returned tensor")
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"normalize: expected a floating point input, got dtype {x.dtype}")
    return x / clamp(x.norm(p, dim, keepdim=True), min=eps)


class _DtypeError(TypeError, RuntimeError):
    """torch raises RuntimeError for integer inputs here; TypeError is glassgrad's class."""


def _floating_pair(op, x1, x2):
    """Both operands at their common dtype, which must be floating (as torch requires)."""
    xs = [x if isinstance(x, Tensor) else as_tensor(x) for x in (x1, x2)]
    dt = _dtype.result_type(*xs)
    if dt.kind != "f":
        raise _DtypeError(f"{op}: expected common dtype to be floating point, got {dt} "
                          f"(inputs {xs[0].dtype} and {xs[1].dtype})")
    return _floating(*xs)


def _broadcast(op, x1, x2):
    a, b = _floating_pair(op, x1, x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the shapes of x1 {tuple(a.shape)} and x2 {tuple(b.shape)} "
                           "do not broadcast") from None
    return (a if a.shape == shape else a.expand(*shape),
            b if b.shape == shape else b.expand(*shape))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) over ``dim``, after broadcasting.

    As in torch, each norm is clamped at eps separately and the clamp passes the norm's
    gradient through unchanged (a zero vector gets a large but finite gradient, not NaN).
    """
    a, b = _broadcast("cosine_similarity", x1, x2)
    na = _straight_through_clamp_min(a.norm(2, dim, keepdim=True), eps)
    nb = _straight_through_clamp_min(b.norm(2, dim, keepdim=True), eps)
    return ((a / na) * (b / nb)).sum(dim=dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim of the broadcast shape."""
    a, b = _floating(x1, x2)  # integers give the default float, as x1 - x2 + eps does
    dim = max(a.ndim, b.ndim) - 1
    return (a - b + eps).norm(p, dim, keepdim=keepdim)


def pdist(input, p=2.0):
    """The p-norm distance between each pair of rows i < j of an (N, M) input, in row-major
    pair order: N (N - 1) / 2 values (composed from indexing and the norm op)."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {x.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    i, j = np.triu_indices(x.shape[0], 1)
    diff = getitem(x, i) - getitem(x, j)
    if p == 0:  # the count of nonzero differences: a zero gradient, as torch (not none)
        count = Tensor((diff._data != 0).sum(1).astype(x.dtype))
        return count + (where(np.isfinite(diff._data), diff, 0) * 0).sum(1)
    if p == float("inf"):  # torch's gradient: sign(diff) at every tied maximum, not shared
        a = diff.abs()
        raw = a._data
        top = raw.max(axis=1, initial=0.0)
        keep = (raw == top[:, None]) & np.isfinite(raw)
        return Tensor(top) + where(keep, a - a.detach(), 0).sum(1)
    return diff.norm(p, 1)


# ------------------------------------------------------------------------------ encodings
class _OneHotError(TypeError, RuntimeError):
    """torch raises RuntimeError for a non-int64 index tensor; TypeError is glassgrad's."""


def one_hot(tensor, num_classes=-1):
    """int64 (*, num_classes): 1 where the last index equals the value of ``tensor``
    (an int64 tensor of class indices), 0 elsewhere; num_classes=-1 is max + 1."""
    op = "one_hot"
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype != np.int64:
        raise _OneHotError(f"{op}: is only applicable to index tensor of type LongTensor "
                           f"(int64), got dtype {idx.dtype}")
    num_classes = int(num_classes)
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError(f"{op}: can not infer total number of classes from empty "
                               "tensor; pass num_classes")
        num_classes = int(idx.max()) + 1
    elif num_classes < -1:
        raise RuntimeError(f"{op}: num_classes should be -1 or non-negative, got "
                           f"{num_classes}")
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError(f"{op}: class values must be non-negative, got {idx.min()}")
        if idx.max() >= num_classes:
            raise RuntimeError(f"{op}: class values must be smaller than num_classes "
                               f"({num_classes}), got {idx.max()}")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._from_op(out, None, ())


def _renorm_rows(w, idx, max_norm, norm_type):
    """Scale (in place, outside autograd) the looked-up rows whose norm exceeds max_norm."""
    rows = np.unique(idx)
    norms = np.linalg.norm(w._data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w._data[rows] *= scale[:, None].astype(w.dtype)
    w._version[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """out[..., :] = weight[input[...], :]: the rows of ``weight`` at integer indices.

    The row at ``padding_idx`` receives no gradient. With ``max_norm`` the looked-up rows
    whose ``norm_type``-norm exceeds it are first rescaled to it, in place (as torch does).
    ``scale_grad_by_freq`` divides each row's gradient by how often its index occurs in
    ``input``.
    """
    op = "embedding"
    if sparse:
        raise NotImplementedError(f"{op}: sparse gradients are not supported (sparse=True)")
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype {idx.dtype}")
    w = as_tensor(weight)
    if w.ndim != 2:
        raise RuntimeError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{w.shape}")
    v = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of range for {v} embeddings")
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            # torch asserts this (AssertionError), also under python -O
            raise AssertionError(f"{op}: Padding_idx must be within num_embeddings: "
                                 f"padding_idx {padding_idx}, num_embeddings {v}")
        padding_idx %= v
    if max_norm is not None:
        _renorm_rows(w, idx, float(max_norm), norm_type)
    out = getitem(w, idx.astype(np.int64))
    if padding_idx is not None and out.requires_grad:
        pad = idx == padding_idx
        if pad.any():  # the padding row's value, but no gradient through it
            out = where(~pad[..., None], out, out.detach())
    if scale_grad_by_freq and out.requires_grad:
        count = np.bincount(idx.reshape(-1), minlength=v)[idx]
        f = (1.0 / count)[..., None].astype(w.dtype)
        fixed = out.detach()
        out = fixed + (out * f - fixed * f)  # the value of out; the gradient divided by count
    return out


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"cosine_similarity": cosine_similarity,
                   "pairwise_distance": pairwise_distance, "pdist": pdist}
FUNCTIONAL = {"embedding": embedding, "normalize": normalize,
              "cosine_similarity": cosine_similarity, "pairwise_distance": pairwise_distance,
              "one_hot": one_hot, "pdist": pdist}
NUMPY_FUNCTIONS = {}
