"""Samplers: the order in which a DataLoader visits a dataset (torch.utils.data's samplers).

A sampler is an iterable of dataset indices with a ``len()``. The random ones take
``generator=`` (a ``gg.Generator``; a ``numpy.random.Generator`` works too) and otherwise
draw from the default generator *when iterated*, so ``gg.manual_seed(n)`` before an epoch
repeats its order. Each also hands the DataLoader its indices as one int64 array
(``_indices()``), so batches are cut without a Python loop per sample.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import random as _random


def _positive_int(v, what, who):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v <= 0:
        raise ValueError(f"{who}: {what} should be a positive integer value, but got "
                         f"{what}={v!r}")
    return int(v)


def indices_of(sampler):
    """All of a sampler's indices for one pass, as an int64 array."""
    if hasattr(sampler, "_indices"):
        return sampler._indices()
    return np.asarray(list(sampler), dtype=np.int64).reshape(-1)


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def _indices(self):
        return np.asarray(list(iter(self)), dtype=np.int64).reshape(-1)


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random order on each pass: a permutation (several, concatenated, when
    ``num_samples`` exceeds the dataset), or ``num_samples`` draws with ``replacement``."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        _random.numpy_rng(generator, "RandomSampler")  # checks the type now
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if num_samples is not None:
            _positive_int(num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _indices(self):
        n, k = len(self.data_source), self.num_samples
        rng = _random.numpy_rng(self.generator, "RandomSampler")
        if self.replacement:
            return rng.integers(0, n, size=k)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        parts = [rng.permutation(n) for _ in range(k // n)]
        if k % n:
            parts.append(rng.permutation(n)[:k % n])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a fresh random order on each pass."""

    def __init__(self, indices, generator=None):
        _random.numpy_rng(generator, "SubsetRandomSampler")
        self.indices, self.generator = indices, generator

    def _indices(self):
        idx = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return idx[_random.numpy_rng(self.generator).permutation(len(idx))]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    replacement unless ``replacement=False``)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        w = np.asarray(weights._data if hasattr(weights, "_data") else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-D sequence, but "
                             f"got weights of shape {w.shape}")
        _random.numpy_rng(generator, "WeightedRandomSampler")
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def _indices(self):
        from ..autograd.ops.sampling import multinomial
        from ..autograd.tensor import Tensor

        draw = multinomial(Tensor(self.weights), self.num_samples, self.replacement,
                           generator=self.generator)
        return draw._data

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last, shorter one is dropped when
    ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def _batches(self):
        """The batches of one pass as int64 arrays."""
        order, b = indices_of(self.sampler), self.batch_size
        stop = len(order) // b * b if self.drop_last else len(order)
        return [order[i:i + b] for i in range(0, stop, b)]

    def __iter__(self):
        return iter([batch.tolist() for batch in self._batches()])

    def __len__(self):
        n, b = len(self.sampler), self.batch_size
        return n // b if self.drop_last else -(-n // b)


__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]
