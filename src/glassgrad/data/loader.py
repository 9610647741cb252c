"""``DataLoader``: batches from a dataset, in the order its sampler gives, made in the
calling process or, with ``num_workers > 0``, in worker processes (``_workers.py``).

For a ``TensorDataset`` (or a ``Subset`` of one) a batch is one fancy-indexing of each
underlying array, with no per-sample Python loop. Other datasets are indexed sample by sample
and the samples stacked by ``default_collate``. An ``IterableDataset`` is read in its own
order and cut into batches.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor
from ._workers import WorkerIterator, resolve_context
from .dataset import Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .subsets import IterableDataset


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


# ------------------------------------------------------------------ fetchers
# A fetcher makes one batch from one task; the same object runs in the calling process
# (num_workers=0) or is copied into each worker. reset() starts a new pass.

def _fast_source(dataset):
    """(tensors, index map or None) when batches can be cut straight from arrays: a plain
    TensorDataset, or a plain Subset of one (a subclass may change ``__getitem__``)."""
    if type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.tensors, None
    if (type(dataset).__getitem__ is Subset.__getitem__
            and type(dataset.dataset).__getitem__ is TensorDataset.__getitem__):
        return dataset.dataset.tensors, dataset.indices
    return None


class _MapFetch:
    """A batch of a map-style dataset from an array of indices (or one sample from one index
    when batching is off)."""

    def __init__(self, dataset, batched, collate_fn):
        self.dataset, self.batched = dataset, batched
        self.fast = _fast_source(dataset) if batched and collate_fn is None else None
        self.collate = collate_fn or (default_collate if batched else default_convert)

    def reset(self):
        pass

    def __call__(self, idx):
        try:
            if self.fast is not None:
                tensors, index_map = self.fast
                if index_map is not None:
                    idx = index_map[idx]
                return tuple(t[idx] if t.requires_grad else Tensor(t._data[idx])
                             for t in tensors)
            if not self.batched:
                return self.collate(self.dataset[int(idx)])
            return self.collate([self.dataset[int(i)] for i in idx])
        except StopIteration as e:  # would read as "stream ended" to the loader
            raise RuntimeError(f"DataLoader: {type(self.dataset).__name__}.__getitem__ "
                               f"raised StopIteration") from e


class _StreamFetch:
    """The next batch of an IterableDataset; raises StopIteration when the stream ends (the
    last short batch is dropped when ``drop_last``, as in torch)."""

    def __init__(self, dataset, batch_size, drop_last, collate_fn):
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.collate = collate_fn or (default_convert if batch_size is None
                                      else default_collate)
        self._it = None

    def reset(self):
        self._it = None

    def __call__(self, _task):
        if self._it is None:
            self._it = iter(self.dataset)
        if self.batch_size is None:
            return self.collate(next(self._it))
        batch = []
        for sample in self._it:
            batch.append(sample)
            if len(batch) == self.batch_size:
                break
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate(batch)


def _in_process(fetch, tasks):
    fetch.reset()
    if tasks is None:
        while True:
            try:
                batch = fetch(None)
            except StopIteration:
                return
            yield batch
    for task in tasks:
        yield fetch(task)


# ------------------------------------------------------------------ checks

def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _check_workers(num_workers, prefetch_factor, persistent_workers, timeout, worker_init_fn,
                   multiprocessing_context):
    """torch's checks on the worker options; returns (prefetch_factor, context)."""
    if not _is_int(num_workers) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers option should be non-negative (an int; 0 "
                         f"loads in this process), got num_workers={num_workers!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout >= 0:
        raise ValueError(f"DataLoader: timeout option should be a non-negative number of "
                         f"seconds, got timeout={timeout!r}")
    if worker_init_fn is not None and not callable(worker_init_fn):
        raise TypeError(f"DataLoader: worker_init_fn must be callable or None, got "
                        f"{type(worker_init_fn).__name__}")
    if num_workers == 0:
        for name, value, unset in (
                ("prefetch_factor", prefetch_factor, prefetch_factor is None),
                ("persistent_workers", persistent_workers, not persistent_workers),
                ("multiprocessing_context", multiprocessing_context,
                 multiprocessing_context is None)):
            if not unset:
                raise ValueError(f"DataLoader: {name}={value!r} can only be used with "
                                 f"multi-process loading (num_workers > 0), but got "
                                 f"num_workers=0")
        return None, None
    if prefetch_factor is None:
        prefetch_factor = 2
    if not _is_int(prefetch_factor) or prefetch_factor <= 0:
        raise ValueError(f"DataLoader: prefetch_factor option should be a positive int, got "
                         f"prefetch_factor={prefetch_factor!r}")
    return int(prefetch_factor), resolve_context(multiprocessing_context)


def _base_seed(generator):
    """The epoch's worker base seed, one int64 draw from the loader's generator."""
    rng = _random.numpy_rng(generator, "DataLoader")
    return int(rng.integers(0, 1 << 63, dtype=np.int64))


# ------------------------------------------------------------------ DataLoader

class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, with torch's arguments.

    Map-style datasets: the order comes from ``sampler`` (any iterable of indices), or from a
    RandomSampler when ``shuffle=True`` and a SequentialSampler otherwise; ``batch_sampler``
    gives whole batches instead. A shuffled loader draws a fresh permutation on each
    ``iter()`` (each epoch), from ``generator`` (a ``gg.Generator`` or a
    ``numpy.random.Generator``), or from the default generator at the time of iteration, so
    ``gg.manual_seed(n)`` makes the order repeat. A batch of tuple samples is a tuple of
    Tensors (torch gives a list); ``len()`` is the number of batches.

    ``IterableDataset``: samples come in the dataset's own order, in batches of
    ``batch_size``, the last short batch dropped when ``drop_last``; ``shuffle``,
    ``sampler`` and ``batch_sampler`` are rejected as in torch, and ``len()`` needs the
    dataset's ``__len__``. ``batch_size=None`` turns batching off for any dataset: one
    sample at a time, through ``collate_fn`` when given, else ``default_convert``.

    ``num_workers > 0`` makes batches in that many worker processes (``multiprocessing``,
    ``multiprocessing_context``: None = fork where available, a start-method name, or a
    context object). As in torch:

    - map-style tasks (the indices of one batch) go to the workers round-robin, at most
      ``prefetch_factor`` (default 2) per worker ahead, and batches come back in sampler
      order: exactly the batches of ``num_workers=0``.
    - each worker calls ``worker_init_fn(worker_id)``; ``get_worker_info()`` gives it
      ``WorkerInfo(id, num_workers, seed, dataset)`` (None in the main process); it seeds
      Python's, numpy's and glassgrad's global generators with ``seed = base_seed + id``,
      where ``base_seed`` is drawn from ``generator`` (or the default generator) on each
      ``iter()``, so random transforms repeat after ``gg.manual_seed``. The draw happens
      with ``num_workers=0`` too, so a shuffle order does not depend on ``num_workers``.
    - over an IterableDataset each worker iterates its own copy of the dataset and batches
      alternate between workers; the dataset splits the work with ``get_worker_info()``
      (without that, every worker yields every sample).
    - ``persistent_workers=True`` keeps the workers from one epoch to the next; otherwise
      they stop when the epoch ends, or when the iterator is dropped (an early ``break``).
    - ``timeout`` (seconds, 0 = forever) bounds the wait for one batch; an exception in a
      worker is raised here, naming the worker and carrying its traceback text.
    - batches cross as pickled arrays: a Tensor arrives detached (a leaf keeps
      ``requires_grad``; a graph never leaves its worker).

    A plain ``TensorDataset`` (or a ``Subset`` of one) without ``collate_fn`` is batched in
    the calling process even with workers, unless ``worker_init_fn`` is given: a batch is
    one numpy indexing per tensor, which a worker would only slow down by pickling it.
    ``pin_memory`` and ``pin_memory_device`` are accepted and do nothing (CPU only);
    ``in_order=False`` is accepted, and batches still come in order.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        self.prefetch_factor, self.multiprocessing_context = _check_workers(
            num_workers, prefetch_factor, persistent_workers, timeout, worker_init_fn,
            multiprocessing_context)
        _random.numpy_rng(generator, "DataLoader")  # checks the type now
        self._unbatched = batch_size is None and batch_sampler is None
        if self._unbatched and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and "
                             "is mutually exclusive with drop_last")
        self.dataset, self.generator, self.collate_fn = dataset, generator, collate_fn
        self.drop_last = bool(drop_last)
        if isinstance(dataset, IterableDataset):
            self._init_stream(batch_size, shuffle, sampler, batch_sampler)
        else:
            self._init_map(1 if self._unbatched else batch_size, shuffle, sampler,
                           batch_sampler)
        self.num_workers, self.timeout = int(num_workers), timeout
        self.worker_init_fn, self.persistent_workers = worker_init_fn, bool(persistent_workers)
        self.pin_memory, self.pin_memory_device = bool(pin_memory), pin_memory_device
        self.in_order = bool(in_order)
        self._iterator = None  # the persistent workers, once started

    def _init_map(self, batch_size, shuffle, sampler, batch_sampler):
        own_batches = batch_sampler is not None
        if own_batches:
            if batch_size != 1 or shuffle or sampler is not None or self.drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
        elif not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, "
                             f"got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None:
            sampler = (RandomSampler(self.dataset, generator=self.generator) if shuffle
                       else SequentialSampler(self.dataset))
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), self.drop_last)
        self.shuffle = bool(shuffle)
        self.batch_size = None if own_batches or self._unbatched else int(batch_size)
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def _init_stream(self, batch_size, shuffle, sampler, batch_sampler):
        for name, value, unset in (("shuffle", shuffle, not shuffle),
                                   ("sampler", sampler, sampler is None),
                                   ("batch_sampler", batch_sampler, batch_sampler is None)):
            if not unset:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"{name} option, but got {name}={value!r}")
        if batch_size is not None and (not _is_int(batch_size) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size must be a positive int or None, "
                             f"got {batch_size!r}")
        self._unbatched = batch_size is None
        self.shuffle = False
        self.batch_size = None if batch_size is None else int(batch_size)
        self.sampler = self.batch_sampler = None

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError when the stream has no length, as in torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.sampler) if self._unbatched else len(self.batch_sampler)

    def _fetch_and_tasks(self):
        """The fetcher and this epoch's tasks (None: read the stream to its end)."""
        if isinstance(self.dataset, IterableDataset):
            return _StreamFetch(self.dataset, self.batch_size, self.drop_last,
                                self.collate_fn), None
        fetch = _MapFetch(self.dataset, not self._unbatched, self.collate_fn)
        if self._unbatched:
            return fetch, iter(self.sampler)
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler) and type(bs).__iter__ is BatchSampler.__iter__:
            return fetch, iter(bs._batches())
        return fetch, (np.asarray(b, dtype=np.int64).reshape(-1) for b in bs)

    def __iter__(self):
        base_seed = _base_seed(self.generator)  # drawn first, whatever num_workers is
        fetch, tasks = self._fetch_and_tasks()
        if self.num_workers == 0 or (isinstance(fetch, _MapFetch) and fetch.fast is not None
                                     and self.worker_init_fn is None):
            return _in_process(fetch, tasks)
        if self.persistent_workers and self._iterator is not None and self._iterator.alive:
            self._iterator.reset(tasks)  # base_seed unused: the workers keep their seeds
            return self._iterator
        it = WorkerIterator(self.dataset, fetch, tasks, base_seed,
                            num_workers=self.num_workers, prefetch_factor=self.prefetch_factor,
                            worker_init_fn=self.worker_init_fn, timeout=self.timeout,
                            context=self.multiprocessing_context,
                            persistent=self.persistent_workers)
        if self.persistent_workers:
            self._iterator = it
        return it

    def __repr__(self):
        workers = f", num_workers={self.num_workers}" if self.num_workers else ""
        if isinstance(self.dataset, IterableDataset):
            return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                    f"drop_last={self.drop_last}{workers})")
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}{workers})")


__all__ = ["DataLoader", "default_collate", "default_convert"]
