"""Specs for pooling: max, average and adaptive max pools over 1, 2 and 3 spatial dims,
fractional max pools (2-d, 3-d) and max-unpooling. Max pools get inputs without ties (values
at least 0.05 apart), so the argmax is stable under gradcheck's nudges; ties are compared with
torch in tests/test_pooling_more.py."""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import WITHOUT_ZERO_D, Case, spec


def _distinct(rng, shape):
    """Values with no ties, at least 0.05 apart, so the max is stable under eps nudges."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 + rng.uniform(0, 0.01)).reshape(shape)


def _functional(name):
    return (lambda x, **k: getattr(F, name)(x, **k),
            lambda t, x, **k: getattr(t.nn.functional, name)(x, **k))


def _max_cases(d):
    def cases(rng):
        out = [Case((_distinct(rng, (2, 2) + (5,) * d),), {"kernel_size": 2}),
               Case((_distinct(rng, (1, 2) + (6,) * d),),
                    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
               Case((_distinct(rng, (2,) + (5,) * d),), {"kernel_size": 3, "stride": 1},
                    "unbatched, overlapping windows")]
        if d < 3:
            out.append(Case((_distinct(rng, (1, 1) + (7,) * d),),
                            {"kernel_size": 2, "stride": 1, "padding": 1, "dilation": 2}))
        return out

    return cases


def _avg_cases(d):
    def cases(rng):
        out = [Case((rng.standard_normal((2, 2) + (4,) * d),), {"kernel_size": 2}),
               Case((rng.standard_normal((1, 2) + (5,) * d),),
                    {"kernel_size": 3, "stride": 2, "padding": 1}),
               Case((rng.standard_normal((2,) + (5,) * d),),
                    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False,
                     "ceil_mode": True}, "unbatched")]
        if d > 1:
            out.append(Case((rng.standard_normal((1, 1) + (5,) * d),),
                            {"kernel_size": 2, "stride": 1, "divisor_override": 3}))
        return out

    return cases


for _d in (1, 2, 3):
    _fn, _torch = _functional(f"max_pool{_d}d")
    spec(f"max_pool{_d}d", _fn, _max_cases(_d), _torch, gradgrad=True)
    _fn, _torch = _functional(f"avg_pool{_d}d")
    spec(f"avg_pool{_d}d", _fn, _avg_cases(_d), _torch, gradgrad=True)
    WITHOUT_ZERO_D[f"max_pool{_d}d"] = f"needs a ({_d + 1})-D or ({_d + 2})-D input"
    WITHOUT_ZERO_D[f"avg_pool{_d}d"] = f"needs a ({_d + 1})-D or ({_d + 2})-D input"


def _adaptive_cases(d):
    def cases(rng):
        if d == 3:  # small: gradcheck costs a backward per element
            return [Case((_distinct(rng, (1, 2) + (4,) * d),), {"output_size": 2}),
                    Case((_distinct(rng, (1, 1, 5, 4, 3)),), {"output_size": (3, 3, 2)},
                         "overlapping windows"),
                    Case((_distinct(rng, (2, 3, 1, 3)),), {"output_size": (2, None, 1)},
                         "unbatched, a size-1 dim")]
        return [Case((_distinct(rng, (2, 2) + (6,) * d),), {"output_size": 3}),
                Case((_distinct(rng, (1, 2) + (7,) * d),), {"output_size": 4},
                     "overlapping windows"),
                Case((_distinct(rng, (2,) + (5,) * d),), {"output_size": 1}, "unbatched")]

    return cases


for _d in (1, 2, 3):
    _fn, _torch = _functional(f"adaptive_max_pool{_d}d")
    spec(f"adaptive_max_pool{_d}d", _fn, _adaptive_cases(_d), _torch, gradgrad=True)
    WITHOUT_ZERO_D[f"adaptive_max_pool{_d}d"] = f"needs a ({_d + 1})-D or ({_d + 2})-D input"


def _unpool_cases(d):
    """Pooled values and their indices, as max_pool returns them (each index once)."""

    def cases(rng):
        out = []
        for lead, k, size in [((2, 2), 2, None), ((1, 3), 3, None), ((2,), 2, 1)]:
            x = _distinct(rng, lead + (6,) * d)
            pooled, idx = getattr(F, f"max_pool{d}d")(x, k, return_indices=True)
            kw = {"indices": idx._data, "kernel_size": k}
            if size is not None:  # an output one larger than the default on each axis
                kw["output_size"] = tuple(n * k + size for n in pooled.shape[-d:])
            out.append(Case((pooled._data.copy(),), kw))
        return out

    return cases


def _unpool_torch(d):
    def fn(t, x, indices, **k):
        return getattr(t.nn.functional, f"max_unpool{d}d")(x, t.as_tensor(indices), **k)

    return fn


for _d in (1, 2, 3):
    spec(f"max_unpool{_d}d", lambda x, _d=_d, **k: getattr(F, f"max_unpool{_d}d")(x, **k),
         _unpool_cases(_d), _unpool_torch(_d), gradgrad=True)
    WITHOUT_ZERO_D[f"max_unpool{_d}d"] = f"needs a ({_d + 1})-D or ({_d + 2})-D input"


def _fractional_cases(rng):
    out = []
    for shape, k, size in [((2, 2, 7, 8), 2, (4, 5)), ((1, 3, 6, 6), (2, 3), 3),
                           ((2, 6, 5), 2, (4, 2))]:
        planes = shape[:-2] if len(shape) == 4 else (1, shape[0])
        kw = {"kernel_size": k, "output_size": size, "_random_samples": rng.random(planes + (2,))}
        out.append(Case((_distinct(rng, shape),), kw))
    return out


def _fractional_torch(t, x, _random_samples, **k):
    return t.nn.functional.fractional_max_pool2d(x, _random_samples=t.as_tensor(_random_samples),
                                                 **k)


spec("fractional_max_pool2d", lambda x, **k: F.fractional_max_pool2d(x, **k), _fractional_cases,
     _fractional_torch, gradgrad=True)
WITHOUT_ZERO_D["fractional_max_pool2d"] = "needs a 3-D or 4-D input"


def _fractional3d_cases(rng):
    out = []
    for shape, k, size in [((1, 2, 5, 6, 4), 2, (3, 4, 2)), ((1, 1, 4, 5, 4), (2, 3, 1), 2),
                           ((1, 4, 5, 5), 2, (2, 3, 3))]:
        planes = shape[:-3] if len(shape) == 5 else (1, shape[0])
        kw = {"kernel_size": k, "output_size": size, "_random_samples": rng.random(planes + (3,))}
        out.append(Case((_distinct(rng, shape),), kw, "unbatched" if len(shape) == 4 else ""))
    return out


def _fractional3d_torch(t, x, _random_samples, **k):
    return t.nn.functional.fractional_max_pool3d(x, _random_samples=t.as_tensor(_random_samples),
                                                 **k)


spec("fractional_max_pool3d", lambda x, **k: F.fractional_max_pool3d(x, **k),
     _fractional3d_cases, _fractional3d_torch, gradgrad=True)
WITHOUT_ZERO_D["fractional_max_pool3d"] = "needs a 4-D or 5-D input"
