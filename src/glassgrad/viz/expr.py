"""Formulas such as ``(x + y) * z`` or ``tanh(w*x + b)``, parsed safely into a graph.

The formula is parsed by ``ast.parse(mode="eval")`` and every node is checked against a
whitelist before anything is built; nothing is ever passed to ``eval``, ``exec`` or
``compile``. Allowed:

- numbers (int or float literals), variables (names not starting with ``_``);
- ``+ - * / **`` and unary ``-`` and ``+``;
- calls of exp, log, tanh, sigmoid, relu, sin and cos with exactly one argument.

Anything else (attribute access, other calls, lambdas, comparisons, subscripts, strings,
...) raises ``ExpressionError`` naming what is not allowed. Formulas are ASCII: Python would
read a fullwidth ``ｘ`` as ``x``, so any other character is refused, named with its position.
Sizes are capped: formulas of at most ``MAX_CHARS`` characters, ``MAX_NODES`` syntax nodes,
nesting ``MAX_DEPTH`` (parentheses and calls; a flat ``a + b + ... + z`` is depth 1) and
exponents of at most ``MAX_EXPONENT`` in absolute value. A value that overflows to inf or
becomes nan, folded from constants or computed from the variables, is an error naming the
sub-expression.
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
import unicodedata

import numpy as np

MAX_CHARS = 1000
MAX_NODES = 1000
MAX_DEPTH = 200
MAX_EXPONENT = 100

FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu", "sin", "cos")
VALUE_FUNCTIONS = FUNCTIONS  # the Value engine implements every one of them
_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_OTHER_OPS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}
_KINDS = {  # how a forbidden node is described
    "Attribute": "attribute access", "Subscript": "subscript", "Lambda": "lambda",
    "IfExp": "conditional expression", "Compare": "comparison", "BoolOp": "boolean operator",
    "List": "list", "Tuple": "tuple", "Set": "set", "Dict": "dict",
    "ListComp": "comprehension", "SetComp": "comprehension", "DictComp": "comprehension",
    "GeneratorExp": "generator expression", "NamedExpr": "assignment expression (:=)",
    "Starred": "starred expression", "JoinedStr": "f-string", "FormattedValue": "f-string",
    "Await": "await", "Yield": "yield", "YieldFrom": "yield", "Slice": "slice",
}


class ExpressionError(ValueError):
    """A formula that is not allowed, does not parse, or lacks a variable's value."""


# ----------------------------------------------------------------------------- parse
def parse(formula):
    """Parse and validate ``formula``; return its ``ast.Expression`` tree.

    Raises ``ExpressionError`` for anything outside the whitelist, with what was not allowed.
    """
    if not isinstance(formula, str):
        raise ExpressionError(f"the formula must be a string, got {type(formula).__name__}")
    if len(formula) > MAX_CHARS:
        raise ExpressionError(f"formula is too long ({len(formula)} characters, "
                              f"max {MAX_CHARS})")
    if not formula.strip():
        raise ExpressionError("the formula is empty")
    _check_ascii(formula)
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(_syntax_message(formula.strip(), e)) from None
    except (ValueError, RecursionError, MemoryError) as e:
        raise ExpressionError(f"formula does not parse: {e}") from None
    _validate(tree)
    return tree


def _check_ascii(text):
    """Refuse any non-ASCII character: Python's parser folds fullwidth and other compatible
    letters into ASCII ones (NFKC), so ``ｘ + ｙ`` would silently mean ``x + y``."""
    if text.isascii():
        return
    col = next(i for i, ch in enumerate(text) if not ch.isascii())
    ch = text[col]
    name = unicodedata.name(ch, "unnamed character")
    raise ExpressionError(f"non-ASCII character {ch!r} (U+{ord(ch):04X} {name}) at column "
                          f"{col + 1}; formulas use ASCII letters, digits and operators\n"
                          f"  {text}\n  {' ' * col}^")


def _syntax_message(text, e):
    msg = f"syntax error: {e.msg}"
    if e.offset:
        col = max(e.offset - 1, 0)
        msg += f" at column {col + 1}\n  {text}\n  {' ' * col}^"
    return msg


def _snippet(node):
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


_CHAINS = ({ast.Add, ast.Sub}, {ast.Mult, ast.Div})  # a + b - c reads flat, as does a * b / c


