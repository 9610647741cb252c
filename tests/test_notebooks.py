"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel (nbclient)."""

import os
import pathlib
import subprocess

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed")

REPO = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


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
def test_notebook_leaves_no_files_and_prints_no_noise(path):
    """Run in notebooks/, as JupyterLab runs it: no file appears or changes under notebooks/
    or docs/, nothing goes to stderr, and no output shows an object address ("at 0x")."""
    before = _git_status("notebooks", "docs")
    if before is None:
        pytest.skip("not a git checkout")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    assert _git_status("notebooks", "docs") == before, "the notebook wrote into the repository"
    texts = list(_output_texts(nb))
    assert texts, "the notebook shows nothing"
    assert not [t for kind, t in texts if kind == "stderr"], "the notebook printed to stderr"
    noisy = [t[:120] for _, t in texts if "at 0x" in t]
    assert not noisy, f"outputs show object addresses: {noisy}"
