"""PyTorch CPU eager, with the thread count pinned to the suite's."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .. import THREADS
from ..workloads import CHAIN_START, chain_ops

torch.set_num_threads(THREADS)


def version():
    return torch.__version__


def _load(linear, W, b):
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(W))
        linear.bias.copy_(torch.from_numpy(b))


def _sgd_step(model, x, y, lr):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())

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
    x = torch.tensor(np.array(CHAIN_START, np.float32), requires_grad=True)

    def run():
        x.grad = None
        chain_ops(x, n).sum().backward()
        return x.grad

    return run
