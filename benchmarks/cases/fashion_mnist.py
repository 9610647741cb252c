"""Case 7, real training: one Fashion-MNIST epoch with the training CLI's MLP (784-256-128-10,
Adam) and CNN (channels 32, 64, head 128, Adam), exactly as ``benchmarks/fashion_mnist.py``
configures them but for one epoch: the epoch's wall time and the test accuracy after it.
Skipped, with a note, when the dataset is not installed. Not part of --quick."""

from __future__ import annotations

import tempfile
import time

from ..harness import group

TITLE = "Real training (Fashion-MNIST)"
SETTINGS = {
    "full": {"limit": None},
    "quick": None,
    "smoke": {"limit": 256},
}


def _dataset_missing():
    from glassgrad.data import load_fashion_mnist

    try:
        load_fashion_mnist(train=False)
    except FileNotFoundError as e:
        return str(e).splitlines()[0]
    return None


def _describe(name, cfg):
    if name == "mlp":
        return "MLP 784-" + "-".join(map(str, cfg["hidden"])) + "-10"
    return f"CNN channels {','.join(map(str, cfg['channels']))}, head {cfg['hidden'][0]}"


def run(s):
    from glassgrad.train import fit

    from ..fashion_mnist import RUNS

    missing = _dataset_missing()
    groups = []
    for name in ("mlp", "cnn"):
        cfg = dict(RUNS[name], epochs=1, progress=False, limit=s["limit"])
        title = (f"Fashion-MNIST, one epoch: {_describe(name, cfg)}, {cfg['optimizer']}, "
                 f"batch {cfg['batch_size']}")
        notes = []
        if s["limit"]:
            notes.append(f"smoke run: {s['limit']} training images only")
        if missing:
            results = {"glassgrad": {"skipped": f"dataset not installed ({missing})"}}
        else:
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                _, m = fit(cfg, out, log=lambda *a, **k: None)
                wall = time.perf_counter() - t0
            epoch = m["history"][0]["seconds"]
            results = {"glassgrad": {"median": epoch, "min": epoch, "max": epoch, "n": 1,
                                     "test_acc": m["test_acc"],
                                     "wall_with_eval_s": round(wall, 2)}}
            notes.append("time of the training epoch alone; wall_with_eval_s adds loading, "
                         "validation, checkpoints and the test pass")
        groups.append(group("fashion_mnist", f"fashion_mnist.{name}", title, "s/epoch",
                            results, notes))
    return groups
