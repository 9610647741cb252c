"""Specs for the reductions (var and std: stats.py; norm: norms.py).

Random data keeps extremes untied (ties are checked against torch in tests/test_reduce.py).
"""

from __future__ import annotations

import glassgrad as gg

from . import Case, spec


def _reduce_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((x,), {"dim": -1}), Case((rng.standard_normal(()),)),
            Case((rng.standard_normal((1, 4)),), {"dim": 0})]


spec("sum", lambda x, **k: x.sum(**k), _reduce_cases, lambda t, x, **k: x.sum(**k),
     gradgrad=True)
spec("mean", lambda x, **k: x.mean(**k), _reduce_cases, lambda t, x, **k: x.mean(**k),
     gradgrad=True)
spec("amax", lambda x, **k: x.amax(**k), _reduce_cases, lambda t, x, **k: x.amax(**k),
     gradgrad=True)
spec("amin", lambda x, **k: gg.amin(x, **k), _reduce_cases, lambda t, x, **k: t.amin(x, **k),
     gradgrad=True)


def _dim_cases(rng):
    x = rng.standard_normal((3, 4, 5))
    return [Case((x,), {"dim": 1}), Case((x,), {"dim": -1, "keepdim": True}),
            Case((x,), {"dim": 0}), Case((rng.standard_normal(()),), {"dim": 0}),
            Case((rng.standard_normal((1, 4)),), {"dim": 0})]


spec("max", lambda x, **k: gg.max(x, **k).values, _dim_cases,
     lambda t, x, **k: t.max(x, **k).values, gradgrad=True)
spec("min", lambda x, **k: x.min(**k).values, _dim_cases,
     lambda t, x, **k: x.min(**k).values, gradgrad=True)


def _prod_cases(rng):
    def draw(shape):  # magnitudes near 1, random signs: products stay moderate
        return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)

    x = draw((3, 4, 5))
    zeros = draw((4, 4))
    zeros[0, 1] = 0.0  # one zero in the row
    zeros[1, [0, 2]] = 0.0  # two zeros
    zeros[2, :3] = 0.0  # three zeros (row 3 has none)
    one = draw((2, 3))
    one[1, 1] = 0.0
    return [Case((x,)), Case((x,), {"dim": 1}), Case((x,), {"dim": (0, 2), "keepdim": True}),
            Case((x,), {"dim": -1}), Case((draw(()),)), Case((draw((1, 4)),), {"dim": 0}),
            Case((zeros,), {"dim": 1}, "zeros"), Case((zeros,), {"dim": 0}, "zeros"),
            Case((one,), {}, "one zero"), Case((zeros,), {}, "many zeros")]


def _torch_prod(t, x, dim=None, keepdim=False):
    """torch.prod reduces one dim at a time; reduce the highest first so the rest stay put."""
    if dim is None:
        out = x.prod()
        return out.reshape([1] * x.dim()) if keepdim else out
    dims = (dim,) if isinstance(dim, int) else dim
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = x.prod(d, keepdim=keepdim)
    return x


spec("prod", lambda x, **k: x.prod(**k), _prod_cases, _torch_prod, gradgrad=True)
