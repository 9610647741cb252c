"""Specs for conv_transpose1d, conv_transpose2d and conv_transpose3d.

Cases cover stride, padding, output_padding (below stride, and below dilation when that is
larger), groups, dilation, unbatched input and no bias.
"""

from __future__ import annotations

from glassgrad import functional as F

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

for _n in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
    WITHOUT_ZERO_D[_n] = "needs a (N, C, *spatial) or (C, *spatial) input and a weight"
    WITHOUT_BROADCAST[_n] = "input, weight and bias have fixed, distinct roles: nothing broadcasts"


def _ct1_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((2, 3, 5)), r((3, 2, 3)), r(2)), {"stride": 2, "padding": 1,
                                                   "output_padding": 1}),
        Case((r((1, 4, 4)), r((4, 1, 2)), r(2)), {"groups": 2, "dilation": 3,
                                                   "output_padding": 2}),
        Case((r((2, 6)), r((2, 3, 4)), None), {"stride": 3, "padding": 2}),      # unbatched
    ]


def _ct2_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((2, 3, 4, 3)), r((3, 2, 3, 2)), r(2)), {"stride": 2, "padding": 1,
                                                         "output_padding": (1, 0)}),
        Case((r((1, 4, 3, 3)), r((4, 3, 3, 3)), r(6)),
             {"stride": (1, 2), "groups": 2, "dilation": (2, 1), "padding": (2, 1),
              "output_padding": (1, 1)}),
        Case((r((2, 3, 4)), r((2, 1, 1, 2)), None), {"stride": (2, 1)}),         # unbatched
    ]


def _ct3_cases(rng):
    r = rng.standard_normal
    return [
        Case((r((1, 2, 2, 3, 2)), r((2, 2, 2, 2, 2)), r(2)),
             {"stride": (2, 1, 2), "padding": (1, 0, 0), "output_padding": (1, 0, 1)}),
        Case((r((2, 2, 2, 2)), r((2, 1, 1, 2, 2)), None), {"groups": 2, "dilation": 2}),
    ]


spec("conv_transpose1d", lambda x, w, b, **k: F.conv_transpose1d(x, w, b, **k), _ct1_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv_transpose1d(x, w, b, **k), gradgrad=True)
spec("conv_transpose2d", lambda x, w, b, **k: F.conv_transpose2d(x, w, b, **k), _ct2_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv_transpose2d(x, w, b, **k), gradgrad=True)
spec("conv_transpose3d", lambda x, w, b, **k: F.conv_transpose3d(x, w, b, **k), _ct3_cases,
     lambda t, x, w, b, **k: t.nn.functional.conv_transpose3d(x, w, b, **k), gradgrad=True)
