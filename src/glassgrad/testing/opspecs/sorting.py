"""Specs for the value-selecting ops: sort, topk, kthvalue, median, nanmedian, mode and their
shared backward, value_selecting_backward.

Random data has no ties, so the selected elements do not change under gradcheck's small
steps (tie choices and NaNs are compared with torch in tests/test_reductions_more.py).
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg
from glassgrad.autograd.ops.sorting import Sort, ValueSelectingBackward

from . import WITHOUT_ZERO_D, Case, spec


def _sort_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {}), Case((x,), {"dim": 1, "descending": True}),
            Case((x,), {"dim": 0, "stable": True}), Case((rng.standard_normal(()),), {}),
            Case((rng.standard_normal((1, 4)),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"descending": True})]


def _topk_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {"k": 2}), Case((x,), {"k": 3, "dim": 1, "largest": False}),
            Case((x,), {"k": 1, "dim": 0}), Case((x,), {"k": 5, "sorted": True}),
            Case((rng.standard_normal(()),), {"k": 1}),
            Case((rng.standard_normal((1, 4)),), {"k": 2}),
            Case((rng.standard_normal((1, 4)),), {"k": 1, "dim": 0})]


def _kth_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {"k": 2}), Case((x,), {"k": 4, "dim": 1, "keepdim": True}),
            Case((x,), {"k": 3, "dim": 0}), Case((rng.standard_normal(()),), {"k": 1}),
            Case((rng.standard_normal((1, 4)),), {"k": 1, "dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"k": 3})]


def _median_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {}), Case((x,), {"dim": 1}), Case((x,), {"dim": -1, "keepdim": True}),
            Case((rng.standard_normal((4, 6)),), {"dim": 1}),
            Case((rng.standard_normal(()),), {}), Case((rng.standard_normal(()),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {})]


def _mode_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {}), Case((x,), {"dim": 1, "keepdim": True}), Case((x,), {"dim": 0}),
            Case((rng.standard_normal(()),), {}),
            Case((rng.standard_normal((1, 4)),), {"dim": 0})]


def _values(name):
    def fn(x, **k):
        out = getattr(gg, name)(x, **k)
        return out if isinstance(out, gg.Tensor) else out.values

    return fn


def _torch_values(name):
    def fn(t, x, **k):
        out = getattr(t, name)(x, **k)
        return out if isinstance(out, t.Tensor) else out.values

    return fn


for _name, _cases in (("sort", _sort_cases), ("topk", _topk_cases), ("kthvalue", _kth_cases),
                      ("median", _median_cases), ("nanmedian", _median_cases),
                      ("mode", _mode_cases)):
    spec(_name, _values(_name), _cases, _torch_values(_name), gradgrad=True)


def _scatter_cases(rng):
    repeated = np.array([[0, 2, 2, 1], [3, 3, 3, 0]])  # cummax-like: indices repeat
    perm = np.argsort(rng.standard_normal((3, 5)), axis=1)
    return [Case((rng.standard_normal((2, 4)),), {"index": repeated, "dim": 1, "size": 4}),
            Case((rng.standard_normal((3, 5)),), {"index": perm, "dim": 1, "size": 5}),
            Case((rng.standard_normal((1, 5)),), {"index": perm[:1] % 2, "dim": 0, "size": 2}),
            Case((rng.standard_normal((3, 1)),), {"index": perm[:, :1], "dim": 1, "size": 5})]


def _scatter(g, index, dim, size):
    shape = tuple(size if i == dim else n for i, n in enumerate(g.shape))
    return ValueSelectingBackward.apply(g, index, dim, shape, Sort)


def _torch_scatter(t, g, index, dim, size):
    shape = tuple(size if i == dim else n for i, n in enumerate(g.shape))
    return t.zeros(shape, dtype=g.dtype).scatter_add(dim, t.as_tensor(index), g)


spec("value_selecting_backward", _scatter, _scatter_cases, _torch_scatter, gradgrad=True)
WITHOUT_ZERO_D.update({
    "value_selecting_backward": "adds values along a dim at indices: a 0-d grad has no dim",
})
