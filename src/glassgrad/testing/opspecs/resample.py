"""Specs for the registered resampling ops: interpolate (every linear-type mode, size and
scale_factor, align_corners, antialias), pixel_shuffle / pixel_unshuffle and im2col / col2im
(F.unfold / F.fold). grid_sample and affine_grid are composed from registered ops and
checked in tests/test_resample.py; affine_grid (4-D and 5-D sizes) is here."""

from __future__ import annotations

from glassgrad import functional as F

from . import WITHOUT_ZERO_D, Case, spec

WITHOUT_ZERO_D.update({
    "interpolate": "resizes the spatial dims of an (N, C, *spatial) input",
    "pixel_shuffle": "rearranges the (C, H, W) dims of a (*, C, H, W) input",
    "pixel_unshuffle": "rearranges the (C, H, W) dims of a (*, C, H, W) input",
    "im2col": "takes a (N, C, H, W) or (C, H, W) image",
    "col2im": "takes a (N, C kh kw, L) or (C kh kw, L) block matrix",
    "affine_grid": "theta is a batch of (N, 2, 3) or (N, 3, 4) affine matrices",
})


def _interpolate(x, **k):
    return F.interpolate(x, **k)


def _torch_interpolate(t, x, **k):
    return t.nn.functional.interpolate(x, **k)


def _interpolate_cases(rng):
    def x(*shape):
        return rng.standard_normal(shape)

    return [
        Case((x(2, 2, 4),), {"size": 7, "mode": "linear"}),
        Case((x(1, 2, 5),), {"scale_factor": 1.7, "mode": "linear", "align_corners": True},
             note="size-1 dim"),
        Case((x(1, 1, 3, 4),), {"size": (5, 3), "mode": "bilinear"}),
        Case((x(1, 2, 4, 3),), {"scale_factor": 1.5, "mode": "bicubic"}),
        Case((x(1, 1, 3, 3),), {"size": (4, 5), "mode": "bicubic", "align_corners": True}),
        Case((x(1, 1, 2, 3, 2),), {"scale_factor": (1.5, 1.0, 2.0), "mode": "trilinear"}),
        Case((x(2, 1, 5, 7),), {"size": (3, 4), "mode": "area"}),
        Case((x(1, 2, 6),), {"size": 4, "mode": "area"}),
        Case((x(1, 1, 6, 5),), {"size": (3, 7), "mode": "bilinear", "antialias": True}),
        Case((x(1, 1, 7, 4),), {"scale_factor": 0.6, "mode": "bicubic", "antialias": True}),
    ]


spec("interpolate", _interpolate, _interpolate_cases, _torch_interpolate, gradgrad=True)


def _cases(*items):
    def cases(rng):
        return [Case((rng.standard_normal(shape),), kw, note) for shape, kw, note in items]
    return cases


spec("pixel_shuffle", lambda x, **k: F.pixel_shuffle(x, **k),
     _cases(((1, 4, 2, 3), {"upscale_factor": 2}, "size-1 dim"),
            ((2, 3, 9, 1, 2), {"upscale_factor": 3}, "extra lead dim"),
            ((8, 2, 2), {"upscale_factor": 2}, "unbatched")),
     lambda t, x, **k: t.nn.functional.pixel_shuffle(x, **k), gradgrad=True)
spec("pixel_unshuffle", lambda x, **k: F.pixel_unshuffle(x, **k),
     _cases(((1, 2, 4, 6), {"downscale_factor": 2}, "size-1 dim"),
            ((2, 1, 1, 3, 3), {"downscale_factor": 3}, "extra lead dim")),
     lambda t, x, **k: t.nn.functional.pixel_unshuffle(x, **k), gradgrad=True)
spec("im2col", lambda x, **k: F.unfold(x, **k),
     _cases(((1, 2, 4, 3), {"kernel_size": 2}, "size-1 dim"),
            ((2, 1, 5, 5), {"kernel_size": (2, 3), "stride": 2, "padding": 1}, ""),
            ((2, 4, 5), {"kernel_size": 2, "dilation": (2, 1), "padding": (0, 1)}, "unbatched")),
     lambda t, x, **k: t.nn.functional.unfold(x, **k), gradgrad=True)
spec("col2im", lambda x, **k: F.fold(x, **k),
     _cases(((1, 8, 6), {"output_size": (3, 4), "kernel_size": 2}, "size-1 dim"),
            ((2, 6, 9), {"output_size": (5, 5), "kernel_size": (2, 3), "stride": 2,
                         "padding": 1}, ""),
            ((4, 12), {"output_size": (3, 5), "kernel_size": 2, "dilation": (1, 2),
                       "padding": (1, 0)}, "unbatched")),
     lambda t, x, **k: t.nn.functional.fold(x, **k), gradgrad=True)
spec("affine_grid", lambda t, **k: F.affine_grid(t, **k),
     _cases(((1, 2, 3), {"size": (1, 3, 2, 4), "align_corners": False}, "size-1 dim"),
            ((2, 2, 3), {"size": (2, 1, 3, 1), "align_corners": True}, ""),
            ((2, 3, 4), {"size": (2, 1, 2, 3, 2), "align_corners": False}, "5-D"),
            ((1, 3, 4), {"size": (1, 1, 2, 2, 3), "align_corners": True}, "5-D")),
     lambda t, x, **k: t.nn.functional.affine_grid(x, **k), gradgrad=True)
