"""Fused recurrent layers: one op runs one layer of an RNN, LSTM or GRU in one direction over
a whole sequence, with a hand-written backward through time (``_recurrent_kernels.py``).

Composed from Tensor ops, a layer is a graph of about 15 nodes per step, and each step's
slice of a (T, B, .) tensor has a dense gradient of the whole tensor's shape. The fused op
is one node: its forward takes the input projection W_ih x of all steps as one matmul and
then loops over the steps in numpy (one h @ W_hh^T and the gate math per step); its
backward loops back over them and takes every weight's gradient as one matmul.

Arguments (all of one float dtype):

    x      (T, B, I), or (N, I) rows of a packed batch with ``batch_sizes`` (N = their sum)
    h0     (B, Hout)           c0 (B, H), LSTM only     B = batch_sizes[0] when packed
    w_ih   (G * H, I)          w_hh (G * H, Hout)        G = 1 (RNN), 4 (LSTM), 3 (GRU)
    b_ih, b_hh (G * H,) or None                          w_hr (Hout, H) or None (LSTM)
    reverse: run the steps from the last to the first

Hout is H, or proj_size for an LSTM with w_hr. With ``batch_sizes`` (sorted by length,
longest first) only the first batch_sizes[t] rows run at step t; the others keep their
state.

Layout of the one output (a Function has one): W = Hout + H for LSTM (each row holds
[h, c]), W = H otherwise.

    padded x (T, B, I) -> y (T + 1, B, W): y[t] step t's state, y[T] the final state
    packed x (N, I)    -> y (N + B, W):    y[:N] the steps' rows, y[N:] the final state

So a module takes out = y[:T, :, :Hout], h_n = y[T, :, :Hout] and c_n = y[T, :, Hout:]: a
few slices whatever T is. The final state is the state after the last step that ran (step
0 in reverse), and for a packed batch each sequence's own last step.

Double backward: under create_graph the backward rebuilds the layer from the saved inputs
as a per-step graph of Tensor ops and differentiates that graph (within the layer only),
so gradients of gradients are exact.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from . import _recurrent_graph as composed
from . import _recurrent_kernels as K

_GATES = {"rnn_layer": 1, "lstm_layer": 4, "gru_layer": 3}


# ------------------------------------------------------------------------------ layout
def _steps(x, batch_sizes, reverse):
    """[(first row, rows)] of every step in x's flat (N, I) layout, in the order they run."""
    if batch_sizes is None:
        steps, batch = x.shape[0], x.shape[1]
        out = [(t * batch, batch) for t in range(steps)]
    else:
        offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).tolist()
        out = list(zip(offsets, batch_sizes))
    return out[::-1] if reverse else out


def _flat(x):
    return x.reshape(-1, x.shape[-1])


def _shaped(y2, x, batch_sizes):
    """y2 (N + B, W) as the op's output: (T + 1, B, W) for a padded x."""
    return y2 if batch_sizes is not None else y2.reshape(x.shape[0] + 1, x.shape[1], -1)


def _double(ctx, grad, kind, count, **options):
    """Backward under create_graph: differentiate the layer rebuilt as a graph of Tensor ops
    from its ``count`` saved inputs; one gradient per forward argument."""
    def build(xs):
        return composed.layer(kind, *xs, steps=ctx.steps, batch_sizes=ctx.batch_sizes,
                              **options)

    grads = composed.grads_within(build, grad, ctx.saved_tensors[:count],
                                  ctx.needs_input_grad[:count])
    return (*grads, *[None] * (len(ctx.needs_input_grad) - count))


# ------------------------------------------------------------------------------ ops
class _Layer(Function):
    """Shared by the three ops: the arrays forward keeps for backward (gates, the states
    that entered each step) live in ``cache``, which is freed with the saved inputs."""

    __slots__ = ("cache", "steps", "batch_sizes")

    def release(self):
        super().release()
        self.cache = None


@register("rnn_layer")
class RNNLayer(_Layer):
    """h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu, for every step.

    d pre_t = (d h_t + d h_t from step t + 1) * act'(pre_t);  d h_{t-1} = d pre_t W_hh;
    dW_ih = sum_t d pre_t^T x_t (one matmul), dW_hh = sum_t d pre_t^T h_{t-1}.
    """

    __slots__ = ("relu",)

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, relu, reverse, batch_sizes):
        ctx.steps, ctx.batch_sizes, ctx.relu = _steps(x, batch_sizes, reverse), batch_sizes, relu
        y2, ctx.cache = K.rnn_forward(_flat(x), h0, w_ih, w_hh, b_ih, b_hh, ctx.steps, relu)
        y = _shaped(y2, x, batch_sizes)
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh, y)  # y holds the activations
        return y

    @staticmethod
    def backward(ctx, grad):
        if not isinstance(grad, np.ndarray):
            return _double(ctx, grad, "rnn", 6, relu=ctx.relu)
        x, h0, w_ih, w_hh, b_ih, b_hh, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx2, dh0, dw_ih, dw_hh, db_ih, db_hh = K.rnn_backward(
            _flat(grad), _flat(y), ctx.cache, _flat(x), w_ih, w_hh, ctx.steps, ctx.relu,
            (needs[0], needs[2], needs[3], needs[4], needs[5]))
        dx = None if dx2 is None else dx2.reshape(x.shape)
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh, None, None, None


