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
which says how to install it, when it is missing. SVG has no size limit; a bitmap (PNG) past
Graphviz's 32767 px per side raises :class:`PictureTooLargeError` instead of coming out
clipped.

The layout follows the graph's shape (``rankdir=None``): left to right for short graphs such
as one neuron, top to bottom for deep ones such as a many-layer MLP. In pictures of modules
the longest path from an input to the output is kept straight (one Graphviz ``group`` and
heavy edges), and each parameter sits on the rank of the op that uses it, so the module
clusters line up instead of drifting diagonally.
"""

from __future__ import annotations

import graphviz
import numpy as np

from ..autograd.value import Value
from . import format as fmt
from .check import check_leaves
from .layout import Shape, plan
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


BITMAPS = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "ico"}
BITMAP_LIMIT = 32767  # px per side: past it Graphviz's bitmap renderers clip or shrink
_SURELY_SMALL = 60  # drawn nodes: fewer cannot reach the limit, so no trial layout is run


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Rendering a picture needs the Graphviz ``dot`` program; this says how to install it."""

    def __init__(self, cause):
        RuntimeError.__init__(self, INSTALL_HELP.format(cause=cause))


class PictureTooLargeError(ValueError):
    """A bitmap of the graph would be larger than Graphviz can draw without clipping."""


class GlassDigraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains a missing Graphviz install and refuses
    bitmaps that Graphviz would clip."""

    def pipe(self, format=None, *args, **kwargs):
        try:
            self._check_bitmap(format)
            return super().pipe(format, *args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFoundError(e) from e

    def render(self, filename=None, *args, **kwargs):
        out = kwargs.get("outfile")
        suffix = str(out).rpartition(".")[2] if out is not None and "." in str(out) else None
        fmt_arg = kwargs.get("format", args[3] if len(args) > 3 else None)
        try:
            self._check_bitmap(fmt_arg or suffix)
            return super().render(filename, *args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizNotFoundError(e) from e

    def bitmap_size(self, dpi=None):
        """(width, height) in pixels of this picture as a bitmap (a layout is run)."""
        head = super().pipe(format="plain", encoding="utf-8").split("\n", 1)[0].split()
        dpi = float(dpi or self.graph_attr.get("dpi") or 96)
        pad = 4 / 72  # Graphviz's default pad, in inches, on each side
        return tuple(round((float(v) + 2 * pad) * dpi) for v in head[2:4])

    def _check_bitmap(self, format):
        kind = str(format or self.format or "").split(":")[0].lower()
        if kind not in BITMAPS or "size" in self.graph_attr:  # size= scales the picture
            return
        if sum(1 for line in self.body if " [" in line and "->" not in line) < _SURELY_SMALL:
            return
        w, h = self.bitmap_size()
        if max(w, h) > BITMAP_LIMIT:
            raise PictureTooLargeError(
                f"draw_graph: a {kind.upper()} of this graph would be {w} x {h} px, past "
                f"Graphviz's bitmap limit of {BITMAP_LIMIT} px per side (it would come out "
                f"clipped or shrunk). Render it as SVG, which has no limit "
                f"(.pipe(format='svg') or .render(format='svg')), or draw less: collapse "
                f"modules (depth=1, collapse=[...]) or elide the middle (max_nodes=100)")

    def __repr__(self):
        """What a plain-text frontend shows (Jupyter shows the SVG): no memory address."""
        nodes = sum(1 for line in self.body if " [" in line and "->" not in line)
        return f"<GlassDigraph: {nodes} nodes; .source is the DOT, .pipe('svg') the picture>"


def _is_node(x):
    return hasattr(x, "parents") and hasattr(x, "data") and hasattr(x, "grad")


def draw_graph(root, params=None, show_values=True, show_grads=True, show_shapes=None,
               rankdir=None, max_nodes=500, group_modules=True, *, collapse=(), depth=None,
               show_saved=False, sparklines=None, decimals=2, check=False, fn=None,
               tol=None, eps=None, seed=None, precision=None):
    """Draw the graph that computed ``root`` (a Tensor or a Value, or a list of them).

    Every node is drawn with its name (``viz.names``): its label, else its parameter name,
    else an automatic one (``x1`` for a leaf, ``w0*x0`` or ``mul1`` for a result). ``explain``,
    ``backprop_steps`` and ``animate`` call it by the same name.

    Args:
        params: names for parameters: an ``nn.Module`` (its ``named_parameters()`` and
            ``named_modules()`` are used) or ``dict(model.named_parameters())``.
        show_values / show_grads / show_shapes: what the value nodes show. Tensors with at
            most 12 elements are shown in full, bigger ones as mean, std, min, max and a
            histogram sparkline (``sparklines=False`` leaves it out; Value graphs have none).
            Gradients appear when the node has one: leaves after backward, intermediates
            when backward ran inside ``glassgrad.autograd.retain_grads()``. Shapes are shown
            for Tensors (a Value is a number: ``show_shapes=True`` on a Value graph is an
            error).
        rankdir: ``None`` chooses by the graph's shape: ``"TB"`` (inputs on top) when the
            longest path is more than 2.5 times the widest rank and at least 8 ranks long,
            else ``"LR"`` (inputs on the left). ``"LR"``, ``"RL"``, ``"TB"`` or ``"BT"``
            force a direction.
        max_nodes: past this many drawn nodes, runs of nodes between the inputs and the
            output are replaced by ``… N nodes …`` markers.
        group_modules: draw the ops of each ``nn.Module`` call inside a labelled cluster
            (``0: Linear(6, 8)``), nested like the modules; a module called k times gives
            k clusters (``cell [call 2]``), in time order. Works for ``nn.scalar`` models too.
        collapse: module names (``["0", "2"]``) whose calls are drawn as single boxes. A box
            shows its output (shape, statistics, gradient) and each parameter's gradient
            norm (``0.weight ‖g‖ 1.2e-02``), so vanishing gradients show layer by layer.
        depth: collapse every module at this nesting depth (1: the model's children).
            ``collapse`` and ``depth`` need the model (``params=model``).
        show_saved: list what each op saved for backward (``freed`` after a backward
            without ``retain_graph``). Tensor graphs only: Value ops save nothing.
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
        A bitmap (``format="png"``) that would pass Graphviz's 32767 px per side raises
        ``PictureTooLargeError`` (a ValueError) that suggests SVG instead.
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    if not roots or not all(_is_node(r) for r in roots):
        bad = next((r for r in roots if not _is_node(r)), None)
        raise TypeError(f"draw_graph: root must be a Tensor or a Value (or a list of them), "
                        f"got {type(bad).__name__ if roots else 'an empty list'}")
    if rankdir not in (None, "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB', 'BT' or None (chosen "
                         f"by the graph's shape), got {rankdir!r}")
    if int(max_nodes) < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3, got {max_nodes!r}")
    if check and len(roots) != 1:
        raise ValueError("draw_graph: check=True needs a single root")
    if fn is not None and not check:
        raise ValueError("draw_graph: fn= is the function check=True replays; pass check=True "
                         "with it, or leave fn out")
    given = [k for k, v in (("tol", tol), ("eps", eps), ("seed", seed)) if v is not None]
    if given and not check:
        raise ValueError(f"draw_graph: {', '.join(given)} set the numeric check, which runs "
                         "only with check=True")
    tol = 1e-3 if tol is None else tol
    eps = 1e-6 if eps is None else eps
    seed = 0 if seed is None else seed
    values_only = all(isinstance(r, Value) for r in roots)
    if values_only and show_shapes:
        raise ValueError("draw_graph: show_shapes=True, but this is a Value graph: a Value is "
                         "one number and has no shape (shapes are drawn for Tensors)")
    if values_only and show_saved:
        raise ValueError("draw_graph: show_saved=True, but Value ops save nothing for backward "
                         "(their local derivatives are computed from data when backward runs)")
    if values_only and sparklines:
        raise ValueError("draw_graph: sparklines=True, but this is a Value graph: sparklines "
                         "are histograms of a Tensor's elements")
    show_shapes = not values_only if show_shapes is None else bool(show_shapes)
    sparklines = not values_only if sparklines is None else bool(sparklines)
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

    shape = Shape(p)
    g = GlassDigraph(
        name="glassgrad",
        graph_attr={"rankdir": rankdir or shape.rankdir(), "fontname": FONT,
                    "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": FONT, "fontsize": "11", "shape": "box", "style": "filled"},
        edge_attr={"color": GREY, "arrowsize": "0.7"},
    )
    opts = _Opts(show_values, show_grads, show_shapes, show_saved, sparklines, decimals)
    if p.clusters or any(item[0] == "box" for _, item in p.items):
        opts.main = shape.main_path()  # module clusters would drift apart diagonally
    by_path, children = {}, {}
    for path, item in p.items:
        by_path.setdefault(path, []).append(item)
        for j in range(1, len(path) + 1):
            children.setdefault(path[: j - 1], {}).setdefault(path[:j], None)
    opts.beside = _params_beside_ops(p)
    _emit(g, (), p, by_path, children, opts, checks)
    for src, dst in p.edges:
        if src in opts.main and dst in opts.main:
            g.edge(src, dst, weight="100")  # with group=main: keeps the longest path straight
        else:
            g.edge(src, dst)
    g.names = {i: p.display[id(n)] for i, n in enumerate(p.order)}  # dot id n{i} -> name
    g.checks = [checks[i] for i in sorted(checks)]
    return g


class _Opts:
    def __init__(self, values, grads, shapes, saved, sparklines, decimals):
        self.values, self.grads, self.shapes = values, grads, shapes
        self.saved, self.sparklines, self.precision = saved, sparklines, decimals
        self.main = set()  # dot ids on the longest path: drawn in one straight group
        self.beside = {}  # cluster path -> [[op id, parameter ids...]]: drawn on one rank

    def group(self, attrs, dot_id):
        if dot_id in self.main:
            attrs["group"] = "main"
        return attrs


def _params_beside_ops(p):
    """Each parameter drawn in a cluster goes on the rank of the op that uses it (beside
    it, not above it), so a module's cluster spans only its own ops' ranks and the next
    module's cluster can sit right below it instead of being pushed aside."""
    path_of = {item[1]: path for path, item in p.items if item[0] == "node"}
    rows, seen = {}, set()
    for src, dst in p.edges:
        if src[0] != "n" or dst[0] != "o" or src in seen:
            continue
        i, j = int(src[1:]), int(dst[1:])
        path = path_of.get(i)
        if isinstance(p.order[i], Value):  # dot loses flat edges at record nodes
            continue
        if path and not p.parents[i] and id(p.order[i]) in p.names and path_of[j] == path:
            seen.add(src)
            rows.setdefault(path, {}).setdefault(dst, [dst]).append(src)
    return {path: list(r.values()) for path, r in rows.items()}


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
            g.node(f"e{mk.index}", f"… {mk.count} {noun} …",
                   **opts.group(dict(STYLES["elided"]), f"e{mk.index}"))
    for ids in opts.beside.get(path, ()):
        with g.subgraph() as s:
            s.attr(rank="same")
            for dot_id in ids:
                s.node(dot_id)
    for sub in sorted(children.get(path, {})):  # in time order
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
    opts.group(attrs, f"n{i}")
    if isinstance(n, Value):
        attrs["shape"] = "record"
        g.node(f"n{i}", _value_record(n, p, opts, res), **attrs)
    else:
        g.node(f"n{i}", _tensor_label(n, p, opts, res), **attrs)
    if p.parents[i]:
        g.node(f"o{i}", _op_label(n, p, opts), **opts.group(dict(STYLES["op"]), f"o{i}"))


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
_MAX_PARAM_LINES = 6


def _box(g, b, p, opts, checks):
    """A collapsed module call: its name, its outputs (shape, statistics, gradient) and the
    gradient norm of each parameter inside it."""
    c = p.modules[b.key]
    leaves = [i for i in b.members if not p.parents[i]]
    ops = len(b.members) - len(leaves)
    count = (f"{ops} op{'s' if ops != 1 else ''} · {len(leaves)} "
             f"param{'s' if len(leaves) != 1 else ''}")
    rows = [f'<tr><td colspan="2" align="left"><b>{fmt.esc(c.label)}</b></td></tr>',
            f'<tr><td colspan="2" align="left"><font color="{GREY}">{fmt.esc(count)}'
            f'</font></td></tr>']
    outs = [p.order[i] for i in b.outputs]
    if outs and isinstance(outs[0], Value):  # a scalar module's outputs, as one array
        rows.extend(_out_rows(np.array([o._data for o in outs]),
                              np.array([o.grad for o in outs]), len(outs), opts))
    else:
        for o in outs[:3]:
            grad = getattr(o.grad, "_data", o.grad)
            rows.extend(_out_rows(o._data, grad, None, opts))
    rank = {pid: k for k, pid in enumerate(p.names)}  # named_parameters() order
    leaves.sort(key=lambda i: rank.get(id(p.order[i]), len(rank)))
    norms = [_grad_norm_line(p.order[i], p) for i in leaves]
    if opts.grads and norms:
        if len(norms) > _MAX_PARAM_LINES:
            total = np.sqrt(sum(_grad_sq(p.order[i]) for i in leaves))
            norms = [*norms[: _MAX_PARAM_LINES - 2], f"… {len(norms) - _MAX_PARAM_LINES + 2} "
                     f"more", f"all {len(leaves)} ‖g‖ {fmt.sci(total)}"]
        rows.append(_row("params", norms))
    attrs = dict(STYLES["module"])
    results = [checks[i] for i in b.members if i in checks]
    if results:
        bad = [i for i in b.members if i in checks and not checks[i].ok]
        if bad:
            worst = max(checks[i].rel_err for i in bad)
            rows.append(_row("check", [f"✗ {_name(p.order[bad[0]], p)} rel err "
                                       f"{fmt.sci(worst)}"], BAD_FILL))
            attrs.update(color=BAD_LINE, fillcolor=BAD_FILL, penwidth="2")
        else:
            rows.append(_row("check", [f"✓ {len(results)} leaves checked"], OK_FILL))
            attrs.update(color=OK_LINE, penwidth="2")
    opts.group(attrs, f"m{b.index}")
    g.node(f"m{b.index}", '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
           + "".join(rows) + "</table>>", **attrs)


def _out_rows(data, grad, count, opts):
    """Rows for one output of a box: ``out (4, 8)``, its data and its gradient."""
    prec, spark = opts.precision, opts.sparklines
    what = (f"{count} value{'s' if count != 1 else ''}" if count is not None
            else fmt.shape_text(np.shape(data)) if opts.shapes else "")
    rows = [_row("out", [what])] if what else []
    if opts.values:
        rows.append(_row("data", fmt.summary_lines(np.asarray(data), prec, spark)))
    if opts.grads and grad is not None:
        rows.append(_row("grad", fmt.summary_lines(np.asarray(grad), prec, spark)))
    return rows


def _grad_sq(n):
    g = getattr(n.grad, "_data", n.grad)
    return 0.0 if g is None else float(np.sum(np.square(np.asarray(g, dtype=float))))


def _grad_norm_line(n, p):
    """``0.weight ‖g‖ 1.2e-02``: the 2-norm of a parameter's gradient (— before backward)."""
    g = getattr(n.grad, "_data", n.grad)
    norm = "—" if g is None else fmt.sci(np.sqrt(_grad_sq(n)))
    return f"{_name(n, p)} ‖g‖ {norm}"
