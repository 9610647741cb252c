"""Dropout: zero elements at random while training, with glassgrad's seeded generator."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class Dropout(Module):
    """Training: out = input * mask / (1 - p), mask ~ Bernoulli(1 - p) per element, drawn
    from the default generator (so ``gg.manual_seed`` repeats it; as in torch there is no
    ``generator=``). Eval: out = input. ``inplace`` is passed on to ``F.dropout``."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
