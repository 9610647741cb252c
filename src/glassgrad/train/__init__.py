"""Training from the command line: ``python -m glassgrad train`` and ``... evaluate DIR``."""

from .loop import DEFAULTS, evaluate_dir, fit

__all__ = ["fit", "evaluate_dir", "DEFAULTS"]
