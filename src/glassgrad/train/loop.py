"""The training loop behind ``python -m glassgrad train``: progress bars, validation, early
stopping, LR schedules, checkpoints, bit-identical resume, and Ctrl-C that keeps the work.

After each epoch the gradient norms that its last batch left on the parameters are read once
(``viz.grad_norms``: one norm per parameter, nothing per batch); the last epoch's go into
``metrics.json`` and are drawn as ``grad_flow.png`` beside ``loss.png``.

Everything random (initial weights, dropout, the shuffling order) draws from glassgrad's
seeded generator or the loader's own generator. A checkpoint holds both states, the model,
the optimizer, the scheduler and the metric history, and also where it stands inside an
epoch: the loader generator's state at the start of the epoch (so the epoch's shuffle order
can be drawn again), how many batches are done, and the epoch's running loss and accuracy.
Resuming from any step therefore continues exactly as if training had never stopped.

Checkpoints are written at step 0, every ``checkpoint_every`` steps, at the end of every epoch,
and when Ctrl-C arrives: the step in progress finishes, its checkpoint is saved, and
``TrainingInterrupted`` is raised (a second Ctrl-C stops at once). All files in the run
folder are written atomically (``runfolder.py``).
"""

from __future__ import annotations

import os
import time

import numpy as np

from .. import functional as F
from .. import optim
from .. import random as gg_random
from ..autograd.graph import no_grad
from ..autograd.tensor import Tensor
from ..data import DataLoader, TensorDataset
from ..serialization import load, save
from ..viz.training import grad_norms
from . import datasets, models, report
from .checks import check_config
from .interrupt import TrainingInterrupted, sigint_sets_flag
from .models import make_optimizer, make_scheduler
from .runfolder import (
    RunFolderError,
    locked,
    read_json,
    remove_stale_temp_files,
    write_json,
)

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
CONFIG = "config.json"
METRICS = "metrics.json"
PLOTS = ("loss.png", "accuracy.png", "grad_flow.png")
RUN_FILES = (CHECKPOINT, BEST, METRICS) + PLOTS  # config.json is rewritten in place

DEFAULTS = {
    "dataset": "digits", "model": "mlp", "epochs": 10, "batch_size": 64, "lr": 1e-3,
    "optimizer": "adam", "weight_decay": 0.0, "momentum": 0.9, "hidden": [128, 64],
    "channels": [16, 32], "dropout": 0.0, "scheduler": "none", "patience": 0,
    "val_fraction": 0.1, "seed": 0, "root": None, "limit": None, "limit_test": None,
    "checkpoint_every": None, "download": False, "progress": True,
}
# settings of how to run, not of what is trained: a resumed run may change them
RUNTIME = ("epochs", "progress", "root", "download", "checkpoint_every")


def evaluate_arrays(model, x, y, batch_size=512):
    """Mean loss, accuracy and predictions of ``model`` on arrays, in eval mode."""
    model.eval()
    losses, preds = [], []
    with no_grad():
        for i in range(0, len(x), batch_size):
            logits = model(Tensor(x[i:i + batch_size]))
            yb = Tensor(y[i:i + batch_size])
            losses.append(F.cross_entropy(logits, yb, reduction="sum").item())
            preds.append(logits._data.argmax(1))
    pred = np.concatenate(preds) if preds else np.zeros(0, np.int64)
    n = max(len(y), 1)
    return sum(losses) / n, float((pred == y).mean()) if len(y) else 0.0, pred


def _progress(iterable, total, desc, enabled, initial=0):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="batch", leave=False, dynamic_ncols=True,
                mininterval=0.25, initial=initial)


def _data_and_model(cfg):
    """Seed, load the data split and build a freshly initialized model, as ``cfg`` says."""
    gg_random.manual_seed(cfg["seed"])
    split = datasets.load(cfg["dataset"], cfg["root"], cfg["seed"], cfg["val_fraction"],
                          cfg["limit"], cfg["limit_test"], cfg["download"])
    return split, models.build(cfg, split.info)


