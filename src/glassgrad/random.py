"""One seeded generator behind all of glassgrad's randomness: ``gg.manual_seed(n)``."""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng(0), "seed": 0}


def manual_seed(seed: int):
    """Make every random draw in glassgrad (rand, randn, init, dropout, shuffling) repeat."""
    seed = int(seed)
    _state["rng"] = np.random.default_rng(seed)
    _state["seed"] = seed
    return _state["rng"]


seed = manual_seed


def initial_seed() -> int:
    return _state["seed"]


def default_generator() -> np.random.Generator:
    return _state["rng"]


def get_rng_state() -> dict:
    """The generator's full state (a JSON-able dict), for checkpoints."""
    return _state["rng"].bit_generator.state


def set_rng_state(state: dict):
    _state["rng"].bit_generator.state = state
