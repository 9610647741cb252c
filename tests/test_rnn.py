"""Recurrent layers (nn.RNN, nn.LSTM, nn.GRU and their cells) and nn.utils.rnn against torch
in float64: torch's weights loaded into ours, then outputs, final states, the input's, the
initial states' and every parameter's gradient compared; parameter names, init, repr,
errors, packed sequences, and a character-level LSTM language model whose loss falls."""

import math
import pathlib
import warnings

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.utils.rnn as R
from glassgrad.nn import rnn
from torch_ref import torch

RTOL = 1e-10
ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pair(name, *args, **kwargs):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(rnn, name)(*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    res = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []
    return ours, theirs


def _close(a, b, what, rtol=RTOL):
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    a = a.detach().numpy() if isinstance(a, gg.Tensor) else np.asarray(a)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=what)


def _flat(out):
    """Every tensor of a module's result, in order: output, h_n (, c_n)."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    if isinstance(out, R.PackedSequence) or type(out).__name__ == "PackedSequence":
        return [out.data]
    return [out]


def _compare(ours, theirs, x, hx=None, rng=None):
    """Forward and backward in both with random output weights; compare everything."""
    rng = rng or np.random.default_rng(1)
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    hg = ht = None
    if hx is not None:
        if isinstance(hx, tuple):
            hg = tuple(gg.tensor(h, requires_grad=True) for h in hx)
            ht = tuple(torch.tensor(h, requires_grad=True) for h in hx)
        else:
            hg, ht = gg.tensor(hx, requires_grad=True), torch.tensor(hx, requires_grad=True)
    og, ot = _flat(ours(xg, hg)), _flat(theirs(xt, ht))
    assert len(og) == len(ot)
    loss_g = loss_t = 0
    for k, (a, b) in enumerate(zip(og, ot)):
        _close(a, b, f"output {k}")
        w = rng.standard_normal(tuple(b.shape))
        loss_g = loss_g + (a * gg.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_g.backward()
    loss_t.backward()
    _close(xg.grad, xt.grad, "input grad")
    if hx is not None:
        for a, b in zip(hg if isinstance(hg, tuple) else (hg,),
                        ht if isinstance(ht, tuple) else (ht,)):
            _close(a.grad, b.grad, "hx grad")
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        _close(ours_params[name].grad, p.grad, f"grad of {name}")


CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("RNN", {"bias": False, "batch_first": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"bias": False, "num_layers": 3}),
    ("LSTM", {"proj_size": 3, "num_layers": 2, "bidirectional": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True, "num_layers": 2}),
]


def _ids(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


def _hx(name, kw, batch, rng, hidden=5):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    lead = (layers,) if batch is None else (layers, batch)
    h = rng.standard_normal((*lead, kw.get("proj_size", 0) or hidden))
    if name == "LSTM":
        return h, rng.standard_normal((*lead, hidden))
    return h


@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
@pytest.mark.parametrize("given_state", [False, True])
def test_layer_matches_torch(config, given_state):
    name, kw = config
    ours, theirs = _pair(name, 4, 5, **kw)
    rng = np.random.default_rng(0)
    shape = (3, 6, 4) if kw.get("batch_first") else (6, 3, 4)
    hx = _hx(name, kw, 3, rng) if given_state else None
    _compare(ours, theirs, rng.standard_normal(shape), hx)


@pytest.mark.parametrize("config", CONFIGS[1::2], ids=[_ids(c) for c in CONFIGS[1::2]])
@pytest.mark.parametrize("given_state", [False, True])
def test_unbatched_input_matches_torch(config, given_state):
    name, kw = config
    ours, theirs = _pair(name, 4, 5, **kw)
    rng = np.random.default_rng(2)
    hx = _hx(name, kw, None, rng) if given_state else None
    _compare(ours, theirs, rng.standard_normal((7, 4)), hx)
    out = ours(gg.tensor(rng.standard_normal((7, 4))))
    assert out[0].shape == (7, 5 * (2 if kw.get("bidirectional") else 1))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_and_repr_match_torch(name):
    kw = {"num_layers": 2, "bidirectional": True, "batch_first": True, "dropout": 0.25}
    if name == "LSTM":
        kw["proj_size"] = 2
    ours, theirs = _pair(name, 3, 4, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs)
    assert repr(rnn.RNN(3, 4)) == repr(torch.nn.RNN(3, 4))
    assert repr(rnn.GRU(3, 4, bias=False)) == repr(torch.nn.GRU(3, 4, bias=False))
    if name == "LSTM":
        assert "weight_hr_l1_reverse" in ours.state_dict()
        assert len(ours.all_weights) == 4 and len(ours.all_weights[0]) == 5


def test_names_without_torch():
    m = rnn.LSTM(3, 4, num_layers=2, bidirectional=True)
    assert list(m.state_dict())[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                        "bias_hh_l0", "weight_ih_l0_reverse"]
    assert m.weight_ih_l1.shape == (16, 8) and m.weight_hh_l0.shape == (16, 4)
    g = rnn.GRU(3, 4, bias=False)
    assert list(g.state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(rnn.RNN(3, 4, num_layers=2)) == "RNN(3, 4, num_layers=2)"


@pytest.mark.parametrize("cls", [rnn.RNN, rnn.LSTM, rnn.GRU, rnn.RNNCell, rnn.LSTMCell,
                                 rnn.GRUCell])
def test_init_is_uniform_within_one_over_sqrt_hidden(cls):
    gg.manual_seed(0)
    m = cls(10, 25)
    bound = 1 / math.sqrt(25)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.95 * bound  # it spreads to the bound
    assert abs(values.mean()) < 0.05 * bound and abs(values.std() - bound / math.sqrt(3)) < 0.01
    assert m.weight_ih_l0.dtype == np.float32 if hasattr(m, "weight_ih_l0") else True
    gg.manual_seed(0)
    again = cls(10, 25)
    for a, b in zip(m.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# ------------------------------------------------------------------------------ cells
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
         ("RNNCell", {"bias": False}), ("LSTMCell", {}), ("LSTMCell", {"bias": False}),
         ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("config", CELLS, ids=[_ids(c) for c in CELLS])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_state", [False, True])
def test_cell_matches_torch(config, batched, given_state):
    name, kw = config
    ours, theirs = _pair(name, 4, 5, **kw)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(3)
    lead = (3,) if batched else ()
    hx = None
    if given_state:
        hx = rng.standard_normal((*lead, 5))
        if name == "LSTMCell":
            hx = (hx, rng.standard_normal((*lead, 5)))
    _compare(ours, theirs, rng.standard_normal((*lead, 4)), hx)


def test_cells_unrolled_equal_the_layer():
    """An LSTMCell stepped by hand gives nn.LSTM's output (same weights)."""
    gg.manual_seed(1)
    layer, cell = rnn.LSTM(3, 4).double(), rnn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = gg.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    out, (h_n, c_n) = layer(x)
    h = c = gg.zeros(2, 4, dtype=gg.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(h.detach().numpy(), out[t].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_n[0].detach().numpy(), rtol=1e-12)


def test_gradcheck_without_torch():
    gg.manual_seed(0)
    m = rnn.GRU(2, 3, bidirectional=True).double()
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
    h0 = gg.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert gg.autograd.gradcheck(lambda x, h: m(x, h)[0], (x, h0))
    lstm = rnn.LSTM(2, 3, proj_size=2).double()
    assert gg.autograd.gradcheck(lambda x: lstm(x)[1][1], (x,))


def test_double_backward_without_torch():
    gg.manual_seed(0)
    x = gg.tensor(np.random.default_rng(0).standard_normal((3, 2, 2)), requires_grad=True)
    for m in (rnn.LSTM(2, 3, bidirectional=True), rnn.GRU(2, 3), rnn.RNN(2, 3)):
        m.double()
        assert gg.autograd.gradgradcheck(lambda x, m=m: m(x)[0], (x,))


@pytest.mark.parametrize("batch_first", [False, True])
def test_long_sequences_with_input_gradients_match_torch(batch_first):
    """Over 16 steps an input that needs a gradient is sliced in two levels."""
    ours, theirs = _pair("LSTM", 3, 4, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(4)
    _compare(ours, theirs, rng.standard_normal((2, 37, 3) if batch_first else (37, 2, 3)))


def test_long_packed_sequences_match_torch():
    ours, theirs = _pair("GRU", 3, 4, num_layers=2)
    rng = np.random.default_rng(6)
    lengths = [20, 37, 5]
    x = rng.standard_normal((37, 3, 3))
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    og, hg = ours(R.pack_padded_sequence(xg, lengths, enforce_sorted=False))
    ot, ht = theirs(torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths),
                                                            enforce_sorted=False))
    _close(og.data, ot.data, "output")
    _close(hg, ht, "h_n")
    (og.data.sum() + hg.sum()).backward()
    (ot.data.sum() + ht.sum()).backward()
    _close(xg.grad, xt.grad, "input grad")
    _close(ours.weight_hh_l1.grad, theirs.weight_hh_l1.grad, "grad of weight_hh_l1")


