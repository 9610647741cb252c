"""viz.backprop_steps, viz.explain, the formula parser and ``python -m glassgrad explain``."""

import ast
import builtins
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import cli
from glassgrad.autograd.graph import sum_to
from glassgrad.viz.expr import ExpressionError, build, parse, parse_assignments
from glassgrad.viz.steps import RULES, Step, backprop_steps, explain, fmt

CLASSIC = {"x": -2.0, "y": 5.0, "z": -4.0}


# ----------------------------------------------------------------------------- identities
def _check_conservation(steps):
    """What flows into a node from all its consumers is that node's upstream later on."""
    into = {}
    for s in steps:
        if id(s.node) in into:
            assert np.array_equal(np.asarray(into[id(s.node)]), np.asarray(s.upstream)), s
        for p, d in zip(s.inputs, s.downstream):
            if d is not None:
                into[id(p)] = into[id(p)] + d if id(p) in into else d
    return into


def _leaf_sums(steps):
    into = _check_conservation(steps)
    leaves = {id(p): p for s in steps for p in s.inputs if not p.parents}
    return {i: into[i] for i in leaves}, leaves


def _value_graphs():
    v = gg.Value
    x1, x2, w1, w2 = v(2.0, "x1"), v(0.0, "x2"), v(-3.0, "w1"), v(1.0, "w2")
    b = v(6.8813735870195432, "b")
    neuron = (x1 * w1 + x2 * w2 + b).tanh()
    x, y, z = v(-2.0, "x"), v(5.0, "y"), v(-4.0, "z")
    classic = (x + y) * z
    a, c = v(1.3, "a"), v(0.7, "c")
    every = ((a * c).exp() + (a + 2).log() - c.sigmoid() / a + (-a).relu() + a.relu()
             + (a ** 3) * (c ** -0.5) + a ** c - (a - c).tanh() + a * a)
    return {"neuron": neuron, "classic": classic, "every function": every}


@pytest.mark.parametrize("name", ["neuron", "classic", "every function"])
def test_value_steps_identities_hold_exactly(name):
    root = _value_graphs()[name]
    steps = backprop_steps(root)
    assert steps and steps[0].node is root and steps[0].upstream == 1.0
    for s in steps:
        assert isinstance(s, Step) and s.op == s.node.op and s.elementwise
        assert len(s.inputs) == len(s.local) == len(s.downstream) == len(s.node.parents)
        for u, d in zip(s.local, s.downstream):
            assert d == s.upstream * u  # exactly, not approximately
    sums, leaves = _leaf_sums(steps)
    root.backward()
    for i, leaf in leaves.items():
        assert sums[i] == leaf.grad, leaf.label  # the same order of additions as backward
    for s in steps:
        assert s.upstream == s.node.grad  # Value keeps every intermediate gradient


def test_classic_value_steps():
    steps = backprop_steps(_value_graphs()["classic"])
    assert [(s.op, s.upstream, s.local, s.downstream) for s in steps] == [
        ("*", 1.0, (-4.0, 3.0), (-4.0, 3.0)),
        ("+", -4.0, (1.0, 1.0), (-4.0, -4.0)),
    ]
    assert steps[1].input_labels == ("x", "y")


def _elementwise_graph():
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.uniform(0.5, 2, (3, 1)), requires_grad=True)
    y = gg.tensor(rng.uniform(0.5, 2, (4,)), requires_grad=True)
    s = gg.tensor(1.5, dtype=gg.float64, requires_grad=True)
    x.label, y.label, s.label = "x", "y", "s"
    h = x * y + x / y - y**2 + (x - y).tanh() * s + (x * s).exp().log() + (-y).sigmoid()
    h = h + (x - 1).relu() + y.sin() * x.cos() + x**y + gg.maximum(x, y) + 2 / x
    return h, (x, y, s)


