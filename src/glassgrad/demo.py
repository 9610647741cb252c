"""The main demo: ``python -m glassgrad demo``.

1. The scalar engine on the classic sigmoid neuron, out = sigmoid(w0*x0 + w1*x1 + w2) with
   w0=2, x0=-1, w1=-3, x1=-2, w2=-3: its value (0.7311) and every gradient. Then the glass
   box on it: the backward pass as a table (``viz.explain``: upstream × local = downstream),
   the graph with every value and gradient, each leaf's checked against a central difference
   (``neuron.svg``, ``viz.draw_graph``), and a page that steps through the forward and
   backward pass one node at a time (``neuron.html``, ``viz.animate``).
2. The tensor engine training an MLP on the embedded digits, with progress bars, per-epoch
   validation, a checkpoint, metrics and plots (the training CLI's ``fit``). Then the trained
   MLP's loss on 8 test images, drawn after backward with one cluster per module and the
   parameters by name (``mlp.svg``).
3. Gradient checks: a small model's gradients, then every registered op.

Everything goes to ``out_dir`` (``runs/demo/`` under the current folder), and the demo ends
with a list of the files, one per line with what it holds. Without Graphviz's ``dot``
program the pictures are written as their DOT text (``neuron.dot``, ``mlp.dot``), the
step-through page is skipped, and a one-line note says so.
"""

from __future__ import annotations

import os

import numpy as np

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import viz
from glassgrad.autograd import retain_grads
from glassgrad.train import fit

NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
NO_DOT = "Graphviz's dot program was not found"

# What the training run leaves in out_dir (glassgrad.train.fit), for the list of files.
TRAINING_FILES = {
    "loss.png": "training and validation loss per epoch",
    "accuracy.png": "training and validation accuracy per epoch",
    "grad_flow.png": "each parameter's gradient norm in the last training batch",
    "metrics.json": "per-epoch metrics, test accuracy and confusion matrix",
    "config.json": "the training settings",
    "checkpoint.safetensors": "model, optimizer and RNG state after the last epoch",
    "best.safetensors": "the weights with the lowest validation loss",
}


def neuron():
    """The classic neuron after ``backward()``: (out, [w0, x0, w1, x1, w2])."""
    leaves = [gg.Value(v, label=name) for name, v in NEURON.items()]
    w0, x0, w1, x1, w2 = leaves
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.label = "out"
    out.backward()
    return out, leaves


def scalar_neuron(out_dir):
    """Section 1: the neuron's value and gradients, its explain table, its picture and its
    step-through page. Returns the files written, as (path, what it holds)."""
    print("1. Scalar engine: out = sigmoid(w0*x0 + w1*x1 + w2)")
    out, leaves = neuron()
    print(f"   out = {out.data:.4f}")
    for v in leaves:
        print(f"   d out / d {v.label} = {v.grad:+.4f}")
    print("\n   The same backward pass, step by step (viz.explain):")
    print(_indent(viz.explain(out, print=False)))

    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, "neuron")
    picture = _write_picture(viz.draw_graph(out, check=True, decimals=4), stem,
                             "the neuron with every value and gradient, leaves checked "
                             "numerically")
    if picture[0].endswith(".dot"):
        print(f"   ({NO_DOT}: wrote neuron.dot, not .svg, and skipped the step-through page)")
        return [picture]
    page = viz.animate(out, stem + ".html", decimals=4)
    return [picture, (page, "step through its forward and backward pass (open in a browser)")]


def mlp_picture(model, x, y, out_dir, what="an MLP's loss"):
    """The picture of ``model``'s cross-entropy loss on the batch ``(x, y)`` after backward,
    one cluster per module, every node keeping its gradient (``retain_grads``). Writes
    ``mlp.svg`` (``mlp.dot`` without Graphviz) and returns (path, what it holds)."""
    x, y = gg.tensor(x), gg.tensor(y)
    x.label, y.label = "x", "labels"  # (a model that starts with Flatten draws its output)
    model.eval()
    model.zero_grad()
    with retain_grads():
        loss = F.cross_entropy(model(x), y)
        loss.label = "loss"
        loss.backward()
    os.makedirs(out_dir, exist_ok=True)
    path, text = _write_picture(viz.draw_graph(loss, params=model), os.path.join(
        out_dir, "mlp"), f"{what} after backward, grouped by module")
    if path.endswith(".dot"):
        print(f"   ({NO_DOT}: wrote mlp.dot, not .svg)")
    return path, text


