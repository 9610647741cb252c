"""More normalization: group_norm and rms_norm, each one fused op; instance_norm (group_norm
with a group per channel, or eval batch_norm on the running statistics) and
local_response_norm (composed from registered elementwise, pad and slicing ops, as torch
composes it), both differentiable twice.

Also torch.batch_norm / torch.instance_norm / torch.group_norm / torch.layer_norm, which take
F's arguments in ATen's order.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .norm import (
    _channel_shape,
    _check_vector,
    _moments,
    _optional,
    _psum,
    _save,
    _scale_shift,
    _shape,
    batch_norm,
    layer_norm,
)
from .padding import pad


@register("group_norm")
class GroupNorm(Function):
    """out = w (x - mean) / sqrt(var + eps) + b, the statistics taken per sample over each of
    ``groups`` groups of channels (and all other dims), w and b per channel.

    The input gradient is layer_norm's on the (N, groups, rest) view, with gh = g w:
    d x = (gh - mean(gh) - xhat mean(gh xhat)) / sqrt(var + eps); d w = sum(g xhat) and
    d b = sum(g) over every dim but the channels. Under create_graph the statistics are
    recomputed from x with Tensor ops."""

    __slots__ = ("groups", "eps", "xhat", "invstd")

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        ctx.groups, ctx.eps = groups, eps
        _, var, xc = _moments(_grouped(x, groups), (2,))
        ctx.invstd = 1.0 / np.sqrt(var + eps)
        ctx.xhat = xhat = (xc * ctx.invstd).reshape(x.shape)
        shape = _channel_shape(x)
        out = _scale_shift(xhat, weight, bias, shape)
        _save(ctx, x, weight, xhat, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors[:2]
        g = ctx.groups
        if isinstance(x, Tensor):  # create_graph: rebuild xhat from x so it is differentiable
            _, var, xc = _moments(_grouped(x, g), (2,))
            invstd = 1.0 / np.sqrt(var + ctx.eps)
            xhat = (xc * invstd).reshape(x.shape)
        else:
            xhat, invstd = ctx.xhat, ctx.invstd
        axes = (0,) + tuple(range(2, x.ndim))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gh = _grouped(grad if w is None else grad * w.reshape(_channel_shape(x)), g)
            xg = _grouped(xhat, g)
            m = max(xg.shape[-1], 1)
            gx = invstd * (gh - gh.sum(axis=2, keepdims=True) / m
                           - xg * (_psum(gh, xg, (2,)) / m))
            gx = gx.reshape(x.shape)
        if ctx.needs_input_grad[1]:
            gw = _psum(grad, xhat, axes).reshape(-1)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=axes, keepdims=True).reshape(-1)
        return gx, gw, gb, None, None

    def release(self):
        super().release()
        self.xhat = self.invstd = None


def _grouped(x, groups):
    """The (N, groups, rest) view of an (N, C, ...) array or Tensor (also when empty)."""
    n = x.shape[0]
    return x.reshape(n, groups, int(np.prod(x.shape[1:])) // groups)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each of num_groups groups of channels of an (N, C, ...) input over its
    channels and all other dims, then scale and shift per channel."""
    x = as_tensor(input)
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input of shape (N, C, ...), got shape "
                           f"{tuple(x.shape)}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        _check_vector("group_norm", name, t, c)
    return GroupNorm.apply(x, _optional(weight), _optional(bias), int(num_groups), float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample of an (N, C, ...) input over its other dims
    (use_input_stats), or with the running statistics; then scale and shift per channel.

    With use_input_stats the running statistics, when given, are updated in place with the
    mean over the batch of each sample's mean and unbiased variance, as torch does."""
    x = as_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of shape (N, C, ...) with at least "
                         f"one spatial dim, got shape {tuple(x.shape)}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector("instance_norm", name, t, c)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = int(np.prod(x.shape[2:]))
    if spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(x.shape)}")
    out = GroupNorm.apply(x, _optional(weight), _optional(bias), c, float(eps))
    for t, unbiased in ((running_mean, False), (running_var, True)):
        if t is None or (spatial == 0 and x.shape[0]):  # nothing to average: as torch
            continue
        data = x._data.reshape(*x.shape[:2], spatial)
        if x.shape[0] == 0:  # the mean over no samples: NaN, as torch
            stat = np.full((1, c), np.nan)
        else:
            stat = data.var(axis=-1, ddof=1) if unbiased else data.mean(axis=-1)
        arr = t._data if isinstance(t, Tensor) else t
        arr *= 1 - momentum
        arr += (momentum * stat.mean(axis=0)).astype(arr.dtype)
        if isinstance(t, Tensor):
            t._version[0] += 1
    return out


