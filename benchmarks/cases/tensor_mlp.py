"""Case 2, Tensor MLP step: 784-512-256-10, ReLU, softmax cross-entropy, SGD, batch 128,
float32, against torch eager, HIPS autograd and the hand-written numpy floor."""

from __future__ import annotations

from .. import peers, workloads
from ..harness import as_float, group, measure, run_once

TITLE = "Tensor MLP step"
SETTINGS = {
    "full": {"batch": 128, "sizes": workloads.MLP_SIZES, "warmup": 3, "repeats": 30,
             "number": 5, "rounds": 3},
    "quick": {"batch": 128, "sizes": workloads.MLP_SIZES, "warmup": 2, "repeats": 10,
              "number": 3, "rounds": 2},
    "smoke": {"batch": 8, "sizes": (20, 16, 12, 10), "warmup": 0, "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch", "autograd", "numpy")


def build(s, names=FRAMEWORKS):
    """{name: step} for the installed frameworks among ``names``, from identical weights."""
    weights = workloads.mlp_weights(s["sizes"])
    x, y = workloads.classification_batch((s["batch"], s["sizes"][0]))
    return {name: mod.mlp_step(weights, x, y, lr=0.01)
            for name, mod in peers.available(names).items()}


def first_losses(steps):
    out = {}
    for name, step in steps.items():
        loss, err = run_once(step)
        out[name] = as_float(loss) if err is None else err
    return out


def run(s):
    steps = build(s)
    losses = first_losses(steps)
    results = measure(steps, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    sizes = "-".join(map(str, s["sizes"]))
    return [group("tensor_mlp", "tensor_mlp",
                  f"Tensor MLP step: {sizes}, ReLU, cross-entropy, SGD, batch {s['batch']}, "
                  "float32", "ms/step", results)]
