"""Run the course notebooks top to bottom and keep what they showed.

    .venv/bin/python notebooks/run.py                 # every notebook, full mode
    .venv/bin/python notebooks/run.py 08 09           # notebooks whose names start 08, 09
    .venv/bin/python notebooks/run.py --quick         # quick mode, as CI runs them

(``./dev course [args]`` sets up .venv and runs this.) Each notebook runs in a fresh kernel
from notebooks/, as JupyterLab runs it. The executed copy goes to ``runs/notebooks/NAME.ipynb``
(outside notebooks/, which stays clean), every picture it showed to ``runs/notebooks/NAME/``,
and the wall time of each run to ``runs/notebooks/times.json``. A cell that raises stops that
notebook, prints the error and makes the exit code 1; the other notebooks still run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _pictures(nb, folder):
    """Write every image/png the notebook displayed to ``folder``; return how many."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    n = 0
    for i, cell in enumerate(nb.cells):
        for j, out in enumerate(cell.get("outputs", []) if cell.cell_type == "code" else ()):
            png = out.get("data", {}).get("image/png")
            if png:
                (folder / f"cell{i:02d}-{j}.png").write_bytes(base64.b64decode(png))
                n += 1
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    ap.add_argument("--quick", action="store_true", help="quick mode (GLASSGRAD_QUICK=1)")
    ap.add_argument("--out", default=str(REPO / "runs" / "notebooks"),
                    help="folder for the executed copies (default: runs/notebooks)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    args = ap.parse_args(argv)
    import nbclient
    import nbformat

    paths = sorted(HERE.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in args.names)]
        if not paths:
            ap.error(f"no notebook in {HERE} starts with {' or '.join(args.names)}")
    os.environ["GLASSGRAD_QUICK"] = "1" if args.quick else "0"
    shared = REPO.parent / "shared" / "data"
    if (shared / "mnist").is_dir():  # a checkout beside the course's shared/ folder
        os.environ.setdefault("GLASSGRAD_DATA", str(shared))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    times_file = out / "times.json"
    times = json.loads(times_file.read_text()) if times_file.is_file() else {}
    failed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        mode = "quick" if args.quick else "full"
        print(f"{path.name}: running ({mode} mode) ...", flush=True)
        start = time.perf_counter()
        try:
            nbclient.NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                    resources={"metadata": {"path": str(HERE)}}).execute()
        except nbclient.exceptions.CellExecutionError as e:
            failed.append(path.name)
            print(f"{path.name}: FAILED\n{e}", file=sys.stderr)
        seconds = time.perf_counter() - start
        nbformat.write(nb, out / path.name)
        n = _pictures(nb, out / path.stem)
        times[f"{path.stem} ({mode})"] = round(seconds, 1)
        times_file.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
        print(f"{path.name}: {seconds:.0f} s, {n} pictures -> {out / path.name}", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
