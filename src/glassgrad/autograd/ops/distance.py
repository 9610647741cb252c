"""Lookups and encodings: embedding (rows of a weight matrix at integer indices)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, as_tensor
from .elementwise import where
from .indexing import getitem


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
    """
    op = "embedding"
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: scale_grad_by_freq and sparse are not supported")
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype {idx.dtype}")
    w = as_tensor(weight)
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{w.shape}")
    v = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of range for {v} embeddings")
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings "
                             f"({v})")
        padding_idx %= v
    if max_norm is not None:
        _renorm_rows(w, idx, float(max_norm), norm_type)
    out = getitem(w, idx.astype(np.int64))
    if padding_idx is not None and out.requires_grad:
        pad = idx == padding_idx
        if pad.any():  # the padding row's value, but no gradient through it
            out = where(~pad[..., None], out, out.detach())
    return out


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"embedding": embedding}
