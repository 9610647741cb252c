"""Build the pictures in docs/ from the README's own code, so the two cannot drift apart.

    .venv/bin/python docs/build.py            # rewrites the pictures named below

A picture in README.md is made by the fenced code block that follows a marker comment naming
the files it becomes (paths relative to the repository):

    <!-- picture: docs/neuron.svg docs/neuron.png docs/neuron_steps.html -->
    ```python
    ...
    viz.draw_graph(out).render("neuron", format="png")
    ```

- A ``python`` block's picture is the last graph it draws with ``viz.draw_graph``. The marked
  blocks run in README order in one namespace, as a reader pasting them into one session
  would, each after ``gg.manual_seed(0)`` (the seed a fresh process starts with). They run in
  a scratch folder, so files the block writes itself (``render("neuron")``) land nowhere.
- A ``bash`` block is one ``python -m glassgrad explain ...`` command. It runs through
  glassgrad's command line, with its ``-o`` replaced by each marked path.
- ``.svg``, ``.png`` and ``.pdf`` are rendered by Graphviz, ``.dot`` is the DOT text, and
  ``.html`` is the step-through page (``viz.animate`` with the same arguments). A page also
  gets a screenshot at ``SCREENSHOT_STEP`` beside it (``NAME.png``), made by headless
  Chromium when one is installed.

One picture has no code in the README and is made here, by ``check_picture``: ``check=True``
on a custom Function whose backward forgot a factor of 2 (its input is red, the other leaf
green).

The step-through pages are also shot at 800 px wide, the width of a laptop's half screen,
where their text must stay readable (``STEP_SHOTS``): ``docs/neuron_steps_800.png`` from the
README's neuron page, and ``docs/mlp_steps.png`` from ``docs/mlp_steps.html``, a small
Tensor MLP's page made here by ``mlp_steps_page``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!--\s*picture:\s*(?P<paths>[^>]*?)\s*-->\s*\n"
                    r"```(?P<lang>\w+)\n(?P<code>.*?)^```", re.S | re.M)
GRAPH_FORMATS = ("svg", "png", "pdf")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SCREENSHOT_STEP, SCREENSHOT_SIZE = 16, (1600, 440)
MLP_STEPS = "docs/mlp_steps.html"  # made by mlp_steps_page
# (page, screenshot, step, window size): the step-through pages at 800 px wide
STEP_SHOTS = (("docs/neuron_steps.html", "docs/neuron_steps_800.png", 16, (800, 600)),
              (MLP_STEPS, "docs/mlp_steps.png", 16, (800, 600)))


@dataclass
class Block:
    """A marked README block: the files it becomes, its language, its code and the line of
    its first code line in the README (for error messages)."""
    paths: list
    lang: str
    code: str
    line: int


def marked_blocks(readme_text):
    """Every marked fenced block in the README text, in order."""
    blocks = []
    for m in MARKER.finditer(readme_text):
        line = readme_text.count("\n", 0, m.start("code")) + 1
        paths = m.group("paths").split()
        if not paths:
            raise ValueError(f"README.md:{line - 2}: a picture marker names no file")
        blocks.append(Block(paths, m.group("lang"), m.group("code"), line))
    return blocks


@contextlib.contextmanager
def _scratch_dir():
    """Run the body in a fresh temporary working directory."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="glassgrad-docs-") as tmp:
        os.chdir(tmp)
        try:
            yield tmp
        finally:
            os.chdir(old)


@contextlib.contextmanager
def _recording_draws():
    """Record (graph, root, args, kwargs) of every ``viz.draw_graph`` call made in the body."""
    from glassgrad import viz

    calls, draw = [], viz.draw_graph

    def recorded(root, *args, **kwargs):
        graph = draw(root, *args, **kwargs)
        calls.append((graph, root, args, kwargs))
        return graph

    viz.draw_graph = recorded
    try:
        yield calls
    finally:
        viz.draw_graph = draw


def run_python(block, namespace):
    """Run a python block in ``namespace``; returns (graph, root, args, kwargs) of the last
    graph it drew."""
    import glassgrad as gg

    gg.manual_seed(0)
    code = compile(block.code, f"README.md:{block.line}", "exec")
    with _scratch_dir(), _recording_draws() as calls, contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)
    if not calls:
        raise ValueError(f"README.md:{block.line}: the block marked for {block.paths} draws "
                         "no graph (viz.draw_graph is never called)")
    return calls[-1]


def explain_argv(block):
    """The explain command's arguments in a bash block, without its ``-o``/``--output``."""
    lines = [ln for ln in block.code.splitlines() if ln.strip()]
    words = shlex.split(lines[0], comments=True) if len(lines) == 1 else []
    if "glassgrad" not in words or words[words.index("glassgrad") + 1:][:1] != ["explain"]:
        raise ValueError(f"README.md:{block.line}: a marked bash block must be one "
                         "`python -m glassgrad explain ...` command")
    argv, rest = [], iter(words[words.index("glassgrad") + 1:])
    for word in rest:
        if word in ("-o", "--output"):
            next(rest, None)
        elif not word.startswith("--output="):
            argv.append(word)
    return argv


