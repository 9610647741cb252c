"""``gg.cuda``: what a program asks before choosing its device. There is no GPU here.

glassgrad computes with numpy on the CPU, so ``is_available()`` is False and
``device_count()`` is 0, and the usual pattern picks the CPU::

    device = "cuda" if gg.cuda.is_available() else "cpu"

The seeding calls (``manual_seed``, ``manual_seed_all``, ``seed``, ``seed_all``) and
``empty_cache`` do nothing, as torch's do when no GPU is present, so seeding helpers written
for torch run unchanged. Calls that need a GPU (``current_device``, ``set_device``,
``synchronize``, ``get_device_name``) raise a RuntimeError that says glassgrad runs on the
CPU only.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: glassgrad has no GPU backend."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """No-op (there are no GPU generators); seed the CPU with ``gg.manual_seed``."""


def manual_seed_all(seed) -> None:
    """No-op (there are no GPU generators); seed the CPU with ``gg.manual_seed``."""


def seed() -> None:
    """No-op (there are no GPU generators)."""


def seed_all() -> None:
    """No-op (there are no GPU generators)."""


def empty_cache() -> None:
    """No-op: there is no GPU memory cache."""


def _no_gpu(what):
    raise RuntimeError(f"gg.cuda.{what}: glassgrad runs on the CPU only and has no CUDA "
                       "devices; check gg.cuda.is_available() first")


def current_device():
    _no_gpu("current_device()")


def set_device(device):
    _no_gpu("set_device()")


def synchronize(device=None):
    _no_gpu("synchronize()")


def get_device_name(device=None):
    _no_gpu("get_device_name()")


__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "empty_cache", "current_device", "set_device", "synchronize",
           "get_device_name"]
