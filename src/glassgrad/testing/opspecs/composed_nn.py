"""Specs for the composed ``nn.functional`` functions: activations, pools, losses, distances,
normalizations, resampling and dropout built from registered ops, with no Function class
of their own (``softmin``, ``kl_div``, ``grid_sample``, ...).

Float arrays in kwargs (``weight``, running statistics) become torch tensors for torch_fn.
Random functions are checked in eval mode (``training=False``) or with ``p=0``, where they
are deterministic and torch can match them; ``gumbel_softmax`` seeds glassgrad's generator
inside fn, which torch cannot match. Targets that torch cannot differentiate (±1 labels,
class indices) are constants (``consts``) or integer arrays.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

import glassgrad as gg
from glassgrad import functional as F

from . import WITHOUT_BROADCAST, WITHOUT_TORCH, WITHOUT_ZERO_D, Case, away_from, spec


def _quiet(fn):
    """Deprecation (``upsample``) and size-mismatch warnings the cases provoke on purpose."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    return wrapper


def _ours(name):
    return _quiet(lambda *xs, **k: getattr(F, name)(*xs, **k))


def _theirs(name):
    def fn(t, *xs, **k):
        k = {key: t.tensor(v) if isinstance(v, np.ndarray) else v for key, v in k.items()}
        return getattr(t.nn.functional, name)(*xs, **k)

    return _quiet(fn)


def _nn(name, cases, gradgrad=True, **kw):
    """A spec comparing ``glassgrad.nn.functional.<name>`` with torch's, both called alike."""
    spec(name, _ours(name), cases, _theirs(name), gradgrad=gradgrad, composed=True, **kw)


def _no_zero_d(names, why):
    WITHOUT_ZERO_D.update(dict.fromkeys(names, why))


def _pixels(rng, shape, lo, hi):
    """Pixel coordinates in [lo, hi) whose fractional part stays in [0.15, 0.35] or
    [0.65, 0.85]: away from the integer kinks of linear/cubic weights and from the
    half-integer steps of nearest and of reflection about -0.5 and size - 0.5."""
    whole = rng.integers(lo, hi, shape)
    frac = rng.uniform(0.15, 0.35, shape) + 0.5 * rng.integers(0, 2, shape)
    return whole + frac


# ------------------------------------------------------------------------------ activations
def _softmin_cases(rng):
    return [Case((rng.standard_normal((3, 4)),), {"dim": 1}),
            Case((rng.standard_normal((2, 3, 4)),), {"dim": 0}),
            Case((rng.standard_normal((2, 1, 3)),), {"dim": -1}),
            Case((rng.standard_normal(()),), {"dim": 0})]


def _glu_cases(rng):
    return [Case((rng.standard_normal((3, 4)),)),
            Case((rng.standard_normal((2, 6, 1)),), {"dim": 1}),
            Case((rng.standard_normal((1, 2)),), {"dim": -1})]


def _smooth_cases(rng):
    return [Case((rng.standard_normal((3, 4)) * 2,)), Case((rng.standard_normal((1, 5)),)),
            Case((np.array(0.8),)), Case((np.array(-1.3),))]


def _kinked(points, scale=3.0):
    def cases(rng):
        return [Case((away_from(rng.standard_normal((3, 4)) * scale, points),)),
                Case((away_from(rng.standard_normal((2, 1, 3)) * scale, points),)),
                Case((away_from(np.array(rng.standard_normal() * scale), points),))]

    return cases


_nn("softmin", _softmin_cases)
_nn("glu", _glu_cases)
_no_zero_d(["glu"], "halves a dim of even size: a 0-d tensor has none (torch refuses)")
_nn("tanhshrink", _smooth_cases)
_nn("relu6", _kinked((0.0, 6.0), scale=5.0))
_nn("rrelu", lambda rng: [Case(c.inputs, {"training": False, **kw})
                          for c in _kinked((0.0,))(rng)
                          for kw in ({}, {"lower": 0.05, "upper": 0.4})])


def _inplace(name, *args):
    """``F.<name>_`` on a copy of the input (in place on a leaf that requires grad is an
    error in both libraries)."""
    spec(name + "_", _quiet(lambda x, **k: getattr(F, name + "_")(x * 1, *args, **k)),
         _kinked((0.0, -1.0, 1.0, 0.5)),
         _quiet(lambda t, x, **k: getattr(t.nn.functional, name + "_")(x.clone(), *args, **k)),
         gradgrad=True, composed=True)


