"""One adapter per framework, each exposing the same builders where they apply:

- ``mlp_step(weights, x, y, lr)`` and ``cnn_step(weights, x, y, lr)``: a callable that runs
  one SGD step (forward, cross-entropy, backward, update) and returns the loss;
- ``chain(n)``: a callable that builds an n-op elementwise chain on a (4,) float32 input and
  backpropagates through it;
- ``scalar_mlp_step(weights, xs, ys, lr)`` and ``value_chain(n)`` for scalar engines.

``glassgrad`` is the subject; the others are peers, each used only where installed.
"""

from __future__ import annotations

import importlib

MODULES = {
    "glassgrad": "benchmarks.peers.glassgrad_engine",
    "torch": "benchmarks.peers.torch_eager",
    "autograd": "benchmarks.peers.hips_autograd",
    "numpy": "benchmarks.peers.numpy_by_hand",
    "micrograd-style": "benchmarks.peers.closure_value",
}
DESCRIPTIONS = {
    "glassgrad": "glassgrad (this repository)",
    "torch": "PyTorch CPU eager",
    "autograd": "HIPS autograd",
    "numpy": "hand-written numpy forward and backward, no autograd (the floor)",
    "micrograd-style": "closure-per-node scalar Value with recursive topological sort",
}
_LIBRARIES = {"torch": "torch", "autograd": "autograd"}  # peers that need a package


def load(name):
    """The adapter module for ``name``, or None when its library is not installed."""
    try:
        return importlib.import_module(MODULES[name])
    except ModuleNotFoundError as e:
        if name in _LIBRARIES and e.name and e.name.split(".")[0] == _LIBRARIES[name]:
            return None
        raise


def available(names):
    """{name: adapter} for the frameworks among ``names`` that are installed."""
    out = {}
    for name in names:
        mod = load(name)
        if mod is not None:
            out[name] = mod
    return out


def missing(names):
    return [n for n in names if load(n) is None]
