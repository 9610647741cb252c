"""Case 1, scalar MLP step: a Value MLP(2, [16, 16, 1]) on two-moons points, SVM hinge loss
plus L2, and an SGD step (forward, backward, update), against the closure-style reference."""

from __future__ import annotations

from .. import peers, workloads
from ..harness import as_float, group, measure, run_once

TITLE = "Scalar MLP step"
SETTINGS = {
    "full": {"points": 100, "warmup": 1, "repeats": 9, "rounds": 3},
    "quick": {"points": 100, "warmup": 1, "repeats": 4, "rounds": 2},
    "smoke": {"points": 8, "warmup": 0, "repeats": 1},
}
FRAMEWORKS = ("glassgrad", "micrograd-style")


def run(s):
    weights = workloads.scalar_weights()
    xs, ys = workloads.moons(s["points"])
    steps = {name: mod.scalar_mlp_step(weights, xs, ys, lr=0.05)
             for name, mod in peers.available(FRAMEWORKS).items()}
    losses = {}
    for name in steps:  # the first step's loss, from identical weights: must agree
        loss, err = run_once(steps[name])
        losses[name] = as_float(loss) if err is None else err
    results = measure(steps, s["warmup"], s["repeats"], scale=1e3, rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    return [group("scalar_mlp", "scalar_mlp",
                  f"Scalar MLP step: Value MLP(2, [16, 16, 1]), {s['points']} moons points, "
                  "hinge + L2, SGD", "ms/step", results)]
