"""The tensor workloads written once, as a PyTorch user writes them.

torch and glassgrad both run this code, each with its own ``nn``, ``optim`` and ``F``: the
promise that torch code ports to glassgrad by changing the imports, kept in the benchmarks.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..workloads import CHAIN_START, chain_ops


def build(nn, optim, F, tensor, load):
    """Workload factories for one framework.

    ``tensor(array, requires_grad=False)`` makes a framework tensor from a numpy array;
    ``load(linear_or_conv, W, b)`` copies numpy weights into a layer.
    """

    def sgd_step(model, x, y, lr):
        opt = optim.SGD(model.parameters(), lr=lr)
        xt, yt = tensor(x), tensor(y)

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
            load(lin, W, b)
            layers.append(lin)
            if i < len(weights) - 1:
                layers.append(nn.ReLU())
        return sgd_step(nn.Sequential(*layers), x, y, lr)

    def cnn_step(weights, x, y, lr):
        model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
        )
        for i, name in ((0, "conv1"), (3, "conv2"), (7, "fc")):
            load(model[i], *weights[name])
        return sgd_step(model, x, y, lr)

    def chain(n):
        x = tensor(np.array(CHAIN_START, np.float32), requires_grad=True)

        def run():
            x.grad = None
            chain_ops(x, n).sum().backward()
            return x.grad

        return run

    return SimpleNamespace(mlp_step=mlp_step, cnn_step=cnn_step, chain=chain)
