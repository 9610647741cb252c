"""HIPS autograd: the workloads as plain functions of their parameters, differentiated with
``value_and_grad``. The max inside log-sum-exp is a constant (``getval``), as a stop-gradient;
the convolution is im2col from shifted slices, which autograd differentiates as it is."""

from __future__ import annotations

import importlib.metadata

import autograd.numpy as anp
import numpy as np
from autograd import grad, value_and_grad
from autograd.tracer import getval

from ..workloads import CHAIN_START, chain_ops


def version():
    return importlib.metadata.version("autograd")


def _cross_entropy(logits, y):
    m = np.max(getval(logits), axis=1, keepdims=True)
    z = logits - m
    lse = anp.log(anp.sum(anp.exp(z), axis=1))
    return anp.mean(lse - z[np.arange(len(y)), y])


def _sgd(loss_fn, params, x, y, lr):
    vg = value_and_grad(loss_fn)

    def step():
        loss, grads = vg(params, x, y)
        for p, g in zip(params, grads):
            p -= lr * g
        return loss

    return step


def mlp_step(weights, x, y, lr):
    params = [a.copy() for wb in weights for a in wb]
    n_layers = len(weights)

    def loss_fn(params, x, y):
        h = x
        for i in range(n_layers):
            W, b = params[2 * i], params[2 * i + 1]
            h = anp.dot(h, W.T) + b
            if i < n_layers - 1:
                h = anp.maximum(h, 0.0)
        return _cross_entropy(h, y)

    return _sgd(loss_fn, params, x, y, lr)


def _conv3x3(x, W, b):
    """3x3 convolution, padding 1, stride 1: (N, C, H, W) -> (N, O, H, W)."""
    n, c, h, w = x.shape
    xp = anp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    cols = anp.stack([xp[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=2)
    out = anp.tensordot(cols, anp.reshape(W, (W.shape[0], c, 9)), axes=([1, 2], [1, 2]))
    return anp.transpose(out, (0, 3, 1, 2)) + anp.reshape(b, (1, -1, 1, 1))


def _pool2(x):
    n, c, h, w = x.shape
    r = anp.reshape(x, (n, c, h // 2, 2, w // 2, 2))
    return anp.max(anp.max(r, axis=5), axis=3)


def cnn_step(weights, x, y, lr):
    params = [a.copy() for name in ("conv1", "conv2", "fc") for a in weights[name]]

    def loss_fn(params, x, y):
        w1, b1, w2, b2, wf, bf = params
        h = _pool2(anp.maximum(_conv3x3(x, w1, b1), 0.0))
        h = _pool2(anp.maximum(_conv3x3(h, w2, b2), 0.0))
        h = anp.reshape(h, (h.shape[0], -1))
        return _cross_entropy(anp.dot(h, wf.T) + bf, y)

    return _sgd(loss_fn, params, x, y, lr)


def chain(n):
    x = np.array(CHAIN_START, np.float32)
    g = grad(lambda x: anp.sum(chain_ops(x, n)))
    return lambda: g(x)