def _run_config(config, out_dir, resume):
    """The settings of the run: ``config`` over DEFAULTS, or the run's config.json (with the
    runtime settings of ``config`` over it) when resuming; checked before any work."""
    given = {k: v for k, v in config.items() if v is not None}
    check_config(given, "train")
    if not resume:
        return dict(DEFAULTS, **given)
    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"train --resume: no checkpoint to resume: no such folder: "
                                f"{out_dir}")
    ckpt = os.path.join(out_dir, CHECKPOINT)
    if not os.path.exists(ckpt):
        raise FileNotFoundError(f"train --resume: no checkpoint at {ckpt}; start the run "
                                "without --resume")
    path = os.path.join(out_dir, CONFIG)
    cfg = dict(DEFAULTS, **read_json(path, "train --resume"))
    cfg.update({k: v for k, v in given.items() if k in RUNTIME})
    check_config(cfg, f"train --resume: {path}")
    return cfg


def fit(config, out_dir, resume=False, log=print, stop_after=None, stop_after_steps=None):
    """Train as ``config`` says, writing checkpoints, metrics and plots to ``out_dir``.

    ``stop_after`` ends this call after that many epochs in total, ``stop_after_steps``
    after that many optimizer steps, as an interruption would (a checkpoint, no final test;
    returns ``(model, None)``); ``resume=True`` later continues from the last checkpoint.
    Ctrl-C saves the current step and raises ``TrainingInterrupted``.
    """
    cfg = _run_config(config, os.fspath(out_dir), resume)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    with locked(out_dir, "train"):
        removed = remove_stale_temp_files(out_dir)
        if removed:
            log(f"removed {len(removed)} unfinished temporary file(s) of an interrupted run")
        return _fit(cfg, out_dir, resume, log, stop_after, stop_after_steps)


def _restore(state, path, model, opt, sched):
    """Load the checkpoint's states into the model, optimizer, scheduler and generators."""
    try:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched is not None and "scheduler" in state:
            sched.load_state_dict(state["scheduler"])
        gg_random.set_rng_state(state["rng"]["glassgrad"])
        return (int(state["epoch"]), list(state["history"]), state["rng"]["loader"],
                state["rng"].get("loader_epoch_start", state["rng"]["loader"]))
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as e:
        raise RunFolderError(f"train --resume: {path} does not fit this run's {CONFIG} "
                             f"({type(e).__name__}: {e})") from None


