"""The step-through page as a reader meets it: at 800 px wide in headless Chromium its text
stays readable (the picture pans and zooms instead of shrinking), ``#step=k`` shows step k
with its node in view, for the scalar neuron and for a Tensor MLP; and in Jupyter
``viz.animate`` displays itself inline, next to inline graphs and explain tables."""

import html
import json
import re
import subprocess

import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import Value, nn, viz
from needs import CHROMIUM, needs_chromium, needs_dot
from viz_helpers import headless_flags

pytestmark = needs_dot


def neuron():
    """The sigmoid neuron with only its inputs labelled (the README's code), before backward."""
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    return (w0 * x0 + w1 * x1 + w2).sigmoid()


def mlp():
    """(loss, model): Sequential(Linear(4, 8), ReLU(), Linear(8, 1)) with an MSE loss on a
    seeded batch of 5, before backward."""
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = F.mse_loss(model(gg.randn(5, 4)), gg.randn(5, 1))
    return loss, model


def frames(page):
    raw = re.search(r'<script id="frames" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{name: (path, page text)} for the neuron and the MLP."""
    folder = tmp_path_factory.mktemp("pages")
    loss, model = mlp()
    out = {}
    for name, made in (("neuron", lambda p: viz.animate(neuron(), p)),
                       ("mlp", lambda p: viz.animate(loss, p, params=model))):
        path = folder / f"{name}.html"
        made(path)
        out[name] = path, path.read_text(encoding="utf-8")
    return out


# ------------------------------------------------------------------------ Tensor captions
def test_mlp_steps_use_the_names_drawn_and_one_line_stats():
    loss, model = mlp()
    dot = viz.draw_graph(loss, params=model).source
    fr = frames(viz.animate(loss, params=model).html)
    assert len(fr) == 1 + 10 + 8  # the inputs x and y need no gradient
    caps = [f["caption"] for f in fr]
    assert all("\n" not in f["caption"] + f["detail"] for f in fr)
    assert caps[4] == ("forward: linear1 = linear(x1, 0.weight, 0.bias) = (5, 8) mean 0.04 "
                       "in [-1.68, 1.18]")
    assert caps[10].startswith("forward: mse_loss1 = mse_loss(linear2, x2) = ")
    # every name a caption uses is the one drawn in the picture
    for name in ("x1", "0.weight", "0.bias", "linear1", "relu1", "2.weight", "linear2",
                 "mse_loss1"):
        assert re.search(rf"<b>{re.escape(name)}</b>|[>\"]{re.escape(name)}[ <\"]", dot), name
    # a big array's factor shows its shape; the detail keeps its statistics
    relu = next(f for f in fr if f["caption"].startswith("backward: dmse_loss1/dlinear1 ="))
    assert relu["caption"].endswith("(upstream × local = (5, 8) array × (5, 8) array)")
    assert "local drelu1/dlinear1 = [x > 0] = (5, 8) mean 0.55" in relu["detail"]
    assert len(max(caps, key=len)) <= 130  # at most two lines at 800 px


# ------------------------------------------------------------------------ Jupyter
def test_animate_returns_the_path_and_displays_inline(pages, tmp_path):
    out = neuron()
    path = tmp_path / "n.html"
    got = viz.animate(out, path)
    assert isinstance(got, str) and got == str(path) and got.path == str(path)
    assert got.html == path.read_text(encoding="utf-8")
    shown = got._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="[^"]*" sandbox="allow-scripts" '
                          r'style="[^"]*"></iframe>', shown)
    assert srcdoc, shown[:200]
    assert html.unescape(srcdoc.group(1)) == got.html  # the whole page, escaped
    assert "forward: w0 = 2.00" in html.unescape(shown)  # its step data
    assert "http://" not in shown and "https://" not in shown and " src=" not in shown
    assert repr(got) == f"<Animation: 20 steps, written to {str(path)!r}>"


def test_animate_without_a_path_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loss, model = mlp()
    got = viz.animate(loss, params=model)
    assert got.path is None and str(got) == got.html and got.html.startswith("<!DOCTYPE html>")
    assert list(tmp_path.iterdir()) == []
    assert repr(got) == "<Animation: 18 steps, not written; .save(path) writes it>"
    saved = got.save(tmp_path / "mlp.html")
    assert saved == str(tmp_path / "mlp.html") and saved.html == got.html
    assert (tmp_path / "mlp.html").read_text(encoding="utf-8") == got.html


