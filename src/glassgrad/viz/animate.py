"""``animate``: the glass box in motion. One self-contained HTML file that steps through the
forward pass, one node at a time, and then the backward pass.

Frames, for a graph with N drawn nodes of which G receive a gradient::

    frame 0            the graph with no values
    frames 1 .. N      forward, in topological order: node k's value appears
    frames N+1 .. N+G  backward, in reverse topological order: node k's gradient appears,
                       d(root)/d(node) = sum over its uses of upstream × local

The picture is drawn once, by ``draw_graph`` with every value and gradient, so the layout
never moves. Its SVG is put inline in the page, and every value and gradient in it is tagged
with the frame that reveals it (``data-show``); a few lines of JavaScript hide what is not
revealed yet. The node and edges of the current step are highlighted, and a caption says
what happened (``forward: n = x0*w0 + x1*w1 + w2 = 4.00 + (-3.00) = 1.00``). Captions of the
backward pass come from ``viz.steps.backprop_steps``. The picture keeps its own size (text
11-15 px) in a viewport that pans and zooms, and each step scrolls its node into view
(``viz/_page.py``). The page loads nothing: no network, no fonts, no scripts from elsewhere.
``file.html#step=5`` opens at frame 5.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from ..autograd.graph import retain_grads, toposort
from ..autograd.value import Value
from . import format as fmt
from ._page import Animation, fill_page, px_size
from .names import as_factor, names_in, param_names
from .render import GREY, _is_node, draw_graph
from .steps import backprop_steps

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_VALUE_OPS = {"+", "-", "*", "/", "**"}  # infix ops of the scalar engine
_TENSOR_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**"}
_SECTIONS = {"data": "value", "grad": "grad", "numeric": "grad", "check": "grad",
             "d/dv": "grad"}  # row labels of a Tensor node; check rows appear with the grad


def animate(root, path=None, limit=200, **draw_kwargs):
    """Step through ``root``'s forward and backward pass in a self-contained HTML page; write
    it to ``path`` when one is given.

    ``root`` is a Value, or a one-element Tensor that requires grad. Gradients: when none
    has been computed yet, ``animate`` runs ``root.backward()`` itself (for Tensors inside
    ``retain_grads()``, so intermediate nodes keep theirs). When backward already ran, every
    intermediate node needs its ``.grad``: run it inside ``glassgrad.autograd.retain_grads()``.

    ``draw_kwargs`` go to ``draw_graph`` (``params=model``, ``rankdir="TB"``, ``decimals``,
    ``collapse``, ``max_nodes``...). Captions and the page title call each node by the name
    drawn in it (``viz.names``) and show numbers with the same ``decimals`` (default 2);
    arrays of more than 6 elements appear as their shape and statistics. Nodes inside
    collapsed modules or elided runs get no frames. Past ``limit`` drawn nodes ``animate``
    refuses: the frames would be too many to step through.

    The page has previous / next / play buttons, a slider and keys (← →, Home, End, space),
    and shows the graph at its own size (text 11-15 px) in a viewport that pans (drag,
    wheel) and zooms (buttons, Ctrl + wheel, + - 0 1); each step scrolls its node into view.
    ``path#step=k`` opens at frame k.

    Returns an ``Animation``: a ``str``, the path written (as before), or with no ``path``
    the page itself. In Jupyter it displays itself: the page inline, in an iframe.
    """
    page = animation_html(root, limit=limit, **draw_kwargs)
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    return Animation(page, path)


def animation_html(root, limit=200, **draw_kwargs):
    """The page that ``animate`` writes, as text."""
    if not _is_node(root) or isinstance(root, (list, tuple)):
        raise TypeError(f"animate: root must be a Tensor or a Value, got {type(root).__name__}")
    if int(limit) < 1:
        raise ValueError(f"animate: limit must be at least 1, got {limit!r}")
    order = toposort(root)
    kw = {k: v for k, v in draw_kwargs.items() if k not in ("check", "fn")}
    drawn = _drawn(draw_graph(root, **kw).source)  # DOT text only: cheap
    if len(drawn) > limit:
        raise ValueError(
            f"animate: the picture has {len(drawn)} drawn nodes, more than limit={limit} "
            f"({2 * len(drawn) + 1} frames to step through). Draw modules as boxes "
            f"(depth=1 or collapse=[...]), elide the middle (max_nodes=60), pass a larger "
            f"limit, or see the whole graph at once with viz.draw_graph(root).")
    _, pnames = param_names(draw_kwargs.get("params"), "animate")
    found = names_in(order, pnames)
    names = [found[id(n)] for n in order]
    steps = _gradients(root, order, draw_kwargs.get("params"))
    svg = draw_graph(root, **draw_kwargs).pipe(format="svg")

    prec = draw_kwargs.get("decimals", draw_kwargs.get("precision"))
    prec = 2 if prec is None else int(prec)
    cap = _Captions(order, names, steps, prec, pnames)
    frames = [{"phase": "start", "caption": cap.start(len(drawn)), "detail": cap.start_detail(),
               "hot": []}]
    shows = {}  # node index -> [frame of its value, frame of its gradient or None]
    for i in sorted(drawn):
        shows[i] = [len(frames), None]
        frames.append(cap.forward(i))
    for i in sorted(drawn, reverse=True):
        if _grad(order[i]) is not None:
            shows[i][1] = len(frames)
            frames.append(cap.backward(i))
    forward = len(drawn)
    for k, f in enumerate(frames):
        f["counter"] = _counter(k, forward, len(frames) - 1 - forward)
    return fill_page(*_tag(svg, order, shows, names), frames, names[-1])


# ----------------------------------------------------------------------------- gradients
def _grad(n):
    """The gradient a node shows: a float (Value), an ndarray (Tensor), or None."""
    g = n.grad
    if isinstance(n, Value):
        return g
    return None if g is None else np.asarray(getattr(g, "data", g))


def _gradients(root, order, params):
    """Make sure every node shows its gradient; return the backprop steps, or None when the
    graph's saved arrays were freed (the captions then leave out upstream × local)."""
    if isinstance(root, Value):
        steps = backprop_steps(root, params=params)
        if all(n.grad == 0 for n in order):
            root.backward()
        return steps
    if not root.requires_grad:
        raise ValueError(f"animate: the root (shape {root.shape}) does not require grad, so "
                         "there is no backward pass to step through")
    if root._data.size != 1:
        raise ValueError(f"animate: the root must have one element (a loss), got shape "
                         f"{root.shape}")
    freed = any(n.grad_fn is not None and n.grad_fn.saved is None for n in order)
    steps = None if freed else backprop_steps(root, params=params)
    needs = [n for n in order if n.requires_grad]
    if all(n.grad is None for n in needs):
        if steps is None:
            raise RuntimeError(
                "animate: the graph was freed by an earlier backward() and no node has a "
                ".grad. Recompute the root, then call animate(root): it runs backward itself.")
        with retain_grads():
            root.backward()
        return steps
    inner = [n for n in needs if n.parents]
    if inner and all(n.grad is None for n in inner):
        raise RuntimeError(
            "animate: backward already ran, but only the leaves kept their .grad. Run it inside "
            "glassgrad.autograd.retain_grads() so every node keeps its gradient, or call "
            "animate(root) before backward and it runs backward for you.")
    return steps