for _name in ("relu", "leaky_relu", "elu", "celu", "selu", "hardtanh", "rrelu"):
    _inplace(_name)
_inplace("threshold", 0.5, -2.0)


def _gumbel(x, **k):
    gg.manual_seed(3)
    return F.gumbel_softmax(x, **k)


spec("gumbel_softmax", _gumbel, lambda rng: [
    Case((rng.standard_normal((3, 4)),)), Case((rng.standard_normal((2, 3)),), {"tau": 0.5}),
    Case((rng.standard_normal((4, 1)),), {"dim": 0}),
    Case((np.array(0.3),), {"dim": 0})], gradgrad=True, composed=True)
WITHOUT_TORCH["gumbel_softmax"] = (
    "adds Gumbel noise from glassgrad's generator (seeded in fn); torch's generator draws "
    "other samples. hard=True is left out: its straight-through gradient is not the "
    "derivative of its (piecewise constant) value, so gradcheck cannot hold")


# ------------------------------------------------------------------------------ dropout
def _dropout_cases(nd):
    def cases(rng):
        shapes = [(2, 3, 4)] if nd == 1 else [(2, 3) + (3,) * nd, (3,) + (2,) * nd]
        if nd == 0:
            shapes = [(3, 4), (2, 1, 3), ()]
        out = []
        for shape in shapes:
            x = rng.standard_normal(shape)
            out += [Case((x,), {"training": False}), Case((x,), {"p": 0.3, "training": False})]
        if nd == 1:
            out.append(Case((rng.standard_normal((3, 1)),), {"training": False}, "unbatched"))
        else:
            out.append(Case((rng.standard_normal((1, 2) + (2,) * max(nd, 1)),),
                            {"p": 0.0, "training": True}, "p = 0"))
        return out

    return cases


for _name, _nd in (("dropout", 0), ("alpha_dropout", 0), ("feature_alpha_dropout", 0),
                   ("dropout1d", 1), ("dropout2d", 2), ("dropout3d", 3)):
    _nn(_name, _dropout_cases(_nd))
for _nd in (1, 2, 3):
    WITHOUT_ZERO_D[f"dropout{_nd}d"] = (f"zeroes whole channels of a ({_nd + 1})-D or "
                                        f"({_nd + 2})-D input (torch refuses others)")


# ------------------------------------------------------------------------------ pools
def _adaptive_avg_cases(d):
    def cases(rng):
        out = [Case((rng.standard_normal((2, 2) + (5,) * d),), {"output_size": 3}),
               Case((rng.standard_normal((2,) + (4,) * d),), {"output_size": 2}, "unbatched"),
               Case((rng.standard_normal((1, 1) + (3,) * d),), {"output_size": 1})]
        if d > 1:
            out.append(Case((rng.standard_normal((1, 2, 5) + (3,) * (d - 1)),),
                            {"output_size": (2,) + (None,) * (d - 1)}, "None keeps a size"))
        return out

    return cases


def _lp_cases(d):
    def cases(rng):
        small = (4,) * d if d < 3 else (3, 4, 2)

        def k(n):  # torch's lp_pool1d takes an int kernel_size only
            return n if d == 1 else (n,) * min(d, 2) + (2,) * (d - 2)

        return [Case((rng.standard_normal((2, 2) + small),), {"norm_type": 2, "kernel_size": 2}),
                Case((rng.uniform(0.2, 2.0, (1, 2) + small),),
                     {"norm_type": 3, "kernel_size": 2, "stride": 1}),
                Case((rng.uniform(0.2, 2.0, (2,) + (5,) * min(d, 2) + (3,) * (d - 2)),),
                     {"norm_type": 1.5, "kernel_size": k(3),
                      "stride": 2, "ceil_mode": True}, "unbatched, ceil_mode"),
                Case((rng.uniform(0.2, 2.0, (1, 1) + (4,) * d),),
                     {"norm_type": 1, "kernel_size": 2})]

    return cases


