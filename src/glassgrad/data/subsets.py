"""The rest of torch.utils.data's dataset tools: ``IterableDataset``, ``ChainDataset``,
``ConcatDataset`` and ``random_split`` (``WorkerInfo`` and ``get_worker_info`` live in
``_workers.py`` and are re-exported here; the one ``DataLoader`` is in ``loader.py``).

    from glassgrad.utils.data import ConcatDataset, random_split
    train, val = random_split(ConcatDataset([a, b]), [0.8, 0.2], generator=gg.Generator())
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import random as _random
from ._workers import WorkerInfo, _set_worker_info, get_worker_info  # noqa: F401  (re-exported)
from .dataset import Dataset, Subset


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (and may define ``__len__``).

    A DataLoader over it yields its samples in the order ``__iter__`` gives them, cut into
    batches of ``batch_size``; samplers and ``shuffle=True`` do not apply. With
    ``num_workers > 0`` every worker iterates its own copy: split the work in ``__iter__``
    with ``get_worker_info()``, or each sample comes once per worker.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it; it "
                        f"cannot be indexed")

    def __len__(self):  # TypeError, as for an object without __len__ (list() relies on it)
        raise TypeError(f"{type(self).__name__} is an IterableDataset without __len__")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several IterableDatasets streamed one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for k, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: dataset {k} is a {type(d).__name__}; "
                                f"ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class ConcatDataset(Dataset):
    """Map-style datasets joined end to end: index ``i`` runs through the first, then the
    second, and so on. ``cumulative_sizes[k]`` is the total length of datasets 0..k."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for k, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset: dataset {k} is an IterableDataset "
                                f"({type(d).__name__}); ConcatDataset does not support it "
                                f"(use ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self[int(i)] for i in np.asarray(index).reshape(-1)]
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"ConcatDataset: indices must be integers, got "
                            f"{type(index).__name__}")
        n, i = len(self), int(index)
        if i < 0:
            if -i > n:
                raise ValueError(f"ConcatDataset: absolute value of index {i} should not "
                                 f"exceed dataset length {n}")
            i += n
        if i >= n:
            raise IndexError(f"ConcatDataset: index {i} is out of range for {n} samples")
        k = int(np.searchsorted(self.cumulative_sizes, i, side="right"))
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][i - start]

    def __repr__(self):
        parts = ", ".join(f"{type(d).__name__} of {len(d)}" for d in self.datasets)
        return f"ConcatDataset([{parts}])"


def _split_lengths(n, lengths):
    """Integer lengths from ``lengths`` (ints summing to n, or fractions summing to 1)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    fractions = (all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in lengths)
                 and math.isclose(sum(lengths), 1) and sum(lengths) <= 1
                 and not all(isinstance(x, numbers.Integral) for x in lengths))
    if fractions:
        for k, f in enumerate(lengths):
            if not 0 <= f <= 1:
                raise ValueError(f"random_split: fraction at index {k} is {f}, not between "
                                 f"0 and 1")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for k in range(n - sum(sizes)):  # the remainder, one each, round-robin (as torch)
            sizes[k % len(sizes)] += 1
        for k, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"random_split: length of split at index {k} is 0; this "
                              f"might result in an empty dataset", stacklevel=3)
        return sizes
    for k, x in enumerate(lengths):
        if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 0:
            raise ValueError(f"random_split: lengths must be non-negative ints or fractions "
                             f"summing to 1; entry {k} is {x!r}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not "
                         f"equal the length of the input dataset ({n})")
    return [int(x) for x in lengths]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping Subsets of the given ``lengths``.

    ``lengths`` are ints summing to ``len(dataset)``, or fractions summing to 1: then each
    part gets ``floor(n * f)`` samples and the remainder goes one by one to the first parts,
    as in torch. The permutation comes from ``generator`` (a gg.Generator or a numpy
    Generator; None: glassgrad's default generator, so ``gg.manual_seed`` repeats it).
    """
    n = len(dataset)
    sizes = _split_lengths(n, lengths)
    perm = _random.numpy_rng(generator, "random_split").permutation(n)
    stops = np.cumsum(sizes)
    return [Subset(dataset, perm[stop - size:stop].tolist()) for size, stop in zip(sizes, stops)]


__all__ = ["IterableDataset", "ChainDataset", "ConcatDataset", "random_split", "WorkerInfo",
           "get_worker_info"]
