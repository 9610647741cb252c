"""numpy calls on Tensors run glassgrad ops: ``np.exp(t)`` is ``gg.exp(t)``.

This is what lets one backward formula, written with numpy calls, run on ndarrays in an
ordinary backward and on Tensors (recording a new graph) under ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import elementwise as ew

_UFUNCS = {
    np.add: ew.add, np.subtract: ew.sub, np.multiply: ew.mul, np.true_divide: ew.div,
    np.negative: ew.neg, np.power: ew.pow, np.positive: lambda x: x,
    np.exp: ew.exp, np.log: ew.log, np.log1p: ew.log1p, np.sqrt: ew.sqrt,
    np.sin: ew.sin, np.cos: ew.cos, np.tanh: ew.tanh, np.absolute: ew.abs,
    np.maximum: ew.maximum, np.minimum: ew.minimum,
    np.equal: ew.eq, np.not_equal: ew.ne, np.less: ew.lt, np.less_equal: ew.le,
    np.greater: ew.gt, np.greater_equal: ew.ge,
}
_FUNCTIONS = {}  # filled from each op module's NUMPY_FUNCTIONS by ops/__init__.py


def _non_differentiable(ufunc, inputs):
    """Ufuncs with no useful gradient (sign, floor, logical ops) return plain tensors."""
    raw = [a._data if isinstance(a, Tensor) else a for a in inputs]
    return Tensor._from_op(np.asarray(ufunc(*raw)), None, ())


_CONSTANT = {np.sign, np.floor, np.ceil, np.round, np.isnan, np.isinf, np.isfinite,
             np.logical_and, np.logical_or, np.logical_not, np.bitwise_and, np.bitwise_or}


def register_function(np_func, fn):
    """Let other op modules route a numpy function to their glassgrad version."""
    _FUNCTIONS[np_func] = fn


def register_ufunc(ufunc, fn):
    _UFUNCS[ufunc] = fn


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
