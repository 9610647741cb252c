"""Legible pictures of real models: the direction chosen by the graph's shape, a straight
main path, collapsed modules that keep their statistics and gradient norms, one cluster per
module call, module clusters for the scalar engine's models, bitmaps within Graphviz's
limits, and clear errors for options that do not apply."""

import re
import threading

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad import Value, viz
from glassgrad.nn import functional as F
from glassgrad.nn.scalar import MLP
from glassgrad.viz import format as fmt
from glassgrad.viz.render import BITMAP_LIMIT, PictureTooLargeError
from needs import DOT, needs_dot

HAS_DOT = DOT is not None

NODE = re.compile(r"^\s*([nome]\d+) \[(.*)\]$", re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)
CLUSTER = re.compile(r'subgraph cluster_(\d+) {\n\t*[^\n]*label="([^"]*)"')


def nodes(src):
    return {m.group(1): m.group(2) for m in NODE.finditer(src)}


def rankdir(src):
    return re.search(r"rankdir=(\w+)", src).group(1)


def neuron():
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    return out


def mlp13(retain=True):
    """nn.Sequential of 7 Linear and 6 ReLU (13 modules) with an MSE loss, after backward."""
    gg.manual_seed(0)
    layers = [nn.Linear(8, 16), nn.ReLU()]
    for _ in range(5):
        layers += [nn.Linear(16, 16), nn.ReLU()]
    layers.append(nn.Linear(16, 1))
    model = nn.Sequential(*layers)
    with gg.autograd.retain_grads(retain):
        loss = F.mse_loss(model(gg.randn(4, 8)), gg.randn(4, 1))
        loss.backward()
    return loss, model


class Unrolled(nn.Module):
    """One RNNCell called once per time step."""

    def __init__(self):
        super().__init__()
        self.cell = nn.RNNCell(2, 3)

    def forward(self, xs):
        h = gg.zeros(1, 3)
        for x in xs:
            h = self.cell(x, h)
        return h


def unrolled(steps=3):
    gg.manual_seed(0)
    model = Unrolled()
    loss = model([gg.randn(1, 2) for _ in range(steps)]).sum()
    loss.backward()
    return loss, model


def scalar_mlp():
    gg.manual_seed(0)
    model = MLP(2, [3, 1])
    out = model([1.0, -2.0])
    out.backward()
    return out, model


def svg_size(g):
    """(width, height) in points, from the SVG's viewBox."""
    svg = g.pipe(format="svg", encoding="utf-8")
    box = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', svg)
    return float(box.group(3)), float(box.group(4))


# ------------------------------------------------------------------------- direction
def test_direction_follows_the_shape():
    assert rankdir(viz.draw_graph(neuron()).source) == "LR"  # short and wide: the README's
    loss, model = mlp13()
    assert rankdir(viz.draw_graph(loss, params=model).source) == "TB"
    assert rankdir(viz.draw_graph(loss, params=model, depth=1).source) == "TB"
    assert rankdir(viz.draw_graph(loss, params=model, rankdir="LR").source) == "LR"
    assert rankdir(viz.draw_graph(neuron(), rankdir="BT").source) == "BT"
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert rankdir(viz.draw_graph(x.exp().log().sum()).source) == "LR"  # short chains stay LR


def test_unknown_rankdir_is_an_error():
    with pytest.raises(ValueError, match=r"rankdir must be 'LR', 'RL', 'TB', 'BT' or None.*'lr'"):
        viz.draw_graph(neuron(), rankdir="lr")


def test_main_path_is_one_straight_group():
    loss, model = mlp13()
    src = viz.draw_graph(loss, params=model).source
    n = nodes(src)
    main = {k for k, a in n.items() if "group=main" in a}
    # from the input to the loss through every op and result, and no parameter
    last = max(int(k[1:]) for k in n if k.startswith("n"))
    assert "n0" in main and f"n{last}" in main and f"o{last}" in main
    assert not any("weight" in n[k] or "bias" in n[k] for k in main)
    heavy = [(a, b) for a, b, at in EDGE.findall(src) if at == "weight=100"]
    assert heavy and all(a in main and b in main for a, b in heavy)
    assert len(heavy) == len(main) - 1  # a chain


def test_parameters_sit_beside_their_op():
    loss, model = mlp13()
    src = viz.draw_graph(loss, params=model).source
    rows = re.findall(r"\{\n\t*rank=same\n((?:\t*\w+\n)+)\t*\}", src)
    assert len(rows) == 7  # one per Linear call
    n = nodes(src)
    for row in rows:
        op, *params = row.split()
        assert op.startswith("o") and 'label=linear' in n[op]
        assert sorted("weight" in n[p] for p in params) == [False, True]  # weight and bias


# ------------------------------------------------------------------------- sizes
@needs_dot
def test_13_module_mlp_fits_the_size_bound():
    loss, model = mlp13()
    w, h = svg_size(viz.draw_graph(loss, params=model))
    assert w <= 3 * h, (w, h)
    w1, h1 = svg_size(viz.draw_graph(loss, params=model, depth=1))
    assert w1 <= 3 * h1, (w1, h1)