def _fit(cfg, out_dir, resume, log, stop_after, stop_after_steps):
    ckpt_path = os.path.join(out_dir, CHECKPOINT)
    state = load(ckpt_path) if resume else None  # a damaged file fails before the data loads
    split, model = _data_and_model(cfg)
    opt = make_optimizer(cfg, model.parameters())
    loader_rng = np.random.default_rng(cfg["seed"] + 1)
    loader = DataLoader(TensorDataset(Tensor(split.x_train), Tensor(split.y_train)),
                        batch_size=cfg["batch_size"], shuffle=True, generator=loader_rng)
    n_batches, epochs = len(loader), cfg["epochs"]
    sched = make_scheduler(cfg, opt, n_batches)
    stopper = (optim.EarlyStopping(patience=cfg["patience"], restore_best=False)
               if cfg["patience"] else None)
    history, epoch, batch, step, running, done = [], 0, 0, 0, None, False
    last_norms = None  # the gradient norms of the last batch of the latest epoch
    epoch_start = loader_rng.bit_generator.state

    if resume:
        epoch, history, loader_state, epoch_start = _restore(state, ckpt_path, model, opt,
                                                             sched)
        loader_rng.bit_generator.state = loader_state
        batch = int(state.get("batch", 0))
        step = int(state.get("step", epoch * n_batches))
        running, last_norms = state.get("running"), state.get("grad_norms")
        done = bool(state.get("stopped_early", False)) or epoch >= epochs
        if batch >= n_batches:
            raise RunFolderError(f"train --resume: {ckpt_path} is at batch {batch} of an epoch "
                                 f"of {n_batches} batches; it does not fit this run")
        if stopper is not None:  # replaying the metric history rebuilds its counters
            for row in history:
                stopper.step(row["val_loss"])
        name = f"resuming {cfg['dataset']}/{cfg['model']}"
        if done:
            log(f"{name}: training is complete ({epoch} epochs); testing the best weights")
        elif batch:
            log(f"{name}: epoch {epoch + 1} of {epochs} continues after batch {batch} of "
                f"{n_batches} (step {step})")
        else:
            log(f"{name}: epoch {epoch + 1} of {epochs} next (step {step})")
    else:  # a new run: the files of an earlier one in this folder must not be mixed in
        old = [n for n in RUN_FILES if os.path.exists(os.path.join(out_dir, n))]
        for name in old:
            os.remove(os.path.join(out_dir, name))
        if old:
            log(f"new run in {out_dir}: removed the earlier run's {', '.join(old)}")
    write_json(os.path.join(out_dir, CONFIG), cfg)  # on resume: the new epochs, if any

    def checkpoint(stopped_early=False):
        st = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
              "batch": batch, "step": step, "history": history, "running": running,
              "grad_norms": last_norms, "stopped_early": stopped_early,
              "rng": {"glassgrad": gg_random.get_rng_state(),
                      "loader": loader_rng.bit_generator.state,
                      "loader_epoch_start": epoch_start}}
        if sched is not None:
            st["scheduler"] = sched.state_dict()
        save(st, ckpt_path)

    n_params = sum(p.numel() for p in model.parameters())
    every = cfg["checkpoint_every"]
    with sigint_sets_flag() as interrupt:  # from here on, Ctrl-C keeps the work done
        log(f"{cfg['dataset']}: {len(split.y_train)} train, {len(split.y_val)} validation, "
            f"{len(split.y_test)} test samples; {cfg['model']} with {n_params:,} parameters")
        if not resume:
            checkpoint()  # step 0: an interruption in the first epoch has something to resume

        def pause_here(saved=False):
            """Save and stop here if Ctrl-C came or ``stop_after_steps`` is reached."""
            if interrupt.hit or (stop_after_steps is not None and step >= stop_after_steps):
                if not saved:
                    checkpoint()
                if interrupt.hit:
                    raise TrainingInterrupted(os.path.join(out_dir, CHECKPOINT), epoch, batch,
                                              n_batches, step)
                log(f"stopped after step {step}; continue with --resume")
                return True
            return False

        while not done and epoch < epochs:
            if batch:  # resuming inside an epoch: draw its shuffle order again, skip ahead
                loader_rng.bit_generator.state = epoch_start
            else:
                epoch_start = loader_rng.bit_generator.state
            batches = iter(loader)
            for _ in range(batch):
                next(batches)
            seen, total_loss, correct, elapsed = (
                (running["seen"], running["loss"], running["correct"], running["seconds"])
                if batch and running else (0, 0.0, 0, 0.0))
            model.train()
            t0 = time.perf_counter() - elapsed
            bar = _progress(batches, n_batches, f"epoch {epoch + 1}/{epochs}", cfg["progress"],
                            initial=batch)
            try:
                for xb, yb in bar:
                    logits = model(xb)
                    loss = F.cross_entropy(logits, yb)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    if isinstance(sched, optim.lr_scheduler.OneCycleLR):
                        sched.step()
                    n = len(yb)
                    batch, step, seen = batch + 1, step + 1, seen + n
                    total_loss += loss.item() * n
                    correct += int((logits._data.argmax(1) == yb._data).sum())
                    running = {"seen": seen, "loss": total_loss, "correct": correct,
                               "seconds": time.perf_counter() - t0}
                    if cfg["progress"]:
                        rate = seen / max(time.perf_counter() - t0, 1e-9)
                        bar.set_postfix(loss=f"{loss.item():.4f}", rate=f"{rate:,.0f}/s",
                                        refresh=False)
                    if batch < n_batches:  # the epoch's last step is saved at its end
                        if pause_here():
                            return model, None
                        if every and step % every == 0:
                            checkpoint()
            finally:
                if hasattr(bar, "close"):
                    bar.close()
            seconds = time.perf_counter() - t0
            if seen:  # once per epoch, from the gradients the last batch left behind
                last_norms = {"epoch": epoch + 1, "norms": grad_norms(model)}
            val_loss, val_acc, _ = evaluate_arrays(model, split.x_val, split.y_val)
            row = {"epoch": epoch + 1, "train_loss": total_loss / max(seen, 1),
                   "train_acc": correct / max(seen, 1), "val_loss": val_loss,
                   "val_acc": val_acc, "lr": opt.param_groups[0]["lr"], "seconds": seconds}
            history.append(row)
            log(f"epoch {epoch + 1:3d}/{epochs}  train loss {row['train_loss']:.4f} "
                f"acc {row['train_acc']:.4f}  val loss {val_loss:.4f} acc {val_acc:.4f}  "
                f"{seconds:.1f}s")
            if sched is not None and not isinstance(sched, optim.lr_scheduler.OneCycleLR):
                if isinstance(sched, optim.lr_scheduler.ReduceLROnPlateau):
                    sched.step(val_loss)
                else:
                    sched.step()
            done = stopper is not None and stopper.step(val_loss)
            if val_loss <= min(r["val_loss"] for r in history):
                save(model.state_dict(), os.path.join(out_dir, BEST))
            epoch, batch, running = epoch + 1, 0, None
            epoch_start = loader_rng.bit_generator.state
            checkpoint(stopped_early=done)
            if done:
                best_epoch = min(history, key=lambda r: r["val_loss"])["epoch"]
                log(f"early stopping: no improvement in validation loss for "
                    f"{cfg['patience']} epochs; best was epoch {best_epoch}")
            elif epoch < epochs:
                if stop_after is not None and epoch >= stop_after:
                    log(f"stopped after epoch {epoch}; continue with --resume")
                    return model, None
                if pause_here(saved=True):
                    return model, None
            elif interrupt.hit:  # all epochs done: the run ends normally
                log("training is complete; finishing the test and the plots")
    return model, _finish(cfg, out_dir, model, split, history, last_norms, log)