def _write_picture(g, stem, what):
    """``stem``.svg, or ``stem``.dot (the DOT text) when Graphviz is missing."""
    try:
        svg = g.pipe(format="svg")
    except viz.GraphvizNotFoundError:
        with open(stem + ".dot", "w", encoding="utf-8") as f:
            f.write(g.source)
        return stem + ".dot", what + " (DOT text; apt-get install graphviz to draw it)"
    with open(stem + ".svg", "wb") as f:
        f.write(svg)
    return stem + ".svg", what


def _indent(text, by="   "):
    return "\n".join((by + line).rstrip() for line in str(text).splitlines())


def _shown(path):
    """``path`` relative to the current folder, unless that climbs out of it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def print_files(files):
    """One line per file: where it is (relative to the current folder) and what it holds."""
    shown = [(_shown(p), what) for p, what in files]
    width = max(len(p) for p, _ in shown)
    for p, what in shown:
        print(f"  {p.ljust(width)}  {what}")


def train_digits(epochs, out_dir):
    print(f"\n2. Tensor engine: an MLP learns handwritten digits (5,000 MNIST images that ship "
          f"with glassgrad), {epochs} epochs with Adam")
    model, metrics = fit({"dataset": "digits", "model": "mlp", "hidden": [128, 64],
                          "epochs": epochs, "lr": 2e-3}, out_dir,
                         log=lambda msg: print("   " + msg))
    print("   the model, as torch would print it:")
    print("   " + str(model).replace("\n", "\n   "))
    return model, metrics


def trained_mlp_picture(model, metrics, out_dir, n=8):
    """The picture of the trained model's loss on the first ``n`` test images."""
    from .train import datasets

    cfg = metrics["config"]
    split = datasets.load(cfg["dataset"], cfg["root"], cfg["seed"], cfg["val_fraction"],
                          cfg["limit"])
    return mlp_picture(model, split.x_test[:n], split.y_test[:n], out_dir,
                       f"the trained MLP's loss on {n} test images")


def check_model():
    print("\n3. Gradient checks")
    rng = np.random.default_rng(0)
    x, y = gg.tensor(rng.standard_normal((4, 20))), gg.tensor([3, 1, 4, 1])
    shapes = [(8, 20), (8,), (10, 8), (10,)]
    params = [gg.tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in shapes]

    def loss(w1, b1, w2, b2):
        return F.cross_entropy(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), y)

    ok = gg.autograd.gradcheck(loss, params)
    print(f"   a 2-layer MLP's loss, numeric vs analytic gradients of all 4 parameter tensors: "
          f"{'pass' if ok else 'FAIL'}")
    from .testing.opspecs.runner import run, summary

    rows = run(second_order=True)
    failed = sorted({r.op for r in rows if not r.ok})
    print(f"   the op registry: {summary(rows)}, {len(rows)} first- and second-order checks, "
          f"{'all pass' if not failed else 'FAILED: ' + ', '.join(failed)}")
    from .cli import command_name

    print(f"   (details: {command_name()} gradcheck)")
    return ok and not failed


def main(quick=False, out_dir="runs/demo") -> int:
    gg.manual_seed(0)
    files = scalar_neuron(out_dir)
    model, metrics = train_digits(3 if quick else 10, out_dir)
    files.append(trained_mlp_picture(model, metrics, out_dir))
    ok = check_model()
    files += [(os.path.join(out_dir, name), what) for name, what in TRAINING_FILES.items()
              if os.path.exists(os.path.join(out_dir, name))]
    print(f"\nTest accuracy {metrics['test_acc']:.1%}. The files:")
    print_files(files)
    from .cli import command_name

    run = command_name()
    print(f"Next: {run} evaluate {_shown(out_dir)}   |   {run} train --help")
    return 0 if ok else 1
