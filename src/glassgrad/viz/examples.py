"""The pictures in the README, made from code so they can be regenerated:

    python -c "from glassgrad.viz.examples import write_docs; write_docs('docs')"

- ``neuron``: the classic sigmoid neuron (w0=2, x0=-1, w1=-3, x1=-2, w2=-3) on Values,
  after backward: out 0.73, and the gradients w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20.
- ``mlp``: ``Sequential(Linear(6, 8), ReLU(), Linear(8, 1))`` on a batch of 4 with an MSE
  loss, backward inside ``retain_grads()``, grouped by module, parameters named.
- ``check``: ``check=True`` on a graph with a custom Function whose backward forgot a factor
  of 2: its input is red, the other leaves are green.
- ``neuron_steps.html``: the neuron's forward and backward pass step by step
  (``viz.animate``), and ``neuron_steps.png``, a screenshot of it halfway through backward
  (made with headless Chromium when one is installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..autograd.function import Function
from .animate import animate
from .render import draw_graph

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def neuron_graph():
    """The sigmoid neuron's output Value, after backward."""
    from ..autograd.value import Value

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


def neuron():
    return draw_graph(neuron_graph())


def mlp_graph():
    """(loss, model) for the MLP picture: seeded, after backward inside retain_grads()."""
    from .. import _creation, nn
    from .. import functional as F
    from .. import random as _random
    from ..autograd.graph import retain_grads

    _random.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
    x = _creation.randn(4, 6)
    x.label = "x"
    y = _creation.randn(4, 1)
    y.label = "y"
    with retain_grads():
        loss = F.mse_loss(model(x), y)
        loss.label = "loss"
        loss.backward()
    return loss, model


def mlp():
    loss, model = mlp_graph()
    return draw_graph(loss, params=model)


class Square(Function):
    """out = x ** 2, with a backward that forgot the 2 (on purpose, for the check picture)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # wrong: d(x^2)/dx = 2x


def check():
    from .. import _creation

    a = _creation.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a.label = "a"
    b = _creation.tensor([1.5, 0.25, -0.5], requires_grad=True)
    b.label = "b"

    def fn():
        out = (Square.apply(a) + a * b).sum()
        out.label = "out"
        return out

    out = fn()
    out.backward()
    return draw_graph(out, check=True, fn=fn)


def write_docs(out_dir="docs"):
    """Write neuron, mlp and check pictures as .svg and .png into ``out_dir``; returns the
    paths written."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, make in (("neuron", neuron), ("mlp", mlp), ("check", check)):
        g = make()
        for ext in ("svg", "png"):
            path = os.path.join(out_dir, f"{name}.{ext}")
            data = g.pipe(format=ext)
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
    paths += write_animation(out_dir)
    return paths


def write_animation(out_dir="docs", step=16, size=(1600, 440)):
    """Write ``neuron_steps.html`` into ``out_dir``, and ``neuron_steps.png`` (the page at
    frame ``step``) when a Chromium is installed; returns the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    page = animate(neuron_graph(), os.path.join(out_dir, "neuron_steps.html"))
    paths = [page]
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is not None:
        png = os.path.join(out_dir, "neuron_steps.png")
        screenshot(page, png, step, size, browser)
        paths.append(png)
    return paths


def screenshot(page, png, step=0, size=(1200, 800), browser="chromium", timeout=30):
    """A PNG of the HTML file ``page`` opened at frame ``step``, by headless Chromium."""
    url = "file://" + os.path.abspath(page) + f"#step={int(step)}"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *headless_flags(profile), f"--screenshot={os.path.abspath(png)}",
                        f"--window-size={size[0]},{size[1]}", "--hide-scrollbars", url],
                       check=True, capture_output=True, timeout=timeout)
    return png


def headless_flags(profile):
    """Chromium flags for a quiet, offline, throwaway headless run."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--user-data-dir={profile}"]
