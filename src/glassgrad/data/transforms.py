"""Array helpers for preparing data: scaling, normalizing and one-hot labels.

Each function takes an ndarray or a Tensor and returns the same kind.
"""

from __future__ import annotations

import numpy as np

from ..autograd.ops.distance import one_hot as _one_hot
from ..autograd.tensor import Tensor


def _unwrap(x):
    return (x._data, True) if isinstance(x, Tensor) else (np.asarray(x), False)


def to_float(images):
    """Pixels as float32 in [0, 1]: integer images are divided by 255, floats only cast."""
    arr, was_tensor = _unwrap(images)
    if arr.dtype.kind in "ui":
        out = arr.astype(np.float32) / np.float32(255.0)
    elif arr.dtype.kind in "fb":
        out = arr.astype(np.float32)
    else:
        raise TypeError(f"to_float: expected integer or float images, got dtype {arr.dtype}")
    return Tensor(out) if was_tensor else out


def _stats(value, name, x):
    v = np.asarray(value, dtype=np.float32)
    if v.ndim == 1 and v.size > 1 and x.ndim >= 3:
        if x.shape[-3] != v.size:
            raise ValueError(f"normalize: {name} has {v.size} channels but the input's "
                             f"channel dim (-3) of shape {tuple(x.shape)} has {x.shape[-3]}")
        v = v.reshape(-1, 1, 1)  # one value per channel, channels at dim -3 as in torchvision
    return v


def normalize(x, mean, std):
    """``(x - mean) / std``. A sequence of means/stds applies per channel (dim -3, as in
    torchvision); scalars apply everywhere. ``x`` must already be floating (see to_float).
    """
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind != "f":
        raise TypeError(f"normalize: expected floating input, got {arr.dtype}; "
                        f"call to_float first")
    m, s = _stats(mean, "mean", arr), _stats(std, "std", arr)
    if np.any(s == 0):
        raise ValueError(f"normalize: std evaluated to zero ({std!r}), leading to division "
                         f"by zero")
    m, s = m.astype(arr.dtype), s.astype(arr.dtype)
    return (x - m) / s if isinstance(x, Tensor) else (arr - m) / s


class Normalize:
    """Transform form of :func:`normalize`: ``Normalize((0.1307,), (0.3081,))(x)``."""

    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def __call__(self, x):
        return normalize(x, self.mean, self.std)

    def __repr__(self):
        return f"Normalize(mean={self.mean!r}, std={self.std!r})"


class ToFloat:
    """Transform form of :func:`to_float`."""

    def __call__(self, images):
        return to_float(images)

    def __repr__(self):
        return "ToFloat()"


class Compose:
    """Apply transforms in order: ``Compose([ToFloat(), Normalize(0.1307, 0.3081)])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return f"Compose({self.transforms!r})"


def one_hot(labels, num_classes=-1):
    """int64 one-hot encoding with a new last dim: ``F.one_hot`` for data. Labels of any
    integer dtype, as an array (an array comes back) or a Tensor (a Tensor comes back).

    ``num_classes=-1`` infers ``labels.max() + 1``.
    """
    arr, was_tensor = _unwrap(labels)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"one_hot: is only applicable to integer labels, got {arr.dtype}")
    out = _one_hot(Tensor(arr.astype(np.int64, copy=False)), num_classes)
    return out if was_tensor else out.numpy()
