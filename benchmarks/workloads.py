"""What every framework computes: the shapes, the initial weights and the data.

The weights come from one numpy generator, with torch's default initialization
(U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases), and every framework starts from
copies of the same arrays. The first step's loss must therefore agree across frameworks,
which the suite records and the smoke test checks.
"""

from __future__ import annotations

import numpy as np

MLP_SIZES = (784, 512, 256, 10)  # Tensor MLP: 784-512-256-10, ReLU between layers
CNN_SHAPES = {  # conv(1->8) relu pool, conv(8->16) relu pool, flatten, linear(784->10)
    "conv1": (8, 1, 3, 3),
    "conv2": (16, 8, 3, 3),
    "fc": (10, 16 * 7 * 7),
}
SCALAR_SIZES = (2, 16, 16, 1)  # Value MLP(2, [16, 16, 1])
CHAIN_START = (0.5, 1.0, 1.5, 2.0)  # the (4,) input of the op chains
MUL, ADD = 1.0001, 0.0001  # chain op k is x * MUL for even k, x + ADD for odd k


def _uniform(rng, shape, fan_in):
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def mlp_weights(sizes=MLP_SIZES, seed=0):
    """[(W, b), ...] float32, W of shape (out, in) as torch's Linear."""
    rng = np.random.default_rng(seed)
    return [(_uniform(rng, (n_out, n_in), n_in), _uniform(rng, (n_out,), n_in))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def cnn_weights(seed=0):
    """{"conv1": (W, b), "conv2": (W, b), "fc": (W, b)} float32, torch's layouts."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in CNN_SHAPES.items():
        fan_in = int(np.prod(shape[1:]))
        out[name] = (_uniform(rng, shape, fan_in), _uniform(rng, (shape[0],), fan_in))
    return out


def classification_batch(shape, n_classes=10, seed=1):
    """A fixed batch: x ~ N(0, 1) float32 of ``shape``, y int64 class indices."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, n_classes, shape[0]).astype(np.int64)
    return x, y


def scalar_weights(sizes=SCALAR_SIZES, seed=0):
    """Per layer, per neuron: (list of input weights ~ U(-1, 1), bias 0.0), Python floats."""
    rng = np.random.default_rng(seed)
    return [[(rng.uniform(-1.0, 1.0, n_in).tolist(), 0.0) for _ in range(n_out)]
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def moons(n_points):
    """Two-moons points as lists of Python floats, and labels in {-1.0, +1.0}."""
    from glassgrad.data import make_moons

    x, y = make_moons(n_points, noise=0.1, random_state=0)
    return x.astype(np.float64).tolist(), (y * 2.0 - 1.0).tolist()


def svm_loss(model, params, xs, ys, alpha=1e-4):
    """mean_i max(0, 1 - y_i * score_i) + alpha * sum_p p^2, on any scalar engine."""
    scores = [model(x) for x in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum(p * p for p in params)
    return data_loss + reg_loss


def chain_ops(y, n):
    """Apply the benchmark chain: n elementwise ops, alternating * MUL and + ADD."""
    for _ in range(n // 2):
        y = y * MUL
        y = y + ADD
    if n % 2:
        y = y * MUL
    return y
