"""A class-balanced subset of MNIST shipped inside the package: no files, no network.

``_embedded/digits.npz`` holds 5,000 training digits (500 per class) and 1,000 test digits
(100 per class), 28x28 uint8, the first of each class in the original files' order, with
their indices into those files. MNIST is by Yann LeCun, Corinna Cortes and Christopher
Burges, under CC BY-SA 3.0 (see ``_embedded/README.md``).
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .mnist import _split_name, load_mnist

_NPZ = "digits.npz"


def build_embedded_digits(source_dir, out_path, n_train=5000, n_test=1000):
    """Write the embedded subset from the MNIST IDX files in ``source_dir`` to ``out_path``.

    Takes the first ``n / 10`` digits of each class from each split, kept in file order.
    Arrays: train_images, train_labels, train_index, test_images, test_labels, test_index.
    """
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        if n % 10:
            raise ValueError(f"build_embedded_digits: n_{split}={n} is not a multiple of 10")
        images, labels = load_mnist(source_dir, split=split)
        per_class = n // 10
        index = np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class]
                                        for c in range(10)]))
        if len(index) != n:
            raise ValueError(f"build_embedded_digits: {source_dir} has fewer than "
                             f"{per_class} {split} digits of some class")
        arrays[f"{split}_images"] = images[index]
        arrays[f"{split}_labels"] = labels[index].astype(np.uint8)
        arrays[f"{split}_index"] = index.astype(np.int32)
    np.savez_compressed(out_path, **arrays)
    return out_path


def load_digits(train=True, *, split=None, with_index=False):
    """The embedded digits: ``(images uint8 (N, 28, 28), labels int64 (N,))``.

    N is 5000 for train and 1000 for test; ``split`` ('train' or 'test') overrides ``train``.
    With ``with_index=True`` a third array gives each digit's index in the full MNIST split.
    Not to be confused with sklearn's 8x8 load_digits.
    """
    split = _split_name(train, split)
    ref = resources.files(__package__).joinpath("_embedded").joinpath(_NPZ)
    with ref.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        images = npz[f"{split}_images"]
        labels = npz[f"{split}_labels"].astype(np.int64)
        index = npz[f"{split}_index"].astype(np.int64)
    return (images, labels, index) if with_index else (images, labels)