def test_elementwise_tensor_steps_identities():
    h, leaves = _elementwise_graph()
    w = np.random.default_rng(1).standard_normal(h.shape)
    steps = backprop_steps(h, grad=w)  # a non-scalar root with an explicit gradient
    assert np.array_equal(steps[0].upstream, w)
    assert all(s.elementwise for s in steps)
    for s in steps:
        for p, u, d in zip(s.inputs, s.local, s.downstream):
            assert d.shape == p.shape
            assert np.array_equal(d, sum_to(s.upstream * u, p.shape).astype(d.dtype)), s
    sums, _ = _leaf_sums(steps)
    h.backward(gg.tensor(w))
    for t in leaves:
        np.testing.assert_allclose(sums[id(t)], t.grad.data, rtol=1e-12, atol=1e-14)


def test_tensor_upstream_is_the_intermediate_gradient():
    from glassgrad.autograd.graph import retain_grads

    h, _ = _elementwise_graph()
    loss = (h * h).sum()
    steps = backprop_steps(loss)
    with retain_grads():
        loss.backward()
    for s in steps:
        np.testing.assert_allclose(s.upstream, s.node.grad.data, rtol=1e-12)


def _mlp():
    gg.manual_seed(0)
    x = gg.randn(6, 4)
    w1, b1 = gg.randn(5, 4, requires_grad=True), gg.zeros(5, requires_grad=True)
    w2, b2 = gg.randn(3, 5, requires_grad=True), gg.zeros(3, requires_grad=True)
    w1.label, b1.label, w2.label, b2.label = "W1", "b1", "W2", "b2"
    h = F.relu(x @ w1.T + b1)
    loss = F.cross_entropy(F.linear(h, w2, b2), gg.tensor([0, 2, 1, 1, 0, 2]))
    return loss, (w1, b1, w2, b2)


def test_mlp_steps_match_backward():
    loss, params = _mlp()
    steps = backprop_steps(loss)
    ops = [s.op for s in steps]
    assert ops[:2] == ["cross_entropy", "linear"] and "matmul" in ops and "relu" in ops
    by_op = {s.op: s for s in steps}
    assert by_op["matmul"].local == ("grad @ Bᵀ", "Aᵀ @ grad")[1:]  # only B needs grad
    assert by_op["linear"].local == ("grad @ W", "gradᵀ @ x", "grad summed over the leading dims")
    assert by_op["cross_entropy"].local[0].startswith("grad · (softmax(x)")
    assert "/ n ('mean')" in by_op["cross_entropy"].local[0]
    relu = by_op["relu"]
    assert np.array_equal(relu.local[0], (relu.inputs[0].detach().numpy() > 0).astype(float))
    sums, _ = _leaf_sums(steps)
    loss.backward()
    for p in params:
        np.testing.assert_allclose(sums[id(p)], p.grad.data, rtol=1e-12, atol=1e-15)


def test_conv_steps_match_backward():
    gg.manual_seed(1)
    x = gg.randn(2, 1, 6, 6)
    w = gg.randn(3, 1, 3, 3, requires_grad=True)
    b = gg.randn(3, requires_grad=True)
    out = F.max_pool2d(F.conv2d(x, w, b, padding=1), 2).reshape(2, -1).mean()
    steps = backprop_steps(out)
    conv = next(s for s in steps if s.op == "conv2d")
    assert conv.local == RULES["conv2d"][1:]  # x needs no grad: the rules for w and b
    assert [s.op for s in steps] == ["mean", "reshape", "max_pool2d", "conv2d"]
    sums, _ = _leaf_sums(steps)
    out.backward()
    for t in (w, b):
        np.testing.assert_allclose(sums[id(t)], t.grad.data, rtol=1e-12)


def test_steps_after_backward_need_retain_graph():
    loss, _ = _mlp()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"before \.backward\(\).*retain_graph=True"):
        backprop_steps(loss)
    loss, params = _mlp()
    loss.backward(retain_graph=True)
    grads = [p.grad.detach().numpy().copy() for p in params]
    steps = backprop_steps(loss)  # the graph is kept; .grad is not touched
    assert steps
    for p, g in zip(params, grads):
        assert np.array_equal(p.grad.data, g)


