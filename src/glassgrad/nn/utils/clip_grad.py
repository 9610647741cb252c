"""Gradient clipping, as torch.nn.utils: clip_grad_norm_ and clip_grad_value_.

    total = || (||g_1||_p, ..., ||g_k||_p) ||_p          (the p-norm of all grads together)
    g_i <- g_i * min(1, max_norm / (total + 1e-6))       (in place)

The parameters may be Tensors (their ``.grad`` is scaled in place) or scalar ``Value``
weights (their float ``.grad`` is replaced).
"""

from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return [p for p in parameters if p.grad is not None]


def _array(g):
    return g._data if isinstance(g, Tensor) else np.asarray(g, dtype=np.float64)


def _vector_norm(a, norm_type):
    return np.linalg.norm(np.ravel(a), ord=norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of the given tensors (e.g. gradients) taken together."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(np.array(0.0, dtype=np.float32))
    arrays = [_array(t) for t in tensors]
    norms = np.array([_vector_norm(a, norm_type) for a in arrays], dtype=arrays[0].dtype)
    total = _vector_norm(norms, norm_type).astype(arrays[0].dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor(np.asarray(total))


def _scale_(p, factor):
    g = p.grad
    if isinstance(g, Tensor):
        g._data *= factor.astype(g.dtype)
        g._version[0] += 1
    else:
        p.grad = float(g) * float(factor)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the grads in place by min(1, max_norm / (total_norm + 1e-6))."""
    params = _params(parameters)
    total = np.asarray(_array(total_norm))
    coef = np.minimum(np.asarray(float(max_norm), total.dtype) / (total + 1e-6), 1.0)
    for p in params:
        _scale_(p, coef.astype(total.dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all grads together so their total ``norm_type``-norm is at most ``max_norm``
    (torch's formula: by max_norm / (total + 1e-6) when that is below 1). Returns the total
    norm before clipping, as a 0-d Tensor."""
    params = _params(parameters)
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every grad in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        g = p.grad
        if isinstance(g, Tensor):
            np.clip(g._data, -clip_value, clip_value, out=g._data)
            g._version[0] += 1
        else:
            p.grad = min(max(float(g), -clip_value), clip_value)