def test_flatten_parameters_is_accepted():
    m = rnn.LSTM(2, 3)
    m.flatten_parameters()
    assert m(gg.randn(4, 1, 2))[0].shape == (4, 1, 3)


# ------------------------------------------------------------------------------ modes
def test_dropout_between_layers_only_in_training():
    ours, theirs = _pair("LSTM", 4, 5, num_layers=2, dropout=0.5)
    x = np.random.default_rng(0).standard_normal((6, 3, 4))
    ours.eval()
    theirs.eval()
    _compare(ours, theirs, x)
    ours.train()
    gg.manual_seed(0)
    a = ours(gg.tensor(x))[0].detach().numpy()
    gg.manual_seed(1)
    b = ours(gg.tensor(x))[0].detach().numpy()
    assert not np.allclose(a, b)
    ours.eval()
    c = ours(gg.tensor(x))[0].detach().numpy()
    np.testing.assert_allclose(c, theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-10)


def test_dropout_with_one_layer_warns_and_bad_values_raise():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        rnn.GRU(2, 3, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnn.GRU(2, 3, num_layers=2, dropout=0.2)
    with pytest.raises(ValueError, match="dropout"):
        rnn.LSTM(2, 3, num_layers=2, dropout=1.5)


def test_float32_stays_float32():
    m = rnn.LSTM(3, 4)
    out, (h, c) = m(gg.randn(5, 2, 3))
    assert out.dtype == gg.float32 and h.dtype == gg.float32 and c.dtype == gg.float32


# ------------------------------------------------------------------------------ errors
def test_bad_arguments_name_the_allowed_values():
    with pytest.raises(ValueError, match="'tanh' or 'relu'"):
        rnn.RNN(2, 3, nonlinearity="foo")
    with pytest.raises(ValueError, match="'tanh' or 'relu'"):
        rnn.RNNCell(2, 3, nonlinearity="foo")
    with pytest.raises(ValueError, match="only supported for LSTM"):
        rnn.GRU(2, 3, proj_size=1)
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        rnn.LSTM(2, 3, proj_size=3)


def test_bad_input_shapes_name_the_module_and_shapes():
    m = rnn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) .* Expected 3, got 5"):
        m(gg.randn(6, 2, 5))
    with pytest.raises(ValueError, match=r"LSTM: Expected input to be 2D or 3D, got 4D"):
        m(gg.randn(6, 2, 3, 1))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 2, 4\), got \[1, 2, 4\]"):
        m(gg.randn(6, 2, 3), (gg.zeros(1, 2, 4), gg.zeros(2, 2, 4)))
    with pytest.raises(RuntimeError, match=r"Expected cell size \(2, 2, 4\), got \[2, 3, 4\]"):
        m(gg.randn(6, 2, 3), (gg.zeros(2, 2, 4), gg.zeros(2, 3, 4)))
    with pytest.raises(TypeError, match="tuple"):
        m(gg.randn(6, 2, 3), gg.zeros(2, 2, 4))
    with pytest.raises(RuntimeError, match="GRUCell: Expected hx of shape"):
        rnn.GRUCell(3, 4)(gg.randn(2, 3), gg.zeros(3, 4))
    with pytest.raises(RuntimeError, match="RNNCell: input.size"):
        rnn.RNNCell(3, 4)(gg.randn(2, 2))


