"""Dropout: zero elements (or whole channels) at random during training and rescale the
rest; alpha dropout keeps SELU's mean and variance. Composed from existing ops (a product
with a mask from glassgrad's seeded generator, ``glassgrad.random.default_generator()``), so
the gradient is the mask and double backward comes free. ``training=False`` (and p = 0) is
the identity: the input itself is returned.
"""

from __future__ import annotations

import warnings

import numpy as np

from ... import random as _random
from ..inplace import run as inplace_run
from ..tensor import as_tensor

_SELU_NEG = 1.7580993408473766  # scale * alpha of SELU: its saturation value is -this


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _floating(op, x):
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")


def _keep(shape, p):
    """A bool mask, True with probability 1 - p, from the default generator."""
    return _random.default_generator().random(shape) >= p


def _noise_shape(op, x, feature):
    if not feature:
        return x.shape
    if x.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {tuple(x.shape)}")
    return x.shape[:2] + (1,) * (x.ndim - 2)  # one draw per (sample, channel)


def _dropout(op, x, p, feature, alpha):
    """torch's dropout kernel: plain or alpha, per element or per channel (``feature``)."""
    if p == 1:  # torch: everything dropped, alpha dropout included
        return x * np.zeros((), x.dtype)
    keep = _keep(_noise_shape(op, x, feature), p)
    if not alpha:
        return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)
    a = 1.0 / np.sqrt((_SELU_NEG**2 * p + 1) * (1 - p))
    b = np.where(keep, _SELU_NEG * a * p, _SELU_NEG * a * (p - 1)).astype(x.dtype)
    return x * (keep * a).astype(x.dtype) + b


def _run(op, input, p, training, inplace, feature, alpha, fn, reshape=None):
    """Shared driver: argument checks, the identity cases, inplace, unbatched reshapes."""
    _check_p(p)
    x = as_tensor(input)
    if not training or p == 0 or x.numel() == 0:
        return x
    _floating(op, x)
    if inplace:
        return inplace_run(x, op + "_", fn, (p, training))
    if reshape is not None:  # an unbatched input: add the batch dim, drop it after
        return _dropout(op, x.unsqueeze(0), p, feature, alpha).squeeze(0)
    return _dropout(op, x, p, feature, alpha)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training);
    the identity in eval. With ``inplace=True`` the result is written into ``input``
    (recorded on the graph)."""
    return _run("dropout", input, p, training, inplace, False, False, dropout)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped elements take SELU's saturation value, and an
    affine map a x + b keeps zero mean and unit variance. Note torch's default
    training=False."""
    return _run("alpha_dropout", input, p, training, inplace, False, True, alpha_dropout)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels (dim 1 of an input with at least 2 dims)."""
    return _run("feature_alpha_dropout", input, p, training, inplace, True, True,
                feature_alpha_dropout)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or unbatched (C, L) input with probability p."""
    _check_p(p)
    x = as_tensor(input)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout "
                           "on inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _run("dropout1d", x, p, training, inplace, True, False, dropout1d,
                reshape=x.ndim == 2 or None)


def _deprecated_rank(op, ndim, spatial):
    lo, hi = spatial + 1, spatial + 2
    warnings.warn(f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will "
                  "result in an error in a future release. To retain the behavior and "
                  f"silence this warning, please use dropout instead. Note that {op} exists "
                  f"to provide channel-wise dropout on inputs with {spatial} spatial "
                  "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                  f"{lo}D or {hi}D inputs).", UserWarning, stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input with probability p. As in torch, a 3-D
    input is taken as (N, C, L) (with a warning), not as unbatched (C, H, W)."""
    _check_p(p)
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        _deprecated_rank("dropout2d", x.ndim, 2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      UserWarning, stacklevel=2)
    return _run("dropout2d", x, p, training, inplace, True, False, dropout2d)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input with
    probability p."""
    _check_p(p)
    x = as_tensor(input)
    if x.ndim not in (4, 5):
        _deprecated_rank("dropout3d", x.ndim, 3)
    return _run("dropout3d", x, p, training, inplace, True, False, dropout3d,
                reshape=x.ndim != 5 or None)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}  # torch.dropout & co. name their flag train=, not training=
FUNCTIONAL = {"dropout": dropout, "alpha_dropout": alpha_dropout,
              "feature_alpha_dropout": feature_alpha_dropout, "dropout1d": dropout1d,
              "dropout2d": dropout2d, "dropout3d": dropout3d}
