"""Command line: ``python -m glassgrad gradcheck [--op NAME ...]``, ``... train``,
``... evaluate DIR``, ``... demo``, ``... explain "FORMULA" --set x=1`` and ``... playground``.

``main`` returns the exit code, so it serves as a console-script entry point too
(``glassgrad = "glassgrad.cli:main"``: the generated script calls ``sys.exit(main())``).
Exit codes: 0 success, 1 a failure while running, 2 a usage error, 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys

from .playground.app import arguments as playground_arguments
from .viz.expr import explain_arguments, explain_command


def _gradcheck(args) -> int:
    from .testing.opspecs.runner import run, summary

    try:
        rows = run(args.op, second_order=not args.first_order_only)
    except KeyError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    header = (f"{'op':<22} {'order':>5}  {'shapes':<36} {'max abs err':>12} "
              f"{'max rel err':>12}  result")
    print(header)
    print("-" * len(header))
    for r in rows:
        shapes = r.shapes if len(r.shapes) <= 36 else r.shapes[:33] + "..."
        status = "pass" if r.ok else "FAIL"
        print(f"{r.op:<22} {r.order:>5}  {shapes:<36} {r.max_abs_err:>12.2e} "
              f"{r.max_rel_err:>12.2e}  {status}")
        if not r.ok and r.detail:
            for line in r.detail.splitlines():
                print(f"    {line}")
    failed = sorted({r.op for r in rows if not r.ok})
    print(f"\n{summary(rows)}, {len(rows)} checks, {len(rows) - sum(not r.ok for r in rows)} "
          f"passed"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def command_name():
    """How the user can run glassgrad from here, for the hints we print: ``glassgrad`` when
    that console script on PATH belongs to this Python; else the script beside this Python
    (``.venv/bin/glassgrad``); else this Python itself (``python -m glassgrad`` when ``python``
    on PATH is this one, otherwise its path, e.g. ``.venv/bin/python -m glassgrad``)."""
    exe = os.path.abspath(sys.executable or "python3")
    here = os.path.dirname(exe)
    for name in ("glassgrad", "glassgrad.exe"):
        script = os.path.join(here, name)
        if os.path.isfile(script):
            found = shutil.which("glassgrad")
            if found and os.path.abspath(found) == script:
                return "glassgrad"
            return _shown_path(script)
    for name in ("python", "python3"):
        found = shutil.which(name)
        if found and os.path.abspath(found) == exe:
            return f"{name} -m glassgrad"
    return f"{_shown_path(exe)} -m glassgrad"


def _shown_path(path):
    """``path`` quoted for a shell, relative to the current folder when it lies below it."""
    rel = os.path.relpath(path)
    if not rel.startswith("..") and os.path.dirname(os.getcwd()) != os.getcwd():  # not at /
        path = rel if os.sep in rel else os.path.join(".", rel)
    return shlex.quote(path)


def _widths(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 1 (e.g. "
                                         f"256,128), got {text!r}")
    return values


_ints = _widths  # the older name

CONFIG_FLAGS = ("dataset", "model", "epochs", "batch_size", "lr", "optimizer", "weight_decay",
                "momentum", "hidden", "channels", "dropout", "scheduler", "patience",
                "val_fraction", "seed", "root", "limit", "limit_test", "checkpoint_every")
DOWNLOADABLE = ("mnist", "fashion-mnist")


def _flag(key):
    return "--" + key.replace("_", "-")


def _missing_data(e, who):
    """The command line's way to say that MNIST or Fashion-MNIST files are missing."""
    home = os.path.expanduser("~")
    dest = os.fspath(e.download_dir)
    if dest == home or dest.startswith(home + os.sep):
        dest = "~" + dest[len(home):]
    how = (f"use --download to fetch them into {dest} (checked against pinned SHA-256 "
           f"sums), or --root DIR to name the folder that holds them")
    if e.name == "fashion-mnist":
        how += " (on Debian/Ubuntu: apt-get install dataset-fashion-mnist)"
    return (f"error: {who}: no {e.title} {e.split} files ({e.files}) found; looked in:\n"
            + "\n".join(e.looked_in) + f"\n{how[0].upper()}{how[1:]}")


def _check_train_flags(args, parser):
    """What argparse cannot see alone: the combinations of flags, and --out."""
    if args.out is not None and os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"argument --out: {args.out} is a file, not a folder")
    if args.resume:
        fixed = [_flag(k) for k in CONFIG_FLAGS if getattr(args, k) is not None
                 and k not in ("epochs", "root", "checkpoint_every")]
        if fixed:
            parser.error(f"argument {fixed[0]}: cannot change when resuming (the run's "
                         "config.json holds it); with --resume only --epochs, "
                         "--checkpoint-every, --root, --download and --no-progress apply")
    elif args.download and (args.dataset or "digits") not in DOWNLOADABLE:
        parser.error(f"argument --download: only --dataset mnist or fashion-mnist is "
                     f"downloaded; {args.dataset or 'digits'} needs no files")


