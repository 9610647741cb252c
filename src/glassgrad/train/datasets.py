"""The datasets the training CLI knows, as normalized numpy arrays split three ways."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import data

FASHION_CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Boot"]
IMAGE_SETS = ("digits", "mnist", "fashion-mnist")
TOY_SETS = ("moons", "spirals", "xor", "blobs")
NAMES = IMAGE_SETS + TOY_SETS


@dataclass
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: dict = field(default_factory=dict)


def _arrays(obj):
    """(x, y) numpy arrays from a loader's result: a pair of arrays/Tensors or a dataset."""
    if hasattr(obj, "tensors"):
        obj = obj.tensors
    x, y = obj
    return np.asarray(getattr(x, "data", x)), np.asarray(getattr(y, "data", y))


def _images(name, root, train, download=False):
    if name == "digits":
        return _arrays(data.load_digits(train=train))
    if name == "mnist":
        return _arrays(data.load_mnist(root, train=train, download=download))
    return _arrays(data.load_fashion_mnist(root, train=train, download=download))


def _toy(name, seed):
    n = 2000
    if name == "moons":
        return data.make_moons(n, noise=0.2, random_state=seed)
    if name == "spirals":
        return data.make_spirals(n, n_classes=3, noise=0.2, random_state=seed)
    if name == "xor":
        return data.make_xor(n, noise=0.2, random_state=seed)
    return data.make_blobs(n, centers=4, cluster_std=1.5, random_state=seed)


def load(name, root=None, seed=0, val_fraction=0.1, limit=None, limit_test=None,
         download=False):
    """Train/validation/test arrays for ``name``. Images become float32 (N, 1, H, W),
    standardized with the training set's mean and std; labels are int64.

    ``limit`` keeps that many training samples (a seeded random choice, before the
    validation split); ``limit_test`` keeps that many test samples (seeded too). ``download``
    fetches MNIST or Fashion-MNIST when their files are missing."""
    if name not in NAMES:
        raise ValueError(f"train: unknown dataset {name!r}; choose one of {', '.join(NAMES)}")
    rng = np.random.default_rng(seed)
    if name in IMAGE_SETS:
        x, y = _images(name, root, True, download)
        x_test, y_test = _images(name, root, False, download)
        x = x.astype(np.float32).reshape(len(x), 1, *x.shape[-2:]) / 255.0
        x_test = x_test.astype(np.float32).reshape(len(x_test), 1, *x_test.shape[-2:]) / 255.0
    else:
        xa, ya = _toy(name, seed)
        x, y = np.asarray(xa, np.float32), np.asarray(ya, np.int64)
        cut = len(x) * 4 // 5
        x, y, x_test, y_test = x[:cut], y[:cut], x[cut:], y[cut:]
    y, y_test = y.astype(np.int64), y_test.astype(np.int64)
    if limit:
        keep = rng.permutation(len(x))[:limit]
        x, y = x[keep], y[keep]
    if limit_test and limit_test < len(x_test):
        keep = np.sort(np.random.default_rng(seed + 2).permutation(len(x_test))[:limit_test])
        x_test, y_test = x_test[keep], y_test[keep]
    order = rng.permutation(len(x))
    n_val = int(round(len(x) * val_fraction))
    if n_val < 1 or n_val >= len(x):
        raise ValueError(f"train: a validation fraction of {val_fraction} of {len(x)} training "
                         f"samples leaves {n_val} for validation and {len(x) - n_val} for "
                         "training; both need at least one (change --val-fraction or --limit)")
    val, tr = order[:n_val], order[n_val:]
    mean, std = float(x[tr].mean()), float(x[tr].std()) or 1.0

    def norm(a):
        return ((a - mean) / std).astype(np.float32)

    info = {"shape": x.shape[1:], "n_classes": int(max(y.max(), y_test.max()) + 1),
            "classes": FASHION_CLASSES if name == "fashion-mnist" else None}
    return Split(norm(x[tr]), y[tr], norm(x[val]), y[val], norm(x_test), y_test, info)
