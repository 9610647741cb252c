"""Specs for pooling."""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import Case, spec


def _distinct(rng, shape):
    """Values with no ties, at least 0.05 apart, so the max is stable under eps nudges."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 + rng.uniform(0, 0.01)).reshape(shape)


spec("max_pool2d", lambda x, **k: F.max_pool2d(x, **k),
     lambda rng: [Case((_distinct(rng, (2, 3, 6, 6)),), {"kernel_size": 2}),
                  Case((_distinct(rng, (1, 2, 7, 5)),),
                       {"kernel_size": 3, "stride": 2, "padding": 1}),
                  Case((_distinct(rng, (1, 1, 5, 5)),), {"kernel_size": 3, "stride": 1})],
     lambda t, x, **k: t.nn.functional.max_pool2d(x, **k))
spec("avg_pool2d", lambda x, **k: F.avg_pool2d(x, **k),
     lambda rng: [Case((rng.standard_normal((2, 3, 6, 6)),), {"kernel_size": 2}),
                  Case((rng.standard_normal((1, 2, 7, 5)),),
                       {"kernel_size": 3, "stride": 2, "padding": 1}),
                  Case((rng.standard_normal((1, 2, 7, 5)),),
                       {"kernel_size": 3, "stride": 2, "padding": 1,
                        "count_include_pad": False, "ceil_mode": True})],
     lambda t, x, **k: t.nn.functional.avg_pool2d(x, **k))
