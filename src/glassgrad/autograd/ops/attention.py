"""scaled_dot_product_attention, one op, differentiable twice in query, key, value and a
float mask (its backward recomputes the probabilities with Tensor ops under create_graph).

    out = dropout(softmax(q k^T * scale + mask)) v,   scale = 1 / sqrt(E) by default

A bool mask keeps the positions where it is True (False ones get -inf); is_causal keeps
the lower triangle of (L, S). A row where every score is -inf (fully masked) gives zeros,
and a zero gradient, as torch 2.x does, instead of softmax's NaN: such rows are replaced by
zeros before the softmax and their probabilities selected to 0 after it. Dropout multiplies
the probabilities by a mask from glassgrad's seeded generator, scaled by 1 / (1 - p).
"""

from __future__ import annotations

import math

import numpy as np

from ... import random as _random
from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .elementwise import where
from .softmax import softmax, softmax_last, softmax_last_backward


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """Attention of (..., L, E) queries over (..., S, E) keys and (..., S, Ev) values;
    returns (..., L, Ev). See the module doc."""
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    op = "scaled_dot_product_attention"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise RuntimeError(f"{op}: query, key and value need at least 2 dims (..., L, E), got "
                           f"shapes {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    if not (q.dtype == k.dtype == v.dtype) or q.dtype.kind != "f":
        raise RuntimeError(f"Expected query, key, and value to have the same floating point "
                           f"dtype, but got query.dtype: {q.dtype} key.dtype: {k.dtype} and "
                           f"value.dtype: {v.dtype} instead.")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"{op}: query {tuple(q.shape)} and key {tuple(k.shape)} need the same "
                           f"embedding size, key and value {tuple(v.shape)} the same length S")
    if enable_gqa and k.ndim >= 3 and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        hq, hk = q.shape[-3], k.shape[-3]
        if hq % hk or hq % v.shape[-3]:
            raise RuntimeError(f"{op}: with enable_gqa the number of query heads {hq} must be "
                               f"a multiple of the key and value heads {hk}, {v.shape[-3]}")
        k = _repeat_heads(k, hq // hk)
        v = _repeat_heads(v, hq // v.shape[-3])
    n_l, n_s = q.shape[-2], k.shape[-2]
    _check_batch(op, q, k, v, attn_mask)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        attn_mask = np.tril(np.ones((n_l, n_s), dtype=bool))
    mask = None
    if attn_mask is not None:
        raw = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if raw.dtype.kind == "b":  # keep where True: an additive 0 / -inf constant
            mask = np.where(raw, 0.0, -np.inf).astype(q.dtype)
        else:
            mask = as_tensor(attn_mask)
            if mask.dtype != q.dtype:
                raise RuntimeError(f"{op}: Expected attn_mask dtype to be bool or float or to "
                                   f"match query dtype, but got attn_mask.dtype: {mask.dtype} "
                                   f"and query.dtype: {q.dtype} instead.")
    drop = None
    if dropout_p > 0.0:
        shape = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]) + (n_l, n_s)
        keep = _random.default_generator().random(shape) >= dropout_p
        drop = (keep * (1.0 / (1.0 - dropout_p))).astype(q.dtype)
    return Attention.apply(q, k, v, mask, scale, drop)


def _check_batch(op, q, k, v, attn_mask):
    """The batch dims of q, k, v (and the mask's) must broadcast: RuntimeError, as torch."""
    shapes = [tuple(q.shape[:-2]), tuple(k.shape[:-2]), tuple(v.shape[:-2])]
    if attn_mask is not None:
        shapes.append(tuple(np.shape(attn_mask._data if isinstance(attn_mask, Tensor)
                                     else attn_mask))[:-2])
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        names = ("query", "key", "value", "attn_mask")
        given = ", ".join(f"{n} {s}" for n, s in zip(names, shapes))
        raise RuntimeError(f"{op}: the batch dims (all but the last two) must broadcast; got "
                           f"{given}") from None


def _probabilities(q, k, mask, scale, dead=None):
    """softmax(q k^T scale + mask) over the last dim, a fully masked row all zeros; the rows
    that are fully masked. Arrays or Tensors (create_graph)."""
    s = (q @ (k.mT if isinstance(k, Tensor) else np.swapaxes(k, -1, -2))) * scale
    if mask is not None:
        s = s + mask
    if isinstance(s, Tensor):
        zero = np.zeros((), s.dtype)
        return where(dead, zero, softmax(where(dead, zero, s), -1)), dead
    dead = np.isneginf(s).all(axis=-1, keepdims=True)
    s = np.where(dead, 0, s)
    e = np.exp(s - s.max(axis=-1, keepdims=True, initial=-np.inf))  # S = 0: no keys, zeros
    return np.where(dead, 0, e / e.sum(axis=-1, keepdims=True)), dead