# ----------------------------------------------------------------------------- captions
_wrap = as_factor  # a name as a factor: x0, but (x0*w0 + x1*w1)


def _short(v, prec):
    """A value for a caption: ``0.73``, ``[1.00, 2.00]``, or ``(4, 8) mean 0.01 in [-2.10,
    2.30]`` for bigger arrays."""
    a = np.asarray(v)
    if a.size == 1:
        return fmt.number(a.reshape(()).item(), prec) if a.dtype.kind in "fc" else str(a.item())
    if 0 < a.size <= 6:
        one = (lambda v: fmt.number(v, prec)) if a.dtype.kind in "fc" else str
        return np.array2string(a, separator=", ", formatter={"all": one}).replace("\n", "")
    flat = a.astype(np.float64, copy=False).ravel()
    flat = flat[np.isfinite(flat)]
    if not flat.size:
        return f"{fmt.shape_text(a.shape)} (no finite values)"
    return (f"{fmt.shape_text(a.shape)} mean {fmt.number(flat.mean(), prec)} in "
            f"[{fmt.number(flat.min(), prec)}, {fmt.number(flat.max(), prec)}]")


def _factor(text):
    """A number as a factor: ``(-3.00)`` in ``4.00 + (-3.00)``."""
    return f"({text})" if text.startswith("-") else text


