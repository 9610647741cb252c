"""Case 6, deep graph: the time to build and backprop a 100,000-op chain (the per-op chain,
made long), on Tensor and on Value. Python's recursion limit is left at its default, so an
engine with a recursive topological sort fails here, as it would for a user."""

from __future__ import annotations

from .. import peers
from ..harness import group, measure

TITLE = "Deep graph"
SETTINGS = {
    "full": {"n": 100_000, "warmup": 1, "repeats": 5},
    "quick": {"n": 100_000, "warmup": 0, "repeats": 2},
    "smoke": {"n": 2_000, "warmup": 0, "repeats": 1},
}
TENSOR = ("glassgrad", "torch", "autograd")
VALUE = ("glassgrad", "micrograd-style")


def tensor_chains(n):
    return {name: mod.chain(n) for name, mod in peers.available(TENSOR).items()}


def value_chains(n):
    return {name: mod.value_chain(n) for name, mod in peers.available(VALUE).items()}


def run(s):
    n = s["n"]
    t = measure(tensor_chains(n), s["warmup"], s["repeats"])
    v = measure(value_chains(n), s["warmup"], s["repeats"])
    note = "build + backward + freeing the graph, in seconds"
    return [
        group("deep_graph", "deep_graph.tensor", f"Deep graph, Tensor (4,): {n:,}-op chain",
              "s", t, [note]),
        group("deep_graph", "deep_graph.value", f"Deep graph, Value: {n:,}-op chain", "s", v,
              [note, "micrograd-style runs at Python's default recursion limit"]),
    ]
