"""Data for training: datasets, a batching DataLoader (with worker processes when
``num_workers > 0``), IDX/MNIST readers, embedded digits, synthetic 2-D sets and array
helpers. Nothing here touches the network unless asked.

    from glassgrad.data import DataLoader, TensorDataset, load_digits, to_float
    x, y = load_digits()
    loader = DataLoader(TensorDataset(to_float(x), y), batch_size=64, shuffle=True)
    for xb, yb in loader: ...
"""

from __future__ import annotations

from .dataset import Dataset, Subset, TensorDataset, train_val_split
from .embedded import build_embedded_digits, load_digits
from .idx import IDXError, read_idx, write_idx
from .loader import DataLoader, default_collate
from .mnist import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist, search_dirs
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .synthetic import make_blobs, make_circles, make_moons, make_spirals, make_xor
from .transforms import Compose, Normalize, ToFloat, normalize, one_hot, to_float

__all__ = [
    "Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate", "train_val_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
    "IDXError", "read_idx", "write_idx",
    "load_mnist", "load_fashion_mnist", "search_dirs", "FASHION_MNIST_CLASSES",
    "load_digits", "build_embedded_digits",
    "make_moons", "make_circles", "make_blobs", "make_spirals", "make_xor",
    "to_float", "normalize", "Normalize", "ToFloat", "Compose", "one_hot",
]
