"""glassgrad.utils: torch.utils's namespaces. ``glassgrad.utils.data`` holds the dataset and
loading tools (torch.utils.data); the datasets glassgrad ships stay in ``glassgrad.data``.
``glassgrad.utils.hooks`` has ``RemovableHandle``."""

from __future__ import annotations

from . import data, hooks

__all__ = ["data", "hooks"]
