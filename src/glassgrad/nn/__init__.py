"""glassgrad.nn: modules, layers, losses and initializers with torch.nn's names."""

from __future__ import annotations

from . import init, utils  # noqa: F401
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "init", "utils"]
