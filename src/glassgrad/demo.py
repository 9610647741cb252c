"""The main demo: ``python -m glassgrad demo``.

1. The scalar engine on the classic sigmoid neuron: forward value and every gradient.
2. The tensor engine training an MLP on the embedded digits, with progress bars, per-epoch
   validation, a checkpoint, metrics and plots (the training CLI's ``fit``).
3. Gradient checks: a small model's gradients, then every registered op.
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg
import glassgrad.functional as F
from glassgrad.train import fit


def scalar_neuron():
    print("1. Scalar engine: out = sigmoid(w0*x0 + w1*x1 + w2)")
    names = ["w0", "x0", "w1", "x1", "w2"]
    w0, x0, w1, x1, w2 = (gg.Value(v, label=n) for v, n in zip([2.0, -1.0, -3.0, -2.0, -3.0],
                                                                  names))
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    print(f"   out = {out.data:.4f}")
    for v in (w0, x0, w1, x1, w2):
        print(f"   d out / d {v.label} = {v.grad:+.4f}")


def train_digits(epochs, out_dir):
    print(f"\n2. Tensor engine: an MLP learns handwritten digits (5,000 MNIST images that ship "
          f"with glassgrad), {epochs} epochs with Adam")
    model, metrics = fit({"dataset": "digits", "model": "mlp", "hidden": [128, 64],
                          "epochs": epochs, "lr": 2e-3}, out_dir,
                         log=lambda msg: print("   " + msg))
    print("   the model, as torch would print it:")
    print("   " + str(model).replace("\n", "\n   "))
    return model, metrics


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
    print("   (details: python -m glassgrad gradcheck)")
    return ok and not failed


def main(quick=False, out_dir="runs/demo") -> int:
    gg.manual_seed(0)
    scalar_neuron()
    model, metrics = train_digits(3 if quick else 10, out_dir)
    ok = check_model()
    print(f"\nTest accuracy {metrics['test_acc']:.1%}; plots and checkpoint in {out_dir}/ "
          f"(loss.png, accuracy.png, checkpoint.safetensors)")
    print(f"Next: python -m glassgrad evaluate {out_dir}   |   python -m glassgrad train --help")
    return 0 if ok else 1
