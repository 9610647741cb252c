"""The cases, in the order they run. Each module has ``TITLE``, ``SETTINGS`` (one dict per
mode: "full", "quick", "smoke"; None where the case is not part of that mode) and
``run(settings)``, which returns a list of groups (see ``benchmarks.harness.group``)."""

from __future__ import annotations

import importlib

CASES = ("scalar_mlp", "tensor_mlp", "cnn", "per_op", "memory", "deep_graph", "activations",
         "rnn", "resnet", "gpt", "fashion_mnist")


def load(name):
    return importlib.import_module(f"benchmarks.cases.{name}")
