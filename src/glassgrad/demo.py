"""The main demo: ``python -m glassgrad demo``.

1. The scalar engine on the classic sigmoid neuron: forward value and every gradient.
2. The tensor engine training a small MLP on two moons, written as you would in PyTorch.
3. Gradient checks: the model's own gradients, then every registered op.
"""

from __future__ import annotations

import time

import numpy as np

import glassgrad as gg
import glassgrad.functional as F


def two_moons(n, noise, rng):
    """Two interleaving half circles, labels 0 and 1."""
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x, y], 1) + rng.normal(0, noise, (n, 2))
    return pts.astype(np.float32), (~upper).astype(np.int64)


def scalar_neuron():
    print("1. Scalar engine: out = sigmoid(w0*x0 + w1*x1 + w2)")
    names = ["w0", "x0", "w1", "x1", "w2"]
    w0, x0, w1, x1, w2 = (gg.Value(v, label=n) for v, n in zip([2.0, -1.0, -3.0, -2.0, -3.0],
                                                                  names))
    out = (w0 * x0 + w1 * x1 + w2).sigmoid()
    out.backward()
    print(f"   out = {out.data:.4f}")
    for v in (w0, x0, w1, x1, w2):
        print(f"   d out / d {v.label} = {v.grad:+.4f}")


def init_mlp(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = gg.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                      requires_grad=True)
        b = gg.tensor(rng.uniform(-bound, bound, fan_out).astype(np.float32),
                      requires_grad=True)
        params += [w, b]
    return params


def mlp(params, x):
    for i in range(0, len(params), 2):
        x = F.linear(x, params[i], params[i + 1])
        if i + 2 < len(params):
            x = x.relu()
    return x


def train_moons(steps):
    print("\n2. Tensor engine: an MLP 2-32-32-2 learns noisy two moons (full-batch SGD with "
          "momentum)")
    rng = np.random.default_rng(0)
    xs, ys = two_moons(600, 0.2, rng)
    x, y = gg.tensor(xs[:400]), gg.tensor(ys[:400])
    x_test, y_test = gg.tensor(xs[400:]), gg.tensor(ys[400:])
    params = init_mlp([2, 32, 32, 2], rng)
    velocity = [np.zeros_like(p.data) for p in params]
    t0 = time.perf_counter()
    for step in range(steps + 1):
        logits = mlp(params, x)
        loss = F.cross_entropy(logits, y)
        for p in params:
            p.grad = None
        loss.backward()
        with gg.no_grad():
            for p, v in zip(params, velocity):
                v *= 0.9
                v += p.grad.data
                p -= 0.1 * v
        if step % (steps // 5) == 0:
            acc = (logits.argmax(1) == y).float().mean().item()
            print(f"   step {step:4d}  loss {loss.item():.4f}  train accuracy {acc:.1%}")
    print(f"   {steps} steps in {time.perf_counter() - t0:.2f} s")
    with gg.no_grad():
        test_acc = (mlp(params, x_test).argmax(1) == y_test).float().mean().item()
    print(f"   held-out accuracy on 200 new points: {test_acc:.1%}")
    print(f"   the last loss node: {loss!r}")
    return params, xs, ys


def check_model(params, xs, ys):
    print("\n3. Gradient checks")
    p64 = [gg.tensor(p.data.astype(np.float64), requires_grad=True) for p in params]
    x, y = gg.tensor(xs[:8].astype(np.float64)), gg.tensor(ys[:8])
    ok = gg.autograd.gradcheck(lambda *ps: F.cross_entropy(mlp(list(ps), x), y), p64)
    print(f"   the MLP's loss, numeric vs analytic gradients for all {len(p64)} parameters: "
          f"{'pass' if ok else 'FAIL'}")
    from .autograd.opspecs.runner import run

    rows = run(second_order=True)
    ops = sorted({r.op for r in rows})
    failed = sorted({r.op for r in rows if not r.ok})
    print(f"   the op registry: {len(ops)} ops, {len(rows)} first- and second-order checks, "
          f"{'all pass' if not failed else 'FAILED: ' + ', '.join(failed)}")
    print("   (details: python -m glassgrad gradcheck)")
    return ok and not failed


def main(quick=False) -> int:
    gg.manual_seed(0)
    scalar_neuron()
    params, xs, ys = train_moons(100 if quick else 500)
    ok = check_model(params, xs, ys)
    return 0 if ok else 1
