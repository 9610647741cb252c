"""What Python's garbage collector costs glassgrad, outside the suite.

    python -m benchmarks.gc_cost            # glassgrad alone in this process
    python -m benchmarks.gc_cost --torch    # the same after importing torch, as in the suite

Times the 100,000-op Tensor chain (build, backward, free) and the scalar MLP step with the
collector on (Python's defaults), and again with it off. Median of 3 (chain) or 5 (MLP).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import benchmarks  # noqa: F401  (pins the thread count before numpy is imported)
from benchmarks import peers, workloads


def _median(fn, n):
    fn()
    times = []
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gc_cost",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--torch", action="store_true", help="import torch first, as the suite")
    args = ap.parse_args(argv)
    if args.torch:
        import torch  # noqa: F401
    gg = peers.load("glassgrad")
    chain = gg.chain(100_000)
    w = workloads.scalar_weights()
    xs, ys = workloads.moons(100)
    step = gg.scalar_mlp_step(w, xs, ys, lr=0.05)
    print(f"objects tracked by the collector: {len(gc.get_objects()):,}"
          + (" (torch imported)" if args.torch else ""))
    for state in ("on", "off"):
        if state == "off":
            gc.disable()
        print(f"gc {state:>3}: 100,000-op Tensor chain {_median(chain, 3):.3f} s, "
              f"scalar MLP step {_median(step, 5) * 1e3:.0f} ms")
    gc.enable()


if __name__ == "__main__":
    main()
