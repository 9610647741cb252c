"""glassgrad.nn.utils: gradient clipping, flattening parameters to one vector, ``rnn``
(padding and packing sequences), ``parametrize`` (tensors computed from other tensors) with
``parametrizations`` (weight norm and spectral norm in that form), and the hook forms
``weight_norm`` and ``spectral_norm``."""

from __future__ import annotations

import numpy as np

from ...autograd.ops.shaping import cat
from ...autograd.tensor import Tensor
from . import parametrizations, parametrize, rnn  # noqa: F401  (as torch.nn.utils.*)
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one 1-D tensor (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    data = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    if data.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D vector, got shape {data.shape}")
    start = 0
    for p in parameters:
        n = p._data.size
        if start + n > data.size:
            raise ValueError(f"vector_to_parameters: the vector has {data.size} values, too few "
                             "for the parameters")
        np.copyto(p._data, data[start:start + n].reshape(p.shape), casting="unsafe")
        p._version[0] += 1
        start += n


__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "remove_spectral_norm", "remove_weight_norm",
           "spectral_norm", "vector_to_parameters", "weight_norm"]
