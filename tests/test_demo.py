"""The demo's glass box (glassgrad.demo): the neuron's explain table, picture and step-through
page, the MLP picture grouped by module, and what happens without Graphviz. The whole demo
(training included) runs in tests/test_cli.py; these call the glass-box functions directly.
"""

import html
import re

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import demo, nn, viz
from needs import needs_dot


def small_mlp_batch():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    rng = np.random.default_rng(0)
    return model, rng.standard_normal((8, 4)).astype(np.float32), rng.integers(0, 3, 8)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which graphviz cannot find ``dot``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


# ----------------------------------------------------------------------------- the neuron
def test_neuron_is_the_classic_one():
    out, leaves = demo.neuron()
    assert [v.label for v in leaves] == ["w0", "x0", "w1", "x1", "w2"]
    assert out.data == pytest.approx(0.7310585786)  # sigmoid(1)
    s = out.data * (1 - out.data)
    assert [v.grad for v in leaves] == pytest.approx([-s, 2 * s, -2 * s, -3 * s, s])


def test_explain_table_names_every_leaf_and_shows_the_output(tmp_path, capsys):
    demo.scalar_neuron(str(tmp_path))
    out = capsys.readouterr().out
    table = out[out.index("viz.explain"):]
    assert "backward pass of out = 0.7311" in table
    assert "σ(1−σ) = 0.1966" in table
    for name in ("w0", "x0", "w1", "x1", "w2"):  # each leaf's gradient, by name
        assert re.search(rf"^\s+{name}\s+-?0\.\d{{4}}$", table, re.M), name


@needs_dot
def test_neuron_picture_and_step_through_page(tmp_path, capsys):
    files = demo.scalar_neuron(str(tmp_path))
    assert [p for p, _ in files] == [str(tmp_path / "neuron.svg"), str(tmp_path / "neuron.html")]
    svg = html.unescape((tmp_path / "neuron.svg").read_text())  # dot writes "-" as &#45;
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("w0", "x0", "w1", "x1", "w2", "0.7311", "-0.1966", "rel err"):
        assert text in svg, text  # values and gradients at 4 decimals, leaves checked
    page = (tmp_path / "neuron.html").read_text()
    assert "<html" in page.lower() and "<svg" in page and "w0" in page
    assert not re.search(r"https?://|url\(|@import|<script[^>]+src=", page)  # loads nothing
    assert "not found" not in capsys.readouterr().out


@needs_dot
def test_mlp_picture_is_grouped_by_module(tmp_path, capsys):
    model, x, y = small_mlp_batch()
    path, what = demo.mlp_picture(model, x, y, str(tmp_path), "a small MLP's loss")
    assert path == str(tmp_path / "mlp.svg") and what.startswith("a small MLP's loss")
    svg = html.unescape((tmp_path / "mlp.svg").read_text())
    for text in ("0: Linear(4, 8)", "2: Linear(8, 3)", "0.weight", "2.bias", "loss", "grad"):
        assert text in svg, text
    assert all(p.grad is not None for p in model.parameters())  # drawn after backward
    assert capsys.readouterr().out == ""  # nothing printed when all went well


# ----------------------------------------------------------------------------- no Graphviz
def test_without_dot_it_writes_the_dot_text_and_says_what_it_skipped(no_dot, tmp_path,
                                                                      capsys):
    out_dir = tmp_path / "demo"
    files = demo.scalar_neuron(str(out_dir))
    model, x, y = small_mlp_batch()
    files.append(demo.mlp_picture(model, x, y, str(out_dir)))
    assert [p for p, _ in files] == [str(out_dir / "neuron.dot"), str(out_dir / "mlp.dot")]
    assert sorted(f.name for f in out_dir.iterdir()) == ["mlp.dot", "neuron.dot"]
    assert (out_dir / "neuron.dot").read_text().startswith("digraph glassgrad")
    assert "0.weight" in (out_dir / "mlp.dot").read_text()
    printed = capsys.readouterr().out
    notes = [line for line in printed.splitlines() if "dot program was not found" in line]
    assert len(notes) == 2
    assert "neuron.dot" in notes[0] and "skipped the step-through page" in notes[0]
    assert "mlp.dot" in notes[1]
    assert "backward pass of out = 0.7311" in printed  # the table needs no Graphviz


# ----------------------------------------------------------------------------- the file list
def test_files_are_listed_relative_to_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    demo.print_files([(str(tmp_path / "runs" / "demo" / "neuron.svg"), "the neuron"),
                      ("runs/demo/loss.png", "loss per epoch")])
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["  runs/demo/neuron.svg  the neuron", "  runs/demo/loss.png    loss per epoch"]


def test_a_path_outside_the_current_folder_stays_absolute(tmp_path, monkeypatch, capsys):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    demo.print_files([(str(tmp_path / "elsewhere" / "mlp.svg"), "the MLP")])
    assert capsys.readouterr().out.split() == [str(tmp_path / "elsewhere" / "mlp.svg"), "the",
                                                "MLP"]


# ----------------------------------------------------------------------------- viz exports
def test_node_names_is_exported_from_viz():
    assert "node_names" in viz.__all__
    out, leaves = demo.neuron()
    names = viz.node_names(out)
    assert [names[id(v)] for v in leaves] == ["w0", "x0", "w1", "x1", "w2"]
    assert names[id(out)] == "out"


def test_check_report_is_exported_from_viz():
    assert "report" in viz.__all__
    out, _ = demo.neuron()
    text = viz.report(viz.draw_graph(out, check=True).checks)
    assert text.splitlines()[0] == "all 5 leaves match the central difference"


def test_explain_moved_but_is_importable_from_where_it_was():
    from glassgrad.viz import explain, steps
    from glassgrad.viz.steps import Explanation

    assert explain is steps.explain and explain.__module__ == "glassgrad.viz.explain"
    out, _ = demo.neuron()
    assert isinstance(explain(out, print=False), Explanation)
    with pytest.raises(AttributeError, match="no_such_name"):
        steps.no_such_name  # noqa: B018
