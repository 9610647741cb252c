"""The op registry's test specs: for every registered op, a function and its input cases.

Composed functions (``addmm``, ``kl_div``, ``grid_sample``, ...: public functions built from
registered ops, with no Function class of their own) have specs too, marked ``composed``.

A spec says how to call the op (``fn``, on Tensors), what inputs to try (``cases``: broadcast
pairs, size-1 dims, 0-d tensors, domain edges) and, optionally, how PyTorch computes the
same thing (``torch_fn``, called with the ``torch`` module first; the package never imports
torch itself). One parametrized test runs gradcheck over every spec, another compares with
torch where it is installed, and a test fails if an op in ``OPS`` has no spec.

Tolerances. gradcheck passes when |analytic - numeric| <= atol + rtol * |numeric|. The
defaults, rtol 1e-5 and atol 1e-7, sit well above what float64 central differences with
eps = 1e-6 achieve on the registry (worst 5e-10 outside the +-1e4 logits) and well below
a real error: a gradient 0.01% wrong fails. A spec that needs more states why, next to it.

Required cases. Every spec has a 0-d input, an input with a size-1 dim and, when it takes two
or more float inputs, an input broadcast to the output's shape; tests/test_ops.py checks the
shapes. An op that cannot take such a case (or one the shape rule cannot see) is listed in
``WITHOUT_ZERO_D``, ``WITHOUT_SIZE_ONE`` or ``WITHOUT_BROADCAST`` with the reason; an op
torch does not have in a comparable form is listed in ``WITHOUT_TORCH``.
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
    atol: float = 1e-7
    rtol: float = 1e-5
    consts: tuple = ()  # indices of inputs that are constants (not differentiated)
    eps: float = 1e-6
    composed: bool = False  # a function built from registered ops (addmm, kl_div, ...), not one

    def tensors(self, case):
        """The case's arrays as Tensors: float inputs require grad unless listed in consts."""
        from ...autograd.tensor import Tensor

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


def spec(name, fn, cases, torch_fn=None, gradgrad=False, atol=1e-7, rtol=1e-5, consts=(),
         eps=1e-6, composed=False):
    """Register a spec. ``name`` is a registered op's name, or with ``composed=True`` the name
    of a public function built from registered ops (it has no Function class of its own, but
    its composition is checked the same way: gradcheck, gradgradcheck, torch)."""
    if name in SPECS:
        raise ValueError(f"spec {name!r} defined twice")
    SPECS[name] = OpSpec(name, fn, cases, torch_fn, gradgrad, atol, rtol, tuple(consts), eps,
                         composed)
    return SPECS[name]


# op -> why its spec has no torch_fn. Empty: every registered op is compared with torch.
WITHOUT_TORCH: dict[str, str] = {}

# op -> why its spec has no case with a 0-d float input.
WITHOUT_ZERO_D: dict[str, str] = {
    "conv2d": "needs (N, C, H, W) or (C, H, W) input and a 4-D weight",
    "max_pool2d": "needs (N, C, H, W) or (C, H, W) input",
    "avg_pool2d": "needs (N, C, H, W) or (C, H, W) input",
    "cat": "torch refuses 0-d tensors: they have no dim to join along",
    "matmul": "torch refuses 0-d operands: both need at least 1 dim",
    "cross_entropy": "input is (C,), (N, C) or (N, C, d1, ...): at least the class dim",
    "nll_loss": "input is (C,), (N, C) or (N, C, d1, ...): at least the class dim",
    "diagonal": "needs at least 2 dims",
    "transpose": "a 0-d tensor has no dims to swap (torch accepts dims 0 and -1 on a 1-D "
                 "tensor, which the spec covers)",
    "batch_norm": "needs (N, C) or (N, C, ...) input",
    "layer_norm": "normalized_shape is at least one trailing dim",
    "pad": "pads trailing dims: a 0-d tensor has none",
    "select": "picks along a dim: a 0-d tensor has none",
}

# op -> why its spec has no case with a size-1 dim in a float input.
WITHOUT_SIZE_ONE: dict[str, str] = {}

# op -> why its spec has no case where a float input is broadcast to the output's shape.
WITHOUT_BROADCAST: dict[str, str] = {
    "matmul": "broadcasts batch dims only, beside the matrix dims the shape rule compares: "
              "cases (2, 1, 3, 4) @ (5, 4, 2) and (3, 4) @ (2, 4, 1)",
    "conv2d": "input, weight and bias have fixed, distinct roles: nothing broadcasts",
    "binary_cross_entropy": "torch raises unless target has input's size; weight "
                            "broadcasting is covered (weight (3,) against (2, 3))",
    "binary_cross_entropy_with_logits": "torch raises unless target has input's size; weight "
                                        "and pos_weight broadcasting is covered",
    "cross_entropy": "target holds class indices or class probabilities of input's shape",
    "nll_loss": "target holds class indices",
}


def cases_of(s, seed=0):
    """A spec's cases, drawn from a generator seeded by the seed and the op's name."""
    rng = np.random.default_rng([seed, *s.name.encode()])
    return s.cases(rng)


FAMILIES = ("elementwise", "math", "reduce", "stats", "norms", "scan", "sorting", "softmax",
            "activation", "movement", "shaping", "indexing", "gather", "einsum", "padding",
            "linalg", "products", "decomp", "loss", "loss_more", "distance", "classification",
            "conv", "conv_transpose", "pool", "resample", "attention", "norm", "dropout",
            "views", "composed_math", "composed_shape", "composed_nn", "bilinear",
            "recurrent")


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
