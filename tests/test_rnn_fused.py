"""The fused recurrent ops (lstm_layer, gru_layer, rnn_layer) behind nn.RNN, nn.LSTM and
nn.GRU: against the per-step composed graph they replace and against torch in float64
(outputs, h_n, c_n and every gradient), packed sequences, bidirectional stacks, double
backward, in-place changes to saved inputs, and a graph whose size does not grow with T."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.utils.rnn as R
from glassgrad import functional as F
from glassgrad.autograd import toposort
from glassgrad.autograd.ops.recurrent import gru_layer, lstm_layer, rnn_layer
from glassgrad.nn import rnn

torch = pytest.importorskip("torch")

RTOL = 1e-10


def _close(a, b, what, rtol=RTOL):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=what)


def _pair(name, *args, **kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(rnn, name)(*args, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _composed(m, x, h0, c0):
    """The per-step graph nn.LSTM/GRU/RNN used to build (one layer, one direction): the
    cells' step functions, with F.linear for the input side of each step."""
    w = m._weights(0, 0)
    h, c, outs = h0, c0, []
    for t in range(x.shape[0]):
        xp = F.linear(x[t], w[0], w[2])
        if m.mode == "LSTM":
            h, c = rnn._lstm_step(xp, h, c, w[1], w[3], w[4])
        elif m.mode == "GRU":
            h = rnn._gru_step(xp, h, w[1], w[3])
        else:
            h = rnn._rnn_step(xp, h, w[1], w[3], m.mode == "RNN_RELU")
        outs.append(h)
    return [gg.stack(outs, 0), h[None]] + ([c[None]] if c is not None else [])


def _leaves(arrays):
    return [gg.tensor(a, requires_grad=True) for a in arrays]


SINGLE = [("LSTM", {}), ("LSTM", {"proj_size": 3}), ("LSTM", {"bias": False}),
          ("GRU", {}), ("GRU", {"bias": False}), ("RNN", {}),
          ("RNN", {"nonlinearity": "relu"})]


@pytest.mark.parametrize("name,kw", SINGLE, ids=[f"{n}-{k}" for n, k in SINGLE])
def test_fused_equals_the_composed_steps_and_torch(name, kw):
    ours, theirs = _pair(name, 4, 5, **kw)
    rng = np.random.default_rng(0)
    hout = kw.get("proj_size") or 5
    x, h0, c0 = rng.standard_normal((7, 3, 4)), rng.standard_normal((1, 3, hout)), \
        rng.standard_normal((1, 3, 5))
    lstm = name == "LSTM"
    results = []
    for run in ("fused", "composed", "torch"):
        if run == "torch":
            xs = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
            out = theirs(xs[0], (xs[1], xs[2]) if lstm else xs[1])
            params = [p for _, p in theirs.named_parameters()]
        else:
            xs = _leaves((x, h0, c0))
            ours.zero_grad()
            if run == "fused":
                out = ours(xs[0], (xs[1], xs[2]) if lstm else xs[1])
            else:
                out = _composed(ours, xs[0], xs[1][0], xs[2][0] if lstm else None)
            params = [p for _, p in ours.named_parameters()]
        flat = [out[0], *out[1]] if run != "composed" and lstm else \
            [out[0], out[1]] if run != "composed" else out
        w = np.random.default_rng(1)
        loss = sum((t * type(t)(w.standard_normal(tuple(t.shape)))).sum()
                   if run != "torch" else
                   (t * torch.tensor(w.standard_normal(tuple(t.shape)))).sum() for t in flat)
        loss.backward()
        grads = [t.grad for t in xs[:3 if lstm else 2]] + [p.grad for p in params]
        results.append((flat, grads))
    for other, what in ((results[1], "composed"), (results[2], "torch")):
        for k, (a, b) in enumerate(zip(results[0][0], other[0])):
            _close(a, b, f"{name} output {k} vs {what}")
        for k, (a, b) in enumerate(zip(results[0][1], other[1])):
            _close(a, b, f"{name} gradient {k} vs {what}")


