"""The op registry's test specs: for every registered op, a function and its input cases.

A spec says how to call the op (``fn``, on Tensors), what inputs to try (``cases``: broadcast
pairs, size-1 dims, 0-d tensors, domain edges) and, optionally, how PyTorch computes the
same thing (``torch_fn``, called with the ``torch`` module first; the package never imports
torch itself). One parametrized test runs gradcheck over every spec, another compares with
torch where it is installed, and a test fails if an op in ``OPS`` has no spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    """Float64 arrays for the differentiable inputs (None for an optional one left out),
    plus keyword arguments for the op."""

    inputs: tuple
    kwargs: dict = field(default_factory=dict)
    note: str = ""

    def shapes(self):
        return ", ".join(str(tuple(np.shape(a))) for a in self.inputs)


@dataclass
class OpSpec:
    name: str
    fn: Callable  # fn(*tensors, **kwargs) -> Tensor
    cases: Callable  # cases(rng) -> list[Case]
    torch_fn: Callable | None = None  # torch_fn(torch, *torch_tensors, **kwargs)
    gradgrad: bool = False  # also run gradgradcheck
    atol: float = 1e-5
    rtol: float = 1e-3
    consts: tuple = ()  # indices of inputs that are constants (not differentiated)
    eps: float = 1e-6

    def tensors(self, case):
        """The case's arrays as Tensors: float inputs require grad unless listed in consts."""
        from ..tensor import Tensor

        out = []
        for i, a in enumerate(case.inputs):
            if a is None:
                out.append(None)
                continue
            a = np.asarray(a)
            diff = a.dtype.kind == "f" and i not in self.consts
            out.append(Tensor(a, requires_grad=diff))
        return out

    def call(self, case):
        return lambda *xs: self.fn(*xs, **case.kwargs)


SPECS: dict[str, OpSpec] = {}


def spec(name, fn, cases, torch_fn=None, gradgrad=False, atol=1e-5, rtol=1e-3, consts=(),
         eps=1e-6):
    if name in SPECS:
        raise ValueError(f"spec {name!r} defined twice")
    SPECS[name] = OpSpec(name, fn, cases, torch_fn, gradgrad, atol, rtol, tuple(consts), eps)
    return SPECS[name]


def cases_of(s, seed=0):
    """A spec's cases, drawn from a generator seeded by the seed and the op's name."""
    rng = np.random.default_rng([seed, *s.name.encode()])
    return s.cases(rng)


FAMILIES = ("elementwise", "reduce", "softmax", "movement", "indexing", "linalg", "conv", "loss",
            "classification", "norm", "views")


def load_all():
    """Import every spec module (they register on import) and return SPECS."""
    for mod in FAMILIES:
        try:
            __import__(f"{__name__}.{mod}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{mod}":
                raise
    return SPECS


def away_from(x, points, margin=0.1):
    """Nudge values that sit within ``margin`` of a kink (e.g. relu at 0) away from it."""
    x = np.array(x, dtype=np.float64)
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin)
    return x
