"""Bilinear, EmbeddingBag and SyncBatchNorm, with torch's arguments, parameter shapes and
initialization. SyncBatchNorm is BatchNorm: glassgrad runs in one process, where torch's
SyncBatchNorm has nothing to synchronize and behaves as BatchNorm too."""

from __future__ import annotations

import math

from .. import functional as F
from ..autograd.tensor import Tensor
from . import init
from .module import Module, Parameter
from .normalization import _BatchNorm, _InstanceNorm


class Bilinear(Module):
    """out[..., o] = input1[...] @ weight[o] @ input2[...] + bias[o], weight of shape
    (out_features, in1_features, in2_features) and bias (out_features,).

    Initialized as torch: weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(init._empty((out_features, in1_features, in2_features), device,
                                            dtype))
        if bias:
            self.bias = Parameter(init._empty((out_features,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        for k, (x, n) in enumerate(((input1, self.in1_features), (input2, self.in2_features))):
            if x.ndim == 0 or x.shape[-1] != n:
                raise RuntimeError(f"Bilinear: expected input{k + 1} of shape (*, {n}), got "
                                   f"shape {tuple(x.shape)}")
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embedding rows (F.embedding_bag).

    weight is (num_embeddings, embedding_dim), initialized N(0, 1), with the ``padding_idx``
    row zeroed. forward(input, offsets=None, per_sample_weights=None) takes a 2-D input (one
    bag per row) or a 1-D input with the bags' starting ``offsets``."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(init._empty((num_embeddings, embedding_dim), device, dtype))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight of shape {tuple(_weight.shape)} does "
                                 f"not match ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight)  # shares its data

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        ndim = len(getattr(input, "shape", ()))
        if ndim not in (1, 2):
            raise ValueError(f"EmbeddingBag: expected a 1-D input (with offsets) or a 2-D "
                             f"input (one bag per row), got shape "
                             f"{tuple(getattr(input, 'shape', ()))}")
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag holding the 2-D ``embeddings`` (frozen unless freeze=False)."""
        if len(embeddings.shape) != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, ...) input of any rank >= 2, with torch's SyncBatchNorm
    arguments. ``process_group`` is kept and unused: in one process there is nothing to
    synchronize, and torch's SyncBatchNorm computes plain BatchNorm there too."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D "
                             f"input of shape {tuple(input.shape)})")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm layer in it (itself included) replaced by a
        SyncBatchNorm that holds the same parameter and buffer objects and training flag.
        Other modules are kept (and returned) as they are, their children converted."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            for name in ("weight", "bias"):
                if name in module._parameters:
                    out.register_parameter(name, module._parameters[name])
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                b = module._buffers.get(name)
                out.register_buffer(name, b if isinstance(b, Tensor) else None)
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