def _compare_with_torch(ours, theirs, x, hx=None, lengths=None, double=False):
    """Forward, first (and with ``double`` second) derivatives of both modules; lengths makes
    the input a packed batch (enforce_sorted=False)."""
    outs = []
    for lib, mod in ((gg, ours), (torch, theirs)):
        rng = np.random.default_rng(5)  # the same second-derivative weights for both
        xt = lib.tensor(x, requires_grad=True)
        ht = None if hx is None else tuple(lib.tensor(h, requires_grad=True) for h in hx)
        inp = xt
        if lengths is not None:
            pack = R.pack_padded_sequence if lib is gg else torch.nn.utils.rnn.pack_padded_sequence
            inp = pack(xt, lengths if lib is gg else torch.tensor(lengths),
                       enforce_sorted=False)
        state = None if ht is None else (ht if len(ht) == 2 else ht[0])
        out, hn = mod(inp, state)
        flat = [out.data if lengths is not None else out] + (list(hn) if isinstance(
            hn, tuple) else [hn])
        ws = [lib.tensor(np.random.default_rng(k).standard_normal(tuple(t.shape)))
              for k, t in enumerate(flat)]
        loss = sum((t * w).sum() for t, w in zip(flat, ws))
        params = [p for _, p in mod.named_parameters()]
        wrt = [xt, *(ht or ())] + params
        if double:
            grads = (gg.autograd.grad if lib is gg else torch.autograd.grad)(
                loss, wrt, create_graph=True)
            second = sum((g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum()
                         for g in grads)
            loss = second
        loss.backward()
        outs.append((flat, [t.grad for t in wrt]))
    (fo, fg), (to, tg) = outs
    for k, (a, b) in enumerate(zip(fo, to)):
        _close(a, b, f"output {k}")
    for k, (a, b) in enumerate(zip(fg, tg)):
        _close(a, b, f"{'second' if double else 'first'} derivative {k}", rtol=1e-9)


@pytest.mark.parametrize("name,kw", [
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "bias": False}),
    ("RNN", {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"}),
])
@pytest.mark.parametrize("packed", [False, True])
def test_bidirectional_stacks_match_torch(name, kw, packed):
    ours, theirs = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(2)
    d = kw["num_layers"] * 2
    hx = (rng.standard_normal((d, 4, kw.get("proj_size") or 4)),)
    if name == "LSTM":
        hx += (rng.standard_normal((d, 4, 4)),)
    _compare_with_torch(ours, theirs, rng.standard_normal((6, 4, 3)), hx,
                        lengths=[3, 6, 1, 4] if packed else None)


@pytest.mark.parametrize("name,kw", [
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"proj_size": 2}),
    ("GRU", {"bidirectional": True}),
    ("RNN", {"num_layers": 2}),
])
@pytest.mark.parametrize("packed", [False, True])
def test_double_backward_matches_torch(name, kw, packed):
    ours, theirs = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(3)
    d = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hx = (rng.standard_normal((d, 3, kw.get("proj_size") or 4)),)
    if name == "LSTM":
        hx += (rng.standard_normal((d, 3, 4)),)
    _compare_with_torch(ours, theirs, rng.standard_normal((4, 3, 3)), hx,
                        lengths=[4, 2, 3] if packed else None, double=True)


def test_double_backward_stays_within_the_layer():
    """Under create_graph each op differentiates its own rebuilt steps only: the graph above
    its inputs is walked once, by the outer backward, not again by every layer's op (which
    would also be exponential in the number of layers)."""
    calls = []

    class Counted(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad

    gg.manual_seed(0)
    m = rnn.LSTM(2, 3, num_layers=3).double()
    leaf = gg.tensor(np.random.default_rng(4).standard_normal((3, 2, 2)), requires_grad=True)
    out, _ = m(Counted.apply(leaf))
    (g,) = gg.autograd.grad((out * out).sum(), [leaf], create_graph=True)
    assert len(calls) == 1
    (g * g).sum().backward()
    assert m.weight_hh_l0.grad is not None and np.isfinite(m.weight_hh_l0.grad.numpy()).all()


def test_state_passed_as_both_h0_and_c0_gets_both_gradients():
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((3, 2, 2)), rng.standard_normal((2, 3))] + \
        [0.5 * rng.standard_normal(s) for s in ((12, 2), (12, 3))]
    ours, theirs = _leaves(arrays), [torch.tensor(a, requires_grad=True) for a in arrays]
    x, s, wi, wh = ours
    y = lstm_layer(x, s, s, wi, wh)
    (g,) = gg.autograd.grad((y ** 2).sum(), [s], create_graph=True)
    (g * g).sum().backward()
    tx, ts, twi, twh = theirs
    hs, h, c = [], ts, ts
    for t in range(3):
        h, c = torch._VF.lstm_cell(tx[t], (h, c), twi, twh, None, None)
        hs.append(torch.cat([h, c], -1))
    ty = torch.cat([torch.stack(hs, 0), torch.cat([h, c], -1)[None]], 0)
    _close(y, ty, "output")
    (tg,) = torch.autograd.grad((ty ** 2).sum(), [ts], create_graph=True)
    (tg * tg).sum().backward()
    _close(g, tg, "gradient of the shared state")
    for a, b in zip(ours, theirs):
        _close(a.grad, b.grad, "second derivative")


# ------------------------------------------------------------------------------ the op
def _lstm_args(rng, steps=4, batch=2, dtype=np.float64):
    shapes = ((steps, batch, 3), (batch, 4), (batch, 4), (16, 3), (16, 4), (16,), (16,))
    return [gg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in shapes]


