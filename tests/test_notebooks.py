"""Every notebook in notebooks/ runs top to bottom in a fresh Jupyter kernel (nbclient), in
quick mode (GLASSGRAD_QUICK=1), from notebooks/ as JupyterLab runs it.

One execution per notebook checks everything: no cell raises, nothing is written under
notebooks/ or docs/, nothing goes to stderr, and no output shows an object address. A notebook
lists the data sets it needs in its metadata (``"glassgrad": {"needs": ["mnist"]}``); it is
skipped, with the reason, where they cannot be found (MNIST comes from ../shared/data here),
and so is a notebook that draws graphs where Graphviz's dot is missing.
"""

import os
import pathlib
import subprocess

import pytest

from needs import DOT

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")

REPO = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
SHARED_DATA = REPO.parent / "shared" / "data"


def _missing(need):
    """Why the data set ``need`` cannot be had, or None when it can."""
    from glassgrad.data import load_fashion_mnist, load_mnist

    loader = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}.get(need)
    if loader is None:
        return f"unknown need {need!r} in the notebook's metadata"
    try:
        loader(train=False)
    except FileNotFoundError as e:
        return f"{need} is not available: {str(e).splitlines()[0]}"
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_quickly_and_cleanly(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    if (SHARED_DATA / "mnist").is_dir() and not os.environ.get("GLASSGRAD_DATA"):
        monkeypatch.setenv("GLASSGRAD_DATA", str(SHARED_DATA))
    for need in nb.metadata.get("glassgrad", {}).get("needs", []):
        reason = _missing(need)
        if reason:
            pytest.skip(f"{path.name}: {reason}")
    source = "".join(c.source for c in nb.cells if c.cell_type == "code")
    if DOT is None and ("draw_graph" in source or "animate(" in source):
        pytest.skip(f"{path.name} draws graphs and Graphviz's dot program is not on PATH "
                    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)")
    monkeypatch.setenv("GLASSGRAD_QUICK", "1")
    before = _git_status("notebooks", "docs")
    # raises CellExecutionError, naming the cell and its traceback, on any error
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    if before is not None:
        assert _git_status("notebooks", "docs") == before, "the notebook wrote into the repository"
    texts = list(_output_texts(nb))
    assert texts, "the notebook shows nothing"
    errors = [t[:300] for kind, t in texts if kind == "error"]
    assert not errors, errors
    stderr = [t[:300] for kind, t in texts if kind == "stderr"]
    assert not stderr, f"the notebook printed to stderr: {stderr}"
    noisy = [t[:120] for _, t in texts if "at 0x" in t]
    assert not noisy, f"outputs show object addresses: {noisy}"