def _indices_cases(name):
    def distinct(rng, shape):
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.05 + rng.uniform(0, 0.01)).reshape(shape)

    d = int(name[name.index("pool") + 4])

    def cases(rng):
        if name.startswith("adaptive"):
            return [Case((distinct(rng, (1, 2) + (4,) * d),), {"output_size": 2}),
                    Case((distinct(rng, (2,) + (3,) * d),), {"output_size": 1}, "unbatched")]
        if name.startswith("fractional"):
            return [Case((distinct(rng, (1, 2, 5, 5)),),
                         {"kernel_size": 2, "output_size": 3,
                          "_random_samples": rng.uniform(0, 1, (1, 2, 2))}),
                    Case((distinct(rng, (1, 4, 5)),),
                         {"kernel_size": 2, "output_size": (2, 3),
                          "_random_samples": rng.uniform(0, 1, (1, 1, 2))}, "unbatched")]
        return [Case((distinct(rng, (1, 2) + (4,) * d),), {"kernel_size": 2}),
                Case((distinct(rng, (2,) + (5,) * d),), {"kernel_size": 3, "stride": 2,
                                                         "padding": 1}, "unbatched")]

    return cases


def _first(name):
    """``*_with_indices`` return (values, indices): the spec checks the values."""
    return (_quiet(lambda x, **k: getattr(F, name)(x, **k)[0]),
            _quiet(lambda t, x, **k: getattr(t.nn.functional, name)(
                x, **{a: t.tensor(v) if isinstance(v, np.ndarray) else v
                      for a, v in k.items()})[0]))


for _d in (1, 2, 3):
    _nn(f"adaptive_avg_pool{_d}d", _adaptive_avg_cases(_d))
    _nn(f"lp_pool{_d}d", _lp_cases(_d))
    _no_zero_d([f"adaptive_avg_pool{_d}d", f"lp_pool{_d}d"],
               f"pools a ({_d + 1})-D or ({_d + 2})-D input")
for _name in ("max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d",
              "adaptive_max_pool2d", "adaptive_max_pool3d", "fractional_max_pool2d"):
    _fn, _torch = _first(_name + "_with_indices")
    spec(_name + "_with_indices", _fn, _indices_cases(_name), _torch, gradgrad=True,
         composed=True)
    _no_zero_d([_name + "_with_indices"], "pools a (C, ...) or (N, C, ...) input")


# ------------------------------------------------------------------------------ losses
_REDUCTIONS = ("mean", "sum", "none")


def _kl_cases(rng):
    def pair(shape, log_target=False):
        x = np.log(rng.uniform(0.1, 1.0, shape))
        t = rng.uniform(0.1, 1.0, shape)
        return x, (np.log(t) if log_target else t)

    return [*[Case(pair((3, 4)), {"reduction": r}) for r in (*_REDUCTIONS, "batchmean")],
            Case(pair((2, 3), True), {"log_target": True}),
            Case(pair((2, 3), True), {"log_target": True, "reduction": "none"}),
            Case(pair(()), {"reduction": "sum"}), Case(pair((1, 4)), {"reduction": "batchmean"}),
            Case((pair((3, 4))[0], pair((4,))[1]), {"reduction": "none"}, "target broadcast")]


def _poisson_cases(rng):
    def pair(shape, log_input=True):
        x = rng.standard_normal(shape) if log_input else rng.uniform(0.2, 3.0, shape)
        t = rng.uniform(0.0, 4.0, shape)
        return x, 1.0 + away_from(t - 1.0, (0.0,))  # the Stirling term switches on at t > 1

    return [*[Case(pair((3, 4)), {"reduction": r}) for r in _REDUCTIONS],
            Case(pair((3, 4), False), {"log_input": False}),
            Case(pair((2, 3)), {"full": True, "reduction": "none"}),
            Case(pair((2, 3), False), {"log_input": False, "full": True, "eps": 1e-3}),
            Case(pair(())), Case(pair((1, 3)), {"reduction": "sum"}),
            Case((pair((3, 4))[0], pair((4,))[1]), {"reduction": "none"}, "target broadcast")]


def _gaussian_cases(rng):
    def triple(shape, vshape=None):
        v = rng.uniform(0.3, 2.0, shape if vshape is None else vshape)
        return rng.standard_normal(shape), rng.standard_normal(shape), v

    return [*[Case(triple((3, 4)), {"reduction": r}) for r in _REDUCTIONS],
            Case(triple((3, 4)), {"full": True}),
            Case(triple((3, 4), (3, 1)), {"reduction": "none"}, "one var per sample"),
            Case(triple((3, 4), (3,)), {"reduction": "sum"}, "var without the last dim"),
            Case(triple(()), {"reduction": "sum"}), Case(triple((1, 2)))]


