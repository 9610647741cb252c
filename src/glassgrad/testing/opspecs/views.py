"""Specs for the view ops (view, select, diagonal) and index_assign, the op behind
x[index] = value on tensors in the graph."""

from __future__ import annotations

import numpy as np

from ...autograd.ops import indexing
from . import Case, spec


def _assign(x, v, index):
    return indexing.index_assign(x, v, *indexing._parse_index(index, x.shape, "setitem"))


def _torch_assign(t, x, v, index):
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(t.as_tensor(i) if isinstance(i, np.ndarray) else i for i in items)
    y = x.clone()
    y[items if isinstance(index, tuple) else items[0]] = v
    return y


spec("view", lambda x, shape: x.view(shape),
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"shape": (4, 3)}),
                  Case((rng.standard_normal((2, 3, 4)),), {"shape": (-1, 4)}),
                  Case((rng.standard_normal(()),), {"shape": (1, 1)}),
                  Case((rng.standard_normal((1, 3)),), {"shape": (3,)})],
     lambda t, x, shape: x.view(shape), gradgrad=True)
spec("select", lambda x, dim, index: x.select(dim, index),
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"dim": 1, "index": -1}),
                  Case((rng.standard_normal((2, 3, 4)),), {"dim": 0, "index": 1}),
                  Case((rng.standard_normal((1,)),), {"dim": 0, "index": 0})],
     lambda t, x, dim, index: x.select(dim, index), gradgrad=True)
spec("diagonal", lambda x, **k: x.diagonal(**k),
     lambda rng: [Case((rng.standard_normal((3, 4)),), {}),
                  Case((rng.standard_normal((3, 4)),), {"offset": 1}),
                  Case((rng.standard_normal((2, 3, 4)),), {"offset": -1, "dim1": 2, "dim2": 1}),
                  Case((rng.standard_normal((2, 3, 4)),), {"offset": 1, "dim1": 0, "dim2": 2}),
                  Case((rng.standard_normal((1, 1)),), {})],
     lambda t, x, **k: x.diagonal(**k), gradgrad=True)
spec("index_assign", _assign,
     lambda rng: [Case((rng.standard_normal((3, 4)), rng.standard_normal((4,))), {"index": 1}),
                  Case((rng.standard_normal((3, 4)), rng.standard_normal(())),
                       {"index": (slice(None), slice(1, 3))}),
                  Case((rng.standard_normal((3, 4)), rng.standard_normal((1, 2))),
                       {"index": (slice(None), [0, 2])}),
                  Case((rng.standard_normal((3, 4)), rng.standard_normal((2,))),
                       {"index": (np.array([0, 2]), np.array([1, 3]))}),
                  Case((rng.standard_normal((1, 3)), rng.standard_normal((1, 3))),
                       {"index": np.array([True])}),
                  Case((rng.standard_normal((2, 3, 4)), rng.standard_normal((3,))),
                       {"index": (0, slice(None), -1)})],
     _torch_assign, gradgrad=True)
