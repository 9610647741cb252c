"""What some tests need beyond the pip packages, and how to get it. Each marker skips its
tests with a reason that says what is missing and how to install it, so that ``./dev test``
runs everything else as a non-root user or on a machine without apt."""

import shutil
from pathlib import Path

import pytest

DOT = shutil.which("dot")
CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser") if shutil.which(b)),
                None)
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

needs_dot = pytest.mark.skipif(
    DOT is None, reason="Graphviz's dot program is not on PATH (Debian/Ubuntu: apt-get install "
    "graphviz; macOS: brew install graphviz)")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not on PATH as chromium or chromium-browser (Debian: "
    "apt-get install chromium)")
needs_debian_fashion_mnist = pytest.mark.skipif(
    not FASHION_DIR.is_dir(), reason=f"{FASHION_DIR} is absent (Debian: apt-get install "
    "dataset-fashion-mnist)")
