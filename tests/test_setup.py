"""Set-up for everyone: ``./dev`` goes on without root or apt, the suite runs as a non-root
user where dot and Chromium are missing (their tests skip, saying how to get them), and the
package metadata is what pip reads without deprecation banners."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SETPRIV = shutil.which("setpriv")
NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"]
as_nobody = pytest.mark.skipif(
    SETPRIV is None or os.geteuid() != 0,
    reason="needs root and setpriv (util-linux) to run a command as the user nobody")


@pytest.fixture
def open_dir():
    """A folder the user nobody can reach and write (pytest's tmp_path is root's, 0700)."""
    path = Path(tempfile.mkdtemp(prefix="glassgrad-nobody-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _run(argv, env, timeout=120):
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_pyproject_license_is_an_spdx_string_with_its_file():
    """A license table ({text = ...}) makes setuptools print a deprecation banner on every
    install (three times with pip); an SPDX expression and license-files do not."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11+")
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    project = meta["project"]
    assert project["license"] == "MIT"
    assert all((REPO / f).is_file() for f in project["license-files"])
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert any(r.startswith("setuptools>=77") for r in meta["build-system"]["requires"])
    assert project["scripts"]["glassgrad"] == "glassgrad.cli:main"


@as_nobody
def test_dev_goes_on_without_root(open_dir):
    env = {"PATH": os.environ["PATH"], "HOME": str(open_dir)}
    done = _run([SETPRIV, *NOBODY, "bash", "-c",
                 'source ./dev && apt_install "the tests that need them" '
                 'glassgrad-no-such-package && echo went-on'], env)
    assert done.returncode == 0, done.stderr
    assert "went-on" in done.stdout
    assert ("missing system packages: glassgrad-no-such-package (Debian: sudo apt-get install "
            "glassgrad-no-such-package); going on without the tests that need them") \
        in done.stderr


def test_dev_goes_on_without_apt(tmp_path):
    """No dpkg and no apt-get on PATH, as on macOS: every package is reported missing."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("bash", "id"):
        (fake / tool).symlink_to(shutil.which(tool))
    done = _run([str(fake / "bash"), "-c", 'source ./dev && apt_install "the graph pictures" '
                 'graphviz && echo went-on'], {"PATH": str(fake), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "went-on" in done.stdout
    assert "missing system packages: graphviz" in done.stderr


@as_nobody
def test_tests_run_as_nobody_and_skip_what_needs_dot_or_chromium(open_dir):
    """A non-root user whose PATH has neither dot nor Chromium: the graph-picture tests skip
    with a reason naming the package, and the rest pass."""
    fake = open_dir / "bin"
    fake.mkdir()
    for tool in ("git", "bash", "sh"):
        if shutil.which(tool):
            (fake / tool).symlink_to(shutil.which(tool))
    fake.chmod(0o755)
    env = {"PATH": f"{Path(sys.executable).parent}:{fake}", "HOME": str(open_dir),
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    done = _run([SETPRIV, *NOBODY, sys.executable, "-m", "pytest", "-q", "-rs",
                 "-p", "no:cacheprovider", f"--basetemp={open_dir / 'pytest'}",
                 "tests/test_viz_page.py", "tests/test_docs_pictures.py", "tests/test_explain.py",
                 # this machine's Python lives under /root, which nobody cannot search:
                 # setpriv can start it, but tests that spawn it again cannot
                 "-k", "not every_registered_op and not cli_module_entry_point"], env,
                timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert " passed" in out and " skipped" in out
    assert "apt-get install graphviz" in out