def test_torch_rejects_what_we_reject():
    with pytest.raises(ValueError):
        torch.nn.RNN(2, 3, nonlinearity="foo")
    with pytest.raises(ValueError):
        torch.nn.GRU(2, 3, proj_size=1)
    with pytest.raises(RuntimeError):
        torch.nn.LSTM(3, 4)(torch.randn(6, 2, 5))


# ------------------------------------------------------------------------------ safetensors
def test_weights_move_to_torch_through_safetensors(tmp_path):
    from safetensors.torch import load_file

    gg.manual_seed(3)
    ours = rnn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
    path = tmp_path / "lstm.safetensors"
    gg.save(ours.state_dict(), path)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
    theirs.load_state_dict(load_file(str(path)))
    _compare(ours, theirs, np.random.default_rng(0).standard_normal((5, 2, 3)))


# ------------------------------------------------------------------------------ utils.rnn
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 2, 3)) for n in (2, 5, 3)]
    ours = [gg.tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s, requires_grad=True) for s in seqs]
    a = R.pad_sequence(ours, batch_first=batch_first, padding_value=-2.5, padding_side=side)
    b = torch.nn.utils.rnn.pad_sequence(theirs, batch_first=batch_first, padding_value=-2.5,
                                        padding_side=side)
    _close(a, b, "padded")
    w = rng.standard_normal(tuple(b.shape))
    (a * gg.tensor(w)).sum().backward()
    (b * torch.tensor(w)).sum().backward()
    for x, y in zip(ours, theirs):
        _close(x.grad, y.grad, "grad")


