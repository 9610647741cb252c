"""Deep graphs and per-op overhead: build and backprop a chain of N elementwise ops.

    python benchmarks/chain.py [--n 100000]

Prints the wall time of forward+backward for a Tensor chain and a Value chain, and the cost
per op. The full benchmark suite (peers, tables, JSON) is the benchmarks issue's job.
"""

from __future__ import annotations

import argparse
import statistics
import time

import glassgrad as gg


def tensor_chain(n):
    x = gg.tensor([0.5, 1.0, 1.5, 2.0], requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.sum().backward()
    return time.perf_counter() - t0


def value_chain(n):
    x = gg.Value(0.5)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for name, fn in [("Tensor (4,)", tensor_chain), ("Value", value_chain)]:
        times = [fn(args.n) for _ in range(args.repeat)]
        med = statistics.median(times)
        print(f"{name:<12} {args.n:>7} ops: median {med:.3f} s  ({med / args.n * 1e6:.2f} us/op, "
              f"forward + backward)")


if __name__ == "__main__":
    main()
