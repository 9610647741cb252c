"""Datasets with torch's contracts: ``Dataset``, ``TensorDataset`` and ``Subset``."""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _as_tensor(x, i):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor(x)  # shares memory when the dtype is supported
    raise TypeError(f"TensorDataset: argument {i} is a {type(x).__name__}; expected a Tensor "
                    f"or an ndarray")


class TensorDataset(Dataset):
    """Samples are ``(t[i] for t in tensors)``; every tensor has the same first dimension.

    ndarrays are accepted too and wrapped as Tensors (sharing memory).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        tensors = tuple(_as_tensor(t, i) for i, t in enumerate(tensors))
        for i, t in enumerate(tensors):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a "
                                 f"first (sample) dimension")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"are {sizes} (shapes {shapes}); they must all be equal")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def __repr__(self):
        shapes = ", ".join(f"{tuple(t.shape)} {t.dtype}" for t in self.tensors)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            bad = self.indices[(self.indices < -n) | (self.indices >= n)][0]
            raise IndexError(f"Subset: index {bad} is out of range for a dataset of "
                             f"{n} samples")

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


def as_generator(random_state, who):
    """None -> glassgrad's default generator (gg.manual_seed), int -> a new seeded one; a
    gg.Generator or numpy Generator is used as it is."""
    if random_state is None or isinstance(random_state, (_random.Generator, np.random.Generator)):
        return _random.numpy_rng(random_state, who)
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise TypeError(f"{who}: expected None, an int seed, a gg.Generator or a "
                    f"numpy.random.Generator, got {type(random_state).__name__}")


def _take(x, idx):
    if isinstance(x, Tensor):
        return x[idx] if x.requires_grad else Tensor(x._data[idx])
    return np.asarray(x)[idx]


def train_val_split(data, val_fraction=0.1, generator=None):
    """Split at random into (train, val), ``round(n * val_fraction)`` samples going to val.

    ``data`` may be an int ``n`` (gives sorted int64 index arrays), an ndarray or Tensor, a
    tuple/list of them with equal first dims (gives two tuples), a TensorDataset (gives two
    TensorDatasets) or any Dataset (gives two Subsets). Both parts keep the original order.
    ``generator``: None (glassgrad's default generator), an int seed or a numpy Generator.
    """
    if not 0.0 <= float(val_fraction) < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be in [0, 1), got {val_fraction}")
    if isinstance(data, (int, np.integer)) and not isinstance(data, bool):
        n = int(data)
    elif isinstance(data, (tuple, list)):
        sizes = [len(a) for a in data]
        if not sizes or len(set(sizes)) > 1:
            raise ValueError(f"train_val_split: arrays must share their first dimension, "
                             f"got sizes {sizes}")
        n = sizes[0]
    else:
        n = len(data)
    rng = as_generator(generator, "train_val_split")
    perm = rng.permutation(n)
    n_val = int(round(n * float(val_fraction)))
    val, train = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    if isinstance(data, (int, np.integer)):
        return train, val
    if isinstance(data, (tuple, list)):
        return tuple(_take(a, train) for a in data), tuple(_take(a, val) for a in data)
    if isinstance(data, (np.ndarray, Tensor)):
        return _take(data, train), _take(data, val)
    if isinstance(data, TensorDataset):
        return (TensorDataset(*(_take(t, train) for t in data.tensors)),
                TensorDataset(*(_take(t, val) for t in data.tensors)))
    return Subset(data, train), Subset(data, val)
