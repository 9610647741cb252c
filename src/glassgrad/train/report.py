"""Metrics for the training CLI: a confusion matrix, and PNG plots of the curves and of the
gradient flow. Each PNG is written atomically (a temporary file, then a rename)."""

from __future__ import annotations

import os

import numpy as np

from .runfolder import atomic_open


def save_png(fig, path, dpi=100):
    """``fig`` as a PNG at ``path``: complete or not there at all; the figure is closed."""
    import matplotlib.pyplot as plt

    try:
        with atomic_open(path, "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return path


def confusion(y_true, y_pred, n_classes):
    """matrix[i][j] = how many samples of class i were predicted as j (a list of lists)."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return m.tolist()


def format_confusion(matrix, classes=None):
    m = np.asarray(matrix)
    k = len(m)
    names = [str(c)[:9] for c in (classes or range(k))]
    width = max(6, max(len(n) for n in names) + 1, len(str(m.max())) + 1)
    lines = ["confusion matrix (rows: true class, columns: predicted)",
             " " * width + "".join(f"{n:>{width}}" for n in names)]
    for name, row in zip(names, m):
        lines.append(f"{name:>{width}}" + "".join(f"{v:>{width}}" for v in row))
    recall = np.diag(m) / np.maximum(m.sum(1), 1)
    lines.append("per-class accuracy: " + ", ".join(f"{n} {r:.3f}" for n, r in
                                                    zip(names, recall)))
    return "\n".join(lines)


def plot_history(history, out_dir):
    """loss.png and accuracy.png: train and validation curves per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = [r["epoch"] for r in history]
    paths = []
    for key, title in (("loss", "cross-entropy loss"), ("acc", "accuracy")):
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(epochs, [r[f"train_{key}"] for r in history], "o-", label="train")
        ax.plot(epochs, [r[f"val_{key}"] for r in history], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = os.path.join(out_dir, "loss.png" if key == "loss" else "accuracy.png")
        paths.append(save_png(fig, path))
    return paths


def plot_grad_flow(norms, out_dir, epoch):
    """grad_flow.png: each parameter's gradient norm in the last training batch of ``epoch``
    (``norms`` as ``viz.grad_norms`` returns them), on a log scale."""
    from ..viz.training import grad_flow

    fig = grad_flow(norms, title=f"gradient norm per parameter, last batch of epoch {epoch}")
    return save_png(fig, os.path.join(out_dir, "grad_flow.png"))