@register("rms_norm")
class RMSNorm(Function):
    """out = w x r with r = 1 / sqrt(mean(x^2) + eps) over the last ``ndims`` dims.

    With gh = g w and n values per statistic: d x = r (gh - x r^2 mean(gh x)),
    d w = sum(g x r) over the leading dims. Under create_graph r is recomputed from x with
    Tensor ops, so second derivatives work."""

    __slots__ = ("axes", "lead", "eps", "r")

    @staticmethod
    def forward(ctx, x, weight, ndims, eps):
        ctx.axes = tuple(range(x.ndim - ndims, x.ndim))
        ctx.lead, ctx.eps = tuple(range(x.ndim - ndims)), eps
        ctx.r = 1.0 / np.sqrt(np.mean(x * x, axis=ctx.axes, keepdims=True) + eps)
        ctx.save_for_backward(x, weight)
        out = x * ctx.r
        return out if weight is None else out * weight

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        axes, lead = ctx.axes, ctx.lead
        if isinstance(x, Tensor):
            r = 1.0 / np.sqrt((x * x).mean(axis=axes, keepdims=True) + ctx.eps)
        else:
            r = ctx.r
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gh = grad if w is None else grad * w
            gx = r * (gh - x * (r * r) * (gh * x).mean(axis=axes, keepdims=True))
        if ctx.needs_input_grad[1]:
            gw = grad * (x * r)
            gw = gw.sum(axis=lead) if lead else gw
        return gx, gw, None, None

    def release(self):
        super().release()
        self.r = None


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims; eps
    defaults to the machine epsilon of the input's dtype, as in torch."""
    x = as_tensor(input)
    ns = ((int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral)
          else tuple(int(n) for n in normalized_shape))
    if not ns or len(ns) > x.ndim or tuple(x.shape[x.ndim - len(ns):]) != ns:
        raise RuntimeError(f"rms_norm: given normalized_shape={list(ns)}, expected an input of "
                           f"shape [*, {', '.join(map(str, ns))}], got shape {list(x.shape)}")
    if weight is not None and _shape(weight) != ns:
        raise RuntimeError(f"rms_norm: weight must have the normalized shape {ns}, got shape "
                           f"{_shape(weight)}")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    return RMSNorm.apply(x, _optional(weight), len(ns), float(eps))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x^2 over a window of ``size`` channels)^beta, the
    window centered on each channel (size // 2 before, (size - 1) // 2 after, zero-padded)."""
    x = as_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} "
                         f"dimensions)")
    if x.numel() == 0:
        return x
    c = x.shape[1]
    sq = pad(x * x, (0, 0) * (x.ndim - 2) + (size // 2, (size - 1) // 2))
    total = None
    for j in range(size):  # a handful of shifted slices
        part = sq[:, j:j + c]
        total = part if total is None else total + part
    return x / (total * (alpha / size) + k) ** beta


def torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                      cudnn_enabled=True):
    """torch.batch_norm: F.batch_norm's arguments in ATen's order."""
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                         momentum, eps, cudnn_enabled=True):
    """torch.instance_norm: F.instance_norm's arguments in ATen's order."""
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                         momentum, eps)


def torch_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return group_norm(input, num_groups, weight, bias, eps)


def torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
                      cudnn_enable=True):
    return layer_norm(input, normalized_shape, weight, bias, eps)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"group_norm": torch_group_norm, "rms_norm": rms_norm,
                   "instance_norm": torch_instance_norm, "batch_norm": torch_batch_norm,
                   "layer_norm": torch_layer_norm}
FUNCTIONAL = {"group_norm": group_norm, "instance_norm": instance_norm, "rms_norm": rms_norm,
              "local_response_norm": local_response_norm}
