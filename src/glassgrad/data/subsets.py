"""The rest of torch.utils.data's dataset tools: ``IterableDataset``, ``ChainDataset``,
``ConcatDataset``, ``random_split``, ``get_worker_info``, and a ``DataLoader`` that also
streams an ``IterableDataset``.

    from glassgrad.utils.data import ConcatDataset, random_split
    train, val = random_split(ConcatDataset([a, b]), [0.8, 0.2], generator=gg.Generator())
"""

from __future__ import annotations

import math
import numbers
import threading
import warnings

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor
from .dataset import Dataset, Subset
from .loader import DataLoader as _MapDataLoader
from .loader import default_collate


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__`` (and may define ``__len__``).

    A DataLoader over it yields its samples in the order ``__iter__`` gives them, cut into
    batches of ``batch_size``; samplers and ``shuffle=True`` do not apply.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it; it "
                        f"cannot be indexed")

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


# ------------------------------------------------------------------ workers

class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):  # noqa: A002  (torch's name)
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


_worker = threading.local()


def get_worker_info():
    """The current worker's WorkerInfo inside a DataLoader worker; None in the main process.

    An IterableDataset uses it in ``__iter__`` to give each worker its own share.
    """
    return getattr(_worker, "info", None)


def _set_worker_info(info):
    """For worker code: make ``get_worker_info()`` return ``info`` in this process/thread."""
    _worker.info = info


# ------------------------------------------------------------------ DataLoader

def default_convert(sample):
    """One sample as the unbatched DataLoader gives it: ndarrays become Tensors, inside
    tuples, lists and dicts too; everything else is left as it is (torch's default_convert,
    except that tuples stay tuples, as glassgrad's batches of tuple samples do)."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biufc":
        return Tensor(sample)
    if isinstance(sample, dict):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple):
        return tuple(default_convert(v) for v in sample)
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample


def _chunks(iterable, size, drop_last):
    batch = []
    for sample in iterable:
        batch.append(sample)
        if len(batch) == size:
            yield batch
            batch = []
    if batch and not drop_last:
        yield batch


class DataLoader(_MapDataLoader):
    """glassgrad.data's DataLoader, which also takes an ``IterableDataset``.

    Over an IterableDataset the samples come in the dataset's own order, in batches of
    ``batch_size``, the last short batch dropped when ``drop_last``. ``shuffle``,
    ``sampler`` and ``batch_sampler`` are rejected as in torch. ``len()`` needs the
    dataset's ``__len__``. The stream is read in the calling process, so
    ``get_worker_info()`` is None inside ``__iter__``.

    ``batch_size=None`` turns batching off for any dataset, as in torch: one sample at a
    time, passed through ``collate_fn`` when given, else ``default_convert``.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, **kwargs):
        unbatched = batch_size is None and batch_sampler is None
        if unbatched and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and "
                             "is mutually exclusive with drop_last")
        if not isinstance(dataset, IterableDataset):
            super().__init__(dataset, 1 if unbatched else batch_size, bool(shuffle), sampler,
                             batch_sampler, num_workers, collate_fn, pin_memory, drop_last,
                             timeout, worker_init_fn, multiprocessing_context, generator,
                             **kwargs)
            self._unbatched = unbatched
            if unbatched:
                self.batch_size = None
            return
        self._unbatched = batch_size is None
        for name, value, unset in (("shuffle", shuffle, not shuffle),
                                   ("sampler", sampler, sampler is None),
                                   ("batch_sampler", batch_sampler, batch_sampler is None)):
            if not unset:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"{name} option, but got {name}={value!r}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, "
                             f"got {batch_size!r}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, got "
                             f"{num_workers!r}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle, self.drop_last, self.generator = False, bool(drop_last), generator
        self.collate_fn = collate_fn
        self.sampler = self.batch_sampler = None
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        self.timeout, self.worker_init_fn = timeout, worker_init_fn

    def __len__(self):
        if not isinstance(self.dataset, IterableDataset):
            return len(self.sampler) if self._unbatched else super().__len__()
        n = len(self.dataset)  # TypeError when the stream has no length, as in torch
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        convert = self.collate_fn or default_convert
        if not isinstance(self.dataset, IterableDataset):
            if self._unbatched:
                yield from (convert(self.dataset[int(i)]) for i in self.sampler)
            else:
                yield from super().__iter__()
            return
        if self._unbatched:
            yield from (convert(s) for s in self.dataset)
            return
        collate = self.collate_fn or default_collate
        for batch in _chunks(self.dataset, self.batch_size, self.drop_last):
            yield collate(batch)

    def __repr__(self):
        if not isinstance(self.dataset, IterableDataset):
            return super().__repr__()
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"drop_last={self.drop_last})")


__all__ = ["IterableDataset", "ChainDataset", "ConcatDataset", "random_split", "WorkerInfo",
           "get_worker_info", "DataLoader", "default_convert"]
