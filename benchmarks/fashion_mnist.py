"""Real-data results: Fashion-MNIST with the training CLI's MLP and CNN.

    python benchmarks/fashion_mnist.py [--only mlp|cnn]

Needs the dataset (apt-get install dataset-fashion-mnist, or GLASSGRAD_DATA). Each run is
exactly what the CLI command printed below does; the figures (test accuracy with the best
validation weights, median seconds per epoch, and where and on what code it ran) go to
benchmarks/results/fashion_mnist.json. The script writes every field of that file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

if __package__ in (None, ""):  # python benchmarks/fashion_mnist.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import harness  # noqa: E402
from glassgrad.train import fit  # noqa: E402

RUNS = {
    "mlp": {"dataset": "fashion-mnist", "model": "mlp", "hidden": [256, 128], "epochs": 20,
            "batch_size": 128, "lr": 1e-3, "optimizer": "adam", "scheduler": "cosine"},
    "cnn": {"dataset": "fashion-mnist", "model": "cnn", "channels": [32, 64], "hidden": [128],
            "epochs": 8, "batch_size": 64, "lr": 1e-3, "optimizer": "adam",
            "scheduler": "cosine"},
}


def command(cfg, out):
    flags = [f"--dataset {cfg['dataset']}", f"--model {cfg['model']}"]
    for key in ("hidden", "channels"):
        if key in cfg:
            flags.append(f"--{key} {','.join(map(str, cfg[key]))}")
    for key in ("epochs", "batch_size", "lr", "optimizer", "scheduler"):
        flags.append(f"--{key.replace('_', '-')} {cfg[key]}")
    return "python -m glassgrad train " + " ".join(flags) + f" --out {out}"


def recorded():
    """Where and on what code a run was made: every field written here, none by hand."""
    import platform
    from datetime import datetime, timezone

    import numpy as np

    import glassgrad

    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "git": harness.git_state(), "cpu": harness.cpu_model(),
            "cpu_count": os.cpu_count(), "load_average_end": harness.loadavg(),
            "versions": {"python": platform.python_version(), "numpy": np.__version__,
                         "glassgrad": glassgrad.__version__},
            "blas": harness.numpy_blas()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=sorted(RUNS))
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    results_path = os.path.join(here, "results", "fashion_mnist.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            results = json.load(f)
    for name, cfg in RUNS.items():
        if args.only and name != args.only:
            continue
        out = f"runs/fmnist-{name}"
        print(command(cfg, out))
        _, m = fit(dict(cfg, progress=False), out)
        per_epoch = statistics.median(r["seconds"] for r in m["history"])
        results[name] = {"command": command(cfg, out), "test_acc": m["test_acc"],
                         "epochs": len(m["history"]), "seconds_per_epoch": per_epoch,
                         "recorded": recorded()}
    os.makedirs(os.path.dirname(results_path), exist_ok=True)
    with open(results_path, "w") as f:
        json.dump(results, f, indent=2)
    print("\n| model | test accuracy | epochs | s/epoch (2 cores) |\n|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['test_acc']:.4f} | {r['epochs']} | {r['seconds_per_epoch']:.1f} |")


if __name__ == "__main__":
    main()