def _labels(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _soft_margin_cases(rng):
    return [*[Case((rng.standard_normal((3, 4)) * 2, _labels(rng, (3, 4))), {"reduction": r})
              for r in _REDUCTIONS],
            Case((rng.standard_normal(()), np.array(-1.0))),
            Case((rng.standard_normal((1, 3)), _labels(rng, (1, 3))), {"reduction": "none"}),
            Case((rng.standard_normal((3, 4)), _labels(rng, (4,))), {"reduction": "none"},
                 "target broadcast")]


def _multilabel_soft_cases(rng):
    def pair(shape, tshape=None):
        return (rng.standard_normal(shape) * 2,
                rng.integers(0, 2, shape if tshape is None else tshape).astype(float))

    return [*[Case(pair((3, 4)), {"reduction": r}) for r in _REDUCTIONS],
            Case(pair((2, 3)), {"weight": rng.uniform(0.2, 2.0, (3,))}),
            Case(pair((1, 5)), {"reduction": "none"}),
            Case(pair((4,)), {"reduction": "sum"}, "unbatched"),
            Case(pair((3, 4), (4,)), {"reduction": "none"}, "target broadcast")]


def _cosine_embedding_cases(rng):
    def triple(n, d, margin):
        a, b = rng.standard_normal((n, d)), rng.standard_normal((n, d))
        cos = (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
        y = _labels(rng, (n,))
        y[np.abs(cos - margin) < 0.05] = 1.0  # -1 labels have a kink at cos = margin
        return a, b, y

    return [*[Case(triple(5, 3, 0.0), {"reduction": r}) for r in _REDUCTIONS],
            Case(triple(4, 3, 0.2), {"margin": 0.2}),
            Case(triple(3, 1, -0.5), {"margin": -0.5, "reduction": "none"}),
            Case(tuple(a[0] for a in triple(1, 4, 0.0)[:2]) + (np.array(1.0),), {},
                 "unbatched, 0-d target"),
            Case(triple(4, 3, 0.0)[:1] + (rng.standard_normal((1, 3)), np.ones(1)),
                 {"reduction": "none"}, "input2 and target broadcast")]


def _ranking_cases(rng):
    def triple(shape1, shape2, yshape, margin=0.0):
        """x1 (of the output's shape) = x2 + (margin - gap) y, so the hinge's argument
        -y (x1 - x2) + margin is gap, kept away from 0."""
        x2, y = rng.standard_normal(shape2), _labels(rng, yshape)
        gap = away_from(rng.standard_normal(shape1) * 2, (0.0,))
        return x2 + (margin - gap) * y, x2, y

    return [*[Case(triple((3, 4), (3, 4), (3, 4)), {"reduction": r}) for r in _REDUCTIONS],
            Case(triple((5,), (5,), (5,), 0.5), {"margin": 0.5}),
            Case(triple((), (), ()), {"margin": 0.3}),
            Case(triple((3, 4), (1, 4), (3, 1)), {"reduction": "none"}, "broadcast")]


def _hinge_embedding_cases(rng):
    def pair(shape, margin=1.0):
        return away_from(rng.standard_normal(shape) * 2, (margin,)), _labels(rng, shape)

    return [*[Case(pair((3, 4)), {"reduction": r}) for r in _REDUCTIONS],
            Case(pair((5,), 0.5), {"margin": 0.5}), Case(pair(())),
            Case(pair((1, 3)), {"reduction": "none"}),
            Case((pair((3, 4))[0], _labels(rng, (4,))), {"reduction": "none"}, "broadcast")]


def _dist(a, b, p, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _triplets(rng, shape, p=2, margin=1.0, swap=False, cosine=False, shapes=None):
    """Anchor, positive, negative with the hinge (and the swap's min) away from its kink."""
    while True:
        a, pos, neg = (rng.standard_normal(s) for s in (shapes or (shape,) * 3))
        if cosine:
            def dist(x, y):
                return 1 - (x * y).sum(-1) / np.sqrt((x * x).sum(-1) * (y * y).sum(-1))
        else:
            def dist(x, y):
                return _dist(x, y, p)
        dp, dn = dist(a, pos), dist(a, neg)
        if swap:
            alt = dist(pos, neg)
            if np.min(np.abs(dn - alt)) < 0.05:
                continue
            dn = np.minimum(dn, alt)
        flat = [np.abs(x - y + (0 if cosine else 1e-6))
                for x, y in ((a, pos), (a, neg), (pos, neg))]
        if np.min(np.abs(dp - dn + margin)) > 0.05 and (p != 1 or min(map(np.min, flat)) > 0.05):
            return a, pos, neg


def _triplet_cases(rng):
    return [*[Case(_triplets(rng, (4, 3)), {"reduction": r}) for r in _REDUCTIONS],
            Case(_triplets(rng, (4, 3), p=1, margin=0.5), {"p": 1, "margin": 0.5}),
            Case(_triplets(rng, (4, 3), p=3), {"p": 3, "reduction": "sum"}),
            Case(_triplets(rng, (5, 2), swap=True), {"swap": True, "reduction": "none"}),
            Case(_triplets(rng, (3,)), {}, "unbatched"),
            Case(_triplets(rng, (), margin=1.0)),
            Case(_triplets(rng, None, shapes=((3, 1), (3, 1), (3, 1)))),
            Case(_triplets(rng, None, shapes=((4, 3), (1, 3), (4, 3))), {"reduction": "none"},
                 "positive broadcast")]


def _triplet_distance(dist):
    if dist == "cosine":
        return {"distance_function": lambda x, y: 1 - F.cosine_similarity(x, y)}
    return {}


_triplet_ours = _quiet(lambda a, p, n, dist=None, **k: F.triplet_margin_with_distance_loss(
    a, p, n, **_triplet_distance(dist), **k))


def _triplet_theirs(t, a, p, n, dist=None, **k):
    if dist == "cosine":
        k["distance_function"] = lambda x, y: 1 - t.nn.functional.cosine_similarity(x, y)
    return t.nn.functional.triplet_margin_with_distance_loss(a, p, n, **k)


def _triplet_distance_cases(rng):
    return [*[Case(_triplets(rng, (4, 3)), {"reduction": r}) for r in _REDUCTIONS],
            Case(_triplets(rng, (4, 3), margin=0.3, cosine=True),
                 {"dist": "cosine", "margin": 0.3}),
            Case(_triplets(rng, (5, 2), swap=True), {"swap": True, "reduction": "none"}),
            Case(_triplets(rng, (5, 3), cosine=True, margin=0.2, swap=True),
                 {"dist": "cosine", "margin": 0.2, "swap": True}),
            Case(_triplets(rng, (3,)), {}, "unbatched"), Case(_triplets(rng, ())),
            Case(_triplets(rng, None, shapes=((3, 1), (3, 1), (3, 1)))),
            Case(_triplets(rng, None, shapes=((4, 3), (1, 3), (4, 3))), {"reduction": "none"},
                 "positive broadcast")]


def _multi_margin_cases(rng):
    def pair(n, c, margin=1.0):
        y = rng.integers(0, c, n)
        x = rng.standard_normal((n, c)) * 2
        picked = np.take_along_axis(x, y[:, None], 1)
        gaps = away_from(margin - picked + x, (0.0,))
        x = gaps + picked - margin  # margin - x[y] + x[i] stays away from 0 (i != y)
        x[np.arange(n), y] = picked[:, 0]
        return x, y

    return [*[Case(pair(4, 3), {"reduction": r}) for r in _REDUCTIONS],
            Case(pair(3, 4, 0.5), {"p": 2, "margin": 0.5}),
            Case(pair(4, 3), {"weight": rng.uniform(0.2, 2.0, (3,)), "reduction": "none"}),
            Case((pair(1, 5)[0][0], np.array(2)), {}, "unbatched"),
            Case(pair(3, 1)), Case((np.array(0.4), np.array(0)), {}, "0-d")]


def _multilabel_margin_cases(rng):
    def pair(n, c):
        x = rng.standard_normal((n, c)) * 2
        y = np.full((n, c), -1)
        for i in range(n):  # a handful of rows: each lists some classes, then -1
            k = rng.integers(1, c + 1)
            y[i, :k] = rng.permutation(c)[:k]
        # keep 1 - (x[j] - x[i]) away from 0 for every target j and non-target i
        while True:
            ok = True
            for i in range(n):
                tgt = y[i][y[i] >= 0]
                rest = np.setdiff1d(np.arange(c), tgt)
                if rest.size and np.min(np.abs(1 - (x[i, tgt][:, None] - x[i, rest]))) < 0.05:
                    x[i] = rng.standard_normal(c) * 2
                    ok = False
            if ok:
                return x, y

    return [*[Case(pair(3, 4), {"reduction": r}) for r in _REDUCTIONS],
            Case((pair(1, 5)[0][0], pair(1, 5)[1][0]), {}, "unbatched"),
            Case(pair(2, 1)), Case((np.array(0.3), np.array(0)), {}, "0-d")]


_nn("kl_div", _kl_cases)
_nn("poisson_nll_loss", _poisson_cases)
_nn("gaussian_nll_loss", _gaussian_cases)
_nn("soft_margin_loss", _soft_margin_cases, consts=(1,))
_nn("multilabel_soft_margin_loss", _multilabel_soft_cases, consts=(1,))
_nn("cosine_embedding_loss", _cosine_embedding_cases, consts=(2,))
_nn("margin_ranking_loss", _ranking_cases, consts=(2,))
_nn("hinge_embedding_loss", _hinge_embedding_cases, consts=(1,))
_nn("triplet_margin_loss", _triplet_cases)
spec("triplet_margin_with_distance_loss", _triplet_ours, _triplet_distance_cases,
     _quiet(_triplet_theirs), gradgrad=True, composed=True)
_nn("multi_margin_loss", _multi_margin_cases)
_nn("multilabel_margin_loss", _multilabel_margin_cases)
WITHOUT_ZERO_D["multilabel_soft_margin_loss"] = (
    "averages over the class dim (-1): torch refuses a 0-d input")
for _name in ("multilabel_soft_margin_loss", "triplet_margin_loss",
              "triplet_margin_with_distance_loss"):
    WITHOUT_BROADCAST[_name] = (
        "reduces over the last dim: the inputs broadcast against each other (a (4,) or "
        "(1, 3) input is a case), not to the output's shape, which the shape rule compares")
for _name in ("multi_margin_loss", "multilabel_margin_loss"):
    WITHOUT_BROADCAST[_name] = "one float input: the target holds class indices"


# ------------------------------------------------------------------------------ distances
def _normalize_cases(rng):
    return [Case((rng.standard_normal((3, 4)),)), Case((rng.standard_normal((3, 4)),), {"dim": 0}),
            Case((away_from(rng.standard_normal((2, 3, 2)), (0.0,)),), {"p": 1, "dim": -1}),
            Case((rng.standard_normal((2, 5)),), {"p": 3.0}),
            Case((rng.standard_normal((1, 4)),), {"eps": 10.0}, "eps wins (norm < eps)"),
            Case((rng.standard_normal((4, 1)),)), Case((np.array(-0.7),), {"dim": 0})]


def _cosine_similarity_cases(rng):
    return [Case((rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))),
            Case((rng.standard_normal((3, 4)), rng.standard_normal((3, 4))), {"dim": 0}),
            Case((rng.standard_normal((3, 4)), rng.standard_normal((4,))), {"dim": -1},
                 "broadcast"),
            Case((rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 3))), {"dim": -1}),
            Case((rng.standard_normal(()), rng.standard_normal(())), {"dim": 0})]


