"""Idioms from well-known PyTorch programs, run unchanged on glassgrad and on torch.

Each program is written once against a module ``L`` (``torch`` or ``glassgrad``). The
glassgrad run must give torch's losses and gradients: a nanoGPT-style attention block
(views, ``transpose(1, 2).contiguous().view``, ``masked_fill`` with a registered buffer,
in-place residual adds), and a makemore-style training loop (a seeded ``Generator``,
``p.data += -lr * p.grad``, ``p.grad = None``, ``multinomial`` sampling).
"""

import math

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")


def attention_model(L, n_embd=16, n_head=4, block=8, vocab=11):
    nn, F = L.nn, L.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)
            mask = np.tril(np.ones((block, block), dtype=np.float32))
            self.register_buffer("bias", L.tensor(mask).view(1, 1, block, block))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
            q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
            v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(n_embd)
            self.fc = nn.Linear(n_embd, 4 * n_embd)
            self.act = nn.GELU()
            self.proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            h = self.act(self.fc(self.ln_2(x)))
            h.mul_(0.5)  # in place, on a tensor in the graph that nothing saved
            return x + self.proj(h)

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, n_embd)
            self.wpe = nn.Embedding(block, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(2)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab, bias=False)
            self.wte.weight = self.lm_head.weight  # weight tying

        def forward(self, idx, targets):
            b, t = idx.size()
            pos = L.arange(0, t, dtype=L.long)
            x = self.wte(idx) + self.wpe(pos)
            for blk in self.h:
                x = blk(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


def _copy_weights(src, dst):
    """torch's initial weights into glassgrad's model, by state_dict key."""
    sd = {k: v.detach().numpy() for k, v in src.state_dict().items()}
    dst.load_state_dict({k: gg.tensor(v) for k, v in sd.items()})


def test_nanogpt_block_matches_torch():
    torch.manual_seed(0)
    ref = attention_model(torch)
    ours = attention_model(gg)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    _copy_weights(ref, ours)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 11, (3, 8))
    tgt = rng.integers(0, 11, (3, 8))
    losses = []
    for L, model in ((torch, ref), (gg, ours)):
        opt = L.optim.AdamW(model.parameters(), lr=1e-2)
        run = []
        for _ in range(3):
            loss = model(L.tensor(idx), L.tensor(tgt))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
        grads = {n: p.grad.detach().numpy() for n, p in model.named_parameters()}
        if L is torch:
            ref_grads = grads
    np.testing.assert_allclose(losses[1], losses[0], rtol=2e-5)
    for n, g in grads.items():
        np.testing.assert_allclose(g, ref_grads[n], rtol=1e-3, atol=2e-5, err_msg=n)


def makemore(L, steps=30):
    """Bigram-style MLP training as in the makemore lectures: manual parameters, manual
    SGD on .data, grads set to None, then sampling with multinomial."""
    F = L.nn.functional
    g = L.Generator().manual_seed(2147483647)
    data = np.random.default_rng(1).integers(0, 27, (64, 4))
    X, Y = L.tensor(data[:, :3]), L.tensor(data[:, 3])
    C = L.tensor(np.random.default_rng(2).standard_normal((27, 10)).astype(np.float32))
    W1 = L.tensor(np.random.default_rng(3).standard_normal((30, 50)).astype(np.float32)) * 0.2
    b1 = L.zeros(50)
    W2 = L.tensor(np.random.default_rng(4).standard_normal((50, 27)).astype(np.float32)) * 0.1
    b2 = L.zeros(27)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    losses = []
    for i in range(steps):
        emb = C[X]
        h = L.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 20 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
    with L.no_grad():
        probs = F.softmax(L.tanh(C[X[:1]].view(1, -1) @ W1 + b1) @ W2 + b2, dim=1)
        ix = L.multinomial(probs, num_samples=5, replacement=True, generator=g)
    return losses, ix.shape, [p.data.std().item() for p in parameters]


def test_makemore_loop_matches_torch():
    ref, ours = makemore(torch), makemore(gg)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-5)
    assert ours[0][-1] < ours[0][0]
    assert tuple(ours[1]) == tuple(ref[1]) == (1, 5)
    np.testing.assert_allclose(ours[2], ref[2], rtol=1e-5)


def test_buffer_updates_with_inplace_ops_match_torch():
    """Running statistics kept by hand, as research code often does (EMA of a feature)."""
    res = []
    for L in (torch, gg):
        x = L.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        ema = L.zeros(4, dtype=L.float64)
        out = []
        for step in range(3):
            h = (x * (step + 1)).relu_()
            with L.no_grad():
                ema.mul_(0.9).add_(h.mean(0), alpha=0.1)
            out.append(h)
        total = sum(o.sum() for o in out)
        total.backward()
        res.append((ema.numpy().copy(), x.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b)


def test_inplace_residual_on_a_saved_input_raises_like_torch():
    """``x += f(ln(x))`` changes the input layer_norm saved: both engines refuse it."""
    for L in (torch, gg):
        ln, fc = L.nn.LayerNorm(4), L.nn.Linear(4, 4)
        x = L.tensor(np.ones((2, 4), dtype=np.float32), requires_grad=True) * 1
        x += fc(ln(x))
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            x.sum().backward()
