"""MNIST and Fashion-MNIST from their standard IDX files, found on disk without a network.

Both loaders return ``(images, labels)`` as numpy arrays: images uint8 (N, 28, 28), labels
int64 (N,). Wrap them for training with
``TensorDataset(to_float(images), labels)``.

Where the files are looked for, in order (the first directory holding both files of the
split wins; each file may be gzipped or not):

1. ``root`` and ``root/<name>``, when ``root`` is given;
2. ``$GLASSGRAD_DATA/<name>`` and ``$GLASSGRAD_DATA``;
3. ``~/.cache/glassgrad/<name>``;
4. for Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``
   (``apt-get install dataset-fashion-mnist``).

``<name>`` is ``mnist`` or ``fashion-mnist``. With ``download=True`` and no files found, the
split is fetched over https from the mirrors below into ``root/<name>`` (or
``~/.cache/glassgrad/<name>``). Each download is decompressed and its SHA-256 compared with
the pinned one in ``SHA256``; a mismatch raises ``ChecksumError`` naming the file and both
hashes, and the file is not kept.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys
import urllib.request
from pathlib import Path

import numpy as np

from .idx import IDXError, read_idx

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"],
}
# SHA-256 of each file's decompressed IDX bytes. Mirrors serve the same data in differently
# made .gz files (the copies in ../shared/data/mnist and Debian's dataset-fashion-mnist are
# recompressed), so the pin is on the content, not on the gzip wrapper. Computed from those
# local copies; they match the hashes published for the standard files.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
MAX_IDX_BYTES = 1 << 28  # refused before reading: the largest standard file is 47 MB
SYSTEM_DIRS = {"mnist": [], "fashion-mnist": ["/usr/share/datasets/fashion-mnist"]}
HOW_TO_GET = {
    "mnist": ["point GLASSGRAD_DATA (or root=) at a folder that holds them, or a folder "
              "with an mnist/ subfolder that does"],
    "fashion-mnist": ["on Debian/Ubuntu: apt-get install dataset-fashion-mnist "
                      "(installs /usr/share/datasets/fashion-mnist/)"],
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def _split_name(train, split):
    if split is None:
        return "train" if train else "test"
    key = {"train": "train", "test": "test", "t10k": "test"}.get(str(split).lower())
    if key is None:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return key


def search_dirs(name, root=None):
    """The directories searched for dataset ``name``, in order, without duplicates."""
    dirs = []
    if root is not None:
        dirs += [Path(root), Path(root) / name]
    env = os.environ.get("GLASSGRAD_DATA")
    if env:
        dirs += [Path(env) / name, Path(env)]
    dirs.append(Path.home() / ".cache" / "glassgrad" / name)
    dirs += [Path(d) for d in SYSTEM_DIRS.get(name, [])]
    seen, out = set(), []
    for d in dirs:
        key = os.path.abspath(d)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _find_file(directory, base):
    for fname in (base + ".gz", base):
        if (directory / fname).is_file():
            return directory / fname
    return None


def _locate(name, split, root):
    """(images path, labels path) or (None, report of every place looked in)."""
    report = []
    for d in search_dirs(name, root):
        if not d.is_dir():
            report.append(f"  {d} (does not exist)")
            continue
        found = [_find_file(d, base) for base in FILES[split]]
        if all(found):
            return tuple(found), None
        missing = ", ".join(f"{b}[.gz]" for b, f in zip(FILES[split], found) if f is None)
        report.append(f"  {d} (missing {missing})")
    if not os.environ.get("GLASSGRAD_DATA"):
        report.append("  ($GLASSGRAD_DATA is not set)")
    return None, report


class DataFilesNotFound(FileNotFoundError):
    """The files of a dataset split are in none of the places searched. Besides the message
    (for Python callers), it carries what a command line needs to say it its own way:
    ``name``, ``split``, ``files`` (the list of names), ``looked_in`` (one line per place)
    and ``download_dir`` (where ``download=True`` would put them)."""

    def __init__(self, message, name, split, looked_in, download_dir):
        super().__init__(message)
        self.name, self.split, self.looked_in = name, split, looked_in
        self.files = " and ".join(f"{b}[.gz]" for b in FILES[split])
        self.download_dir = download_dir
        self.title = _TITLES[name]


def _not_found(name, split, root, report, fn):
    title, files = _TITLES[name], " and ".join(f"{b}[.gz]" for b in FILES[split])
    dest = _download_dir(name, root)
    how = HOW_TO_GET[name] + [
        f"{fn}(..., download=True) fetches them into {dest} from {MIRRORS[name][0]}",
        f"or download {FILES[split][0]}.gz etc. yourself from one of "
        f"{', '.join(MIRRORS[name])} into one of the directories above",
    ]
    return DataFilesNotFound(
        f"{fn}: no {title} {split} files ({files}) found; looked in:\n" + "\n".join(report)
        + "\nTo get them:\n" + "\n".join(f"  - {h}" for h in how),
        name, split, report, dest)


class ChecksumError(OSError):
    """A downloaded file's content does not have its pinned SHA-256."""


