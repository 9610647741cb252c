"""What each training setting may be, checked before any work: for ``fit``'s config, for a
run's config.json, and (through ``parse``) for the command line's flags."""

from __future__ import annotations

import math
import numbers

from .datasets import NAMES


def _int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _widths(v):
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(_int(w) and w >= 1 for w in v)


def _one_of(*names):
    return f"one of {', '.join(names)}", lambda v: v in names


#            setting: (what it must be, test)
RULES = {
    "dataset": _one_of(*NAMES),
    "model": _one_of("mlp", "cnn"),
    "optimizer": _one_of("sgd", "adam", "adamw", "rmsprop", "adagrad"),
    "scheduler": _one_of("none", "step", "cosine", "onecycle", "plateau"),
    "epochs": (">= 1", lambda v: _int(v) and v >= 1),
    "batch_size": (">= 1", lambda v: _int(v) and v >= 1),
    "lr": ("a finite number > 0", lambda v: _real(v) and v > 0),
    "weight_decay": ("a finite number >= 0", lambda v: _real(v) and v >= 0),
    "momentum": ("a finite number >= 0", lambda v: _real(v) and v >= 0),
    "dropout": ("in [0, 1)", lambda v: _real(v) and 0 <= v < 1),
    "val_fraction": ("in (0, 1)", lambda v: _real(v) and 0 < v < 1),
    "patience": (">= 0 (0: no early stopping)", lambda v: _int(v) and v >= 0),
    "seed": ("in [0, 2**63)", lambda v: _int(v) and 0 <= v < 2 ** 63),
    "limit": (">= 1", lambda v: v is None or (_int(v) and v >= 1)),
    "limit_test": (">= 1", lambda v: v is None or (_int(v) and v >= 1)),
    "checkpoint_every": (">= 1 (steps)", lambda v: v is None or (_int(v) and v >= 1)),
    "hidden": ("widths >= 1, at least one", _widths),
    "channels": ("widths >= 1, at least one", _widths),
    "root": ("a folder name", lambda v: v is None or isinstance(v, str)),
    "download": ("true or false", lambda v: isinstance(v, bool)),
    "progress": ("true or false", lambda v: isinstance(v, bool)),
}
INTEGERS = {"epochs", "batch_size", "patience", "seed", "limit", "limit_test",
            "checkpoint_every"}


def check_config(cfg, who):
    """Raise ValueError naming ``who`` (the operation and file) and the first bad setting."""
    for key, value in cfg.items():
        if key not in RULES:
            raise ValueError(f"{who}: unknown setting {key!r}; the settings are "
                             f"{', '.join(RULES)}")
        what, ok = RULES[key]
        if not ok(value):
            kind = "an integer " if key in INTEGERS and not _int(value) else ""
            raise ValueError(f"{who}: {key} must be {kind}{what}, got {value!r}")


def parse(key):
    """An argparse ``type=`` for the setting ``key``: "must be >= 1, got 0" on a bad value."""
    import argparse

    what, ok = RULES[key]

    def convert(text):
        try:
            value = int(text) if key in INTEGERS else float(text)
        except ValueError:
            kind = "an integer" if key in INTEGERS else "a number"
            raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value

    convert.__name__ = key  # argparse names the type in some messages
    return convert