def _chain_depth(parent, child, depth):
    """Nesting depth of ``child``: a left operand continuing the parent's chain of + and -
    (or * and /) stays at the parent's depth, so a flat sum of many terms is not "deep"."""
    if (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp) and child is parent.left
            and any(type(parent.op) in c and type(child.op) in c for c in _CHAINS)):
        return depth
    return depth + 1


def _validate(tree):
    """Check every node against the whitelist, without recursion; also cap size and depth."""
    count, stack = 0, [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"formula is too big (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")
        stack.extend((c, _chain_depth(node, c, depth)) for c in _children(node))


def _children(node):
    """The sub-expressions of an allowed node; raises for a node that is not allowed."""
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            _bad_operator(node.op, node)
        return (node.left, node.right)
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            _bad_operator(node.op, node)
        return (node.operand,)
    if isinstance(node, ast.Constant):
        _number(node)
        return ()
    if isinstance(node, ast.Name):
        _variable(node.id)
        if node.id in FUNCTIONS:
            raise ExpressionError(f"'{node.id}' is a function; call it as {node.id}(...)")
        return ()
    if isinstance(node, ast.Call):
        f = node.func
        if not isinstance(f, ast.Name):
            raise ExpressionError(f"not allowed: calling {_describe(f)} ({_snippet(f)}); "
                                  f"allowed functions: {_ALLOWED_FUNCTIONS}")
        if f.id not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{f.id}'; allowed: {_ALLOWED_FUNCTIONS}")
        if node.keywords:
            kw = ", ".join(_snippet(k) for k in node.keywords)
            raise ExpressionError(f"not allowed: keyword arguments ({kw}); {f.id} takes "
                                  "exactly one positional argument")
        if len(node.args) != 1:
            raise ExpressionError(f"{f.id} takes exactly one argument, got {len(node.args)} "
                                  f"({_snippet(node)})")
        return (node.args[0],)
    raise ExpressionError(f"not allowed: {_describe(node)} ({_snippet(node)})")


def _describe(node):
    name = type(node).__name__
    if name in _KINDS:
        return _KINDS[name]
    if isinstance(node, ast.Call):
        return "a call"
    if isinstance(node, ast.Name):
        return f"name '{node.id}'"
    return name.lower()


def _bad_operator(op, node):
    sym = _OTHER_OPS.get(type(op), type(op).__name__)
    raise ExpressionError(f"not allowed: operator '{sym}' ({_snippet(node)}); "
                          "allowed: + - * / ** and unary -")


def _number(node):
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        kind = {str: "string", bytes: "bytes", bool: "boolean", complex: "complex number"}.get(
            type(v), type(v).__name__)
        raise ExpressionError(f"not allowed: {kind} constant ({_snippet(node)}); "
                              "only real numbers")
    try:
        v = float(v)
    except OverflowError:
        v = math.inf
    if not math.isfinite(v):
        raise ExpressionError(f"number too large: {_snippet(node)}")
    return v


def _variable(name):
    if name.startswith("_"):
        raise ExpressionError(f"not allowed: name '{name}' (names may not start with '_')")