def write_graph(graph, path):
    """Write a draw_graph result to ``path`` in the format of its suffix."""
    kind = path.suffix.lstrip(".").lower()
    if kind in ("dot", "gv"):
        path.write_text(graph.source, encoding="utf-8")
    elif kind in GRAPH_FORMATS:
        path.write_bytes(graph.pipe(format=kind))
    else:
        raise ValueError(f"{path}: no picture format for {path.suffix!r} "
                         f"(use .dot, .html or one of {GRAPH_FORMATS})")


def build_block(block, namespace, root=REPO, screenshots=True):
    """Make the files one marked block names, under ``root``; returns the paths written."""
    from glassgrad import cli, viz

    targets = [Path(root) / p for p in block.paths]
    for t in targets:
        t.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if block.lang == "bash":
        argv = explain_argv(block)
        for t in targets:
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli.main([*argv, "-o", str(t)])
            if code != 0:
                raise RuntimeError(f"README.md:{block.line}: explain exited with {code}")
            written.append(t)
        return written
    if block.lang != "python":
        raise ValueError(f"README.md:{block.line}: cannot build pictures from a "
                         f"{block.lang!r} block (python or bash)")
    graph, graph_root, args, kwargs = run_python(block, namespace)
    for t in targets:
        if t.suffix == ".html":
            if args:
                raise ValueError(f"README.md:{block.line}: for {t.name}, pass draw_graph's "
                                 "options by keyword (viz.animate takes them so)")
            viz.animate(graph_root, t, **kwargs)
            written.append(t)
            if screenshots:
                written += _screenshot(t)
        else:
            write_graph(graph, t)
            written.append(t)
    return written


def _screenshot(page):
    """``page`` with its ``.png`` suffix, at frame SCREENSHOT_STEP, when Chromium exists."""
    return shoot(page, page.with_suffix(".png"), SCREENSHOT_STEP, SCREENSHOT_SIZE)


def shoot(page, png, step, size):
    """A PNG of the HTML file ``page`` opened at frame ``step`` in a window of ``size``
    (width, height), by headless Chromium: ``[png]``, or ``[]`` when there is no Chromium."""
    browser = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if browser is None:
        print(f"no Chromium found: {png} is left as it was", file=sys.stderr)
        return []
    url = f"{Path(page).resolve().as_uri()}#step={int(step)}"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                        f"--screenshot={Path(png).resolve()}", "--hide-scrollbars",
                        "--virtual-time-budget=3000", "--window-size={},{}".format(*size),
                        url], check=True, capture_output=True, timeout=60)
    return [Path(png)]


def mlp_steps_page(path):
    """Write the step-through page of a small Tensor MLP to ``path``: Sequential(Linear(4, 8),
    ReLU(), Linear(8, 1)) with an MSE loss on a seeded batch of 5, before backward (animate
    runs it), parameters named by ``params=model``."""
    import glassgrad as gg
    import glassgrad.functional as F
    from glassgrad import nn, viz

    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    x = gg.randn(5, 4)
    x.label = "x"
    y = gg.randn(5, 1)
    y.label = "y"
    loss = F.mse_loss(model(x), y)
    loss.label = "loss"
    return viz.animate(loss, path, params=model)


def step_shots(root=REPO, screenshots=True):
    """Write MLP_STEPS, then the 800-px screenshots of STEP_SHOTS whose page exists under
    ``root``; returns the paths written."""
    page = Path(root) / MLP_STEPS
    page.parent.mkdir(parents=True, exist_ok=True)
    mlp_steps_page(page)
    written = [page]
    for html_path, png, step, size in STEP_SHOTS if screenshots else ():
        if (Path(root) / html_path).exists():
            written += shoot(Path(root) / html_path, Path(root) / png, step, size)
    return written


def check_picture():
    """The check picture: ``check=True`` on out = sum(square(a) + a*b), where square's
    backward forgot the 2. a's analytic and numeric gradients differ (red); b's agree."""
    import glassgrad as gg
    from glassgrad import viz

    class Square(gg.autograd.Function):
        """out = x ** 2, with a backward that forgot the 2, on purpose."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # wrong: d(x²)/dx = 2x

    a = gg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a.label = "a"
    b = gg.tensor([1.5, 0.25, -0.5], requires_grad=True)
    b.label = "b"

    def fn():
        out = (Square.apply(a) + a * b).sum()
        out.label = "out"
        return out

    out = fn()
    out.backward()
    return viz.draw_graph(out, check=True, fn=fn)


def build(readme=REPO / "README.md", root=REPO, screenshots=True):
    """Make every picture: the README's marked blocks, the check picture, then the MLP's
    step-through page and the 800-px screenshots. Returns the paths written."""
    blocks = marked_blocks(Path(readme).read_text(encoding="utf-8"))
    namespace = {"__name__": "__readme__"}
    written = []
    for block in blocks:
        written += build_block(block, namespace, root, screenshots)
    graph = check_picture()
    for ext in ("svg", "png"):
        path = Path(root) / "docs" / f"check.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_graph(graph, path)
        written.append(path)
    written += step_shots(root, screenshots)
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--readme", default=str(REPO / "README.md"), help="default: %(default)s")
    p.add_argument("--root", default=str(REPO),
                   help="where the marked paths are written (default: the repository)")
    p.add_argument("--no-screenshots", action="store_true",
                   help="skip the Chromium screenshots of the step-through pages")
    args = p.parse_args(argv)
    for path in build(args.readme, args.root, screenshots=not args.no_screenshots):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