def _train(args) -> int:
    from .data.mnist import DataFilesNotFound
    from .train import TrainingInterrupted, fit

    _check_train_flags(args, args.parser)
    config = {k: getattr(args, k) for k in CONFIG_FLAGS}
    config["progress"] = not args.no_progress
    config["download"] = args.download or None
    out = args.out or f"runs/{args.dataset or 'digits'}-{args.model or 'mlp'}"
    again = f"{command_name()} train --out {shlex.quote(out)} --resume"
    try:
        fit(config, out, resume=args.resume)
    except TrainingInterrupted as e:
        print(f"{e}; resume with: {again}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        from .train.loop import CHECKPOINT

        if os.path.exists(os.path.join(out, CHECKPOINT)):
            print(f"interrupted; resume from the last checkpoint with: {again}",
                  file=sys.stderr)
        else:
            print("interrupted before the first checkpoint; nothing to resume",
                  file=sys.stderr)
        return 130
    except DataFilesNotFound as e:
        print(_missing_data(e, "train"), file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as e:  # a failed download, a full disk
        print(f"error: train: {e}", file=sys.stderr)
        return 1
    return 0


def _evaluate(args) -> int:
    from .data.mnist import DataFilesNotFound
    from .train import evaluate_dir

    try:
        evaluate_dir(args.dir, root=args.root, download=args.download)
    except DataFilesNotFound as e:
        print(_missing_data(e, "evaluate"), file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as e:
        print(f"error: evaluate: {e}", file=sys.stderr)
        return 1
    return 0


def _demo(args) -> int:
    from .demo import main

    return main(quick=args.quick)


def _playground(args) -> int:
    from .playground import command

    return command(args)


def main(argv=None) -> int:
    from .train.checks import parse

    parser = argparse.ArgumentParser(prog=command_name(),
                                     description="glassgrad command line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gradcheck", help="gradient-check every registered op (or --op NAME)")
    p.add_argument("--op", action="append", metavar="NAME", help="check only this op "
                   "(repeatable)")
    p.add_argument("--first-order-only", action="store_true",
                   help="skip the second-order (gradgradcheck) checks")
    p.set_defaults(func=_gradcheck)
    t = sub.add_parser("train", help="train an MLP or CNN on a dataset, with progress bars, "
                       "checkpoints, metrics and plots (no arguments: embedded digits, <1 min)",
                       usage="%(prog)s [options]  (see --help)")
    t.add_argument("--dataset", choices=["digits", "mnist", "fashion-mnist", "moons", "spirals",
                                         "xor", "blobs"], help="default: digits (embedded)")
    t.add_argument("--model", choices=["mlp", "cnn"], help="default: mlp")
    t.add_argument("--epochs", type=parse("epochs"), help="default: 10")
    t.add_argument("--batch-size", type=parse("batch_size"), help="default: 64")
    t.add_argument("--lr", type=parse("lr"), help="default: 1e-3")
    t.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                   help="default: adam")
    t.add_argument("--weight-decay", type=parse("weight_decay"))
    t.add_argument("--momentum", type=parse("momentum"), help="for sgd (default 0.9)")
    t.add_argument("--hidden", type=_widths, help="MLP widths, e.g. 256,128 (cnn: head width)")
    t.add_argument("--channels", type=_widths, help="CNN block widths, e.g. 16,32")
    t.add_argument("--dropout", type=parse("dropout"), help="in [0, 1) (default 0)")
    t.add_argument("--scheduler", choices=["none", "step", "cosine", "onecycle", "plateau"])
    t.add_argument("--patience", type=parse("patience"), help="early stopping after N epochs "
                   "without improvement of the validation loss (0: off)")
    t.add_argument("--val-fraction", type=parse("val_fraction"),
                   help="in (0, 1) (default: 0.1 of the training set)")
    t.add_argument("--seed", type=parse("seed"))
    t.add_argument("--root", help="folder holding the IDX files (mnist, fashion-mnist)")
    t.add_argument("--download", action="store_true", help="fetch the mnist or fashion-mnist "
                   "files when missing (into --root, or ~/.cache/glassgrad), checking SHA-256")
    t.add_argument("--limit", type=parse("limit"), help="use only this many training samples")
    t.add_argument("--limit-test", type=parse("limit_test"),
                   help="use only this many test samples")
    t.add_argument("--checkpoint-every", type=parse("checkpoint_every"), metavar="N",
                   help="also save a checkpoint every N steps (always: at the end of each "
                   "epoch, and on Ctrl-C)")
    t.add_argument("--out", help="output folder (default: runs/DATASET-MODEL)")
    t.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")
    t.set_defaults(func=_train, parser=t)
    e = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a trained run")
    e.add_argument("dir", help="a training output folder")
    e.add_argument("--root", help="folder holding the IDX files, if not where training "
                   "found them")
    e.add_argument("--download", action="store_true", help="fetch the mnist or fashion-mnist "
                   "files when missing")
    e.set_defaults(func=_evaluate)
    d = sub.add_parser("demo", help="train a small model and show what glassgrad sees")
    d.add_argument("--quick", action="store_true", help="fewer training steps")
    d.set_defaults(func=_demo)
    x = sub.add_parser("explain", help="parse a formula, show its backward pass step by step "
                       "(upstream × local = downstream) and optionally render its graph")
    explain_arguments(x).set_defaults(func=explain_command)
    g = sub.add_parser("playground", help="a local web page: change a formula or a small "
                       "network and watch values, gradients and training live (127.0.0.1 only)")
    playground_arguments(g).set_defaults(func=_playground)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # a command without its own handling: no traceback
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head` closed the pipe: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is silent
        return 141
