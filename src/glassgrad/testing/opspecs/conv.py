"""Specs for conv1d, conv2d, conv3d and their shared weight-gradient op (conv_weight).

Cases cover stride, padding (ints, tuples, 'valid', 'same' with odd and even kernels),
dilation, groups, unbatched input and no bias. The full argument grid against torch, errors
and argument forms live in tests/test_conv_kernels.py and tests/test_conv_more.py.
"""

from __future__ import annotations

from glassgrad import functional as F
from glassgrad.autograd.ops.conv import conv_weight

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

for _n in ("conv1d", "conv3d", "conv_weight"):
    WITHOUT_ZERO_D[_n] = "needs a (N, C, *spatial) or (C, *spatial) input and a weight"
    WITHOUT_BROADCAST[_n] = "input, weight and bias have fixed, distinct roles: nothing broadcasts"


def _conv1d_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((2, 3, 7)), r((4, 3, 3)), r(4)), {"stride": 2, "padding": 1}),
        Case((r((1, 4, 9)), r((6, 2, 2)), r(6)), {"padding": "same", "dilation": 3,
                                                   "groups": 2}),
        Case((r((3, 8)), r((2, 3, 4)), None), {"padding": "same"}),            # unbatched
        Case((r((2, 2, 6)), r((2, 2, 1)), r(2)), {"padding": "valid", "stride": (3,)}),
    ]


def _conv2d_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((2, 3, 6, 5)), r((4, 3, 3, 2)), r(4)), {"stride": 1, "padding": 1}),
        Case((r((1, 4, 7, 7)), r((6, 2, 3, 3)), r(6)),
             {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}),
        Case((r((2, 2, 5, 5)), r((3, 2, 1, 1)), r(3)), {"stride": (2, 1)}),
        Case((r((1, 6, 4, 4)), r((6, 1, 3, 3)), r(6)), {"padding": "same", "groups": 6}),
        Case((r((2, 5, 4)), r((3, 2, 2, 3)), None), {"padding": "same", "dilation": (1, 2)}),
        Case((r((1, 2, 6, 5)), r((2, 1, 3, 2)), r(2)),
             {"stride": (3, 2), "padding": (0, 1), "groups": 2}),
    ]


def _conv3d_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((1, 2, 4, 3, 4)), r((2, 2, 2, 2, 3)), r(2)), {"padding": (1, 0, 1)}),
        Case((r((2, 2, 5, 4, 4)), r((4, 1, 2, 1, 2)), r(4)),
             {"stride": (2, 1, 2), "dilation": (1, 1, 2), "groups": 2}),
        Case((r((2, 3, 3, 4)), r((2, 2, 2, 2, 2)), None), {"padding": "same"}),  # unbatched
    ]


def _conv_weight_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((2, 3, 7)), r((2, 4, 4))), {"weight_size": (4, 3, 3), "stride": 2,
                                             "padding": 1}),
        Case((r((1, 4, 6, 5)), r((1, 6, 3, 3))),
             {"weight_size": (6, 2, 3, 2), "stride": 2, "dilation": (1, 2), "groups": 2,
              "padding": (1, 1)}),
        Case((r((1, 2, 3, 4, 3)), r((1, 2, 2, 3, 2))), {"weight_size": (2, 2, 2, 2, 2)}),
    ]


spec("conv1d", lambda x, w, b, **k: F.conv1d(x, w, b, **k), _conv1d_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv1d(x, w, b, **k), gradgrad=True)
spec("conv2d", lambda x, w, b, **k: F.conv2d(x, w, b, **k), _conv2d_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv2d(x, w, b, **k), gradgrad=True)
spec("conv3d", lambda x, w, b, **k: F.conv3d(x, w, b, **k), _conv3d_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv3d(x, w, b, **k), gradgrad=True)
spec("conv_weight", lambda x, g, weight_size, **k: conv_weight(x, weight_size, g, **k),
     _conv_weight_cases,
     lambda t, x, g, weight_size, **k: getattr(t.nn.grad, f"conv{x.ndim - 2}d_weight")(
         x, weight_size, g, **k), gradgrad=True)
