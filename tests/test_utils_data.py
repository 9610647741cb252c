"""glassgrad.utils.data, torch.utils.data's namespace: random_split, Subset, ConcatDataset,
IterableDataset through DataLoader, the samplers and get_worker_info, against torch."""

import threading
import warnings

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.data
import glassgrad.utils.data as D
from torch_ref import torch

NAMES = ["Dataset", "IterableDataset", "TensorDataset", "DataLoader", "Subset", "ConcatDataset",
         "ChainDataset", "random_split", "RandomSampler", "SequentialSampler", "BatchSampler",
         "SubsetRandomSampler", "WeightedRandomSampler", "Sampler", "default_collate",
         "get_worker_info", "default_convert"]


def _gen(seed):
    return gg.Generator().manual_seed(seed)


def _np(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def test_namespace_has_torchs_names():
    for name in NAMES:
        assert hasattr(D, name), name
        assert name in D.__all__
    # the dataset classes are glassgrad.data's, not copies
    assert D.TensorDataset is glassgrad.data.TensorDataset
    assert D.Subset is glassgrad.data.Subset
    assert D.default_collate is glassgrad.data.default_collate
    assert issubclass(D.DataLoader, glassgrad.data.DataLoader)
    assert issubclass(D.IterableDataset, D.Dataset)


def test_namespace_names_exist_in_torch():
    for name in NAMES:
        assert hasattr(torch.utils.data, name), name


# ------------------------------------------------------------------ random_split

SPLITS = [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]),
          (5, [5, 0]), (11, [0.25, 0.25, 0.25, 0.25]), (1, [1.0]), (100, [0.8, 0.1, 0.1])]


