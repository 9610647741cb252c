"""DataLoader worker processes: ``num_workers > 0`` loads batches in parallel, as torch does.

The main process sends each worker, round-robin, the task of one batch (its indices for a
map-style dataset; "the next batch" for an IterableDataset) and yields the results in task
order, so a map-style loader gives exactly the batches of ``num_workers=0``. At most
``prefetch_factor * num_workers`` tasks are out at once.

    main:    task 0 -> worker 0, task 1 -> worker 1, task 2 -> worker 0, ...
    worker:  seed RNGs, set WorkerInfo, worker_init_fn(id), then fetch each task and reply
             (epoch, task, worker id, kind, payload) on the shared result queue

A worker seeds Python's, numpy's and glassgrad's global generators with ``base_seed + id``
(``base_seed`` is drawn once per epoch from the loader's generator). A batch is pickled in
the worker (Tensors as their arrays: a Tensor arrives detached, with no graph; a leaf keeps
``requires_grad``). An exception in a worker comes back as its traceback text and is raised
in the main process as the same exception type, naming the worker. Workers stop when the
epoch ends (unless persistent), when the iterator is garbage-collected (an early ``break``),
or when the main process goes away.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import multiprocessing.context
import pickle
import queue
import random
import signal
import threading
import time
import traceback

import numpy as np

from .. import random as _random
from ..autograd.tensor import Tensor

_POLL = 0.5          # seconds between liveness checks while waiting
_JOIN_TIMEOUT = 5.0  # seconds a worker gets to exit before it is terminated
_OK, _END, _ERR = 0, 1, 2
_RESUME = -1         # task id of "start a new epoch" (persistent workers)


# ------------------------------------------------------------------ worker info

class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``
    (the worker's own copy of the dataset)."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):  # noqa: A002  (torch's name)
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


_worker = threading.local()


def get_worker_info():
    """The current worker's WorkerInfo inside a DataLoader worker; None in the main process.

    An IterableDataset uses it in ``__iter__`` to give each worker its own share:

        info = get_worker_info()
        mine = range(start, stop) if info is None else \\
            range(start + info.id, stop, info.num_workers)
    """
    return getattr(_worker, "info", None)


def _set_worker_info(info):
    """For worker code: make ``get_worker_info()`` return ``info`` in this process/thread."""
    _worker.info = info


# ------------------------------------------------------------------ batches on the wire

class _Packed:
    """A Tensor in transit: its array, and whether the leaf that arrives requires grad."""

    __slots__ = ("array", "requires_grad")

    def __init__(self, array, requires_grad):
        self.array, self.requires_grad = array, requires_grad

    def __getstate__(self):
        return self.array, self.requires_grad

    def __setstate__(self, state):
        self.array, self.requires_grad = state


def _pack(obj):
    """Tensors (inside tuples, lists and dicts too) replaced by their arrays, graph dropped."""
    if isinstance(obj, Tensor):
        return _Packed(obj._data, bool(obj.requires_grad and obj.grad_fn is None))
    if isinstance(obj, tuple):
        items = [_pack(x) for x in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, list):
        return [_pack(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _pack(v) for k, v in obj.items()}
    return obj


def _unpack(obj):
    if isinstance(obj, _Packed):
        t = Tensor._from_op(obj.array, None, ())
        t.requires_grad = obj.requires_grad
        return t
    if isinstance(obj, tuple):
        items = [_unpack(x) for x in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, list):
        return [_unpack(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _unpack(v) for k, v in obj.items()}
    return obj


def _error_payload(exc, where):
    """(exception type or None when it cannot be pickled, type name, traceback text)."""
    try:
        kind = pickle.loads(pickle.dumps(type(exc)))
    except Exception:  # a class defined inside a function, say
        kind = None
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return kind, type(exc).__name__, f"{where}\n{text}"


# ------------------------------------------------------------------ the worker

def _seed_worker(seed):
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    _random.manual_seed(seed)


def _worker_loop(worker_id, num_workers, seed, dataset, fetch, init_fn, tasks, results, done):
    """Body of one worker process; ``fetch(payload)`` makes a batch, ``fetch.reset()``
    starts a new pass (an IterableDataset's fresh iterator)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business
    _seed_worker(seed)
    _set_worker_info(WorkerInfo(worker_id, num_workers, seed, dataset))
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception as e:
            init_error = _error_payload(e, f"in worker_init_fn({worker_id}):")
    fetch.reset()
    ended = False
    while True:
        try:
            msg = tasks.get(timeout=_POLL)
        except queue.Empty:
            parent = mp.parent_process()
            if done.is_set() or (parent is not None and not parent.is_alive()):
                break
            continue
        if msg is None or done.is_set():
            break
        epoch, task, payload = msg
        if task == _RESUME:
            fetch.reset()
            ended = False
            continue
        if ended:  # this worker's stream ran out; the main process skips its tasks
            continue
        if init_error is not None:
            reply, init_error = (_ERR, init_error), None
        else:
            try:
                reply = (_OK, pickle.dumps(_pack(fetch(payload)), protocol=5))
            except StopIteration:
                reply, ended = (_END, None), True
            except Exception as e:
                reply = (_ERR, _error_payload(e, "Original traceback:"))
        results.put((epoch, task, worker_id) + reply)
    results.cancel_join_thread()  # exit now even if the main process stopped reading
    results.close()


# ------------------------------------------------------------------ the main side

def resolve_context(context):
    """A multiprocessing context from None (fork where available), a start-method name or a
    context object."""
    methods = mp.get_all_start_methods()
    if context is None:
        return mp.get_context("fork" if "fork" in methods else None)
    if isinstance(context, str):
        if context not in methods:
            raise ValueError(f"DataLoader: multiprocessing_context={context!r} is not a start "
                             f"method on this platform; choose one of {methods}")
        return mp.get_context(context)
    if isinstance(context, mp.context.BaseContext):
        return context
    raise TypeError(f"DataLoader: multiprocessing_context must be a start method name "
                    f"{methods} or a multiprocessing context, got {type(context).__name__}")


class WorkerIterator:
    """One epoch of batches from ``num_workers`` processes (reused across epochs by
    persistent workers through ``reset``). ``tasks`` is an iterator of index payloads for a
    map-style dataset, or None for an IterableDataset (every worker streams until it ends)."""

    def __init__(self, dataset, fetch, tasks, base_seed, *, num_workers, prefetch_factor,
                 worker_init_fn, timeout, context, persistent):
        self._n, self._timeout, self._persistent = num_workers, timeout, persistent
        self._prefetch = prefetch_factor * num_workers
        self._shut = True  # until the workers exist, there is nothing to shut down
        ctx = resolve_context(context)
        self._results, self._done = ctx.Queue(), ctx.Event()
        self._queues, self._workers = [], []
        self._shut = False
        for wid in range(num_workers):
            q = ctx.Queue()
            w = ctx.Process(target=_worker_loop, daemon=True,
                            args=(wid, num_workers, base_seed + wid, dataset, fetch,
                                  worker_init_fn, q, self._results, self._done))
            w.start()
            self._queues.append(q)
            self._workers.append(w)
        self._epoch = 0
        self._start(tasks)

    def _start(self, tasks):
        self._tasks, self._stream = tasks, tasks is None
        self._sent = self._rcvd = 0
        self._owner, self._ready = {}, {}
        self._active = [True] * self._n
        self._cycle = itertools.cycle(range(self._n))
        for _ in range(self._prefetch):
            if not self._send():
                break

    def reset(self, tasks):
        """A new epoch on the same workers; results of the old one still on the way are
        dropped by their epoch number."""
        self._epoch += 1
        for q in self._queues:
            q.put((self._epoch, _RESUME, None))
        self._start(tasks)

    def _send(self):
        """Give the next task to the next worker whose stream has not ended."""
        for _ in range(self._n):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return False
        payload = None
        if not self._stream:
            try:
                payload = next(self._tasks)
            except StopIteration:
                return False
        self._queues[wid].put((self._epoch, self._sent, payload))
        self._owner[self._sent] = wid
        self._sent += 1
        return True

    def __iter__(self):
        return self

    def __next__(self):
        waiting_since = time.monotonic()  # ``timeout`` bounds the wait for this one batch
        while True:
            while (self._rcvd < self._sent and self._rcvd not in self._ready
                   and not self._active[self._owner[self._rcvd]]):
                del self._owner[self._rcvd]  # sent to a worker whose stream had ended
                self._rcvd += 1
            if self._rcvd in self._ready:
                task = self._rcvd
                kind, wid, payload = self._ready.pop(task)
                del self._owner[task]
                self._rcvd += 1
                self._send()
                if kind == _ERR:
                    exc = _reraise(wid, payload)
                    # the traceback keeps this frame: without ``self`` in it, a loop that the
                    # error ends drops the iterator, and __del__ stops the workers
                    del self
                    raise exc
                return _unpack(pickle.loads(payload))
            if self._rcvd >= self._sent:
                if not self._persistent:
                    self.shutdown()
                raise StopIteration
            epoch, task, wid, kind, payload = self._get(waiting_since)
            if epoch != self._epoch:
                continue
            if kind == _END:
                self._active[wid] = False
            else:
                self._ready[task] = (kind, wid, payload)

    def _get(self, start):
        """The next message from any worker, checking that the workers are alive and that
        ``timeout`` (seconds, 0 = wait forever) has not passed since ``start``."""
        if self._shut:
            raise RuntimeError("DataLoader: this worker iterator was shut down")
        while True:
            wait = _POLL
            if self._timeout:
                wait = min(wait, max(0.0, start + self._timeout - time.monotonic()))
            try:
                return self._results.get(timeout=wait)
            except queue.Empty:
                pass
            dead = [(wid, w) for wid, w in enumerate(self._workers) if not w.is_alive()]
            if dead:
                wid, w = dead[0]
                self.shutdown()
                raise RuntimeError(f"DataLoader worker {wid} (pid {w.pid}) exited "
                                   f"unexpectedly with exit code {w.exitcode}")
            if self._timeout and time.monotonic() - start >= self._timeout:
                wid = self._owner.get(self._rcvd)
                self.shutdown()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   f"waiting for batch {self._rcvd} from worker {wid} "
                                   f"(timeout={self._timeout})")

    def shutdown(self):
        """Stop and reap every worker (idempotent)."""
        if self._shut:
            return
        self._shut = True
        self._done.set()
        for q in self._queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.join(timeout=_JOIN_TIMEOUT)
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self._queues + [self._results]:
            q.cancel_join_thread()
            q.close()

    @property
    def alive(self):
        return not self._shut

    def __del__(self):
        try:
            self.shutdown()
        except Exception:  # at interpreter exit, multiprocessing may be torn down already
            pass


class _Message(str):
    """A message that prints as itself inside a KeyError (whose str() is the repr)."""

    def __repr__(self):
        return str(self)


def _reraise(worker_id, payload):
    """The exception to raise in the main process for a worker's error."""
    kind, name, text = payload
    msg = f"Caught {name} in DataLoader worker process {worker_id}.\n{text}"
    if kind is not None and issubclass(kind, KeyError):
        msg = _Message(msg)
    if kind is not None:
        try:
            return kind(msg)
        except Exception:  # an exception whose constructor wants other arguments
            pass
    return RuntimeError(msg)
