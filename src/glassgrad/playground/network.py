"""The Network tab's model: a toy 2-D set, a small MLP on glassgrad, and what the page shows.

``Trainer(config)`` builds the data and the network; ``advance(k)`` runs k optimizer steps
and returns a snapshot (new loss points, the decision boundary on a grid, per-layer gradient
norms); ``sample_graph(i)`` draws one sample's forward and backward pass. Everything here is
synchronous: ``server.Session`` runs it in a worker thread, one call at a time.

Two engines:

- ``"tensor"``: ``nn.Sequential`` of ``Linear`` layers (``hidden1``, ``act1``, ``drop1``,
  ..., ``out``) trained on batches with ``binary_cross_entropy_with_logits``;
- ``"value"``: the same network made of scalar ``Value`` neurons (``scalar_net.py``),
  small enough that the paused picture shows every neuron's node. The loss is the same,
  ``softplus(-s z)`` with ``s = 2y - 1``.

L2 is the optimizer's ``weight_decay`` (``grad += l2 * w``, as in torch); dropout zeroes
each hidden unit with probability p while training and scales the rest by 1 / (1 - p).
"""

from __future__ import annotations

import math
import numbers
import re
import time
from collections import OrderedDict

import numpy as np

from .. import nn, optim
from ..autograd.graph import no_grad, retain_grads
from ..autograd.tensor import Tensor
from ..autograd.value import Value
from ..data import make_blobs, make_circles, make_moons, make_spirals, make_xor
from ..nn import functional as F
from ..viz import draw_graph
from .scalar_net import ScalarMLP, softplus_value

DATASETS = ("moons", "spirals", "xor", "blobs", "circles")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")
ENGINES = ("tensor", "value")
GRID = 40  # the decision boundary: GRID x GRID points
MAX_HISTORY = 4000  # loss points kept; older ones are thinned
# bounds of every setting: (smallest, largest); the Value engine's network is smaller
LIMITS = {"samples": (20, 400), "noise": (0.0, 0.5), "lr": (1e-5, 10.0), "l2": (0.0, 1.0),
          "dropout": (0.0, 0.9), "batch_size": (1, 400), "steps_per_update": (1, 50),
          "seed": (0, 2**31 - 1)}
MAX_LAYERS = {"tensor": 4, "value": 3}
MAX_WIDTH = {"tensor": 32, "value": 8}
VALUE_MAX_BATCH = 32
STEP_SECONDS = 0.25  # the most time one update spends on its optimizer steps

DEFAULTS = {"dataset": "moons", "samples": 200, "noise": 0.1, "hidden": [16, 16],
            "activation": "tanh", "optimizer": "adam", "lr": 0.03, "batch_size": 32,
            "l2": 0.0, "dropout": 0.0, "engine": "tensor", "steps_per_update": 3, "seed": 0}


class ConfigError(ValueError):
    """A setting out of range or of the wrong kind; the text says which and what is allowed."""


def check_config(raw):
    """The settings, completed from ``DEFAULTS`` and checked; raises ``ConfigError``."""
    if not isinstance(raw, dict):
        raise ConfigError("the settings must be an object")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r:.40}; known: {', '.join(DEFAULTS)}")
    c = {**DEFAULTS, **raw}
    for key, allowed in (("dataset", DATASETS), ("activation", ACTIVATIONS),
                         ("optimizer", OPTIMIZERS), ("engine", ENGINES)):
        if c[key] not in allowed:
            raise ConfigError(f"{key} must be one of {', '.join(allowed)}; got {c[key]!r:.40}")
    for key in ("samples", "batch_size", "steps_per_update", "seed"):
        c[key] = _number(key, c[key], integer=True)
    for key in ("noise", "lr", "l2", "dropout"):
        c[key] = _number(key, c[key])
    hidden = c["hidden"]
    if isinstance(hidden, str):
        hidden = [h for h in hidden.replace(",", " ").split() if h]
    if not isinstance(hidden, (list, tuple)):
        raise ConfigError("hidden must be a list of layer sizes, e.g. 16, 16")
    engine = c["engine"]
    if len(hidden) > MAX_LAYERS[engine]:
        raise ConfigError(f"at most {MAX_LAYERS[engine]} hidden layers on the {engine} engine, "
                          f"got {len(hidden)}")
    sizes = []
    for h in hidden:
        try:
            v = int(h) if not isinstance(h, bool) and float(h) == int(float(h)) else None
        except (TypeError, ValueError, OverflowError):
            v = None
        if v is None or not 1 <= v <= MAX_WIDTH[engine]:
            raise ConfigError(f"a hidden layer has 1 to {MAX_WIDTH[engine]} units on the "
                              f"{engine} engine; got {h!r:.20}")
        sizes.append(v)
    c["hidden"] = sizes
    if engine == "value" and c["batch_size"] > VALUE_MAX_BATCH:
        raise ConfigError(f"batch size is at most {VALUE_MAX_BATCH} on the value engine (every "
                          f"sample is its own graph of scalars), got {c['batch_size']}")
    return c


