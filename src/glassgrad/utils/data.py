"""torch.utils.data's names, for programs that import them from there:

    from glassgrad.utils.data import DataLoader, TensorDataset, random_split

The classes live in ``glassgrad.data`` (dataset.py, loader.py, sampler.py, subsets.py,
_workers.py); ``DataLoader`` here is ``glassgrad.data.DataLoader``, the same class.
"""

from __future__ import annotations

from ..data._workers import WorkerInfo, get_worker_info
from ..data.dataset import Dataset, Subset, TensorDataset
from ..data.loader import DataLoader, default_collate, default_convert
from ..data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from ..data.subsets import ChainDataset, ConcatDataset, IterableDataset, random_split

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "DataLoader", "random_split", "default_collate", "default_convert", "get_worker_info",
    "WorkerInfo",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
]
