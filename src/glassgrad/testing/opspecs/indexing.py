"""Specs for the indexing ops: getitem (basic), index (advanced) and the index_put scatter."""

from __future__ import annotations

import numpy as np

from ...autograd.ops import indexing
from . import Case, spec


def _torch_index(t, index):
    """The same index for torch: arrays become tensors (torch reads lists as glassgrad does)."""
    items = index if isinstance(index, tuple) else (index,)
    out = tuple(t.as_tensor(i) if isinstance(i, np.ndarray) else i for i in items)
    return out if isinstance(index, tuple) else out[0]


def _torch_index_put(t, g, shape, index, accumulate):
    """zeros(shape) with g put (or added) at index, by torch's index_put on flat positions:
    torch's index_put takes tensors only, so each selected element's flat position is found
    by indexing torch.arange with the same index (slices and ints included)."""
    items = tuple(t.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    pos = t.arange(int(np.prod(shape))).reshape(shape)[items]
    out = t.zeros(int(np.prod(shape)), dtype=g.dtype)
    out = out.index_put((pos.reshape(-1),), g.expand(pos.shape).reshape(-1), accumulate)
    return out.reshape(shape)


# basic indexing: views; the trailing cases pick a 0-d element and a size-1 dim
spec("getitem", lambda x, index: x[index],
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"index": 1}),
                  Case((rng.standard_normal((3, 4)),), {"index": (slice(None), -1)}),
                  Case((rng.standard_normal((2, 3, 5)),),
                       {"index": (Ellipsis, slice(1, None, 2))}),
                  Case((rng.standard_normal((3, 4)),), {"index": (None, 0, slice(1, 3))}),
                  Case((rng.standard_normal((3,)),), {"index": -2}),
                  Case((rng.standard_normal((1, 3)),), {"index": (0, Ellipsis, None)}),
                  Case((rng.standard_normal(()),), {"index": None}),
                  Case((rng.standard_normal(()),), {"index": Ellipsis})],
     lambda t, x, index: x[index], gradgrad=True)
# advanced indexing: copies; repeated indices must add up their gradients
spec("index", lambda x, index: x[index],
     lambda rng: [Case((rng.standard_normal((4, 3)),), {"index": [0, 0, 2, 0]}),
                  Case((rng.standard_normal((3, 4)),), {"index": (slice(None), [1, 1, -1])}),
                  Case((rng.standard_normal((3, 4)),),
                       {"index": np.array([True, False, True])}),
                  Case((rng.standard_normal((3, 4)),),
                       {"index": rng.standard_normal((3, 4)) > 0}),
                  Case((rng.standard_normal((2, 3, 4)),),
                       {"index": ([0, 1, 1], slice(None), [2, 0, 2])}),
                  Case((rng.standard_normal((2, 3, 4)),), {"index": (0, slice(None), [0, 1])}),
                  Case((rng.standard_normal((3, 4)),),
                       {"index": (np.array([[0], [2], [2]]), np.array([1, 3]))}),
                  Case((rng.standard_normal((3,)),), {"index": np.array(1)}),
                  Case((rng.standard_normal((1, 3)),), {"index": (slice(None), [2, 0, 2])}),
                  Case((rng.standard_normal(()),), {"index": np.array(True)})],
     lambda t, x, index: x[_torch_index(t, index)], gradgrad=True)
spec("index_put",
     lambda g, shape, index, accumulate: indexing._index_put(g, shape, index, accumulate),
     lambda rng: [Case((rng.standard_normal((4, 3)),),
                       {"shape": (3, 3), "index": (np.array([0, 2, 0, 0]),),
                        "accumulate": True}),
                  Case((rng.standard_normal((2, 4)),),
                       {"shape": (5, 4), "index": (slice(1, None, 2), Ellipsis),
                        "accumulate": False}),
                  Case((rng.standard_normal(()),),
                       {"shape": (3,), "index": (1, Ellipsis), "accumulate": False}),
                  Case((rng.standard_normal((1, 3)),),
                       {"shape": (4, 3), "index": (np.array([2]),), "accumulate": True}),
                  Case((rng.standard_normal((2, 1)),),
                       {"shape": (3, 2), "index": (np.array([0, 2]), slice(None)),
                        "accumulate": False}, note="g broadcast along the slice")],
     _torch_index_put, gradgrad=True)
