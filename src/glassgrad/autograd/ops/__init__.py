"""The op library, one module per kind of op.

Each module declares what it adds to the public API:
``TENSOR_METHODS`` (bound on Tensor), ``TORCH_FUNCTIONS`` (``glassgrad.<name>``),
``FUNCTIONAL`` (``glassgrad.functional.<name>``), optionally ``LINALG``
(``glassgrad.linalg.<name>``) and ``SPECIAL`` (``glassgrad.special.<name>``), and
``NUMPY_FUNCTIONS`` / ``NUMPY_UFUNCS`` (numpy calls on Tensors routed to glassgrad, for
backward formulas under create_graph).
"""

from __future__ import annotations

from ..function import OPS
from ..tensor import Tensor
from . import (
    activation,
    activation_more,
    attention,
    bilinear,
    binary_math,
    blocks,
    classification,
    combine,
    conv,
    conv_transpose,
    conversion,
    ctc,
    decomp,
    distance,
    dropout,
    einsum,
    elementwise,
    gather,
    grid,
    indexing,
    inplace_ops,
    linalg,
    logical,
    loss,
    loss_margin,
    loss_more,
    movement,
    norm,
    norm_more,
    norms,
    numpy_dispatch,
    padding,
    pool,
    pool_more,
    products,
    recurrent,
    reduce,
    reorder,
    repeating,
    resample,
    rounding,
    sampling,
    scan,
    scatter,
    scatter_reduce,
    shaping,
    softmax,
    solve,
    sorting,
    stats,
    triangles,
    unary,
)

MODULES = [
    elementwise, unary, binary_math, combine, rounding, activation, activation_more, logical,
    reduce, stats, norms, scan, sorting, softmax,
    movement, reorder, repeating, triangles, shaping, indexing, gather, scatter,
    scatter_reduce, einsum, padding,
    linalg, products, solve, decomp,
    loss, loss_more, loss_margin, ctc, distance, classification,
    conv, conv_transpose, pool, pool_more, resample, grid, blocks, attention, norm, norm_more,
    dropout, bilinear, recurrent, inplace_ops, conversion, sampling,
]

TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
LINALG = {}
SPECIAL = {}


def _install():
    for mod in MODULES:
        for name, fn in mod.TENSOR_METHODS.items():
            setattr(Tensor, name, fn)
        TORCH_FUNCTIONS.update(mod.TORCH_FUNCTIONS)
        FUNCTIONAL.update(mod.FUNCTIONAL)
        LINALG.update(getattr(mod, "LINALG", {}))
        SPECIAL.update(getattr(mod, "SPECIAL", {}))
        for ufunc, fn in getattr(mod, "NUMPY_UFUNCS", {}).items():
            numpy_dispatch.register_ufunc(ufunc, fn)
        for np_fn, fn in getattr(mod, "NUMPY_FUNCTIONS", {}).items():
            numpy_dispatch.register_function(np_fn, fn)
    inplace_ops.install_unary()  # x.exp_() for every x.exp() that torch has in place


_install()

__all__ = ["OPS", "MODULES", "TORCH_FUNCTIONS", "FUNCTIONAL", "LINALG", "SPECIAL"]