def test_steps_of_a_leaf_and_of_a_constant():
    x = gg.tensor(2.0, requires_grad=True)
    assert backprop_steps(x) == []
    with pytest.raises(RuntimeError, match="does not require grad"):
        backprop_steps(gg.tensor(1.0))
    with pytest.raises(TypeError, match="Tensor or a Value"):
        backprop_steps(3.0)


# ----------------------------------------------------------------------------- explain
def _row(text, *cells):
    return any(re.search(r"\s+".join(map(re.escape, cells)), line) for line in text.splitlines())


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_explain_classic_table(engine, capsys):
    f, leaves = build("(x + y) * z", CLASSIC, engine=engine)
    text = explain(f)
    assert capsys.readouterr().out.strip() == text.strip()
    mul, add = ("*", "+") if engine == "value" else ("mul", "add")
    q = "x + y" if engine == "value" else "add1"  # the names draw_graph draws (viz.names)
    assert "backward pass of f = -12" in text
    assert _row(text, "1", "f", mul, "-12", q, "1", "∂(a·b)/∂a = b = -4", "-4")  # df/dq = z
    assert _row(text, "z", "∂(a·b)/∂b = a = 3", "3")  # df/dz = q = 3
    assert _row(text, "2", q, add, "3", "x", "-4", "∂(a+b)/∂a = 1", "-4")
    assert _row(text, "y", "∂(a+b)/∂b = 1", "-4")
    grads = text.split("gradients df/d(leaf):")[1].split()
    assert grads == ["x", "-4", "y", "-4", "z", "3"]


def test_explain_rounds_and_summarizes(capsys):
    a = gg.Value(1.0, "a")
    text = explain(a / 3 * 7, print=False)
    assert capsys.readouterr().out == ""
    assert "0.3333" in text and "2.333" in text and "0.333333" not in text
    loss, _ = _mlp()
    text = explain(loss, print=False)
    assert "grad @ W" in text and "(6, 5) mean" in text and " std " in text
    assert fmt(np.array([1 / 3, 2.0])) == "[0.3333, 2]" and fmt(np.full((3, 3), 2.0)) == (
        "(3, 3) all 2")
    assert fmt(np.float64(-0.0)) == "0" and fmt(None) == "—"


# ----------------------------------------------------------------------------- the parser
@pytest.mark.parametrize("formula, expected", [
    ("(x + y) * z", (-2 + 5) * -4),
    ("-x ** 2 + +y / z", -((-2) ** 2) + 5 / -4),
    ("exp(x) * log(y) - tanh(z) + sigmoid(x) + relu(x) + relu(y)",
     math.exp(-2) * math.log(5) - math.tanh(-4) + 1 / (1 + math.exp(2)) + 0 + 5),
    ("sin(x) * cos(y) + x ** y + y ** 0.5", math.sin(-2) * math.cos(5) + (-2) ** 5 + 5**0.5),
    ("2 ** 3 * x + (1 + 2) / 4", 8 * -2 + 0.75),
    ("3", 3.0),
])
def test_build_computes_the_formula(formula, expected):
    root, leaves = build(formula, CLASSIC, engine="tensor")
    assert math.isclose(float(root.data), expected, rel_tol=1e-12)
    assert {k: float(v.data) for k, v in leaves.items()} == {
        k: CLASSIC[k] for k in leaves}
    vroot, _ = build(formula, CLASSIC, engine="value")
    assert math.isclose(vroot.data, expected, rel_tol=1e-12)


def test_build_labels_and_gradients():
    f, leaves = build("tanh(w*x + b) * x * q1", {"w": 0.5, "x": 2.0, "b": -1.0, "q1": 3.0})
    steps = backprop_steps(f)
    assert [s.node.label for s in steps] == ["f", "", "", "", ""]  # intermediates unlabelled
    assert [s.label for s in steps] == ["f", "tanh(w*x + b)*x", "tanh(w*x + b)", "w*x + b",
                                        "w*x"]  # their names (viz.names)
    f.backward()
    t = math.tanh(0.5 * 2 - 1)
    assert math.isclose(leaves["w"].grad, (1 - t * t) * 2 * 2 * 3)
    assert leaves["x"].label == "x"
    f2, _ = build("x * f", {"x": 1.0, "f": 2.0})
    assert f2.label == "out"