def _pairwise_cases(rng):
    def far(s1, s2):
        a, b = rng.standard_normal(s1), rng.standard_normal(s2)
        d = away_from(np.broadcast_to(a, np.broadcast_shapes(s1, s2)) - b, (0.0,))
        return (b + d if np.shape(d) == s1 else a), b  # a - b away from 0 (p < 2 kinks)

    return [Case(far((3, 4), (3, 4))), Case(far((3, 4), (3, 4)), {"p": 1.0}),
            Case(far((3, 4), (3, 4)), {"p": 3.0, "keepdim": True}),
            Case(far((3, 4), (4,)), {}, "broadcast"), Case(far((2, 1), (2, 1)), {"p": 1.5}),
            Case(far((4,), (4,)), {"eps": 1e-3}), Case(far((), ()))]


def _pdist_cases(rng):
    return [Case((rng.standard_normal((4, 3)),)), Case((rng.standard_normal((4, 3)),), {"p": 1.0}),
            Case((rng.standard_normal((3, 2)),), {"p": 3.0}),
            Case((rng.standard_normal((5, 1)),), {"p": 2.0})]


def _embedding_cases(rng):
    return [Case((np.array([[0, 2, 4], [2, 1, 2]]), rng.standard_normal((5, 3)))),
            Case((np.array([0, 2, 3, 2]), rng.standard_normal((4, 2))), {"padding_idx": 1}),
            Case((np.array([[3, 1], [1, 1]]), rng.standard_normal((4, 1))), {"padding_idx": -4}),
            Case((np.array(2), rng.standard_normal((3, 2))), {}, "0-d indices")]