@needs_dot
def test_oversized_bitmap_raises_and_svg_still_renders():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(1000):
        y = y * 1.00001
    y.backward(gg.ones(2))
    g = viz.draw_graph(y)
    w, h = g.bitmap_size()
    assert max(w, h) > BITMAP_LIMIT
    with pytest.raises(PictureTooLargeError, match=r"PNG of this graph would be \d+ x \d+ px.*"
                                                   r"32767.*format='svg'"):
        g.pipe(format="png")
    assert isinstance(PictureTooLargeError("x"), ValueError)
    assert g.pipe(format="svg")[:5] == b"<?xml"
    small = viz.draw_graph(neuron())
    assert small.pipe(format="png")[:4] == b"\x89PNG"


# ------------------------------------------------------------------------- collapsed modules
def test_collapsed_module_keeps_statistics_and_gradient_norms():
    loss, model = mlp13(retain=True)
    src = viz.draw_graph(loss, params=model, depth=1).source
    boxes = {k: a for k, a in nodes(src).items() if k.startswith("m")}
    assert len(boxes) == 13
    first = boxes["m0"]
    assert "<b>0: Linear(8, 16)</b>" in first and "(4, 16)" in first
    assert ">data<" in first and ">grad<" in first and "mean" in first and "std" in first
    for name in ("weight", "bias"):
        g = getattr(model[0], name).grad.numpy()
        assert f"0.{name} ‖g‖ {fmt.sci(np.linalg.norm(g))}" in first
    assert first.index("0.weight ‖g‖") < first.index("0.bias ‖g‖")  # named_parameters order
    assert "‖g‖" not in boxes["m1"]  # ReLU: no parameters
    # without retain_grads the outputs have no gradient, the parameters still do
    loss2, model2 = mlp13(retain=False)
    plain = nodes(viz.draw_graph(loss2, params=model2, depth=1).source)["m0"]
    assert ">grad<" not in plain and "0.weight ‖g‖" in plain


def test_collapsed_module_before_backward():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    out = model(gg.randn(2, 3)).sum()
    box = nodes(viz.draw_graph(out, params=model, collapse=["0"]).source)["m0"]
    assert "0.weight ‖g‖ —" in box


# ------------------------------------------------------------------------- calls
def test_scope_records_one_number_per_call():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    a = model(gg.randn(1, 2, requires_grad=True))
    b = model(gg.randn(1, 2, requires_grad=True))
    for out in (a, b):
        ctx = out.grad_fn
        assert ctx.scope == (model, model[1]) and len(ctx.calls) == 2
        inner = out.parents[0].grad_fn
        assert inner.calls[0] == ctx.calls[0] and inner.calls[1] < ctx.calls[1]
    assert a.grad_fn.calls[0] < b.grad_fn.calls[0]  # later calls, larger numbers

    class Spawner(nn.Module):  # an op made by another thread during the call is not in it
        def forward(self, x):
            t = threading.Thread(target=lambda: seen.append(x * 2))
            t.start()
            t.join()
            return x * 3

    seen, spawner = [], Spawner()
    inside = spawner(gg.tensor(1.0, requires_grad=True))
    assert inside.grad_fn.scope == (spawner,)
    assert getattr(seen[0].grad_fn, "scope", None) is None


def test_module_called_k_times_gives_k_clusters_in_time_order():
    loss, model = unrolled(3)
    src = viz.draw_graph(loss, params=model).source
    labels = CLUSTER.findall(src)
    assert labels == [(str(k), f"cell: RNNCell(2, 3) [call {k + 1}]") for k in range(3)]
    # the shared parameters are drawn once, outside the calls
    n = nodes(src)
    weight = next(k for k, a in n.items() if "<b>cell.weight_ih (3, 2)</b>" in a)
    assert src.index(f"\t{weight} [") < src.index("subgraph cluster_0")
    # each call feeds the next
    deep = viz.draw_graph(loss, params=model, depth=1).source
    boxes = {k: a for k, a in nodes(deep).items() if k.startswith("m")}
    assert [re.search(r"\[call (\d)\]", boxes[f"m{k}"]).group(1) for k in range(3)] == \
        ["1", "2", "3"]
    pairs = [(a, b) for a, b, _ in EDGE.findall(deep)]
    assert ("m0", "m1") in pairs and ("m1", "m2") in pairs and ("m1", "m0") not in pairs


def test_single_calls_keep_plain_labels():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    src = viz.draw_graph(model(gg.randn(1, 2)).sum(), params=model).source
    assert "[call" not in src and 'label="0: Linear(2, 2)"' in src


# ------------------------------------------------------------------------- scalar models
def test_scalar_model_ops_remember_their_calls():
    out, model = scalar_mlp()
    assert out._scope[0] is model and out._scope[1] is model.layers[1]
    assert len(out._calls) == 3 and out._calls == tuple(sorted(out._calls))
    assert not hasattr(Value(1.0) * 2, "_scope")  # outside modules nothing is recorded