def test_an_in_place_change_to_a_saved_input_raises():
    rng = np.random.default_rng(7)
    args = _lstm_args(rng)
    w_hh = args[4] * 1.0  # a non-leaf, which may be changed in place
    y = lstm_layer(args[0], args[1], args[2], args[3], w_hh, args[5], args[6])
    w_hh.mul_(2.0)
    with pytest.raises(RuntimeError, match="lstm_layer: one of the tensors needed .* "
                                           "modified by an in-place operation"):
        y.sum().backward()
    x = args[0] * 1.0
    h = gg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    y = gru_layer(x, h, gg.tensor(rng.standard_normal((12, 3)), requires_grad=True),
                  gg.tensor(rng.standard_normal((12, 4)), requires_grad=True))
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="gru_layer: .* modified by an in-place"):
        y.sum().backward()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_float32_is_close_to_float64(dtype):
    rng = np.random.default_rng(8)
    args = _lstm_args(rng, dtype=dtype)
    y = lstm_layer(*args, reverse=True)
    y.sum().backward()
    assert y.dtype == dtype and all(a.grad.dtype == dtype for a in args)
    ref = _lstm_args(np.random.default_rng(8))
    y64 = lstm_layer(*ref, reverse=True)
    y64.sum().backward()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), y64.detach().numpy(), rtol=tol, atol=tol)
    for a, b in zip(args, ref):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=10 * tol,
                                   atol=10 * tol)


def test_module_graph_does_not_grow_with_the_sequence():
    """One op per layer and direction, and a few slices: the same number of graph nodes
    for 3 steps as for 60."""
    m = rnn.LSTM(3, 4, num_layers=2, bidirectional=True)
    sizes = []
    for steps in (3, 60):
        out, (h, c) = m(gg.randn(steps, 2, 3, requires_grad=True))
        sizes.append(len(toposort(out.sum() + h.sum() + c.sum())))
    assert sizes[0] == sizes[1], sizes


def test_backward_frees_what_forward_kept():
    args = _lstm_args(np.random.default_rng(12))
    y = lstm_layer(*args)
    assert y.grad_fn.cache is not None
    y.sum().backward()
    assert y.grad_fn.cache is None and y.grad_fn.saved is None
    with pytest.raises(RuntimeError, match="lstm_layer: trying to backward through the graph "
                                           "a second time"):
        y.sum().backward()


def test_packed_output_layout():
    """A packed batch's output holds the steps' rows, then each sequence's final state, which
    is the row of its own last step (forward) or of step 0 (reverse)."""
    rng = np.random.default_rng(9)
    sizes = (3, 2, 1)
    x = gg.tensor(rng.standard_normal((6, 2)))
    h0 = gg.tensor(rng.standard_normal((3, 4)))
    w = [gg.tensor(rng.standard_normal(s)) for s in ((4, 2), (4, 4))]
    y = rnn_layer(x, h0, *w, batch_sizes=sizes).numpy()
    assert y.shape == (9, 4)
    # step rows: t=0 rows 0-2, t=1 rows 3-4, t=2 row 5; lengths 3, 2, 1
    np.testing.assert_array_equal(y[6:], y[[5, 4, 2]])
    yr = rnn_layer(x, h0, *w, reverse=True, batch_sizes=sizes).numpy()
    np.testing.assert_array_equal(yr[6:], yr[:3])


def test_bad_arguments_name_the_op_and_the_shapes():
    rng = np.random.default_rng(10)
    x, h, c, wi, wh, bi, bh = _lstm_args(rng)
    with pytest.raises(RuntimeError, match=r"lstm_layer: weight_hh must have shape \(16, 4\)"):
        lstm_layer(x, h, c, wi, wi, bi, bh)
    with pytest.raises(RuntimeError, match="lstm_layer: every tensor must have the input's"):
        lstm_layer(x.float(), h, c, wi, wh, bi, bh)
    with pytest.raises(ValueError, match=r"non-increasing .* got \[1, 2\]"):
        gru_layer(gg.randn(3, 2), gg.randn(2, 4), gg.randn(12, 2), gg.randn(12, 4),
                  batch_sizes=(1, 2))
    with pytest.raises(RuntimeError, match=r"batch_sizes \[2, 2\] sum to 4, but the input "
                                           r"has 3 rows"):
        gru_layer(gg.randn(3, 2), gg.randn(2, 4), gg.randn(12, 2), gg.randn(12, 4),
                  batch_sizes=(2, 2))
    with pytest.raises(ValueError, match="rnn_layer: Unknown nonlinearity 'gelu'"):
        rnn_layer(gg.randn(3, 1, 2), gg.randn(1, 4), gg.randn(4, 2), gg.randn(4, 4),
                  nonlinearity="gelu")
    with pytest.raises(RuntimeError, match=r"rnn_layer: input must be 3-D"):
        rnn_layer(gg.randn(3, 2), gg.randn(1, 4), gg.randn(4, 2), gg.randn(4, 4))


def test_float64_input_with_float32_weights_runs_in_float64_as_before():
    m = rnn.GRU(3, 4)
    out, h = m(gg.tensor(np.random.default_rng(11).standard_normal((5, 2, 3))))
    assert out.dtype == gg.float64 and h.dtype == gg.float64
