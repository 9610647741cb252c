"""Case: activations (issue 13). Forward and backward of every activation in
torch.nn.functional, and of x ** 3, on a (64, 256, 128) float32 tensor, glassgrad against
torch eager; one group per activation, then a table of the ratios with their geometric mean.

The backward gets a gradient of ones; the input's .grad is cleared before each call."""

from __future__ import annotations

import math

import numpy as np

from .. import peers
from ..harness import group, measure

TITLE = "Activations (forward + backward)"
SETTINGS = {
    "full": {"shape": (64, 256, 128), "warmup": 2, "repeats": 12, "number": 1, "rounds": 3},
    "quick": {"shape": (64, 256, 128), "warmup": 1, "repeats": 5, "number": 1, "rounds": 1},
    "smoke": {"shape": (2, 4, 6), "warmup": 0, "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch")
# name -> the call, given the functional module F, the module with sigmoid and tanh, and a
# maker of a 1-element weight tensor (prelu's)
CALLS = {
    "relu": lambda F, m, w: F.relu,
    "leaky_relu": lambda F, m, w: F.leaky_relu,
    "elu": lambda F, m, w: F.elu,
    "selu": lambda F, m, w: F.selu,
    "celu": lambda F, m, w: F.celu,
    "gelu": lambda F, m, w: F.gelu,
    "gelu_tanh": lambda F, m, w: (lambda x: F.gelu(x, approximate="tanh")),
    "silu": lambda F, m, w: F.silu,
    "mish": lambda F, m, w: F.mish,
    "softplus": lambda F, m, w: F.softplus,
    "hardswish": lambda F, m, w: F.hardswish,
    "hardsigmoid": lambda F, m, w: F.hardsigmoid,
    "hardtanh": lambda F, m, w: F.hardtanh,
    "relu6": lambda F, m, w: F.relu6,
    "sigmoid": lambda F, m, w: m.sigmoid,
    "tanh": lambda F, m, w: m.tanh,
    "logsigmoid": lambda F, m, w: F.logsigmoid,
    "softsign": lambda F, m, w: F.softsign,
    "tanhshrink": lambda F, m, w: F.tanhshrink,
    "softshrink": lambda F, m, w: F.softshrink,
    "hardshrink": lambda F, m, w: F.hardshrink,
    "rrelu": lambda F, m, w: (lambda x: F.rrelu(x, training=False)),
    "rrelu_train": lambda F, m, w: (lambda x: F.rrelu(x, training=True)),
    "glu": lambda F, m, w: F.glu,
    "prelu": lambda F, m, w: _prelu(F, w(0.25)),
    "threshold": lambda F, m, w: (lambda x: F.threshold(x, 0.1, 0.0)),
    "pow3": lambda F, m, w: (lambda x: x**3),
}


def _prelu(F, weight):
    return lambda x: F.prelu(x, weight)


LIMIT, GEOMEAN_LIMIT = 3.0, 1.5  # glassgrad/torch, each and as a geometric mean (targets.py)


def _step(name, fw, x0):
    if fw == "glassgrad":
        import glassgrad.nn.functional as F

        import glassgrad as gg

        fn = CALLS[name](F, gg, lambda v: gg.tensor([v]))
        x = gg.tensor(x0, requires_grad=True)
        g = gg.tensor(np.ones(fn(x).shape, np.float32))
    else:
        import torch
        import torch.nn.functional as F

        from ..peers import torch_eager  # noqa: F401  (pins torch's thread count)

        fn = CALLS[name](F, torch, lambda v: torch.tensor([v]))
        x = torch.tensor(x0, requires_grad=True)
        g = torch.ones(fn(x).shape)

    def step():
        x.grad = None
        fn(x).backward(g)

    return step


def run(s):
    x0 = np.random.default_rng(0).standard_normal(s["shape"]).astype(np.float32)
    shape = "x".join(map(str, s["shape"]))
    groups, ratios = [], {}
    for name in CALLS:
        fns = {fw: _step(name, fw, x0) for fw in peers.available(FRAMEWORKS)}
        res = measure(fns, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
        groups.append(group("activations", f"activations.{name}",
                            f"{name}, ({shape}) float32, forward + backward", "ms", res))
        a, b = res.get("glassgrad", {}), res.get("torch", {})
        if "median" in a and "median" in b:
            # the ratio of the medians; min and max pair the extremes (best and worst case)
            ratios[name] = {"median": a["median"] / b["median"], "min": a["min"] / b["max"],
                            "max": a["max"] / b["min"], "n": min(a["n"], b["n"])}
    if ratios:
        logs = {k: [math.log(r[k]) for r in ratios.values()] for k in ("median", "min", "max")}
        ratios["geomean"] = {k: math.exp(sum(v) / len(v)) for k, v in logs.items()}
        ratios["geomean"]["n"] = len(logs["median"])
    groups.append(group(
        "activations", "activations.ratios", f"Activations: glassgrad/torch, ({shape}) float32",
        "x", ratios, [f"each row: glassgrad's median / torch's; min = glassgrad's min / torch's "
                      f"max, max = glassgrad's max / torch's min; targets: each <= {LIMIT}x, "
                      f"geomean <= {GEOMEAN_LIMIT}x"], reference="none", show_ratios=False))
    return groups
