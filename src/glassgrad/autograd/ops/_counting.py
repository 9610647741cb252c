"""unique, unique_consecutive, bincount, histc, histogram, searchsorted and bucketize: integer
or count results, no gradient (torch has none either). Indices and counts are int64
(int32 with ``out_int32=True``). The names are installed through sorting.py's tables.

Bins follow torch: edges are ``linspace(min, max, bins + 1)`` computed in the input's dtype
the way torch does, an element e goes to the bin with edges[i] <= e < edges[i + 1] (the last
bin includes its right edge) and elements outside [min, max] are not counted.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..tensor import Tensor
from ._util import normalize_dim
from .reduce import return_types


def _data(a):
    return a._data if isinstance(a, Tensor) else np.asarray(a)


def _const(a):
    return Tensor._from_op(np.asarray(a), None, ())


# ------------------------------------------------------------------------------ unique
def _results(values, inverse, counts, return_inverse, return_counts):
    out = [_const(values)]
    if return_inverse:
        out.append(_const(inverse.astype(np.int64)))
    if return_counts:
        out.append(_const(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (or slices along ``dim``), sorted (torch sorts on CPU even with
    sorted=False); NaNs are not merged, as in torch."""
    x = _data(input)
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        return _results(values, inverse.reshape(x.shape), counts, return_inverse,
                        return_counts)
    (axis,) = normalize_dim(dim, x.ndim, "unique")
    _zero_size_check(x.shape, axis, "unique")
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    return _results(values, inverse.reshape(-1), counts, return_inverse, return_counts)


def _zero_size_check(shape, axis, op):
    """torch: with dim=, only the selected dim may have size 0."""
    zeros = [i for i, n in enumerate(shape) if n == 0]
    if len(zeros) > 1 or (zeros and zeros[0] != axis):
        raise RuntimeError(f"{op}: the input (shape {tuple(shape)}) has a zero-size dim other "
                           f"than dim={axis} (or several), so it cannot be applied")


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (slices along ``dim``) to one."""
    x = _data(input)
    if dim is None:
        flat, axis = x.reshape(1, -1), None
    else:
        (axis,) = normalize_dim(dim, x.ndim, "unique_consecutive")
        _zero_size_check(x.shape, axis, "unique_consecutive")
        rest = int(np.prod(x.shape, dtype=np.int64) // max(x.shape[axis], 1)) if x.ndim else 1
        flat = np.moveaxis(x, axis, 0).reshape(x.shape[axis] if x.ndim else 1, rest).T
    n = flat.shape[1]
    first = np.ones(n, bool)
    first[1:] = (flat[:, 1:] != flat[:, :-1]).any(axis=0)
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, n))
    inverse = np.cumsum(first) - 1
    if axis is None:
        return _results(x.reshape(-1)[starts], inverse.reshape(x.shape), counts,
                        return_inverse, return_counts)
    return _results(np.take(x, starts, axis=axis), inverse, counts, return_inverse,
                    return_counts)


# ------------------------------------------------------------------------------ counts
def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input``;
    with ``weights``, their sums (float32 weights give float32, others float64)."""
    x = _data(input)
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise RuntimeError(f"bincount: input must be a 1-D integer tensor, got shape {x.shape} "
                           f"and dtype {x.dtype}")
    if x.size and x.min() < 0:
        raise RuntimeError(f"bincount: input must be non-negative, got min {x.min()}")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength must be non-negative, got {minlength}")
    if weights is None:
        return _const(np.bincount(x, minlength=minlength).astype(np.int64))
    w = _data(weights)
    if w.shape != x.shape:
        raise RuntimeError(f"bincount: weights (shape {w.shape}) must have input's shape "
                           f"{x.shape}")
    if x.size == 0:  # torch: int64 zeros, whatever the weights' dtype
        return _const(np.zeros(minlength, np.int64))
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    return _const(np.bincount(x, weights=w, minlength=minlength).astype(dtype))


