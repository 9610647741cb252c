"""glassgrad, the subject: the same workloads written as a glassgrad user would write them."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
from glassgrad import functional as F
from glassgrad import nn, optim

from ..workloads import CHAIN_START, chain_ops, svm_loss


def version():
    return gg.__version__


def _load(linear, W, b):
    linear.weight.data[...] = W
    linear.bias.data[...] = b


def _sgd_step(model, x, y, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    xt, yt = gg.tensor(x), gg.tensor(y)

    def step():
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def mlp_step(weights, x, y, lr):
    layers = []
    for i, (W, b) in enumerate(weights):
        lin = nn.Linear(W.shape[1], W.shape[0])
        _load(lin, W, b)
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    return _sgd_step(nn.Sequential(*layers), x, y, lr)


def cnn_step(weights, x, y, lr):
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )
    for i, name in ((0, "conv1"), (3, "conv2"), (7, "fc")):
        _load(model[i], *weights[name])
    return _sgd_step(model, x, y, lr)


def chain(n):
    x = gg.tensor(np.array(CHAIN_START, np.float32), requires_grad=True)

    def run():
        x.grad = None
        chain_ops(x, n).sum().backward()
        return x.grad

    return run


def value_chain(n):
    x = gg.Value(CHAIN_START[0])

    def run():
        x.grad = 0.0
        chain_ops(x, n).backward()
        return x.grad

    return run


def scalar_mlp_step(weights, xs, ys, lr):
    sizes = [len(weights[0][0][0])] + [len(layer) for layer in weights]
    model = nn.MLP(sizes[0], sizes[1:])
    for layer, wl in zip(model.layers, weights):
        for neuron, (w, b) in zip(layer.neurons, wl):
            for p, v in zip(neuron.w, w):
                p.data = v
            neuron.b.data = b
    params = list(model.parameters())
    opt = optim.SGD(params, lr=lr)

    def step():
        loss = svm_loss(model, params, xs, ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step
