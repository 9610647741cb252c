"""The training loop behind ``python -m glassgrad train``: progress bars, validation, early
stopping, LR schedules, checkpoints every epoch, and bit-identical resume.

After each epoch the gradient norms that its last batch left on the parameters are read once
(``viz.grad_norms``: one norm per parameter, nothing per batch); the last epoch's go into
``metrics.json`` and are drawn as ``grad_flow.png`` beside ``loss.png``.

Everything random (initial weights, dropout, the shuffling order) draws from glassgrad's
seeded generator or the loader's own generator, and both states go into the checkpoint
together with the model, the optimizer, the scheduler and the early-stopping state. Resuming
from epoch k therefore continues exactly as if training had never stopped.
"""

from __future__ import annotations

import json
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

CHECKPOINT = "checkpoint.safetensors"
BEST = "best.safetensors"
CONFIG = "config.json"
METRICS = "metrics.json"

DEFAULTS = {
    "dataset": "digits", "model": "mlp", "epochs": 10, "batch_size": 64, "lr": 1e-3,
    "optimizer": "adam", "weight_decay": 0.0, "momentum": 0.9, "hidden": [128, 64],
    "channels": [16, 32], "dropout": 0.0, "scheduler": "none", "patience": 0,
    "val_fraction": 0.1, "seed": 0, "root": None, "limit": None, "progress": True,
}


def make_optimizer(config, params):
    name, lr, wd = config["optimizer"], config["lr"], config["weight_decay"]
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=config["momentum"], weight_decay=wd)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=wd)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=wd)
    raise ValueError(f"train: unknown optimizer {name!r}; choose sgd, adam, adamw, rmsprop "
                     "or adagrad")


def make_scheduler(config, opt, steps_per_epoch):
    name, epochs = config["scheduler"], config["epochs"]
    if name == "none":
        return None
    if name == "step":
        return optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.3)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "onecycle":
        return optim.lr_scheduler.OneCycleLR(opt, max_lr=config["lr"] * 10, epochs=epochs,
                                             steps_per_epoch=steps_per_epoch)
    if name == "plateau":
        return optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    raise ValueError(f"train: unknown scheduler {name!r}; choose none, step, cosine, onecycle "
                     "or plateau")


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


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="batch", leave=False, dynamic_ncols=True,
                mininterval=0.25)


def _data_and_model(cfg):
    """Seed, load the data split and build a freshly initialized model, as ``cfg`` says."""
    gg_random.manual_seed(cfg["seed"])
    split = datasets.load(cfg["dataset"], cfg["root"], cfg["seed"], cfg["val_fraction"],
                          cfg["limit"])
    return split, models.build(cfg, split.info)


