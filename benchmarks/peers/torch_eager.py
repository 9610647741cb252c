"""PyTorch CPU eager, with the thread count pinned to the suite's."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .. import THREADS
from . import torchlike

torch.set_num_threads(THREADS)


def version():
    return torch.__version__


def _load(linear, W, b):
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(W))
        linear.bias.copy_(torch.from_numpy(b))


def _tensor(array, requires_grad=False):
    return torch.tensor(array, requires_grad=requires_grad)


_w = torchlike.build(nn, torch.optim, F, _tensor, _load)
mlp_step, cnn_step, chain = _w.mlp_step, _w.cnn_step, _w.chain
