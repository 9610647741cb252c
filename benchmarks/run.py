"""Run glassgrad's benchmark suite: every case, every installed framework, one process.

    python -m benchmarks                  # every case (about 3 minutes on 2 cores)
    python benchmarks/run.py --quick      # a one-minute subset
    python -m benchmarks --case cnn       # one case (repeat --case for more)
    python -m benchmarks --plot           # also write benchmarks/results/latest.png

Prints one table per measurement (median, min, max, and glassgrad's median divided by each
peer's) and the issue's targets with pass or miss; writes results/latest.json and
results/latest.md.
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import benchmarks  # noqa: E402  (pins the thread count before numpy is imported)
from benchmarks import cases, harness, peers, report, targets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
ALIASES = {"scalar": "scalar_mlp", "mlp": "tensor_mlp", "tensor": "tensor_mlp",
           "overhead": "per_op", "deep": "deep_graph", "fashion": "fashion_mnist",
           "training": "fashion_mnist"}


def case_name(text):
    name = text.replace("-", "_")
    name = ALIASES.get(name, name)
    if name not in cases.CASES:
        raise argparse.ArgumentTypeError(
            f"unknown case {text!r}; choose from {', '.join(cases.CASES)}")
    return name


def parse(argv):
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a one-minute subset")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, one iteration: checks that the suite runs, measures "
                         "nothing")
    ap.add_argument("--case", type=case_name, action="append",
                    help=f"run only this case: {', '.join(cases.CASES)}")
    ap.add_argument("--plot", action="store_true", help="also write latest.png")
    ap.add_argument("--replot", action="store_true",
                    help="only redraw latest.png (and latest.md) from latest.json")
    ap.add_argument("--out", default=RESULTS,
                    help="results directory (default: benchmarks/results)")
    ap.add_argument("--list", action="store_true", help="list the cases and peers, then exit")
    return ap.parse_args(argv)


def _command(argv):
    return " ".join(["python -m benchmarks", *argv])


def run(args, argv, log=print):
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    if mode == "smoke":
        harness.GAP = 0.0  # nothing is measured, so no pauses between blocks
    names = [c for c in cases.CASES if c in args.case] if args.case else list(cases.CASES)
    imported = harness.import_usual_libraries()
    frameworks = peers.available(peers.MODULES)
    missing = peers.missing(peers.MODULES)
    meta = harness.environment(benchmarks.THREADS, frameworks)
    meta.update({"command": _command(argv), "mode": mode, "missing_peers": missing})
    log(f"glassgrad benchmarks ({mode}): {meta['cpu']}, {benchmarks.THREADS} threads, "
        f"load average {meta['load_average_start']}")
    log("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + (f"; not installed: {', '.join(missing)}" if missing else ""))
    log(f"code: {report.describe_git(meta['git'])}; BLAS: {report.describe_blas(meta['blas'])}")
    meta["gc"]["imported"] = imported
    log(f"gc: {meta['gc']['note']}; also imported: {', '.join(imported) or 'nothing'}")
    t_start = time.perf_counter()
    groups, skipped = [], []
    for name in names:
        mod = cases.load(name)
        settings = mod.SETTINGS[mode]
        if settings is None:
            skipped.append(name)
            log(f"\n-- {mod.TITLE}: not part of --{mode}")
            continue
        log(f"\n-- {mod.TITLE} ...")
        t0 = time.perf_counter()
        try:
            new = mod.run(settings)
        except Exception as e:  # noqa: BLE001  (one broken case must not lose the others)
            traceback.print_exc()
            new = [harness.group(name, name, mod.TITLE, "-",
                                 {"glassgrad": {"error": f"{type(e).__name__}: {e}"[:200]}})]
        for g in new:
            g["ratios"] = harness.ratios(g)
            g["seconds"] = round(time.perf_counter() - t0, 2)
            log(report.console_group(g))
            for t in targets.evaluate([g]):
                log(f"  target: {t['text']}")
        groups += new
    rows = targets.evaluate(groups)
    meta["elapsed_s"] = time.perf_counter() - t_start
    meta["load_average_end"] = harness.loadavg()
    meta["cases_skipped"] = skipped
    result = {"meta": meta, "groups": groups, "targets": rows}
    log("\n" + report.console_targets(rows))
    log(f"\nfinished in {meta['elapsed_s']:.0f} s; load average at the end "
        f"{meta['load_average_end']}")
    return result


def write(result, out, plot):
    os.makedirs(out, exist_ok=True)
    paths = [os.path.join(out, "latest.json"), os.path.join(out, "latest.md")]
    with open(paths[0], "w") as f:
        json.dump(result, f, indent=2)
    with open(paths[1], "w") as f:
        f.write(report.markdown(result))
    if plot:
        p = report.plot(result, os.path.join(out, "latest.png"))
        if p:
            paths.append(p)
    return paths


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    if args.list:
        for name in cases.CASES:
            mod = cases.load(name)
            print(f"{name:<14} {mod.TITLE}" + ("" if mod.SETTINGS["quick"] else "  (not quick)"))
        for name, desc in peers.DESCRIPTIONS.items():
            state = "installed" if peers.load(name) is not None else "not installed"
            print(f"{name:<16} {desc} [{state}]")
        return None
    if args.replot:
        with open(os.path.join(args.out, "latest.json")) as f:
            result = json.load(f)
        paths = write(result, args.out, plot=True)
    else:
        result = run(args, argv)
        paths = write(result, args.out, args.plot)
    print("wrote " + ", ".join(os.path.relpath(p) for p in paths))
    return result


if __name__ == "__main__":
    main()
