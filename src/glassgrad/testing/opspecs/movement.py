"""Specs for the movement ops: shape, order, join, clone and pad."""

from __future__ import annotations

import numpy as np

import glassgrad as gg
from glassgrad import functional as F

from . import Case, spec


def _method_spec(name, cases, **opts):
    """A spec calling x.name(**k), the same call on glassgrad and on torch tensors."""
    spec(name, lambda x, **k: getattr(x, name)(**k), cases,
         lambda t, x, **k: getattr(x, name)(**k), **opts)


spec("reshape", lambda x, shape: x.reshape(shape),
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"shape": (2, 6)}),
                  Case((rng.standard_normal((2, 3, 4)),), {"shape": (-1, 4)}),
                  Case((rng.standard_normal(()),), {"shape": (1, 1)}),
                  Case((rng.standard_normal((1, 3, 1)),), {"shape": (3,)})],
     lambda t, x, shape: x.reshape(shape), gradgrad=True)
spec("expand", lambda x, shape: x.expand(*shape),
     lambda rng: [Case((rng.standard_normal((3, 1)),), {"shape": (3, 4)}),
                  Case((rng.standard_normal((4,)),), {"shape": (2, 3, 4)}),
                  Case((rng.standard_normal(()),), {"shape": (2,)}),
                  Case((rng.standard_normal((2, 1)),), {"shape": (-1, 3)})],
     lambda t, x, shape: x.expand(*shape), gradgrad=True)
_method_spec("flatten",
     lambda rng: [Case((rng.standard_normal((2, 3, 4)),)),
                  Case((rng.standard_normal((2, 3, 4)),), {"start_dim": 1}),
                  Case((rng.standard_normal((2, 1, 3, 2)),), {"start_dim": -3, "end_dim": -2}),
                  Case((rng.standard_normal(()),))],
     gradgrad=True)
_method_spec("squeeze",
     lambda rng: [Case((rng.standard_normal((1, 3, 1)),)),
                  Case((rng.standard_normal((1, 3, 1)),), {"dim": -1}),
                  Case((rng.standard_normal((1, 3, 1)),), {"dim": (0, 2)}),
                  Case((rng.standard_normal((3, 4)),), {"dim": 0}),  # size 3: kept
                  Case((rng.standard_normal(()),))],
     gradgrad=True)
_method_spec("unsqueeze",
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"dim": 0}),
                  Case((rng.standard_normal((3, 4)),), {"dim": -1}),
                  Case((rng.standard_normal((3, 4)),), {"dim": 1}),
                  Case((rng.standard_normal(()),), {"dim": 0}),
                  Case((rng.standard_normal((1, 3)),), {"dim": 1})],
     gradgrad=True)
spec("repeat", lambda x, sizes: x.repeat(*sizes),
     lambda rng: [Case((rng.standard_normal((2, 3)),), {"sizes": (2, 1)}),
                  Case((rng.standard_normal((3,)),), {"sizes": (2, 2)}),
                  Case((rng.standard_normal((1, 3)),), {"sizes": (2, 1, 3)}),
                  Case((rng.standard_normal(()),), {"sizes": (3,)})],
     lambda t, x, sizes: x.repeat(*sizes), gradgrad=True)
_method_spec("transpose",
     lambda rng: [Case((rng.standard_normal((2, 3, 4)),), {"dim0": 0, "dim1": 2}),
                  Case((rng.standard_normal((3, 4)),), {"dim0": -1, "dim1": -2}),
                  Case((rng.standard_normal((1, 3)),), {"dim0": 0, "dim1": 1}),
                  Case((rng.standard_normal((3,)),), {"dim0": 0, "dim1": -1})],
     gradgrad=True)
spec("permute", lambda x, dims: x.permute(*dims),
     lambda rng: [Case((rng.standard_normal((2, 3, 4)),), {"dims": (2, 0, 1)}),
                  Case((rng.standard_normal((3, 4)),), {"dims": (-1, 0)}),
                  Case((rng.standard_normal((1, 3, 1)),), {"dims": (1, 2, 0)}),
                  Case((rng.standard_normal(()),), {"dims": ()})],
     lambda t, x, dims: x.permute(dims), gradgrad=True)
_method_spec("flip",
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"dims": (0,)}),
                  Case((rng.standard_normal((2, 3, 4)),), {"dims": (-1, 0)}),
                  Case((rng.standard_normal((1, 3)),), {"dims": (0, 1)}),
                  Case((rng.standard_normal(()),), {"dims": (0,)})],
     gradgrad=True)
spec("clone", lambda x: x.clone(),
     lambda rng: [Case((rng.standard_normal((3, 4)),)), Case((rng.standard_normal(()),)),
                  Case((rng.standard_normal((1, 3)),))],
     lambda t, x: x.clone(), gradgrad=True)
spec("cat", lambda *xs, dim=0: gg.cat(xs, dim),
     lambda rng: [Case((rng.standard_normal((2, 3)), rng.standard_normal((4, 3)))),
                  Case((rng.standard_normal((2, 3)), rng.standard_normal((2, 1)),
                        rng.standard_normal((2, 2))), {"dim": -1}),
                  Case((rng.standard_normal((3,)), rng.standard_normal((1,)))),
                  Case((rng.standard_normal((2, 2)), np.arange(4).reshape(2, 2)), {"dim": 1},
                       note="float and int: int promoted, gets no grad")],
     lambda t, *xs, dim=0: t.cat(xs, dim), gradgrad=True)
spec("stack", lambda *xs, dim=0: gg.stack(xs, dim),
     lambda rng: [Case(tuple(rng.standard_normal((2, 3)) for _ in range(3))),
                  Case((rng.standard_normal((3,)), rng.standard_normal((3,))), {"dim": -1}),
                  Case((rng.standard_normal((2, 3)), rng.standard_normal((2, 3))), {"dim": 1}),
                  Case((rng.standard_normal(()), rng.standard_normal(()))),
                  Case((rng.standard_normal((1, 2)), rng.standard_normal((1, 2))), {"dim": 1})],
     lambda t, *xs, dim=0: t.stack(xs, dim), gradgrad=True)


def _pad_cases(rng):
    return [Case((rng.standard_normal((3, 4)),), {"pad": (1, 2)}),
            Case((rng.standard_normal((2, 3, 4)),), {"pad": (1, 0, 2, 1), "value": 0.5}),
            Case((rng.standard_normal((3, 5)),), {"pad": (-1, 2, 0, -1)}, note="crop"),
            Case((rng.standard_normal((2, 3)),), {"pad": (0, 0, 1, 1)}),
            Case((rng.standard_normal((2, 3, 4)),), {"pad": (2, 1, 1, 2), "mode": "reflect"}),
            Case((rng.standard_normal((2, 4)),), {"pad": (3, -1), "mode": "replicate"}),
            Case((rng.standard_normal((1, 2, 3)),), {"pad": (2, 3), "mode": "circular"}),
            Case((rng.standard_normal((1, 2, 5)),), {"pad": (1, -2), "mode": "circular"},
                 note="crop, then wrap around what is left")]


spec("pad", lambda x, **k: F.pad(x, **k), _pad_cases,
     lambda t, x, **k: t.nn.functional.pad(x, **k), gradgrad=True)