@pytest.mark.parametrize("n,lengths", SPLITS)
def test_random_split_sizes_match_torch_and_partition(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = D.random_split(range(n), lengths, generator=_gen(0))
        theirs = torch.utils.data.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    got = np.concatenate([np.asarray(s.indices, np.int64).reshape(-1) for s in ours])
    assert sorted(got.tolist()) == list(range(n))  # disjoint and covering
    for s in ours:
        assert isinstance(s, D.Subset)
        assert [s[i] for i in range(len(s))] == [int(j) for j in s.indices]


def test_random_split_fraction_sizes_without_torch():
    assert [len(s) for s in D.random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(s) for s in D.random_split(range(7), [0.5, 0.5])] == [4, 3]
    with pytest.warns(UserWarning, match="index 1 is 0"):
        D.random_split(range(2), [0.9, 0.1])


def test_random_split_is_deterministic_with_a_seeded_generator():
    ds = D.TensorDataset(np.arange(50.0))
    a = [s.indices.tolist() for s in D.random_split(ds, [20, 30], generator=_gen(7))]
    b = [s.indices.tolist() for s in D.random_split(ds, [20, 30], generator=_gen(7))]
    c = [s.indices.tolist() for s in D.random_split(ds, [20, 30], generator=_gen(8))]
    assert a == b and a != c
    np_rng = [s.indices.tolist() for s in
              D.random_split(ds, [0.4, 0.6], generator=np.random.default_rng(1))]
    assert np_rng == [s.indices.tolist() for s in
                      D.random_split(ds, [0.4, 0.6], generator=np.random.default_rng(1))]
    gg.manual_seed(3)
    d = [s.indices.tolist() for s in D.random_split(ds, [20, 30])]
    gg.manual_seed(3)
    assert d == [s.indices.tolist() for s in D.random_split(ds, [20, 30])]
    # the split is a random permutation: not the identity for 50 samples
    assert a[0] + a[1] != list(range(50))
    # a Subset of a TensorDataset indexes the underlying tensor
    first = D.random_split(ds, [20, 30], generator=_gen(7))[0]
    assert [float(first[i][0]) for i in range(20)] == [float(j) for j in a[0]]


def test_random_split_errors_like_torch():
    for split in (D.random_split, torch.utils.data.random_split):
        with pytest.raises(ValueError):
            split(range(10), [3, 3])
        with pytest.raises(ValueError):
            split(range(10), [1.5, -0.5])
    with pytest.raises(TypeError):
        D.random_split(range(10), [5, 5], generator="seed")


# ------------------------------------------------------------------ Subset, ConcatDataset

def _pair(n, offset, lib):
    x = np.arange(n * 2, dtype=np.float64).reshape(n, 2) + offset
    y = np.arange(n) + offset
    if lib == "torch":
        return torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    return D.TensorDataset(x, y)


def _same_sample(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(_np(u), _np(v))


def test_subset_indexing_matches_torch():
    idx = [4, 0, 2, 2, -1]
    ours = D.Subset(_pair(5, 0, "gg"), idx)
    theirs = torch.utils.data.Subset(_pair(5, 0, "torch"), idx)
    assert len(ours) == len(theirs)
    for i in range(len(idx)):
        _same_sample(ours[i], theirs[i])
    for a, b in zip(ours[[1, 3]], [theirs[1], theirs[3]]):
        _same_sample(a, b)


def test_concat_dataset_matches_torch():
    sizes = [3, 0, 4, 2]
    ours = D.ConcatDataset([_pair(n, 10 * k, "gg") for k, n in enumerate(sizes)])
    theirs = torch.utils.data.ConcatDataset([_pair(n, 10 * k, "torch")
                                             for k, n in enumerate(sizes)])
    assert len(ours) == len(theirs) == 9
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-9, 9):
        _same_sample(ours[i], theirs[i])
    for mod in (D, torch.utils.data):
        ds = ours if mod is D else theirs
        with pytest.raises(ValueError):
            ds[-10]
        with pytest.raises(IndexError):
            ds[9]
    # batches through the DataLoader agree with torch's (torch gives lists, we tuples)
    for (a, b), (c, d) in zip(D.DataLoader(ours, batch_size=4),
                              torch.utils.data.DataLoader(theirs, batch_size=4)):
        np.testing.assert_array_equal(_np(a), _np(c))
        np.testing.assert_array_equal(_np(b), _np(d))


def test_concat_dataset_known_values_and_errors():
    c = D.ConcatDataset([[1, 2], [3], [4, 5, 6]])
    assert [c[i] for i in range(len(c))] == [1, 2, 3, 4, 5, 6]
    assert c[-1] == 6 and c[-6] == 1 and c.cumulative_sizes == [2, 3, 6]
    with pytest.raises(ValueError, match="empty"):
        D.ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        D.ConcatDataset([_Stream(3)])


# ------------------------------------------------------------------ samplers

def test_sequential_and_batch_samplers_match_torch():
    data = list(range(10))
    assert list(D.SequentialSampler(data)) == list(torch.utils.data.SequentialSampler(data))
    for bs in (1, 3, 4, 10, 12):
        for drop in (False, True):
            ours = D.BatchSampler(D.SequentialSampler(data), bs, drop)
            theirs = torch.utils.data.BatchSampler(
                torch.utils.data.SequentialSampler(data), bs, drop)
            assert list(ours) == list(theirs)
            assert len(ours) == len(theirs)
    with pytest.raises(ValueError):
        D.BatchSampler(D.SequentialSampler(data), 0, False)


def test_random_sampler_behaviour():
    data = list(range(20))
    s = D.RandomSampler(data, generator=_gen(0))
    first, second = list(s), list(s)
    assert sorted(first) == data and sorted(second) == data
    assert first != second  # a fresh order on each pass
    assert list(D.RandomSampler(data, generator=_gen(0))) == first  # seeded: repeats
    r = list(D.RandomSampler(data, replacement=True, num_samples=200, generator=_gen(1)))
    assert len(r) == 200 and min(r) >= 0 and max(r) < 20
    assert len(set(r)) < len(r)  # draws with replacement repeat
    k = list(D.RandomSampler(data, num_samples=45, generator=_gen(2)))
    assert len(k) == 45 and np.bincount(k, minlength=20).min() >= 2  # whole permutations
    assert len(D.RandomSampler(data, num_samples=45)) == len(
        torch.utils.data.RandomSampler(data, num_samples=45))


def test_subset_random_sampler_behaviour():
    idx = [5, 9, 2, 7]
    s = D.SubsetRandomSampler(idx, generator=_gen(3))
    got = list(s)
    assert sorted(got) == sorted(idx) and len(s) == len(torch.utils.data.SubsetRandomSampler(idx))
    assert list(D.SubsetRandomSampler(idx, generator=_gen(3))) == got


def test_weighted_random_sampler_behaviour():
    w = [0.0, 1.0, 3.0, 0.0, 4.0]
    s = D.WeightedRandomSampler(w, 8000, generator=_gen(4))
    got = np.asarray(list(s))
    assert len(got) == 8000 == len(s)
    counts = np.bincount(got, minlength=5)
    assert counts[0] == counts[3] == 0  # zero weight: never drawn
    np.testing.assert_allclose(counts / 8000, np.asarray(w) / 8.0, atol=0.03)
    once = list(D.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False,
                                        generator=_gen(5)))
    assert sorted(once) == [0, 1, 2, 3]
    torch_draw = list(torch.utils.data.WeightedRandomSampler(w, 50))
    assert set(torch_draw) <= {1, 2, 4} and set(got.tolist()) == {1, 2, 4}


