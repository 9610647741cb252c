"""Specs for convolution and pooling (the full torch grid lives in test_conv_kernels.py)."""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import Case, spec


def _conv_cases(rng):
    return [
        Case((rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)),
              rng.standard_normal(4)), {"stride": 1, "padding": 1}),
        Case((rng.standard_normal((1, 4, 7, 7)), rng.standard_normal((6, 2, 3, 3)),
              rng.standard_normal(6)), {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}),
        Case((rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 1, 1)),
              rng.standard_normal(3)), {"stride": (2, 1)}),
        Case((rng.standard_normal((1, 6, 4, 4)), rng.standard_normal((6, 1, 3, 3)),
              rng.standard_normal(6)), {"padding": "same", "groups": 6}),
    ]


def _distinct(rng, shape):
    """Values with no ties, at least 0.05 apart, so the max is stable under eps nudges."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 + rng.uniform(0, 0.01)).reshape(shape)


spec("conv2d", lambda x, w, b, **k: F.conv2d(x, w, b, **k), _conv_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv2d(x, w, b, **k))
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
