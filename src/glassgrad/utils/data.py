"""torch.utils.data's names, for programs that import them from there:

    from glassgrad.utils.data import DataLoader, TensorDataset, random_split

The classes live in ``glassgrad.data`` (dataset.py, loader.py, sampler.py, subsets.py).
``DataLoader`` here is the one that also streams an ``IterableDataset``.
"""

from __future__ import annotations

from ..data.dataset import Dataset, Subset, TensorDataset
from ..data.loader import default_collate
from ..data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from ..data.subsets import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    WorkerInfo,
    default_convert,
    get_worker_info,
    random_split,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
    "DataLoader", "random_split", "default_collate", "default_convert", "get_worker_info",
    "WorkerInfo",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
]
