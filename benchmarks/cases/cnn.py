"""Case 3, CNN step: batch 64 of 1x28x28, conv(1->8) ReLU maxpool, conv(8->16) ReLU
maxpool, flatten, linear(784->10), cross-entropy, SGD, float32."""

from __future__ import annotations

from .. import peers, workloads
from ..harness import group, measure
from .tensor_mlp import first_losses

TITLE = "CNN step"
SETTINGS = {
    "full": {"batch": 64, "warmup": 2, "repeats": 15, "number": 2, "rounds": 3},
    "quick": {"batch": 64, "warmup": 1, "repeats": 6, "number": 1, "rounds": 2},
    "smoke": {"batch": 2, "warmup": 0, "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch", "autograd", "numpy")


def run(s):
    weights = workloads.cnn_weights()
    x, y = workloads.classification_batch((s["batch"], 1, 28, 28))
    steps = {name: mod.cnn_step(weights, x, y, lr=0.01)
             for name, mod in peers.available(FRAMEWORKS).items()}
    losses = first_losses(steps)
    results = measure(steps, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    notes = ["numpy: im2col with sliding_window_view + matmul, col2im by nine shifted adds, "
             "max-pool by reshape"]
    return [group("cnn", "cnn",
                  f"CNN step: batch {s['batch']} of 1x28x28, conv8-pool-conv16-pool-linear, "
                  "cross-entropy, SGD, float32", "ms/step", results, notes)]
