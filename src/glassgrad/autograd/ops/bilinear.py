"""bilinear (x1^T W x2 per output feature) and embedding_bag (sums, means or maxima of bags of
embedding rows), composed from registered ops (einsum, getitem, index_add) so
both are twice differentiable without Function classes of their own."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, as_tensor
from .distance import _renorm_rows
from .einsum import einsum
from .elementwise import where
from .indexing import getitem
from .scatter import index_add


# ------------------------------------------------------------------------------ bilinear
def bilinear(input1, input2, weight, bias=None):
    """out[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o].

    input1 (*, in1) and input2 (*, in2) share their leading dims exactly (as torch, no
    broadcasting); weight is (out, in1, in2) and bias (out,)."""
    op = "bilinear"
    x1, x2, w = as_tensor(input1), as_tensor(input2), as_tensor(weight)
    if not x1.dtype == x2.dtype == w.dtype:
        raise RuntimeError(f"{op}(): all tensors must have the same dtype, got input1: "
                           f"{x1.dtype}, input2: {x2.dtype}, weight: {w.dtype}")
    if w.ndim != 3:
        raise RuntimeError(f"{op}(): weight must be 3-D (out, in1, in2), got shape {w.shape}")
    if x1.ndim == 0 or x2.ndim == 0:
        raise RuntimeError(f"{op}(): inputs must have at least 1 dim, got shapes {x1.shape} "
                           f"and {x2.shape}")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"{op}(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim} (shapes {x1.shape} and {x2.shape})")
    for d in range(x1.ndim - 1):
        if x1.shape[d] != x2.shape[d]:
            raise RuntimeError(f"{op}(): input batch dimensions do not match at dim {d}: got "
                               f"{x1.shape[d]} and {x2.shape[d]}")
    if x1.shape[-1] != w.shape[1]:
        raise RuntimeError(f"{op}(): input1 size does not match weight size: got "
                           f"{x1.shape[-1]} but expected {w.shape[1]}")
    if x2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"{op}(): input2 size does not match weight size: got "
                           f"{x2.shape[-1]} but expected {w.shape[2]}")
    out = einsum("...i,oij,...j->...o", x1, w, x2)
    if bias is not None:
        b = as_tensor(bias)
        if b.ndim != 1 or b.shape[0] != w.shape[0]:
            raise RuntimeError(f"{op}(): bias must be 1-D of size {w.shape[0]} (the weight's "
                               f"out features), got shape {b.shape}")
        out = out + b
    return out


# ------------------------------------------------------------------------------ embedding_bag
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _ints(x, what, op):
    a = np.asarray(x._data if isinstance(x, Tensor) else x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer tensor, got dtype {a.dtype}")
    return a.astype(np.int64)


def _bags(idx, offsets, include_last_offset, op):
    """The flat indices, the bag of each, its position in input and the number of bags, from
    torch's two forms: 2-D input (one bag per row) or 1-D input with each bag's start in
    ``offsets`` (positions past the last start belong to the last bag, as in torch)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2-D, offsets has to be None (as input is "
                             f"treated as a mini-batch of fixed-length bags), got offsets of "
                             f"shape {tuple(np.shape(offsets))}")
        n, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(n), length), np.arange(idx.size), n
    if idx.ndim != 1:
        raise ValueError(f"{op}: input has to be 1-D or 2-D, got a {idx.ndim}-D input of shape "
                         f"{idx.shape}")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1-D tensor when input is 1-D "
                         f"(input of shape {idx.shape})")
    off = _ints(offsets, "offsets", op)
    if off.ndim != 1:
        raise ValueError(f"{op}: offsets has to be a 1-D tensor, got shape {off.shape}")
    if off.size and off[0] != 0:
        raise RuntimeError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got {off[0]}")
    if off.size and (np.any(np.diff(off) < 0) or off[-1] > idx.size):
        raise RuntimeError(f"{op}: offsets must be non-decreasing and at most the input's "
                           f"length {idx.size}, got {off.tolist()}")
    starts = off[:-1] if include_last_offset else off
    n = starts.size
    pos = np.arange(idx.size)
    if n == 0:
        return idx[:0], pos[:0], pos[:0], 0
    # the bag of each position: the last start at or before it (the last bag runs to the end)
    bag = np.searchsorted(starts, pos, side="right") - 1
    keep = bag >= 0
    return idx[keep], bag[keep], pos[keep], n


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """out[b] = sum, mean or max of weight[input[k]] over the positions k of bag b.

    2-D input holds one bag per row; 1-D input is cut into bags at ``offsets`` (with
    ``include_last_offset`` the last offset is the end, not a bag). Positions holding
    ``padding_idx`` are left out (and not counted by the mean); an empty bag gives zeros.
    ``per_sample_weights`` (input's shape, mode 'sum' only) scales each looked-up row.
    ``max_norm`` rescales the looked-up rows of weight in place first, as embedding does;
    ``scale_grad_by_freq`` divides each row's gradient by its count in input."""
    op = "embedding_bag"
    if sparse:
        raise NotImplementedError(f"{op}: sparse gradients are not supported (sparse=True)")
    if mode not in _MODES:
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    w = as_tensor(weight)
    if w.ndim != 2:
        raise ValueError(f"{op}: weight has to be a 2-D tensor (num_embeddings, "
                         f"embedding_dim), got shape {w.shape}")
    idx = _ints(input, "input", op)
    v, dim = w.shape
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(f"{op}: index {bad} is out of range for {v} embeddings")
    psw = None
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{op}: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        psw = as_tensor(per_sample_weights)
        if psw.dtype != w.dtype:
            raise RuntimeError(f"{op}: per_sample_weights ({psw.dtype}) must have the "
                               f"weight's dtype ({w.dtype})")
        if tuple(psw.shape) != idx.shape:
            raise ValueError(f"{op}: per_sample_weights of shape {psw.shape} must have the "
                             f"input's shape {idx.shape}")
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise AssertionError(f"{op}: padding_idx must be within num_embeddings: "
                                 f"padding_idx {padding_idx}, num_embeddings {v}")
        padding_idx %= v
    flat, bag, position, n = _bags(idx, offsets, include_last_offset, op)
    if padding_idx is not None:
        keep = flat != padding_idx
        flat, bag, position = flat[keep], bag[keep], position[keep]
    if max_norm is not None and flat.size:
        _renorm_rows(w, flat, float(max_norm), norm_type)
    rows = getitem(w, flat)
    if scale_grad_by_freq and rows.requires_grad and flat.size:
        count = np.bincount(idx.reshape(-1), minlength=v)[flat]
        f = (1.0 / count)[:, None].astype(w._data.dtype)
        fixed = rows.detach()
        rows = fixed + (rows * f - fixed * f)  # rows' value; each row's gradient / its count
    if psw is not None:
        rows = rows * getitem(psw.reshape(-1), position)[:, None]
    zeros = Tensor(np.zeros((n, dim), dtype=rows._data.dtype))
    if mode == "max":
        return _bag_max(rows, bag, n, zeros)
    out = index_add(zeros, 0, Tensor(bag), rows)
    if mode == "mean":
        count = np.bincount(bag, minlength=n)
        out = out / np.maximum(count, 1)[:, None].astype(out._data.dtype)  # empty bags: 0
    return out


def _bag_max(rows, bag, n, zeros):
    """out[b, c] = max of rows[k, c] over the positions k of bag b, taken from the first
    position holding it (torch's tie rule: the whole gradient goes to that one row); empty
    bags give 0. A gather from rows, so twice differentiable."""
    m, dim = rows.shape
    r = rows._data
    best = np.full((n, dim), -np.inf, dtype=r.dtype)
    cols = np.arange(dim)
    np.maximum.at(best, (bag[:, None], cols), r)
    first = np.full((n, dim), m, dtype=np.int64)
    hit = (r == best[bag]) | (np.isnan(r) & np.isnan(best[bag]))
    np.minimum.at(first, (bag[:, None], cols), np.where(hit, np.arange(m)[:, None], m))
    empty = first == m
    if m == 0:
        return zeros
    picked = getitem(rows, (np.where(empty, 0, first), cols))
    return where(Tensor(~empty), picked, zeros) if empty.any() else picked


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"bilinear": bilinear}
FUNCTIONAL = {"bilinear": bilinear, "embedding_bag": embedding_bag}