@register("lstm_layer")
class LSTMLayer(_Layer):
    """Gates i, f, g, o = sigma, sigma, tanh, sigma of W_ih x_t + b_ih + W_hh h_{t-1} + b_hh;
    c_t = f c_{t-1} + i g;  h_t = o tanh(c_t), or W_hr (o tanh(c_t)) with a projection.

    Backward carries d h and d c back through the steps (d c_{t-1} = d c_t f), forms the
    gradient of the four pre-activations per step, and takes dW_ih, dW_hh, the biases and
    dW_hr each as one matmul or sum over all steps (see ``lstm_backward``).
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, batch_sizes):
        ctx.steps, ctx.batch_sizes = _steps(x, batch_sizes, reverse), batch_sizes
        with np.errstate(over="ignore"):  # exp(-a) = inf in the sigmoid: exactly 0
            y2, ctx.cache = K.lstm_forward(_flat(x), h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr,
                                           ctx.steps)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        return _shaped(y2, x, batch_sizes)

    @staticmethod
    def backward(ctx, grad):
        if not isinstance(grad, np.ndarray):
            return _double(ctx, grad, "lstm", 8)
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx2, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr = K.lstm_backward(
            _flat(grad), ctx.cache, _flat(x), w_ih, w_hh, w_hr, ctx.steps,
            (needs[0], needs[3], needs[4], needs[5], needs[6], needs[7]))
        dx = None if dx2 is None else dx2.reshape(x.shape)
        return dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr, None, None


@register("gru_layer")
class GRULayer(_Layer):
    """r, z = sigma(W_ir x + b_ir + W_hr h + b_hr), sigma(W_iz x + b_iz + W_hz h + b_hz);
    n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h_t = (1 - z) n + z h_{t-1}, per step.

    Backward as for the LSTM, except that the n gate's hidden-side gradient is scaled by r,
    so the input and hidden sides get separate (N, 3H) gradients (see ``gru_backward``).
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse, batch_sizes):
        ctx.steps, ctx.batch_sizes = _steps(x, batch_sizes, reverse), batch_sizes
        with np.errstate(over="ignore"):  # exp(-a) = inf in the sigmoid: exactly 0
            y2, ctx.cache = K.gru_forward(_flat(x), h0, w_ih, w_hh, b_ih, b_hh, ctx.steps)
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh)
        return _shaped(y2, x, batch_sizes)

    @staticmethod
    def backward(ctx, grad):
        if not isinstance(grad, np.ndarray):
            return _double(ctx, grad, "gru", 6)
        x, h0, w_ih, w_hh, b_ih, b_hh = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx2, dh0, dw_ih, dw_hh, db_ih, db_hh = K.gru_backward(
            _flat(grad), ctx.cache, _flat(x), w_ih, w_hh, ctx.steps,
            (needs[0], needs[2], needs[3], needs[4], needs[5]))
        dx = None if dx2 is None else dx2.reshape(x.shape)
        return dx, dh0, dw_ih, dw_hh, db_ih, db_hh, None, None


# ------------------------------------------------------------------------------ checks
def _sizes(batch_sizes, x, op):
    """batch_sizes as a tuple of ints, checked against x's rows; None for a padded x."""
    if batch_sizes is None:
        if x.ndim != 3:
            raise RuntimeError(f"{op}: input must be 3-D (T, B, I) without batch_sizes, got "
                               f"shape {tuple(x.shape)}")
        if x.shape[0] == 0:
            raise RuntimeError(f"{op}: the input sequence is empty (shape {tuple(x.shape)})")
        return None
    raw = batch_sizes._data if isinstance(batch_sizes, Tensor) else batch_sizes
    sizes = np.asarray(raw)
    if sizes.ndim != 1 or sizes.size == 0 or sizes.dtype.kind not in "iu":
        raise TypeError(f"{op}: batch_sizes must be a non-empty 1-D sequence of ints, got "
                        f"{raw!r}")
    sizes = tuple(int(n) for n in sizes)
    if x.ndim != 2:
        raise RuntimeError(f"{op}: with batch_sizes the input must be 2-D (N, I) packed rows, "
                           f"got shape {tuple(x.shape)}")
    if min(sizes) <= 0 or any(a < b for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"{op}: batch_sizes must be positive and non-increasing (sequences "
                         f"sorted by length, longest first), got {list(sizes)}")
    if sum(sizes) != x.shape[0]:
        raise RuntimeError(f"{op}: batch_sizes {list(sizes)} sum to {sum(sizes)}, but the "
                           f"input has {x.shape[0]} rows (shape {tuple(x.shape)})")
    return sizes


