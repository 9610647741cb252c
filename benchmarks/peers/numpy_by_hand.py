"""The floor: forward and backward written out by hand in numpy, with no autograd at all.

Written the way a careful person would write it once, for these shapes: float32 throughout,
in-place ReLU and updates where that is free, no graph, no checks. Any numpy engine pays at
least this much; the gap above it is the engine's overhead.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def version():
    return np.__version__


def _softmax_xent(logits, y):
    """Mean cross-entropy and its gradient with respect to the logits."""
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.log(s[:, 0]).mean() - z[rows, y].mean())
    g = e / s  # softmax
    g[rows, y] -= 1.0
    g *= np.float32(1.0 / n)
    return loss, g


def mlp_step(weights, x, y, lr):
    params = [(W.copy(), b.copy()) for W, b in weights]
    lr = np.float32(lr)

    def step():
        acts = [x]  # the input of each layer (post-ReLU)
        h = x
        for i, (W, b) in enumerate(params):
            h = h @ W.T
            h += b
            if i < len(params) - 1:
                np.maximum(h, 0.0, out=h)
                acts.append(h)
        loss, g = _softmax_xent(h, y)
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            gW = g.T @ acts[i]
            gb = g.sum(axis=0)
            if i > 0:
                g = g @ W  # uses W before its update
                g *= acts[i] > 0  # ReLU: the layer's output was positive
            gW *= lr
            W -= gW
            gb *= lr
            b -= gb
        return loss

    return step


# ---------------------------------------------------------------------------------- CNN
def _conv_forward(x, W, b):
    """3x3 convolution, padding 1, by im2col: returns the output and the column matrix."""
    n, c, h, w = x.shape
    o = W.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = sliding_window_view(xp, (3, 3), axis=(2, 3))  # (n, c, h, w, 3, 3), a view
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)  # the copy
    out = cols @ W.reshape(o, c * 9).T
    out += b
    return out.reshape(n, h, w, o).transpose(0, 3, 1, 2), cols


def _conv_backward(g, x_shape, W, cols, need_dx):
    """Gradients of the 3x3 padding-1 convolution: dx (or None), dW, db."""
    n, c, h, w = x_shape
    o = W.shape[0]
    g2 = g.transpose(0, 2, 3, 1).reshape(n * h * w, o)
    dW = (g2.T @ cols).reshape(W.shape)
    db = g2.sum(axis=0)
    if not need_dx:
        return None, dW, db
    dcols = (g2 @ W.reshape(o, c * 9)).reshape(n, h, w, c, 3, 3)
    dxp = np.zeros((n, c, h + 2, w + 2), dtype=g.dtype)
    for i in range(3):  # col2im: each kernel offset adds back its shifted slice
        for j in range(3):
            dxp[:, :, i:i + h, j:j + w] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, 1:-1, 1:-1], dW, db


def _pool_forward(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = r.max(axis=(3, 5))
    return out, r


def _pool_backward(g, r, out):
    """Route each gradient to the window's maximum. Ties only happen at ReLU's zeros, where
    the ReLU backward drops them anyway."""
    n, c, h2, _, w2, _ = r.shape
    mask = r == out[:, :, :, None, :, None]
    return (mask * g[:, :, :, None, :, None]).reshape(n, c, 2 * h2, 2 * w2)


def cnn_step(weights, x, y, lr):
    params = {k: (W.copy(), b.copy()) for k, (W, b) in weights.items()}
    lr = np.float32(lr)
    order = ("conv1", "conv2", "fc")

    def step():
        (w1, _), (w2, _), (wf, bf) = (params[k] for k in order)
        a1, cols1 = _conv_forward(x, *params["conv1"])
        np.maximum(a1, 0.0, out=a1)
        p1, r1 = _pool_forward(a1)
        a2, cols2 = _conv_forward(p1, *params["conv2"])
        np.maximum(a2, 0.0, out=a2)
        p2, r2 = _pool_forward(a2)
        flat = p2.reshape(p2.shape[0], -1)
        logits = flat @ wf.T
        logits += bf
        loss, g = _softmax_xent(logits, y)

        grads = {"fc": (g.T @ flat, g.sum(axis=0))}
        g = (g @ wf).reshape(p2.shape)
        g = _pool_backward(g, r2, p2) * (a2 > 0)
        g, *grads["conv2"] = _conv_backward(g, p1.shape, w2, cols2, True)
        g = _pool_backward(g, r1, p1) * (a1 > 0)
        _, *grads["conv1"] = _conv_backward(g, x.shape, w1, cols1, False)
        for k in order:
            for p, gp in zip(params[k], grads[k]):
                gp *= lr
                p -= gp
        return loss

    return step
