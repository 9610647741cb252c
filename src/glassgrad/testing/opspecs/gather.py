"""Specs for the gather and scatter ops of issue 11: index_select, gather, take,
take_along_dim, masked_select, scatter, masked_scatter and scatter_reduce."""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import WITHOUT_BROADCAST, Case, spec

WITHOUT_BROADCAST.update({
    "scatter": "src is read at the index's positions, not broadcast (torch's rule)",
    "scatter_reduce": "src is read at the index's positions, not broadcast (torch's rule)",
})


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _t(t, k):
    """kwargs for torch: numpy index arrays as tensors."""
    return {n: t.as_tensor(v) if isinstance(v, np.ndarray) else v for n, v in k.items()}


def _g(k):
    return {n: gg.tensor(v) if isinstance(v, np.ndarray) else v for n, v in k.items()}


I = np.array  # noqa: E741


spec("index_select", lambda x, **k: gg.index_select(x, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4),), {"dim": 1, "index": I([3, 0, 3])}),
                  Case((_n(rng, 3, 4),), {"dim": 0, "index": I(2)}),
                  Case((_n(rng, 1, 4),), {"dim": -2, "index": I([0, 0])}),
                  Case((_n(rng),), {"dim": 0, "index": I([0])})],
     lambda t, x, **k: t.index_select(x, **_t(t, k)), gradgrad=True)
spec("gather", lambda x, **k: gg.gather(x, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4),), {"dim": 0, "index": I([[0, 2, 2, 1], [1, 1, 0, 0]])}),
                  Case((_n(rng, 3, 4),), {"dim": 1, "index": I([[3, 3], [0, 1], [2, 0]])}),
                  Case((_n(rng, 2, 1, 3),), {"dim": -1, "index": I([[[2, 0, 2, 2]]])}),
                  Case((_n(rng),), {"dim": 0, "index": I(0)})],
     lambda t, x, **k: t.gather(x, **_t(t, k)), gradgrad=True)
spec("take", lambda x, **k: gg.take(x, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4),), {"index": I([[11, -1], [0, 0]])}),
                  Case((_n(rng, 1, 3),), {"index": I([2, 1, 2])}),
                  Case((_n(rng),), {"index": I(0)})],
     lambda t, x, **k: t.take(x, **_t(t, k)), gradgrad=True)
spec("take_along_dim", lambda x, **k: gg.take_along_dim(x, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4),), {"indices": I([[0], [3], [3]]), "dim": 1}),
                  Case((_n(rng, 1, 4),), {"indices": I([[0, 1], [3, 3], [2, 2]]), "dim": 1},
                       note="x broadcast along dim 0"),
                  Case((_n(rng, 3, 4),), {"indices": I([[0, 11], [5, 5]])}),
                  Case((_n(rng),), {"indices": I([0, 0])})],
     lambda t, x, **k: t.take_along_dim(x, **_t(t, k)), gradgrad=True)
spec("masked_select", lambda x, **k: gg.masked_select(x, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4),), {"mask": _n(rng, 3, 4) > 0}),
                  Case((_n(rng, 1, 4),), {"mask": I([[True, False, True, True]] * 3)},
                       note="x broadcast to the mask"),
                  Case((_n(rng),), {"mask": I(True)})],
     lambda t, x, **k: t.masked_select(x, **_t(t, k)), gradgrad=True)
spec("scatter", lambda x, src, **k: gg.scatter(x, src=src, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4), _n(rng, 2, 4)),
                       {"dim": 0, "index": I([[0, 2, 1, 0], [1, 0, 2, 2]])}),
                  Case((_n(rng, 3, 4), _n(rng, 3, 2)),
                       {"dim": 1, "index": I([[3, 0], [1, 2], [0, 1]])}),
                  Case((_n(rng, 1, 3), _n(rng, 1, 2)), {"dim": 1, "index": I([[2, 0]])}),
                  Case((_n(rng), _n(rng)), {"dim": 0, "index": I(0)})],
     lambda t, x, src, **k: t.scatter(x, src=src, **_t(t, k)), gradgrad=True)
spec("masked_scatter", lambda x, src, **k: gg.masked_scatter(x, source=src, **_g(k)),
     lambda rng: [Case((_n(rng, 3, 4), _n(rng, 15)), {"mask": _n(rng, 3, 4) > 0}),
                  Case((_n(rng, 4), _n(rng, 2, 5)), {"mask": _n(rng, 3, 4) > 0},
                       note="x broadcast to the mask's shape"),
                  Case((_n(rng, 1, 3), _n(rng, 1, 3)), {"mask": I([[True, False, True]])}),
                  Case((_n(rng), _n(rng, 2)), {"mask": I(True)})],
     lambda t, x, src, mask: x.masked_scatter(t.as_tensor(mask), src), gradgrad=True)


def _sr_cases(rng):
    idx = I([[0, 2, 1, 0], [1, 1, 2, 2]])
    out = []
    for red in ("sum", "prod", "mean", "amax", "amin"):
        for incl in (True, False):
            out.append(Case((_n(rng, 3, 4), _n(rng, 2, 4)),
                            {"dim": 0, "index": idx, "reduce": red, "include_self": incl}))
    return out + [
        Case((_n(rng, 3, 4), _n(rng, 3, 3)),
             {"dim": 1, "index": I([[3, 3, 0], [1, 1, 1], [0, 2, 0]]), "reduce": "prod"}),
        Case((_n(rng, 1, 3), _n(rng, 1, 2)),
             {"dim": 1, "index": I([[2, 2]]), "reduce": "mean", "include_self": False}),
        Case((_n(rng), _n(rng)), {"dim": 0, "index": I(0), "reduce": "amax"})]


spec("scatter_reduce", lambda x, src, **k: gg.scatter_reduce(x, src=src, **_g(k)), _sr_cases,
     lambda t, x, src, **k: t.scatter_reduce(x, src=src, **_t(t, k)), gradgrad=True)
