"""Specs for logsumexp, softmax and log_softmax.

Large logits (+-1e4) appear in every case list: in float64 an eps of 1e-6 still moves them,
so gradcheck works there too.
"""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import Case, spec


def _logit_cases(dims, full=True):
    """Moderate logits over several dims, then large ones: +-1e4 offsets and spreads."""

    def cases(rng):
        x = rng.standard_normal((3, 4, 5)) * 3
        big = rng.standard_normal((2, 5)) + np.array([[1e4], [-1e4]])
        spread = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 0.5, 3.0]])
        out = [Case((x,), {"dim": d}) for d in dims]
        out += [Case((rng.standard_normal(()),), {"dim": 0}),
                Case((rng.standard_normal((1, 4)),), {"dim": 0}),
                Case((big,), {"dim": 1}, "large logits"), Case((big,), {"dim": 0}, "mixed signs"),
                Case((spread,), {"dim": -1}, "spread of 2e4")]
        if full:
            out += [Case((x,)), Case((x,), {"dim": (0, 2), "keepdim": True}),
                    Case((big,), {}, "large logits")]
        return out

    return cases


def _torch_logsumexp(t, x, dim=None, keepdim=False):
    return t.logsumexp(x, tuple(range(x.dim())) if dim is None else dim, keepdim=keepdim)


# +-1e4 logits: logsumexp's outputs are near 1e4, whose rounding (1e-12) central differences
# with eps = 1e-6 divide by 2e-6: a numeric error of 4e-7 (cancellation), above atol. A
# power-of-two eps of 2**-16 keeps x +- eps exact and cuts that error to 5e-11; truncation
# stays near 1e-11. softmax and log_softmax output O(1) values and need no override.
spec("logsumexp", lambda x, **k: x.logsumexp(**k), _logit_cases([1, -1]), _torch_logsumexp,
     gradgrad=True, eps=2.0**-16)
spec("softmax", lambda x, **k: F.softmax(x, **k), _logit_cases([1, -1, 0], full=False),
     lambda t, x, **k: t.nn.functional.softmax(x, **k), gradgrad=True)
spec("log_softmax", lambda x, **k: F.log_softmax(x, **k), _logit_cases([1, -1, 0], full=False),
     lambda t, x, **k: t.nn.functional.log_softmax(x, **k), gradgrad=True)