_nn("normalize", _normalize_cases)
_nn("cosine_similarity", _cosine_similarity_cases)
_nn("pairwise_distance", _pairwise_cases)
_nn("pdist", _pdist_cases)
for _name in ("cosine_similarity", "pairwise_distance"):
    WITHOUT_BROADCAST[_name] = (
        "reduces over a dim: the inputs broadcast against each other ((3, 4) with (4,) is a "
        "case), not to the output's shape, which the shape rule compares")
_no_zero_d(["pdist"], "distances between the rows of a 2-D input")
_nn("embedding", _embedding_cases)
_no_zero_d(["embedding"], "the weight is a 2-D table (0-d indices are a case)")


# ------------------------------------------------------------------------------ grid_sample
def _grid(rng, shape, sizes, align_corners):
    """A grid of shape (N, *out, d) sampling pixel coordinates in [-1, size): some outside,
    all away from kinks (see _pixels); grid[..., 0] indexes the last dim."""
    coords = []
    for size in reversed(sizes):
        px = _pixels(rng, shape, -1, size)
        coords.append(2 * px / (size - 1) - 1 if align_corners else (2 * px + 1) / size - 1)
    return np.stack(coords, -1)


def _grid_sample_cases(rng):
    out = []
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for ac in (False, True):
                x = rng.standard_normal((1, 2, 3, 4))
                out.append(Case((x, _grid(rng, (1, 2, 3), (3, 4), ac)),
                                {"mode": mode, "padding_mode": padding, "align_corners": ac}))
    out.append(Case((rng.standard_normal((2, 1, 4, 3)), _grid(rng, (2, 3, 2), (4, 3), False)),
                    {}, "defaults"))
    for mode in ("bilinear", "nearest"):
        out.append(Case((rng.standard_normal((1, 2, 2, 3, 3)),
                         _grid(rng, (1, 2, 2, 2), (2, 3, 3), False)),
                        {"mode": mode, "padding_mode": "border", "align_corners": False},
                        "volumetric"))
    return out


