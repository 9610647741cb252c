"""Profile glassgrad on one benchmark workload: where does its time go?

    python -m benchmarks.profile tensor_mlp            # cProfile, top 15 by own time
    python -m benchmarks.profile per_op --top 25
    python -m benchmarks.profile cnn --pyinstrument    # a call tree (pip install pyinstrument)

Workloads: scalar_mlp, tensor_mlp, cnn, per_op (the 1,000-op Tensor chain), per_op_value
(the same chain on Value). The workload runs a few untimed steps first, then ``--steps``
steps under the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

import benchmarks  # noqa: F401  (pins the thread count before numpy is imported)

from . import workloads
from .cases import cnn, scalar_mlp, tensor_mlp
from .peers import glassgrad_engine as gge

WORKLOADS = ("scalar_mlp", "tensor_mlp", "cnn", "per_op", "per_op_value")


def build(name):
    if name == "tensor_mlp":
        s = tensor_mlp.SETTINGS["full"]
        x, y = workloads.classification_batch((s["batch"], s["sizes"][0]))
        return gge.mlp_step(workloads.mlp_weights(s["sizes"]), x, y, lr=0.01), 50
    if name == "cnn":
        x, y = workloads.classification_batch((cnn.SETTINGS["full"]["batch"], 1, 28, 28))
        return gge.cnn_step(workloads.cnn_weights(), x, y, lr=0.01), 20
    if name == "scalar_mlp":
        xs, ys = workloads.moons(scalar_mlp.SETTINGS["full"]["points"])
        return gge.scalar_mlp_step(workloads.scalar_weights(), xs, ys, lr=0.05), 3
    if name == "per_op":
        return gge.chain(1000), 100
    if name == "per_op_value":
        return gge.value_chain(1000), 100
    raise ValueError(f"profile: unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=WORKLOADS)
    ap.add_argument("--steps", type=int, help="profiled steps (default: about a second)")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--sort", default="tottime", help="pstats sort key (default: %(default)s)")
    ap.add_argument("--pyinstrument", action="store_true")
    args = ap.parse_args(argv)
    fn, steps = build(args.workload)
    steps = args.steps or steps
    for _ in range(3):
        fn()
    if args.pyinstrument:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(steps):
            fn()
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
        return
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        fn()
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(args.sort)
    st.print_stats(args.top)
    print(f"{args.workload}: {steps} steps under cProfile (times include its overhead)")
    print(buf.getvalue())


if __name__ == "__main__":
    main()