def test_build_needs_every_value_and_sane_numbers():
    with pytest.raises(ExpressionError, match=r"variable 'w' has no value; pass --set w=\.\.\."):
        build("w * x", {"x": 1.0})
    with pytest.raises(ExpressionError, match="cannot compute log"):
        build("log(x - 1)", {"x": 1.0}, engine="value")
    with pytest.raises(ExpressionError, match="exponent 1000 is too large"):
        build("x ** y", {"x": 1.0, "y": 1000.0})
    assert parse_assignments(["x=-2", "y=5,z=1e-3"]) == {"x": -2.0, "y": 5.0, "z": 1e-3}
    for bad in (["x"], ["x=abc"], ["1x=2"]):
        with pytest.raises(ExpressionError, match="--set"):
            parse_assignments(bad)


HOSTILE = [
    ("__import__('os').system('ls')", "not allowed: calling attribute access"),
    ("x.__class__", "not allowed: attribute access (x.__class__)"),
    ("(lambda: 1)()", "not allowed: calling lambda"),
    ("lambda: 1", "not allowed: lambda"),
    ("open('f')", "unknown function 'open'; allowed: exp, log, tanh, sigmoid, relu, sin, cos"),
    ("__import__('os')", "unknown function '__import__'"),
    ("__builtins__", "not allowed: name '__builtins__'"),
    ("2**99999999", "exponent 99999999 is too large (max 100)"),
    ("9**9**9**9", "exponent 387420489 is too large (max 100)"),
    ("x ** 101", "exponent 101 is too large"),
    ("x if y else z", "not allowed: conditional expression"),
    ("[1,2]", "not allowed: list"),
    ("(x, y)", "not allowed: tuple"),
    ("{}", "not allowed: dict"),
    ("'a'", "not allowed: string constant ('a')"),
    ("b'a'", "not allowed: bytes constant"),
    ("True", "not allowed: boolean constant"),
    ("1j * x", "not allowed: complex number constant"),
    ("x; y", "syntax error: invalid syntax at column 2"),
    ("x = 1", "syntax error"),
    ("x == y", "not allowed: comparison (x == y)"),
    ("x and y", "not allowed: boolean operator"),
    ("not x", "not allowed: operator 'not'"),
    ("x // y", "not allowed: operator '//'"),
    ("x @ y", "not allowed: operator '@'"),
    ("x[0]", "not allowed: subscript"),
    ("f(x)", "unknown function 'f'"),
    ("exp(x, y)", "exp takes exactly one argument, got 2"),
    ("exp()", "exp takes exactly one argument, got 0"),
    ("exp(x=1)", "not allowed: keyword arguments (x=1)"),
    ("exp(*x)", "not allowed: starred expression"),
    ("exp", "'exp' is a function; call it as exp(...)"),
    ("sin.__call__(x)", "not allowed: calling attribute access"),
    ("[c for c in x]", "not allowed: comprehension"),
    ("(y := 2)", "not allowed: assignment expression"),
    ("f'{x}'", "not allowed: f-string"),
    ("1e999 * x", "number too large"),
    ("x" * 100_000, "formula is too long (100000 characters, max 1000)"),
    ("(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
    ("-" * 500 + "x", "nested too deeply"),
    ("", "the formula is empty"),
    ("x\0", "null bytes"),
    # Python's parser would read these fullwidth letters as plain x and y (NFKC)
    ("\uff58 + \uff59", "non-ASCII character '\uff58' (U+FF58 FULLWIDTH LATIN SMALL LETTER X) "
                        "at column 1"),
    ("x + \u0661", "non-ASCII character '\u0661' (U+0661 ARABIC-INDIC DIGIT ONE) at column 5"),
    ("x\u00b2", "U+00B2 SUPERSCRIPT TWO"),
    ("1e308 * 10", "1e+308 * 10 overflows to inf although its inputs are finite"),
    ("-1e308 - 1e308", "overflows to -inf"),
    ("x * 1e300 * 1e300", "x * 1e+300 * 1e+300 overflows to inf"),
    ("exp(x * 800)", "cannot compute exp(x * 800)"),
    ("-exp(" * 101 + "x" + ")" * 101, "nested too deeply (more than 200 levels)"),
]


@pytest.mark.parametrize("formula, message", HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_hostile_formulas_are_rejected(formula, message, monkeypatch, tmp_path):
    def trap(*args, **kwargs):
        raise AssertionError("user input reached eval/exec/os.system")

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, trap)
    monkeypatch.setattr(os, "system", trap)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExpressionError) as info:
        build(formula, {"x": 1.0, "y": 2.0, "z": 3.0})
    assert message in str(info.value)
    assert list(tmp_path.iterdir()) == []  # nothing ran, nothing was written


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_overflow_from_variables_is_an_error_on_both_engines(engine):
    with pytest.raises(ExpressionError, match=r"x \* y overflows to inf although its inputs"):
        build("x * y + 1", {"x": 1e200, "y": 1e200}, engine=engine)
    # an inf the user asked for is not an overflow: it shows in the table
    root, _ = build("x * y", {"x": math.inf, "y": 2.0}, engine=engine)
    assert math.isinf(float(root.data))