def _scores_softmax(q, k, mask, scale):
    """The fast route of ``_probabilities`` for arrays: the scores made in one fresh array
    (k^T made contiguous first: numpy multiplies stacks of small matrices faster so), then
    scaled, masked and normalized in place by ``softmax_last``. None where that route does
    not apply (a fully masked row, an inf or NaN): the caller takes the careful one."""
    s = q @ np.ascontiguousarray(np.swapaxes(k, -1, -2))
    s *= scale
    if mask is not None:
        if np.broadcast_shapes(s.shape, mask.shape) != s.shape or \
                np.result_type(s, mask) != s.dtype:
            return None
        s += mask
    return softmax_last(s, owned=True)


@register("scaled_dot_product_attention")
class Attention(Function):
    """out = (P * drop) v with P = softmax(q k^T scale + mask) (see the module doc).

    With dO the incoming gradient: dv = (P drop)^T dO, dP = (dO v^T) drop,
    dS = P (dP - sum(dP P)) over each row, dq = dS k scale, dk = dS^T q scale, d mask = dS.
    Under create_graph P is recomputed from q and k with Tensor ops. On arrays P is made in
    one array, in place (``_scores_softmax``), and backward builds dS in place in dP."""

    __slots__ = ("scale", "drop", "p", "dead")

    @staticmethod
    def forward(ctx, q, k, v, mask, scale, drop):
        p = dead = None
        if q.dtype.kind == "f" and q.dtype == k.dtype and q.size and k.size:
            p = _scores_softmax(q, k, mask, scale)
        if p is None:
            p, dead = _probabilities(q, k, mask, scale)
        else:  # no row was fully masked; the create_graph route reads this
            dead = np.zeros(p.shape[:-1] + (1,), dtype=bool)
        ctx.scale, ctx.drop, ctx.p, ctx.dead = scale, drop, p, dead
        ctx.save_for_backward(q, k, v, mask)
        return (p if drop is None else p * drop) @ v

    @staticmethod
    def backward(ctx, grad):
        q, k, v, mask = ctx.saved_tensors
        scale, drop = ctx.scale, ctx.drop
        if isinstance(grad, Tensor) or isinstance(q, Tensor):
            p = _probabilities(q, k, mask, scale, ctx.dead)[0]
            q, k, v, p = (as_tensor(a) for a in (q, k, v, p))
        else:
            p = ctx.p
        pd = p if drop is None else p * drop
        if not isinstance(p, Tensor) and type(grad) is np.ndarray and grad.dtype == p.dtype:
            return Attention._array_backward(ctx, grad, q, k, v, p, pd)
        mt = (lambda a: a.mT) if isinstance(p, Tensor) else (lambda a: np.swapaxes(a, -1, -2))
        need = ctx.needs_input_grad
        dv = mt(pd) @ grad if need[2] else None
        dq = dk = ds = None
        if need[0] or need[1] or need[3]:
            dp = grad @ mt(v)
            if drop is not None:
                dp = dp * drop
            ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
            dq = (ds @ k) * scale if need[0] else None
            dk = (mt(ds) @ q) * scale if need[1] else None
        return dq, dk, dv, (ds if need[3] else None), None, None

    @staticmethod
    def _array_backward(ctx, grad, q, k, v, p, pd):
        """The backward above on arrays, dS made in place in dP (softmax_last_backward)."""
        need, drop = ctx.needs_input_grad, ctx.drop
        dv = np.swapaxes(pd, -1, -2) @ grad if need[2] else None
        dq = dk = ds = None
        if need[0] or need[1] or need[3]:
            dp = grad @ np.ascontiguousarray(np.swapaxes(v, -1, -2))
            if drop is not None:
                dp *= drop
            ds = softmax_last_backward(p, dp, owned=True)
            if need[0]:
                dq = ds @ k
                dq *= ctx.scale
            if need[1]:
                dk = np.swapaxes(ds, -1, -2) @ q
                dk *= ctx.scale
        return dq, dk, dv, (ds if need[3] else None), None, None

    def release(self):
        super().release()
        self.p = None


def _repeat_heads(t, r):
    """(..., H, S, E) -> (..., H r, S, E), each head repeated r times in a row."""
    if r == 1:
        return t
    *lead, h, n, e = t.shape
    return t.unsqueeze(-3).expand(*lead, h, r, n, e).reshape(*lead, h * r, n, e)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {"scaled_dot_product_attention": scaled_dot_product_attention}
