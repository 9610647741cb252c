"""Command line: ``python -m glassgrad gradcheck [--op NAME ...]``, ``... demo`` and
``... explain "FORMULA" --set x=1``."""

from __future__ import annotations

import argparse
import sys

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


def _ints(text):
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints, got {text!r}") from None


def _train(args) -> int:
    from .train import fit

    config = {k: getattr(args, k) for k in (
        "dataset", "model", "epochs", "batch_size", "lr", "optimizer", "weight_decay",
        "momentum", "hidden", "channels", "dropout", "scheduler", "patience", "val_fraction",
        "seed", "root", "limit")}
    config["progress"] = not args.no_progress
    out = args.out or f"runs/{args.dataset or 'digits'}-{args.model or 'mlp'}"
    try:
        fit(config, out, resume=args.resume)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _evaluate(args) -> int:
    from .train import evaluate_dir

    try:
        evaluate_dir(args.dir)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _demo(args) -> int:
    from .demo import main

    return main(quick=args.quick)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glassgrad",
                                     description="glassgrad command line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("gradcheck", help="gradient-check every registered op (or --op NAME)")
    p.add_argument("--op", action="append", metavar="NAME", help="check only this op "
                   "(repeatable)")
    p.add_argument("--first-order-only", action="store_true",
                   help="skip the second-order (gradgradcheck) checks")
    p.set_defaults(func=_gradcheck)
    t = sub.add_parser("train", help="train an MLP or CNN on a dataset, with progress bars, "
                       "checkpoints, metrics and plots (no arguments: embedded digits, <1 min)")
    t.add_argument("--dataset", choices=["digits", "mnist", "fashion-mnist", "moons", "spirals",
                                         "xor", "blobs"], help="default: digits (embedded)")
    t.add_argument("--model", choices=["mlp", "cnn"], help="default: mlp")
    t.add_argument("--epochs", type=int, help="default: 10")
    t.add_argument("--batch-size", type=int, help="default: 64")
    t.add_argument("--lr", type=float, help="default: 1e-3")
    t.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                   help="default: adam")
    t.add_argument("--weight-decay", type=float)
    t.add_argument("--momentum", type=float, help="for sgd (default 0.9)")
    t.add_argument("--hidden", type=_ints, help="MLP widths, e.g. 256,128 (cnn: head width)")
    t.add_argument("--channels", type=_ints, help="CNN block widths, e.g. 16,32")
    t.add_argument("--dropout", type=float)
    t.add_argument("--scheduler", choices=["none", "step", "cosine", "onecycle", "plateau"])
    t.add_argument("--patience", type=int, help="early stopping after N epochs without "
                   "improvement of the validation loss (0: off)")
    t.add_argument("--val-fraction", type=float, help="default: 0.1 of the training set")
    t.add_argument("--seed", type=int)
    t.add_argument("--root", help="folder holding the IDX files (mnist, fashion-mnist)")
    t.add_argument("--limit", type=int, help="use only this many training samples")
    t.add_argument("--out", help="output folder (default: runs/DATASET-MODEL)")
    t.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")
    t.set_defaults(func=_train)
    e = sub.add_parser("evaluate", help="test accuracy and confusion matrix of a trained run")
    e.add_argument("dir", help="a training output folder")
    e.set_defaults(func=_evaluate)
    d = sub.add_parser("demo", help="train a small model and show what glassgrad sees")
    d.add_argument("--quick", action="store_true", help="fewer training steps")
    d.set_defaults(func=_demo)
    x = sub.add_parser("explain", help="parse a formula, show its backward pass step by step "
                       "(upstream × local = downstream) and optionally render its graph")
    explain_arguments(x).set_defaults(func=explain_command)
    args = parser.parse_args(argv)
    return args.func(args)
