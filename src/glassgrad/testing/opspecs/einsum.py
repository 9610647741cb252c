"""Spec for einsum: explicit and implicit output, ellipsis, repeated labels (diagonals),
size-1 broadcasting, three operands."""

from __future__ import annotations

import glassgrad as gg

from . import Case, spec


def _n(rng, *shape):
    return rng.standard_normal(shape)


spec("einsum", lambda *xs, eq: gg.einsum(eq, *xs),
     lambda rng: [Case((_n(rng, 2, 3), _n(rng, 3, 4)), {"eq": "ij,jk->ik"}),
                  Case((_n(rng, 2, 3), _n(rng, 3, 4)), {"eq": "ij,jk"}),
                  Case((_n(rng, 3, 3),), {"eq": "ii"}),
                  Case((_n(rng, 3, 2, 3),), {"eq": "iji->j"}),
                  Case((_n(rng, 2, 3, 3),), {"eq": "...ii->...i"}),
                  Case((_n(rng, 2, 1, 4), _n(rng, 3, 4)), {"eq": "...a,...a"},
                       note="ellipsis dims broadcast"),
                  Case((_n(rng, 3, 1), _n(rng, 3, 4)), {"eq": "ij,ij->ij"},
                       note="a size-1 labelled dim broadcasts"),
                  Case((_n(rng, 2, 5), _n(rng, 3)), {"eq": "ik,j->ij"}),
                  Case((_n(rng, 2, 3), _n(rng, 3, 4), _n(rng, 4, 2)), {"eq": "ij,jk,kl->il"}),
                  Case((_n(rng), _n(rng, 3)), {"eq": ",i->i"})],
     lambda t, *xs, eq: t.einsum(eq, *xs), gradgrad=True)
