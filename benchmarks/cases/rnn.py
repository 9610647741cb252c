"""Case: recurrent layers. One forward and backward of nn.LSTM, nn.GRU and nn.RNN (tanh),
input 64, hidden 128, batch 32, T = 32 steps (and the LSTM at T = 256), float32, with the
loss mean((output - target)^2) + mean(h_n^2). glassgrad against torch eager, both from the
same weights and data (issue 13: at most 2x torch at T = 32).

No optimizer step runs in those: the parameters' gradients are cleared (set to None) before
each backward, so every call does the same work.

The LSTM language-model step is a whole training step as a user writes it: byte tokens
(vocabulary 256) -> nn.Embedding(256, 64) -> nn.LSTM(64, 128) -> nn.Linear(128, 256) ->
cross-entropy of the next token, zero_grad, backward and an Adam step, batch 32, T = 32.
"""

from __future__ import annotations

import numpy as np

from .. import peers
from ..harness import as_float, group, measure, run_once

TITLE = "RNN layers (forward + backward)"
SETTINGS = {
    "full": {"input": 64, "hidden": 128, "batch": 32, "steps": 32, "long": 256, "warmup": 2,
             "repeats": 12, "number": 2, "rounds": 3},
    "quick": {"input": 64, "hidden": 128, "batch": 32, "steps": 32, "long": 256, "warmup": 1,
              "repeats": 6, "number": 1, "rounds": 2},
    "smoke": {"input": 5, "hidden": 4, "batch": 3, "steps": 4, "long": 6, "warmup": 0,
              "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch")
KINDS = (("LSTM", "lstm"), ("GRU", "gru"), ("RNN", "rnn"))


def _data(s, steps, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, s["batch"], s["input"])).astype(np.float32)
    target = rng.standard_normal((steps, s["batch"], s["hidden"])).astype(np.float32)
    return x, target


def _glassgrad(kind, s, state, x, target):
    import glassgrad as gg
    from glassgrad import nn

    model = getattr(nn, kind)(s["input"], s["hidden"])
    for name, p in model.named_parameters():
        p.data[...] = state[name]
    params = list(model.parameters())
    xt, tt = gg.tensor(x), gg.tensor(target)

    def step():
        for p in params:
            p.grad = None
        out, h = model(xt)
        h_n = h[0] if kind == "LSTM" else h
        loss = ((out - tt) ** 2).mean() + (h_n ** 2).mean()
        loss.backward()
        return loss

    return step


def _torch(kind, s, state, x, target):
    import torch

    from ..peers import torch_eager  # noqa: F401  (pins torch's thread count)

    model = getattr(torch.nn, kind)(s["input"], s["hidden"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(state[name]))
    params = list(model.parameters())
    xt, tt = torch.from_numpy(x), torch.from_numpy(target)

    def step():
        for p in params:
            p.grad = None
        out, h = model(xt)
        h_n = h[0] if kind == "LSTM" else h
        loss = ((out - tt) ** 2).mean() + (h_n ** 2).mean()
        loss.backward()
        return loss

    return step


def _weights(kind, s, seed=0):
    """torch's default init U(-1/sqrt(hidden), 1/sqrt(hidden)), drawn with numpy."""
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind] * s["hidden"]
    rng, bound = np.random.default_rng(seed), 1.0 / np.sqrt(s["hidden"])
    shapes = {"weight_ih_l0": (gates, s["input"]), "weight_hh_l0": (gates, s["hidden"]),
              "bias_ih_l0": (gates,), "bias_hh_l0": (gates,)}
    return {k: rng.uniform(-bound, bound, v).astype(np.float32) for k, v in shapes.items()}


def _case(kind, key, s, steps):
    state = _weights(kind, s)
    x, target = _data(s, steps)
    builders = {"glassgrad": _glassgrad, "torch": _torch}
    fns = {name: builders[name](kind, s, state, x, target)
           for name in peers.available(FRAMEWORKS)}
    losses = {}
    for name, fn in fns.items():
        loss, err = run_once(fn)
        losses[name] = as_float(loss) if err is None else err
    results = measure(fns, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    title = (f"nn.{kind}({s['input']}, {s['hidden']}), batch {s['batch']}, T = {steps}, "
             "float32, forward + backward of an MSE loss")
    return group("rnn", key, title, "ms/step", results)


VOCAB = 256


def _lm_modules(nn, s):
    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, s["input"])
            self.rnn = nn.LSTM(s["input"], s["hidden"])
            self.head = nn.Linear(s["hidden"], VOCAB)

        def forward(self, tokens):
            out, _ = self.rnn(self.embed(tokens))
            return self.head(out)

    return LM()


def _lm_step(lib, nn, optim, F, model, tokens, targets):
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        logits = model(tokens)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    return step


def _lm_case(s):
    rng = np.random.default_rng(5)
    seq = rng.integers(0, VOCAB, (s["steps"] + 1, s["batch"]))
    fns, state = {}, None
    names = peers.available(FRAMEWORKS)
    if "torch" in names:  # torch's initialization, copied into glassgrad
        import torch

        from ..peers import torch_eager  # noqa: F401  (pins torch's thread count)

        torch.manual_seed(0)
        t_model = _lm_modules(torch.nn, s)
        state = {k: v.detach().numpy().copy() for k, v in t_model.state_dict().items()}
        tok = torch.from_numpy(seq[:-1].copy())
        tgt = torch.from_numpy(seq[1:].copy())
        fns["torch"] = _lm_step(torch, torch.nn, torch.optim, torch.nn.functional, t_model,
                                tok, tgt)
    if "glassgrad" in names:
        import glassgrad as gg
        from glassgrad import nn, optim
        from glassgrad.nn import functional as F

        gg.manual_seed(0)
        g_model = _lm_modules(nn, s)
        if state is not None:
            g_model.load_state_dict(state)
        fns["glassgrad"] = _lm_step(gg, nn, optim, F, g_model, gg.tensor(seq[:-1]),
                                    gg.tensor(seq[1:]))
    fns = {k: fns[k] for k in FRAMEWORKS if k in fns}
    losses = {}
    for name, fn in fns.items():
        loss, err = run_once(fn)
        losses[name] = as_float(loss) if err is None else err
    results = measure(fns, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    title = (f"LSTM language-model step: Embedding({VOCAB}, {s['input']}) -> "
             f"LSTM({s['input']}, {s['hidden']}) -> Linear -> cross-entropy, Adam, batch "
             f"{s['batch']}, T = {s['steps']}, float32")
    return group("rnn", "rnn.lstm_lm", title, "ms/step", results)


def run(s):
    groups = [_case(kind, f"rnn.{key}", s, s["steps"]) for kind, key in KINDS]
    groups.append(_case("LSTM", "rnn.lstm_long", s, s["long"]))
    groups.append(_lm_case(s))
    return groups
