"""Ctrl-C during training: finish the step in progress, save it, then stop.

While ``sigint_sets_flag`` is active, SIGINT only raises a flag that the training loop reads
between steps; the loop then saves a checkpoint and raises ``TrainingInterrupted``. A second
Ctrl-C interrupts at once (the last checkpoint on disk stays intact: saves are atomic).
"""

from __future__ import annotations

import contextlib
import signal
import threading


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fit``: the step in progress finished and was saved first."""

    def __init__(self, checkpoint, epoch, batch, n_batches, step):
        self.checkpoint, self.epoch, self.batch, self.step = checkpoint, epoch, batch, step
        where = (f"in epoch {epoch + 1} after batch {batch} of {n_batches}" if batch
                 else f"after epoch {epoch}" if epoch else "before the first step")
        super().__init__(f"training interrupted {where} (step {step}); checkpoint saved to "
                         f"{checkpoint}")


class _Flag:
    hit = False


@contextlib.contextmanager
def sigint_sets_flag():
    """While training, Ctrl-C only raises a flag the loop reads between steps (a second one
    interrupts at once). Left alone off the main thread or when SIGINT is handled elsewhere."""
    flag = _Flag()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield flag
        return

    def handler(signum, frame):
        if flag.hit:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        flag.hit = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
