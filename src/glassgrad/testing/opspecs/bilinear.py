"""Specs for ``bilinear`` and ``embedding_bag``: composed functions (einsum; getitem with
index_add), checked like registered ops.

Integer inputs (indices, offsets) are constants. Max-mode cases hold no index twice in one
bag and rows drawn from a normal, so no bag has tied maxima (ties are tested against torch
in tests/test_bilinear_embedding_bag.py). scale_grad_by_freq is tested there too: it is not a
gradient, so gradcheck cannot check it."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec


def _bilinear(x1, x2, w, b=None):
    return F.bilinear(x1, x2, w, b)


def _torch_bilinear(t, x1, x2, w, b=None):
    return t.nn.functional.bilinear(x1, x2, w, b)


def _bilinear_cases(rng):
    n = rng.standard_normal
    return [Case((n((2, 3)), n((2, 4)), n((5, 3, 4)), n((5,))), {}, "bias broadcast over N"),
            Case((n((2, 1, 3)), n((2, 1, 2)), n((2, 3, 2)), None), {}, "no bias, size-1 dim"),
            Case((n((3,)), n((2,)), n((1, 3, 2)), n((1,))), {}, "unbatched, one output"),
            Case((n((4, 1)), n((4, 1)), n((3, 1, 1)), n((3,))), {}, "size-1 features")]


def _bag(i, w, o=None, p=None, **k):
    return F.embedding_bag(i, w, o, per_sample_weights=p, **k)


def _torch_bag(t, i, w, o=None, p=None, **k):
    return t.nn.functional.embedding_bag(i, w, o, per_sample_weights=p, **k)


def _bag_cases(rng):
    n = rng.standard_normal
    flat = np.array([0, 2, 4, 1, 3, 2, 5])
    return [
        Case((np.array([[0, 2, 4], [2, 1, 3]]), n((6, 3))), {"mode": "mean"}, "2-D input"),
        Case((np.array([[0, 2], [3, 1]]), n((5, 1))), {"mode": "sum"}, "size-1 dim"),
        Case((np.array([[4, 1], [0, 3]]), n((5, 2))), {"mode": "max"}, "2-D, max"),
        Case((flat, n((6, 2)), np.array([0, 3, 3, 5])), {"mode": "mean"}, "offsets, empty bag"),
        Case((flat, n((6, 2)), np.array([0, 2, 5])), {"mode": "max"}, "offsets, max"),
        Case((flat, n((6, 2)), np.array([0, 2, 4, 7]), n((7,))),
             {"mode": "sum", "include_last_offset": True}, "per_sample_weights"),
        Case((flat, n((6, 3)), np.array([0, 4])), {"mode": "mean", "padding_idx": 2},
             "padding_idx left out of the mean"),
        Case((flat, n((6, 2)), np.array([0, 1, 5]), n((7,))),
             {"mode": "sum", "padding_idx": -1}, "padding_idx with per_sample_weights"),
    ]


spec("bilinear", _bilinear, _bilinear_cases, _torch_bilinear, gradgrad=True, composed=True)
spec("embedding_bag", _bag, _bag_cases, _torch_bag, gradgrad=True, composed=True)
WITHOUT_ZERO_D.update({
    "bilinear": "inputs need a feature dim and the weight is (out, in1, in2)",
    "embedding_bag": "the weight is a 2-D table and bags are 1-D (offsets) or 2-D input rows",
})
WITHOUT_BROADCAST.update({
    "embedding_bag": "weight is a table looked up by index and per_sample_weights must have "
                     "input's shape: no float input broadcasts",
})
