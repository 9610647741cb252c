"""Recurrent layers: RNN, LSTM and GRU over sequences, and their one-step cells, with torch's
arguments, parameter names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``),
gate order, initialization and repr.

Gates (torch's order in the stacked weights):

    RNN:   h' = act(W_ih x + b_ih + W_hh h + b_hh),  act = tanh or relu
    LSTM:  i, f, g, o = sigma, sigma, tanh, sigma of (W_ih x + b_ih + W_hh h + b_hh)
           c' = f * c + i * g,   h' = o * tanh(c')   (then h' = W_hr h' with proj_size)
    GRU:   r, z = sigma(W_ir x + b_ir + W_hr h + b_hr), sigma(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

Every weight and bias starts as U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

Each layer runs in each direction as ONE fused op (``lstm_layer``, ``gru_layer``,
``rnn_layer`` in autograd/ops/recurrent.py): the input projection W_ih x of all steps is one
matmul, the steps loop in numpy, and backprop through time is a hand-written numpy loop
whose weight gradients are one matmul each over all steps (gradient-checked against
torch in the op registry). The op's output y holds every step's state and then the final
state, (T + 1, B, W) or (N + B, W) for a packed batch (W = proj_size or hidden_size, plus
hidden_size for the LSTM's cell state), so the layer's output, h_n and c_n are three slices
of it, not T. A PackedSequence runs through the same ops: at step t only the first
batch_sizes[t] rows (sequences sorted by length) advance. Dropout between layers applies to
a layer's whole output. Under create_graph the ops rebuild the steps as a graph of Tensor
ops, so double backward works too. The cells (RNNCell, LSTMCell, GRUCell) are one step
composed from Tensor ops.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import functional as F
from ..autograd.ops.gather import index_select
from ..autograd.ops.recurrent import gru_layer, lstm_layer, rnn_layer
from ..autograd.ops.shaping import cat, stack
from ..autograd.tensor import Tensor
from . import init
from .module import Module, Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ------------------------------------------------------------------------------ one step
def _rnn_step(x_proj, h, w_hh, b_hh, relu):
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_step(x_proj, h, c, w_hh, b_hh, w_hr):
    """One LSTM step from x_proj = W_ih x + b_ih: returns (h', c')."""
    n = c.shape[-1]
    gates = x_proj + F.linear(h, w_hh, b_hh)
    sig = gates.sigmoid()  # i, f and o (the g quarter is unused)
    i, f, o = sig[..., :n], sig[..., n:2 * n], sig[..., 3 * n:]
    g = gates[..., 2 * n:3 * n].tanh()
    c = f * c + i * g
    h = o * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(x_proj, h, w_hh, b_hh):
    """One GRU step from x_proj = W_ih x + b_ih (torch's n gate: r scales W_hn h + b_hn)."""
    n = h.shape[-1]
    h_proj = F.linear(h, w_hh, b_hh)
    rz = (x_proj[..., :2 * n] + h_proj[..., :2 * n]).sigmoid()
    r, z = rz[..., :n], rz[..., n:]
    new = (x_proj[..., 2 * n:] + r * h_proj[..., 2 * n:]).tanh()
    return new + z * (h - new)


def _check_input(module, input, batched_ndim, feature):
    if not isinstance(input, Tensor):
        raise TypeError(f"{type(module).__name__}: input must be a Tensor, got "
                        f"{type(input).__name__}")
    if input.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{type(module).__name__}: Expected input to be {batched_ndim - 1}D or "
                         f"{batched_ndim}D, got {input.ndim}D instead (shape "
                         f"{tuple(input.shape)})")
    if input.shape[-1] != feature:
        raise RuntimeError(f"{type(module).__name__}: input.size(-1) must be equal to "
                           f"input_size. Expected {feature}, got {input.shape[-1]} (input shape "
                           f"{tuple(input.shape)})")


def _same_dtype(*xs):
    """The tensors (None passes) in their common float dtype: a float64 input with float32
    weights runs in float64, as the composed steps did through F.linear's promotion."""
    dtypes = {t._data.dtype for t in xs if t is not None}
    if len(dtypes) == 1:
        return xs
    common = np.result_type(*dtypes)
    return [t if t is None or t._data.dtype == common else t.to(common) for t in xs]


def _zeros(shape, like):
    return Tensor(np.zeros(shape, dtype=like.dtype))