def test_scalar_model_gets_clusters_and_boxes():
    out, model = scalar_mlp()
    src = viz.draw_graph(out, params=model).source
    labels = [label for _, label in CLUSTER.findall(src)]
    assert labels[0] == "layers.0: Layer" and "layers.1: Layer" in labels
    assert "layers.0.neurons.2: Neuron(nin=2, nonlin=True)" in labels
    deep = viz.draw_graph(out, params=model, depth=1).source
    boxes = {k: a for k, a in nodes(deep).items() if k.startswith("m")}
    assert len(boxes) == 2 and "subgraph" not in deep
    assert "<b>layers.0: Layer</b>" in boxes["m0"] and "3 values" in boxes["m0"]
    assert "all 9 ‖g‖" in boxes["m0"]  # nine weights: summed up after the first few
    w = model.layers[1].neurons[0].w[0]
    assert f"layers.1.neurons.0.w0 ‖g‖ {fmt.sci(abs(w.grad))}" in boxes["m1"]
    one = viz.draw_graph(out, params=model, collapse=["layers.1"]).source
    assert sum(k.startswith("m") for k in nodes(one)) == 1
    assert 'label="layers.0: Layer"' in one


# ------------------------------------------------------------------------- errors
def test_options_that_do_not_apply_are_errors():
    loss, model = mlp13()
    with pytest.raises(ValueError, match=r"depth= needs the model.*params=model"):
        viz.draw_graph(loss, depth=1)
    with pytest.raises(ValueError, match=r"collapse= needs the model"):
        viz.draw_graph(loss, collapse=["0"])
    with pytest.raises(ValueError, match=r"depth=2 but module calls in this graph nest only 1"):
        viz.draw_graph(loss, params=model, depth=2)
    with pytest.raises(ValueError, match=r"show_shapes=True.*Value graph"):
        viz.draw_graph(neuron(), show_shapes=True)
    with pytest.raises(ValueError, match=r"show_saved=True.*Value ops save nothing"):
        viz.draw_graph(neuron(), show_saved=True)
    with pytest.raises(ValueError, match=r"fn= is the function check=True replays"):
        viz.draw_graph(loss, fn=lambda: loss)
    out, smodel = scalar_mlp()
    with pytest.raises(ValueError, match=r"depth= needs the model"):
        viz.draw_graph(out, depth=1)
    # a model whose parameters are used outside any of its calls
    lin = nn.Linear(2, 1)
    y = (gg.randn(3, 2) @ lin.weight.T).sum()
    with pytest.raises(ValueError, match=r"no op in this graph ran inside a module call"):
        viz.draw_graph(y, params=lin, depth=1)
    with pytest.raises(ValueError, match=r"tol, seed set the numeric check.*check=True"):
        viz.draw_graph(loss, tol=1e-2, seed=3)
    with pytest.raises(ValueError, match=r"sparklines=True.*Value graph"):
        viz.draw_graph(neuron(), sparklines=True)
    assert viz.draw_graph(neuron(), sparklines=False).source  # saying no is fine
    assert "(4, 16)" in viz.draw_graph(loss, params=model).source  # shapes by default
    assert "{ w0 | data 2.00 | grad -0.20 }" in viz.draw_graph(neuron()).source


@needs_dot
def test_render_checks_the_bitmap_size_too(tmp_path, monkeypatch):
    g = viz.draw_graph(neuron())
    png = g.render(tmp_path / "neuron", format="png")
    assert open(png, "rb").read(4) == b"\x89PNG"
    monkeypatch.setattr("glassgrad.viz.render._SURELY_SMALL", 0)  # always run the trial
    monkeypatch.setattr(type(g), "bitmap_size", lambda self, dpi=None: (40000, 300))
    for call in (lambda: g.render(tmp_path / "big", format="png"),
                 lambda: g.render(outfile=tmp_path / "big.png"),
                 lambda: g.pipe(format="png")):
        with pytest.raises(PictureTooLargeError, match="40000 x 300 px"):
            call()
    assert g.render(tmp_path / "big", format="svg").endswith(".svg")
    assert not (tmp_path / "big.png").exists()


@pytest.mark.parametrize("max_nodes", [30, 100, 200, 400])
def test_eliding_part_of_a_grouped_value_network_draws(max_nodes):
    """A marker that hides a non-convex part of a module (a drawn node between two hidden
    ones) closes a cycle in the picture's graph; sizing the layout used to raise KeyError."""
    gg.manual_seed(0)
    model = MLP(2, [8, 8, 1])
    out = model([Value(0.5, "x0"), Value(-0.3, "x1")])
    out.backward()
    src = viz.draw_graph(out, params=model, max_nodes=max_nodes).source
    assert "out" in src or "n0" in src
    assert src.count("->") > 10