def variables(tree):
    """The variable names a parsed formula uses, in order of first appearance."""
    seen, stack = [], [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id not in seen:
            seen.append(node.id)
        if isinstance(node, ast.Call):
            stack.extend(reversed(node.args))
        else:
            stack.extend(reversed([c for c in ast.iter_child_nodes(node)
                                   if isinstance(c, ast.expr)]))
    return seen


# ----------------------------------------------------------------------------- build
def build(formula, values, engine="value"):
    """Build the graph of ``formula`` (a string or a tree from ``parse``) with the variables
    set to ``values``.

    Returns ``(root, leaves)``: the output node and {name: leaf node}. ``engine="value"``
    builds ``Value`` nodes (exp, log, tanh, sigmoid, relu only); ``"tensor"`` builds 0-d
    float64 Tensors with requires_grad (every function). Variables are labelled with their
    names and the output f; intermediates stay unlabelled, so that every view names them
    the same way (``viz.names``: ``x + y`` on the Value engine, ``add1`` on Tensors).
    Sub-expressions without variables are folded into one constant.
    """
    if engine not in ("value", "tensor"):
        raise ValueError(f"build: engine must be 'value' or 'tensor', got {engine!r}")
    if isinstance(formula, ast.Expression):
        _validate(formula)  # a tree from parse(), or made by hand: checked either way
        tree = formula
    else:
        tree = parse(formula)
    names = variables(tree)
    missing = [n for n in names if n not in values]
    if missing:
        hint = " ".join(f"{n}=..." for n in missing)
        raise ExpressionError(f"variable '{missing[0]}' has no value; pass --set {hint}"
                              if len(missing) == 1 else
                              f"variables {', '.join(repr(n) for n in missing)} have no "
                              f"values; pass --set {hint}")
    builder = _Builder(engine, {n: values[n] for n in names})
    with np.errstate(all="ignore"):  # an inf or nan is reported by _finite, not as a warning
        root = builder.node(tree.body)
    if not builder.is_const(root) and root.parents:  # an op, not a variable: call it f
        root.label = next((n for n in ("f", "out", "result") if n not in values), "<out>")
    return builder.wrap(root), builder.leaves


class _Builder:
    def __init__(self, engine, values):
        self.engine = engine
        self.leaves = {}
        if engine == "value":
            from ..autograd.value import Value

            self.leaves = {n: Value(_real(n, v), n) for n, v in values.items()}
        else:
            from .. import float64, tensor

            self.leaves = {n: tensor(_real(n, v), dtype=float64, requires_grad=True)
                           for n, v in values.items()}
            for n, t in self.leaves.items():
                t.label = n

    @staticmethod
    def is_const(x):
        return isinstance(x, float)

    def wrap(self, x):
        """A folded constant as a node of the engine (a formula without variables)."""
        if not self.is_const(x):
            return x
        if self.engine == "value":
            from ..autograd.value import Value

            return Value(x, _const_label(x))
        from .. import float64, tensor

        t = tensor(x, dtype=float64)
        t.label = _const_label(x)
        return t

    def _name(self, node):
        """An intermediate keeps no label: viz.names gives it its one name in every view."""
        return node

    def node(self, e):
        if isinstance(e, ast.Constant):
            return _number(e)
        if isinstance(e, ast.Name):
            return self.leaves[e.id]
        if isinstance(e, ast.UnaryOp):
            x = self.node(e.operand)
            if isinstance(e.op, ast.UAdd):
                return x
            return -x if self.is_const(x) else self._name(-x)
        if isinstance(e, ast.Call):
            return self._call(e.func.id, self.node(e.args[0]), e)
        sym = _BINOPS[type(e.op)]
        x, y = self.node(e.left), self.node(e.right)
        if sym == "**":
            _check_exponent(y, e)
        if self.is_const(x) and self.is_const(y):
            return _fold(sym, x, y, e)
        return self._name(self._checked(self._binop(sym, x, y, e), (x, y), e))

    def _checked(self, out, inputs, e):
        """``out`` (a node), unless it overflowed: see ``_finite``."""
        _finite(_scalar(out), [_scalar(v) for v in inputs], e)
        return out

    def _binop(self, sym, x, y, e):
        if self.engine == "value" and self.is_const(x):
            from ..autograd.value import Value

            x = Value(x, _const_label(x))  # a constant first operand: a leaf, as micrograd
        elif self.engine == "value" and self.is_const(y) and sym != "**":
            from ..autograd.value import Value

            y = Value(y, _const_label(y))
        try:
            if sym == "+":
                return x + y
            if sym == "-":
                return x - y
            if sym == "*":
                return x * y
            if sym == "/":
                return x / y
            return x ** (_int_if_whole(y) if self.is_const(y) else y)
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            raise ExpressionError(f"cannot compute {_snippet(e)}: {err}") from None

    def _call(self, name, x, e):
        if self.engine == "value" and name not in VALUE_FUNCTIONS:
            raise ExpressionError(f"{name} is not available on the Value engine (it has "
                                  f"{', '.join(VALUE_FUNCTIONS)}); use the tensor engine "
                                  "(engine='tensor', --engine tensor)")
        if self.is_const(x):
            return _fold(name, x, None, e)
        try:
            return self._name(self._checked(getattr(x, name)(), (x,), e))
        except (ValueError, OverflowError) as err:
            raise ExpressionError(f"cannot compute {_snippet(e)}: {err}") from None


def _scalar(x):
    """The float in a folded constant, a Value or a 0-d Tensor."""
    if isinstance(x, float):
        return x
    data = x.data
    return float(data) if isinstance(data, float) else float(x.item())


def _real(name, v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise ExpressionError(f"variable '{name}' must be a number, got {v!r}") from None
    return v


def _const_label(x):
    return f"{x:g}"


def _int_if_whole(y):
    return int(y) if float(y).is_integer() else y


def _check_exponent(y, e):
    v = y if isinstance(y, float) else float(getattr(y, "data", y))
    if abs(v) > MAX_EXPONENT:
        shown = f"{v:.0f}" if v.is_integer() and abs(v) < 1e15 else f"{v:g}"
        raise ExpressionError(f"exponent {shown} is too large (max {MAX_EXPONENT}) in "
                              f"{_snippet(e)}")


_MATH = {
    "exp": math.exp, "log": math.log, "tanh": math.tanh, "sin": math.sin, "cos": math.cos,
    "relu": lambda x: max(x, 0.0),
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)),
}


