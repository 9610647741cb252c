"""Specs for batch_norm and layer_norm: batch and running statistics, 2-D to 4-D inputs,
with and without the affine weight and bias.

The running statistics ride in kwargs as arrays (made torch tensors for torch_fn); the
training cases pass none, so repeated calls leave nothing behind.
"""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import Case, spec


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
