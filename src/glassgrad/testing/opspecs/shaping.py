"""Specs for the shaping ops of issue 11: roll, triangles and diagonals, block_diag,
repeat_interleave, windows (Tensor.unfold) and combinations."""

from __future__ import annotations

import glassgrad as gg

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

WITHOUT_ZERO_D.update({
    "tril": "torch needs at least 2 dims (the triangle of a matrix)",
    "triu": "torch needs at least 2 dims (the triangle of a matrix)",
    "diag_embed": "the last dim goes on the diagonal: torch needs at least 1 dim",
    "combinations": "torch takes 1-D tensors only",
})
WITHOUT_BROADCAST.update({
    "block_diag": "the blocks are placed side by side, nothing broadcasts",
})


def _n(rng, *shape):
    return rng.standard_normal(shape)


spec("roll", lambda x, **k: x.roll(**k),
     lambda rng: [Case((_n(rng, 3, 4),), {"shifts": 2}),
                  Case((_n(rng, 3, 4),), {"shifts": (1, -3), "dims": (0, 1)}),
                  Case((_n(rng, 2, 3, 4),), {"shifts": 5, "dims": -1}),
                  Case((_n(rng, 1, 3),), {"shifts": -1, "dims": 0}),
                  Case((_n(rng),), {"shifts": 1})],
     lambda t, x, **k: x.roll(**k), gradgrad=True)
for _name in ("tril", "triu"):
    spec(_name, lambda x, _m=_name, **k: getattr(x, _m)(**k),
         lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 4, 3),), {"diagonal": 1}),
                      Case((_n(rng, 2, 3, 3),), {"diagonal": -1}),
                      Case((_n(rng, 1, 3),), {"diagonal": 5})],
         lambda t, x, _m=_name, **k: getattr(x, _m)(**k), gradgrad=True)
spec("diag_embed", lambda x, **k: gg.diag_embed(x, **k),
     lambda rng: [Case((_n(rng, 3),)), Case((_n(rng, 2, 3),), {"offset": 1}),
                  Case((_n(rng, 2, 3),), {"offset": -2, "dim1": 0, "dim2": 2}),
                  Case((_n(rng, 2, 3),), {"dim1": -1, "dim2": 0}),
                  Case((_n(rng, 1),), {"offset": 1})],
     lambda t, x, **k: t.diag_embed(x, **k), gradgrad=True)
spec("block_diag", lambda *xs: gg.block_diag(*xs),
     lambda rng: [Case((_n(rng, 2, 3), _n(rng, 1, 2))),
                  Case((_n(rng, 2, 2), _n(rng, 3), _n(rng))),
                  Case((_n(rng),))],
     lambda t, *xs: t.block_diag(*xs), gradgrad=True)
spec("repeat_interleave", lambda x, **k: x.repeat_interleave(**k),
     lambda rng: [Case((_n(rng, 2, 3),), {"repeats": 2}),
                  Case((_n(rng, 2, 3),), {"repeats": gg.tensor([1, 0, 3]), "dim": 1}),
                  Case((_n(rng, 3, 1),), {"repeats": gg.tensor([2]), "dim": 1}),
                  Case((_n(rng),), {"repeats": 3})],
     lambda t, x, **k: x.repeat_interleave(**{n: t.as_tensor(v.numpy()) if isinstance(
         v, gg.Tensor) else v for n, v in k.items()}), gradgrad=True)
spec("unfold_windows", lambda x, **k: x.unfold(**k),
     lambda rng: [Case((_n(rng, 7),), {"dimension": 0, "size": 3, "step": 2}),
                  Case((_n(rng, 2, 5, 3),), {"dimension": 1, "size": 2, "step": 1},
                       note="overlapping windows add up"),
                  Case((_n(rng, 4, 1),), {"dimension": -1, "size": 1, "step": 1}),
                  Case((_n(rng),), {"dimension": 0, "size": 1, "step": 1})],
     lambda t, x, **k: x.unfold(**k), gradgrad=True)
spec("combinations", lambda x, **k: gg.combinations(x, **k),
     lambda rng: [Case((_n(rng, 4),)), Case((_n(rng, 4),), {"r": 3}),
                  Case((_n(rng, 3),), {"r": 2, "with_replacement": True}),
                  Case((_n(rng, 1),), {"r": 2, "with_replacement": True})],
     lambda t, x, **k: t.combinations(x, **k), gradgrad=True)