def _check(op, x, states, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes):
    """Shapes and dtypes of a layer's arguments; returns the batch sizes (None if padded)."""
    named = {"input": x, **states, "weight_ih": w_ih, "weight_hh": w_hh, "bias_ih": b_ih,
             "bias_hh": b_hh, "weight_hr": w_hr}
    named = {k: v for k, v in named.items() if v is not None}
    dtypes = {k: v.dtype for k, v in named.items()}
    if len(set(dtypes.values())) != 1 or x.dtype.kind != "f":
        raise RuntimeError(f"{op}: every tensor must have the input's float dtype, got "
                           + ", ".join(f"{k} {d}" for k, d in dtypes.items()))
    sizes = _sizes(batch_sizes, x, op)
    batch = x.shape[1] if sizes is None else sizes[0]
    h0 = states["h0"]
    hid = states["c0"].shape[-1] if "c0" in states else h0.shape[-1]
    hout = h0.shape[-1]
    gates = _GATES[op] * hid
    want = {"h0": (batch, hout), "c0": (batch, hid), "weight_ih": (gates, x.shape[-1]),
            "weight_hh": (gates, hout), "bias_ih": (gates,), "bias_hh": (gates,),
            "weight_hr": (hout, hid)}
    for k, v in named.items():
        if k in want and tuple(v.shape) != want[k]:
            raise RuntimeError(f"{op}: {k} must have shape {want[k]} (input "
                               f"{tuple(x.shape)}, hidden size {hid}), got {tuple(v.shape)}")
    if hout != hid and w_hr is None:
        raise RuntimeError(f"{op}: h0 has {hout} features but c0 has {hid}; a state smaller "
                           "than the cell needs weight_hr (proj_size)")
    return sizes


def _tensors(*xs):
    return [None if v is None else as_tensor(v) for v in xs]


def _flag(reverse, op):
    if not isinstance(reverse, (bool, numbers.Integral)):
        raise TypeError(f"{op}: reverse must be a bool, got {type(reverse).__name__}")
    return bool(reverse)


# ------------------------------------------------------------------------------ wrappers
def rnn_layer(input, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None,
              nonlinearity="tanh", reverse=False, batch_sizes=None):
    """One Elman RNN layer in one direction over the whole sequence (see the module
    docstring for the shapes and the output's layout: (T + 1, B, H) or (N + B, H))."""
    op = "rnn_layer"
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{op}: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                         "'relu'.")
    x, h, w_ih, w_hh, b_ih, b_hh = _tensors(input, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    sizes = _check(op, x, {"h0": h}, w_ih, w_hh, b_ih, b_hh, None, batch_sizes)
    return RNNLayer.apply(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity == "relu",
                          _flag(reverse, op), sizes)


def lstm_layer(input, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None,
               weight_hr=None, reverse=False, batch_sizes=None):
    """One LSTM layer in one direction over the whole sequence; each output row holds
    [h, c]: (T + 1, B, Hout + H), or (N + B, Hout + H) for packed rows."""
    op = "lstm_layer"
    x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr = _tensors(input, h0, c0, weight_ih, weight_hh,
                                                     bias_ih, bias_hh, weight_hr)
    sizes = _check(op, x, {"h0": h, "c0": c}, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes)
    return LSTMLayer.apply(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, _flag(reverse, op), sizes)


def gru_layer(input, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, reverse=False,
              batch_sizes=None):
    """One GRU layer in one direction over the whole sequence: (T + 1, B, H), or
    (N + B, H) for packed rows."""
    op = "gru_layer"
    x, h, w_ih, w_hh, b_ih, b_hh = _tensors(input, h0, weight_ih, weight_hh, bias_ih, bias_hh)
    sizes = _check(op, x, {"h0": h}, w_ih, w_hh, b_ih, b_hh, None, batch_sizes)
    return GRULayer.apply(x, h, w_ih, w_hh, b_ih, b_hh, _flag(reverse, op), sizes)


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {}
FUNCTIONAL = {}
