"""The backward pass as a list of steps: what each node receives and what it hands on.

For every op node, in the order backward visits them (the root first)::

    downstream[input] = sum_to(upstream * local[input], input.shape)     elementwise ops, Value
    downstream[input] = vector-Jacobian product of the op's backward       everything else

For the scalar engine ``local`` comes from ``value.LOCAL`` (a float per input). For elementwise
Tensor ops it is the derivative evaluated at every element (the op's backward applied to a
gradient of ones), at the output's shape. For matmul, reductions, movement, conv, norms,
softmax and losses it is the name of the rule (``RULES``), and ``downstream`` is what the
op's backward gives. Nothing is accumulated into ``.grad`` and nothing is freed, so
``backprop_steps`` can run before ``.backward()``. Tensor hooks are not applied.

Elementwise ops also carry the text of their local rule (``LOCAL_RULES``: ``σ(1−σ)``,
``∂(a·b)/∂a = b``), which ``explain`` and ``animate`` show beside its value. Nodes are called
by the names ``draw_graph`` draws (``viz.names``). ``explain`` (viz/explain.py) prints the
steps as a table.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import numpy as np

from ..autograd.graph import as_ndarray, no_grad, sum_to, toposort
from ..autograd.ops.unary import UNARY
from ..autograd.tensor import Tensor, _seed_gradient
from ..autograd.value import LOCAL, Value
from .format import one_line
from .names import exponent_text, names_in, param_names

# Ops whose backward is grad * f'(x) element by element: local derivatives exist as arrays.
ELEMENTWISE = frozenset(UNARY) | {
    "add", "sub", "mul", "div", "neg", "pow", "leaky_relu", "elu", "gelu", "silu", "softplus",
    "clamp", "maximum", "minimum", "where", "to", "clone", "hardtanh", "atan2", "copysign",
    "hypot", "logaddexp", "logaddexp2", "xlogy", "fmax", "fmin", "fmod", "remainder", "lerp",
    "addcmul", "addcdiv", "logit", "sinc", "nan_to_num", "sign", "floor", "ceil", "round",
    "trunc", "frac", "div_rounding", "celu", "selu", "mish", "hardsigmoid", "hardswish",
    "softsign", "logsigmoid", "threshold", "softshrink", "hardshrink", "prelu",
}

_RESHAPE = "reshape grad to the input's shape"
_CONV = ("transposed convolution of grad with w", "correlate input windows with grad",
         "sum grad over N and the spatial dims")
_CONV_T = ("convolution of grad with w", "correlate grad windows with the input",
           "sum grad over N and the spatial dims")
_MAX = "grad to the max of each window"
_AVG = "grad / window size, spread over each window"
_PICK = "grad put into zeros at the picked indices"
_AT = "grad at the picked indices"
_ADD = "grad put into zeros at the picked positions (repeats add up)"
_NORM = "(w / σ) (grad - mean(grad) - x̂ · mean(grad · x̂)) over "

# The rule each non-elementwise op applies to the upstream gradient: one text for every
# input, or a tuple by forward-argument position (None where the argument is a constant).
RULES = {
    # linalg: out = A @ B;  out = x @ Wᵀ + b
    "matmul": ("grad @ Bᵀ", "Aᵀ @ grad"),
    "linear": ("grad @ W", "gradᵀ @ x", "grad summed over the leading dims"),
    # reductions
    "sum": "broadcast grad back over the reduced dims",
    "mean": "broadcast grad / n back over the reduced dims",
    "var": "grad · 2 (x - mean) / (n - correction)",
    "std": "grad · (x - mean) / ((n - correction) · std)",
    "amax": "grad to the largest elements (k ties get grad / k each)",
    "amin": "grad to the smallest elements (k ties get grad / k each)",
    "max": "grad to the argmax along dim",
    "min": "grad to the argmin along dim",
    "prod": "grad · the product of the other elements",
    "norm": "grad · sign(x) |x|^(p-1) / norm^(p-1)",
    "logsumexp": "grad · softmax(x) over the reduced dims",
    "softmax": "out · (grad - sum(grad · out))",
    "log_softmax": "grad - softmax(x) · sum(grad)",
    # movement and indexing
    "reshape": _RESHAPE, "flatten": _RESHAPE, "squeeze": _RESHAPE, "unsqueeze": _RESHAPE,
    "expand": "sum grad over the expanded dims",
    "repeat": "sum grad over the repeated copies",
    "transpose": "transpose grad back (swap the same two dims)",
    "permute": "permute grad by the inverse permutation",
    "flip": "flip grad along the same dims",
    "cat": "the slice of grad along dim that came from this input",
    "stack": "grad at this input's position along the new dim",
    "pad": "crop the padding off grad",
    "getitem": "grad put into zeros at the indexed positions (repeats add up)",
    "index": "grad put into zeros at the indexed positions (repeats add up)",
    "index_put": "grad[index]",
    # convolution and pooling: out = conv(x, w) + b
    "conv2d": ("full correlation of grad with the flipped kernel",
               "correlate input windows with grad", "sum grad over N, H, W"),
    "conv1d": _CONV, "conv3d": _CONV,
    "conv_transpose1d": _CONV_T, "conv_transpose2d": _CONV_T, "conv_transpose3d": _CONV_T,
    "conv_weight": ("transposed convolution of grad with g", "convolution of x with grad"),
    "max_pool1d": _MAX, "max_pool2d": _MAX, "max_pool3d": _MAX, "adaptive_max_pool1d": _MAX,
    "adaptive_max_pool2d": _MAX, "fractional_max_pool2d": _MAX,
    "avg_pool1d": _AVG, "avg_pool2d": _AVG, "avg_pool3d": _AVG,
    "max_unpool1d": "grad at the unpooling indices",
    "max_unpool2d": "grad at the unpooling indices",
    "max_unpool3d": "grad at the unpooling indices",
    "interpolate": "grad through the transposed resampling matrices",
    "pixel_shuffle": "pixel_unshuffle(grad)", "pixel_unshuffle": "pixel_shuffle(grad)",
    "im2col": "fold (col2im) grad back, overlaps add up",
    "col2im": "unfold (im2col) grad into columns",
    "affine_grid": "gradᵀ · base grid, summed over positions",
    "scaled_dot_product_attention": ("(grad Vᵀ through the softmax) K · scale",
                                     "(grad Vᵀ through the softmax)ᵀ Q · scale",
                                     "attentionᵀ grad", "grad Vᵀ through the softmax"),
    # fused recurrent layers: backprop through time, steps in reverse, dP = each step's
    # pre-activation gradient (the hidden state's gradient carried back through W_hh)
    "rnn_layer": ("dP @ W_ih", "dP @ W_hh carried back to the first step", "dPᵀ @ x",
                  "dPᵀ @ h_prev", "dP summed over the steps", "dP summed over the steps",
                  None, None, None),
    "lstm_layer": ("dP @ W_ih", "dP @ W_hh carried back to the first step",
                   "grad of c · f carried back to the first step", "dPᵀ @ x", "dPᵀ @ h_prev",
                   "dP summed over the steps", "dP summed over the steps",
                   "grad of h_projᵀ @ o · tanh(c)", None, None),
    "gru_layer": ("dP @ W_ih", "grad of h · z + dQ @ W_hh, carried back to the first step",
                  "dPᵀ @ x", "dQᵀ @ h_prev", "dP summed over the steps",
                  "dQ summed over the steps", None, None),
    # scans, sorting, selections
    "cumsum": "reverse cumulative sum of grad",
    "cumprod": "reverse cumulative sum of grad · out, / x (exact at zeros)",
    "logcumsumexp": "reverse cumulative sum of grad · exp(x - out)",
    "cummax": _PICK, "cummin": _PICK, "sort": _PICK, "topk": _PICK, "kthvalue": _PICK,
    "median": _PICK, "nanmedian": _PICK, "mode": _PICK, "value_selecting_backward": _AT,
    "quantile": "grad split between the two order statistics by the interpolation weight",
    "nanquantile": "grad split between the two order statistics by the interpolation weight",
    "matrix_norm": "grad · d‖A‖/dA (from the SVD: U Vᵀ for 'nuc', u₁ v₁ᵀ for 2)",
    "matrix_norm_backward": "the derivative of d‖A‖/dA · grad",
    # gathers and scatters
    "index_select": _ADD, "gather": _ADD, "take": _ADD, "take_along_dim": _ADD,
    "masked_select": _ADD, "repeat_interleave": _ADD,
    "scatter": ("grad where nothing was scattered", "grad at the scattered positions"),
    "masked_scatter": ("grad where the mask is False", "grad at the masked positions"),
    "scatter_reduce": ("grad where self survives the reduction", "grad by the reduce rule"),
    "index_assign": ("grad outside the assigned positions", "grad at the assigned positions"),
    "select": "grad put into zeros at the selected index", "view": _RESHAPE,
    "diagonal": "grad on the diagonal of zeros", "diag_embed": "the diagonal of grad",
    "tril": "tril(grad)", "triu": "triu(grad)", "roll": "roll grad back by -shifts",
    "block_diag": "the diagonal block of grad that came from this input",
    "combinations": "grad summed back at each element's positions",
    "unfold_windows": "grad summed over the windows that hold each element",
    "einsum": "einsum of grad with the other operands, output and input labels swapped",
    # linear algebra
    "inv": "-A⁻ᵀ grad A⁻ᵀ", "det": "grad · det(A) A⁻ᵀ",
    "slogdet": "grad · A⁻ᵀ (for logabsdet)",
    "solve": ("-A⁻ᵀ grad Xᵀ", "A⁻ᵀ grad"), "pinv": "the pseudo-inverse's derivative (3 terms)",
    "cholesky": "L⁻ᵀ Φ(Lᵀ grad) L⁻¹, symmetrized",
    "qr": "Q (grad_R + copyltu(M) R⁻ᵀ) terms", "eigh": "V (diag(grad_λ) + F ∘ Vᵀ grad_V) Vᵀ",
    "svd": "U (diag(grad_S) + ...) Vᵀ (the standard SVD formula)",
    "cdist": ("grad · ∂‖x - y‖_p / ∂x", "grad · ∂‖x - y‖_p / ∂y"),
    "group_norm": (_NORM + "each group", "sum of grad · x̂ over N and the spatial dims",
                   "sum grad over N and the spatial dims"),
    "rms_norm": ("(w / rms) (grad - x̂ · mean(grad · x̂))", "sum of grad · x̂ over the leading dims"),
    "ctc_loss": "softmax(x) - the posterior of each label, by the forward-backward sums",
    # normalization
    "batch_norm": (_NORM + "N, H, W", "sum of grad · x̂ over N, H, W", "sum grad over N, H, W"),
    "layer_norm": (_NORM + "the normalized dims", "sum of grad · x̂ over the leading dims",
                   "sum grad over the leading dims"),
    # losses (x the input, t the target; reduction='mean' also divides by n)
    "mse_loss": ("grad · 2 (x - t)", "-grad · 2 (x - t)"),
    "l1_loss": ("grad · sign(x - t)", "-grad · sign(x - t)"),
    "huber_loss": ("grad · clip(x - t, -δ, δ)", "-grad · clip(x - t, -δ, δ)"),
    "smooth_l1_loss": ("grad · clip((x - t) / β, -1, 1)", "-grad · clip((x - t) / β, -1, 1)"),
    "binary_cross_entropy": ("grad · w (x - t) / (x (1 - x))", "grad · w (log(1 - x) - log x)"),
    "binary_cross_entropy_with_logits": ("grad · w ((1 - t) - l σ(-x)), l = 1 + (p - 1) t",
                                         "grad · w ((p - 1) log(1 + exp(-x)) - x)"),
    "cross_entropy": ("grad · (softmax(x) Σq - q), q = one-hot target",  # q weighted, smoothed
                      "-grad · w log softmax(x)"),
    "nll_loss": "-grad · w at the target class, 0 elsewhere",
}


def rule(op, position):
    """The rule text of op ``op`` for its forward argument at ``position``."""
    r = RULES.get(op)
    if r is None:
        return f"vector-Jacobian product of {op}.backward"
    if isinstance(r, str):
        return r
    return r[position] if position < len(r) and r[position] else r[-1]


# The local derivative of each scalar op, as a textbook writes it: for binary ops
# d(out)/d(a) and d(out)/d(b) of out = a op b, for functions d(out)/dx of out = f(x).
LOCAL_RULES = {
    "+": ("∂(a+b)/∂a = 1", "∂(a+b)/∂b = 1"),
    "-": ("∂(a−b)/∂a = 1", "∂(a−b)/∂b = -1"),
    "*": ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
    "/": ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b²"),
    "**": ("∂(aᵇ)/∂a = b·aᵇ⁻¹", "∂(aᵇ)/∂b = aᵇ·ln a"),
    "neg": ("∂(−x)/∂x = -1",), "exp": ("exp(x)",), "log": ("1/x",), "tanh": ("1 − tanh²",),
    "sigmoid": ("σ(1−σ)",), "relu": ("[x > 0]",), "sin": ("cos(x)",), "cos": ("−sin(x)",),
}
# The Tensor engine's elementwise ops with the same rules.
for _op, _sym in (("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/"), ("pow", "**")):
    LOCAL_RULES[_op] = LOCAL_RULES[_sym]


def local_rule(op, position):
    """The text of the local derivative of elementwise op ``op`` with respect to its forward
    argument at ``position`` (``σ(1−σ)``, ``∂(a·b)/∂a = b``), or "" when there is none."""
    if op.startswith("**") and op != "**":  # the scalar engine's x ** c
        c = float(exponent_text(op))
        if c == 2:
            return "∂(x²)/∂x = 2·x"
        return f"∂(x**{exponent_text(op)})/∂x = {c:g}·x**{c - 1:g}"
    r = LOCAL_RULES.get(op, ())
    return r[position] if position < len(r) else ""


def fmt(v, decimals=4, max_items=6):
    """A number or array on one line, with ``decimals`` decimals and no trailing zeros
    (``0.3333``, ``-12``); arrays of more than ``max_items`` elements as shape and statistics
    (``(6, 5) mean 0.01 std 0.3 [-1.2, 2.4]``). ``None`` is ``—``; text stays as it is."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if isinstance(v, Tensor):
        v = v._data
    return one_line(v, decimals, max_items)


