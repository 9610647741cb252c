"""Small 2-D classification sets with sklearn's signatures: moons, circles, blobs, spirals,
xor.

Each returns ``(X, y)``: X float32 of shape (n_samples, n_features), y int64 class labels.
Randomness comes from ``random_state`` (an int seed or a numpy Generator) or its alias
``generator``; with neither, from glassgrad's default generator, so ``gg.manual_seed(n)``
makes the draw repeat.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dataset import as_generator


def _rng(random_state, generator, who):
    if random_state is not None and generator is not None:
        raise TypeError(f"{who}: pass random_state or generator, not both")
    return as_generator(generator if generator is not None else random_state, who)


def _count(n_samples, who):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
            or n_samples < 0:
        raise ValueError(f"{who}: n_samples must be a non-negative int, got {n_samples!r}")
    return int(n_samples)


def _split(n, k):
    """n samples over k groups, the remainder going to the first groups (as sklearn)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _finish(X, y, rng, shuffle, noise):
    if shuffle:
        perm = rng.permutation(len(y))
        X, y = X[perm], y[perm]
    if noise is not None:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype(np.float32), y.astype(np.int64)


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None, generator=None):
    """Two interleaving half circles (sklearn.datasets.make_moons).

    ``n_samples`` is the total or a pair ``(n_outer, n_inner)``; ``noise`` is the std of
    Gaussian noise added to the points.
    """
    rng = _rng(random_state, generator, "make_moons")
    if isinstance(n_samples, (tuple, list)):
        n_out, n_in = (_count(n, "make_moons") for n in n_samples)
    else:
        n_in = _count(n_samples, "make_moons") - n_samples // 2
        n_out = n_samples // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, rng, shuffle, noise)


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8,
                 generator=None):
    """A large circle holding a smaller one (sklearn.datasets.make_circles).

    ``n_samples`` is the total (the outer circle gets ``n_samples // 2``, the inner one the
    rest) or a pair ``(n_outer, n_inner)``. Both circles are centred at the origin: the outer
    one has radius 1 (class 0), the inner one radius ``factor`` (class 1), 0 <= factor < 1,
    and points are evenly spaced in angle, ``2 pi k / n``. ``noise`` is the std of Gaussian
    noise added to the points.
    """
    rng = _rng(random_state, generator, "make_circles")
    if isinstance(n_samples, (tuple, list)):
        if len(n_samples) != 2:
            raise ValueError(f"make_circles: n_samples as a pair is (n_outer, n_inner), got "
                             f"{len(n_samples)} counts")
        n_out, n_in = (_count(n, "make_circles") for n in n_samples)
    else:
        n = _count(n_samples, "make_circles")
        n_out = n // 2
        n_in = n - n_out
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) \
            or not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, rng, shuffle, noise)


def make_blobs(n_samples=100, n_features=2, *, centers=None, cluster_std=1.0,
               center_box=(-10.0, 10.0), shuffle=True, random_state=None,
               return_centers=False, generator=None):
    """Isotropic Gaussian blobs (sklearn.datasets.make_blobs).

    ``centers`` is a count (default 3) or an array (n_centers, n_features); ``n_samples`` a
    total split evenly over the centers or one count per center; ``cluster_std`` a scalar or
    one std per center. With ``return_centers=True`` returns ``(X, y, centers)``.
    """
    rng = _rng(random_state, generator, "make_blobs")
    if isinstance(n_samples, numbers.Integral):
        counts = None
        n_centers = 3 if centers is None else None
    else:
        counts = [_count(n, "make_blobs") for n in n_samples]
        n_centers = len(counts) if centers is None else None
    if n_centers is None and isinstance(centers, numbers.Integral):
        n_centers = int(centers)
    if n_centers is not None:
        if n_centers <= 0:
            raise ValueError(f"make_blobs: centers must be positive, got {n_centers}")
        centers = rng.uniform(center_box[0], center_box[1], size=(n_centers, n_features))
    else:
        centers = np.atleast_2d(np.asarray(centers, dtype=np.float64))
        n_centers, n_features = centers.shape
    if counts is None:
        counts = _split(_count(n_samples, "make_blobs"), n_centers)
    elif len(counts) != n_centers:
        raise ValueError(f"make_blobs: {len(counts)} sample counts for {n_centers} centers")
    std = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (n_centers,))
    X = np.concatenate([rng.normal(centers[i], std[i], size=(c, n_features))
                        for i, c in enumerate(counts)])
    y = np.repeat(np.arange(n_centers), counts)
    X, y = _finish(X, y, rng, shuffle, None)
    return (X, y, centers) if return_centers else (X, y)


def make_spirals(n_samples=100, n_classes=2, noise=None, *, turns=1.0, shuffle=True,
                 random_state=None, generator=None):
    """``n_classes`` interleaved spiral arms (as in CS231n); no sklearn counterpart.

    Arm k has radius r in [0.1, 1] and angle ``2 pi (turns r + k / n_classes)``; the samples
    are split evenly over the arms; ``noise`` is the std of Gaussian noise.
    """
    rng = _rng(random_state, generator, "make_spirals")
    if n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be at least 2, got {n_classes}")
    counts = _split(_count(n_samples, "make_spirals"), n_classes)
    arms = []
    for k, c in enumerate(counts):
        r = np.linspace(0.1, 1.0, c)
        t = 2 * np.pi * (turns * r + k / n_classes)
        arms.append(np.stack([r * np.cos(t), r * np.sin(t)], 1))
    X = np.concatenate(arms)
    y = np.repeat(np.arange(n_classes), counts)
    return _finish(X, y, rng, shuffle, noise)


def make_xor(n_samples=100, noise=None, *, shuffle=True, random_state=None, generator=None):
    """Points uniform in the four quadrants of [-1, 1]^2; class 1 where the signs differ.

    The quadrants get equal counts (up to one), so the classes are balanced; ``noise`` is the
    std of Gaussian noise added after labelling.
    """
    rng = _rng(random_state, generator, "make_xor")
    n = _count(n_samples, "make_xor")
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])[np.arange(n) % 4]
    X = rng.uniform(0.0, 1.0, size=(n, 2)) * signs
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    return _finish(X, y, rng, shuffle, noise)
