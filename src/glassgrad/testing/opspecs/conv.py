"""Specs for convolution (the full torch grid lives in test_conv_kernels.py)."""

from __future__ import annotations

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


spec("conv2d", lambda x, w, b, **k: F.conv2d(x, w, b, **k), _conv_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv2d(x, w, b, **k))
