"""Training from the command line: ``python -m glassgrad train`` and ``... evaluate DIR``."""

from .loop import DEFAULTS, TrainingInterrupted, evaluate_dir, fit

__all__ = ["fit", "evaluate_dir", "DEFAULTS", "TrainingInterrupted"]
