"""``gg.backends.cudnn``: torch's cuDNN flags. glassgrad has no cuDNN; setting them is a
no-op, reading them gives what was set (torch's defaults to start with)."""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    """None: cuDNN is not present."""
    return None
