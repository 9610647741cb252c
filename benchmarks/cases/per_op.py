"""Case 4, per-op overhead: a chain of 1,000 elementwise ops (alternating x * 1.0001 and
x + 0.0001) on a (4,) float32 tensor, forward and backward, in microseconds per op; the same
chain on the scalar Value engines."""

from __future__ import annotations

from .. import peers
from ..harness import group, measure

TITLE = "Per-op overhead"
SETTINGS = {
    "full": {"n": 1000, "warmup": 2, "repeats": 30, "number": 3, "rounds": 3},
    "quick": {"n": 1000, "warmup": 2, "repeats": 10, "number": 2, "rounds": 2},
    "smoke": {"n": 20, "warmup": 0, "repeats": 1, "number": 1},
}
TENSOR = ("glassgrad", "torch", "autograd")
VALUE = ("glassgrad", "micrograd-style")
RECURSION_LIMIT = 10_000


def run(s):
    n = s["n"]
    scale = 1e6 / n  # seconds per chain -> microseconds per op
    tensor = {name: mod.chain(n) for name, mod in peers.available(TENSOR).items()}
    value = {}
    for name, mod in peers.available(VALUE).items():
        value[name] = (mod.value_chain(n, recursion_limit=RECURSION_LIMIT)
                       if name == "micrograd-style" else mod.value_chain(n))
    t = measure(tensor, s["warmup"], s["repeats"], s["number"], scale, s.get("rounds", 1))
    v = measure(value, s["warmup"], s["repeats"], s["number"], scale, s.get("rounds", 1))
    note = (f"forward and backward of the whole chain, divided by {n}; the graph is freed "
            "inside the timing")
    return [
        group("per_op", "per_op.tensor", f"Per-op overhead, Tensor (4,) float32, {n}-op chain",
              "us/op", t, [note + "; the tensor chain ends with one sum"]),
        group("per_op", "per_op.value", f"Per-op overhead, Value, {n}-op chain", "us/op", v,
              [note, f"micrograd-style: recursion limit raised to {RECURSION_LIMIT:,} for this "
                     "chain (its recursive sort needs one frame per op)"]),
    ]
