"""Activation layers: each wraps the functional of the same name, with torch's arguments.

``inplace=True`` writes the result into the input, recorded on the graph as in torch.
"""

from __future__ import annotations

from .. import functional as F
from . import init as _init
from .module import Module, Parameter


def _inplace(inplace, first=True):
    return ("inplace=True" if first else ", inplace=True") if inplace else ""


class ReLU(Module):
    """out = max(input, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return _inplace(self.inplace)


class Hardtanh(Module):
    """out = min(max(input, min_val), max_val); no gradient at or beyond the bounds."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace, False)}"


class ReLU6(Hardtanh):
    """out = min(max(input, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace(self.inplace)


class LeakyReLU(Module):
    """out = input where input > 0, else negative_slope * input."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace, False)}"


class ELU(Module):
    """out = input where input > 0, else alpha * (exp(input) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

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
        return F.silu(input, self.inplace)

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


class Softmax(Module):
    """out = exp(input) / sum(exp(input)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)  # no dim: F's implicit choice

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """out = input - log(sum(exp(input))) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)  # no dim: F's implicit choice

    def extra_repr(self):
        return f"dim={self.dim}"


class _Plain(Module):
    """An activation with no arguments but an optional inplace flag torch leaves out of the
    repr (Hardsigmoid, Hardswish)."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, self.inplace)


class Hardsigmoid(_Plain):
    """out = relu6(input + 3) / 6."""

    _fn = staticmethod(F.hardsigmoid)


class Hardswish(_Plain):
    """out = input * relu6(input + 3) / 6."""

    _fn = staticmethod(F.hardswish)


class Mish(_Plain):
    """out = input * tanh(softplus(input))."""

    _fn = staticmethod(F.mish)

    def extra_repr(self):
        return _inplace(self.inplace)


class SELU(_Plain):
    """out = scale * elu(input, alpha), alpha = 1.6732632..., scale = 1.0507009..."""

    _fn = staticmethod(F.selu)

    def extra_repr(self):
        return _inplace(self.inplace)


class CELU(Module):
    """out = max(0, input) + min(0, alpha * (exp(input / alpha) - 1))."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}{_inplace(self.inplace, False)}"


class Softsign(Module):
    """out = input / (1 + |input|)."""

    def forward(self, input):
        return F.softsign(input)


class LogSigmoid(Module):
    """out = log(sigmoid(input))."""

    def forward(self, input):
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """out = input - tanh(input)."""

    def forward(self, input):
        return F.tanhshrink(input)


class Softshrink(Module):
    """out = input -+ lambd outside [-lambd, lambd], 0 inside."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """out = input outside [-lambd, lambd], 0 inside."""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """out = input where input > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace, False)}"


class Softmin(Module):
    """out = softmax(-input) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)  # no dim: F's implicit choice

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """softmax over the channels (dim -3) of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape "
                             f"{tuple(input.shape)}")
        return F.softmax(input, -3)


class GLU(Module):
    """out = a * sigmoid(b), a and b the halves of input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """out = input where input > 0, else weight * input; ``weight`` holds num_parameters
    slopes (1, or one per channel of dim 1), all starting at ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(_init._empty((num_parameters,), device, dtype))
        self.reset_parameters()

    def reset_parameters(self):
        _init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky relu: slopes drawn from U(lower, upper) per element in training
    (glassgrad's seeded generator), their mean (lower + upper) / 2 in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace(self.inplace, False)}"