def local_text(rule_text, value, decimals=4):
    """``σ(1−σ) = 0.1966``; a rule that is a number already (``∂(a+b)/∂a = 1``) alone."""
    shown = fmt(value, decimals)
    if not rule_text:
        return shown
    try:
        float(rule_text.rpartition("= ")[2])
        return rule_text
    except ValueError:
        return f"{rule_text} = {shown}"


@dataclass
class Step:
    """One node's part of the backward pass.

    ``upstream`` is d(root)/d(node); ``local[k]`` is d(node)/d(inputs[k]) (a number or array,
    or for non-elementwise ops the name of the rule); ``downstream[k]`` is what input k
    receives from this node (``None`` if the op gives it no gradient). ``label`` and
    ``input_labels`` are the nodes' names (``viz.names``); ``rules[k]`` is the text of
    elementwise local derivative k (``σ(1−σ)``), "" when there is none; ``decimals`` is how
    many decimals the texts show.
    """

    node: object
    op: str
    inputs: tuple
    upstream: object
    local: tuple
    downstream: tuple
    index: int = 0
    label: str = ""
    input_labels: tuple = field(default=())
    rules: tuple = field(default=())
    decimals: int = 4

    @property
    def elementwise(self):
        """True when ``downstream == sum_to(upstream * local)`` holds (local is numeric)."""
        return not any(isinstance(v, str) for v in self.local)

    def rows(self):
        """(input, input label, local, downstream) for each input."""
        return list(zip(self.inputs, self.input_labels, self.local, self.downstream))

    def local_text(self, k):
        """Local derivative k with its rule: ``σ(1−σ) = 0.1966``, ``∂(a·b)/∂a = b = -3``,
        or the rule's name for non-elementwise ops."""
        rule_k = self.rules[k] if k < len(self.rules) else ""
        return local_text(rule_k, self.local[k], self.decimals)

    def __repr__(self):
        return (f"Step({self.index}: {self.label} [{self.op}] <- "
                f"{', '.join(self.input_labels)}; upstream={fmt(self.upstream, self.decimals)})")


