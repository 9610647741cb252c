"""Case 5, memory: the peak RSS increase over 200 steps of the Tensor MLP (case 2), each
framework in a fresh subprocess so that peaks never mix, and the RSS after step 10 against
the RSS after the last step (growth from step to step).

In the worker the peak is reset just before the first step (``/proc/self/clear_refs``), so
the import and set-up peaks do not count; where that is impossible the worker falls back to
``ru_maxrss`` and says so. For glassgrad the worker also checks that every op's saved arrays
are released by backward, that a step's graph is freed by reference counting alone (with the
cyclic collector off), and how many MB of activations a live ``loss`` still keeps reachable.

    python -m benchmarks.cases.memory --worker glassgrad --steps 200   # one measurement
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time

from .. import peers, workloads
from ..harness import group, stats

TITLE = "Memory"
SETTINGS = {
    "full": {"steps": 200, "trials": 3, "batch": 128, "sizes": workloads.MLP_SIZES},
    "quick": {"steps": 200, "trials": 1, "batch": 128, "sizes": workloads.MLP_SIZES},
    "smoke": {"steps": 12, "trials": 1, "batch": 8, "sizes": (20, 16, 12, 10)},
}
FRAMEWORKS = ("glassgrad", "numpy", "torch", "autograd")
GROWTH_STEP = 10
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ------------------------------------------------------------------------------- the worker
def _status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak():
    """Reset the kernel's peak-RSS mark; returns the method used to read the peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        _status_mb("VmHWM")
        return "VmHWM after clear_refs"
    except OSError:
        return "ru_maxrss (includes import-time peaks)"


def _peak_mb(method):
    if method.startswith("VmHWM"):
        return _status_mb("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb():
    try:
        return _status_mb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _glassgrad_checks(step):
    """Is the graph released by backward and freed by refcounting alone?"""
    import weakref

    from glassgrad.autograd.graph import toposort

    gc.collect()
    gc.disable()
    try:
        loss = step()
        nodes = [n for n in toposort(loss) if n.grad_fn is not None]
        released = all(not n.grad_fn.saved for n in nodes)
        held = sum(n.data.nbytes for n in nodes) / 2**20
        refs = [weakref.ref(n) for n in nodes]
        del loss, nodes
        freed = all(r() is None for r in refs)
    finally:
        gc.enable()
    return {"saved_released": released, "graph_freed_by_refcount": freed,
            "held_by_live_loss_mb": round(held, 3)}


def worker(name, steps, sizes, batch):
    from .tensor_mlp import build

    step = build({"sizes": sizes, "batch": batch}, (name,))[name]
    gc.collect()
    base = _rss_mb()
    method = _reset_peak()
    t0 = time.perf_counter()
    rss_early = None
    for i in range(1, steps + 1):
        loss = step()
        if i == GROWTH_STEP:
            rss_early = _rss_mb()
    seconds = time.perf_counter() - t0
    rss_last, peak = _rss_mb(), _peak_mb(method)
    del loss
    out = {"framework": name, "steps": steps, "baseline_mb": base, "peak_mb": peak,
           "peak_increase_mb": peak - base, f"rss_after_step_{GROWTH_STEP}_mb": rss_early,
           "rss_after_last_mb": rss_last,
           "growth_mb": None if rss_early is None else rss_last - rss_early,
           "method": method, "seconds": seconds}
    if name == "glassgrad":
        out.update(_glassgrad_checks(step))
    return out


# ------------------------------------------------------------------------------- the case
def _spawn(name, s):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks.cases.memory", "--worker", name,
           "--steps", str(s["steps"]), "--batch", str(s["batch"]),
           "--sizes", ",".join(map(str, s["sizes"]))]
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"worker exited with {p.returncode}: {tail}"[:200]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run(s):
    names = list(peers.available(FRAMEWORKS))
    trials = {name: [] for name in names}
    errors = {}
    for _ in range(s["trials"]):
        for name in names:
            if name in errors:
                continue
            r = _spawn(name, s)
            if "error" in r:
                errors[name] = r
            else:
                trials[name].append(r)
    peak, growth = {}, {}
    for name in names:
        if name in errors:
            peak[name] = growth[name] = errors[name]
            continue
        rows = trials[name]
        peak[name] = stats([r["peak_increase_mb"] for r in rows])
        peak[name]["baseline_mb"] = rows[-1]["baseline_mb"]
        peak[name]["method"] = rows[-1]["method"]
        for key in ("saved_released", "graph_freed_by_refcount", "held_by_live_loss_mb"):
            if key in rows[-1]:
                peak[name][key] = rows[-1][key]
        gs = [r["growth_mb"] for r in rows if r["growth_mb"] is not None]
        growth[name] = stats(gs) if gs else {"error": "fewer steps than the growth check"}
        growth[name]["rss_after_last_mb"] = rows[-1]["rss_after_last_mb"]
    sizes = "-".join(map(str, s["sizes"]))
    what = f"{s['steps']} steps of the {sizes} MLP, batch {s['batch']}"
    return [
        group("memory", "memory.peak", f"Memory: peak RSS increase over {what}", "MB", peak,
              [f"each framework in a fresh subprocess, {s['trials']} trial(s); the baseline "
               "is the RSS after building the model, before the first step"]),
        group("memory", "memory.growth",
              f"Memory: RSS after step {s['steps']} minus RSS after step {GROWTH_STEP}", "MB",
              growth, ["growth from step to step; about 0 when nothing leaks"],
              show_ratios=False),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", required=True, choices=sorted(peers.MODULES))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--sizes", default=",".join(map(str, workloads.MLP_SIZES)))
    args = ap.parse_args(argv)
    sizes = tuple(int(v) for v in args.sizes.split(","))
    print(json.dumps(worker(args.worker, args.steps, sizes, args.batch)))


if __name__ == "__main__":
    main()
