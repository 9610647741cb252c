"""Specs for the fused recurrent layers: rnn_layer, lstm_layer and gru_layer (one layer, one
direction, the whole sequence; see glassgrad/autograd/ops/recurrent.py for the layout).

Cases cover both directions, no biases, an LSTM projection (proj_size), a single step, a
batch of one and packed batches (rows sorted by length, ``batch_sizes``), each also in
reverse. The reference steps torch's own kernels: torch._VF's RNN and GRU cells, and for
the LSTM (whose cell has no projection) torch._VF.lstm over one step at a time, so the cell
state of every step can be laid out as the fused op lays it out.
"""

from __future__ import annotations

import warnings

import numpy as np

from glassgrad.autograd.ops.recurrent import gru_layer, lstm_layer, rnn_layer

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

for _n in ("rnn_layer", "lstm_layer", "gru_layer"):
    WITHOUT_ZERO_D[_n] = ("takes a (T, B, I) or packed (N, I) input, (B, H) states and "
                          "2-D weights")
    WITHOUT_BROADCAST[_n] = ("input, states, weights and biases have fixed, distinct roles: "
                             "nothing broadcasts")

PACKED = (3, 2, 2, 1)  # batch_sizes of sequences of lengths 4, 3 and 1


def _args(rng, gates, x_shape, batch, hid, hout=None, bias=True, lstm=False):
    """x, h0 (, c0), w_ih, w_hh, b_ih, b_hh (, w_hr) for one case, weights of scale 0.5."""
    r = rng.standard_normal
    hout = hout or hid
    w = [0.5 * r((gates * hid, x_shape[-1])), 0.5 * r((gates * hid, hout))]
    b = [0.5 * r(gates * hid), 0.5 * r(gates * hid)] if bias else [None, None]
    states = [r((batch, hout))] + ([r((batch, hid))] if lstm else [])
    extra = [0.5 * r((hout, hid)) if hout != hid else None] if lstm else []
    return (r(x_shape), *states, *w, *b, *extra)


def _cases(gates, lstm=False):
    def cases(rng):
        a = lambda *s, **k: _args(rng, gates, *s, lstm=lstm, **k)  # noqa: E731
        out = [
            Case(a((3, 2, 3), 2, 4)),
            Case(a((3, 2, 3), 2, 4), {"reverse": True}),
            Case(a((4, 3, 2), 3, 3, bias=False)),
            Case(a((1, 1, 2), 1, 3)),                                     # T = 1, B = 1
            Case(a((8, 2), 3, 3), {"batch_sizes": PACKED}),                # packed
            Case(a((8, 2), 3, 3, bias=False), {"batch_sizes": PACKED, "reverse": True}),
        ]
        if lstm:
            out += [Case(a((3, 2, 3), 2, 4, hout=2)),                      # proj_size 2
                    Case(a((8, 2), 3, 4, hout=3), {"batch_sizes": PACKED, "reverse": True})]
        return out

    return cases


def _torch_layer(t, kind, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse=False,
                 batch_sizes=None, relu=False):
    """torch's kernels stepped over the rows of x, laid out as the fused op's output."""
    x2 = x.reshape(-1, x.shape[-1])
    sizes = list(batch_sizes) if batch_sizes is not None else [x.shape[1]] * x.shape[0]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
    order = range(len(sizes) - 1, -1, -1) if reverse else range(len(sizes))
    h, c, rows = h0, c0, {}
    for k in order:
        lo, n = starts[k], sizes[k]
        xt = x2[lo:lo + n]
        if kind == "lstm":
            params = [w_ih, w_hh] + ([b_ih, b_hh] if b_ih is not None else [])
            params += [w_hr] if w_hr is not None else []
            with warnings.catch_warnings():  # "projections not supported with oneDNN"
                warnings.simplefilter("ignore", UserWarning)
                _, hn, cn = t._VF.lstm(xt[None], (h[None, :n], c[None, :n]), params,
                                       b_ih is not None, 1, 0.0, False, False, False)
            h_new, c_new = hn[0], cn[0]
            rows[lo] = t.cat([h_new, c_new], -1)
            c = t.cat([c_new, c[n:]], 0)
        else:
            cell = {"gru": t._VF.gru_cell, "rnn": t._VF.rnn_relu_cell if relu else
                    t._VF.rnn_tanh_cell}[kind]
            h_new = rows[lo] = cell(xt, h[:n], w_ih, w_hh, b_ih, b_hh)
        h = t.cat([h_new, h[n:]], 0)
    final = t.cat([h, c], -1) if kind == "lstm" else h
    y = t.cat([rows[lo] for lo in sorted(rows)] + [final], 0)
    return y if batch_sizes is not None else y.reshape(x.shape[0] + 1, x.shape[1], -1)


def _rnn_cases(rng):
    tanh = _cases(1)(rng)
    relu = [Case(c.inputs, {**c.kwargs, "nonlinearity": "relu"}) for c in _cases(1)(rng)]
    return tanh + relu


spec("rnn_layer", lambda x, h, wi, wh, bi, bh, **k: rnn_layer(x, h, wi, wh, bi, bh, **k),
     _rnn_cases,
     lambda t, x, h, wi, wh, bi, bh, nonlinearity="tanh", **k: _torch_layer(
         t, "rnn", x, h, None, wi, wh, bi, bh, None, relu=nonlinearity == "relu", **k),
     gradgrad=True)
spec("lstm_layer", lambda x, h, c, wi, wh, bi, bh, wr, **k: lstm_layer(x, h, c, wi, wh, bi, bh,
                                                                       wr, **k),
     _cases(4, lstm=True),
     lambda t, x, h, c, wi, wh, bi, bh, wr, **k: _torch_layer(t, "lstm", x, h, c, wi, wh, bi,
                                                              bh, wr, **k),
     gradgrad=True)
spec("gru_layer", lambda x, h, wi, wh, bi, bh, **k: gru_layer(x, h, wi, wh, bi, bh, **k),
     _cases(3),
     lambda t, x, h, wi, wh, bi, bh, **k: _torch_layer(t, "gru", x, h, None, wi, wh, bi, bh,
                                                       None, **k),
     gradgrad=True)
