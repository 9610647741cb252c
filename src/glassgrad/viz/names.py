"""One name per node, the same in every view: ``draw_graph`` draws it in the node, and
``explain``, ``backprop_steps``, ``animate`` (captions and page title), the ``explain``
command and ``draw_graph(check=True)``'s report use it to talk about that node.

A node's name is, in this order of preference:

1. its ``label``, when the user set one (``out.label = "out"``);
2. its parameter name (``0.weight``), when the model is passed (``params=model``, a dict
   name -> parameter, or (name, parameter) pairs). A label that is only the last part of
   that name (the scalar engine's modules label their weights ``w0`` and ``b``) gives way
   to the whole name (``layers.0.neurons.1.w0``);
3. an automatic name:

   - a leaf: ``x1``, ``x2``, ... numbered in topological order;
   - a result on the scalar engine (``Value``): a small expression of its inputs' names,
     ``w0*x0`` or ``w0*x0 + w1*x1``, when it is at most ``MAX_EXPR`` characters long;
   - any other result: its op and a running index per op, ``mul1``, ``add2``, ``linear1``,
     ``mse_loss1``: ``add2`` is the second ``add`` in forward (topological) order.

Automatic names never repeat and never take a name that a label or a parameter already
has (a taken ``mul2`` becomes ``mul2_1``). Labels are the user's: two nodes labelled ``h``
are both called ``h``. The numbering follows the topological order, which depends only on
the graph's structure, so the same graph gets the same names on every run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..autograd.graph import toposort_many

MAX_EXPR = 18  # longer expressions fall back to op + index ("add2")

# The scalar engine's op symbols as words, for op + index names.
_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "neg": "neg"}
_FUNCTIONS = {"exp", "log", "tanh", "sigmoid", "relu", "sin", "cos"}

# How tightly an expression binds, for parentheses: a + b < a*b < -a < a**b < atoms.
_ADD, _MUL, _NEG, _POW, _ATOM = 1, 2, 3, 4, 5
_SIMPLE = re.compile(r"[\w.]+")


def param_names(params, who="draw_graph"):
    """(model or None, {id(parameter): name}) from a Module, a mapping name -> parameter or
    (name, parameter) pairs; ``(None, {})`` for None."""
    if params is None:
        return None, {}
    if hasattr(params, "named_parameters") and hasattr(params, "named_modules"):
        return params, {id(p): n for n, p in params.named_parameters()}
    if isinstance(params, Mapping):
        return None, {id(p): str(n) for n, p in params.items()}
    try:
        return None, {id(p): str(n) for n, p in params}
    except (TypeError, ValueError):
        raise TypeError(f"{who}: params must be an nn.Module, a dict name -> parameter "
                        f"(dict(model.named_parameters())) or (name, parameter) pairs, got "
                        f"{type(params).__name__}") from None


def node_names(root, params=None):
    """{id(node): name} for every node of the graph of ``root`` (a node or a list of nodes).

    ``params`` names the parameters, as in ``draw_graph``. See the module docstring for the
    rules."""
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    return names_in(toposort_many(roots), param_names(params)[1])


def names_in(order, pnames=None):
    """The names of the nodes in ``order`` (a topological order), with ``pnames``
    {id(parameter): name} from ``param_names``."""
    from ..autograd.value import Value

    pnames = pnames or {}
    names, taken = {}, set()
    for n in order:
        label, pname = getattr(n, "label", ""), pnames.get(id(n))
        if label and pname and (pname == label or pname.endswith("." + label)):
            label = ""  # a module's own short label ("w0"): the full name says more
        name = label or pname
        if name:
            names[id(n)] = str(name)
            taken.add(str(name))
    tight = {}  # id -> how tightly its name binds as an operand
    counts, leaves = {}, 0
    for n in order:
        i = id(n)
        op = n.op if n.parents else ""
        word = _word(op) if op else ""
        if word:
            counts[word] = counts.get(word, 0) + 1
        if i in names:
            tight[i] = _ATOM if _SIMPLE.fullmatch(names[i]) else _ADD
            continue
        if not n.parents:
            leaves += 1
            while f"x{leaves}" in taken:
                leaves += 1
            name, tight[i] = f"x{leaves}", _ATOM
        else:
            made = _expression(n, names, tight) if isinstance(n, Value) else None
            if made is not None and len(made[0]) <= MAX_EXPR and made[0] not in taken:
                name, tight[i] = made
            else:
                name, tight[i] = _unused(f"{word}{counts[word]}", taken), _ATOM
        names[i] = name
        taken.add(name)
    return names


def _word(op):
    """An op as a word for op + index names: ``*`` -> mul, ``**2`` -> pow, conv2d."""
    if op in _WORDS:
        return _WORDS[op]
    if op.startswith("**"):
        return "pow"
    return re.sub(r"\W+", "_", op).strip("_") or "op"


def _unused(name, taken):
    if name not in taken:
        return name
    k = 1
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def exponent_text(op):
    """The constant exponent of a scalar ``x ** c`` op (``"**2.0"`` -> ``"2"``)."""
    try:
        return f"{float(op[2:]):g}"
    except ValueError:
        return op[2:]


def _expression(n, names, tight):
    """(text, binding) of a Value op as a short expression of its inputs' names, or None."""
    args = [(names[id(p)], tight[id(p)]) for p in n.parents]

    def operand(k, need):
        text, t = args[k]
        return text if t >= need else f"({text})"

    op = n.op
    if op in ("+", "-") and len(args) == 2:
        return f"{operand(0, _ADD)} {op} {operand(1, _ADD + (op == '-'))}", _ADD
    if op in ("*", "/") and len(args) == 2:
        return f"{operand(0, _MUL)}{op}{operand(1, _POW)}", _MUL
    if op == "**" and len(args) == 2:
        return f"{operand(0, _ATOM)}**{operand(1, _POW)}", _POW
    if op.startswith("**") and len(args) == 1:
        return f"{operand(0, _ATOM)}**{exponent_text(op)}", _POW
    if op == "neg" and len(args) == 1:
        return f"-{operand(0, _POW)}", _NEG
    if op in _FUNCTIONS and len(args) == 1:
        return f"{op}({args[0][0]})", _ATOM
    return None


def as_factor(name):
    """A name as a factor in ``d(name)/d(...)``: ``x0`` stays, ``w0*x0`` becomes ``(w0*x0)``."""
    return name if _SIMPLE.fullmatch(name) else f"({name})"
