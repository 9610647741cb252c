"""The glass box: draw_graph's DOT text (values, gradients, names, clusters, elision, checks),
its stability against saved references, rendering, and a missing Graphviz install.

Reference DOT files live in tests/data/viz/. After an intended change to the pictures,
regenerate them with ``GLASSGRAD_REGEN_VIZ=1 pytest tests/test_viz.py`` and review the diff.
"""

import os
import re
from pathlib import Path

import graphviz
import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad import Value, viz
from glassgrad.nn import functional as F
from glassgrad.viz import format as fmt
from needs import DOT, needs_dot

DATA = Path(__file__).parent / "data" / "viz"
HAS_DOT = DOT is not None

NODE = re.compile(r"^\s*([nome]\d+) \[(.*)\]$", re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[[^\]]*\])?$", re.M)  # [weight=100]: main path


def nodes(src):
    """{dot id: attribute text} for every node statement."""
    return {m.group(1): m.group(2) for m in NODE.finditer(src)}


def attr(attrs, name):
    """One attribute of a node statement (outside its HTML label)."""
    tail = re.search(r'((?:\s*\w+=(?:"[^"]*"|[^\s"<>]+))*)$', attrs).group(1)
    found = dict(re.findall(r'(\w+)=("[^"]*"|[^\s"<>]+)', tail))
    return found[name].strip('"') if name in found else None


def edges(src):
    return EDGE.findall(src)


# ------------------------------------------------------------------------- graphs to draw
def neuron():
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.label = "out"
    out.backward()
    return out


