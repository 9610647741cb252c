"""Graphs and a headless-Chromium screenshot shared by the viz tests (test-only helpers; the
README's pictures are built by docs/build.py from the README's own code)."""

import os
import subprocess
import tempfile

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import Value, nn
from glassgrad.autograd.graph import retain_grads


def neuron_graph():
    """The sigmoid neuron out = σ(x0·w0 + x1·w1 + w2) with x0=-1, w0=2, x1=-2, w1=-3, w2=-3,
    every node labelled by hand, after backward: out 0.73; w0 -0.20, x0 0.39, w1 -0.39,
    x1 -0.59, w2 0.20."""
    x0, x1 = Value(-1.0, "x0"), Value(-2.0, "x1")
    w0, w1, w2 = Value(2.0, "w0"), Value(-3.0, "w1"), Value(-3.0, "w2")
    x0w0 = x0 * w0
    x0w0.label = "x0*w0"
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    s = x0w0 + x1w1
    s.label = "x0*w0 + x1*w1"
    n = s + w2
    n.label = "n"
    out = n.sigmoid()
    out.label = "out"
    out.backward()
    return out


def mlp_graph():
    """(loss, model): Sequential(Linear(6, 8), ReLU(), Linear(8, 1)) on a seeded batch of 4
    with an MSE loss, backward run inside retain_grads() so intermediates keep their grads."""
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
    x = gg.randn(4, 6)
    x.label = "x"
    y = gg.randn(4, 1)
    y.label = "y"
    with retain_grads():
        loss = F.mse_loss(model(x), y)
        loss.label = "loss"
        loss.backward()
    return loss, model


def headless_flags(profile):
    """Chromium flags for a headless run that touches no network and keeps its profile in
    the throwaway folder ``profile``."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={profile}"]


def screenshot(page, png, step=0, size=(1200, 800), browser="chromium", timeout=30):
    """Save a PNG of the HTML file ``page``, opened at frame ``step``, by headless Chromium;
    returns ``png``."""
    url = "file://" + os.path.abspath(page) + f"#step={int(step)}"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *headless_flags(profile), f"--screenshot={os.path.abspath(png)}",
                        f"--window-size={size[0]},{size[1]}", "--hide-scrollbars", url],
                       check=True, capture_output=True, timeout=timeout)
    return png