@pytest.mark.parametrize("sep", ["+", "-", "*", "/"])
def test_depth_is_nesting_not_the_number_of_terms(sep):
    """A flat chain of 200 terms is depth 1 (it used to be refused as nested too deeply),
    and it still computes the right value and gradient."""
    x = 1.001
    root, leaves = build(sep.join(["x"] * 200), {"x": x})
    value, grad = {"+": (200 * x, 200.0), "-": (-198 * x, -198.0),
                   "*": (x**200, 200 * x**199), "/": (x**-198, -198 * x**-199)}[sep]
    assert root.data == pytest.approx(value, rel=1e-12)
    root.backward()
    assert leaves["x"].grad == pytest.approx(grad, rel=1e-12)
    parse("(" * 199 + "x" + ")" * 199)  # parentheses nest up to Python's own limit


def test_parse_accepts_what_the_whitelist_allows_and_returns_its_tree():
    """parse returns Python's own parse of the formula, unchanged (checked node by node
    against ast.parse), and the trees have the expected shape and values."""
    ok = ("x", "-x", "+x", "1.5e3 * x", "exp(sin(cos(x)))", "x ** -2",
          "(" * 150 + "x" + ")" * 150, " + ".join(["x"] * 150))
    for formula in ok:
        tree = parse(formula)
        assert isinstance(tree, ast.Expression), formula
        assert ast.dump(tree) == ast.dump(ast.parse(formula, mode="eval")), formula[:40]
    assert isinstance(parse("x").body, ast.Name) and parse("x").body.id == "x"
    neg = parse("-x").body
    assert isinstance(neg, ast.UnaryOp) and isinstance(neg.op, ast.USub)
    assert isinstance(parse("+x").body.op, ast.UAdd)
    scaled = parse("1.5e3 * x").body
    assert isinstance(scaled.op, ast.Mult) and scaled.left.value == 1500.0
    calls, node = [], parse("exp(sin(cos(x)))").body
    while isinstance(node, ast.Call):
        calls.append(node.func.id)
        node = node.args[0]
    assert calls == ["exp", "sin", "cos"] and node.id == "x"
    power = parse("x ** -2").body
    assert isinstance(power.op, ast.Pow) and isinstance(power.right, ast.UnaryOp)
    assert power.right.operand.value == 2
    assert isinstance(parse("(" * 150 + "x" + ")" * 150).body, ast.Name)
    adds, node = 0, parse(" + ".join(["x"] * 150)).body
    while isinstance(node, ast.BinOp):
        assert isinstance(node.op, ast.Add)
        adds, node = adds + 1, node.left
    assert adds == 149
    values = {"x": 2.0}
    for formula, expected in [("1.5e3 * x", 3000.0), ("x ** -2", 0.25), ("-x", -2.0),
                              (" + ".join(["x"] * 150), 300.0)]:
        assert float(build(formula, values)[0].data) == expected, formula