def test_a_notebook_shows_graphs_tables_and_pages_inline(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "from glassgrad import Value, viz\n"
        "x, w = Value(-2.0, label='x'), Value(3.0, label='w')\n"
        "out = (x * w).tanh()\nout.label = 'out'",
        "viz.draw_graph(out)",
        "viz.explain(out, print=False)",
        "viz.animate(out)")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    graph, table, page = ([o for o in c.outputs if o["output_type"] == "execute_result"][0]
                          for c in nb.cells[1:])
    assert "<svg" in graph["data"]["image/svg+xml"]
    assert "<pre" in table["data"]["text/html"] and "out" in table["data"]["text/html"]
    shown = page["data"]["text/html"]
    assert shown.startswith("<iframe srcdoc=") and "backward: dout/dx = " in shown
    assert "http://" not in shown and "https://" not in shown
    assert page["data"]["text/plain"].startswith("<Animation: ")
    assert list(tmp_path.iterdir()) == []  # displayed, not written


# ------------------------------------------------------------------------ in Chromium
def load(path, hash_, tmp_path, size=(800, 600)):
    """(body attributes, dumped DOM) of the page opened at ``#hash_`` in a window of
    ``size``, after its script ran without an error (the console goes to stderr)."""
    done = subprocess.run(
        [CHROMIUM, *headless_flags(str(tmp_path / "profile")), "--window-size={},{}".format(*size),
         "--virtual-time-budget=3000", "--enable-logging=stderr", "--dump-dom",
         f"file://{path}#{hash_}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    body = re.search(r"<body\b([^>]*)>", done.stdout).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body)), done.stdout


def smallest_font(page):
    """The smallest font size in the page's picture, in Graphviz points (SVG units)."""
    return min(float(v) for v in re.findall(r'<text\b[^>]*\bfont-size="([\d.]+)"', page))


def text_of(dom, id_):
    return html.unescape(re.search(rf'id="{id_}">(.*?)</', dom, re.S).group(1))


@needs_chromium
@pytest.mark.parametrize("name, step", [("neuron", 5), ("neuron", 16), ("mlp", 4), ("mlp", 16)])
def test_at_800px_text_is_readable_and_the_step_is_in_view(pages, name, step, tmp_path):
    path, page = pages[name]
    attrs, dom = load(path, f"step={step}", tmp_path)
    assert attrs["data-step"] == str(step)
    assert float(attrs["data-text-px"]) >= 10, attrs  # not shrunk to the window
    assert attrs["data-hot-in-view"] == "1", attrs  # the step's node was scrolled to
    assert text_of(dom, "caption") == frames(page)[step]["caption"]
    if name == "mlp":  # too big for 800 px: shown at its own size, to pan
        assert attrs["data-zoom"] == "1.000"
        # one point of the picture is drawn as 4/3 CSS px, as Graphviz means it
        assert float(attrs["data-text-px"]) == pytest.approx(smallest_font(page) * 4 / 3,
                                                             abs=0.05)


@needs_chromium
def test_fit_zooms_out_and_the_page_measures_what_it_draws(pages, tmp_path):
    path, page = pages["mlp"]
    attrs, dom = load(path, "step=16&zoom=fit", tmp_path)
    zoom = float(attrs["data-zoom"])
    assert 0.1 < zoom < 0.5  # 2411 px wide in a ~770 px viewport
    assert float(attrs["data-text-px"]) == pytest.approx(smallest_font(page) * 4 / 3 * zoom,
                                                         abs=0.05)
    assert text_of(dom, "zoomlevel") == f"{round(zoom * 100)}%"
    attrs, _ = load(path, "step=16&zoom=2", tmp_path, size=(800, 1000))
    assert attrs["data-zoom"] == "2.000" and attrs["data-hot-in-view"] == "1"
    assert float(attrs["data-text-px"]) == pytest.approx(smallest_font(page) * 4 / 3 * 2,
                                                         abs=0.05)
