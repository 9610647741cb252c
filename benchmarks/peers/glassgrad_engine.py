"""glassgrad, the subject: the same workloads written as a glassgrad user would write them."""

from __future__ import annotations

import glassgrad as gg
from glassgrad import functional as F
from glassgrad import nn, optim

from ..workloads import CHAIN_START, chain_ops, svm_loss
from . import torchlike


def version():
    return gg.__version__


def _load(linear, W, b):
    linear.weight.data[...] = W
    linear.bias.data[...] = b


def _tensor(array, requires_grad=False):
    return gg.tensor(array, requires_grad=requires_grad)


_w = torchlike.build(nn, optim, F, _tensor, _load)
mlp_step, cnn_step, chain = _w.mlp_step, _w.cnn_step, _w.chain


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
