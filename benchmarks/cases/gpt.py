"""Case: a small GPT training step, as a nanoGPT user writes it (issue 13: at most 1.5x torch).

Token + position ``nn.Embedding``, ``blocks`` transformer blocks, a final LayerNorm, an
``lm_head`` Linear and ``F.cross_entropy`` over the next character; one AdamW step (zero_grad,
forward, loss, backward, step), float32, dropout 0. Three ways to write the block:

- ``sdpa``: LayerNorm -> one Linear to q, k, v -> split, view and transpose to heads ->
  ``F.scaled_dot_product_attention(is_causal=True)`` -> projection, residual; LayerNorm ->
  Linear -> ``nn.GELU`` -> Linear, residual (nanoGPT's ``CausalSelfAttention`` and ``MLP``).
- ``masked``: the same with the attention written out, as nanoGPT does without flash
  attention: ``softmax((q @ k^T) / sqrt(d)).masked_fill(causal == 0, -inf)``, then ``@ v``.
- ``encoder``: ``nn.TransformerEncoderLayer(batch_first=True, norm_first=True,
  activation="gelu")`` with a causal mask, which runs ``nn.MultiheadAttention``.

Both frameworks run the same code (``_build``) with their own ``nn``, ``F`` and ``optim``;
torch's model is built first and its ``state_dict`` copied into glassgrad's. The first loss
of the two must agree before anything is timed.
"""

from __future__ import annotations

import math

import numpy as np

from .. import peers
from ..harness import as_float, group, measure, run_once

TITLE = "GPT step"
_SIZES = {"vocab": 65, "block": 64, "n_embd": 128, "n_head": 4, "n_layer": 2, "batch": 16}
SETTINGS = {
    "full": {**_SIZES, "warmup": 2, "repeats": 15, "number": 2, "rounds": 3},
    "quick": {**_SIZES, "warmup": 1, "repeats": 6, "number": 1, "rounds": 2},
    "smoke": {"vocab": 11, "block": 8, "n_embd": 16, "n_head": 2, "n_layer": 1, "batch": 2,
              "warmup": 0, "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch")
VARIANTS = ("sdpa", "masked", "encoder")
LOSS_RTOL = 1e-4  # float32 losses of about 4.2: the two frameworks round differently


def _build(fw, s, variant):
    """The GPT model (an ``nn.Module``) written with framework ``fw``'s nn and F."""
    nn, F = fw.nn, fw.F
    e, h, block = s["n_embd"], s["n_head"], s["block"]

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(e, 3 * e)
            self.c_proj = nn.Linear(e, e)
            if variant == "masked":
                self.register_buffer("bias", fw.tril(fw.ones(block, block))
                                     .view(1, 1, block, block))

        def forward(self, x):
            b, t, c = x.size()
            q, k, v = self.c_attn(x).split(e, dim=2)
            q = q.view(b, t, h, c // h).transpose(1, 2)
            k = k.view(b, t, h, c // h).transpose(1, 2)
            v = v.view(b, t, h, c // h).transpose(1, 2)
            if variant == "sdpa":
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
                y = F.softmax(att, dim=-1) @ v
            y = y.transpose(1, 2).contiguous().view(b, t, c)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(e, 4 * e)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * e, e)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(e)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(e)
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    def encoder_block():
        return nn.TransformerEncoderLayer(e, h, dim_feedforward=4 * e, dropout=0.0,
                                          activation="gelu", batch_first=True, norm_first=True)

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(s["vocab"], e)
            self.wpe = nn.Embedding(block, e)
            make = encoder_block if variant == "encoder" else Block
            self.h = nn.ModuleList([make() for _ in range(s["n_layer"])])
            self.ln_f = nn.LayerNorm(e)
            self.lm_head = nn.Linear(e, s["vocab"], bias=False)

        def forward(self, idx, targets):
            t = idx.size(1)
            x = self.wte(idx) + self.wpe(fw.arange(t))
            if variant == "encoder":
                mask = nn.Transformer.generate_square_subsequent_mask(t)
                for layer in self.h:
                    x = layer(x, src_mask=mask, is_causal=True)
            else:
                for layer in self.h:
                    x = layer(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


def _framework(name):
    """A namespace with the framework's nn, F, optim and a few tensor factories."""
    from types import SimpleNamespace

    if name == "torch":
        import torch

        from ..peers import torch_eager  # noqa: F401  (pins torch's thread count)
        mod = torch
        tensor = torch.from_numpy
    else:
        import glassgrad as mod

        tensor = mod.tensor
    return SimpleNamespace(nn=mod.nn, F=mod.nn.functional, optim=mod.optim, tril=mod.tril,
                           ones=mod.ones, arange=mod.arange, tensor=tensor, mod=mod)


def _data(s, seed=5):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, s["vocab"], (s["batch"], s["block"] + 1))
    return idx[:, :-1].copy(), idx[:, 1:].copy()


def make_step(name, s, variant, state):
    """(step, model, optimizer) for framework ``name``, from ``state`` (numpy arrays) if
    given. ``step()`` runs one AdamW step and returns the loss."""
    fw = _framework(name)
    if state is None:
        fw.mod.manual_seed(0)
    model = _build(fw, s, variant)
    if state is not None:
        model.load_state_dict({k: fw.tensor(v.copy()) for k, v in state.items()})
    opt = fw.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    x, y = (fw.tensor(a) for a in _data(s))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        opt.step()
        return loss

    return step, model, opt


def torch_state(s, variant, seed=0):
    """torch's default initialization of the model, as numpy arrays (float32)."""
    import torch

    torch.manual_seed(seed)
    fw = _framework("torch")
    model = _build(fw, s, variant)
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _case(s, variant):
    names = list(peers.available(FRAMEWORKS))
    # torch's initialization for both; without torch, glassgrad's own (nothing to compare)
    state = torch_state(s, variant) if "torch" in names else None
    fns = {name: make_step(name, s, variant, state)[0] for name in names}
    losses = {}
    for name, fn in fns.items():
        loss, err = run_once(fn)
        losses[name] = as_float(loss) if err is None else err
    notes = []
    ref = losses.get("torch")
    mine = losses.get("glassgrad")
    if isinstance(ref, float) and isinstance(mine, float) and \
            abs(mine - ref) > LOSS_RTOL * abs(ref):
        notes.append(f"first losses differ: glassgrad {mine!r}, torch {ref!r}")
        fns.pop("glassgrad")
    results = measure(fns, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    if "glassgrad" not in results:
        results = {"glassgrad": {"error": notes[0]}, **results}
    for name, r in results.items():
        r["first_loss"] = losses[name]
    how = {"sdpa": "F.scaled_dot_product_attention(is_causal=True)",
           "masked": "masked_fill + softmax(q k^T / sqrt(d)) v",
           "encoder": "nn.TransformerEncoderLayer(norm_first, gelu), causal mask"}[variant]
    title = (f"GPT step ({how}): {s['n_layer']} blocks, n_embd {s['n_embd']}, "
             f"{s['n_head']} heads, block {s['block']}, batch {s['batch']}, vocab "
             f"{s['vocab']}, AdamW, float32")
    return group("gpt", f"gpt.{variant}", title, "ms/step", results, notes)


def run(s):
    return [_case(s, variant) for variant in VARIANTS]