def _linspace(lo, hi, steps, dtype):
    """torch.linspace's values: start + i step for the first half, end - (steps - 1 - i) step
    after, with step rounded to ``dtype`` and each value computed exactly, then rounded
    (as torch's fused multiply-add does)."""
    i = np.arange(steps, dtype=np.float64)
    step = np.float64((dtype.type(hi) - dtype.type(lo)) / dtype.type(builtins.max(steps - 1, 1)))
    lo64, hi64 = np.float64(dtype.type(lo)), np.float64(dtype.type(hi))
    return np.where(i < steps // 2, lo64 + step * i, hi64 - step * (steps - 1 - i)).astype(dtype)


def _bin_counts(x, edges, weight=None):
    """Counts (or weight sums) of x in the bins edges[i] <= e < edges[i + 1], the last bin
    closed; elements outside the edges or NaN are left out."""
    x = x.reshape(-1)
    nb = len(edges) - 1
    pos = np.searchsorted(edges, x, side="right") - 1
    pos = np.where(x == edges[-1], nb - 1, pos)
    keep = (pos >= 0) & (pos < nb) & (x >= edges[0]) & (x <= edges[-1])
    w = None if weight is None else weight.reshape(-1)[keep]
    return np.bincount(pos[keep], weights=w, minlength=nb).astype(edges.dtype)


def _float(x, op):
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype should be floating point, got {x.dtype}")


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts in ``bins`` equal bins over [min, max]; min = max = 0 uses the data's range,
    and an empty range is widened by 1 on each side, as torch."""
    x = _data(input)
    _float(x, "histc")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc: max ({hi}) must be larger than min ({lo})")
    return _const(_bin_counts(x, _linspace(lo, hi, bins + 1, x.dtype)))


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """(hist, bin_edges): ``bins`` equal bins over ``range`` (default: the data's min and max,
    widened by 0.5 when empty; [0, 1] for an empty input), or the given edges; ``weight`` per
    element; ``density`` divides by the total and the bin widths."""
    x = _data(input)
    _float(x, "histogram")
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if range is not None:
            lo, hi = (float(v) for v in range)
        else:
            lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)  # as torch
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"histogram: range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        if lo > hi:
            raise ValueError(f"histogram: range max ({hi}) must be larger than min ({lo})")
        edges = _linspace(lo, hi, int(bins) + 1, x.dtype)
    else:
        edges = _data(bins).astype(x.dtype, copy=False)
        if edges.ndim != 1 or np.any(np.diff(edges) < 0):
            raise ValueError("histogram: bins must be an int or a 1-D increasing tensor of "
                             f"edges, got shape {edges.shape}")
    w = None if weight is None else _data(weight)
    hist = _bin_counts(x, edges, w)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):  # no elements: NaN, as torch
            hist = (hist / (hist.sum() * np.diff(edges))).astype(x.dtype)
    return return_types.histogram(_const(hist), _const(edges))


# ------------------------------------------------------------------------------ search
def _side(right, side, op):
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueError(f"{op}: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise RuntimeError(f"{op}: side='left' and right=True contradict each other")
    return side


def _search_rows(seq, values, side):
    """searchsorted of each row of ``values`` in the same row of ``seq`` (both 2-D): torch's
    binary search, run on all queries at once (about log2(n) vectorized steps). It moves right
    while not (seq[mid] >= v) (left) or not (seq[mid] > v) (right), so a NaN query lands at
    the end and NaNs in the sequence act as torch's do."""
    rows, n = seq.shape
    lo = np.zeros(values.shape, np.int64)
    hi = np.full(values.shape, n, np.int64)
    row = np.arange(rows)[:, None]
    with np.errstate(invalid="ignore"):
        while True:
            active = lo < hi
            if not active.any():
                return lo
            mid = lo + ((hi - lo) >> 1)
            at = seq[row, np.minimum(mid, n - 1)]
            go_right = ~(at >= values) if side == "left" else ~(at > values)
            lo = np.where(active & go_right, mid + 1, lo)
            hi = np.where(active & ~go_right, mid, hi)


def searchsorted(sorted_sequence, input=None, *, out_int32=False, right=False,  # noqa: A002
                 side=None, sorter=None, values=None):
    """Indices where ``input`` would be inserted into the (last dim of) ``sorted_sequence``
    to keep it sorted: before equal entries (left) or after them (right). NaN sorts last, as
    torch (``values=`` is accepted as an alias of ``input``)."""
    if (input is None) == (values is None):
        raise TypeError("searchsorted: give the values to look up once, as input")
    seq = _data(sorted_sequence)
    v = _data(values if input is None else input)
    side = _side(right, side, "searchsorted")
    if sorter is not None:
        seq = np.take_along_axis(seq, _data(sorter).astype(np.int64), -1)
    if seq.ndim <= 1:
        flat = v.reshape(1, -1)
        out = _search_rows(seq.reshape(1, -1), flat, side).reshape(v.shape)
    else:
        if v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]:
            raise RuntimeError(f"searchsorted: sorted_sequence (shape {seq.shape}) and input "
                               f"(shape {v.shape}) must have the same leading dims")
        rows = int(np.prod(seq.shape[:-1]))
        out = _search_rows(seq.reshape(rows, seq.shape[-1]),
                           v.reshape(rows, v.shape[-1]), side).reshape(v.shape)
    return _const(np.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element: i with boundaries[i-1] < x <= boundaries[i] (right=False)
    or boundaries[i-1] <= x < boundaries[i] (right=True)."""
    b = _data(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


_COUNTING = {
    "unique": unique, "unique_consecutive": unique_consecutive, "bincount": bincount,
    "histc": histc, "histogram": histogram, "searchsorted": searchsorted,
    "bucketize": bucketize,
}
TENSOR_METHODS = {k: v for k, v in _COUNTING.items() if k not in ("searchsorted", "bucketize")}
TORCH_FUNCTIONS = dict(_COUNTING)
FUNCTIONAL = {}
