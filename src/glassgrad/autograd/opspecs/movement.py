"""Specs for the movement ops: reshape, expand (more join as they land)."""

from __future__ import annotations

from . import Case, spec

spec("reshape", lambda x, shape: x.reshape(shape),
     lambda rng: [Case((rng.standard_normal((3, 4)),), {"shape": (2, 6)}),
                  Case((rng.standard_normal((2, 3, 4)),), {"shape": (-1, 4)}),
                  Case((rng.standard_normal(()),), {"shape": (1, 1)})],
     lambda t, x, shape: x.reshape(shape), gradgrad=True)
spec("expand", lambda x, shape: x.expand(*shape),
     lambda rng: [Case((rng.standard_normal((3, 1)),), {"shape": (3, 4)}),
                  Case((rng.standard_normal((4,)),), {"shape": (2, 3, 4)}),
                  Case((rng.standard_normal(()),), {"shape": (2,)})],
     lambda t, x, shape: x.expand(*shape), gradgrad=True)
