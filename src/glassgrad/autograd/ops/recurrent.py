"""Fused recurrent layers: one op runs a whole RNN, LSTM or GRU layer over a sequence, with a
hand-written backward through time (placeholder: being written)."""

from __future__ import annotations

TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
