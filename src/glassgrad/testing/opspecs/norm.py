"""Specs for batch_norm, layer_norm, group_norm and rms_norm: batch and running statistics,
with and without the affine weight and bias.

The running statistics ride in kwargs as arrays (made torch tensors for torch_fn); the
training cases pass none, so repeated calls leave nothing behind.
"""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import WITHOUT_ZERO_D, Case, spec


def _batch_norm(x, w=None, b=None, running_mean=None, running_var=None, **k):
    return F.batch_norm(x, running_mean, running_var, w, b, **k)


def _torch_batch_norm(t, x, w=None, b=None, running_mean=None, running_var=None, **k):
    rm, rv = (None if a is None else t.tensor(a) for a in (running_mean, running_var))
    return t.nn.functional.batch_norm(x, rm, rv, w, b, **k)


def _batch_norm_cases(rng):
    def affine(c):
        return rng.uniform(0.5, 2.0, c), rng.standard_normal(c)

    def running(c):
        return {"running_mean": rng.standard_normal(c),
                "running_var": rng.uniform(0.5, 2.0, c)}

    return [
        Case((rng.standard_normal((4, 3)), *affine(3)), {"training": True}),
        Case((rng.standard_normal((2, 3, 4, 5)), *affine(3)), {"training": True}),
        Case((rng.standard_normal((3, 2, 5)), *affine(2)), {"training": True, "eps": 1e-3}),
        Case((rng.standard_normal((2, 2, 3, 3)),), {"training": True}, note="no affine"),
        Case((rng.standard_normal((2, 4, 3)), affine(4)[0]), {"training": True},
             note="weight only"),
        Case((rng.standard_normal((3, 3, 2, 2)), *affine(3)), {"training": False, **running(3)},
             note="eval"),
        Case((rng.standard_normal((5, 2)),), {"training": False, **running(2)}, note="eval"),
        Case((rng.standard_normal((3, 2, 1, 4)), *affine(2)), {"training": True},
             note="size-1 dim"),
    ]


def _layer_norm(x, w=None, b=None, **k):
    return F.layer_norm(x, weight=w, bias=b, **k)


def _torch_layer_norm(t, x, w=None, b=None, **k):
    return t.nn.functional.layer_norm(x, weight=w, bias=b, **k)


def _layer_norm_cases(rng):
    def affine(shape):
        return rng.uniform(0.5, 2.0, shape), rng.standard_normal(shape)

    return [
        Case((rng.standard_normal((4, 5)), *affine(5)), {"normalized_shape": (5,)}),
        Case((rng.standard_normal((2, 3, 4)), *affine((3, 4))), {"normalized_shape": (3, 4)}),
        Case((rng.standard_normal((3, 6)),), {"normalized_shape": (6,), "eps": 1e-3},
             note="no affine"),
        Case((rng.standard_normal(5), *affine(5)), {"normalized_shape": [5]}, note="no lead"),
        Case((rng.standard_normal((2, 2, 3)), affine(3)[0]), {"normalized_shape": (3,)},
             note="weight only"),
        Case((np.full((2, 4), 3.0) + rng.standard_normal((2, 4)) * 1e-2, *affine(4)),
             {"normalized_shape": (4,)}, note="small spread"),
        Case((rng.standard_normal((3, 1, 4)), *affine((1, 4))), {"normalized_shape": (1, 4)},
             note="size-1 dim"),
    ]


spec("batch_norm", _batch_norm, _batch_norm_cases, _torch_batch_norm, gradgrad=True)
spec("layer_norm", _layer_norm, _layer_norm_cases, _torch_layer_norm, gradgrad=True)


def _rms_norm(x, w=None, **k):
    return F.rms_norm(x, weight=w, **k)


def _torch_rms_norm(t, x, w=None, **k):
    return t.nn.functional.rms_norm(x, weight=w, **k)


def _rms_norm_cases(rng):
    return [
        Case((rng.standard_normal((4, 5)), rng.uniform(0.5, 2.0, 5)), {"normalized_shape": (5,)},
             note="weight broadcast over rows"),
        Case((rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4))),
             {"normalized_shape": (3, 4), "eps": 1e-3}),
        Case((rng.standard_normal((3, 6)),), {"normalized_shape": (6,)}, note="no weight"),
        Case((rng.standard_normal(4), rng.standard_normal(4)), {"normalized_shape": [4]},
             note="no lead"),
        Case((rng.standard_normal((3, 1, 4)), rng.standard_normal((1, 4))),
             {"normalized_shape": (1, 4)}, note="size-1 dim"),
    ]


WITHOUT_ZERO_D.update({"rms_norm": "normalized_shape is at least one trailing dim"})
spec("rms_norm", _rms_norm, _rms_norm_cases, _torch_rms_norm, gradgrad=True)


def _group_norm(x, w=None, b=None, **k):
    return F.group_norm(x, weight=w, bias=b, **k)


def _torch_group_norm(t, x, w=None, b=None, **k):
    return t.nn.functional.group_norm(x, weight=w, bias=b, **k)


def _group_norm_cases(rng):
    def affine(c):
        return rng.uniform(0.5, 2.0, c), rng.standard_normal(c)

    return [
        Case((rng.standard_normal((2, 6)), *affine(6)), {"num_groups": 3},
             note="weight and bias broadcast over the batch"),
        Case((rng.standard_normal((2, 4, 5)), *affine(4)), {"num_groups": 2, "eps": 1e-3}),
        Case((rng.standard_normal((1, 6, 2, 3)),), {"num_groups": 6}, note="no affine, size-1"),
        Case((rng.standard_normal((2, 4, 2, 1, 3)), affine(4)[0]), {"num_groups": 1},
             note="weight only, 5-D"),
        Case((np.full((2, 2, 3), 1.5) + rng.standard_normal((2, 2, 3)) * 1e-2, *affine(2)),
             {"num_groups": 2}, note="small spread"),
    ]


WITHOUT_ZERO_D.update({"group_norm": "needs (N, C, ...) input"})
spec("group_norm", _group_norm, _group_norm_cases, _torch_group_norm, gradgrad=True)