class _Captions:
    def __init__(self, order, names, steps, prec, pnames):
        self.order, self.names, self.prec, self.pnames = order, names, prec, pnames
        self.pos = {id(n): i for i, n in enumerate(order)}
        self.uses = {}  # id(node) -> [(step, input position)]
        for s in steps or ():
            for k, p in enumerate(s.inputs):
                self.uses.setdefault(id(p), []).append((s, k))
        self.steps = steps
        self.root = names[-1]

    def name(self, n):
        return self.names[self.pos[id(n)]]

    def num(self, v):
        return _short(v, self.prec)

    def brief(self, v):
        """A factor of a caption's upstream × local: its value, or for an array of more
        than 6 elements only its shape (``(5, 8) array``; the detail line has its stats),
        so that the caption stays about one line."""
        if np.size(v) > 6:
            return f"{fmt.shape_text(np.shape(v))} array"
        return self.num(v)

    def d(self, i):
        return f"d{_wrap(self.root)}/d{_wrap(self.names[i])}"

    def start(self, count):
        return (f"the graph of {self.root}: {count} nodes, nothing computed yet. "
                f"Next: the forward pass.")

    def start_detail(self):
        return ("Forward computes each node's value from its inputs, in topological order; "
                "backward then sends d" + _wrap(self.root) + "/d(node) back, output first.")

    def expr(self, n, values):
        """``x0 * w0``, ``sigmoid(n)``; with ``values`` the inputs' values instead of names."""
        if values:
            args = [_factor(self.num(p._data)) for p in n.parents]
        else:
            args = [_wrap(self.name(p)) for p in n.parents]
        call = args if values else [self.name(p) for p in n.parents]  # f(a + b), no (( ))
        op = n.op
        if isinstance(n, Value):
            if op in _VALUE_OPS and len(args) == 2:
                return f"{args[0]} {op} {args[1]}"
            if op.startswith("**") and len(args) == 1:
                return f"{args[0]}{op}"
            if op == "neg":
                return f"-{args[0]}"
        elif op in _TENSOR_OPS and len(args) == 2:
            return f"{args[0]} {_TENSOR_OPS[op]} {args[1]}"
        return f"{op}({', '.join(call)})"

    def forward(self, i):
        n = self.order[i]
        name, value = self.names[i], self.num(n._data)
        hot = [f"n{i}"]
        if not n.parents:
            if isinstance(n, Value) or not n.requires_grad:
                kind = "an input"
            elif id(n) in self.pnames:
                kind = "a parameter"
            else:
                kind = "a leaf that requires grad"
            return {"phase": "forward", "caption": f"forward: {name} = {value}",
                    "detail": f"{name} is {kind}: its value is given, not computed.",
                    "hot": hot}
        text = f"{name} = {self.expr(n, False)}"
        if all(np.size(p._data) == 1 for p in n.parents):
            text += f" = {self.expr(n, True)}"
        hot += [f"o{i}", f"o{i}-n{i}"] + [f"n{self.pos[id(p)]}-o{i}" for p in n.parents]
        inputs = list(dict.fromkeys(self.name(p) for p in n.parents))
        detail = (f"Its input {inputs[0]} is already computed; {n.op} is applied to it."
                  if len(inputs) == 1 else f"Its inputs {', '.join(inputs)} are already "
                  f"computed; {n.op} combines them.")
        return {"phase": "forward", "caption": f"forward: {text} = {value}",
                "detail": detail, "hot": hot}

    def backward(self, i):
        n = self.order[i]
        g = self.num(_grad(n))
        head = f"backward: {self.d(i)} = {g}"
        if n is self.order[-1]:
            return {"phase": "backward", "caption": f"{head} (the seed)",
                    "detail": f"Backward starts at the output: d{_wrap(self.root)}"
                              f"/d{_wrap(self.root)} = 1.", "hot": [f"n{i}"]}
        uses = self.uses.get(id(n), [])
        hot = [f"n{i}"]
        for s, _ in uses:
            c = self.pos[id(s.node)]
            hot += [f"n{i}-o{c}", f"o{c}", f"o{c}-n{c}", f"n{c}"]
        if self.steps is None:
            return {"phase": "backward", "caption": f"{head} (sum over its uses of upstream × "
                    "local)", "detail": "The graph's saved arrays were freed, so the parts "
                    "are not shown.", "hot": hot}
        terms, parts = [], []
        for s, k in uses:
            c = self.pos[id(s.node)]
            up, local, down = s.upstream, s.local[k], s.downstream[k]
            where = f"from {self.names[c]} = {self.expr(s.node, False)}"
            if isinstance(local, str):
                terms.append(f"{s.op} rule: {local}")
                parts.append(f"{where}: {local}, with upstream {self.d(c)} = {self.num(up)}, "
                             f"gives {self.num(down)}")
            else:
                terms.append(f"{_factor(self.brief(up))} × {_factor(self.brief(local))}")
                rule = s.rules[k] if k < len(s.rules) else ""
                rule = f"{rule} = " if rule and not _is_number(rule) else ""
                parts.append(f"{where}: upstream {self.d(c)} = {self.num(up)}, local "
                             f"d{_wrap(self.names[c])}/d{_wrap(self.names[i])} = "
                             f"{rule}{self.num(local)}")
        if not terms:
            why = "no use sends a gradient"
        elif all(not isinstance(s.local[k], str) for s, k in uses):
            why = "upstream × local = " + " + ".join(terms)
        else:
            why = "; ".join(terms) if len(terms) == 1 else "sum of " + "; ".join(terms)
        return {"phase": "backward", "caption": f"{head} ({why})",
                "detail": "; ".join(parts) + ".", "hot": hot}