def _number(key, v, integer=False):
    lo, hi = LIMITS[key]
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            raise ConfigError(f"{key} must be a number, got {v!r:.20}") from None
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ConfigError(f"{key} must be a number, got {v!r:.20}")
    if integer:
        if float(v) != int(v):
            raise ConfigError(f"{key} must be a whole number, got {v!r}")
        v = int(v)
    if not lo <= v <= hi:
        raise ConfigError(f"{key} must be between {lo:g} and {hi:g}, got {v:g}")
    return v


def make_data(name, n, noise, seed):
    """(X, y) of the toy set ``name``: X float64 (n, 2), y float64 of 0 and 1."""
    rng = np.random.default_rng(seed)
    if name == "moons":
        X, y = make_moons(n, noise=noise, random_state=rng)
    elif name == "spirals":
        X, y = make_spirals(n, 2, noise=noise, random_state=rng)
    elif name == "xor":
        X, y = make_xor(n, noise=noise, random_state=rng)
    elif name == "circles":
        X, y = make_circles(n, noise=noise, factor=0.5, random_state=rng)
    else:
        X, y = make_blobs(n, centers=[[-1.0, -1.0], [1.0, 1.0]], cluster_std=0.5 + 2 * noise,
                          random_state=rng)
    return X.astype(np.float64), y.astype(np.float64)


# ------------------------------------------------------------------------- the two networks
def tensor_mlp(hidden, activation, dropout):
    """``nn.Sequential``: hidden1, act1, (drop1), ..., out: Linear(last, 1)."""
    act = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}[activation]
    layers, width = OrderedDict(), 2
    for k, h in enumerate(hidden, 1):
        layers[f"hidden{k}"] = nn.Linear(width, h)
        layers[f"act{k}"] = act()
        if dropout > 0:
            layers[f"drop{k}"] = nn.Dropout(dropout)
        width = h
    layers["out"] = nn.Linear(width, 1)
    return nn.Sequential(layers)


