"""The fused recurrent layers (ops/recurrent.py) rebuilt from Tensor ops, step by step, for
their double backward.

Under create_graph=True a fused op's backward must return gradients that are themselves
graph nodes. ``layer`` recomputes the op's output from its saved inputs as a per-step graph
of ordinary ops (matmul, sigmoid, tanh, slices, cat), with the same layout as the fused
op's output, and ``grads_within`` differentiates that graph with create_graph. It walks only
the rebuilt graph: each input enters it through a ``clone`` node, and the walk stops there,
so nothing above the layer's inputs is visited (the outer backward does that once), and an
input passed twice (h0 is c0) gets each use's gradient separately.
"""

from __future__ import annotations

from ..graph import _fit
from ..tensor import Tensor
from .shaping import cat


def _linear(x, w, b):
    out = x @ w.T
    return out if b is None else out + b


def _rnn_step(xp, h, w_hh, b_hh, relu):
    pre = xp + _linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_step(xp, h, c, w_hh, b_hh, w_hr):
    hid = c.shape[-1]
    gates = xp + _linear(h, w_hh, b_hh)
    i, f = gates[:, :hid].sigmoid(), gates[:, hid:2 * hid].sigmoid()
    g, o = gates[:, 2 * hid:3 * hid].tanh(), gates[:, 3 * hid:].sigmoid()
    c = f * c + i * g
    h = o * c.tanh()
    return (h if w_hr is None else h @ w_hr.T), c


def _gru_step(xp, h, w_hh, b_hh):
    hid = h.shape[-1]
    hp = _linear(h, w_hh, b_hh)
    rz = (xp[:, :2 * hid] + hp[:, :2 * hid]).sigmoid()
    r, z = rz[:, :hid], rz[:, hid:]
    new = (xp[:, 2 * hid:] + r * hp[:, 2 * hid:]).tanh()
    return new + z * (h - new)


def _rows(state, new, n):
    """The state with its first n rows replaced by ``new`` (a packed step)."""
    return new if n == state.shape[0] else cat([new, state[n:]], 0)


def layer(kind, *inputs, steps, batch_sizes, relu=False):
    """The fused op's output for ``kind`` ("rnn", "lstm" or "gru"), from Tensor ops.

    ``inputs`` are the op's Tensor arguments in order: x, h0, (c0,) w_ih, w_hh, b_ih, b_hh
    (, w_hr); ``steps`` the (first row, rows) of each step in the order they run."""
    if kind == "lstm":
        x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr = inputs
    else:
        (x, h, w_ih, w_hh, b_ih, b_hh), c = inputs, None
    x2 = x.reshape(-1, x.shape[-1])
    rows = {}
    for lo, n in steps:
        xp = _linear(x2[lo:lo + n], w_ih, b_ih)
        h_in = h if n == h.shape[0] else h[:n]
        if kind == "lstm":
            h_new, c_new = _lstm_step(xp, h_in, c if n == c.shape[0] else c[:n], w_hh,
                                      b_hh, w_hr)
            rows[lo] = cat([h_new, c_new], -1)
            c = _rows(c, c_new, n)
        elif kind == "gru":
            h_new = rows[lo] = _gru_step(xp, h_in, w_hh, b_hh)
        else:
            h_new = rows[lo] = _rnn_step(xp, h_in, w_hh, b_hh, relu)
        h = _rows(h, h_new, n)
    final = cat([h, c], -1) if kind == "lstm" else h
    y2 = cat([rows[lo] for lo in sorted(rows)] + [final], 0)
    if batch_sizes is not None:
        return y2
    return y2.reshape(x.shape[0] + 1, x.shape[1], y2.shape[-1])


def grads_within(build, grad, inputs, needs):
    """d sum(grad * build(inputs)) / d inputs, as graph nodes (create_graph), for the inputs
    whose ``needs`` is true (None for the others). Walks only the graph that ``build`` makes
    between its output and a clone of each input."""
    aliases = [t.clone() if t is not None and need else t for t, need in zip(inputs, needs)]
    y = build(aliases)
    stop = {id(a) for a, need in zip(aliases, needs) if need}
    order, seen, stack = [], set(), [(y, False)]
    while stack:  # the iterative toposort of graph.toposort, not expanding the stops
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            if id(node) not in stop:
                stack.extend((p, False) for p in node.parents if p.requires_grad)
    grads = {id(y): grad}
    for node in reversed(order):
        ctx = node.grad_fn
        if id(node) in stop or ctx is None or id(node) not in grads:
            continue
        g = grads.pop(id(node))
        in_grads = ctx._run_backward(node, g, True)
        for k, p in enumerate(node.parents):
            gk = in_grads[ctx.arg_index[k]] if p.requires_grad else None
            if gk is not None:
                gk = _fit(gk, p, ctx, k, True, Tensor)
                grads[id(p)] = grads[id(p)] + gk if id(p) in grads else gk
    return [grads.get(id(a)) if need else None for a, need in zip(aliases, needs)]
