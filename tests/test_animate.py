"""viz.animate: the step-through page. Its frames, captions and tags, how it gets gradients
(Value and Tensor graphs), the size limit, and the page itself in headless Chromium."""

import json
import re
import struct
import subprocess

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import Value, viz
from glassgrad.autograd.graph import retain_grads
from glassgrad.viz.animate import animation_html
from needs import CHROMIUM, needs_chromium, needs_dot
from viz_helpers import headless_flags, mlp_graph, neuron_graph, screenshot

pytestmark = needs_dot

TAG = re.compile(r'<text\b[^>]*\bdata-show="(\d+)"[^>]*>', re.S)


def frames(page):
    raw = re.search(r'<script id="frames" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def shows(page, kind):
    """Frame numbers of the tagged texts of one kind ("value" or "grad"), in page order."""
    return [int(m.group(1)) for m in TAG.finditer(page) if f'class="gg-{kind}"' in m.group(0)]


def fresh_neuron():
    """The sigmoid neuron before backward."""
    x0, x1 = Value(-1.0, "x0"), Value(-2.0, "x1")
    w0, w1, w2 = Value(2.0, "w0"), Value(-3.0, "w1"), Value(-3.0, "w2")
    out = (x0 * w0 + x1 * w1 + w2).sigmoid()
    out.label = "out"
    return out, (x0, w0, x1, w1, w2)


@pytest.fixture(scope="module")
def neuron_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("anim") / "neuron.html"
    assert viz.animate(neuron_graph(), path) == str(path)
    return path, path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ the page
def test_page_loads_nothing_from_elsewhere(neuron_page):
    _, page = neuron_page
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link\b", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<svg") == 1  # the picture is inline


def test_the_picture_keeps_its_own_size_and_the_page_pans_and_zooms(neuron_page):
    _, page = neuron_page
    svg = re.search(r"<svg\b[^>]*>", page).group(0)
    width, height = (float(re.search(rf'\b{k}="([\d.]+)"', svg).group(1))
                     for k in ("width", "height"))
    box = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
    # 100% draws one Graphviz point as 4/3 CSS px: 14-px text for an 11-pt font
    assert width == pytest.approx(box[2] * 4 / 3, abs=1) and height == pytest.approx(
        box[3] * 4 / 3, abs=1)
    assert f'data-w="{width:.2f}" data-h="{height:.2f}"' in page
    css = re.search(r"#graph svg \{([^}]*)\}", page).group(1)
    assert "width" not in css and "max-" not in css  # nothing shrinks it to the window
    for control in ('id="zoomin"', 'id="zoomout"', 'id="fit"', 'id="actual"', 'id="view"',
                    '"wheel"', '"pointermove"', "ArrowRight", "Home", "End"):
        assert control in page, control


def test_frames_forward_then_backward(neuron_page):
    _, page = neuron_page
    fr = frames(page)
    assert len(fr) == 1 + 10 + 10  # start, 10 values, 10 gradients
    assert [f["phase"] for f in fr] == ["start"] + ["forward"] * 10 + ["backward"] * 10
    values, grads = shows(page, "value"), shows(page, "grad")
    assert sorted(values) == list(range(1, 11))  # one value per node, in topological order
    assert sorted(grads) == list(range(11, 21))
    # frame 0 shows no value; the last frame shows every gradient
    assert min(values + grads) > 0 and max(values + grads) == len(fr) - 1
    # node i (topological) shows its value at frame i + 1 and its gradient at frame 20 - i
    pairs = [(int(v), int(g)) for v, g in zip(values, grads)]
    assert all(v + g == 21 for v, g in pairs), pairs
    assert fr[0]["counter"] == "step 0 / 20"
    assert fr[20]["counter"] == "step 20 / 20 · backward 10/10"


