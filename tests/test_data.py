"""glassgrad.data: datasets and DataLoader, IDX files, MNIST loaders, embedded digits,
synthetic sets and helpers. Real-data tests skip when the files are absent."""

import gzip
import hashlib
import os
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    Compose,
    DataLoader,
    Dataset,
    IDXError,
    Normalize,
    Subset,
    TensorDataset,
    ToFloat,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    make_blobs,
    make_moons,
    make_spirals,
    make_xor,
    mnist,
    normalize,
    one_hot,
    read_idx,
    to_float,
    train_val_split,
    write_idx,
)
from needs import FASHION_DIR, needs_debian_fashion_mnist
from torch_ref import torch

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
MNIST_DIR = SHARED / "mnist"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                                 reason=f"MNIST files not found in {MNIST_DIR}")


def _xy(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return x, np.arange(n, dtype=np.int64)


# ------------------------------------------------------------------ Dataset and DataLoader
@pytest.mark.parametrize("drop_last,n_batches,last", [(False, 4, 1), (True, 3, 3)])
def test_loader_batch_count(drop_last, n_batches, last):
    loader = DataLoader(TensorDataset(*_xy(10)), batch_size=3, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == n_batches
    assert [len(b[0]) for b in batches][-1] == last
    ys = np.concatenate([b[1].numpy() for b in batches])
    assert ys.tolist() == list(range(10))[: n_batches * 3 if drop_last else 10]


def test_loader_batches_are_tensors_with_dtypes():
    x = np.zeros((6, 2, 2), np.uint8)
    (xb, yb), = list(DataLoader(TensorDataset(x, _xy(6)[1]), batch_size=6))
    assert isinstance(xb, gg.Tensor) and isinstance(yb, gg.Tensor)
    assert (xb.dtype, yb.dtype, xb.shape) == (np.uint8, np.int64, (6, 2, 2))
    xb.data[:] = 7  # a batch is a copy, never a view into the dataset
    assert x.max() == 0


def test_loader_shuffle_reproducible_and_new_order_each_epoch():
    ds = TensorDataset(*_xy(50))
    def order(loader):
        return np.concatenate([y.numpy() for _, y in loader])
    a = DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(3))
    b = DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(3))
    e1, e2 = order(a), order(a)
    assert np.array_equal(e1, order(b)) and np.array_equal(e2, order(b))
    assert not np.array_equal(e1, e2)
    assert sorted(e1) == sorted(e2) == list(range(50))
    c = DataLoader(ds, batch_size=8, shuffle=True)  # default generator, read at iter()
    gg.manual_seed(11)
    first = order(c)
    gg.manual_seed(11)
    assert np.array_equal(first, order(c)) and not np.array_equal(first, np.arange(50))


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.full(3, i, np.float32), i, {"w": float(i)}


def test_loader_generic_dataset_collates_samples():
    batches = list(DataLoader(Squares(), batch_size=4))
    assert len(batches) == 2
    x, y, d = batches[1]
    assert x.shape == (3, 3) and x.dtype == np.float32 and x.data[:, 0].tolist() == [4, 5, 6]
    assert y.dtype == np.int64 and y.tolist() == [4, 5, 6]
    assert d["w"].dtype == np.float64  # Python floats collate to float64, as in torch
    seen = list(DataLoader(Squares(), batch_size=3, collate_fn=lambda s: [t[1] for t in s]))
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]


def test_loader_subset_fast_path_matches_samples():
    ds = TensorDataset(*_xy(10))
    sub = Subset(ds, [9, 2, 5, 0])
    (xb, yb), = list(DataLoader(sub, batch_size=4))
    assert yb.tolist() == [9, 2, 5, 0]
    assert np.array_equal(xb.numpy(), np.stack([sub[i][0].numpy() for i in range(4)]))