def _fold(op, x, y, e):
    """A sub-expression of constants, computed now as a float."""
    try:
        if op == "+":
            out = x + y
        elif op == "-":
            out = x - y
        elif op == "*":
            out = x * y
        elif op == "/":
            out = x / y
        elif op == "**":
            out = x**y
        else:
            out = _MATH[op](x)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise ExpressionError(f"cannot compute {_snippet(e)}: {err}") from None
    if isinstance(out, complex):
        raise ExpressionError(f"cannot compute {_snippet(e)}: the result is not a real number")
    return _finite(float(out), (x, y), e)


def _finite(out, inputs, e):
    """``out``, unless finite inputs gave an inf or nan: an overflow is an error, not a value."""
    if math.isfinite(out) or not all(math.isfinite(v) for v in inputs if v is not None):
        return out
    what = f"overflows to {out}" if math.isinf(out) else "is not a number (nan)"
    raise ExpressionError(f"{_snippet(e)} {what} although its inputs are finite; choose values "
                          "that keep every step finite")


# ----------------------------------------------------------------------------- command
def parse_assignments(items):
    """["x=-2", "y=5"] (or "x=-2,y=5") -> {"x": -2.0, "y": 5.0}."""
    out = {}
    for item in items or ():
        for part in item.split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or not name.isidentifier():
                raise ExpressionError(f"--set expects NAME=NUMBER, got {part!r}")
            try:
                out[name] = float(value)
            except ValueError:
                raise ExpressionError(f"--set {name}: {value.strip()!r} is not a number") from None
    return out


def explain_command(args):
    """Run ``python -m glassgrad explain``; return the exit code (2 for a bad formula)."""
    from .steps import explain

    try:
        values = parse_assignments(args.set)
        with np.errstate(all="ignore"):
            root, _ = build(args.formula, values, engine=args.engine)
    except ExpressionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{root.label} = {args.formula.strip()}\n")
    with np.errstate(all="ignore"):  # inf and nan show in the table; no numpy warnings
        explain(root)
    if args.output:
        try:
            render(root, args.output)
        except Exception as e:  # noqa: BLE001  (the table is out; report the picture's problem)
            print(f"error: could not render {args.output}: {e}", file=sys.stderr)
            return 1
        print(f"\ngraph written to {args.output}")
    return 0


def render(root, path):
    """Run backward (keeping every intermediate gradient) and draw the graph to ``path``:
    DOT text for ``.dot``/``.gv`` (no Graphviz needed), else the image format of the suffix."""
    from pathlib import Path

    from ..autograd.graph import retain_grads
    from . import draw_graph

    if getattr(root, "requires_grad", True) and getattr(root, "parents", ()):
        with retain_grads():
            root.backward()
    graph = draw_graph(root)
    path = Path(path)
    kind = path.suffix.lstrip(".").lower()
    if kind in ("dot", "gv", ""):
        path.write_text(graph.source)
    else:
        path.write_bytes(graph.pipe(format=kind))


def explain_arguments(p):
    """Add the ``explain`` command's arguments to the argparse parser ``p`` and return it.
    ``python -m glassgrad explain`` (cli.py) and ``python -m glassgrad.viz.expr`` both use
    it; the dependency goes one way, from the CLI to viz."""
    p.add_argument("formula", help='e.g. "(x + y) * z" or "tanh(w1*x1 + w2*x2 + b)"; one '
                   'starting with "-" needs a leading space: " -x * y"')
    p.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                   help="variable values, e.g. --set x=-2 y=5 z=-4")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="also render the graph (.svg, .png, .pdf or .dot)")
    p.add_argument("--engine", choices=["value", "tensor"], default="value",
                   help="build on the scalar Value engine (default) or on 0-d float64 "
                        "Tensors")
    return p


def main(argv=None):
    """``python -m glassgrad.viz.expr "FORMULA" --set x=1`` (the same as ``explain``)."""
    p = explain_arguments(argparse.ArgumentParser(prog="python -m glassgrad explain"))
    return explain_command(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
