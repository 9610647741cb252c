"""The spread of the medians over several runs of the suite, and the last run as "latest".

    python -m benchmarks.spread benchmarks/results/runs/*/latest.json

Writes results/spread.md: for every measurement and framework, the last run's median and the
lowest and highest median over the runs given. Copies the last run's latest.json, latest.md
and latest.png to results/, so one run is the reference and the others give its spread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

from .report import _num, describe_git

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")


def spread(runs):
    """{(group key, framework): (last median, min of medians, max of medians, n runs)}."""
    out = {}
    for run in runs:
        for g in run["groups"]:
            for name, r in g["results"].items():
                if "median" in r:
                    out.setdefault((g["key"], name), []).append(r["median"])
    last = {(g["key"], n): r.get("median") for g in runs[-1]["groups"]
            for n, r in g["results"].items()}
    return {k: (last.get(k), min(v), max(v), len(v)) for k, v in out.items()}


def markdown(runs, paths):
    last = runs[-1]
    table = spread(runs)
    lines = ["# glassgrad benchmarks: spread over runs", "",
             f"{len(runs)} runs of `{last['meta']['command']}`; the reference is the last one "
             f"({paths[-1]}). \"lowest\" and \"highest\" are the lowest and highest median over "
             "the runs.", "", "| run | date | code | load average at start, end | seconds |",
             "|---|---|---|---|---:|"]
    for p, run in zip(paths, runs):
        m = run["meta"]
        lines.append(f"| {p} | {m['date']} | {describe_git(m.get('git'))} | "
                     f"{m['load_average_start']}, {m.get('load_average_end')} | "
                     f"{m.get('elapsed_s', 0):.0f} |")
    lines += ["", "| case | framework | median (last run) | lowest | highest | unit | runs |",
              "|---|---|---:|---:|---:|---|---:|"]
    for g in last["groups"]:
        for i, name in enumerate(g["results"]):
            if (g["key"], name) not in table:
                continue
            med, lo, hi, n = table[g["key"], name]
            case = g["title"] if i == 0 else ""
            lines.append(f"| {case} | {name} | {_num(med)} | {_num(lo)} | {_num(hi)} | "
                         f"{g['unit']} | {n} |")
    return "\n".join(lines) + "\n"


SHORT = {"scalar_mlp": "Scalar MLP step, Value MLP(2, [16, 16, 1]), 100 points",
         "tensor_mlp": "Tensor MLP step, 784-512-256-10, batch 128",
         "cnn": "CNN step, batch 64, conv8-pool-conv16-pool-linear",
         "per_op.tensor": "Per-op, 1,000-op chain on a (4,) tensor",
         "per_op.value": "Per-op, the same chain on Value",
         "memory.peak": "Peak RSS increase over 200 MLP steps",
         "memory.growth": "RSS growth, step 10 to step 200",
         "deep_graph.tensor": "100,000-op chain, Tensor: build, backward, free",
         "deep_graph.value": "100,000-op chain, Value: build, backward, free"}
UNITS = {"ms/step": "ms", "us/op": "µs/op", "MB": "MB", "s": "s", "s/epoch": "s"}


def readme_table(runs):
    """The README's Performance table: the last run's medians, the range over the runs."""
    table = spread(runs)
    cols = ["glassgrad", "torch", "numpy", "autograd", "micrograd-style"]
    lines = ["| case | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for g in runs[-1]["groups"]:
        title = SHORT.get(g["key"], g["title"])
        unit = UNITS.get(g["unit"], g["unit"])
        cells = []
        for name in cols:
            r = g["results"].get(name)
            if r is None:
                cells.append("")
            elif (g["key"], name) not in table:
                cells.append((r.get("error") or r.get("skipped") or "?").split(":")[0])
            else:
                med, lo, hi, n = table[g["key"], name]
                ratio = g.get("ratios", {}).get(name)
                text = f"{_num(med)} {unit} ({_num(lo)}-{_num(hi)})"
                cells.append(text + (f", {ratio:.2f}x" if ratio else ""))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += ["", "| target | measured (last run) | limit | status |", "|---|---:|---:|---|"]
    for t in runs[-1].get("targets", []):
        lines.append(f"| {t['what']} | {t['measured_text']} | {t['target_text']} | "
                     f"{t['status']} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.spread",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="latest.json of each run, the reference last")
    ap.add_argument("--out", default=RESULTS)
    args = ap.parse_args(argv)
    runs = []
    for p in args.runs:
        with open(p) as f:
            runs.append(json.load(f))
    os.makedirs(args.out, exist_ok=True)
    rel = [os.path.relpath(p) for p in args.runs]
    with open(os.path.join(args.out, "spread.md"), "w") as f:
        f.write(markdown(runs, rel))
        f.write("\n## For the README\n\nEach cell: the last run's median (the lowest and "
                "highest median over the runs), then glassgrad's median divided by the "
                "peer's.\n\n" + readme_table(runs))
    src = os.path.dirname(os.path.abspath(args.runs[-1]))
    for name in ("latest.json", "latest.md", "latest.png"):
        if os.path.exists(os.path.join(src, name)) and src != os.path.abspath(args.out):
            shutil.copyfile(os.path.join(src, name), os.path.join(args.out, name))
    print(f"wrote {os.path.relpath(os.path.join(args.out, 'spread.md'))}")


if __name__ == "__main__":
    main()