_nn("grid_sample", _grid_sample_cases)
_no_zero_d(["grid_sample"], "samples a (N, C, H, W) or (N, C, D, H, W) input at an "
                            "(N, ..., 2 or 3) grid")
WITHOUT_BROADCAST["grid_sample"] = "input and grid have fixed, distinct shapes: nothing broadcasts"


# ------------------------------------------------------------------------------ normalization
def _instance_norm_cases(rng):
    return [Case((rng.standard_normal((2, 3, 4)),)),
            Case((rng.standard_normal((2, 2, 3, 3)), rng.uniform(0.5, 2.0, (2,)),
                  rng.standard_normal((2,))), {"eps": 1e-3}),
            Case((rng.standard_normal((1, 2, 5)), rng.uniform(0.5, 2.0, (2,)), None)),
            Case((rng.standard_normal((2, 2, 2, 2, 2)), None, rng.standard_normal((2,)))),
            Case((rng.standard_normal((2, 3, 4)), rng.uniform(0.5, 2.0, (3,)),
                  rng.standard_normal((3,))),
                 {"use_input_stats": False, "running_mean": rng.standard_normal((3,)),
                  "running_var": rng.uniform(0.5, 2.0, (3,))}, "running statistics")]


def _instance_ours(x, weight=None, bias=None, **k):
    return F.instance_norm(x, weight=weight, bias=bias, **k)


def _instance_theirs(t, x, weight=None, bias=None, **k):
    k = {key: t.tensor(v) if isinstance(v, np.ndarray) else v for key, v in k.items()}
    return t.nn.functional.instance_norm(x, weight=weight, bias=bias, **k)


