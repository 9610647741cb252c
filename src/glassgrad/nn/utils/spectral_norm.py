"""Spectral normalization, the hook form: ``spectral_norm`` and ``remove_spectral_norm``.

Spectral normalization (Miyato et al., 2018) divides a weight by its largest singular value::

    w = w_orig / sigma_max(W),   W = w_orig reshaped to a matrix (dim ``dim`` as the rows)

so the layer's Lipschitz constant is at most 1: a GAN discriminator built from such layers
cannot change its output faster than its input. A full SVD each step would be slow, so sigma
comes from power iteration with two running vectors, kept between calls::

    v = normalize(W^T u),   u = normalize(W v),   sigma = u^T W v

In training mode each forward does ``n_power_iterations`` of these updates (in place, without
gradient); in eval mode u and v are used as they are. Because W changes little per step, one
iteration per step tracks sigma well. The gradient flows through ``W`` in ``u^T W v`` (u and
v count as constants).

This older form (torch.nn.utils.spectral_norm, still used by most GAN code) keeps the weight
as the parameter ``weight_orig`` and u, v as the buffers ``weight_u``, ``weight_v``, and
recomputes ``module.weight`` in a forward pre-hook. The newer form is
``nn.utils.parametrizations.spectral_norm``.
"""

from __future__ import annotations

import numpy as np

from ...autograd.graph import no_grad
from ...autograd.ops.linalg import dot, mv
from ...autograd.tensor import Tensor
from ..module import Parameter
from .weight_norm import _find_hooks, _weight_parameter


def _normalize_into(out, x, eps):
    """out[...] = x / max(||x||, eps), in place on the Tensor ``out`` (torch's
    ``F.normalize(x, dim=0, eps=eps, out=out)``)."""
    np.copyto(out._data, x / max(np.linalg.norm(x), eps))
    out._version[0] += 1


def _random_unit(n, like, eps):
    """A random unit vector of length ``n`` with ``like``'s dtype, from glassgrad's generator."""
    from ... import random

    x = random.default_generator().standard_normal(n).astype(like.dtype)
    return Tensor(x / max(np.linalg.norm(x), eps))


def _matrix(weight, dim):
    """``weight`` as a 2-D matrix: dim ``dim`` becomes the rows, the rest is flattened."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _check_iterations(n):
    if n <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n}")


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = weight_orig / sigma`` before each
    call, updating the ``<name>_u`` and ``<name>_v`` buffers first in training mode."""

    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        self.name = name
        self.dim = dim
        _check_iterations(n_power_iterations)
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return _matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            w = weight_mat._data
            for _ in range(self.n_power_iterations):
                _normalize_into(v, w.T @ u._data, self.eps)
                _normalize_into(u, w @ v._data, self.eps)
        # clones: the in-place updates of the next call must not touch what backward reads
        u, v = u.clone(), v.clone()
        sigma = dot(u, mv(weight_mat, v))
        return weight / sigma

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        if _find_hooks(module, SpectralNorm, name):
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                               f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = _weight_parameter(module, name, "spectral_norm")
        if not -weight.ndim <= dim < weight.ndim:
            raise IndexError(f"spectral_norm: dim {dim} is out of range for "
                             f"{type(module).__name__}.{name} of shape {tuple(weight.shape)}")
        fn.dim = dim % weight.ndim
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _random_unit(h, weight, fn.eps)
            v = _random_unit(w, weight, fn.eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        # things such as init code expect module.weight to exist: a plain (unregistered)
        # tensor sharing weight_orig's values, replaced by the hook on the first call
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _default_dim(module):
    from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    # a transposed conv's weight is (in, out, ...): its output units are dim 1
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value, estimated by power iteration
    (see the module docstring); returns ``module``.

    ``dim`` is the dim whose entries are the matrix rows: 0, or 1 for ConvTranspose layers,
    when None. ``eps`` keeps the normalization of u and v away from a division by zero.
    state_dict keys: ``<name>_orig``, ``<name>_u``, ``<name>_v``.
    """
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` becomes a plain Parameter holding
    ``weight_orig / sigma`` with the current u and v (no further power iteration); returns
    ``module``."""
    found = _find_hooks(module, SpectralNorm, name)
    if not found:
        raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
    k, hook = found[0]
    hook.remove(module)
    del module._forward_pre_hooks[k]
    return module


__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]
