"""glassgrad.utils: torch.utils's namespaces. ``glassgrad.utils.data`` holds the dataset and
loading tools (torch.utils.data); the datasets glassgrad ships stay in ``glassgrad.data``."""

from __future__ import annotations

from . import data

__all__ = ["data"]