def test_loader_and_dataset_errors():
    with pytest.raises(ValueError, match=r"\[10, 9\].*\(10, 2\), \(9,\)"):
        TensorDataset(_xy(10)[0], np.arange(9))
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        DataLoader(TensorDataset(*_xy()), batch_size=0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(TensorDataset(*_xy()), generator=0)
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
    x, y = TensorDataset(*_xy())[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3


# ------------------------------------------------------------------ IDX files
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_idx_round_trip(tmp_path, dtype, gz):
    arr = (np.random.default_rng(0).standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = write_idx(tmp_path / "a.idx", arr, gzip=gz)
    assert (open(path, "rb").read(2) == b"\x1f\x8b") == gz
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative and out.flags.writeable
    assert np.array_equal(out, arr)


def test_idx_gzip_detected_by_magic_not_name(tmp_path):
    arr = np.arange(12, dtype=np.int32).reshape(3, 4)
    write_idx(tmp_path / "plain.gz", arr)
    write_idx(tmp_path / "zipped.bin", arr, gzip=True)
    assert np.array_equal(read_idx(tmp_path / "plain.gz"), arr)
    assert np.array_equal(read_idx(tmp_path / "zipped.bin"), arr)


def _corrupt(tmp_path, name, edit, gz=False):
    path = tmp_path / name
    raw = bytearray(open(write_idx(path, np.zeros((5, 4, 4), np.uint8)), "rb").read())
    raw = edit(raw)
    open(path, "wb").write(gzip.compress(bytes(raw)) if gz else bytes(raw))
    with pytest.raises(IDXError) as info:
        read_idx(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_idx_errors_name_file_and_problem(tmp_path):
    msg = _corrupt(tmp_path, "t-images-idx3-ubyte.gz", lambda r: r[:-10], gz=True)
    assert "payload has 70 bytes but dims (5, 4, 4) need 80" in msg
    msg = _corrupt(tmp_path, "extra", lambda r: r + b"\x00")
    assert "payload has 81 bytes but dims (5, 4, 4) need 80" in msg
    msg = _corrupt(tmp_path, "magic", lambda r: b"\x01" + r[1:])
    assert "bad magic number 0x01000803" in msg
    msg = _corrupt(tmp_path, "code", lambda r: r[:2] + b"\x0a" + r[3:])
    assert "unknown dtype code 0x0A" in msg and "0x08 (ubyte)" in msg
    msg = _corrupt(tmp_path, "short", lambda r: r[:9])
    assert "declares 3 dims" in msg
    path = tmp_path / "cut.gz"
    open(path, "wb").write(gzip.compress(bytes(100))[:-12])
    with pytest.raises(IDXError, match="cut.gz: corrupt or truncated gzip"):
        read_idx(path)
    assert issubclass(IDXError, ValueError)
    with pytest.raises(TypeError, match="no dtype code for int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))


# ------------------------------------------------------------------ MNIST and Fashion-MNIST
@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No $GLASSGRAD_DATA, an empty home directory."""
    monkeypatch.delenv("GLASSGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@needs_mnist
def test_load_mnist_via_root(clean_env):
    x, y = load_mnist(SHARED)
    assert (x.shape, x.dtype, y.dtype) == ((60000, 28, 28), np.uint8, np.int64)
    assert np.bincount(y).tolist() == TRAIN_COUNTS


@needs_mnist
@pytest.mark.parametrize("env", [SHARED, MNIST_DIR])
def test_load_mnist_via_env(clean_env, monkeypatch, env):
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    x, y = load_mnist(train=False)
    assert x.shape == (10000, 28, 28) and np.bincount(y).tolist() == TEST_COUNTS
    assert np.array_equal(load_mnist(split="t10k")[1], y)


@needs_debian_fashion_mnist
def test_load_fashion_mnist_from_debian(clean_env):
    x, y = load_fashion_mnist(train=False)
    assert (x.shape, x.dtype) == ((10000, 28, 28), np.uint8)
    assert np.bincount(y).tolist() == [1000] * 10


def test_not_found_lists_every_place(clean_env, monkeypatch):
    env, root = clean_env / "env", clean_env / "nope"
    (env / "mnist").mkdir(parents=True)
    write_idx(env / "mnist" / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    monkeypatch.setenv("GLASSGRAD_DATA", str(env))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(root)
    msg = str(info.value)
    for place in [root, root / "mnist", env, clean_env / "home/.cache/glassgrad/mnist"]:
        assert str(place) in msg
    assert f"{env / 'mnist'} (missing train-labels-idx1-ubyte[.gz])" in msg
    assert "point GLASSGRAD_DATA (or root=) at a folder" in msg and "download=True" in msg
    assert "../shared" not in msg  # no path from a development machine
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"fashion-mnist": [str(clean_env / "sys")]})
    with pytest.raises(FileNotFoundError, match=r"(?s)sys \(does not exist\).*apt-get install "
                       "dataset-fashion-mnist.*https://github.com/zalandoresearch/fashion-mnist"):
        load_fashion_mnist(root, split="test")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_mnist(root, split="val")


def _fake_mnist(directory, n=20, max_label=9, gz=False):
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    y = (np.arange(n) % (max_label + 1)).astype(np.uint8)
    write_idx(directory / ("t10k-images-idx3-ubyte" + ".gz" * gz), x, gzip=gz)
    write_idx(directory / ("t10k-labels-idx1-ubyte" + ".gz" * gz), y, gzip=gz)
    return x, y


def test_load_mnist_plain_files_and_bad_labels(clean_env):
    x, y = _fake_mnist(clean_env / "r")
    xs, ys = load_mnist(clean_env / "r", split="test")
    assert np.array_equal(xs, x) and ys.dtype == np.int64 and np.array_equal(ys, y)
    _fake_mnist(clean_env / "bad" / "mnist", max_label=10)
    with pytest.raises(IDXError, match="labels must be 0..9, found 10"):
        load_mnist(clean_env / "bad", split="test")


def _pin_fake_mirror(directory, monkeypatch):
    """Pin the checksums of a fake mirror's files, computed here with hashlib, not mnist."""
    pins = {}
    for base in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        pins[base] = hashlib.sha256(gzip.decompress((directory / (base + ".gz")).read_bytes())
                                    ).hexdigest()
    monkeypatch.setattr(mnist, "SHA256", {"mnist": pins})
    return pins


def test_download_from_mirrors_without_network(clean_env, monkeypatch):
    x, _ = _fake_mnist(clean_env / "mirror", gz=True)
    _pin_fake_mirror(clean_env / "mirror", monkeypatch)
    mirrors = [(clean_env / "missing").as_uri() + "/", (clean_env / "mirror").as_uri() + "/"]
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": mirrors})
    xs, _ = load_mnist(clean_env / "dl", split="test", download=True)
    assert np.array_equal(xs, x)
    assert sorted(os.listdir(clean_env / "dl" / "mnist")) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_download_refuses_a_corrupted_file_naming_it_and_both_hashes(clean_env, monkeypatch):
    _fake_mnist(clean_env / "mirror", gz=True)
    pins = _pin_fake_mirror(clean_env / "mirror", monkeypatch)
    images = clean_env / "mirror" / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[-1] ^= 0xFF  # one flipped pixel: still a valid IDX file, so only the hash can catch it
    images.write_bytes(gzip.compress(bytes(raw)))
    bad = hashlib.sha256(bytes(raw)).hexdigest()
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [(clean_env / "mirror").as_uri() + "/"]})
    with pytest.raises(mnist.ChecksumError) as info:
        load_mnist(clean_env / "dl", split="test", download=True)
    msg = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in msg
    assert pins["t10k-images-idx3-ubyte"] in msg and bad in msg
    assert not any((clean_env / "dl" / "mnist").glob("t10k-images*"))  # nothing kept


def test_download_refuses_plain_http(clean_env, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": ["http://example.invalid/mnist/"]})
    with pytest.raises(ValueError, match="refusing http://example.invalid/mnist/t10k-images"):
        load_mnist(clean_env / "dl", split="test", download=True)


def test_every_mirror_is_https_and_every_file_is_pinned():
    for name, mirrors in mnist.MIRRORS.items():
        assert mirrors and all(m.startswith("https://") for m in mirrors), name
        bases = {b for pair in mnist.FILES.values() for b in pair}
        assert set(mnist.SHA256[name]) == bases, name
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in mnist.SHA256[name].values())


@pytest.mark.parametrize("name,directory", [("mnist", SHARED / "mnist"),
                                            ("fashion-mnist", FASHION_DIR)])
def test_pinned_checksums_match_the_local_copies(name, directory):
    if not directory.is_dir():
        pytest.skip(f"{directory} absent")
    for base, want in mnist.SHA256[name].items():
        path = directory / (base + ".gz")
        got = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
        assert got == want, (path, got)
        assert mnist.content_sha256(path) == want


# ------------------------------------------------------------------ embedded digits
def test_embedded_digits_load_without_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_digits tried to use the network")
    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    for train, n in [(True, 5000), (False, 1000)]:
        x, y = load_digits(train)
        assert (x.shape, x.dtype, y.dtype) == ((n, 28, 28), np.uint8, np.int64)
        assert np.bincount(y, minlength=10).tolist() == [n // 10] * 10
        assert x.max() == 255 and x.min() == 0
    npz = Path(mnist.__file__).parent / "_embedded" / "digits.npz"
    assert npz.stat().st_size < 1_500_000
    assert (npz.parent / "README.md").read_text().count("CC BY-SA 3.0") >= 1


@needs_mnist
def test_embedded_digits_are_mnist(clean_env):
    x, y, index = load_digits(split="test", with_index=True)
    full_x, full_y = load_mnist(MNIST_DIR, split="test")
    assert np.array_equal(full_x[index], x) and np.array_equal(full_y[index], y)


# ------------------------------------------------------------------ synthetic sets
@pytest.mark.parametrize("make,n,counts", [
    (lambda **k: make_moons(101, noise=0.1, **k), 101, [50, 51]),
    (lambda **k: make_spirals(99, 3, noise=0.05, **k), 99, [33, 33, 33]),
    (lambda **k: make_xor(100, noise=0.1, **k), 100, [50, 50]),
    (lambda **k: make_blobs(100, centers=3, **k), 100, [34, 33, 33]),
])
def test_generators_shapes_seeding_balance(make, n, counts):
    X, y = make(random_state=0)
    assert (X.shape, X.dtype, y.shape, y.dtype) == ((n, 2), np.float32, (n,), np.int64)
    assert np.bincount(y).tolist() == counts
    X2, y2 = make(generator=np.random.default_rng(0))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, make(random_state=1)[0])
    gg.manual_seed(5)
    a = make()[0]
    gg.manual_seed(5)
    assert np.array_equal(a, make()[0])


def test_generators_geometry_without_noise():
    X, y = make_moons(40, random_state=0)
    assert np.allclose(np.linalg.norm(X[y == 0], axis=1), 1.0, atol=1e-6)
    X, y = make_xor(40, random_state=0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    r = np.linalg.norm(make_spirals(30, random_state=0)[0], axis=1)
    assert r.min() >= 0.1 - 1e-6 and r.max() <= 1 + 1e-6
    X, y, c = make_blobs([5, 7], centers=[[0, 0, 0], [9, 9, 9]], cluster_std=0.01,
                         random_state=0, return_centers=True)
    assert X.shape == (12, 3) and np.bincount(y).tolist() == [5, 7]
    assert np.allclose(X[y == 1], 9, atol=0.1)
    with pytest.raises(TypeError, match="not both"):
        make_moons(random_state=0, generator=np.random.default_rng(0))


# ------------------------------------------------------------------ helpers
def test_to_float_and_normalize():
    img = np.array([[0, 51, 255]], np.uint8)
    assert to_float(img).dtype == np.float32 and np.allclose(to_float(img), [[0, 0.2, 1]])
    t = to_float(gg.tensor(img))
    assert isinstance(t, gg.Tensor) and t.dtype == np.float32
    x = np.ones((2, 3, 2, 2), np.float32) * np.array([1, 2, 3], np.float32)[:, None, None]
    out = normalize(x, (1, 2, 3), (1, 2, 4))
    assert out.dtype == np.float32 and np.allclose(out, 0)
    assert np.allclose(Compose([ToFloat(), Normalize(0.5, 0.5)])(img), [[-1, -0.6, 1]])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        normalize(x, 0.0, (1, 0, 1))
    with pytest.raises(TypeError, match="call to_float first"):
        normalize(img, 0.0, 1.0)
    with pytest.raises(ValueError, match="3 channels"):
        normalize(np.ones((2, 5, 5), np.float32), (1, 2, 3), (1, 1, 1))


@pytest.mark.parametrize("labels,num_classes", [
    ([0, 2, 1, 2], -1), ([3, 0], 5), ([[1, 0], [2, 2]], -1), ([], 3)])
def test_one_hot_matches_torch(labels, num_classes):
    arr = np.array(labels, dtype=np.int64)
    want = torch.nn.functional.one_hot(torch.tensor(arr), num_classes).numpy()
    got = one_hot(arr, num_classes)
    assert got.dtype == np.int64 and np.array_equal(got, want)
    t = one_hot(gg.tensor(arr), num_classes)
    assert isinstance(t, gg.Tensor) and np.array_equal(t.numpy(), want)


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        one_hot(np.array([-1, 0]))
    with pytest.raises(TypeError, match="integer labels"):
        one_hot(np.array([0.5]))


def test_train_val_split():
    train, val = train_val_split(10, 0.3, generator=0)
    assert len(val) == 3 and sorted(np.concatenate([train, val])) == list(range(10))
    assert np.array_equal(val, train_val_split(10, 0.3, generator=0)[1])
    x, y = _xy(20)
    (xt, yt), (xv, yv) = train_val_split((x, y), 0.25, generator=np.random.default_rng(1))
    assert len(yv) == 5 and np.array_equal(xv[:, 0] / 2, yv) and np.array_equal(xt[:, 1],
                                                                                  2 * yt + 1)
    dt, dv = train_val_split(TensorDataset(x, y), 0.25, generator=np.random.default_rng(1))
    assert isinstance(dv, TensorDataset) and np.array_equal(dv.tensors[1].numpy(), yv)
    st, sv = train_val_split(Squares(), 0.3, generator=2)
    assert isinstance(sv, Subset) and len(st) + len(sv) == 7
    with pytest.raises(ValueError, match=r"val_fraction must be in \[0, 1\)"):
        train_val_split(10, 1.0)
    with pytest.raises(ValueError, match=r"sizes \[20, 3\]"):
        train_val_split((x, y[:3]))