def _finish(cfg, out_dir, model, split, history, last_norms, log):
    """Test the best weights; write metrics.json and the plots."""
    best_path = os.path.join(out_dir, BEST)
    if not os.path.exists(best_path):
        raise FileNotFoundError(f"train: {best_path} is missing; it is written at the end of "
                                "each epoch that improves the validation loss")
    model.load_state_dict(load(best_path))
    test_loss, test_acc, pred = evaluate_arrays(model, split.x_test, split.y_test)
    log(f"test accuracy {test_acc:.4f} (loss {test_loss:.4f}) with the best weights")
    metrics = {"config": cfg, "history": history, "test_loss": test_loss, "test_acc": test_acc,
               "confusion": report.confusion(split.y_test, pred, split.info["n_classes"])}
    if last_norms is not None:
        metrics["grad_norms"] = last_norms
    write_json(os.path.join(out_dir, METRICS), metrics)
    plots = report.plot_history(history, out_dir)
    if last_norms is not None:
        plots.append(report.plot_grad_flow(last_norms["norms"], out_dir, last_norms["epoch"]))
    for p in plots:
        log(f"wrote {p}")
    return metrics


def evaluate_dir(out_dir, log=print, root=None, download=False):
    """Rebuild the model in ``out_dir`` from its config and best weights; test it.

    ``root`` and ``download`` say where the dataset's files are, if not where training
    found them."""
    out_dir = os.fspath(out_dir)
    if not os.path.exists(out_dir):
        raise FileNotFoundError(f"evaluate: no such folder: {out_dir} (give a training output "
                                f"folder, which holds {CONFIG} and {BEST})")
    if not os.path.isdir(out_dir):
        raise RunFolderError(f"evaluate: {out_dir} is not a folder; give a training output "
                             "folder (train --out DIR)")
    path = os.path.join(out_dir, CONFIG)
    if not os.path.exists(path):
        raise FileNotFoundError(f"evaluate: {out_dir} has no {CONFIG}; is it a training "
                                "output folder (train --out DIR)?")
    cfg = dict(DEFAULTS, **read_json(path, "evaluate"))
    if root is not None:
        cfg["root"] = root
    cfg["download"] = download
    check_config(cfg, f"evaluate: {path}")
    best = os.path.join(out_dir, BEST)
    if not os.path.exists(best):
        raise FileNotFoundError(f"evaluate: {out_dir} has no {BEST} yet: its training stopped "
                                "before the first epoch ended (continue it with train --out "
                                "DIR --resume)")
    split, model = _data_and_model(cfg)
    try:
        model.load_state_dict(load(best))
    except (KeyError, RuntimeError) as e:
        raise RunFolderError(f"evaluate: {best} does not fit the model of {path} "
                             f"({type(e).__name__}: {e})") from None
    loss, acc, pred = evaluate_arrays(model, split.x_test, split.y_test)
    matrix = report.confusion(split.y_test, pred, split.info["n_classes"])
    log(f"{cfg['dataset']} test set: {len(split.y_test)} samples, accuracy {acc:.4f}, "
        f"loss {loss:.4f}")
    log(report.format_confusion(matrix, split.info.get("classes")))
    return acc, matrix


__all__ = ["fit", "evaluate_dir", "DEFAULTS", "TrainingInterrupted"]
