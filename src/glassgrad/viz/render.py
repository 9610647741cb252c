"""``draw_graph``: the glass box. Any graph, Value or Tensor, drawn with its values and
gradients as a ``graphviz.Digraph``.

Every node kind has its own look:

========== ====================================================================
output     orange, double border: the root
param      blue, rounded: a named parameter (``0.weight (8, 6)``)
leaf       amber, rounded: another leaf that requires grad (a labelled Value)
input      grey: a leaf without gradient (data, constants)
value      white: an intermediate result
op         small grey ellipse with the op name, between a result and its inputs
module     violet 3-d box: a collapsed module call
elided     dashed: ``… N nodes …`` standing for a run of left-out nodes
========== ====================================================================

``.source`` is plain DOT text and needs no Graphviz install; ``.pipe()``, ``.render()`` and
Jupyter's inline display need the ``dot`` program and raise :class:`GraphvizNotFoundError`,
which says how to install it, when it is missing.
"""

from __future__ import annotations

import graphviz
import numpy as np

from ..autograd.value import Value
from . import format as fmt
from .check import check_leaves
from .layout import plan
from .names import names_in, param_names

FONT = "Helvetica"
MONO = "monospace"
GREY = "#6b7280"
OK_FILL, OK_LINE = "#dcfce7", "#15803d"
BAD_FILL, BAD_LINE = "#fee2e2", "#b91c1c"

STYLES = {
    "output": {"fillcolor": "#ffedd5", "color": "#c2410c", "peripheries": "2"},
    "param": {"fillcolor": "#dbeafe", "color": "#1d4ed8", "style": "rounded,filled"},
    "leaf": {"fillcolor": "#fef3c7", "color": "#b45309", "style": "rounded,filled"},
    "input": {"fillcolor": "#f3f4f6", "color": "#9ca3af"},
    "value": {"fillcolor": "#ffffff", "color": "#4b5563"},
    "op": {"shape": "ellipse", "fillcolor": "#e5e7eb", "color": GREY, "fontsize": "10",
           "margin": "0.05,0.02", "height": "0.3"},
    "module": {"shape": "box3d", "fillcolor": "#ede9fe", "color": "#6d28d9"},
    "elided": {"shape": "box", "style": "dashed,rounded", "color": "#9ca3af",
               "fontcolor": GREY},
}
CLUSTER_FILLS = ("#f8fafc", "#eef2ff", "#e0e7ff", "#c7d2fe")

