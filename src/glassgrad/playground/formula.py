"""The Formula tab: one formula at one point, as everything the page shows.

``formula_view(formula, values, numeric)`` parses the formula with the whitelist parser
(``viz.expr``), builds it on the scalar ``Value`` engine, and returns a dict that becomes the
JSON the page draws:

- ``svg``: ``draw_graph`` of the formula with every value and gradient (and, with
  ``numeric``, each leaf's central difference beside its gradient), every node and edge
  tagged ``data-k`` and every gradient ``data-show`` (the frame that reveals it), as
  ``viz.animate`` tags its page;
- ``rows``: the ``explain`` table, one row per upstream × local product;
- ``frames``: the backward pass one product at a time. Frame 0 is the forward pass done and
  no gradient yet, frame 1 the seed d f/d f = 1, then one frame per row::

      d f/d input  +=  upstream × local  =  downstream

  A node's gradient is revealed at the frame of its last product: by then it is complete.
- ``leaves``: each variable's value, analytic gradient and numeric gradient
  ``(f(x + eps) - f(x - eps)) / 2 eps`` with the relative error.

Sizes are bounded: ``MAX_CHARS`` characters, ``MAX_VARIABLES`` variables and ``MAX_NODES``
nodes in the built graph; values must be finite and at most ``MAX_ABS`` in size. Every
problem is an ``ExpressionError`` whose text the page shows.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..autograd.graph import toposort
from ..viz import draw_graph
from ..viz.animate import _tag
from ..viz.check import check_leaves
from ..viz.expr import ExpressionError, build, parse, variables
from ..viz.format import number, sci
from ..viz.names import as_factor, names_in
from ..viz.steps import backprop_steps, fmt

MAX_CHARS = 300
MAX_VARIABLES = 12
MAX_NODES = 120
MAX_ABS = 1e6
DECIMALS = 4


def check_values(names, values):
    """{name: float} for the formula's variables: a missing one starts at 1.0 (so a freshly
    typed formula draws at once); a value must be a finite number of at most ``MAX_ABS``."""
    if not isinstance(values, dict):
        raise ExpressionError("values must be an object {name: number}")
    out = {}
    for n in names:
        v = values.get(n, 1.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExpressionError(f"the value of {n} must be a number, got {v!r:.40}")
        v = float(v)
        if not math.isfinite(v) or abs(v) > MAX_ABS:
            raise ExpressionError(f"the value of {n} must be finite and at most {MAX_ABS:g} "
                                  f"in size, got {v:g}")
        out[n] = v
    return out


def formula_view(formula, values, numeric=True, layout=True):
    """Everything the Formula tab shows for ``formula`` at ``values`` (see the module).

    With ``layout=False`` Graphviz is not run: instead of ``svg`` the result has ``texts``,
    {node key: {"data": "data 1.500", "grad": ..., "numeric": ...}}, the new text of each
    drawn value and gradient, which the page writes into the picture it already has (the
    same formula's). A slider being dragged is answered this way, in a few milliseconds; the
    page asks for a new layout when the slider is let go.
    """
    if not isinstance(formula, str):
        raise ExpressionError("the formula must be text")
    if len(formula) > MAX_CHARS:
        raise ExpressionError(f"the formula is too long ({len(formula)} characters, max "
                              f"{MAX_CHARS} here)")
    tree = parse(formula)
    names = variables(tree)
    if len(names) > MAX_VARIABLES:
        raise ExpressionError(f"the formula has {len(names)} variables, max {MAX_VARIABLES} "
                              "here (one slider each)")
    if not names:
        raise ExpressionError("the formula has no variables: there is nothing to "
                              "differentiate (try x * y)")
    vals = check_values(names, values)
    with np.errstate(all="ignore"):
        root, leaves = build(tree, vals, engine="value")
        order = toposort(root)
        if len(order) > MAX_NODES:
            raise ExpressionError(f"the formula's graph has {len(order)} nodes, max "
                                  f"{MAX_NODES} here")
        if not root.parents:
            raise ExpressionError("the formula is a single variable: there is nothing to "
                                  "differentiate (try x * y)")

        def again():  # f recomputed from the leaves' values: the numeric gradients' f(x ± eps)
            try:
                return build(tree, {n: v.data for n, v in leaves.items()})[0].data
            except ExpressionError:
                return math.nan

        try:
            steps = backprop_steps(root, decimals=DECIMALS)
            root.backward()
            graph = draw_graph(root, decimals=3, check=numeric, fn=again if numeric else None,
                               rankdir="TB")
        except ArithmeticError as e:  # a local derivative that overflows, as 1/x near 0
            raise ExpressionError(f"cannot differentiate at these values: {e}") from None
        svg = graph.pipe(format="svg").decode("utf-8") if layout else None
    found = names_in(order)
    shown = [found[id(n)] for n in order]
    pos = {id(n): i for i, n in enumerate(order)}
    rows, frames, last = _rows_and_frames(steps, pos, shown, root)
    out = {
        "formula": formula.strip(),
        "variables": names,
        "values": vals,
        "value": root.data,
        "root": shown[-1],
        "nodes": len(order),
        "rows": rows,
        "frames": frames,
        "leaves": _leaves(order, leaves, pos, shown, again,
                          graph.checks if numeric else None),
        "numeric": bool(numeric),
    }
    if layout:
        shows = {i: [0, last.get(i)] for i in range(len(order))}
        out["svg"], out["width"], out["height"] = _tag(svg, order, shows, shown)
    else:
        out["texts"] = node_texts(graph.source)
    return out


_RECORD = re.compile(r'^\s*(n\d+) \[label="\{ (.*?) \}"', re.M)
_HEADS = ("data", "grad", "numeric")


def node_texts(source):
    """{node key: {"data": text, "grad": text, "numeric": text}} from a Value graph's DOT
    source: the record fields that hold numbers, as the SVG shows them."""
    out = {}
    for key, label in _RECORD.findall(source):
        fields = {}
        for f in label.split(" | "):
            head = f.split(" ", 1)[0]
            if head in _HEADS:
                fields[head] = f.replace('\\"', '"')
        out[key] = fields
    return out


def _rows_and_frames(steps, pos, shown, root):
    """The explain rows, the step frames, and {node index: frame revealing its gradient}."""
    r = as_factor(shown[-1])
    frames = [{"caption": f"forward pass done: {shown[-1]} = {number(root.data, 4)}. "
               "No gradient yet: next, the seed.", "hot": [], "row": -1},
              {"caption": f"seed: d{r}/d{r} = 1, the gradient of the output with respect to "
               "itself", "hot": [f"n{pos[id(root)]}"], "row": -1}]
    last = {pos[id(root)]: 1}
    rows, got = [], {}
    for s in steps:
        c = pos[id(s.node)]
        for k, (p, label, _, down) in enumerate(s.rows()):
            i = pos[id(p)]
            got[i] = got.get(i, 0.0) + down
            rows.append({"step": s.index + 1, "node": s.label, "op": s.op,
                         "value": fmt(s.node.data, DECIMALS), "input": label,
                         "upstream": fmt(s.upstream, DECIMALS), "local": s.local_text(k),
                         "downstream": fmt(down, DECIMALS), "first": k == 0})
            total = ("" if got[i] == down else
                     f"; d{r}/d{as_factor(label)} so far = {number(got[i], 4)}")
            frames.append({
                "caption": f"step {s.index + 1}: d{r}/d{as_factor(label)} += upstream × local "
                           f"= {_factor(fmt(s.upstream, DECIMALS))} × "
                           f"{_factor(fmt(s.local[k], DECIMALS))} = {fmt(down, DECIMALS)}"
                           f"{total}",
                "detail": f"upstream d{r}/d{as_factor(s.label)} = {fmt(s.upstream, DECIMALS)}; "
                          f"local d{as_factor(s.label)}/d{as_factor(label)}: "
                          f"{s.local_text(k)}",
                "hot": [f"n{c}", f"o{c}", f"o{c}-n{c}", f"n{i}-o{c}", f"n{i}"],
                "row": len(rows) - 1})
            last[i] = len(frames) - 1
    return rows, frames, last


def _factor(text):
    return f"({text})" if text.startswith("-") else text


def _leaves(order, leaves, pos, shown, again, drawn=None):
    """Each variable's value, analytic and numeric gradient; ``drawn``: the checks that
    ``draw_graph(check=True)`` made already."""
    if drawn is not None:
        checks = {c.name: c for c in drawn}
    else:
        idx = [pos[id(v)] for v in leaves.values() if id(v) in pos]
        with np.errstate(all="ignore"):
            found = check_leaves(order, [[pos[id(p)] for p in n.parents] for n in order],
                                 len(order) - 1, idx, fn=again, names=shown)
        checks = {c.name: c for c in found.values()}
    out = []
    for name, v in leaves.items():
        c = checks.get(name)
        out.append({"name": name, "value": v.data, "grad": v.grad,
                    "numeric": None if c is None or not math.isfinite(c.numeric) else c.numeric,
                    "rel_err": None if c is None or not math.isfinite(c.rel_err)
                    else sci(c.rel_err), "ok": bool(c and c.ok)})
    return out
