"""Weight normalization, the hook form: ``weight_norm`` and ``remove_weight_norm``.

Weight normalization (Salimans and Kingma, 2016) writes a weight as a length times a
direction::

    w = g * v / ||v||

``v`` has the weight's shape and only its direction matters; ``g`` holds the length. The
norm is taken over every dim except ``dim`` (by default 0, the output units of a Linear or a
Conv), so each output unit gets its own length: ``g`` has shape ``(out, 1, 1, ...)``. With
``dim=None`` one norm covers the whole tensor and ``g`` is a scalar. Training ``g`` and ``v``
instead of ``w`` decouples a unit's scale from its direction, which often speeds up plain SGD.

This older form (torch.nn.utils.weight_norm, deprecated there in favour of
``nn.utils.parametrizations.weight_norm`` but common in GAN and vocoder code) keeps ``g``
and ``v`` as the parameters ``weight_g`` and ``weight_v`` and recomputes ``module.weight``
in a forward pre-hook, before every call. state_dict keys: ``weight_g``, ``weight_v``.
"""

from __future__ import annotations

import warnings

from ..module import Parameter


def _norm_except_dim(v, pow=2, dim=0):
    """||v||_pow over every dim except ``dim``, shaped to broadcast against ``v`` (1 in every
    other dim); ``dim=-1`` means the norm of the whole tensor, a 0-d tensor (torch's
    norm_except_dim)."""
    if dim == -1:
        return v.norm(pow)
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of shape "
                         f"{tuple(v.shape)} (expected -1, None or a dim in "
                         f"[{-v.ndim}, {v.ndim - 1}])")
    d = dim % v.ndim
    shape = [1] * v.ndim
    shape[d] = v.shape[d]
    front = v if d == 0 else v.transpose(0, d)
    return front.reshape(v.shape[d], -1).norm(pow, 1).reshape(shape)


def _weight_norm(v, g, dim=0):
    """w = v * (g / ||v||), the norm over every dim except ``dim`` (torch._weight_norm)."""
    return v * (g / _norm_except_dim(v, 2, dim))


def _find_hooks(module, cls, name):
    """(hook id, hook) of the ``cls`` forward pre-hooks of ``module`` that act on ``name``."""
    hooks = module.__dict__.get("_forward_pre_hooks") or {}
    return [(k, h) for k, h in hooks.items() if isinstance(h, cls) and h.name == name]


def _weight_parameter(module, name, op):
    """``module``'s Parameter called ``name``, or an error that says what is there."""
    params = module.__dict__.get("_parameters", {})
    if name not in params:
        if not hasattr(module, name):
            raise AttributeError(f"{op}: {type(module).__name__} has no attribute '{name}' "
                                 f"(its parameters: {', '.join(params) or 'none'})")
        raise ValueError(f"{op}: {type(module).__name__}.{name} is not a parameter but a "
                         f"{type(getattr(module, name)).__name__} (its parameters: "
                         f"{', '.join(params) or 'none'})")
    weight = params[name]
    if weight is None:
        raise ValueError(f"{op}: {type(module).__name__}.{name} is None; there is no weight "
                         "to normalize")
    return weight


class WeightNorm:
    """The forward pre-hook that sets ``module.<name> = g * v / ||v||`` before each call."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        if _find_hooks(module, WeightNorm, name):
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                               f"{name}")
        fn = WeightNorm(name, dim)
        weight = _weight_parameter(module, name, "weight_norm")
        del module._parameters[name]
        # w = g * v / ||v|| with g = ||w|| and v = w gives w back
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight, 2, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.__dict__.pop(self.name + "_g", None)
        module.__dict__.pop(self.name + "_v", None)
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` with the parameters
    ``<name>_g`` and ``<name>_v`` (see the module docstring); returns ``module``.

    ``dim`` is the dim that keeps its own length (0: one per output unit; None: one for the
    whole tensor). Deprecated in torch in favour of
    ``nn.utils.parametrizations.weight_norm``, whose state_dict keys differ
    (``parametrizations.weight.original0`` / ``original1``).
    """
    warnings.warn("`glassgrad.nn.utils.weight_norm` is deprecated in favor of "
                  "`glassgrad.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                  stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``<name>`` becomes a plain Parameter again, holding the current
    ``g * v / ||v||``; returns ``module``."""
    found = _find_hooks(module, WeightNorm, name)
    if not found:
        raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")
    k, hook = found[0]
    hook.remove(module)
    del module._forward_pre_hooks[k]
    return module


__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]