# ----------------------------------------------------------------------------- the command
def test_cli_explain_prints_the_table(capsys):
    assert cli.main(["explain", "(x+y)*z", "--set", "x=-2", "y=5", "z=-4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("f = (x+y)*z")
    assert _row(out, "f", "*", "-12", "x + y", "1", "∂(a·b)/∂a = b = -4", "-4")  # Value ops
    assert _row(out, "x + y", "+", "3", "x", "-4", "∂(a+b)/∂a = 1", "-4")
    assert cli.main(["explain", "(x+y)*z", "--set", "x=-2", "y=5", "z=-4", "--engine",
                     "tensor"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "f", "mul", "-12", "add1", "1", "∂(a·b)/∂a = b = -4", "-4")
    assert cli.main(["explain", "tanh(x) + sin(x)", "--set", "x=0.5", "--engine", "tensor"]) == 0
    assert "cos" not in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["x.__class__", "--set", "x=1"], "not allowed: attribute access"),
    (["w * x", "--set", "x=1"], "variable 'w' has no value; pass --set w=..."),
    (["x", "--set", "x=abc"], "--set x: 'abc' is not a number"),
    (["log(x)", "--set", "x=-1"], "cannot compute log"),
])
def test_cli_explain_bad_input_exits_2(argv, message, capsys):
    assert cli.main(["explain", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.out == ""


def test_cli_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "glassgrad", "explain", "(x+y)*z", "--set",
                        "x=-2", "y=5", "z=-4"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "gradients df/d(leaf):" in r.stdout
    r = subprocess.run([sys.executable, "-m", "glassgrad", "explain", "__import__('os')"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown function '__import__'" in r.stderr


def test_cli_explain_renders_the_graph(tmp_path, capsys):
    from glassgrad import viz

    assert callable(viz.draw_graph)  # a missing draw_graph fails here; it never skips
    path = tmp_path / "graph.dot"
    assert cli.main(["explain", "(x+y)*z", "--set", "x=-2", "y=5", "z=-4", "-o",
                     str(path)]) == 0
    assert "graph written to" in capsys.readouterr().out
    text = path.read_text()
    assert "digraph" in text and "x + y" in text and "grad" in text  # backward ran first


def _registry():
    from glassgrad.testing.opspecs import cases_of, load_all

    specs = load_all()
    return specs, cases_of


@pytest.mark.parametrize("name", sorted(n for n, s in _registry()[0].items() if not s.composed))
def test_every_registered_op_is_explained_and_its_steps_give_backward(name):
    """Each op's step has a local derivative (elementwise ops) or a rule text, and its
    downstream gradients equal what backward puts into the inputs' .grad."""
    specs, cases_of = _registry()
    s = specs[name]
    case = cases_of(s)[0]
    xs = s.tensors(case)
    out = s.fn(*xs, **case.kwargs)
    if not out.requires_grad:
        return
    w = np.random.default_rng(3).standard_normal(out.shape).astype(out.dtype)
    steps = backprop_steps(out, grad=w)
    assert steps and steps[0].op == out.grad_fn.name
    for st in steps:
        for u in st.local:
            assert u is not None and (not isinstance(u, str) or u), f"{st.op}: no rule"
    if len(steps) == 1:  # the op alone: its downstream is the inputs' gradient
        out.backward(gg.tensor(w))
        total = {}
        for p, d in zip(steps[0].inputs, steps[0].downstream):
            if d is not None:  # an input used twice (x @ x) adds up its two downstreams
                total[id(p)] = (p, total[id(p)][1] + d if id(p) in total else d)
        for p, d in total.values():
            if p.grad is not None:
                np.testing.assert_allclose(d, p.grad.data, rtol=1e-10, atol=1e-12)
