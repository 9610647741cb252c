"""Spec for ctc_loss, the one fused op among the losses of loss_more.py (the others are
composed from registered ops and are checked in tests/test_losses_more.py).

ctc_loss's gradient is torch's: it is the gradient with respect to the logits when
log_probs = log_softmax(logits) (torch's kernel adds exp(log_probs), which log_softmax's
backward cancels). So the spec differentiates through log_softmax, as torch's own tests do.
Integer targets and lengths ride in kwargs as arrays.
"""

from __future__ import annotations

import numpy as np

from glassgrad import functional as F

from . import WITHOUT_ZERO_D, Case, spec


def _ours(x, **k):
    return F.ctc_loss(x.log_softmax(-1), **k)


def _theirs(torch, x, **k):
    k = {key: torch.tensor(v) if isinstance(v, np.ndarray) else v for key, v in k.items()}
    return torch.nn.functional.ctc_loss(x.log_softmax(-1), **k)


def _ctc_cases(rng):
    def args(targets, in_len, tgt_len, **kw):
        return {"targets": np.array(targets), "input_lengths": np.array(in_len),
                "target_lengths": np.array(tgt_len), **kw}

    padded = args([[1, 2, 2], [3, 1, 0], [2, 0, 0]], [5, 4, 3], [3, 2, 1])
    return [
        Case((rng.standard_normal((5, 3, 4)),), padded),
        Case((rng.standard_normal((5, 3, 4)),), {**padded, "reduction": "sum"}),
        Case((rng.standard_normal((5, 3, 4)),), {**padded, "reduction": "none"}),
        Case((rng.standard_normal((5, 3, 4)),), {**args([1, 2, 2, 3, 1, 2], [5, 4, 3],
                                                        [3, 2, 1]), "blank": 0}),
        Case((rng.standard_normal((4, 2, 3)),), {**args([[0, 1], [1, 1]], [4, 3], [2, 0]),
                                                 "blank": 2, "reduction": "none"}),
        Case((rng.standard_normal((4, 1, 3)),), args([[1, 2]], [4], [2]), note="N = 1"),
        Case((rng.standard_normal((4, 3)),), {**args([2, 1], 4, 2), "reduction": "none"},
             note="unbatched"),
        Case((rng.standard_normal((3, 2, 3)),), {**args([[1, 1, 1], [2, 0, 0]], [3, 3],
                                                        [3, 1]), "zero_infinity": True,
                                                 "reduction": "none"},
             note="an impossible target, zeroed"),
    ]


spec("ctc_loss", _ours, _ctc_cases, _theirs)  # torch has no double backward for ctc_loss
WITHOUT_ZERO_D.update({"ctc_loss": "log_probs is (T, N, C) or (T, C): time and classes"})