# ----------------------------------------------------------------------------- the steps
def backprop_steps(root, grad=None, *, params=None, decimals=4):
    """The backward pass from ``root`` as a list of ``Step``, in execution order.

    Works on Value graphs and Tensor graphs. ``grad`` is d(loss)/d(root); it may be omitted
    for a one-element root. Call it before ``root.backward()`` (or after
    ``backward(retain_graph=True)``): backward frees the arrays that ops saved. Nodes are
    named as in ``draw_graph`` (``params=`` names the parameters); ``decimals`` is for the
    steps' texts (``repr``, ``local_text``).
    """
    if not isinstance(root, (Value, Tensor)):
        raise TypeError(f"backprop_steps: expected a Tensor or a Value, got "
                        f"{type(root).__name__}")
    order = toposort(root)
    names = names_in(order, param_names(params, "backprop_steps")[1])
    if isinstance(root, Value):
        return _value_steps(root, order, names, 1.0 if grad is None else float(grad), decimals)
    _check_not_freed(order, names)
    return _tensor_steps(root, order, names, grad, decimals)


def _value_steps(root, order, names, seed, decimals):
    grads, steps = {id(root): seed}, []
    for node in reversed(order):
        g = grads.get(id(node))
        if g is None or not node.parents:
            continue
        local = tuple(LOCAL.get(node.op, LOCAL["**c"])(node, *node.parents))
        down = tuple(d * g for d in local)  # as Value.backward: p.grad += d * g
        for p, d in zip(node.parents, down):
            grads[id(p)] = grads[id(p)] + d if id(p) in grads else d
        rules = tuple(local_rule(node.op, k) for k in range(len(node.parents)))
        steps.append(Step(node, node.op, tuple(node.parents), g, local, down, len(steps),
                          names[id(node)], tuple(names[id(p)] for p in node.parents), rules,
                          decimals))
    return steps


