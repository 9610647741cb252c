"""Every notebook in notebooks/ runs top to bottom in a fresh Jupyter kernel (nbclient), in
quick mode (GLASSGRAD_QUICK=1), from notebooks/ as JupyterLab runs it.

One execution per notebook checks everything: no cell raises, nothing is written under
notebooks/ or docs/, nothing goes to stderr, and no output shows an object address. The
selected notebooks run two at a time (one per core, each with one BLAS thread), each through
``notebooks/run.py --quick`` in its own process, before their tests look at the results. A notebook
lists the data sets it needs in its metadata (``"glassgrad": {"needs": ["mnist"]}``); it is
skipped, with the reason, where they cannot be found (MNIST comes from ../shared/data here),
and so is a notebook that draws graphs where Graphviz's dot is missing.
"""

import os
import pathlib
import subprocess
import sys
import time

import pytest

from needs import DOT

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")

REPO = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
SHARED_DATA = REPO.parent / "shared" / "data"


PARALLEL = 2


def _environment():
    env = dict(os.environ, GLASSGRAD_QUICK="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if (SHARED_DATA / "mnist").is_dir() and not env.get("GLASSGRAD_DATA"):
        env["GLASSGRAD_DATA"] = str(SHARED_DATA)
    return env


def _missing(need, env):
    """Why the data set ``need`` cannot be had, or None when it can."""
    code = {"mnist": "load_mnist", "fashion-mnist": "load_fashion_mnist"}.get(need)
    if code is None:
        return f"unknown need {need!r} in the notebook's metadata"
    done = subprocess.run([sys.executable, "-c", f"from glassgrad.data import {code}; "
                           f"{code}(train=False)"], env=env, capture_output=True, text=True,
                          timeout=120)
    if done.returncode:
        last = done.stderr.strip().splitlines()
        return f"{need} is not available: {last[-1] if last else done.returncode}"
    return None


def _skip_reason(path, env, cache):
    nb = nbformat.read(path, as_version=4)
    for need in nb.metadata.get("glassgrad", {}).get("needs", []):
        if need not in cache:
            cache[need] = _missing(need, env)
        if cache[need]:
            return f"{path.name}: {cache[need]}"
    source = "".join(c.source for c in nb.cells if c.cell_type == "code")
    if DOT is None and ("draw_graph" in source or "animate(" in source):
        return (f"{path.name} draws graphs and Graphviz's dot program is not on PATH "
                "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)")
    return None


def _git_status(*paths):
    """``git status --porcelain`` of ``paths`` (untracked files listed one by one), or None
    outside a git checkout. GIT_OPTIONAL_LOCKS=0: status must not rewrite the index."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--",
                               *paths], cwd=REPO, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def _output_texts(nb):
    """Every piece of text the executed notebook shows or stores: streams, errors, and each
    text/* representation of results and displays (text/plain too, under a picture)."""
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else ():
            if o.get("output_type") == "stream":
                yield o["name"], o["text"]
            elif o.get("output_type") == "error":
                yield "error", "\n".join(o.get("traceback", [])) + o.get("evalue", "")
            for mime, data in o.get("data", {}).items():
                if mime.startswith("text/"):
                    yield mime, "".join(data)


@pytest.fixture(scope="session")
def quick_runs(request, tmp_path_factory):
    """{name: result} for every notebook the session selected: ("skip", reason) or
    ("ran", returncode, log, executed notebook, seconds, repository changed)."""
    wanted = [item.callspec.params["path"] for item in request.session.items
              if getattr(item, "originalname", None) == "test_notebook_runs_quickly_and_cleanly"]
    env, cache, results, queue = _environment(), {}, {}, []
    for path in wanted:
        reason = _skip_reason(path, env, cache)
        if reason:
            results[path.name] = ("skip", reason)
        else:
            queue.append(path)
    out = tmp_path_factory.mktemp("notebooks")
    before = _git_status("notebooks", "docs")
    running = []
    while queue or running:
        while queue and len(running) < PARALLEL:
            path = queue.pop(0)
            log = open(out / f"{path.stem}.log", "w+")  # closed when the run ends
            proc = subprocess.Popen([sys.executable, str(REPO / "notebooks" / "run.py"),
                                     "--quick", "--timeout", "300", "--out", str(out),
                                     path.stem], env=env, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=REPO)
            running.append((path, proc, log, time.perf_counter()))
        time.sleep(0.2)
        for entry in [r for r in running if r[1].poll() is not None]:
            path, proc, log, start = entry
            running.remove(entry)
            log.seek(0)
            results[path.name] = ["ran", proc.returncode, log.read(), out / path.name,
                                  time.perf_counter() - start]
            log.close()
    changed = before is not None and _git_status("notebooks", "docs") != before
    for r in results.values():
        if r[0] == "ran":
            r.append(changed)
    return results


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_quickly_and_cleanly(path, quick_runs):
    result = quick_runs[path.name]
    if result[0] == "skip":
        pytest.skip(result[1])
    _, returncode, log, executed, seconds, changed = result
    assert returncode == 0, f"{path.name} failed in quick mode:\n{log[-4000:]}"
    assert not changed, "a notebook wrote into notebooks/ or docs/"
    nb = nbformat.read(executed, as_version=4)
    texts = list(_output_texts(nb))
    assert texts, "the notebook shows nothing"
    errors = [t[:300] for kind, t in texts if kind == "error"]
    assert not errors, errors
    stderr = [t[:300] for kind, t in texts if kind == "stderr"]
    assert not stderr, f"the notebook printed to stderr: {stderr}"
    noisy = [t[:120] for _, t in texts if "at 0x" in t]
    assert not noisy, f"outputs show object addresses: {noisy}"


def test_every_notebook_reads_the_quick_switch():
    """A notebook that ignores GLASSGRAD_QUICK would run in full mode in CI."""
    for path in NOTEBOOKS:
        if path.name.startswith("00-"):
            continue
        src = "".join("".join(c.source) for c in nbformat.read(path, as_version=4).cells)
        assert "GLASSGRAD_QUICK" in src, f"{path.name} has no quick mode"
