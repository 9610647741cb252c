"""Command line: ``python -m glassgrad gradcheck [--op NAME ...]`` and ``... demo``."""

from __future__ import annotations

import argparse
import sys


def _gradcheck(args) -> int:
    from .autograd.opspecs.runner import run

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
    ops = len({r.op for r in rows})
    print(f"\n{ops} ops, {len(rows)} checks, {len(rows) - sum(not r.ok for r in rows)} passed"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


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
    d = sub.add_parser("demo", help="train a small model and show what glassgrad sees")
    d.add_argument("--quick", action="store_true", help="fewer training steps")
    d.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return args.func(args)
