"""``gg.backends``: the backend flags a torch program may set or read.

glassgrad has one backend (numpy on the CPU), so these flags change nothing; they exist so
that ``torch.backends.cudnn.benchmark = True`` and friends port unchanged.

- ``cudnn``: ``enabled`` (True), ``benchmark`` (False), ``deterministic`` (False),
  ``allow_tf32`` (True), ``is_available()`` (False).
- ``mps``: ``is_available()`` and ``is_built()`` (False).
- ``cuda``: ``is_built()`` (False), ``matmul.allow_tf32`` (False),
  ``matmul.allow_fp16_reduced_precision_reduction`` (True).

``use_deterministic_algorithms``, ``are_deterministic_algorithms_enabled`` and
``set_float32_matmul_precision`` / ``get_float32_matmul_precision`` (bound as ``gg.*``)
record their setting: glassgrad's results are already deterministic for a given seed, and
float32 matmuls always run at full float32 precision.
"""

from __future__ import annotations

from . import cuda, cudnn, mps

_flags = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record the flag; every glassgrad op is deterministic already."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got {mode!r}")
    _flags["deterministic"], _flags["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _flags["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _flags["warn_only"]


def set_float32_matmul_precision(precision):
    """Record 'highest', 'high' or 'medium'; glassgrad's float32 matmul is always 'highest'."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: invalid precision {precision!r}; "
                           "expected 'highest', 'high' or 'medium'")
    _flags["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _flags["matmul_precision"]


__all__ = ["cuda", "cudnn", "mps", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_float32_matmul_precision", "get_float32_matmul_precision"]