def test_samplers_drive_the_data_loader():
    ds = _pair(10, 0, "gg")
    order = [list(b[1].numpy()) for b in D.DataLoader(
        ds, batch_size=3, sampler=D.SubsetRandomSampler([1, 3, 5, 7], generator=_gen(6)))]
    assert sorted(sum(order, [])) == [1, 3, 5, 7] and [len(b) for b in order] == [3, 1]
    bs = D.BatchSampler(D.SequentialSampler(range(10)), 4, True)
    assert [list(b[1].numpy()) for b in D.DataLoader(ds, batch_sampler=bs)] == [
        [0, 1, 2, 3], [4, 5, 6, 7]]


# ------------------------------------------------------------------ IterableDataset

class _Stream(D.IterableDataset):
    """n samples (float vector, int label); seen_worker_info records get_worker_info()."""

    def __init__(self, n, sized=True):
        self.n, self.sized, self.seen_worker_info = n, sized, []

    def __iter__(self):
        self.seen_worker_info.append(D.get_worker_info())
        for i in range(self.n):
            yield np.array([i, i * 0.5]), i

    def __len__(self):
        if not self.sized:
            raise TypeError("no len")
        return self.n


def _torch_stream(n):
    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            for i in range(n):
                yield np.array([i, i * 0.5]), i

        def __len__(self):
            return n
    return Stream()


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True),
                                                  (7, False), (10, True)])
