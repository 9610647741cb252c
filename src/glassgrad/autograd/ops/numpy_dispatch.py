"""numpy calls on Tensors run glassgrad ops: ``np.exp(t)`` is ``gg.exp(t)``.

This is what lets one backward formula, written with numpy calls, run on ndarrays in an
ordinary backward and on Tensors (recording a new graph) under ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import elementwise as ew
from . import logical, unary

_UFUNCS = {
    np.add: ew.add, np.subtract: ew.sub, np.multiply: ew.mul, np.true_divide: ew.div,
    np.negative: ew.neg, np.power: ew.pow, np.positive: lambda x: x,
    np.exp: unary.exp, np.log: unary.log, np.log1p: unary.log1p, np.sqrt: unary.sqrt,
    np.sin: unary.sin, np.cos: unary.cos, np.tanh: unary.tanh, np.absolute: unary.abs,
    np.maximum: ew.maximum, np.minimum: ew.minimum,
    np.equal: logical.eq, np.not_equal: logical.ne, np.less: logical.lt,
    np.less_equal: logical.le, np.greater: logical.gt, np.greater_equal: logical.ge,
}  # more from each op module's NUMPY_UFUNCS, added by ops/__init__.py
_FUNCTIONS = {}  # filled from each op module's NUMPY_FUNCTIONS by ops/__init__.py


def _non_differentiable(ufunc, inputs):
    """Ufuncs with no useful gradient (sign, floor, logical ops) return plain tensors."""
    raw = [a._data if isinstance(a, Tensor) else a for a in inputs]
    return Tensor._from_op(np.asarray(ufunc(*raw)), None, ())


_CONSTANT = {np.sign, np.floor, np.ceil, np.round, np.isnan, np.isinf, np.isfinite,
             np.logical_and, np.logical_or, np.logical_not, np.bitwise_and, np.bitwise_or}


def register_ufunc(ufunc, fn):
    """Let other op modules route a numpy ufunc on Tensors to their glassgrad op."""
    _UFUNCS[ufunc] = fn


def register_function(np_func, fn):
    """Let other op modules route a numpy function to their glassgrad version."""
    _FUNCTIONS[np_func] = fn


def ufunc(uf, method, inputs, kwargs):
    if method == "__call__" and not kwargs:
        fn = _UFUNCS.get(uf)
        if fn is not None:
            if not isinstance(inputs[0], Tensor):
                if uf is np.add or uf is np.multiply or uf is np.maximum or uf is np.minimum:
                    return fn(inputs[1], inputs[0])  # commutative: keep the Tensor first
                first = Tensor(inputs[0], dtype=inputs[1].dtype if np.ndim(inputs[0]) == 0
                               else None)
                return fn(first, *inputs[1:])
            return fn(*inputs)
        if uf in _CONSTANT:
            return _non_differentiable(uf, inputs)
    raise TypeError(f"numpy ufunc {uf.__name__}.{method} is not supported on glassgrad "
                    "Tensors; use a glassgrad op, or .numpy() / .detach() for plain arrays")


def _plain(x, name):
    """A Tensor outside the graph as its array (what numpy sees of a torch tensor)."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            raise TypeError(f"numpy.{name} is not supported on a glassgrad Tensor that "
                            f"requires grad (shape {x.shape}); use a glassgrad op, or call it "
                            "on tensor.detach().numpy()")
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(a, name) for a in x)
    return x


def function(func, args, kwargs):
    fn = _FUNCTIONS.get(func)
    if fn is None:  # no glassgrad version: numpy runs on the arrays, as for torch tensors
        name = func.__name__
        return func(*_plain(args, name), **{k: _plain(v, name) for k, v in kwargs.items()})
    return fn(*args, **kwargs)
