"""Dropout: zero elements at random during training and rescale the rest. Composed from
existing ops (a product with a mask from glassgrad's seeded generator)."""

from __future__ import annotations

import numpy as np

from ... import random as _random
from ..inplace import run as inplace_run
from ..tensor import as_tensor


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training);
    the identity in eval. The mask comes from glassgrad's seeded generator. With
    ``inplace=True`` the result is written into ``input`` (recorded on the graph)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = as_tensor(input)
    if not training or p == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating point input, got dtype {x.dtype}")
    if inplace:
        return inplace_run(x, "dropout_", dropout, (p, training))
    if p == 1:
        return x * np.zeros(x.shape, x.dtype)
    keep = _random.default_generator().random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"dropout": dropout}