def _is_number(rule):
    """True for a rule whose value is a constant (``∂(a+b)/∂a = 1``)."""
    try:
        float(rule.rpartition("= ")[2])
    except ValueError:
        return False
    return True


def _counter(k, forward, backward):
    if k == 0:
        return f"step 0 / {forward + backward}"
    if k <= forward:
        return f"step {k} / {forward + backward} · forward {k}/{forward}"
    return f"step {k} / {forward + backward} · backward {k - forward}/{backward}"


# ----------------------------------------------------------------------------- the SVG
def _drawn(source):
    """Topological indices of the nodes drawn on their own (``n{i}`` in the DOT text)."""
    return {int(m) for m in re.findall(r"^\s*n(\d+) \[", source, flags=re.M)}


def _tag(svg, order, shows, shown):
    """The SVG with each value and gradient tagged ``data-show="frame"`` and every node and
    edge tagged ``data-k`` (``n3``, ``o3``, ``n2-o3``), as text to put inline in HTML, and its
    width and height in CSS px at 100% (Graphviz's points, 4/3 px each). ``shown[i]``: the
    name drawn in node i ("" for none)."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    tree = ET.fromstring(svg)
    q = f"{{{SVG_NS}}}"
    for g in tree.iter(q + "g"):
        title = g.find(q + "title")
        if title is None or g.get("class") not in ("node", "edge"):
            continue
        key = title.text.replace("->", "-")
        g.set("data-k", key)
        m = re.fullmatch(r"n(\d+)", key)
        if m and int(m.group(1)) in shows:
            i = int(m.group(1))
            _tag_node(g, order[i], shown[i], *shows[i], q)
    box = [float(v) for v in tree.get("viewBox", "0 0 0 0").split()][2:]
    width = px_size(tree.get("width", "")) or box[0] * 4 / 3 or 1200.0
    height = px_size(tree.get("height", "")) or box[1] * 4 / 3 or 800.0
    tree.set("width", f"{width:.2f}")  # its size at 100%, in CSS px; the page zooms it
    tree.set("height", f"{height:.2f}")
    text = ET.tostring(tree, encoding="unicode")
    text = text.replace(f' xmlns="{SVG_NS}"', "").replace(f' xmlns:xlink="{XLINK_NS}"', "")
    return text, width, height


def _tag_node(g, n, name, vframe, gframe, q):
    """Tag the parts of one node: for a Value record the fields ``data ...`` and ``grad ...``
    (after the name field); for a Tensor every element from its ``data`` row label on."""
    frames = {"value": vframe, "grad": gframe}
    if isinstance(n, Value):
        texts = [e for e in g if e.tag == q + "text"]
        for e in texts[1 if name.strip() else 0:]:
            head = (e.text or "").split(" ", 1)[0]
            if head in ("data", "grad", "numeric"):
                _show(e, frames[_SECTIONS[head]], _SECTIONS[head])
        return
    section = None
    for e in g:
        if e.tag == q + "text" and e.get("fill") == GREY and (e.text or "") in _SECTIONS:
            section = _SECTIONS[e.text]
        if section is not None and e.tag != q + "title":
            _show(e, frames[section], section)


def _show(e, frame, kind):
    if frame is None:  # a part with nothing to reveal it (no gradient): keep it hidden
        frame = 1 << 30
    e.set("data-show", str(frame))
    e.set("class", f"gg-{kind}")