def test_captions_say_what_each_step_computes(neuron_page):
    _, page = neuron_page
    caps = [f["caption"] for f in frames(page)]
    assert caps[1] == "forward: x0 = -1.00"
    assert caps[3] == "forward: x0*w0 = x0 * w0 = (-1.00) * 2.00 = -2.00"
    assert caps[9] == "forward: n = (x0*w0 + x1*w1) + w2 = 4.00 + (-3.00) = 1.00"
    assert caps[10] == "forward: out = sigmoid(n) = sigmoid(1.00) = 0.73"
    assert caps[11] == "backward: dout/dout = 1.00 (the seed)"
    assert caps[12] == "backward: dout/dn = 0.20 (upstream × local = 1.00 × 0.20)"
    assert caps[16] == "backward: dout/dw1 = -0.39 (upstream × local = 0.20 × (-2.00))"
    assert caps[20] == "backward: dout/dx0 = 0.39 (upstream × local = 0.20 × 2.00)"


def test_the_current_node_and_its_edges_are_highlighted(neuron_page):
    _, page = neuron_page
    fr = frames(page)
    assert fr[3]["hot"] == ["n2", "o2", "o2-n2", "n0-o2", "n1-o2"]  # x0*w0 from x0 and w0
    assert fr[12]["hot"] == ["n8", "n8-o9", "o9", "o9-n9", "n9"]  # dout/dn from out
    for key in ("n2", "o2", "o2-n2", "n0-o2"):
        assert f'data-k="{key}"' in page


def test_a_node_used_twice_sums_both_uses():
    a = Value(3.0, "a")
    out = a * a
    out.label = "out"
    fr = frames(animation_html(out))
    assert fr[-1]["caption"] == "backward: dout/da = 6.00 (upstream × local = 1.00 × 3.00 + " \
                                "1.00 × 3.00)"


def test_value_graph_without_backward_gets_one():
    out, leaves = fresh_neuron()
    assert all(v.grad == 0 for v in leaves)
    page = animation_html(out)
    assert [round(v.grad, 2) for v in leaves] == [0.39, -0.2, -0.59, -0.39, 0.2]
    assert "grad -0.39" in page
    assert len(frames(page)) == 21


def test_check_rows_appear_with_the_gradient():
    out, _ = fresh_neuron()
    page = animation_html(out, check=True)
    numeric = [m for m in TAG.finditer(page) if "numeric" in page[m.end(): m.end() + 10]]
    assert len(numeric) == 5  # the five leaves
    assert all(int(m.group(1)) > 10 for m in numeric)  # backward frames


# ------------------------------------------------------------------------ Tensor graphs
def small_tensor_graph():
    gg.manual_seed(0)
    w = gg.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    w.label = "w"
    x = gg.tensor([1.0, -2.0])
    x.label = "x"
    h = (w @ x).tanh()
    h.label = "h"
    loss = (h * h).sum()
    loss.label = "loss"
    return loss, w, h


def test_tensor_graph_without_backward_runs_it_keeping_every_gradient():
    loss, w, h = small_tensor_graph()
    page = animation_html(loss)
    assert w.grad is not None and h.grad is not None  # backward ran inside retain_grads()
    np.testing.assert_allclose(h.grad.data, 2 * h.data, rtol=1e-6)
    fr = frames(page)
    # nodes: w, x, w@x, h, h*h, loss; x needs no gradient
    assert len(fr) == 1 + 6 + 5
    caps = [f["caption"] for f in fr]
    assert caps[2] == "forward: x = [1.00, -2.00]"
    assert caps[3].startswith("forward: matmul1 = w @ x = [")  # its name in the picture
    hcap = next(c for c in caps if c.startswith("backward: dloss/dh"))
    assert "upstream × local" in hcap and "+" in hcap  # h * h: two uses
    assert sorted(shows(page, "grad"))[0] == 7 and max(shows(page, "value")) == 6


def test_tensor_graph_after_plain_backward_says_to_use_retain_grads():
    loss, _, _ = small_tensor_graph()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_grads"):
        animation_html(loss)


def test_tensor_graph_freed_after_retain_grads_still_animates():
    loss, _, _ = small_tensor_graph()
    with retain_grads():
        loss.backward()
    fr = frames(animation_html(loss))
    assert len(fr) == 12
    assert "saved arrays were freed" in fr[-2]["detail"]