def _freed(order):
    return [n for n in order if n.grad_fn is not None and n.grad_fn.saved is None]


def _check_not_freed(order, names):
    for node in _freed(order)[:1]:
        raise RuntimeError(
            f"backprop_steps: the arrays that {node.op!r} (node {names[id(node)]}) saved "
            "for backward were already freed by an earlier .backward(). Call "
            "backprop_steps before .backward(), or use .backward(retain_graph=True).")


def _tensor_steps(root, order, names, grad, decimals):
    if not root.requires_grad:
        raise RuntimeError(f"backprop_steps: the root (shape {root.shape}) does not require "
                           "grad, so there is no backward pass to show")
    grads, steps = {id(root): _seed_gradient(root, grad, False)}, []
    with no_grad():
        for node in reversed(order):
            g = grads.pop(id(node), None)
            ctx = node.grad_fn
            if g is None or ctx is None:
                continue
            step = _tensor_step(node, ctx, g, len(steps), names, decimals)
            for p, d in zip(step.inputs, step.downstream):
                if d is not None:
                    grads[id(p)] = grads[id(p)] + d if id(p) in grads else d
            steps.append(step)
    return steps


def _tensor_step(node, ctx, g, index, names, decimals):
    elementwise = ctx.name in ELEMENTWISE and type(ctx).__module__.startswith("glassgrad.")
    state = _ctx_state(ctx)
    try:
        raw = ctx._run_backward(node, np.ones_like(g) if elementwise else g, False)
    finally:  # some ops free what they kept once backward has used it (max_pool2d's indices)
        for name, value in state.items():
            setattr(ctx, name, value)
    inputs, local, down, rules = [], [], [], []
    for k, p in enumerate(node.parents):
        if not p.requires_grad:
            continue
        pos = ctx.arg_index[k]
        gk = raw[pos]
        inputs.append(p)
        if elementwise:
            lk = None if gk is None else as_ndarray(gk)
            local.append(lk)
            down.append(None if lk is None else _fit(g * lk, p, ctx, k))
            rules.append(local_rule(ctx.name, pos))
        else:
            local.append(_rule_text(ctx, pos))
            down.append(None if gk is None else _fit(as_ndarray(gk), p, ctx, k))
            rules.append("")
    return Step(node, ctx.name, tuple(inputs), g, tuple(local), tuple(down), index,
                names[id(node)], tuple(names[id(p)] for p in inputs), tuple(rules), decimals)


def _ctx_state(ctx):
    """The ctx's attributes, to put back after our backward call: it must not use them up."""
    names = {n for cls in type(ctx).__mro__ for n in getattr(cls, "__slots__", ())}
    return {n: getattr(ctx, n) for n in names if n != "__weakref__" and hasattr(ctx, n)}


def _rule_text(ctx, pos):
    text = rule(ctx.name, pos)
    if getattr(ctx, "reduction", None) == "mean" and ctx.name in RULES:
        text += ", / n ('mean')"
    return text


def _fit(g, p, ctx, k):
    """The gradient at input p's shape and dtype, as the backward driver makes it."""
    g = as_ndarray(g)
    shape = p._data.shape
    if g.shape != shape:
        try:
            g = sum_to(g, shape)
        except ValueError:
            g = None
        if g is None or g.shape != shape:
            raise RuntimeError(f"{ctx.name}: backward gave a gradient that does not fit input "
                               f"{k} of shape {shape}")
    return g if g.dtype == p._data.dtype else g.astype(p._data.dtype)


def __getattr__(name):  # steps.explain, where it began; loaded on first use, so no cycle
    if name in ("explain", "Explanation"):
        return getattr(importlib.import_module(".explain", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
