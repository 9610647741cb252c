"""DataLoader with num_workers > 0: worker processes, batches in sampler order, worker seeds
and WorkerInfo, IterableDataset split by worker, persistent workers, shutdown, errors."""

import multiprocessing as mp
import os
import random
import time

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.data
import glassgrad.utils.data as D
from glassgrad.data._workers import WorkerIterator
from torch_ref import torch

_INIT_CALLS = []  # each worker's own copy, filled by _record_init


def _record_init(worker_id):
    _INIT_CALLS.append(worker_id)


_BEFORE = []


@pytest.fixture(autouse=True)
def _children_before():
    """The processes that other code started: every test here must leave no more than these."""
    _BEFORE[:] = mp.active_children()
    yield


def _new_children():
    return [p for p in mp.active_children() if p not in _BEFORE]  # also reaps: no zombies


def _no_children():  # no gc.collect(): dropping the last reference must be enough
    return _new_children() == []


def _g(seed):
    return gg.Generator().manual_seed(seed)


def _labels(loader):
    return [b[1].tolist() for b in loader]


class Samples(D.Dataset):
    """Per-sample __getitem__ (the path workers parallelize): a vector and the index."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.arange(3.0) + i, i


class WhoAmI(D.Dataset):
    """Each sample says which process made it and what that worker knows."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = D.get_worker_info()
        wid, seed, nw = (-1, -1, 0) if info is None else (info.id, info.seed, info.num_workers)
        same = info is not None and info.dataset is self  # the worker's own copy
        return i, wid, seed, nw, os.getpid(), len(_INIT_CALLS), same


class RandomTransform(D.Dataset):
    """A random augmentation drawn from the global generators (numpy, glassgrad, Python)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return np.array([np.random.rand(), gg.rand(1).item(), random.random()]), i


class Failing(D.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"boom at sample {i}")
        return np.zeros(2), i


class Sleepy(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 0:
            time.sleep(1.0)
        return np.zeros(1), i


class Range(D.IterableDataset):
    """torch's documentation example: [start, end) split evenly between the workers."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = D.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


class NoSplit(D.IterableDataset):
    def __iter__(self):
        return iter(range(4))


# ------------------------------------------------------------------ order and contents

@pytest.mark.parametrize("num_workers", [1, 2, 3])
def test_map_style_batches_equal_in_process_batches(num_workers):
    ds = Samples()
    for kw in ({"batch_size": 4}, {"batch_size": 5, "drop_last": True}, {"batch_size": None},
               {"batch_size": 3, "collate_fn": lambda s: [i for _, i in s]},
               {"batch_sampler": [[3, 1], [0], [22, 5, 7]]}):
        want = list(D.DataLoader(ds, **kw))
        got = list(D.DataLoader(ds, num_workers=num_workers, **kw))
        assert len(got) == len(want) > 0
        for a, b in zip(got, want):
            if isinstance(b, list):
                assert a == b
                continue
            for x, y in zip(a, b):
                np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
                assert type(x) is type(y)


def test_shuffled_order_with_a_generator_is_the_in_process_order_every_epoch():
    ds = Samples()
    serial = D.DataLoader(ds, batch_size=4, shuffle=True, generator=gg.Generator().manual_seed(9))
    for kw in ({}, {"persistent_workers": True}, {"prefetch_factor": 1}):
        parallel = D.DataLoader(ds, batch_size=4, shuffle=True, num_workers=2,
                                generator=gg.Generator().manual_seed(9), **kw)
        serial.generator.manual_seed(9)
        epochs = [_labels(serial) for _ in range(2)]
        assert epochs[0] != epochs[1]  # a new permutation each epoch
        assert [_labels(parallel) for _ in range(2)] == epochs
        del parallel
    gg.manual_seed(4)  # the default generator: same order with and without workers
    a = _labels(D.DataLoader(ds, batch_size=5, shuffle=True))
    gg.manual_seed(4)
    assert _labels(D.DataLoader(ds, batch_size=5, shuffle=True, num_workers=2)) == a
    assert sorted(sum(a, [])) == list(range(23))
    assert _no_children()


def test_batches_match_torch_with_workers():
    class TorchSamples(torch.utils.data.Dataset):
        def __len__(self):
            return 23

        def __getitem__(self, i):
            return np.arange(3.0) + i, i

    ours = list(D.DataLoader(Samples(), batch_size=4, num_workers=2))
    theirs = list(torch.utils.data.DataLoader(TorchSamples(), batch_size=4, num_workers=2))
    assert len(ours) == len(theirs) == 6
    for (x, y), (tx, ty) in zip(ours, theirs):
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        assert x.dtype == gg.float64 and y.dtype == gg.int64


# ------------------------------------------------------------------ workers: info, seeds, init

