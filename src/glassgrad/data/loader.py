"""``DataLoader``: batches from a dataset, shuffled by a seeded numpy Generator.

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
    """Iterate over ``dataset`` in batches of ``batch_size``.

    Each ``iter()`` (each epoch) draws a fresh permutation when ``shuffle=True``, from
    ``generator`` (a ``numpy.random.Generator``), or from glassgrad's default generator at the
    time of iteration, so ``gg.manual_seed(n)`` makes the order repeat. A batch of tuple
    samples is a tuple of Tensors (torch gives a list); ``len()`` is the number of batches.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None,
                 collate_fn=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, "
                             f"got {batch_size!r}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be a numpy.random.Generator or None, "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self):
        n, b = len(self.dataset), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else _random.default_generator()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        fast = _fast_source(self.dataset) if self.collate_fn is None else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start:start + self.batch_size]
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
