"""``draw_graph(check=True)``: each leaf's gradient, as drawn, against a central difference.

The analytic side is what the picture shows: the leaf's ``.grad`` after the user's
``backward()``. The numeric side perturbs the leaf and re-evaluates the root:

    numeric = (f(x + eps) - f(x - eps)) / (2 eps)

- **Value graphs** are replayed from the recorded ops (``+``, ``*``, ``**2``, ``tanh``, ...),
  so no function is needed.
- **Tensor graphs** cannot be replayed (an op's non-Tensor arguments, such as dims, are not
  recorded), so they need ``fn``: a function of no arguments that recomputes the root from
  the same leaf tensors, e.g. ``fn=lambda: F.mse_loss(model(x), y)``. Each leaf's ``.data``
  is swapped for a float64 copy, perturbed in place, and restored afterwards. ``fn`` must be
  deterministic (``model.eval()`` for dropout).

A leaf with at most 12 elements is checked element by element, so its numeric gradient can be
drawn in full. A bigger leaf is checked along one random direction ``v`` (seeded), comparing
``(f(x + eps v) - f(x - eps v)) / 2 eps`` with ``sum(grad * v)``: two evaluations whatever
its size.

    rel err = |analytic - numeric| / max(|analytic|, |numeric|, 1e-6)   (2-norms for arrays)

A leaf passes (green) when rel err <= ``tol``; otherwise it is red. Each result carries the
leaf's name (the one drawn in its node, see ``viz.names``), and ``report`` lists them:

    w0  numeric -0.20  analytic -0.20  ✓ rel err 1.2e-10
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..autograd.graph import no_grad
from .format import SMALL, number, one_line, sci

_FLOOR = 1e-6


@dataclass
class LeafCheck:
    ok: bool
    rel_err: float
    numeric: object  # the numeric gradient (array or float), or the directional derivative
    analytic: object  # the same for .grad; None when the leaf has no .grad
    direction: bool = False  # True: compared along one random direction
    name: str = ""  # the leaf's name, as drawn

    def text(self, decimals=2):
        """One line: ``w0  numeric -0.20  analytic -0.20  ✓ rel err 1.2e-10``."""
        mark = "✓" if self.ok else "✗"
        num = one_line(self.numeric, decimals) if np.ndim(self.numeric) else number(
            self.numeric, decimals)
        if self.analytic is None:
            return f"{self.name}  numeric {num}  {mark} no .grad: run backward() first"
        ana = one_line(self.analytic, decimals) if np.ndim(self.analytic) else number(
            self.analytic, decimals)
        how = " (along a random direction)" if self.direction else ""
        return f"{self.name}  numeric {num}  analytic {ana}{how}  {mark} rel err " \
               f"{sci(self.rel_err)}"

    def __str__(self):
        return self.text()


def report(checks, decimals=2):
    """The checks (``draw_graph(..., check=True).checks``) as text, one leaf per line, the
    failures first."""
    checks = sorted(checks, key=lambda c: c.ok)
    if not checks:
        return "no leaves checked"
    bad = sum(not c.ok for c in checks)
    head = (f"{bad} of {len(checks)} leaves differ from the central difference" if bad
            else f"all {len(checks)} leaves match the central difference")
    width = max(len(c.name) for c in checks)
    lines = [head]
    for c in checks:
        first, _, rest = c.text(decimals).partition("  ")
        lines.append(f"  {first.ljust(width)}  {rest}")
    return "\n".join(lines)


def _rel(a, n):
    a = np.asarray(a, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    den = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)), _FLOOR)
    return float(np.linalg.norm(a - n)) / den


def _verdict(ana, num, tol, direction):
    if ana is None:
        return LeafCheck(False, math.nan, num, None, direction)
    rel = _rel(ana, num)
    ok = bool(np.isfinite(rel) and rel <= tol)
    return LeafCheck(ok, rel, num, ana, direction)


# ---------------------------------------------------------------------------- Value replay
def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


_FORWARD = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "**": lambda x, y: x**y,
    "neg": lambda x: -x,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: x if x > 0 else 0.0,
    "sin": math.sin,
    "cos": math.cos,
}


def _forward_of(op, name=""):
    f = _FORWARD.get(op)
    if f is not None:
        return f
    if op.startswith("**"):
        try:
            c = float(op[2:])
        except ValueError:
            c = None
        if c is not None:
            return lambda x: x**c
    raise ValueError(f"draw_graph(check=True): cannot replay the Value op {op!r} (node "
                     f"{name}); pass fn=, a function of no arguments that recomputes the root")


def _value_replay(order, parents, root, names):
    steps = [(i, _forward_of(n.op, names[i]), parents[i]) for i, n in enumerate(order)
             if parents[i]]
    base = [float(n._data) for n in order]

    def f(i, x):
        vals = list(base)
        vals[i] = x
        try:
            for j, fj, ps in steps:
                vals[j] = fj(*[vals[p] for p in ps])
            out = float(vals[root])
        except (ArithmeticError, ValueError):
            return math.nan
        return math.nan if isinstance(out, complex) else out

    return f


# ---------------------------------------------------------------------------- the checks
def _root_value(out):
    data = np.asarray(getattr(out, "data", out), dtype=np.float64)
    if data.size != 1:
        raise ValueError(f"draw_graph(check=True): fn() returned shape {data.shape}; it must "
                         f"recompute the drawn root, which has one element")
    return float(data.reshape(()))


def _check_values(order, parents, root, leaves, fn, eps, tol, names):
    from ..autograd.value import Value

    results = {}
    if fn is None:
        replay = _value_replay(order, parents, root, names)
        for i in leaves:
            x = float(order[i]._data)
            num = (replay(i, x + eps) - replay(i, x - eps)) / (2 * eps)
            results[i] = _verdict(float(order[i].grad), num, tol, False)
        return results
    for i in leaves:
        leaf = order[i]
        if not isinstance(leaf, Value):
            continue
        x = leaf._data
        try:
            leaf._data = x + eps
            hi = _root_value(fn())
            leaf._data = x - eps
            lo = _root_value(fn())
        finally:
            leaf._data = x
        results[i] = _verdict(float(leaf.grad), (hi - lo) / (2 * eps), tol, False)
    return results


def _check_tensors(order, parents, root, leaves, fn, eps, tol, seed):
    if fn is None:
        raise ValueError(
            "draw_graph(check=True) on a Tensor graph needs fn=, a function of no arguments "
            "that recomputes the root from the same leaf tensors (e.g. fn=lambda: "
            "F.mse_loss(model(x), y)); Value graphs are replayed without it")
    rng = np.random.default_rng(seed)
    originals = {}
    for i, n in enumerate(order):  # every floating leaf runs in float64 during the check
        if not parents[i] and n._data.dtype.kind == "f":
            originals[i] = n._data
    try:
        for i, arr in originals.items():
            order[i]._data = np.array(arr, dtype=np.float64)
        with no_grad():
            base = _root_value(fn())
        drawn = float(np.asarray(order[root]._data, dtype=np.float64).reshape(-1)[0])
        if not abs(base - drawn) <= 1e-3 * max(abs(drawn), 1.0):
            raise ValueError(f"draw_graph(check=True): fn() gives {base:.6g} but the drawn "
                             f"root holds {drawn:.6g}; fn must recompute this root from the "
                             f"same leaves (and be deterministic: model.eval() for dropout)")
        results = {}
        for i in leaves:
            x = order[i]._data
            g = order[i].grad
            ana = None if g is None else np.asarray(getattr(g, "data", g), dtype=np.float64)

            def f(delta, x=x):
                orig = x.copy()
                x += delta
                try:
                    with no_grad():
                        return _root_value(fn())
                finally:
                    x[...] = orig

            if x.size <= SMALL:
                num = np.zeros(x.shape)
                flat = x.reshape(-1)
                for k in range(x.size):
                    orig = flat[k]
                    flat[k] = orig + eps
                    with no_grad():
                        hi = _root_value(fn())
                    flat[k] = orig - eps
                    with no_grad():
                        lo = _root_value(fn())
                    flat[k] = orig
                    num.reshape(-1)[k] = (hi - lo) / (2 * eps)
                results[i] = _verdict(ana, num, tol, False)
            else:
                v = rng.standard_normal(x.shape)
                num = (f(eps * v) - f(-eps * v)) / (2 * eps)
                results[i] = _verdict(None if ana is None else float(np.sum(ana * v)), num,
                                      tol, True)
        return results
    finally:
        for i, arr in originals.items():
            order[i]._data = arr


def check_leaves(order, parents, root, leaves, fn=None, eps=1e-6, tol=1e-3, seed=0,
                 names=None):
    """{leaf index: LeafCheck} for the leaves ``leaves`` (topological indices). ``names[i]``
    is node i's name (``viz.names``); by default the names are worked out here."""
    from ..autograd.value import Value
    from .names import names_in

    if names is None:
        found = names_in(order)
        names = [found[id(n)] for n in order]
    if isinstance(order[root], Value):
        results = _check_values(order, parents, root, leaves, fn, eps, tol, names)
    elif order[root]._data.size != 1:
        raise ValueError(f"draw_graph(check=True): the root {names[root]} has shape "
                         f"{tuple(order[root]._data.shape)}; the check needs a one-element "
                         f"root (a loss)")
    else:
        results = _check_tensors(order, parents, root, leaves, fn, eps, tol, seed)
    for i, r in results.items():
        r.name = names[i]
    return results