def test_worker_init_fn_worker_info_and_seeds():
    g = gg.Generator().manual_seed(7)
    base = int(np.random.Generator(np.random.PCG64(7)).integers(0, 1 << 63, dtype=np.int64))
    loader = D.DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=_record_init,
                          generator=g)
    batches = list(loader)
    i, wid, seed, nw, pid, inits, same = (np.concatenate([f.numpy() for f in fields])
                                          for fields in zip(*batches))
    assert i.tolist() == list(range(12))
    # batch k was made by worker k % 2 (round-robin), in another process
    assert wid.tolist() == [k // 2 % 2 for k in range(12)]
    assert set(pid.tolist()).isdisjoint({os.getpid()}) and len(set(pid.tolist())) == 2
    assert seed.tolist() == [base + w for w in wid.tolist()]
    assert set(nw.tolist()) == {2} and set(inits.tolist()) == {1} and same.all()
    assert _INIT_CALLS == [] and D.get_worker_info() is None  # the main process: untouched
    (_, wid0, *_), = D.DataLoader(WhoAmI(), batch_size=12)
    assert set(wid0.tolist()) == {-1}


def test_random_transforms_repeat_after_manual_seed_and_differ_between_workers():
    def epoch(seed):
        gg.manual_seed(seed)
        return np.concatenate([x.numpy() for x, _ in
                               D.DataLoader(RandomTransform(), batch_size=2, num_workers=2)])

    a, b, c = epoch(3), epoch(3), epoch(4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # worker 0 made rows 0-1, worker 1 rows 2-3: different seeds, different draws
    assert not np.allclose(a[0], a[2])


# ------------------------------------------------------------------ IterableDataset

@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
def test_iterable_dataset_split_by_worker_info_as_in_torchs_docs():
    class TorchRange(torch.utils.data.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            if info is None:
                return iter(range(self.start, self.end))
            per = -(-(self.end - self.start) // info.num_workers)
            lo = self.start + info.id * per
            return iter(range(lo, min(lo + per, self.end)))

    for start, end, bs, nw in ((3, 7, 1, 2), (3, 14, 2, 2), (0, 10, 3, 3)):
        ours = [b.tolist() for b in D.DataLoader(Range(start, end), batch_size=bs,
                                                  num_workers=nw)]
        theirs = [b.tolist() for b in torch.utils.data.DataLoader(
            TorchRange(start, end), batch_size=bs, num_workers=nw)]
        assert ours == theirs
    assert [b.tolist() for b in D.DataLoader(Range(3, 7), num_workers=2)] == [[3], [5], [4], [6]]
    assert [b.tolist() for b in D.DataLoader(Range(3, 7), num_workers=0)] == [[3], [4], [5], [6]]


def test_iterable_dataset_without_split_is_duplicated_and_unbatched_works():
    got = [b.tolist() for b in D.DataLoader(NoSplit(), batch_size=2, num_workers=2)]
    assert got == [[0, 1], [0, 1], [2, 3], [2, 3]]  # every worker streams everything
    single = list(D.DataLoader(Range(0, 5), batch_size=None, num_workers=2))
    assert single == [0, 3, 1, 4, 2]
    dropped = [b.tolist() for b in D.DataLoader(Range(0, 7), batch_size=2, drop_last=True,
                                                  num_workers=2)]
    assert dropped == [[0, 1], [4, 5], [2, 3]]  # each worker drops its own short batch


# ------------------------------------------------------------------ persistence and shutdown

def test_persistent_workers_keep_their_processes_across_epochs():
    loader = D.DataLoader(WhoAmI(), batch_size=3, num_workers=2, persistent_workers=True,
                          worker_init_fn=_record_init)
    pids = []
    for _ in range(3):
        batches = list(loader)
        assert np.concatenate([b[0].numpy() for b in batches]).tolist() == list(range(12))
        assert set(np.concatenate([b[5].numpy() for b in batches]).tolist()) == {1}
        pids.append(set(np.concatenate([b[4].numpy() for b in batches]).tolist()))
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    for _ in loader:  # a break mid-epoch: the next epoch starts clean
        break
    assert np.concatenate([b[0].numpy() for b in loader]).tolist() == list(range(12))
    stream = D.DataLoader(Range(0, 6), batch_size=2, num_workers=2, persistent_workers=True)
    assert [[b.tolist() for b in stream] for _ in range(2)] == [[[0, 1], [3, 4], [2], [5]]] * 2
    assert len(_new_children()) == 4
    del loader, stream
    assert _no_children()


def test_workers_stop_after_exhaustion_break_and_garbage_collection():
    loader = D.DataLoader(Samples(), batch_size=2, num_workers=2)
    list(loader)
    assert _no_children()
    for _ in loader:
        break
    assert _no_children()
    it = iter(loader)
    next(it)
    pids = [w.pid for w in it._workers]
    assert len(_new_children()) == 2
    del it
    assert _no_children()
    for pid in pids:  # reaped, not zombies
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_tensor_dataset_fast_path_stays_in_process_unless_worker_init_fn():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ds = D.TensorDataset(x, y)
    it = iter(D.DataLoader(ds, batch_size=4, num_workers=2))
    assert not isinstance(it, WorkerIterator) and _new_children() == []
    want = _labels(D.DataLoader(ds, batch_size=4, shuffle=True, generator=_g(1)))
    assert _labels(D.DataLoader(ds, batch_size=4, shuffle=True, generator=_g(1),
                                num_workers=2)) == want
    with_init = D.DataLoader(ds, batch_size=4, shuffle=True, generator=_g(1), num_workers=2,
                             worker_init_fn=_record_init)
    it = iter(with_init)
    assert isinstance(it, WorkerIterator)
    assert _labels(it) == want
    del it
    assert _no_children()


# ------------------------------------------------------------------ errors, timeout, tensors

def test_worker_exception_is_reraised_with_worker_id_and_traceback():
    loader = D.DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="worker process 0") as info:
        list(loader)
    text = str(info.value)
    assert "boom at sample 5" in text and "__getitem__" in text and "Traceback" in text
    assert _no_children()

    def bad_init(worker_id):
        raise KeyError(f"init {worker_id}")

    with pytest.raises(KeyError, match="worker_init_fn") as info:
        list(D.DataLoader(Samples(), batch_size=2, num_workers=2, worker_init_fn=bad_init))
    assert "\nTraceback" in str(info.value)  # printed as text, not as a quoted repr

    class LocalError(Exception):  # cannot be pickled by reference: arrives as RuntimeError
        pass

    class Raises(Samples):
        def __getitem__(self, i):
            raise LocalError("local")

    with pytest.raises(RuntimeError, match="Caught LocalError in DataLoader worker process"):
        list(D.DataLoader(Raises(), num_workers=1))
    assert _no_children()


def test_timeout_names_the_wait():
    loader = D.DataLoader(Sleepy(), batch_size=1, num_workers=2, timeout=0.2)
    match = r"timed out after 0.2 seconds waiting for batch 0 from worker 0"
    with pytest.raises(RuntimeError, match=match):
        list(loader)
    assert _no_children()


def test_a_worker_that_dies_is_named():
    class Dies(Samples):
        def __getitem__(self, i):
            if i == 3:
                os._exit(3)
            return super().__getitem__(i)

    with pytest.raises(RuntimeError, match=r"worker 1 \(pid \d+\) exited unexpectedly with "
                                           r"exit code 3"):
        list(D.DataLoader(Dies(), batch_size=2, num_workers=2))
    assert _no_children()


def test_tensors_from_workers_carry_no_graph():
    w = gg.ones(2, requires_grad=True)

    class WithGraph(Samples):
        def __getitem__(self, i):
            return w, w * i

    loader = D.DataLoader(WithGraph(), batch_size=None, num_workers=1, collate_fn=lambda s: s)
    leaf, made = next(iter(loader))
    assert leaf.requires_grad and leaf.grad_fn is None and leaf is not w
    assert made.grad_fn is None and not made.requires_grad and made.parents == ()
    np.testing.assert_array_equal(made.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("context", ["fork", "spawn", mp.get_context("forkserver")])
def test_multiprocessing_context_choices(context):
    ds = D.ConcatDataset([D.TensorDataset(np.arange(6.0), np.arange(6))])  # picklable
    got = [b[1].tolist() for b in D.DataLoader(ds, batch_size=4, num_workers=1,
                                                multiprocessing_context=context)]
    assert got == [[0, 1, 2, 3], [4, 5]]
    assert _no_children()


def test_argument_errors_name_the_argument_and_value():
    ds = Samples()
    cases = [({"num_workers": -1}, ValueError, "num_workers=-1"),
             ({"num_workers": 1.5}, ValueError, "num_workers=1.5"),
             ({"prefetch_factor": 2}, ValueError, "prefetch_factor=2.*num_workers=0"),
             ({"persistent_workers": True}, ValueError, "persistent_workers=True"),
             ({"multiprocessing_context": "fork"}, ValueError, "multiprocessing_context"),
             ({"num_workers": 1, "prefetch_factor": 0}, ValueError, "prefetch_factor=0"),
             ({"timeout": -1}, ValueError, "timeout=-1"),
             ({"num_workers": 1, "multiprocessing_context": "bogus"}, ValueError, "'bogus'"),
             ({"num_workers": 1, "multiprocessing_context": 3}, TypeError, "int"),
             ({"worker_init_fn": 3}, TypeError, "worker_init_fn")]
    for kw, kind, match in cases:
        with pytest.raises(kind, match=match):
            D.DataLoader(ds, **kw)
    for kw in ({"prefetch_factor": 2}, {"persistent_workers": True}, {"timeout": -1}):
        with pytest.raises(ValueError):
            torch.utils.data.DataLoader(list(range(3)), **kw)


def test_one_class_and_accepted_no_op_options():
    assert D.DataLoader is glassgrad.data.DataLoader
    loader = D.DataLoader(Samples(5), batch_size=2, pin_memory=True, pin_memory_device="cpu",
                          num_workers=1, prefetch_factor=3, in_order=False)
    assert _labels(loader) == [[0, 1], [2, 3], [4]]
    assert loader.prefetch_factor == 3 and loader.pin_memory and len(loader) == 3
    assert "num_workers=1" in repr(loader)