# ------------------------------------------------------------------------- training
class Trainer:
    """One network learning one toy set; see the module docstring."""

    def __init__(self, config):
        c = self.config = check_config(config)
        n = c["samples"]
        X, y = make_data(c["dataset"], n, c["noise"], c["seed"])
        Xv, yv = make_data(c["dataset"], max(n // 2, 10), c["noise"], c["seed"] + 1)
        mean, std = X.mean(0), X.std(0) + 1e-9  # standardized: every set spans about [-2, 2]
        self.X, self.y = (X - mean) / std, y
        self.Xv, self.yv = (Xv - mean) / std, yv
        r = float(np.abs(np.concatenate([self.X, self.Xv])).max()) * 1.1
        self.bounds = [-r, r]
        g = np.linspace(-r, r, GRID)
        gx, gy = np.meshgrid(g, g[::-1])  # the first row is the top of the picture
        self.grid = np.stack([gx.ravel(), gy.ravel()], 1)
        self.rng = np.random.default_rng(c["seed"])
        from .. import random as _random

        _random.manual_seed(c["seed"])
        self.engine = c["engine"]
        if self.engine == "tensor":
            self.model = tensor_mlp(c["hidden"], c["activation"], c["dropout"])
            self.model.double()
        else:
            self.model = ScalarMLP(c["hidden"], c["activation"], c["dropout"], self.rng)
        self.opt = self._optimizer()
        self.step = 0
        self.epoch = 0
        self._order, self._at = self.rng.permutation(n), 0
        self.history = {"step": [], "train": [], "val": []}
        self.sent = 0  # loss points already sent
        self.norms = {}

    def _optimizer(self):
        c = self.config
        kw = {"lr": c["lr"], "weight_decay": c["l2"]}
        params = self.model.parameters()
        if c["optimizer"] == "sgd":
            return optim.SGD(params, **kw)
        if c["optimizer"] == "momentum":
            return optim.SGD(params, momentum=0.9, **kw)
        if c["optimizer"] == "adam":
            return optim.Adam(params, **kw)
        return optim.RMSprop(params, **kw)

    # ------------------------------------------------------------------ steps
    def _batch(self):
        n, b = len(self.y), min(self.config["batch_size"], len(self.y))
        if self._at + b > n:
            self._order, self._at = self.rng.permutation(n), 0
            self.epoch += 1
        idx = self._order[self._at:self._at + b]
        self._at += b
        return idx

    def _loss(self, idx, training=True):
        self.model.train(training)
        if self.engine == "tensor":
            x, target = Tensor(self.X[idx]), Tensor(self.y[idx])
            x.label, target.label = "x", "target"
            z = self.model(x).squeeze(1)
            return F.binary_cross_entropy_with_logits(z, target)
        terms = []
        for i in idx:
            z = self.model([Value(float(v), f"x{j + 1}") for j, v in enumerate(self.X[i])])
            terms.append(softplus_value(z * Value(1.0 - 2.0 * self.y[i], "s")))
        total = sum(terms[1:], terms[0])
        return total if len(terms) == 1 else total * (1.0 / len(terms))

    def train_step(self):
        self.opt.zero_grad()
        loss = self._loss(self._batch())
        loss.backward()
        self.opt.step()
        self.step += 1
        return loss

    def advance(self, k, budget=STEP_SECONDS):
        """Up to k optimizer steps, then the snapshot (``snapshot``). Stops early on a nan
        loss, and once the steps have taken ``budget`` seconds (after at least one), so that
        an update of a big Value-engine network still comes back quickly."""
        start = time.perf_counter()
        for _ in range(k):
            loss = self.train_step()
            if not math.isfinite(float(loss.item() if isinstance(loss, Tensor) else loss.data)):
                break
            if time.perf_counter() - start > budget:
                break
        self.norms = self.grad_norms()
        self._record()
        return self.snapshot()

    # ------------------------------------------------------------------ what the page shows
    def probabilities(self, X):
        """P(class 1) at the points X (n, 2), without dropout and without a graph."""
        if self.engine == "tensor":
            self.model.eval()
            with no_grad():
                z = self.model(Tensor(X)).squeeze(1)
            return 1 / (1 + np.exp(-np.clip(z.numpy(), -50, 50)))
        h = X
        ws = self.model.weights()
        f = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0),
             "sigmoid": lambda a: 1 / (1 + np.exp(-a))}[self.config["activation"]]
        for k, (W, b) in enumerate(ws):
            h = h @ W.T + b
            if k < len(ws) - 1:
                h = f(h)
        return 1 / (1 + np.exp(-np.clip(h[:, 0], -50, 50)))

    def losses(self):
        """(train loss, validation loss): mean binary cross-entropy without dropout."""
        def bce(p, y):
            p = np.clip(p, 1e-12, 1 - 1e-12)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        return bce(self.probabilities(self.X), self.y), bce(self.probabilities(self.Xv), self.yv)

    def grad_norms(self):
        """{"hidden1.weight": ||grad||, ...} after the last step, in layer order."""
        if self.engine == "tensor":
            return {n: (None if p.grad is None else float(np.linalg.norm(p.grad.numpy())))
                    for n, p in self.model.named_parameters()}
        out = {}
        for name, layer in self.model.named_children():
            w = [wi.grad for n in layer.neurons for wi in n.w]
            b = [n.b.grad for n in layer.neurons]
            out[f"{name}.weight"] = math.sqrt(sum(g * g for g in w))
            out[f"{name}.bias"] = math.sqrt(sum(g * g for g in b))
        return out

    def _record(self):
        tr, va = self.losses()
        h = self.history
        h["step"].append(self.step)
        h["train"].append(tr)
        h["val"].append(va)
        if len(h["step"]) > MAX_HISTORY:  # keep every other old point; the page redraws all
            for key in h:
                h[key] = h[key][::2]
            self.sent = 0

    def snapshot(self, full=False):
        h = self.history
        start = 0 if full or self.sent == 0 else self.sent
        self.sent = len(h["step"])
        p = self.probabilities(self.grid)
        acc = float(np.mean((self.probabilities(self.Xv) > 0.5) == (self.yv > 0.5)))
        return {"type": "state", "step": self.step, "epoch": self.epoch,
                "replace": start == 0, "history": {k: v[start:] for k, v in h.items()},
                "boundary": [int(round(100 * v)) for v in p],
                "norms": self.norms, "val_accuracy": acc}

    def points(self):
        def rows(X, y):
            return [[round(float(a), 4), round(float(b), 4), int(c)] for (a, b), c in zip(X, y)]
        return {"train": rows(self.X, self.y), "val": rows(self.Xv, self.yv),
                "bounds": self.bounds, "grid": GRID}

    def sample_graph(self, i=0):
        """The SVG of one training sample's forward and backward pass (no dropout), drawn
        grouped by layer with every value and gradient; the parameters' .grad are put back
        as they were, so the next step is not changed."""
        i = int(i) % len(self.y)
        params = self.model.parameters()
        kept = [p.grad for p in params]
        try:
            if self.engine == "tensor":
                with retain_grads():
                    loss = self._loss(np.array([i]), training=False)
                    loss.label = "loss"
                    loss.backward()
            else:
                for p in params:
                    p.grad = 0.0
                loss = self._loss([i], training=False)
                loss.label = "loss"
                loss.backward()
            # every node drawn (the largest Value network allowed has about 520)
            graph = draw_graph(loss, params=self.model, decimals=2, rankdir="LR",
                               max_nodes=1000)
            svg = graph.pipe(format="svg").decode("utf-8")
        finally:
            for p, g in zip(params, kept):
                p.grad = g
        x = self.X[i]
        value = float(loss.item() if isinstance(loss, Tensor) else loss.data)
        size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        size = [float(v) * 4 / 3 for v in size.groups()] if size else None  # CSS px
        return {"type": "graph", "svg": svg, "sample": i, "size": size,
                "caption": f"sample {i}: x = ({x[0]:.2f}, {x[1]:.2f}), class {int(self.y[i])}, "
                           f"loss {value:.4f} (step {self.step}, {self.engine} engine)"}
