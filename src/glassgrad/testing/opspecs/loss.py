"""Specs for the regression and binary losses: every reduction, 0-d inputs, weights.

``weight`` and ``pos_weight`` ride in kwargs as arrays (made torch tensors for torch_fn).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from glassgrad import functional as F

from . import Case, away_from, spec


def _quiet(fn):
    """Both libraries warn when target and input sizes differ; the cases do it on purpose."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args, **kwargs)

    return wrapper


def _ours(name):
    return _quiet(lambda *xs, **k: getattr(F, name)(*xs, **k))


def _theirs(name):
    def fn(t, *xs, **k):
        k = {key: t.tensor(v) if isinstance(v, np.ndarray) else v for key, v in k.items()}
        return getattr(t.nn.functional, name)(*xs, **k)

    return _quiet(fn)


def _loss_spec(name, cases, **kw):
    spec(name, _ours(name), cases, _theirs(name), **kw)


# ------------------------------------------------------------------------------ regression
def _regression_cases(kinks=(0.0,), weight=True):
    """(input, target) pairs whose difference stays away from the loss's kinks."""

    def cases(rng):
        def pair(shape, tshape=None):
            x = rng.standard_normal(shape)
            t = rng.standard_normal(tshape if tshape is not None else shape)
            return t + away_from(x - t, kinks + tuple(-k for k in kinks)), t

        out = [Case(pair((3, 4))), Case(pair((3, 4)), {"reduction": "sum"}),
               Case(pair((2, 3)), {"reduction": "none"}),
               Case(pair((3, 4), (4,)), note="target broadcast"),
               Case(pair((2, 3, 4), (3, 1)), {"reduction": "none"}, note="target broadcast"),
               Case(pair(()), {"reduction": "none"}), Case(pair(()), {"reduction": "sum"}),
               Case(pair(())), Case(pair((1, 5)), {"reduction": "none"})]
        if weight:
            x, t = pair((3, 4))
            out.append(Case((x, t), {"weight": rng.uniform(0.1, 2.0, (3, 4))}))
        return out

    return cases


_loss_spec("mse_loss", _regression_cases(), gradgrad=True)
_loss_spec("l1_loss", _regression_cases(), gradgrad=True)
_loss_spec("huber_loss", lambda rng: [
    *_regression_cases((1.0,))(rng),
    *[Case(c.inputs, {**c.kwargs, "delta": 0.5})
      for c in _regression_cases((0.5,), weight=False)(rng)[:3]]], gradgrad=True)
_loss_spec("smooth_l1_loss", lambda rng: [
    *_regression_cases((1.0,), weight=False)(rng),
    *[Case(c.inputs, {**c.kwargs, "beta": 0.5})
      for c in _regression_cases((0.5,), weight=False)(rng)[:3]]], gradgrad=True)


# ------------------------------------------------------------------------------ binary
def _bce_cases(rng):
    def pair(shape):
        return rng.uniform(0.05, 0.95, shape), rng.uniform(0.0, 1.0, shape)

    return [Case(pair((3, 4))), Case(pair((3, 4)), {"reduction": "sum"}),
            Case(pair((5,)), {"reduction": "none"}), Case(pair(()), {"reduction": "none"}),
            Case(pair(())), Case(pair((2, 3)), {"weight": rng.uniform(0.1, 2.0, (3,))}),
            Case(pair((2, 3)), {"weight": rng.uniform(0.1, 2.0, (2, 3)),
                                "reduction": "none"}),
            Case(pair((1, 4)), {"weight": rng.uniform(0.1, 2.0, (1,))})]


def _bce_logits_cases(rng):
    def pair(shape):
        return rng.standard_normal(shape) * 3, rng.uniform(0.0, 1.0, shape)

    return [Case(pair((3, 4))), Case(pair((3, 4)), {"reduction": "sum"}),
            Case(pair((5,)), {"reduction": "none"}), Case(pair(()), {"reduction": "none"}),
            Case(pair(())), Case(pair((2, 3)), {"weight": rng.uniform(0.1, 2.0, (3,))}),
            Case(pair((2, 3)), {"pos_weight": rng.uniform(0.1, 3.0, (3,))}),
            Case(pair((2, 3)), {"weight": rng.uniform(0.1, 2.0, (2, 1)),
                                "pos_weight": rng.uniform(0.1, 3.0, (3,)),
                                "reduction": "none"}),
            Case((np.array([40.0, -40.0, 0.5]), np.array([0.0, 1.0, 0.3])), note="large"),
            Case(pair((3, 1)), {"pos_weight": rng.uniform(0.1, 3.0, (1,)),
                                "reduction": "none"})]


_loss_spec("binary_cross_entropy", _bce_cases, gradgrad=True)
_loss_spec("binary_cross_entropy_with_logits", _bce_logits_cases, gradgrad=True)