INSTALL_HELP = (
    "draw_graph: rendering needs the Graphviz 'dot' program, which was not found on PATH "
    "({cause}). Install it with 'apt-get install graphviz' (Debian/Ubuntu), 'brew install "
    "graphviz' (macOS) or 'conda install graphviz' (conda, any OS). The DOT text is available "
    "without it as .source."
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering a picture needs the Graphviz ``dot`` program; this says how to install it."""

    def __init__(self, cause):
        RuntimeError.__init__(self, INSTALL_HELP.format(cause=cause))


class GlassDigraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains a missing Graphviz install."""

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFoundError(e) from e

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFoundError(e) from e

    def __repr__(self):
        """What a plain-text frontend shows (Jupyter shows the SVG): no memory address."""
        nodes = sum(1 for line in self.body if " [" in line and "->" not in line)
        return f"<GlassDigraph: {nodes} nodes; .source is the DOT, .pipe('svg') the picture>"


def _is_node(x):
    return hasattr(x, "parents") and hasattr(x, "data") and hasattr(x, "grad")


def draw_graph(root, params=None, show_values=True, show_grads=True, show_shapes=True,
               rankdir="LR", max_nodes=500, group_modules=True, *, collapse=(), depth=None,
               show_saved=False, sparklines=True, decimals=2, check=False, fn=None,
               tol=1e-3, eps=1e-6, seed=0, precision=None):
    """Draw the graph that computed ``root`` (a Tensor or a Value, or a list of them).

    Every node is drawn with its name (``viz.names``): its label, else its parameter name,
    else an automatic one (``x1`` for a leaf, ``w0*x0`` or ``mul1`` for a result). ``explain``,
    ``backprop_steps`` and ``animate`` call it by the same name.

    Args:
        params: names for parameters: an ``nn.Module`` (its ``named_parameters()`` and
            ``named_modules()`` are used) or ``dict(model.named_parameters())``.
        show_values / show_grads / show_shapes: what the value nodes show. Tensors with at
            most 12 elements are shown in full, bigger ones as mean, std, min, max and a
            histogram sparkline (``sparklines=False`` leaves it out). Gradients appear when
            the node has one: leaves after backward, intermediates when backward ran inside
            ``glassgrad.autograd.retain_grads()``.
        rankdir: ``"LR"`` (inputs on the left) or ``"TB"`` (inputs on top).
        max_nodes: past this many drawn nodes, runs of nodes between the inputs and the
            output are replaced by ``… N nodes …`` markers.
        group_modules: draw the ops of each ``nn.Module`` call inside a labelled cluster
            (``0: Linear(6, 8)``), nested like the modules.
        collapse: module names (``["0", "2"]``) whose calls are drawn as single boxes.
        depth: collapse every module at this nesting depth (1: the model's children).
        show_saved: list what each op saved for backward (``freed`` after a backward
            without ``retain_graph``).
        decimals: decimals shown (``0.73``); tiny and huge numbers use ``1.2e-05``.
            ``precision`` is its older name.
        check: annotate every drawn leaf with a central-difference gradient and its relative
            error, green when within ``tol`` and red beyond it (see ``glassgrad.viz.check``).
            Value graphs are replayed from their ops; Tensor graphs need ``fn``, a function
            of no arguments that recomputes ``root`` from the same leaves.

    Returns:
        a ``graphviz.Digraph``: ``.source`` is the DOT text (the same on every run),
        ``.pipe(format="svg")`` and ``.render()`` make images, and Jupyter shows it inline.
        ``.names`` maps each node's topological position to its name, and with ``check``,
        ``.checks`` lists the checked leaves (``viz.check.report(g.checks)`` prints them).
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if not roots or not all(_is_node(r) for r in roots):
        bad = next((r for r in roots if not _is_node(r)), None)
        raise TypeError(f"draw_graph: root must be a Tensor or a Value (or a list of them), "
                        f"got {type(bad).__name__ if roots else 'an empty list'}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if int(max_nodes) < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3, got {max_nodes!r}")
    if check and len(roots) != 1:
        raise ValueError("draw_graph: check=True needs a single root")
    model, names = param_names(params)
    p = plan(roots, names, model, group_modules, collapse, depth, int(max_nodes))
    p.display = names_in(p.order, names)
    decimals = int(decimals if precision is None else precision)

    checks = {}
    if check:
        leaves = [i for i in _drawn_leaves(p) if _checkable(p.order[i])]
        checks = check_leaves(p.order, p.parents, next(iter(p.roots)), leaves, fn=fn,
                              eps=eps, tol=tol, seed=seed,
                              names=[p.display[id(n)] for n in p.order])

    g = GlassDigraph(
        name="glassgrad",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25",
                    "ranksep": "0.35"},
        node_attr={"fontname": FONT, "fontsize": "11", "shape": "box", "style": "filled"},
        edge_attr={"color": GREY, "arrowsize": "0.7"},
    )
    opts = _Opts(show_values, show_grads, show_shapes, show_saved, sparklines, decimals)
    by_path, children = {}, {}
    for path, item in p.items:
        by_path.setdefault(path, []).append(item)
        for j in range(1, len(path) + 1):
            children.setdefault(path[: j - 1], {}).setdefault(path[:j], None)
    _emit(g, (), p, by_path, children, opts, checks)
    for src, dst in p.edges:
        g.edge(src, dst)
    g.names = {i: p.display[id(n)] for i, n in enumerate(p.order)}  # dot id n{i} -> name
    g.checks = [checks[i] for i in sorted(checks)]
    return g


class _Opts:
    def __init__(self, values, grads, shapes, saved, sparklines, decimals):
        self.values, self.grads, self.shapes = values, grads, shapes
        self.saved, self.sparklines, self.precision = saved, sparklines, decimals


def _drawn_leaves(p):
    for _, item in p.items:
        if item[0] == "node" and not p.parents[item[1]]:
            yield item[1]
        elif item[0] == "box":
            yield from (i for i in item[1].members if not p.parents[i])


def _checkable(n):
    if isinstance(n, Value):
        return True
    return bool(getattr(n, "requires_grad", False)) and n._data.dtype.kind == "f"


def _emit(g, path, p, by_path, children, opts, checks):
    """The items of one cluster, then its sub-clusters (nested like the modules)."""
    for item in by_path.get(path, ()):
        if item[0] == "node":
            _node(g, item[1], p, opts, checks)
        elif item[0] == "box":
            _box(g, item[1], p, opts, checks)
        else:
            mk = item[1]
            noun = "node" if mk.count == 1 else "nodes"
            g.node(f"e{mk.index}", f"… {mk.count} {noun} …", **STYLES["elided"])
    for sub in children.get(path, {}):
        c = p.clusters[sub]
        with g.subgraph(name=f"cluster_{c.index}") as s:
            s.attr(label=c.label, labeljust="l", style="rounded,filled", color="#a5b4fc",
                   fillcolor=CLUSTER_FILLS[min(len(sub), len(CLUSTER_FILLS)) - 1],
                   fontname=FONT, fontsize="11")
            _emit(s, sub, p, by_path, children, opts, checks)


def _kind(i, p):
    if i in p.roots:
        return "output"
    if p.parents[i]:
        return "value"
    n = p.order[i]
    if id(n) in p.names:
        return "param"
    if isinstance(n, Value):
        return "leaf" if n.label or getattr(n, "requires_grad", False) else "input"
    return "leaf" if n.requires_grad else "input"


def _name(n, p):
    return p.display[id(n)]


def _node(g, i, p, opts, checks):
    n = p.order[i]
    kind = _kind(i, p)
    attrs = dict(STYLES[kind])
    res = checks.get(i)
    if res is not None:
        attrs["color"] = OK_LINE if res.ok else BAD_LINE
        attrs["penwidth"] = "2"
        if not res.ok:
            attrs["fillcolor"] = BAD_FILL
    if isinstance(n, Value):
        attrs["shape"] = "record"
        g.node(f"n{i}", _value_record(n, p, opts, res), **attrs)
    else:
        g.node(f"n{i}", _tensor_label(n, p, opts, res), **attrs)
    if p.parents[i]:
        g.node(f"o{i}", _op_label(n, p, opts), **STYLES["op"])


# ------------------------------------------------------------------------ Value nodes
def _rec(text):
    """Escape text for a record field."""
    out = str(text)
    for ch in "\\{}|<>":
        out = out.replace(ch, "\\" + ch)
    return out


def _value_record(n, p, opts, res):
    prec = opts.precision
    fields = [_rec(_name(n, p))]
    if opts.values:
        fields.append(f"data {fmt.number(n._data, prec)}")
    if opts.grads:
        fields.append(f"grad {fmt.number(n.grad, prec)}")
    if res is not None:
        mark = "✓" if res.ok else "✗"
        fields.append(f"numeric {fmt.number(res.numeric, prec)} {mark} rel err "
                      f"{fmt.sci(res.rel_err)}")
    return "{ " + " | ".join(fields) + " }"


# ------------------------------------------------------------------------ Tensor nodes
def _row(label, lines, bgcolor=None):
    bg = f' bgcolor="{bgcolor}"' if bgcolor else ""
    body = "<br/>".join(fmt.esc(s) for s in lines)
    return (f'<tr><td align="right" valign="top"{bg}><font color="{GREY}">{fmt.esc(label)}'
            f'</font></td><td align="left" balign="left"{bg}><font face="{MONO}" '
            f'point-size="9">{body}</font></td></tr>')


def _title_row(n, p, opts):
    name = _name(n, p)
    parts = []
    shape = fmt.shape_text(n._data.shape) if opts.shapes else ""
    parts.append(f"<b>{fmt.esc(name)}{' ' + shape if shape else ''}</b>")
    if opts.shapes:
        parts.append(f'<font color="{GREY}">{n._data.dtype}</font>')
    return f'<tr><td colspan="2" align="left">{" ".join(parts)}</td></tr>'


def _tensor_label(n, p, opts, res):
    rows = [_title_row(n, p, opts)]
    prec, spark = opts.precision, opts.sparklines
    if opts.values:
        rows.append(_row("data", fmt.summary_lines(np.asarray(n._data), prec, spark)))
    if opts.grads and n.grad is not None:
        g = np.asarray(getattr(n.grad, "data", n.grad))
        rows.append(_row("grad", fmt.summary_lines(g, prec, spark)))
    if res is not None:
        rows.extend(_check_rows(res, prec, spark))
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            + "".join(rows) + "</table>>")


def _check_rows(res, prec, spark):
    bg = OK_FILL if res.ok else BAD_FILL
    mark = "✓" if res.ok else "✗"
    rows = []
    if res.direction:
        ana = "—" if res.analytic is None else fmt.number(res.analytic, prec)
        rows.append(_row("d/dv", [f"numeric {fmt.number(res.numeric, prec)}",
                                  f"analytic {ana}"], bg))
    else:
        rows.append(_row("numeric", fmt.summary_lines(np.asarray(res.numeric), prec, spark),
                         bg))
    verdict = f"{mark} rel err {fmt.sci(res.rel_err)}"
    if res.analytic is None:
        verdict = f"{mark} no .grad: run backward() first"
    rows.append(_row("check", [verdict], bg))
    return rows


def _op_label(n, p, opts):
    op = n.op or "?"
    ctx = getattr(n, "grad_fn", None)
    if not opts.saved or ctx is None:
        return op
    saved = getattr(ctx, "saved", ())
    if saved is None:
        what = ["saved: freed"]
    elif not saved:
        return op
    else:
        what = ["saved: " + ", ".join(_saved_text(s, n, p) for s in saved)]
    small = "<br/>".join(fmt.esc(w) for w in what)
    return f'<{fmt.esc(op)}<br/><font point-size="8" color="{GREY}">{small}</font>>'


def _saved_text(s, n, p):
    shape = fmt.shape_text(np.shape(s)) if hasattr(s, "shape") else type(s).__name__
    if s is n._data:
        return f"out {shape}"
    for parent in n.parents:
        if s is parent._data:
            return f"{_name(parent, p)} {shape}"
    return f"array {shape}"


# ------------------------------------------------------------------------ collapsed modules
def _box(g, b, p, opts, checks):
    c = p.modules[b.key]
    ops = sum(1 for i in b.members if p.parents[i])
    params = sum(1 for i in b.members if not p.parents[i])
    lines = [f"<b>{fmt.esc(c.label)}</b>",
             fmt.esc(f"{ops} op{'s' if ops != 1 else ''} · {params} "
                     f"param{'s' if params != 1 else ''}")]
    if opts.shapes:
        for i in b.outputs[:3]:
            lines.append(fmt.esc(f"out {fmt.shape_text(p.order[i]._data.shape)}"))
    attrs = dict(STYLES["module"])
    results = [checks[i] for i in b.members if i in checks]
    if results:
        bad = [i for i in b.members if i in checks and not checks[i].ok]
        if bad:
            worst = max(checks[i].rel_err for i in bad)
            lines.append(f'<font color="{BAD_LINE}">✗ {fmt.esc(_name(p.order[bad[0]], p))} '
                         f'rel err {fmt.sci(worst)}</font>')
            attrs.update(color=BAD_LINE, fillcolor=BAD_FILL, penwidth="2")
        else:
            lines.append(f'<font color="{OK_LINE}">✓ {len(results)} leaves checked</font>')
            attrs.update(color=OK_LINE, penwidth="2")
    g.node(f"m{b.index}", "<" + "<br/>".join(lines) + ">", **attrs)