def test_pad_sequence_without_torch():
    out = R.pad_sequence([gg.tensor([1.0, 2.0]), gg.tensor([3.0])], batch_first=True)
    assert out.tolist() == [[1.0, 2.0], [3.0, 0.0]]
    out = R.pad_sequence([gg.tensor([1.0, 2.0]), gg.tensor([3.0])], padding_value=9,
                         padding_side="left")
    assert out.tolist() == [[1.0, 9.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match="left or right"):
        R.pad_sequence([gg.tensor([1.0])], padding_side="middle")


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_packed_match_torch(enforce_sorted, batch_first):
    rng = np.random.default_rng(0)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 1, 3]
    shape = (4, 6, 2) if batch_first else (6, 4, 2)
    x = rng.standard_normal(shape)
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    p = R.pack_padded_sequence(xg, lengths, batch_first=batch_first,
                               enforce_sorted=enforce_sorted)
    q = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths),
                                                batch_first=batch_first,
                                                enforce_sorted=enforce_sorted)
    _close(p.data, q.data, "packed data")
    assert p.batch_sizes.tolist() == q.batch_sizes.tolist()
    if not enforce_sorted:
        assert p.sorted_indices.tolist() == q.sorted_indices.tolist()
        assert p.unsorted_indices.tolist() == q.unsorted_indices.tolist()
    u, lu = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=7.0,
                                  total_length=7)
    v, lv = torch.nn.utils.rnn.pad_packed_sequence(q, batch_first=batch_first,
                                                   padding_value=7.0, total_length=7)
    _close(u, v, "unpacked")
    assert lu.tolist() == lv.tolist() == lengths
    w = rng.standard_normal(tuple(v.shape))
    (u * gg.tensor(w)).sum().backward()
    (v * torch.tensor(w)).sum().backward()
    _close(xg.grad, xt.grad, "grad through pack and unpack")


