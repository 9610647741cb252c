"""Specs for the classification losses: every reduction, 1-D and K-dim inputs, weights,
ignore_index, label smoothing and class-probability targets.

Integer class targets are case inputs of integer dtype, so they become constant tensors;
``weight`` rides in kwargs as an array (made a torch tensor for torch_fn).
"""

from __future__ import annotations

import numpy as np

from . import Case
from .loss import _loss_spec


def _class_cases(smoothing):
    def cases(rng):
        def weight(c):
            return rng.uniform(0.2, 2.0, (c,))

        x = rng.standard_normal((4, 5))
        t = rng.integers(0, 5, (4,))
        t_ignored = t.copy()
        t_ignored[1] = -100
        x4 = rng.standard_normal((2, 3, 2, 2))
        t4 = rng.integers(0, 3, (2, 2, 2))
        out = [
            Case((x, t)), Case((x, t), {"reduction": "sum"}),
            Case((x, t), {"reduction": "none"}),
            Case((x, t_ignored), {"weight": weight(5)}, note="ignore_index"),
            Case((x, t), {"weight": weight(5), "ignore_index": int(t[0]), "reduction": "none"}),
            Case((x4, t4), {"weight": weight(3)}, note="K-dim"),
            Case((x4, t4), {"reduction": "none"}, note="K-dim"),
            Case((rng.standard_normal(5), np.array(2)), {"reduction": "none"}, note="1-D"),
            Case((rng.standard_normal(5), np.array(4)), note="1-D"),
            Case((rng.standard_normal((1, 3)), np.array([0])), {"reduction": "sum"}),
        ]
        if smoothing:
            p = rng.uniform(0.0, 1.0, (3, 4))
            out += [
                Case((x, t_ignored), {"label_smoothing": 0.2}),
                Case((x, t_ignored), {"label_smoothing": 0.1, "weight": weight(5),
                                      "reduction": "none"}),
                Case((x4, t4), {"label_smoothing": 0.3, "weight": weight(3)}, note="K-dim"),
                Case((rng.standard_normal((3, 4)), p / p.sum(1, keepdims=True)),
                     note="probabilities"),
                Case((rng.standard_normal((3, 4)), p), {"label_smoothing": 0.2,
                                                        "weight": weight(4)}),
                Case((rng.standard_normal((2, 3, 2)), rng.uniform(0.0, 1.0, (2, 3, 2))),
                     {"reduction": "none"}, note="K-dim probabilities"),
            ]
        return out

    return cases


_loss_spec("cross_entropy", _class_cases(True), gradgrad=True)
_loss_spec("nll_loss", _class_cases(False), gradgrad=True)
