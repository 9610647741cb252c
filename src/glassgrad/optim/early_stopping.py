"""``EarlyStopping``: stop training once a validation metric stops improving."""

from __future__ import annotations

import math

import numpy as np

from ..autograd.tensor import Tensor


class EarlyStopping:
    """Signal a stop after ``patience`` steps in a row without improvement.

    A metric improves on the best so far when ``metric < best - min_delta`` (mode='min') or
    ``metric > best + min_delta`` (mode='max'); NaN never improves. ``step`` returns True
    once ``patience`` consecutive steps have not improved. With ``restore_best`` and a model
    given to ``step``, a copy of the model's state_dict is kept at each improvement, and
    ``restore(model)`` loads it back.

        stopper = EarlyStopping(patience=3)
        for epoch in range(100):
            train_one_epoch()
            if stopper.step(validate(), model):
                break
        stopper.restore(model)
    """

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best=True):
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got "
                             f"{patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best = restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1  # index of the step that gave the best metric
        self.epoch = -1  # index of the last step
        self.num_bad_epochs = 0
        self.should_stop = False
        self.best_state = None

    def step(self, metric, model=None):
        """Record this epoch's metric; return True if training should stop."""
        current = float(metric)
        self.epoch += 1
        if self._is_better(current):
            self.best = current
            self.best_epoch = self.epoch
            self.num_bad_epochs = 0
            if self.restore_best and model is not None:
                self.best_state = {k: np.array(v._data if isinstance(v, Tensor) else v)
                                   for k, v in model.state_dict().items()}
        else:
            self.num_bad_epochs += 1
        self.should_stop = self.num_bad_epochs >= self.patience
        return self.should_stop

    def _is_better(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def restore(self, model):
        """Load the best state_dict seen into ``model``."""
        if self.best_state is None:
            raise RuntimeError("EarlyStopping.restore: no best state was kept; pass the model "
                               "to step(metric, model) with restore_best=True")
        model.load_state_dict(self.best_state)

    def state_dict(self):
        """Counters, the best metric and, if kept, the best weights (numpy arrays)."""
        return dict(self.__dict__)

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