def test_pack_errors():
    x = gg.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [3, 2, 0])
    p = R.pack_sequence([gg.randn(3, 2), gg.randn(1, 2)])
    assert p.batch_sizes.tolist() == [2, 1, 1]
    with pytest.raises(ValueError, match="total_length"):
        R.pad_packed_sequence(p, total_length=2)
    back = R.unpack_sequence(p)
    assert [tuple(t.shape) for t in back] == [(3, 2), (1, 2)]


@pytest.mark.parametrize("name,kw", [("LSTM", {"num_layers": 2, "bidirectional": True}),
                                     ("GRU", {"bidirectional": True}),
                                     ("RNN", {"num_layers": 2}),
                                     ("LSTM", {"proj_size": 2, "bidirectional": True})])
@pytest.mark.parametrize("given_state", [False, True])
def test_modules_accept_packed_sequences(name, kw, given_state):
    ours, theirs = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(5)
    lengths = [2, 5, 1, 4]
    x = rng.standard_normal((5, 4, 3))
    xg, xt = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    p = R.pack_padded_sequence(xg, lengths, enforce_sorted=False)
    q = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths),
                                                enforce_sorted=False)
    hg = ht = None
    if given_state:
        hx = _hx(name, kw, 4, rng, hidden=4)
        if isinstance(hx, tuple):
            hg = tuple(gg.tensor(h) for h in hx)
            ht = tuple(torch.tensor(h) for h in hx)
        else:
            hg, ht = gg.tensor(hx), torch.tensor(hx)
    og, ot = ours(p, hg), theirs(q, ht)
    assert isinstance(og[0], R.PackedSequence)
    a, b = _flat(og), _flat(ot)
    loss_g = loss_t = 0
    for k, (u, v) in enumerate(zip(a, b)):
        _close(u, v, f"output {k}")
        w = rng.standard_normal(tuple(v.shape))
        loss_g = loss_g + (u * gg.tensor(w)).sum()
        loss_t = loss_t + (v * torch.tensor(w)).sum()
    loss_g.backward()
    loss_t.backward()
    _close(xg.grad, xt.grad, "input grad")
    params = dict(ours.named_parameters())
    for n, prm in theirs.named_parameters():
        _close(params[n].grad, prm.grad, f"grad of {n}")
    padded, lens = R.pad_packed_sequence(og[0], batch_first=True)
    assert lens.tolist() == lengths and padded.shape[:2] == (4, 5)


# ------------------------------------------------------------------------------ training
def test_character_lstm_language_model_learns_a_shipped_text():
    """Next-character prediction on the repo's README: the loss falls well below its start."""
    from glassgrad import functional as F
    from glassgrad.nn import Embedding, Linear, Module
    from glassgrad.optim import Adam

    text = (ROOT / "README.md").read_text(encoding="utf-8")[:4000]
    chars = sorted(set(text))
    ids = np.array([chars.index(ch) for ch in text], dtype=np.int64)

    class CharLM(Module):
        def __init__(self, vocab):
            super().__init__()
            self.embed = Embedding(vocab, 16)
            self.lstm = rnn.LSTM(16, 48, batch_first=True)
            self.head = Linear(48, vocab)

        def forward(self, x):
            out, _ = self.lstm(self.embed(x))
            return self.head(out)

    gg.manual_seed(0)
    model = CharLM(len(chars))
    opt = Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    seq, batch, losses = 24, 16, []
    for _ in range(40):
        starts = rng.integers(0, len(ids) - seq - 1, batch)
        x = np.stack([ids[s:s + seq] for s in starts])
        y = np.stack([ids[s + 1:s + seq + 1] for s in starts])
        logits = model(gg.tensor(x))
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), gg.tensor(y.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert losses[0] > math.log(len(chars)) - 0.5  # starts near chance
    assert np.mean(losses[-5:]) < losses[0] - 1.0, losses