def test_root_that_needs_no_grad_is_refused():
    x = gg.tensor([1.0, 2.0]).sum()
    with pytest.raises(ValueError, match="does not require grad"):
        animation_html(x)
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"one element .* shape \(2,\)"):
        animation_html(w * 2)
    with pytest.raises(TypeError, match="Tensor or a Value"):
        animation_html([w])


def test_mlp_with_named_parameters_and_rules():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.ReLU(), gg.nn.Linear(4, 1))
    loss = gg.nn.functional.mse_loss(model(gg.randn(5, 3)), gg.randn(5, 1))
    loss.label = "loss"
    page = animation_html(loss, params=model)
    fr = frames(page)
    caps = [f["caption"] for f in fr]
    assert "0.weight is a parameter" in " ".join(f["detail"] for f in fr)
    assert any(c.startswith("backward: dloss/d0.weight = (4, 3) mean") and
               c.endswith("(linear rule: gradᵀ @ x)") for c in caps)
    assert len(fr) == 1 + 10 + 8  # the inputs x and y need no gradient
    assert sorted(set(shows(page, "value"))) == list(range(1, 11))


def test_mlp_after_backward_in_retain_grads():
    loss, model = mlp_graph()  # the graph's saved arrays are freed
    fr = frames(animation_html(loss, params=model))
    assert len(fr) == 1 + 10 + 8
    assert fr[-1]["caption"].endswith("(sum over its uses of upstream × local)")


# ------------------------------------------------------------------------ big graphs
def chain(n):
    v = Value(0.5, "v0")
    for _ in range(n):
        v = (v * 1.01).tanh()
    v.label = "out"
    return v


def test_big_graphs_are_refused_with_a_way_out():
    with pytest.raises(ValueError, match=r"limit=200.*depth=1.*max_nodes"):
        animation_html(chain(100))  # 401 nodes


def test_elided_nodes_get_no_frames():
    page = animation_html(chain(100), max_nodes=30)
    drawn = len(set(shows(page, "value")))
    assert 3 <= drawn <= 30
    assert len(frames(page)) == 1 + 2 * drawn
    assert "… " in page  # the elision marker is drawn


# ------------------------------------------------------------------------ in a browser
def chromium(*args, profile):
    done = subprocess.run([CHROMIUM, *headless_flags(str(profile)), *args],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visible(dom):
    """{frame number: [visible?]} of the tagged texts in a dumped DOM."""
    out = {}
    for m in TAG.finditer(dom):
        out.setdefault(int(m.group(1)), []).append("visibility: visible" in m.group(0))
    return out


@needs_chromium
def test_chromium_steps_to_the_frame_in_the_url(neuron_page, tmp_path):
    path, _ = neuron_page
    dom = chromium("--dump-dom", f"file://{path}#step=5", profile=tmp_path / "p")
    assert 'id="counter">step 5 / 20 · forward 5/10<' in dom
    assert 'id="caption">forward: w1 = -3.00<' in dom
    seen = visible(dom)
    assert all(seen[k] == [True] for k in range(1, 6))  # x0, w0, x0*w0, x1, w1
    assert all(seen[k] == [False] for k in range(6, 21))  # later values, every gradient
    assert re.search(r'data-show="5"[^>]*class="gg-value fresh"[^>]*>data -3\.00<', dom)

    dom = chromium("--dump-dom", f"file://{path}#step=20", profile=tmp_path / "p")
    assert 'id="caption">backward: dout/dx0 = 0.39' in dom
    assert all(v == [True] for v in visible(dom).values())


@needs_chromium
def test_chromium_screenshot(neuron_page, tmp_path):
    path, _ = neuron_page
    png = tmp_path / "step.png"
    screenshot(path, png, step=16, size=(1200, 800), browser=CHROMIUM)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 800)
    assert len(data) > 20_000  # a blank page compresses to a few kB