# ------------------------------------------------------------------------------ layers
class RNNBase(Module):
    """Shared constructor, parameters, init, repr and forward of RNN, LSTM and GRU.

    Parameters per layer k and direction (suffix '' or '_reverse'): weight_ih_l{k}
    (gates * hidden, input_size or D * out_size), weight_hh_l{k} (gates * hidden, out_size),
    bias_ih_l{k} and bias_hh_l{k} (gates * hidden), and with proj_size weight_hr_l{k}
    (proj_size, hidden), where out_size = proj_size or hidden_size and D = 2 if
    bidirectional. Registered in torch's order, so state_dict keys match torch's.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r}; expected one of "
                             f"{sorted(_GATES)}")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for what, v in (("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool):
                raise TypeError(f"{name}: {what} should be of type int, got: "
                                f"{type(v).__name__}")
            if v <= 0:
                raise ValueError(f"{name}: {what} must be greater than zero, got {v}")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to "
                             f"disable projections, got {proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size ({proj_size}) has to be smaller than "
                             f"hidden_size ({hidden_size})")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not "
                             f"{mode}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, \
            proj_size
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for base, shape in shapes:
                    setattr(self, base + sfx, Parameter(init._empty(shape, device, dtype)))
                    self._flat_weights_names.append(base + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    @property
    def all_weights(self):
        """The parameters per layer and direction, as torch's ``all_weights``."""
        per = len(self._flat_weights_names) // (self.num_layers * self._directions)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[k:k + per]] for k in range(0, len(names), per)]

    def flatten_parameters(self):
        """A no-op, as torch's on the CPU (there is no cuDNN weight buffer to compact)."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -------------------------------------------------------------- forward
    def _weights(self, layer, direction):
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        get = self.__dict__.get
        return (get("weight_ih" + sfx), get("weight_hh" + sfx), get("bias_ih" + sfx),
                get("bias_hh" + sfx), get("weight_hr" + sfx))

    def _check_hidden(self, h, expected, what):
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {expected}, got "
                               f"{list(h.shape)}")

    def _run(self, x, h0, c0, sizes=None):
        """Run every layer over the whole sequence ``x`` ((T, B, features), or packed (N,
        features) rows with ``sizes``); returns the last layer's output and the final (h, c)
        of every layer and direction."""
        is_lstm = self.mode == "LSTM"
        hn, cn = [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, True)
            outs = []
            for direction in range(self._directions):
                k = layer * self._directions + direction
                out, h, c = self._layer(x, self._weights(layer, direction), h0[k],
                                        c0[k] if is_lstm else None, direction == 1, sizes)
                outs.append(out)
                hn.append(h)
                cn.append(c)
            x = outs[0] if len(outs) == 1 else cat(outs, -1)
        return x, hn, cn

    def _layer(self, x, weights, h0, c0, reverse, sizes):
        """One layer in one direction: one fused op (autograd/ops/recurrent.py) over all
        steps, whose output y holds every step's state and then the final state; the
        output, h_n and c_n are slices of it."""
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = _same_dtype(x, h0, c0, *weights)
        if self.mode == "LSTM":
            y = lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, sizes)
        elif self.mode == "GRU":
            y = gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, sizes)
        else:
            act = "relu" if self.mode == "RNN_RELU" else "tanh"
            y = rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, act, reverse, sizes)
        rows = x.shape[0]  # T steps, or N packed rows
        last = rows if sizes is None else slice(rows, None)
        if self.mode != "LSTM":
            return y[:rows], y[last], None
        hout = h0.shape[-1]
        return y[:rows, ..., :hout], y[last, ..., :hout], y[last, ..., hout:]

    def _initial_states(self, hx, batched, batch, like, ndim):
        """(h_0, c_0) of shape (D * num_layers, batch, size), zeros when hx is None."""
        name, is_lstm = type(self).__name__, self.mode == "LSTM"
        layers = self.num_layers * self._directions
        h_shape = (layers, batch, self.proj_size or self.hidden_size)
        c_shape = (layers, batch, self.hidden_size)
        if hx is None:
            return _zeros(h_shape, like), (_zeros(c_shape, like) if is_lstm else None)
        if is_lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            h0, c0 = hx
        else:
            if not isinstance(hx, Tensor):
                raise TypeError(f"{name}: hx must be a Tensor, got {type(hx).__name__}")
            h0, c0 = hx, None
        for h in (h0, c0):
            if h is not None and h.ndim != (3 if batched else 2):
                raise RuntimeError(f"{name}: For {'batched' if batched else 'unbatched'} "
                                   f"{ndim}-D input, hx should also be {3 if batched else 2}-D "
                                   f"but got {h.ndim}-D tensor")
        if not batched:
            h0 = h0.unsqueeze(1)
            c0 = c0.unsqueeze(1) if is_lstm else None
        self._check_hidden(h0, h_shape, "hidden")
        if is_lstm:
            self._check_hidden(c0, c_shape, "cell")
        return h0, c0

    def _forward_packed(self, packed, hx):
        from .utils.rnn import PackedSequence, _ints

        name, is_lstm = type(self).__name__, self.mode == "LSTM"
        data = packed.data
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: a PackedSequence's data must have shape (N, "
                               f"{self.input_size}), got {tuple(data.shape)}")
        sizes = _ints(packed.batch_sizes).tolist()
        h0, c0 = self._initial_states(hx, True, sizes[0], data, 2)
        if hx is not None and packed.sorted_indices is not None:
            h0 = index_select(h0, 1, packed.sorted_indices)  # to the length-sorted order
            c0 = index_select(c0, 1, packed.sorted_indices) if is_lstm else None
        out, hn, cn = self._run(data, h0.unbind(0), c0.unbind(0) if is_lstm else None,
                                tuple(sizes))
        h_n = stack(hn, 0)
        c_n = stack(cn, 0) if is_lstm else None
        if packed.unsorted_indices is not None:
            h_n = index_select(h_n, 1, packed.unsorted_indices)
            c_n = index_select(c_n, 1, packed.unsorted_indices) if is_lstm else None
        out = PackedSequence(out, packed.batch_sizes, packed.sorted_indices,
                             packed.unsorted_indices)
        return (out, (h_n, c_n)) if is_lstm else (out, h_n)

    def forward(self, input, hx=None):
        """input (L, N, H_in), (N, L, H_in) with batch_first, (L, H_in) unbatched, or a
        PackedSequence; hx as the class says (zeros when None)."""
        from .utils.rnn import PackedSequence

        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        is_lstm = self.mode == "LSTM"
        _check_input(self, input, 3, self.input_size)
        batched = input.ndim == 3
        x = input
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise RuntimeError(f"{type(self).__name__}: the input sequence is empty (shape "
                               f"{tuple(input.shape)})")
        h0, c0 = self._initial_states(hx, batched, x.shape[1], x, input.ndim)
        out, hn, cn = self._run(x, h0.unbind(0), c0.unbind(0) if is_lstm else None)
        h_n = stack(hn, 0)
        c_n = stack(cn, 0) if is_lstm else None
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return (out, (h_n, c_n)) if is_lstm else (out, h_n)


def _no_proj(name, kwargs):
    if "proj_size" in kwargs:
        raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or "
                         "GRU")
    if kwargs:
        raise TypeError(f"{name}.__init__() got an unexpected keyword argument "
                        f"'{next(iter(kwargs))}'")


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    Input (L, N, input_size), (N, L, input_size) with batch_first, or unbatched (L,
    input_size); h_0 (D * num_layers, N, hidden_size), zeros when not given. Returns
    (output, h_n).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None, **kwargs):
        _no_proj("RNN", kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o as torch stacks them in weight_ih_l0).

    Input as RNN; hx = (h_0, c_0), h_0 (D * num_layers, N, proj_size or hidden_size) and
    c_0 (D * num_layers, N, hidden_size), zeros when not given. Returns
    (output, (h_n, c_n)).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n as torch stacks them; torch's n gate applies r to
    W_hn h + b_hn). Input and h_0 as RNN. Returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        _no_proj("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)


# ------------------------------------------------------------------------------ cells
class RNNCellBase(Module):
    """weight_ih (gates * hidden, input_size), weight_hh (gates * hidden, hidden_size),
    bias_ih and bias_hh (gates * hidden), all U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, num_chunks=None, device=None,
                 dtype=None):
        """``num_chunks`` is torch's name for the number of gates stacked in the weights
        (1, 4 and 3 in RNNCell, LSTMCell and GRUCell, which pass it themselves)."""
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        if num_chunks is not None:
            self._gates = int(num_chunks)
        g = self._gates * hidden_size
        self.weight_ih = Parameter(init._empty((g, input_size), device, dtype))
        self.weight_hh = Parameter(init._empty((g, hidden_size), device, dtype))
        if bias:
            self.bias_ih = Parameter(init._empty((g,), device, dtype))
            self.bias_hh = Parameter(init._empty((g,), device, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = self.__dict__.get("nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prepare(self, input, hx, what="hx"):
        """Input made 2-D, and the state (zeros when None), checked and made 2-D."""
        name = type(self).__name__
        _check_input(self, input, 2, self.input_size)
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            return x, None, batched
        if hx.ndim != input.ndim:
            raise RuntimeError(f"{name}: Expected {what} to be {input.ndim}-D, matching the "
                               f"{input.ndim}-D input, but got {hx.ndim}-D (shape "
                               f"{tuple(hx.shape)})")
        h = hx if batched else hx.unsqueeze(0)
        if tuple(h.shape) != (x.shape[0], self.hidden_size):
            raise RuntimeError(f"{name}: Expected {what} of shape "
                               f"{(x.shape[0], self.hidden_size)}, got {tuple(h.shape)}")
        return x, h, batched


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu; h zeros when None.
    Input (N, input_size) or (input_size,)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}. Select from "
                             "'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, h, batched = self._prepare(input, hx)
        if h is None:
            h = _zeros((x.shape[0], self.hidden_size), x)
        out = _rnn_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                        self.bias_hh, self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from x and hx = (h, c) (zeros when None)."""

    _gates = 4

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
        x, h, batched = self._prepare(input, None if hx is None else hx[0], "hx[0]")
        _, c, _ = self._prepare(input, None if hx is None else hx[1], "hx[1]")
        if h is None:
            h = _zeros((x.shape[0], self.hidden_size), x)
            c = _zeros((x.shape[0], self.hidden_size), x)
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh,
                          self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' from x and h (zeros when None)."""

    _gates = 3

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, h, batched = self._prepare(input, hx)
        if h is None:
            h = _zeros((x.shape[0], self.hidden_size), x)
        out = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                        self.bias_hh)
        return out if batched else out.squeeze(0)