def tensor_neuron():
    vals = [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")]
    w0, x0, w1, x1, w2 = (gg.tensor(v, requires_grad=True) for v, _ in vals)
    for t, (_, n) in zip((w0, x0, w1, x1, w2), vals):
        t.label = n
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.label = "out"
    out.backward()
    return out


def small_mlp(retain=True, retain_graph=False):
    """A deterministic Linear(3, 4) -> ReLU -> Linear(4, 1) on a batch of 2, in float64."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).double()
    model.load_state_dict({
        "0.weight": np.linspace(-1.0, 1.0, 12).reshape(4, 3),
        "0.bias": np.array([0.1, -0.2, 0.3, -0.4]),
        "2.weight": np.array([[0.5, -0.25, 0.75, 1.0]]),
        "2.bias": np.array([0.05]),
    })
    x = gg.tensor([[1.0, -2.0, 0.5], [0.25, 1.5, -1.0]], dtype=gg.float64)
    x.label = "x"
    y = gg.tensor([[1.0], [-1.0]], dtype=gg.float64)
    y.label = "y"
    with gg.autograd.retain_grads(retain):
        loss = F.mse_loss(model(x), y)
        loss.label = "loss"
        loss.backward(retain_graph=retain_graph)
    return loss, model, x, y


def mlp_6_8_1():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
    x = gg.randn(4, 6)
    y = gg.randn(4, 1)
    with gg.autograd.retain_grads():
        loss = F.mse_loss(model(x), y)
        loss.backward()
    return loss, model, x, y


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))


def nested_model():
    gg.manual_seed(1)
    model = nn.Sequential(Block(), Block(), nn.Linear(4, 1))
    x = gg.randn(3, 4)
    loss = model(x).sum()
    loss.backward()
    return loss, model


class BadSquare(gg.autograd.Function):
    """x ** 2 with a backward that forgot the 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


# ------------------------------------------------------------------------- scalar graphs
def test_classic_neuron_values_and_gradients():
    out = neuron()
    g = viz.draw_graph(out)
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    expected = {"out": ("0.73", "1.00"), "w0": ("2.00", "-0.20"), "x0": ("-1.00", "0.39"),
                "w1": ("-3.00", "-0.39"), "x1": ("-2.00", "-0.59"), "w2": ("-3.00", "0.20")}
    for name, (data, grad) in expected.items():
        assert f"{{ {name} | data {data} | grad {grad} }}" in src, name
    ops = [attr(a, "label") for k, a in nodes(src).items() if k.startswith("o")]
    assert sorted(ops) == ["*", "*", "+", "+", "sigmoid"]


def test_classic_neuron_as_tensors():
    src = viz.draw_graph(tensor_neuron()).source
    n = nodes(src)
    by_name = {re.search(r"<b>(\w+) \(\)</b>", a).group(1): a for a in n.values()
               if re.search(r"<b>(\w+) \(\)</b>", a)}
    # every node is named: labels, and op + index for the unlabelled results (viz.names)
    assert set(by_name) == {"out", "w0", "x0", "w1", "x1", "w2", "mul1", "mul2", "add1", "add2"}
    expected = {"out": "0.73", "w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59",
                "w2": "0.20"}
    for name, value in expected.items():
        row = "grad" if name != "out" else "data"
        assert re.search(rf">{row}</font></td><td[^>]*><font[^>]*>{re.escape(value)}<",
                         by_name[name]), name
    assert "float32" in src


def test_value_leaf_gradients_before_backward_are_zero():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    src = viz.draw_graph(a * b).source
    assert "{ a | data 2.00 | grad 0.00 }" in src


# ------------------------------------------------------------------------- stable text
def _reference(name, src):
    path = DATA / f"{name}.dot"
    if os.environ.get("GLASSGRAD_REGEN_VIZ"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src, encoding="utf-8")
    assert path.exists(), f"missing {path}; run with GLASSGRAD_REGEN_VIZ=1 to write it"
    assert src == path.read_text(encoding="utf-8"), f"{name}.dot differs from the reference"


def _elided_chain():
    v = Value(0.5, "v0")
    for _ in range(200):
        v = (v * 1.01).tanh()
    v.label = "out"
    v.backward()
    return v


def _mlp_named():
    loss, model, _, _ = small_mlp()
    return viz.draw_graph(loss, params=model, show_saved=True)


def _mlp_collapsed():
    loss, model, _, _ = small_mlp()
    return viz.draw_graph(loss, params=model, depth=1)


REFERENCES = {
    "neuron": lambda: viz.draw_graph(neuron()),
    "mlp": _mlp_named,
    "mlp_collapsed": _mlp_collapsed,
    "elided": lambda: viz.draw_graph(_elided_chain(), max_nodes=40),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_dot_matches_reference_and_is_stable(name):
    first = REFERENCES[name]().source
    second = REFERENCES[name]().source  # a new graph: new objects, new id()s
    assert first == second
    _reference(name, first)


def test_node_ids_are_topological_positions():
    src = viz.draw_graph(neuron()).source
    ids = [k for k in nodes(src) if k.startswith("n")]
    assert ids == [f"n{i}" for i in range(len(ids))]
    for a, b in edges(src):  # every edge runs forward in topological order
        assert int(a[1:]) <= int(b[1:])


# ------------------------------------------------------------------------- tensor graphs
def test_parameters_are_named_with_shape():
    loss, model, _, _ = mlp_6_8_1()
    for params in (model, dict(model.named_parameters()), list(model.named_parameters())):
        src = viz.draw_graph(loss, params=params).source
        for text in ("0.weight (8, 6)", "0.bias (8,)", "2.weight (1, 8)", "2.bias (1,)"):
            assert f"<b>{text}</b>" in src
    bare = viz.draw_graph(loss).source
    assert "0.weight" not in bare


def test_small_tensors_in_full_big_ones_as_statistics():
    loss, model, x, _ = mlp_6_8_1()
    src = viz.draw_graph(loss, params=model).source
    bias = next(a for a in nodes(src).values() if "<b>0.bias (8,)</b>" in a)
    values = re.findall(r"-?\d+\.\d\d", bias)
    assert len(values) == 16  # 8 values and 8 gradients, in full
    assert [float(v) for v in values[:8]] == pytest.approx(model[0].bias.data, abs=0.006)
    weight = next(a for a in nodes(src).values() if "<b>0.weight (8, 6)</b>" in a)
    w = model[0].weight.detach().numpy().astype(np.float64)
    assert f"mean {w.mean():.2f}  std {w.std():.2f}" in weight
    assert f"min {w.min():.2f}  max {w.max():.2f}" in weight
    assert any(ch in weight for ch in fmt.BLOCKS)  # the sparkline
    assert "float32" in weight
    plain = viz.draw_graph(loss, params=model, sparklines=False).source
    assert not any(ch in plain for ch in fmt.BLOCKS)


# mlp_6_8_1 in topological order: n0 x, n1 0.weight, n2 0.bias, n3 linear, n4 relu,
# n5 2.weight, n6 2.bias, n7 linear, n8 y, n9 loss (mse_loss)
def test_node_kinds_look_different():
    loss, model, x, y = mlp_6_8_1()
    n = nodes(viz.draw_graph(loss, params=model).source)
    w = gg.tensor([1.0, 2.0], requires_grad=True)  # an unnamed leaf that requires grad
    kinds = {"input": n["n0"], "param": n["n1"], "value": n["n3"], "output": n["n9"],
             "op": n["o3"], "leaf": nodes(viz.draw_graph((w * w).sum()).source)["n0"]}
    looks = {k: (attr(a, "shape"), attr(a, "style"), attr(a, "fillcolor"), attr(a, "color"))
             for k, a in kinds.items()}
    assert len(set(looks.values())) == len(looks), looks
    assert attr(n["n8"], "fillcolor") == attr(n["n0"], "fillcolor")  # y is an input too
    assert attr(n["n9"], "peripheries") == "2"
    assert attr(n["o3"], "label") == "linear" and attr(n["o4"], "label") == "relu"


def test_intermediate_gradients_shown_when_retained():
    loss, model, _, _ = mlp_6_8_1()
    n = nodes(viz.draw_graph(loss, params=model).source)
    assert all(">grad<" in n[k] for k in ("n1", "n2", "n3", "n4", "n7", "n9"))
    assert all(">grad<" not in n[k] for k in ("n0", "n8"))  # no gradient for the data
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = model(gg.randn(4, 6)).sum()
    loss.backward()  # no retain_grads: only the leaves keep a gradient
    n = nodes(viz.draw_graph(loss, params=model).source)
    assert sorted(k for k, a in n.items() if ">grad<" in a) == ["n1", "n2", "n5", "n6"]


@pytest.mark.parametrize("retain_graph", [False, True])
def test_after_backward_with_or_without_retain_graph(retain_graph):
    loss, model, _, _ = small_mlp(retain_graph=retain_graph)
    src = viz.draw_graph(loss, params=model, show_saved=True).source
    assert "<b>0.weight (4, 3)</b>" in src
    if retain_graph:
        assert "saved: freed" not in src
        assert "saved: 0.weight (4, 3)" in src or "saved: x (2, 3)" in src
    else:
        assert "saved: freed" in src
    assert "saved:" not in viz.draw_graph(loss, params=model).source


def test_show_flags():
    loss, model, _, _ = small_mlp()
    src = viz.draw_graph(loss, params=model, show_values=False).source
    assert ">data<" not in src and ">grad<" in src
    src = viz.draw_graph(loss, params=model, show_grads=False).source
    assert ">grad<" not in src and ">data<" in src
    src = viz.draw_graph(loss, params=model, show_shapes=False).source
    assert "float64" not in src and "(4, 3)" not in src and "<b>0.weight</b>" in src
    src = viz.draw_graph(neuron(), show_grads=False, rankdir="TB").source
    assert "| grad" not in src and "rankdir=TB" in src


def test_precision():
    src = viz.draw_graph(neuron(), precision=4).source
    assert "{ w0 | data 2.0000 | grad -0.1966 }" in src


def test_several_roots():
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    u, v = (a * 2).sum(), (a * 3).sum()
    src = viz.draw_graph([u, v]).source
    assert sum("peripheries=2" in a for a in nodes(src).values()) == 2


# ------------------------------------------------------------------------- module clusters
def test_module_clusters():
    loss, model, _, _ = mlp_6_8_1()
    src = viz.draw_graph(loss, params=model).source
    for i, label in enumerate(["0: Linear(6, 8)", "1: ReLU()", "2: Linear(8, 1)"]):
        assert re.search(rf'subgraph cluster_{i} {{\n\t\t[^\n]*label="{re.escape(label)}"', src)
    assert "Sequential" not in src  # the model itself frames everything: no cluster
    # parameters sit inside their module's cluster
    block0 = src[src.index("subgraph cluster_0"):src.index("subgraph cluster_1")]
    assert "<b>0.weight (8, 6)</b>" in block0 and "<b>2.weight" not in block0
    as_dict = viz.draw_graph(loss, params=dict(model.named_parameters())).source
    assert as_dict == src  # the model is found from its parameters
    flat = viz.draw_graph(loss, params=model, group_modules=False).source
    assert "subgraph" not in flat


def test_clusters_without_names_use_the_module_text():
    loss, _, _, _ = mlp_6_8_1()
    src = viz.draw_graph(loss).source
    assert 'label="Linear(6, 8)"' in src and 'label=Sequential' in src


def test_nested_clusters():
    loss, model = nested_model()
    src = viz.draw_graph(loss, params=model).source
    assert 'label="0: Block"' in src and 'label="0.fc: Linear(4, 4)"' in src
    assert 'label="1.act: Tanh()"' in src
    # the inner cluster is a subgraph of the outer one (one more tab of indent)
    outer = src.index('label="0: Block"')
    inner = src.index('label="0.fc: Linear(4, 4)"')
    assert outer < inner
    assert re.search(r'\n\t\tsubgraph cluster_\d+ {\n\t\t\t[^\n]*label="0.fc: Linear', src)


def test_collapse_by_name_and_by_depth():
    loss, model, _, _ = mlp_6_8_1()
    src = viz.draw_graph(loss, params=model, collapse=["0", "2"]).source
    n = nodes(src)
    boxes = {k: a for k, a in n.items() if k.startswith("m")}
    assert len(boxes) == 2
    assert all(attr(a, "shape") == "box3d" for a in boxes.values())
    assert "<b>0: Linear(6, 8)</b>" in boxes["m0"] and "2 params" in boxes["m0"]
    assert ">out<" in boxes["m0"] and ">(4, 8)<" in boxes["m0"]
    assert "0.weight ‖g‖" in boxes["m0"] and "0.bias ‖g‖" in boxes["m0"]
    assert "0.weight" not in src.replace(boxes["m0"], "")
    assert 'label="1: ReLU()"' in src  # not collapsed: still a cluster
    assert ("m0", "o4") in edges(src) and ("n0", "m0") in edges(src)
    assert all(a != b for a, b in edges(src))
    deep = viz.draw_graph(loss, params=model, depth=1).source
    assert sorted(k for k in nodes(deep) if k.startswith("m")) == ["m0", "m1", "m2"]
    assert "subgraph" not in deep
    assert edges(deep) == [("n0", "m0"), ("m0", "m1"), ("m1", "m2"), ("m2", "o9"),
                           ("n8", "o9"), ("o9", "n9")]


def test_collapse_nested_depth_two():
    loss, model = nested_model()
    src = viz.draw_graph(loss, params=model, depth=2).source
    assert 'label="0: Block"' in src  # depth 1 stays open
    assert "<b>0.fc: Linear(4, 4)</b>" in src and "<b>1.act: Tanh()</b>" in src


class Sandwich(nn.Module):
    """a(b(a(x))): one module called twice, another in between."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = nn.Linear(3, 3)

    def forward(self, x):
        return self.a(self.b(self.a(x)))


def test_module_called_twice():
    gg.manual_seed(0)
    model = Sandwich()
    loss = model(gg.randn(2, 3)).sum()
    loss.backward()
    src = viz.draw_graph(loss, params=model).source
    labels = re.findall(r'subgraph cluster_\d+ {\n\t*[^\n]*label="([^"]*)"', src)
    assert labels == ["a: Linear(3, 3) [call 1]", "b: Linear(3, 3)",
                      "a: Linear(3, 3) [call 2]"]  # one cluster per call, in time order
    # a's parameters are shared by its two calls: drawn once, outside both
    assert src.index("<b>a.weight (3, 3)</b>") < src.index("subgraph cluster_0")
    deep = viz.draw_graph(loss, params=model, depth=1).source
    assert edges(deep) == [("n0", "m0"), ("n1", "m0"), ("n2", "m0"), ("m0", "m1"),
                           ("m1", "m2"), ("n1", "m2"), ("n2", "m2"), ("m2", "o8"),
                           ("o8", "n8")]


def test_collapse_errors():
    loss, model, _, _ = mlp_6_8_1()
    with pytest.raises(ValueError, match=r"no module call with that name.*0, 1, 2"):
        viz.draw_graph(loss, params=model, collapse=["encoder"])
    with pytest.raises(ValueError, match="depth must be >= 1"):
        viz.draw_graph(loss, params=model, depth=0)
    with pytest.raises(ValueError, match="group_modules=True"):
        viz.draw_graph(loss, params=model, group_modules=False, depth=1)


# ------------------------------------------------------------------------- big graphs
def _count_and_marker(src, max_nodes):
    n = nodes(src)
    markers = [a for k, a in n.items() if k.startswith("e")]
    assert len(markers) >= 1
    counts = [int(re.search(r"… (\d+) nodes? …", a).group(1)) for a in markers]
    assert len(n) <= max_nodes
    return n, counts


def test_100k_tensor_chain_is_elided():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    x.label = "x"
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward(gg.ones(2))
    src = viz.draw_graph(y).source
    n, counts = _count_and_marker(src, 500)
    drawn = sum(1 for k in n if k.startswith("n"))
    assert sum(counts) + drawn == 100_001
    assert "n0" in n and "n100000" in n  # the leaf and the output stay
    assert "<b>x (2,)</b>" in n["n0"]


def test_100k_value_chain_is_elided():
    v = Value(1.0, "v0")
    w = v
    for _ in range(100_000):
        w = w * 1.00001
    w.backward()
    src = viz.draw_graph(w, max_nodes=200).source
    n, counts = _count_and_marker(src, 200)
    assert "n0" in n and "n200000" in n
    assert sum(counts) + sum(1 for k in n if k.startswith("n")) == 200_001


def test_elision_keeps_output_side_and_input_side():
    src = viz.draw_graph(_elided_chain(), max_nodes=40).source
    n, counts = _count_and_marker(src, 40)
    assert len(counts) == 1
    (marker,) = [k for k in n if k.startswith("e")]
    into = [a for a, b in edges(src) if b == marker]
    out_of = [b for a, b in edges(src) if a == marker]
    assert into and out_of
    assert max(int(k[1:]) for k in into) < min(int(k[1:]) for k in out_of)
    assert viz.draw_graph(_elided_chain(), max_nodes=10_000).source.count("…") == 0


def test_wide_graph_is_bounded():
    leaves = [gg.tensor(float(i), requires_grad=True) for i in range(3000)]
    total = leaves[0]
    for t in leaves[1:]:
        total = total + t * t
    src = viz.draw_graph(total, max_nodes=100).source
    n, _ = _count_and_marker(src, 100)


# ------------------------------------------------------------------------- rendering
@needs_dot
def test_svg_and_png_render():
    loss, model, _, _ = mlp_6_8_1()
    g = viz.draw_graph(loss, params=model)
    svg = g.pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "0.weight (8, 6)" in svg
    assert g.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    bundle = g._repr_mimebundle_()  # what Jupyter shows inline
    assert "image/svg+xml" in bundle


def test_missing_dot_explains_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    g = viz.draw_graph(neuron())
    assert "digraph glassgrad" in g.source
    for render in (lambda: g.pipe(format="svg"), lambda: g.render(tmp_path / "x.gv")):
        with pytest.raises(viz.GraphvizNotFoundError) as err:
            render()
        msg = str(err.value)
        for hint in ("apt-get install graphviz", "brew install graphviz",
                     "conda install graphviz", ".source"):
            assert hint in msg
        assert isinstance(err.value, graphviz.ExecutableNotFound)


def test_bad_input():
    with pytest.raises(TypeError, match="Tensor or a Value"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(neuron(), rankdir="XY")
    with pytest.raises(TypeError, match="params must be"):
        viz.draw_graph(neuron(), params=5)


# ------------------------------------------------------------------------- check=True
def _verdicts(src):
    """{node id: True (green) / False (red)} for the checked nodes."""
    out = {}
    for k, a in nodes(src).items():
        if "✓" in a or "✗" in a:
            out[k] = "✓" in a and "✗" not in a
    return out


def test_check_value_graph_is_green():
    src = viz.draw_graph(neuron(), check=True).source
    n = nodes(src)
    verdicts = _verdicts(src)
    assert len(verdicts) == 5 and all(verdicts.values())
    for k in verdicts:
        assert attr(n[k], "color") == viz.render.OK_LINE
    w0 = next(a for a in n.values() if "{ w0 |" in a)
    assert "numeric -0.20 ✓" in w0


VALUE_OP_BUILDERS = {  # one formula per op of the Value engine's local-derivative table
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "/": lambda x, y: x / y, "**": lambda x, y: x**y, "**c": lambda x, y: x**3 * y,
    "neg": lambda x, y: -x * y, "exp": lambda x, y: x.exp() * y, "log": lambda x, y: x.log() * y,
    "tanh": lambda x, y: x.tanh() * y, "sigmoid": lambda x, y: x.sigmoid() * y,
    "relu": lambda x, y: x.relu() * y, "sin": lambda x, y: x.sin() * y,
    "cos": lambda x, y: x.cos() * y,
}


def test_check_replays_every_value_op():
    """draw_graph(check=True) recomputes a Value graph op by op: every op the engine has
    must be replayable (sin and cos were missing, and the check raised)."""
    from glassgrad.autograd.value import LOCAL

    assert set(VALUE_OP_BUILDERS) == set(LOCAL)
    for op, build in VALUE_OP_BUILDERS.items():
        x, y = Value(0.7, "x"), Value(1.3, "y")
        out = build(x, y)
        out.backward()
        checks = viz.draw_graph(out, check=True).checks
        assert checks and all(c.ok for c in checks), (op, viz.report(checks))


def test_check_value_graph_flags_a_wrong_gradient():
    out = neuron()
    x1 = next(n for n in gg.autograd.toposort(out) if n.label == "x1")
    x1.grad = 0.5  # as if backward were wrong for x1
    src = viz.draw_graph(out, check=True).source
    n = nodes(src)
    bad = [k for k, ok in _verdicts(src).items() if not ok]
    assert len(bad) == 1 and "{ x1 |" in n[bad[0]]
    assert attr(n[bad[0]], "fillcolor") == viz.render.BAD_FILL


def test_check_wrong_custom_function_is_red():
    a = gg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    a.label = "a"
    b = gg.randn(20, 3, requires_grad=True)  # big: checked along a random direction
    b.label = "b"
    c = gg.tensor([1.5, 0.25, -0.5], requires_grad=True)
    c.label = "c"

    def fn():
        return (BadSquare.apply(a) + (b * c).sum(0)).sum()

    out = fn()
    out.backward()
    src = viz.draw_graph(out, check=True, fn=fn).source
    n = nodes(src)
    verdicts = {re.search(r"<b>(\w) ", n[k]).group(1): ok for k, ok in _verdicts(src).items()}
    assert verdicts == {"a": False, "b": True, "c": True}
    red = next(x for x in n.values() if "<b>a (3,)</b>" in x)
    assert attr(red, "color") == viz.render.BAD_LINE
    assert "numeric" in red and "[ 1.00, -2.00,  4.00]" in red  # 2x beside the wrong x
    assert ">d/dv<" in next(x for x in n.values() if "<b>b (20, 3)</b>" in x)
    assert np.array_equal(a.detach().numpy(), np.array([0.5, -1.0, 2.0], dtype=np.float32))
    assert a.data.dtype == np.float32  # leaves are restored after the check


def test_check_green_for_a_model_and_boxes():
    loss, model, x, y = small_mlp()
    fn = lambda: F.mse_loss(model(x), y)  # noqa: E731
    src = viz.draw_graph(loss, params=model, check=True, fn=fn).source
    verdicts = _verdicts(src)
    assert len(verdicts) == 4 and all(verdicts.values())
    boxed = viz.draw_graph(loss, params=model, depth=1, check=True, fn=fn).source
    assert boxed.count("✓ 2 leaves checked") == 2


def test_check_errors():
    loss, model, x, y = small_mlp()
    with pytest.raises(ValueError, match="needs fn="):
        viz.draw_graph(loss, params=model, check=True)
    with pytest.raises(ValueError, match="fn must recompute this root"):
        viz.draw_graph(loss, params=model, check=True, fn=lambda: (model(x) ** 2).mean())
    z = gg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(ValueError, match="one-element root"):
        viz.draw_graph(z, check=True, fn=lambda: z)


# ------------------------------------------------------------------------- formatting
def test_number_formatting():
    assert fmt.number(0.7310585786) == "0.73"
    assert fmt.number(-0.19661193) == "-0.20"
    assert fmt.number(0.0) == "0.00" and fmt.number(-0.0) == "0.00"
    assert fmt.number(3.1e-5) == "3.1e-05" and fmt.number(2.5e7) == "2.5e+07"
    assert fmt.number(float("nan")) == "nan" and fmt.number(float("-inf")) == "-inf"
    assert fmt.array_lines(np.array([[1.0, -2.0], [3.0, 4.5]])) == \
        ["[[ 1.00, -2.00],", " [ 3.00,  4.50]]"]
    assert fmt.array_lines(np.arange(3)) == ["[0, 1, 2]"]


def test_statistics_and_sparkline():
    a = np.random.default_rng(0).standard_normal(1000)
    lines = fmt.summary_lines(a)
    assert lines[0] == f"mean {a.mean():.2f}  std {a.std():.2f}"
    assert lines[1] == f"min {a.min():.2f}  max {a.max():.2f}"
    spark = lines[2]
    assert len(spark) == 12 and set(spark) <= set(fmt.BLOCKS) | {"\u00a0"}
    assert "█" in spark[4:8]  # a normal sample peaks in the middle
    assert fmt.sparkline(np.ones(50)) == ""
    with_nan = np.r_[a, np.nan]
    assert fmt.stats_lines(with_nan)[-1] == "1 of 1001 not finite"


def test_module_text():
    assert fmt.module_text(nn.Linear(6, 8)) == "Linear(6, 8)"
    assert fmt.module_text(nn.Linear(6, 8, bias=False)) == "Linear(6, 8, bias=False)"
    assert fmt.module_text(nn.ReLU()) == "ReLU()"
    assert fmt.module_text(nn.Sequential(nn.ReLU())) == "Sequential"
    assert fmt.module_text(nn.Conv2d(1, 8, 3)) == "Conv2d(1, 8, kernel_size=(3, 3))"
    assert fmt.module_text(nn.Flatten()) == "Flatten()"
