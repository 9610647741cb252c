"""MultiheadAttention with torch's arguments, parameter names, initialization and masks.

    heads_i = softmax((x W_q^i)(y W_k^i)^T / sqrt(head_dim) + mask) (z W_v^i)
    out = concat(heads_1 .. heads_h) W_o^T + b_o

Masks follow torch's MultiheadAttention convention (the opposite of
scaled_dot_product_attention's bool masks): a True in a bool ``attn_mask`` or
``key_padding_mask`` means "do not attend"; a float mask is added to the scores.
"""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..autograd.ops.shaping import cat
from ..autograd.tensor import Tensor, as_tensor
from . import init
from .linear import Linear
from .module import Module, Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under torch's name for MultiheadAttention.out_proj (same reprs)."""


def _canonical_mask(mask, name, dtype):
    """None, or an additive float mask: a bool mask becomes -inf where True, 0 elsewhere."""
    if mask is None:
        return None
    raw = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if raw.dtype.kind == "b":
        return Tensor(np.where(raw, -np.inf, 0.0).astype(dtype))
    if raw.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are "
                        f"supported, got {raw.dtype}")
    m = as_tensor(mask)
    return m if m.dtype == dtype else m.to(dtype)


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size ``embed_dim // num_heads`` in parallel.

    Inputs are (L, N, E) (or (N, L, E) with ``batch_first``, or unbatched (L, E)). With
    ``kdim``/``vdim`` equal to ``embed_dim`` the query, key and value projections are one
    ``in_proj_weight`` (3E, E); otherwise ``q_proj_weight``, ``k_proj_weight`` and
    ``v_proj_weight`` are separate. ``add_bias_kv`` appends learned ``bias_k``/``bias_v`` to
    the keys and values, ``add_zero_attn`` a zero key and value. Initialized as torch:
    projections xavier_uniform_, biases 0, bias_k/bias_v xavier_normal_, out_proj as Linear
    but with a zero bias.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than "
                             f"0, got embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")

        def new(*shape):
            return Parameter(init._empty(shape, device, dtype))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = new(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = new(embed_dim, embed_dim)
            self.k_proj_weight = new(embed_dim, self.kdim)
            self.v_proj_weight = new(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = new(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = new(1, 1, embed_dim)
            self.bias_v = new(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _check(self, query, key, value, key_padding_mask, attn_mask):
        """torch's shape rules; whether the input is batched."""
        name = type(self).__name__
        if query.ndim not in (2, 3):
            raise RuntimeError(f"{name}: query should be unbatched 2D or batched 3D tensor but "
                               f"received {query.ndim}-D query tensor of shape "
                               f"{tuple(query.shape)}")
        batched = query.ndim == 3
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise RuntimeError(f"{name}: for {query.ndim}-D query, key and value should be "
                               f"{query.ndim}-D too, got shapes {tuple(key.shape)} and "
                               f"{tuple(value.shape)}")
        if key_padding_mask is not None and np.ndim(_raw(key_padding_mask)) != query.ndim - 1:
            raise RuntimeError(f"{name}: for {query.ndim}-D query, key_padding_mask should be "
                               f"{query.ndim - 1}-D, got shape "
                               f"{tuple(np.shape(_raw(key_padding_mask)))}")
        if attn_mask is not None and np.ndim(_raw(attn_mask)) not in (2, 3):
            raise RuntimeError(f"{name}: attn_mask should be 2D or 3D, got shape "
                               f"{tuple(np.shape(_raw(attn_mask)))}")
        for what, t, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.shape[-1] != size:
                raise RuntimeError(f"{name}: was expecting embedding dimension of {size} for "
                                   f"{what}, but got shape {tuple(t.shape)}")
        if key.shape[:-1] != value.shape[:-1]:
            raise RuntimeError(f"{name}: key shape {tuple(key.shape)} does not match value "
                               f"shape {tuple(value.shape)}")
        return batched

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """(output, weights): output (L, N, E) (N first with batch_first), weights
        (N, L, S) averaged over the heads, (N, num_heads, L, S) if not
        ``average_attn_weights``, or None if not ``need_weights``."""
        query, key, value = as_tensor(query), as_tensor(key), as_tensor(value)
        batched = self._check(query, key, value, key_padding_mask, attn_mask)
        bf = batched and self.batch_first  # (N, L, E) all the way: no transposed copies
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = as_tensor(key_padding_mask).unsqueeze(0)
        kpm = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
        mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        out, weights = self._attend(query, key, value, kpm, mask, need_weights, is_causal, bf)
        if average_attn_weights and weights is not None:
            weights = weights.mean(dim=1)
        if not batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        return out, weights

    def _project(self, query, key, value):
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _attend(self, query, key, value, kpm, mask, need_weights, is_causal, bf=False):
        """Sequence-first (L, N, E) inputs (batch-first (N, L, E) with ``bf``), canonical
        float masks: the output in the inputs' layout and the (N, heads, L, S) weights or
        None. Follows torch's order of steps, so the is_causal hint and add_bias_kv /
        add_zero_attn interact as they do there."""
        seq = 1 if bf else 0  # the sequence dim of query, key and value
        n_l, n_b, e = (query.shape[1], query.shape[0], query.shape[2]) if bf else query.shape
        h, hd = self.num_heads, self.head_dim
        n_s = key.shape[seq]
        if is_causal and mask is None:
            raise RuntimeError("MultiheadAttention: Need attn_mask if specifying the is_causal "
                               "hint. You may use the Transformer module method "
                               "`generate_square_subsequent_mask` to create this mask.")
        if is_causal and kpm is None and not need_weights:
            mask = None  # the hint replaces the mask, as in torch
        else:
            is_causal = False
        if kpm is not None and tuple(kpm.shape) != (n_b, n_s):
            raise RuntimeError(f"MultiheadAttention: expecting key_padding_mask shape of "
                               f"{(n_b, n_s)}, but got {tuple(kpm.shape)}")
        if mask is not None:
            want = (n_l, n_s) if mask.ndim == 2 else (n_b * h, n_l, n_s)
            if tuple(mask.shape) != want:
                raise RuntimeError(f"MultiheadAttention: The shape of the {mask.ndim}D "
                                   f"attn_mask is {tuple(mask.shape)}, but should be {want}.")
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None and self.bias_v is not None:
            one = (n_b, 1, e) if bf else (1, n_b, e)
            k = cat([k, self.bias_k.expand(*one)], dim=seq)
            v = cat([v, self.bias_v.expand(*one)], dim=seq)
            mask = F.pad(mask, (0, 1)) if mask is not None else None
            kpm = F.pad(kpm, (0, 1)) if kpm is not None else None
        # (L, N, E) or (N, L, E) -> (N, heads, L, head_dim)
        if bf:
            q, k, v = (t.reshape(n_b, t.shape[1], h, hd).transpose(1, 2) for t in (q, k, v))
        else:
            q, k, v = (t.reshape(t.shape[0], n_b, h, hd).permute(1, 2, 0, 3)
                       for t in (q, k, v))
        if self.add_zero_attn:
            zeros = Tensor(np.zeros((n_b, h, 1, hd), dtype=k.dtype))
            k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
            mask = F.pad(mask, (0, 1)) if mask is not None else None
            kpm = F.pad(kpm, (0, 1)) if kpm is not None else None
        n_s = k.shape[2]
        if mask is not None:
            mask = mask.reshape(n_b, h, n_l, n_s) if mask.ndim == 3 else mask
        if kpm is not None:
            kpm = kpm.reshape(n_b, 1, 1, n_s)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + mask
            weights = F.softmax(scores, dim=-1)
            if p > 0.0:
                weights = F.dropout(weights, p=p)
            out = weights @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(q, k, v, mask, p, is_causal)
        if bf:
            out = out.transpose(1, 2).reshape(n_b, n_l, e)
        else:
            out = out.permute(2, 0, 1, 3).reshape(n_l, n_b, e)
        return self.out_proj(out), weights


def _raw(mask):
    return mask._data if isinstance(mask, Tensor) else mask


__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]