def _lrn_cases(rng):
    return [Case((rng.standard_normal((2, 4, 3)),), {"size": 3}),
            Case((rng.standard_normal((1, 5, 2, 2)),),
                 {"size": 2, "alpha": 0.1, "beta": 0.6, "k": 2.0}),
            Case((rng.standard_normal((1, 3, 2, 1, 2)),), {"size": 4, "alpha": 0.5})]


spec("instance_norm", _instance_ours, _instance_norm_cases, _instance_theirs, gradgrad=True,
     composed=True)
_nn("local_response_norm", _lrn_cases)
_no_zero_d(["instance_norm", "local_response_norm"], "normalizes an (N, C, ...) input")
WITHOUT_BROADCAST["instance_norm"] = (
    "weight and bias are per-channel (C,) vectors applied along dim 1, not broadcast by "
    "numpy rules to the output's shape")


# ------------------------------------------------------------------------------ resampling
def _upsample_cases(rng):
    return [Case((rng.standard_normal((1, 2, 3)),), {"scale_factor": 2}),
            Case((rng.standard_normal((2, 1, 2, 3)),), {"size": (3, 5), "mode": "nearest"}),
            Case((rng.standard_normal((1, 2, 4)),), {"size": 7, "mode": "linear",
                                                     "align_corners": False}),
            Case((rng.standard_normal((1, 1, 3, 2)),), {"scale_factor": 2, "mode": "bilinear",
                                                        "align_corners": True}),
            Case((rng.standard_normal((1, 1, 3, 3)),), {"size": 5, "mode": "bicubic",
                                                        "align_corners": False}),
            Case((rng.standard_normal((1, 1, 2, 2, 2)),), {"scale_factor": 1.5,
                                                           "mode": "trilinear"})]


def _upsample_alias_cases(rng):
    return [Case((rng.standard_normal((1, 2, 3, 2)),), {"scale_factor": 2}),
            Case((rng.standard_normal((1, 1, 2, 3)),), {"size": (3, 4)})]


_nn("upsample", _upsample_cases)
_nn("upsample_nearest", _upsample_alias_cases)
_nn("upsample_bilinear", _upsample_alias_cases)
_no_zero_d(["upsample", "upsample_nearest", "upsample_bilinear"],
           "resizes the spatial dims of an (N, C, ...) input")


# ------------------------------------------------------------------------------ blocks
def _unfold_cases(rng):
    return [Case((rng.standard_normal((1, 2, 4, 4)),), {"kernel_size": 2}),
            Case((rng.standard_normal((2, 1, 5, 4)),),
                 {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": 2}),
            Case((rng.standard_normal((2, 3, 3)),), {"kernel_size": 2}, "unbatched")]


def _fold_cases(rng):
    return [Case((rng.standard_normal((1, 8, 9)),), {"output_size": 4, "kernel_size": 2}),
            Case((rng.standard_normal((2, 6, 6)),),
                 {"output_size": (5, 4), "kernel_size": (2, 3), "dilation": (2, 1),
                  "padding": 1, "stride": 2}),
            Case((rng.standard_normal((4, 4)),), {"output_size": 3, "kernel_size": 2},
                 "unbatched"),
            Case((rng.standard_normal((1, 2, 2)),), {"output_size": (2, 3), "kernel_size": (1, 2),
                                                     "stride": (2, 1)})]


def _shuffle_cases(rng):
    return [Case((rng.standard_normal((1, 6, 2, 2)),), {"groups": 3}),
            Case((rng.standard_normal((2, 4, 3)),), {"groups": 2}),
            Case((rng.standard_normal((1, 4, 1, 2)),), {"groups": 4})]


_nn("unfold", _unfold_cases)
_nn("fold", _fold_cases)
_nn("channel_shuffle", _shuffle_cases)
spec("native_channel_shuffle", _ours("native_channel_shuffle"), _shuffle_cases,
     _theirs("channel_shuffle"), gradgrad=True, composed=True)  # torch's native one has no
# backward; its channel_shuffle is the same function with one
_no_zero_d(["unfold", "fold"], "moves between image blocks and columns of a (C, ...) or "
                               "(N, C, ...) input")
_no_zero_d(["channel_shuffle", "native_channel_shuffle"], "shuffles the channel dim of an "
                                                          "(N, C, ...) input")