def fit(config, out_dir, resume=False, log=print, stop_after=None):
    """Train as ``config`` says, writing checkpoints, metrics and plots to ``out_dir``.

    ``stop_after`` ends this call after that many epochs in total, as an interruption would
    (no final test); ``resume=True`` later continues from the last checkpoint.
    """
    cfg = dict(DEFAULTS)
    cfg.update({k: v for k, v in config.items() if v is not None})
    os.makedirs(out_dir, exist_ok=True)
    ckpt_path = os.path.join(out_dir, CHECKPOINT)
    if resume:
        if not os.path.exists(ckpt_path):
            raise FileNotFoundError(f"train --resume: no checkpoint at {ckpt_path}")
        with open(os.path.join(out_dir, CONFIG)) as f:
            saved = json.load(f)
        if config.get("epochs") is not None:
            saved["epochs"] = config["epochs"]  # resuming may extend the run
        saved["progress"] = cfg["progress"]
        cfg = saved

    split, model = _data_and_model(cfg)
    opt = make_optimizer(cfg, model.parameters())
    loader_rng = np.random.default_rng(cfg["seed"] + 1)
    loader = DataLoader(TensorDataset(Tensor(split.x_train), Tensor(split.y_train)),
                        batch_size=cfg["batch_size"], shuffle=True, generator=loader_rng)
    sched = make_scheduler(cfg, opt, len(loader))
    stopper = (optim.EarlyStopping(patience=cfg["patience"], restore_best=False)
               if cfg["patience"] else None)
    history, start = [], 0
    last_norms = None  # the gradient norms of the last batch of the latest epoch

    if resume:
        state = load(ckpt_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched is not None and "scheduler" in state:
            sched.load_state_dict(state["scheduler"])
        gg_random.set_rng_state(state["rng"]["glassgrad"])
        loader_rng.bit_generator.state = state["rng"]["loader"]
        history, start = state["history"], state["epoch"]
        if stopper is not None:  # replaying the metric history rebuilds its counters
            for row in history:
                stopper.step(row["val_loss"])
        log(f"resuming {cfg['dataset']}/{cfg['model']} from epoch {start}")
    else:
        with open(os.path.join(out_dir, CONFIG), "w") as f:
            json.dump(cfg, f, indent=2)

    n_params = sum(p.numel() for p in model.parameters())
    log(f"{cfg['dataset']}: {len(split.y_train)} train, {len(split.y_val)} validation, "
        f"{len(split.y_test)} test samples; {cfg['model']} with {n_params:,} parameters")
    for epoch in range(start, cfg["epochs"]):
        model.train()
        t0, seen, total_loss, correct = time.perf_counter(), 0, 0.0, 0
        bar = _progress(loader, len(loader), f"epoch {epoch + 1}/{cfg['epochs']}",
                        cfg["progress"])
        for xb, yb in bar:
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if isinstance(sched, optim.lr_scheduler.OneCycleLR):
                sched.step()
            n = len(yb)
            seen += n
            total_loss += loss.item() * n
            correct += int((logits._data.argmax(1) == yb._data).sum())
            if cfg["progress"]:
                rate = seen / max(time.perf_counter() - t0, 1e-9)
                bar.set_postfix(loss=f"{loss.item():.4f}", rate=f"{rate:,.0f}/s", refresh=False)
        seconds = time.perf_counter() - t0
        if seen:  # once per epoch, from the gradients the last batch left behind
            last_norms = {"epoch": epoch + 1, "norms": grad_norms(model)}
        val_loss, val_acc, _ = evaluate_arrays(model, split.x_val, split.y_val)
        row = {"epoch": epoch + 1, "train_loss": total_loss / max(seen, 1),
               "train_acc": correct / max(seen, 1), "val_loss": val_loss, "val_acc": val_acc,
               "lr": opt.param_groups[0]["lr"], "seconds": seconds}
        history.append(row)
        log(f"epoch {epoch + 1:3d}/{cfg['epochs']}  train loss {row['train_loss']:.4f} "
            f"acc {row['train_acc']:.4f}  val loss {val_loss:.4f} acc {val_acc:.4f}  "
            f"{seconds:.1f}s")
        if sched is not None and not isinstance(sched, optim.lr_scheduler.OneCycleLR):
            if isinstance(sched, optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(val_loss)
            else:
                sched.step()
        stop = stopper is not None and stopper.step(val_loss)
        if val_loss <= min(r["val_loss"] for r in history):
            save(model.state_dict(), os.path.join(out_dir, BEST))
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1,
                 "history": history, "rng": {"glassgrad": gg_random.get_rng_state(),
                                             "loader": loader_rng.bit_generator.state}}
        if sched is not None:
            state["scheduler"] = sched.state_dict()
        save(state, ckpt_path)
        if stop_after is not None and epoch + 1 >= stop_after and epoch + 1 < cfg["epochs"]:
            log(f"stopped after epoch {epoch + 1}; continue with --resume")
            return model, None
        if stop:
            best_epoch = min(history, key=lambda r: r["val_loss"])["epoch"]
            log(f"early stopping: no improvement in validation loss for {cfg['patience']} "
                f"epochs; best was epoch {best_epoch}")
            break

    best = load(os.path.join(out_dir, BEST))
    model.load_state_dict(best)
    test_loss, test_acc, pred = evaluate_arrays(model, split.x_test, split.y_test)
    log(f"test accuracy {test_acc:.4f} (loss {test_loss:.4f}) with the best weights")
    metrics = {"config": cfg, "history": history, "test_loss": test_loss, "test_acc": test_acc,
               "confusion": report.confusion(split.y_test, pred, split.info["n_classes"])}
    if last_norms is not None:
        metrics["grad_norms"] = last_norms
    with open(os.path.join(out_dir, METRICS), "w") as f:
        json.dump(metrics, f, indent=2)
    plots = report.plot_history(history, out_dir)
    if last_norms is not None:
        plots.append(report.plot_grad_flow(last_norms["norms"], out_dir, last_norms["epoch"]))
    for p in plots:
        log(f"wrote {p}")
    return model, metrics


def evaluate_dir(out_dir, log=print):
    """Rebuild the model in ``out_dir`` from its config and best weights; test it."""
    path = os.path.join(out_dir, CONFIG)
    if not os.path.exists(path):
        raise FileNotFoundError(f"evaluate: {out_dir} has no {CONFIG}; is it a training "
                                "output directory (python -m glassgrad train --out DIR)?")
    with open(path) as f:
        cfg = json.load(f)
    split, model = _data_and_model(cfg)
    model.load_state_dict(load(os.path.join(out_dir, BEST)))
    loss, acc, pred = evaluate_arrays(model, split.x_test, split.y_test)
    matrix = report.confusion(split.y_test, pred, split.info["n_classes"])
    log(f"{cfg['dataset']} test set: {len(split.y_test)} samples, accuracy {acc:.4f}, "
        f"loss {loss:.4f}")
    log(report.format_confusion(matrix, split.info.get("classes")))
    return acc, matrix


__all__ = ["fit", "evaluate_dir", "DEFAULTS"]