def content_sha256(path):
    """SHA-256 of a file's bytes, decompressed first when the file is gzipped."""
    h = hashlib.sha256()
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_checksum(name, base, path):
    """Raise ChecksumError unless ``path`` holds the pinned content of ``base``."""
    want = SHA256[name][base]
    got = content_sha256(path)
    if got != want:
        raise ChecksumError(
            f"{base}.gz from {path}: SHA-256 of the decompressed file is {got}, expected "
            f"{want}; the download is corrupt or not the standard {_TITLES[name]} file")


def _check_url(url):
    if not url.startswith(("https://", "file://")):
        raise ValueError(f"download: refusing {url}: only https:// (or file://) URLs are used")


def _download_dir(name, root):
    return (Path(root) if root is not None else Path.home() / ".cache" / "glassgrad") / name


def _download(name, split, root):
    """Fetch both files of ``split`` into the download directory; return their paths."""
    dest = _download_dir(name, root)
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for base in FILES[split]:
        target, errors = dest / (base + ".gz"), []
        for mirror in MIRRORS[name]:
            url, part = mirror + base + ".gz", target.with_suffix(".gz.part")
            _check_url(url)
            print(f"downloading {url}", file=sys.stderr, flush=True)
            try:
                with urllib.request.urlopen(url, timeout=60) as r, open(part, "wb") as f:
                    shutil.copyfileobj(r, f)
                # sizes first (read_idx stops one byte past the declared size), so hashing
                # never inflates more than a well-formed file holds
                read_idx(part, max_bytes=MAX_IDX_BYTES)
                verify_checksum(name, base, part)  # a wrong download fails here
            except (OSError, IDXError, EOFError) as e:
                errors.append((url, e))
                part.unlink(missing_ok=True)
                continue
            os.replace(part, target)
            break
        else:
            text = f"could not download {base}.gz:\n  " + "\n  ".join(
                f"{url}: {e}" for url, e in errors)
            if any(isinstance(e, ChecksumError) for _, e in errors):
                raise ChecksumError(text)
            raise RuntimeError(text)
        paths.append(target)
    return tuple(paths)


def _load(name, root, train, split, download, fn):
    split = _split_name(train, split)
    paths, report = _locate(name, split, root)
    if paths is None:
        if not download:
            raise _not_found(name, split, root, report, fn)
        paths = _download(name, split, root)
    images_path, labels_path = paths
    images = read_idx(images_path, max_bytes=MAX_IDX_BYTES)
    labels = read_idx(labels_path, max_bytes=MAX_IDX_BYTES)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXError(f"{images_path}: expected uint8 images of shape (N, rows, cols), got "
                       f"{images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise IDXError(f"{labels_path}: expected {images.shape[0]} labels to match "
                       f"{images_path}, got shape {labels.shape}")
    if labels.size and labels.max() > 9:
        raise IDXError(f"{labels_path}: labels must be 0..9, found {labels.max()}")
    return images, labels.astype(np.int64)


def load_mnist(root=None, train=True, *, split=None, download=False):
    """MNIST digits: ``(images uint8 (N, 28, 28), labels int64 (N,))``, N = 60000 or 10000.

    ``split`` ('train' or 'test') overrides ``train``. See the module docstring for where the
    files are looked for; without them, FileNotFoundError lists every place and how to get
    them. Nothing is downloaded unless ``download=True``.
    """
    return _load("mnist", root, train, split, download, "load_mnist")


def load_fashion_mnist(root=None, train=True, *, split=None, download=False):
    """Fashion-MNIST, as :func:`load_mnist`; class names in ``FASHION_MNIST_CLASSES``."""
    return _load("fashion-mnist", root, train, split, download, "load_fashion_mnist")
