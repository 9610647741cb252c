"""The targets of issue 5, section 2, checked against a run's groups.

Ratios are glassgrad's median divided by the peer's (above 1: glassgrad is slower). A target
whose group or peer is absent from the run is "n/a".

A target is set only against a peer that is faster than glassgrad. The CNN's hand-written
numpy peer is not one: its im2col, col2im and pooling are simpler than glassgrad's and it
measured about 2.4x slower, so a "glassgrad/numpy <= 1" target there would pass whatever
glassgrad did. The CNN is held to torch alone (benchmarks/README.md, "Targets").
"""

from __future__ import annotations

from .harness import ratios

ACTIVATIONS = ("relu", "leaky_relu", "elu", "selu", "celu", "gelu", "gelu_tanh", "silu", "mish",
               "softplus", "hardswish", "hardsigmoid", "hardtanh", "relu6", "sigmoid", "tanh",
               "logsigmoid", "softsign", "tanhshrink", "softshrink", "hardshrink", "rrelu",
               "rrelu_train", "glu", "prelu", "threshold", "pow3")

# (group key, what, kind, framework, op, limit, unit)
#   ratio:   glassgrad / framework        speedup: framework / glassgrad
#   value:   the framework's median       flag:    glassgrad's graph checks all true
TARGETS = [
    ("tensor_mlp", "Tensor MLP step: glassgrad/numpy", "ratio", "numpy", "<=", 1.10, "x"),
    # issue 13's limits (issue 5 had 1.25x for the MLP and 2.0x for the CNN)
    ("tensor_mlp", "Tensor MLP step: glassgrad/torch", "ratio", "torch", "<=", 1.0, "x"),
    ("cnn", "CNN step: glassgrad/torch", "ratio", "torch", "<=", 1.5, "x"),
    ("rnn.lstm", "LSTM T=32: glassgrad/torch", "ratio", "torch", "<=", 2.0, "x"),
    ("rnn.gru", "GRU T=32: glassgrad/torch", "ratio", "torch", "<=", 2.0, "x"),
    ("rnn.rnn", "RNN T=32: glassgrad/torch", "ratio", "torch", "<=", 2.0, "x"),
    ("rnn.lstm_lm", "LSTM language-model step: glassgrad/torch", "ratio", "torch", "<=", 2.0,
     "x"),
    ("gpt.sdpa", "GPT step (sdpa): glassgrad/torch", "ratio", "torch", "<=", 1.5, "x"),
    ("gpt.masked", "GPT step (masked softmax): glassgrad/torch", "ratio", "torch", "<=", 1.5,
     "x"),
    ("gpt.encoder", "GPT step (TransformerEncoderLayer): glassgrad/torch", "ratio", "torch",
     "<=", 1.5, "x"),
    ("resnet", "ResNet-18 step: glassgrad/torch", "ratio", "torch", "<=", 2.0, "x"),
    ("per_op.tensor", "Per-op, Tensor chain", "value", "glassgrad", "<=", 6.0, " us/op"),
    ("per_op.value", "Per-op, Value chain", "value", "glassgrad", "<=", 1.5, " us/op"),
    ("scalar_mlp", "Scalar MLP step: speed-up over micrograd-style", "speedup",
     "micrograd-style", ">=", 5.0, "x"),
    ("memory.peak", "Memory: peak RSS increase glassgrad/numpy", "ratio", "numpy", "<=", 2.0,
     "x"),
    ("memory.growth", "Memory: glassgrad growth, step 10 to last", "value", "glassgrad", "<=",
     1.0, " MB"),
    ("memory.peak", "Memory: graph released by backward and freed by refcount", "flag",
     "glassgrad", "==", True, ""),
    ("deep_graph.tensor", "Deep graph: Tensor chain", "value", "glassgrad", "<=", 1.0, " s"),
    ("deep_graph.value", "Deep graph: Value chain", "value", "glassgrad", "<=", 1.0, " s"),
    # issue 13: each activation's forward + backward within 3x torch, 1.5x as a geomean
    # (the "activations.ratios" group holds glassgrad/torch per activation, by name)
    *[("activations.ratios", f"Activation {name}: glassgrad/torch", "value", name, "<=", 3.0,
       "x") for name in ACTIVATIONS],
    ("activations.ratios", "Activations: geomean glassgrad/torch", "value", "geomean", "<=",
     1.5, "x"),
]
FLAGS = ("saved_released", "graph_freed_by_refcount")


def _measured(g, kind, framework):
    res = g["results"]
    if kind == "ratio":
        return ratios(g).get(framework)
    if kind == "speedup":
        r = ratios(g).get(framework)
        return 1.0 / r if r else None
    r = res.get(framework, {})
    if kind == "value":
        return r.get("median")
    if kind == "flag":
        if not all(k in r for k in FLAGS):
            return None
        return all(r[k] for k in FLAGS)
    raise ValueError(f"targets: unknown kind {kind!r}")


def _fmt(v, unit):
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.2f}{unit}" if unit.strip() in ("x", "") else f"{v:.3g}{unit}"


def evaluate(groups):
    """One row per target: what, measured, the limit, and pass / miss / n/a."""
    by_key = {g["key"]: g for g in groups}
    rows = []
    for key, what, kind, framework, op, limit, unit in TARGETS:
        g = by_key.get(key)
        if g is None:
            continue  # the case did not run
        value = _measured(g, kind, framework)
        if value is None:
            status = "n/a"
        elif op == "<=":
            status = "pass" if value <= limit else "miss"
        elif op == ">=":
            status = "pass" if value >= limit else "miss"
        else:
            status = "pass" if value == limit else "miss"
        sym = {"<=": "<=", ">=": ">=", "==": "="}[op]
        measured = "n/a" if value is None else _fmt(value, unit)
        target = f"{sym} {_fmt(limit, unit)}"
        rows.append({"group": key, "what": what, "measured": value, "limit": limit, "op": op,
                     "status": status, "measured_text": measured, "target_text": target,
                     "text": f"{what}: {measured} (target {target}) {status.upper()}"})
    return rows
