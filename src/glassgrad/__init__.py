"""glassgrad: a glass-box reverse-mode autodiff engine on numpy, with PyTorch's API.

    import glassgrad as gg
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4., 6.])
"""

from __future__ import annotations

from . import (
    autograd,
    backends,
    cuda,
    data,
    distributions,
    functional,
    linalg,
    nn,
    optim,
    random,
    special,
    testing,
    utils,
    viz,
)
from ._creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from ._device import device
from ._dtype import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from ._size import Size
from .autograd import Function, Tensor, Value, enable_grad, no_grad, set_grad_enabled
from .autograd.graph import (
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    retain_grads,
)
from .autograd.ops import TORCH_FUNCTIONS as _TORCH_FUNCTIONS
from .autograd.tensor import is_tensor
from .backends import (
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import CheckpointError, load, save

globals().update(_TORCH_FUNCTIONS)

__version__ = "0.1.0"
__all__ = [
    "autograd", "functional", "linalg", "special", "testing", "random", "nn", "optim", "data",
    "distributions", "utils", "viz", "Tensor", "Value", "Function",
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "arange",
    "linspace", "logspace", "eye", "rand", "randn",
    "randint", "randperm", "zeros_like", "ones_like", "full_like", "empty_like", "rand_like",
    "randn_like", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "is_inference_mode_enabled", "retain_grads", "Size",
    "manual_seed", "initial_seed", "get_rng_state", "set_rng_state", "is_tensor",
    "Generator", "seed", "randint_like", "device", "cuda", "backends",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    "save", "load", "CheckpointError",
    "float16", "half", "float32", "float", "float64", "double", "uint8", "int8", "int16",
    "short", "int32", "int", "int64", "long", "bool", "get_default_dtype", "set_default_dtype",
    *sorted(_TORCH_FUNCTIONS),
]
