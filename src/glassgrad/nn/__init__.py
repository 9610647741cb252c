"""glassgrad.nn: modules, layers, losses and initializers with torch.nn's names.

``glassgrad.nn.functional`` is ``glassgrad.functional`` (as torch.nn.functional), so both
``from glassgrad.nn import functional as F`` and ``import glassgrad.nn.functional`` work.
"""

from __future__ import annotations

import sys

from .. import functional
from . import init, utils
from .activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .scalar import MLP, Layer, Neuron, ValueParameter

sys.modules[__name__ + ".functional"] = functional  # import glassgrad.nn.functional

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "init", "utils",
    "functional", "Linear", "Identity", "Conv2d", "MaxPool2d", "AvgPool2d",
    "AdaptiveAvgPool2d", "Flatten", "Unflatten", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "LayerNorm", "Embedding", "ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "GELU", "SiLU",
    "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "MSELoss", "L1Loss", "SmoothL1Loss",
    "HuberLoss",
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "HingeEmbeddingLoss",
    "MultiMarginLoss", "Neuron", "Layer", "MLP", "ValueParameter",
]
