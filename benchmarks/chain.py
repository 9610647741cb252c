"""Deep graphs and per-op overhead: build and backprop a chain of N elementwise ops.

    python benchmarks/chain.py [--n 100000] [--repeat 3]

A thin wrapper over the suite's deep-graph case (``python -m benchmarks --case deep_graph``
runs it with the peers and the targets): prints glassgrad's wall time for a Tensor chain and a
Value chain, and the cost per op. The chain alternates x * 1.0001 and x + 0.0001.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # python benchmarks/chain.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402

import benchmarks  # noqa: E402,F401  (pins the thread count before numpy is imported)
from benchmarks.harness import measure  # noqa: E402
from benchmarks.peers import glassgrad_engine  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    runs = {"Tensor (4,)": glassgrad_engine.chain(args.n),
            "Value": glassgrad_engine.value_chain(args.n)}
    for name, r in measure(runs, warmup=0, repeats=args.repeat).items():
        med = r["median"]
        print(f"{name:<12} {args.n:>7} ops: median {med:.3f} s  ({med / args.n * 1e6:.2f} us/op, "
              f"forward + backward)")


if __name__ == "__main__":
    main()
