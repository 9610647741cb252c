"""``explain``: the backward pass as a table, one row per (step, input)::

    step  node  op  value  input  upstream  local  downstream

The rows come from ``viz.steps.backprop_steps`` and read ``downstream = upstream × local``
(summed to the input's shape); where ``local`` names a rule instead of a number, downstream
is that vector-Jacobian product. Below the table, d(root)/d(leaf) for every leaf. Every cell
is one line (``fmt``): big arrays appear as their shape and statistics.

After a ``backward()`` that freed the graph the local derivatives cannot be recomputed, so
the table is built from what backward kept in ``.grad`` and says so.
"""

from __future__ import annotations

import builtins
import html

from ..autograd.graph import toposort
from ..autograd.tensor import Tensor, _seed_gradient
from ..autograd.value import Value
from .names import as_factor, names_in, param_names
from .steps import ELEMENTWISE, Step, _freed, _rule_text, backprop_steps, fmt, local_rule


class Explanation(str):
    """What ``explain`` returns: the table as a ``str`` (print it, search it), which Jupyter
    shows as a preformatted table."""

    def _repr_html_(self):
        return ('<pre style="font-family: monospace; line-height: 1.3">'
                + html.escape(str(self)) + "</pre>")


def explain(root, print=True, grad=None, *, params=None, decimals=None):  # noqa: A002
    """The backward pass from ``root`` as a table: one row per (step, input), showing the
    gradient arriving at the node (upstream), the local derivative (with its rule on the
    scalar engine: ``σ(1−σ) = 0.1966``) and what the input receives (downstream), then
    d(root)/d(leaf) for every leaf. Nodes have the names ``draw_graph`` draws (``params=``
    names the parameters).

    Every cell is one line: arrays of more than 6 elements appear as their shape and
    statistics, ``(6, 5) mean 0.01 std 0.3 [-1.2, 2.4]``. ``decimals`` (default 4 on the
    scalar engine, as micrograd shows, and 2 for Tensors so the statistics stay short) sets
    the decimals of every number; trailing zeros are dropped.

    After a ``backward()`` that freed the graph (no ``retain_graph=True``), the local
    derivatives cannot be recomputed: the table then shows what backward kept, each node's
    ``.grad`` as upstream (every node's when backward ran inside ``retain_grads()``, else
    only the root's) and each leaf's ``.grad``, with the rules, and says so. Call explain
    before backward, or backward with ``retain_graph=True``, for the full table.

    Prints the table unless ``print=False``; returns it as an ``Explanation`` (a ``str``
    that Jupyter displays as a table).
    """
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"explain: expected a Tensor or a Value, got {type(root).__name__}")
    if decimals is None:
        decimals = 4 if isinstance(root, Value) else 2
    order = toposort(root)
    names = names_in(order, param_names(params, "explain")[1])
    constant = isinstance(root, Tensor) and not root.requires_grad
    freed = [] if constant or isinstance(root, Value) else _freed(order)
    if freed:
        steps, leaves = _kept_steps(root, order, names, grad, decimals)
    else:
        steps = [] if constant else backprop_steps(root, grad, params=params,
                                                   decimals=decimals)
        leaves = _leaf_grads(steps)
    rname = names[id(root)]
    lines = [f"backward pass of {rname} = {fmt(root._data, decimals)}"]
    if not steps:
        lines.append(f"  ({rname} is a leaf or needs no gradient: nothing to propagate)")
    else:
        lines += _table(steps, decimals)
        lines += ["", "downstream = upstream × local (summed to the input's shape); where local "
                  "names a rule,", "downstream is that vector-Jacobian product"]
        if freed:
            lines += ["", "backward() already freed the arrays the ops saved: upstream is each "
                      "node's .grad (— where", "backward kept none) and local values and "
                      "downstream are not shown. For the full table,", "call explain before "
                      "backward, or use backward(retain_graph=True)."]
        rank = {id(n): k for k, n in enumerate(order)}
        leaves = sorted(leaves, key=lambda ng: rank[id(ng[0])])
        lines += ["", f"gradients d{as_factor(rname)}/d(leaf)"
                  + (" (their .grad):" if freed else ":")]
        width = max(len(names[id(n)]) for n, _ in leaves) if leaves else 0
        lines += [f"  {names[id(n)].ljust(width)}  {fmt(g, decimals)}" for n, g in leaves]
    text = Explanation("\n".join(lines))
    if print:
        builtins.print(text)
    return text


def _table(steps, decimals):
    head = ("step", "node", "op", "value", "input", "upstream", "local", "downstream")
    rows = []
    for s in steps:
        for j, (_, lbl, _, d) in enumerate(s.rows()):
            first = j == 0
            rows.append((str(s.index + 1) if first else "", s.label if first else "",
                         s.op if first else "", fmt(s.node._data, decimals) if first else "",
                         lbl, fmt(s.upstream, decimals) if first else "", s.local_text(j),
                         fmt(d, decimals)))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()
    return ["", line, "-" * len(line),
            *("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)]


def _kept_steps(root, order, names, grad, decimals):
    """Steps from what a freeing backward kept: .grad as upstream (None where there is
    none), rules as local, no downstream; and (leaf, .grad) for every leaf that has one."""
    seed = _seed_gradient(root, grad, False)
    steps = []
    for node in reversed(order):
        ctx = node.grad_fn
        if ctx is None or not node.requires_grad:
            continue
        up = seed if node is root else (None if node.grad is None else node.grad._data)
        inputs, local, rules = [], [], []
        elementwise = ctx.name in ELEMENTWISE
        for k, p in enumerate(node.parents):
            if p.requires_grad:
                pos = ctx.arg_index[k]
                inputs.append(p)
                text = local_rule(ctx.name, pos) if elementwise else _rule_text(ctx, pos)
                local.append(text or "—")
                rules.append("")
        steps.append(Step(node, ctx.name, tuple(inputs), up, tuple(local),
                          (None,) * len(inputs), len(steps), names[id(node)],
                          tuple(names[id(p)] for p in inputs), tuple(rules), decimals))
    leaves = [(n, n.grad._data) for n in order
              if not n.parents and getattr(n, "grad", None) is not None]
    return steps, leaves


def _leaf_grads(steps):
    """(leaf, summed downstream) for every leaf that receives a gradient, in first-seen order."""
    total, nodes = {}, {}
    for s in steps:
        for p, d in zip(s.inputs, s.downstream):
            if d is None or p.parents:
                continue
            nodes.setdefault(id(p), p)
            total[id(p)] = total[id(p)] + d if id(p) in total else d
    return [(nodes[i], total[i]) for i in nodes]
