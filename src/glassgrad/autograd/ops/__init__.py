"""The op library, one module per kind of op.

Each module declares what it adds to the public API:
``TENSOR_METHODS`` (bound on Tensor), ``TORCH_FUNCTIONS`` (``glassgrad.<name>``),
``FUNCTIONAL`` (``glassgrad.functional.<name>``) and ``NUMPY_FUNCTIONS`` (numpy calls on
Tensors routed to glassgrad, for backward formulas under create_graph).
"""

from __future__ import annotations

from ..function import OPS
from ..tensor import Tensor
from . import (
    classification,
    conv,
    conversion,
    elementwise,
    indexing,
    inplace_ops,
    linalg,
    loss,
    movement,
    norm,
    numpy_dispatch,
    reduce,
    sampling,
    softmax,
)

MODULES = [elementwise, reduce, softmax, movement, indexing, linalg, loss, classification, conv,
           norm, inplace_ops, conversion, sampling]

TORCH_FUNCTIONS = {}
FUNCTIONAL = {}


def _install():
    for mod in MODULES:
        for name, fn in mod.TENSOR_METHODS.items():
            setattr(Tensor, name, fn)
        TORCH_FUNCTIONS.update(mod.TORCH_FUNCTIONS)
        FUNCTIONAL.update(mod.FUNCTIONAL)
        for np_fn, fn in getattr(mod, "NUMPY_FUNCTIONS", {}).items():
            numpy_dispatch.register_function(np_fn, fn)
    inplace_ops.install_unary()  # x.exp_() for every x.exp() that torch has in place


_install()

__all__ = ["OPS", "MODULES", "TORCH_FUNCTIONS", "FUNCTIONAL"]
