"""Specs for scaled_dot_product_attention: batched and unbatched, a float mask (which gets a
gradient), a bool mask with a fully masked row, is_causal, scale and grouped-query heads."""

from __future__ import annotations

from glassgrad import functional as F

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

WITHOUT_ZERO_D.update({"scaled_dot_product_attention": "query, key and value are (..., L, E), "
                                                       "(..., S, E) and (..., S, Ev)"})
WITHOUT_BROADCAST.update({"scaled_dot_product_attention": "inputs broadcast over the batch dims "
                          "only, and no input has the output's (L, Ev) matrix dims; a case "
                          "broadcasts key (4, 4), value and a (3, 4) mask over a batch of 2"})


def _sdpa(q, k, v, m=None, **kw):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)


def _torch_sdpa(t, q, k, v, m=None, **kw):
    if "bool_mask" in kw:
        m = t.tensor(kw.pop("bool_mask"))
    return t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)


def _sdpa_fn(q, k, v, m=None, **kw):
    if "bool_mask" in kw:
        m = kw.pop("bool_mask")
    return _sdpa(q, k, v, m, **kw)


def _cases(rng):
    def x(*shape):
        return rng.standard_normal(shape)

    keep = rng.random((3, 4)) > 0.3
    keep[1] = False  # a fully masked row: zeros, zero gradient
    keep[0, 0] = keep[2, 0] = True
    return [
        Case((x(2, 3, 4), x(2, 4, 4), x(2, 4, 2))),
        Case((x(3, 5), x(4, 5), x(4, 3)), {"scale": 0.7}, note="unbatched"),
        Case((x(2, 3, 4), x(4, 4), x(4, 2), x(3, 4)), note="key, value and float mask "
                                                          "broadcast over the batch"),
        Case((x(2, 1, 3, 4), x(2, 1, 4, 4), x(2, 1, 4, 3)), {"is_causal": True},
             note="size-1 dim"),
        Case((x(2, 3, 4), x(2, 4, 4), x(2, 4, 2)), {"bool_mask": keep}),
        Case((x(1, 4, 2, 3), x(1, 2, 3, 3), x(1, 2, 3, 2)), {"enable_gqa": True}),
    ]


spec("scaled_dot_product_attention", _sdpa_fn, _cases, _torch_sdpa, gradgrad=True)
