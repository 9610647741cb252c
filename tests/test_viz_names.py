"""viz.names: one name per node, the same in draw_graph, explain, backprop_steps, animate and
the check report; the decimals= option; the scalar local rules; explain on Tensor graphs
(one line per step, statistics instead of arrays, and after backward)."""

import html
import re

import pytest

import glassgrad as gg
from glassgrad import Value, nn, viz
from glassgrad.autograd.graph import retain_grads, toposort
from glassgrad.nn import functional as F
from glassgrad.viz.animate import animation_html
from glassgrad.viz.check import report
from glassgrad.viz.names import MAX_EXPR, as_factor, node_names
from needs import DOT, needs_dot

HAS_DOT = DOT is not None

NODE = re.compile(r"^\s*(n\d+) \[label=(.*)$", re.M)


# ------------------------------------------------------------------------- reading the views
def drawn_names(src):
    """{dot id: the name drawn in the node} from draw_graph's DOT text."""
    out = {}
    for key, label in NODE.findall(src):
        m = re.match(r'"\{ (.*?) \| ', label)  # a Value record: { name | data ... }
        if m:
            out[key] = re.sub(r"\\(.)", r"\1", m.group(1))
            continue
        m = re.search(r"<b>(.*?)</b>", label)  # a Tensor: <b>name (shape)</b>
        assert m, label[:200]
        out[key] = html.unescape(re.sub(r" \([\d, ]*\)$", "", m.group(1)))
    return out


def table_names(text):
    """The names in explain's node and input columns and in its gradient list."""
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("step  node"))
    head = lines[k]
    starts = [m.start() for m in re.finditer(r"\S+", head)]
    cols = dict(zip(head.split(), zip(starts, starts[1:] + [None])))
    names = []
    for line in lines[k + 2:]:
        if not line.strip():
            break
        for col in ("node", "input"):
            a, b = cols[col]
            cell = line[a:b].strip()
            if cell:
                names.append(cell)
    g = next(i for i, line in enumerate(lines) if line.startswith("gradients d"))
    width = max(len(n) for n in names)
    for line in lines[g + 1:]:
        cell = line[2:2 + width].strip()
        names.append(next(n for n in names if cell == n or line[2:].startswith(n + "  ")))
    root = re.match(r"backward pass of (.*) = ", lines[0]).group(1)
    return names + [root]


def caption_names(page, root):
    """The names in animate's captions and page title."""
    raw = re.search(r'<script id="frames" type="application/json">(.*?)</script>', page, re.S)
    import json

    names = []
    d = f"d{as_factor(root)}/d"
    for f in json.loads(raw.group(1)):
        cap = f["caption"]
        if f["phase"] == "forward":
            names.append(re.match(r"forward: (.*?) = ", cap).group(1))
        elif f["phase"] == "backward":
            assert cap.startswith("backward: " + d), cap
            name = cap[len("backward: " + d):].split(" = ")[0]
            if name.startswith("(") and name.endswith(")") and as_factor(name[1:-1]) == name:
                name = name[1:-1]
            names.append(name)
    title = re.search(r"<title>glassgrad · (.*): forward and backward", page).group(1)
    return names + [html.unescape(title)]