def test_iterable_dataset_through_data_loader_matches_torch(batch_size, drop_last):
    ours = D.DataLoader(_Stream(7), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(_torch_stream(7), batch_size=batch_size,
                                         drop_last=drop_last)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for (x, y), (tx, ty) in zip(got, want):
        np.testing.assert_array_equal(_np(x), _np(tx))
        np.testing.assert_array_equal(_np(y), _np(ty))
        assert x.dtype == gg.float64 and y.dtype == gg.int64
    assert len(ours) == len(theirs)


def test_iterable_dataset_known_batches_and_options():
    stream = _Stream(5)
    batches = list(D.DataLoader(stream, batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert stream.seen_worker_info == [None]  # read in the main process
    assert len(D.DataLoader(stream, batch_size=2)) == 3
    assert len(D.DataLoader(stream, batch_size=2, drop_last=True)) == 2
    single = list(D.DataLoader(_Stream(3), batch_size=None))
    assert [s[1] for s in single] == [0, 1, 2]
    custom = list(D.DataLoader(_Stream(4), batch_size=2, collate_fn=lambda b: len(b)))
    assert custom == [2, 2]
    assert len(list(D.DataLoader(_Stream(4, sized=False), batch_size=3))) == 2
    with pytest.raises(TypeError):
        len(D.DataLoader(_Stream(4, sized=False)))
    chained = D.ChainDataset([_Stream(2), _Stream(3)])
    assert [b[1].tolist() for b in D.DataLoader(chained, batch_size=4)] == [[0, 1, 0, 1], [2]]
    assert [s[1] for s in (_Stream(1) + _Stream(2))] == [0, 0, 1]
    with pytest.raises(TypeError):
        _Stream(3)[0]


def test_iterable_dataset_rejects_torchs_forbidden_options():
    for mod, ds in ((D, _Stream(3)), (torch.utils.data, _torch_stream(3))):
        with pytest.raises(ValueError):
            mod.DataLoader(ds, shuffle=True)
        with pytest.raises(ValueError):
            mod.DataLoader(ds, sampler=[0, 1, 2])
        with pytest.raises(ValueError):
            mod.DataLoader(ds, batch_sampler=[[0, 1]])
        mod.DataLoader(ds, shuffle=False)  # allowed


def test_map_style_loader_from_utils_data_matches_torch():
    ours = D.DataLoader(_pair(7, 0, "gg"), batch_size=3)
    theirs = torch.utils.data.DataLoader(_pair(7, 0, "torch"), batch_size=3)
    assert len(ours) == len(theirs)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(_np(a), _np(c))
        np.testing.assert_array_equal(_np(b), _np(d))
    shuffled = list(D.DataLoader(_pair(7, 0, "gg"), batch_size=7, shuffle=True,
                                 generator=_gen(0)))
    assert sorted(shuffled[0][1].tolist()) == list(range(7))


# ------------------------------------------------------------------ get_worker_info

def test_get_worker_info_is_none_in_the_main_process_and_per_thread():
    assert D.get_worker_info() is None
    assert torch.utils.data.get_worker_info() is None
    seen = []

    def worker():
        from glassgrad.data.subsets import WorkerInfo, _set_worker_info
        _set_worker_info(WorkerInfo(id=1, num_workers=2, seed=5, dataset=None))
        seen.append(D.get_worker_info())

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen[0].id == 1 and seen[0].num_workers == 2 and seen[0].seed == 5
    assert "id=1" in repr(seen[0])
    assert D.get_worker_info() is None  # the main thread is unaffected


def test_unbatched_loading_matches_torch():
    ds_ours, ds_theirs = _pair(4, 0, "gg"), _pair(4, 0, "torch")
    ours = D.DataLoader(ds_ours, batch_size=None)
    theirs = torch.utils.data.DataLoader(ds_theirs, batch_size=None)
    assert len(ours) == len(theirs) == 4 and ours.batch_size is None
    for a, b in zip(ours, theirs):
        _same_sample(a, b)
    streamed = list(D.DataLoader(_Stream(3), batch_size=None))
    want = list(torch.utils.data.DataLoader(_torch_stream(3), batch_size=None))
    for (x, y), (tx, ty) in zip(streamed, want):
        assert isinstance(x, gg.Tensor) and y == ty  # ndarray -> Tensor, int stays an int
        np.testing.assert_array_equal(_np(x), _np(tx))
    for mod, ds in ((D, ds_ours), (torch.utils.data, ds_theirs)):
        with pytest.raises(ValueError):
            mod.DataLoader(ds, batch_size=None, drop_last=True)
    order = [int(s[1]) for s in D.DataLoader(ds_ours, batch_size=None, shuffle=True,
                                             generator=_gen(1))]
    assert sorted(order) == [0, 1, 2, 3]


def test_default_convert_matches_torch():
    sample = {"a": np.arange(3.0), "b": (np.ones(2, np.int64), 5, "s"), "c": [np.zeros(1)]}
    ours = D.default_convert(sample)
    theirs = torch.utils.data.default_convert(sample)
    assert isinstance(ours["a"], gg.Tensor) and ours["a"].dtype == gg.float64
    np.testing.assert_array_equal(_np(ours["a"]), _np(theirs["a"]))
    assert ours["b"][0].dtype == gg.int64 and ours["b"][1:] == (5, "s")
    assert list(ours["b"][1:]) == list(theirs["b"][1:])  # torch turns tuples into lists
    assert isinstance(ours["c"], list) and isinstance(ours["c"][0], gg.Tensor)
