"""``DataLoader``: batches from a dataset, in the order its sampler gives.

For a ``TensorDataset`` (or a ``Subset`` of one) a batch is one fancy-indexing of each
underlying array, with no per-sample Python loop. Other datasets are indexed sample by sample
and the samples stacked by ``default_collate``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor
from .dataset import Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def _stack(arrays, what):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        first = arrays[0].shape
        j = next(j for j, a in enumerate(arrays) if a.shape != first)
        raise ValueError(f"default_collate: cannot stack {what}: sample 0 has shape {first} "
                         f"but sample {j} has shape {arrays[j].shape} in the same batch")
    return np.stack(arrays)


def default_collate(samples):
    """Stack a list of samples into a batch, field by field (torch's default_collate).

    Tensors and ndarrays are stacked along a new first dim; Python ints become int64 and
    Python floats float64 (as in torch); tuples, lists and dicts are collated per field;
    strings stay a list.
    """
    elem = samples[0]
    if isinstance(elem, Tensor):
        return Tensor(_stack([s._data for s in samples], "tensors"))
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor(_stack([np.asarray(s) for s in samples], "arrays"))
    if isinstance(elem, bool):
        return Tensor(np.array(samples, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(samples, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(samples, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(samples)
    if isinstance(elem, dict):
        return {k: default_collate([s[k] for s in samples]) for k in elem}
    if isinstance(elem, (tuple, list)):
        n = len(elem)
        if any(len(s) != n for s in samples):
            raise ValueError("default_collate: samples in a batch have different lengths "
                             f"({sorted({len(s) for s in samples})})")
        fields = [default_collate(list(f)) for f in zip(*samples)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: don't know how to batch samples of type "
                    f"{type(elem).__name__}; pass collate_fn=")


def _fast_source(dataset):
    """(tensors, index map or None) when batches can be cut straight from arrays."""
    if isinstance(dataset, TensorDataset):
        return dataset.tensors, None
    if isinstance(dataset, Subset) and isinstance(dataset.dataset, TensorDataset):
        return dataset.dataset.tensors, dataset.indices
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, with torch's arguments.

    The order comes from ``sampler`` (any iterable of indices), or from a RandomSampler when
    ``shuffle=True`` and a SequentialSampler otherwise; ``batch_sampler`` gives whole batches
    instead. A shuffled loader draws a fresh permutation on each ``iter()`` (each epoch),
    from ``generator`` (a ``gg.Generator`` or a ``numpy.random.Generator``), or from the
    default generator at the time of iteration, so ``gg.manual_seed(n)`` makes the order
    repeat. A batch of tuple samples is a tuple of Tensors (torch gives a list); ``len()`` is
    the number of batches.

    ``num_workers``, ``pin_memory``, ``timeout``, ``worker_init_fn``, ``prefetch_factor`` and
    ``persistent_workers`` are accepted so torch code runs unchanged; batches are always
    made in the calling process, in the same order as with ``num_workers=0``
    (``worker_init_fn`` is therefore never called).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device=""):
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative, got "
                             f"{num_workers!r}")
        _random.numpy_rng(generator, "DataLoader")  # checks the type now
        own_batches = batch_sampler is not None
        if own_batches:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, "
                             f"got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.dataset = dataset
        self.batch_size = None if own_batches else int(batch_size)  # as torch
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        self.timeout, self.worker_init_fn = timeout, worker_init_fn

    def __len__(self):
        return len(self.batch_sampler)

    def _batches(self):
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler._batches()
        return (np.asarray(b, dtype=np.int64).reshape(-1) for b in self.batch_sampler)

    def __iter__(self):
        fast = _fast_source(self.dataset) if self.collate_fn is None else None
        for idx in self._batches():
            if fast is not None:
                tensors, index_map = fast
                if index_map is not None:
                    idx = index_map[idx]
                yield tuple(t[idx] if t.requires_grad else Tensor(t._data[idx])
                            for t in tensors)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")