# ------------------------------------------------------------------------- graphs
def neuron(label_out=False):
    """The README's neuron: only the leaves are labelled."""
    w0, x0, w1, x1, w2 = (Value(v, label=n) for v, n in
                          [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    if label_out:
        out.label = "out"
    return out


def every_function():
    a, c = Value(1.3, "a"), Value(0.7, "c")
    return ((a * c).exp() + (a + 2).log() - c.sigmoid() / a + (-a).relu() + a ** 3 * c ** -0.5
            + a ** c - (a - c).tanh())


def tensor_mlp():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = F.mse_loss(model(gg.randn(5, 3)), gg.randn(5, 1))
    return loss, model


def unlabelled_tensor_graph():
    gg.manual_seed(1)
    w = gg.randn(2, 3, requires_grad=True)
    b = gg.randn(2, requires_grad=True)
    x = gg.randn(3)
    return ((w @ x + b).tanh() * 2 - b.exp()).sum()


GRAPHS = {
    "neuron": lambda: (neuron(), None),
    "every function": lambda: (every_function(), None),
    "tensor mlp": tensor_mlp,
    "unlabelled tensor": lambda: (unlabelled_tensor_graph(), None),
}


# ------------------------------------------------------------------------- one name everywhere
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_view_uses_the_names_drawn_in_the_picture(name):
    root, params = GRAPHS[name]()
    drawn = drawn_names(viz.draw_graph(root, params=params).source)
    shown = set(drawn.values())
    order = toposort(root)
    assert [drawn[f"n{i}"] for i in range(len(order))] == [
        node_names(root, params)[id(n)] for n in order]  # node i is drawn with its name

    steps = viz.backprop_steps(root, params=params)
    used = {s.label for s in steps} | {n for s in steps for n in s.input_labels}
    assert used <= shown, used - shown
    assert len(used) > 3

    text = viz.explain(root, params=params, print=False)
    used = set(table_names(text))
    assert used <= shown, used - shown
    assert len(used) == len({id(s.node) for s in steps} | {id(p) for s in steps
                                                           for p in s.inputs})

    if HAS_DOT:
        page = animation_html(root, params=params)
        used = set(caption_names(page, drawn[f"n{len(order) - 1}"]))
        assert used <= shown, used - shown
        assert len(used) >= len(steps)


def test_the_readme_neuron_gets_readable_names_without_hand_labels():
    out = neuron()
    names = [node_names(out)[id(n)] for n in toposort(out)]
    assert names == ["w0", "x0", "w0*x0", "w1", "x1", "w1*x1", "w0*x0 + w1*x1", "w2",
                     "w0*x0 + w1*x1 + w2", "sigmoid1"]
    src = viz.draw_graph(out).source
    assert "{ w0*x0 + w1*x1 | data 4.00 |" in src


def test_check_report_uses_the_drawn_names():
    out = neuron(label_out=True)
    out.backward()
    g = viz.draw_graph(out, check=True)
    shown = set(drawn_names(g.source).values())
    assert sorted(c.name for c in g.checks) == ["w0", "w1", "w2", "x0", "x1"]
    assert {c.name for c in g.checks} <= shown
    text = report(g.checks)
    assert text.startswith("all 5 leaves match")
    assert re.search(r"^  w0  numeric -0\.20  analytic -0\.20  ✓ rel err", text, re.M)
    assert "numeric -0.1966" in report(g.checks, decimals=4)


# ------------------------------------------------------------------------- the naming rules
def test_user_label_wins_over_parameter_name_and_automatic_name():
    loss, model = tensor_mlp()
    model[0].weight.label = "W1"
    hidden = loss.parents[0].parents[0]  # relu's output
    hidden.label = "h"
    names = node_names(loss, model)
    assert names[id(model[0].weight)] == "W1"
    assert names[id(hidden)] == "h"
    assert names[id(model[0].bias)] == "0.bias"
    src = viz.draw_graph(loss, params=model).source
    assert "<b>W1 (4, 3)</b>" in src and "<b>h (5, 4)</b>" in src
    assert "0.weight" not in src


def test_parameter_names_when_the_model_is_passed():
    loss, model = tensor_mlp()
    for params in (model, dict(model.named_parameters()), list(model.named_parameters())):
        names = node_names(loss, params)
        for pname, p in model.named_parameters():
            assert names[id(p)] == pname
    bare = node_names(loss)
    assert bare[id(model[0].weight)].startswith("x")  # an unnamed leaf
    steps = viz.backprop_steps(loss, params=model)
    assert steps[-2].label == "relu1" and steps[-1].input_labels == ("0.weight", "0.bias")
    assert "0.weight" in viz.explain(loss, params=model, print=False)
    with pytest.raises(TypeError, match="explain: params must be"):
        viz.explain(loss, params=3, print=False)


def test_scalar_modules_short_labels_give_way_to_the_parameter_names():
    from glassgrad.nn.scalar import MLP

    gg.manual_seed(0)
    model = MLP(2, [2, 1])
    out = model([1.0, -2.0])
    names = node_names(out, model)
    for pname, p in model.named_parameters():
        assert p.label == pname.rsplit(".", 1)[1]  # the module's own label: "w0", "b"
        assert names[id(p)] == pname  # the whole name when the model is passed
    assert names[id(model.layers[0].neurons[0].w[0])] == "layers.0.neurons.0.w0"
    assert node_names(out)[id(model.layers[0].neurons[0].w[0])] == "w0"  # else the label


def test_automatic_names_are_stable_and_unique():
    for make in (lambda: neuron(), every_function, lambda: tensor_mlp()[0],
                 unlabelled_tensor_graph):
        first, second = make(), make()  # new objects, new id()s
        a = [node_names(first)[id(n)] for n in toposort(first)]
        b = [node_names(second)[id(n)] for n in toposort(second)]
        assert a == b
        auto = [name for name, n in zip(a, toposort(first)) if not n.label]
        assert len(set(auto)) == len(auto), auto
    loss = tensor_mlp()[0]
    names = [node_names(loss)[id(n)] for n in toposort(loss)]
    assert names == ["x1", "x2", "x3", "linear1", "relu1", "x4", "x5", "linear2", "x6",
                     "mse_loss1"]


def test_automatic_names_avoid_labels_and_fall_back_when_long():
    x1 = Value(2.0, "x1")  # takes the name the first unlabelled leaf would get
    c = Value(3.0)
    twice = x1 * c
    clash = x1 * c  # the same expression again: falls back to op + index
    mul3 = Value(1.0, "mul3")
    out = (twice + clash) * mul3
    names = [node_names(out)[id(n)] for n in toposort(out)]
    assert names == ["x1", "x2", "x1*x2", "mul2", "x1*x2 + mul2", "mul3", "mul3_1"]
    long = Value(1.0, "alpha") * Value(2.0, "beta") + Value(3.0, "gamma") * Value(4.0, "delta")
    name = node_names(long)[id(long)]
    assert len("alpha*beta + gamma*delta") > MAX_EXPR and name == "add1"
    neg = -(Value(1.0, "a") - Value(2.0, "b")) / Value(3.0, "c") ** 2
    assert node_names(neg)[id(neg)] == "-(a - b)/c**2"


# ------------------------------------------------------------------------- local rules
def test_scalar_steps_show_the_local_rule_and_its_value():
    a, b = Value(2.0, "a"), Value(-0.5, "b")
    steps = viz.backprop_steps((a * b).sigmoid(), decimals=2)
    assert steps[0].local_text(0) == "σ(1−σ) = 0.2"  # σ(-1)(1 - σ(-1)) = 0.1966
    assert steps[1].local_text(0) == "∂(a·b)/∂a = b = -0.5"
    assert steps[1].local_text(1) == "∂(a·b)/∂b = a = 2"
    tiny = viz.backprop_steps((a * Value(-3.0, "c")).sigmoid(), decimals=2)
    assert tiny[0].local_text(0) == "σ(1−σ) = 2.5e-03"  # below 10**-decimals: scientific
    text = viz.explain(neuron(), print=False)
    assert "σ(1−σ) = 0.1966" in text
    assert "∂(a·b)/∂a = b = -1" in text and "∂(a+b)/∂b = 1 " in text
    rules = {s.op: s.rules for s in viz.backprop_steps(every_function())}
    assert rules["tanh"] == ("1 − tanh²",) and rules["/"] == ("∂(a/b)/∂a = 1/b",
                                                             "∂(a/b)/∂b = −a/b²")
    assert rules["**3"] == ("∂(x**3)/∂x = 3·x**2",)


@needs_dot
def test_animate_caption_shows_the_local_rule():
    page = animation_html(neuron(label_out=True))
    assert "local dout/d(w0*x0 + w1*x1 + w2) = σ(1−σ) = 0.20" in page


# ------------------------------------------------------------------------- decimals
def test_decimals_everywhere():
    out = neuron(label_out=True)
    steps = viz.backprop_steps(out, decimals=6)
    assert "upstream=1)" in repr(steps[0]) and "0.196612" in steps[0].local_text(0)
    assert "backward pass of out = 0.731059" in viz.explain(out, decimals=6, print=False)
    assert "backward pass of out = 0.73\n" in viz.explain(out, decimals=2, print=False)
    assert "backward pass of out = 0.7311\n" in viz.explain(out, print=False)  # 4 by default
    loss, model = tensor_mlp()
    two = viz.explain(loss, params=model, print=False)
    five = viz.explain(loss, params=model, decimals=5, print=False)
    assert re.search(r"mean -?\d\.\d\d? ", two) and re.search(r"mean -?\d\.\d{4,5} ", five)
    out.backward()
    assert "{ w0 | data 2.0000 | grad -0.1966 }" in viz.draw_graph(out, decimals=4).source
    assert "{ w0 | data 2.00 | grad -0.20 }" in viz.draw_graph(out).source
    assert viz.draw_graph(out, precision=4).source == viz.draw_graph(out, decimals=4).source


@needs_dot
def test_decimals_in_animate():
    from glassgrad.viz.animate import animation_html

    page = animation_html(neuron(label_out=True), decimals=3)
    assert "forward: out = sigmoid(w0*x0 + w1*x1 + w2) = sigmoid(1.000) = 0.731" in page
    assert "local dout/d(w0*x0 + w1*x1 + w2) = σ(1−σ) = 0.197" in page
    assert "data 0.731" in page


# ------------------------------------------------------------------------- explain on Tensors
def _table_rows(text):
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("step  node"))
    rows = []
    for line in lines[k + 2:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def test_explain_tensor_mlp_one_line_per_step_with_statistics():
    loss, model = tensor_mlp()
    steps = viz.backprop_steps(loss, params=model)
    text = viz.explain(loss, params=model, print=False)
    rows = _table_rows(text)
    numbered = [r for r in rows if re.match(r"\d+ ", r)]
    assert [int(r.split()[0]) for r in numbered] == list(range(1, len(steps) + 1))
    # the other rows continue a step: more inputs of it, nothing wrapped
    assert len(rows) == sum(len(s.inputs) for s in steps)
    assert all(r.startswith(" ") and not r.strip().startswith("[") for r in rows
               if r not in numbered)
    relu = next(r for r in numbered if r.split()[1] == "relu1")
    num = r"-?\d[\d.e+-]*"
    assert re.search(rf"\(5, 4\) mean {num} std {num} \[{num}, {num}\]", relu), relu
    assert "\n [" not in text and "],\n" not in text  # no wrapped arrays anywhere
    assert "0.weight  (4, 3) mean" in text  # the gradient list
    small = next(r for r in rows if "2.bias" in r)
    assert re.search(r"\[-?\d\.\d+\]", small)  # one element: its value inline


def test_explain_after_backward_works_from_the_stored_gradients():
    loss, model = tensor_mlp()
    before = viz.explain(loss, params=model, print=False)
    with retain_grads():
        loss.backward()
    after = viz.explain(loss, params=model, print=False)
    assert "already freed" in after and "backward(retain_graph=True)" in after
    assert len(_table_rows(after)) == len(_table_rows(before))
    assert _table_rows(after)[0].split()[:3] == ["1", "mse_loss1", "mse_loss"]
    relu = next(r for r in _table_rows(after) if r.split()[1:2] == ["relu1"])
    assert "—" not in relu.split("[x > 0]")[0][-60:]  # upstream: relu1's kept .grad
    assert "[x > 0]" in relu and "gradᵀ @ x" in after
    grads = after.split("(their .grad):")[1]
    b2 = model[2].bias.grad.detach().numpy()
    assert f"2.bias    [{b2[0]:.2f}]" in grads
    # the leaf gradients agree with the full table's
    assert grads.strip() == before.split("d(leaf):")[1].strip()
    # without retain_grads only the root's upstream is known
    loss, model = tensor_mlp()
    loss.backward()
    plain = viz.explain(loss, params=model, print=False)
    assert [r.split("  ")[0] for r in _table_rows(plain)][:1] == ["1"]
    assert all("—" in r for r in _table_rows(plain)[1:])
    with pytest.raises(RuntimeError, match=r"before \.backward\(\).*retain_graph=True"):
        viz.backprop_steps(loss)  # the steps themselves need the saved arrays


def test_explain_after_backward_with_retain_graph_is_the_full_table():
    loss, model = tensor_mlp()
    before = viz.explain(loss, params=model, print=False)
    loss.backward(retain_graph=True)
    assert viz.explain(loss, params=model, print=False) == before


def test_explain_returns_text_that_jupyter_displays():
    out = neuron(label_out=True)
    text = viz.explain(out, print=False)
    assert isinstance(text, str) and str(text) == text
    page = text._repr_html_()
    assert page.startswith("<pre") and "σ(1−σ) = 0.1966" in page
    assert "&lt;" not in text and "step  node" in page
