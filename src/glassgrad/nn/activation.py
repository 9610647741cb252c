"""Activation layers: each wraps the functional of the same name, with torch's arguments.

``inplace=`` is accepted for compatibility and ignored: glassgrad always returns a new
tensor (the repr still shows it, as torch's does).
"""

from __future__ import annotations

import warnings

from .. import functional as F
from .module import Module


def _inplace(inplace, first=True):
    return ("inplace=True" if first else ", inplace=True") if inplace else ""


class ReLU(Module):
    """out = max(input, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return _inplace(self.inplace)


class LeakyReLU(Module):
    """out = input where input > 0, else negative_slope * input."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace, False)}"


class ELU(Module):
    """out = input where input > 0, else alpha * (exp(input) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace(self.inplace, False)}"


class GELU(Module):
    """out = input * Phi(input) (approximate='none'), or its tanh approximation ('tanh')."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """out = input * sigmoid(input)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return _inplace(self.inplace)


class Sigmoid(Module):
    """out = 1 / (1 + exp(-input))."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """out = tanh(input)."""

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """out = log(1 + exp(beta * input)) / beta; linear where beta * input > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


def _implicit_dim(name, ndim):
    """torch's legacy choice when no dim is given: 0 for 0-, 1- and 3-D input, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """out = exp(input) / sum(exp(input)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_dim("softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """out = input - log(sum(exp(input))) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_dim("log_softmax", input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"
