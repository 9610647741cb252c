"""Timing and bookkeeping shared by the cases.

``measure`` times the frameworks of a case in blocks, a few rounds of them, so that a drift
in the machine's load hits every framework alike. It does not alternate frameworks sample by
sample: numpy's OpenBLAS threads and torch's OpenMP threads keep spinning for a while after
their last call, and on 2 cores a framework that runs right after another one's BLAS call
measured up to 8x slower (torch's MLP step: 15 ms instead of 1.8 ms). Each block therefore
starts with a pause (``GAP``) and untimed warm-up calls.

Each sample is ``time.perf_counter`` around ``number`` back-to-back calls, divided by
``number``.

Garbage collection (``GC_NOTE``, also written into every result): the collector stays on with
Python's default thresholds, as users run, and nothing is frozen (no ``gc.freeze()``). Before
each block the suite calls ``gc.collect()`` once, outside the timing, so one framework's
garbage is not collected on another's clock. Collections triggered inside a timed call are
timed, so the cost of collecting cyclic graphs is part of what a framework costs.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

GAP = 0.3  # seconds of idle before each block: other thread pools stop spinning
GC_NOTE = ("garbage collector on with Python's default thresholds, nothing frozen; "
           "gc.collect() once before each block, outside the timing")


def stats(samples, scale=1.0):
    """median, min, max and n of ``samples`` (multiplied by ``scale``)."""
    xs = [s * scale for s in samples]
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def _describe(e):
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text}"[:160] if text else type(e).__name__


def measure(fns, warmup, repeats, number=1, scale=1.0, rounds=1):
    """Time each callable in ``fns`` ({name: fn}); returns {name: stats or {"error": ...}}.

    The repeats are split over ``rounds``. In each round every framework runs one block
    (in a rotated order): a pause of ``GAP`` seconds, ``warmup`` untimed calls, then its
    share of the timed samples. A framework whose call raises gets its error recorded and
    drops out of the remaining rounds.
    """
    names = list(fns)
    results, samples = {}, {name: [] for name in names}
    shares = [repeats // rounds + (1 if i < repeats % rounds else 0) for i in range(rounds)]
    for r, count in enumerate(shares):
        k = r % max(len(names), 1)
        for name in names[k:] + names[:k]:
            if name in results:
                continue
            fn = fns[name]
            gc.collect()  # the previous block's garbage is not collected on this one's clock
            if len(names) > 1:
                time.sleep(GAP)
            try:
                for _ in range(warmup):
                    fn()
                for _ in range(count):
                    t0 = time.perf_counter()
                    for _ in range(number):
                        fn()
                    samples[name].append((time.perf_counter() - t0) / number)
            except Exception as e:  # noqa: BLE001  (a peer failing is a result, not a crash)
                results[name] = {"error": _describe(e)}
    for name in names:
        if name not in results:
            results[name] = stats(samples[name], scale)
    return {name: results[name] for name in names}


def import_usual_libraries():
    """Import what a user's training process usually has loaded (matplotlib's pyplot; torch
    comes with its peer), so that every case runs among as many live objects as users' code
    does: the garbage collector's full passes scan all of them. Returns the names imported."""
    done = []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

        done.append("matplotlib.pyplot")
    except ImportError:
        pass
    return done


def run_once(fn):
    """Call ``fn``; return (result, None) or (None, error text)."""
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001
        return None, _describe(e)


def as_float(x):
    """A loss from any framework as a Python float."""
    if hasattr(x, "item"):
        return float(x.item())
    return float(getattr(x, "data", x))


def group(case, key, title, unit, results, notes=(), reference="glassgrad", **extra):
    """One table of the report: every framework's figures for one measurement."""
    return {"case": case, "key": key, "title": title, "unit": unit, "reference": reference,
            "results": results, "notes": list(notes), **extra}


def ratios(g):
    """glassgrad's median divided by each peer's: above 1 means glassgrad is slower."""
    if not g.get("show_ratios", True):
        return {}
    ref = g["results"].get(g["reference"], {})
    out = {}
    for name, r in g["results"].items():
        if name == g["reference"] or "median" not in r or "median" not in ref:
            continue
        out[name] = ref["median"] / r["median"] if r["median"] else None
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(threads, frameworks):
    """Versions, threads, CPU and date: recorded with every run."""
    import numpy as np

    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for name, mod in frameworks.items():
        if name != "numpy" and mod.version() != "reference":
            versions[name] = mod.version()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": versions,
        "threads": threads,
        "thread_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS",
                                                      "OPENBLAS_NUM_THREADS",
                                                      "MKL_NUM_THREADS")},
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "load_average_start": _loadavg(),
        "git": git_state(),
        "blas": numpy_blas(),
        "gc": {"enabled": gc.isenabled(), "thresholds": list(gc.get_threshold()),
               "frozen": False, "note": GC_NOTE},
    }


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _git(*args):
    out = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        raise OSError(out.stderr.strip() or f"git {args[0]} failed")
    return out.stdout.strip()


def git_state():
    """The commit the run measured, and whether the working tree differed from it."""
    try:
        commit = _git("rev-parse", "HEAD")
        changed = [line[3:] for line in _git("status", "--porcelain",
                                             "--untracked-files=no").splitlines()]
    except (OSError, subprocess.SubprocessError) as e:
        return {"commit": None, "dirty": None, "error": str(e)[:160]}
    return {"commit": commit, "dirty": bool(changed), "changed_files": changed}


def numpy_blas():
    """The BLAS numpy was built against, from ``numpy.show_config(mode="dicts")``."""
    import numpy as np

    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]
    except (TypeError, KeyError):  # numpy 1.x prints its config and returns None
        return {"name": "unknown (numpy.show_config has no dicts mode)"}
    blas = deps.get("blas", {})
    out = {"name": blas.get("name"), "version": blas.get("version"),
           "config": blas.get("openblas configuration")}
    try:  # the BLAS actually loaded and its thread count, where threadpoolctl is installed
        import threadpoolctl

        out["loaded"] = [{k: p.get(k) for k in ("internal_api", "version", "num_threads")}
                         for p in threadpoolctl.threadpool_info()
                         if p.get("user_api") == "blas"]
    except ImportError:
        pass
    return out


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def loadavg():
    return _loadavg()
