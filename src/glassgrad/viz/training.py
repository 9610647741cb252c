"""Views for training: is the signal getting through the network, forward and backward?

Four functions, two that return numbers and two that draw them::

    from glassgrad import viz
    loss.backward()
    viz.grad_norms(model)                 # {"0.weight": 0.83, "0.bias": 0.11, ...}
    viz.grad_flow(model)                  # a bar per parameter: ||grad||_2, log scale
    viz.grad_flow(model, kind="hist")     # a gradient histogram per layer
    viz.activation_stats(model, x)        # {"1": {"module": "Tanh", "saturated": 0.02, ...}}
    viz.activations(model, x)             # an activation histogram per layer
    viz.activations(model, x, kind="stats")   # mean ± std, and the saturated / dead fraction

The figures are ``matplotlib.figure.Figure`` objects: they show inline in Jupyter, and
``fig.savefig("grad_flow.png")`` writes them anywhere (no display or pyplot needed).

**What healthy looks like.** Backprop multiplies the gradient by each layer's local
derivative on its way to the input. With a sensible initialization (Kaiming for ReLU,
Xavier for tanh) the gradient norms of all the weight matrices stay within about one order
of magnitude of each other, and each layer's activations spread over their range.

**Vanishing gradients.** On the log-scale ``grad_flow`` bars, the norms fall layer by layer
toward the input, often by orders of magnitude (10 tanh layers with N(0, 0.01²) weights:
about 1e-2 next to the output, 1e-12 at the input). In ``kind="hist"`` the early layers
are a spike at zero. The early layers then barely learn. Causes: weights too small,
saturated activations (the derivative of tanh is 1 - out², near 0 when |out| ≈ 1; a
sigmoid's is at most 1/4), depth.

**Exploding gradients.** The same picture upside down: norms grow toward the input, the loss
jumps or turns NaN. Causes: weights too large (each layer multiplies by more than 1), or a
learning rate too large. Remedies: a smaller init scale, normalization layers, gradient
clipping (``nn.utils.clip_grad_norm_``).

**Saturation.** A tanh unit with |out| > 0.97 passes back less than 6% of its gradient
(1 - 0.97² ≈ 0.06); a sigmoid unit with out < 0.03 or > 0.97 less than 3% of it. In the
``activations`` histogram a saturated tanh layer piles up at -1 and +1, a saturated sigmoid
at 0 and 1. ``saturation=0.97`` sets the bound: tanh-like (Tanh, Softsign) units count as
saturated where |out| > saturation, sigmoid-like (Sigmoid) ones where out < 1 - saturation
or out > saturation; clipping ones (Hardtanh, Hardsigmoid) where the output sits on a bound.
The reported fraction is over every output value in the batch.

**Dead ReLUs.** A ReLU unit whose pre-activation is negative for every input outputs 0, gets
gradient 0 and never recovers. A unit (one output position of one sample: a column of a
(N, features) output, a (channel, y, x) entry of a conv output) is *dead* here when it is
exactly 0 for every sample of the batch; the first dimension is the batch. The ``activations``
histogram shows a tall bar at 0, and the ``grad_flow`` bars of the layer before drop (a whole
dead layer gives exactly 0). Causes: a large negative bias, a learning rate step that threw
the weights far. ReLU and ReLU6 layers are checked.

Activations are read with forward hooks on the leaf modules (layers with no children),
so an activation applied as a function (``F.relu(x)`` inside ``forward``) is not seen: make it
a module (``nn.ReLU()``) to see it. ``grad_flow`` lists the parameters in registration order
(``named_parameters``), which is forward order for ``nn.Sequential`` and for most models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..autograd.graph import no_grad
from ..autograd.tensor import Tensor
from ..nn import activation as act
from ..nn.module import Module

GRAD_KINDS = ("norm", "hist")
ACTIVATION_KINDS = ("hist", "stats")
SATURATION = 0.97  # tanh: |out| > 0.97; sigmoid: out < 0.03 or out > 0.97
_COLORS = {"weight": "#1f77b4", "bias": "#ff7f0e", "other": "#2ca02c"}


# ---------------------------------------------------------------------- gradients, as numbers
def _check_kind(who, kind, allowed):
    if kind not in allowed:
        raise ValueError(f"{who}: kind must be one of {', '.join(map(repr, allowed))}; "
                         f"got {kind!r}")


def _check_module(who, model, also=""):
    if isinstance(model, Module):
        return
    where = type(model).__module__ or ""
    hint = (" (a torch module: these views read glassgrad.nn modules)"
            if where.split(".")[0] == "torch" else "")
    raise TypeError(f"{who}: expected a glassgrad.nn.Module{also}, got "
                    f"{type(model).__name__}{hint}")


def _grads(model, who):
    """[(name, grad array or None)] for the parameters that require grad, in order."""
    _check_module(who, model, " (or the dict viz.grad_norms returns)"
                  if who == "grad_flow" else "")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError(f"{who}: {type(model).__name__} has no parameters that require grad")
    out = []
    for name, p in named:
        g = p.grad
        out.append((name, None if g is None else
                    np.asarray(g._data if isinstance(g, Tensor) else g, dtype=np.float64)))
    if all(g is None for _, g in out):
        raise RuntimeError(f"{who}: no parameter of {type(model).__name__} has a gradient yet "
                           f"({len(out)} parameters, every .grad is None); call "
                           "loss.backward() first")
    return out


def grad_norms(model):
    """``{parameter name: ||grad||_2}`` for every parameter of ``model`` that requires grad,
    in ``named_parameters`` order, as Python floats (the 2-norm of the flattened gradient, in
    float64). A parameter that got no gradient (unused in the forward) maps to None.

    Raises RuntimeError when no parameter has a gradient yet (call ``loss.backward()``
    first)."""
    return _norms(model, "grad_norms")


def _norms(model, who):
    return {name: None if g is None else float(np.linalg.norm(g.ravel()))
            for name, g in _grads(model, who)}


def _kind_of(name):
    last = name.rsplit(".", 1)[-1]
    return "bias" if "bias" in last else "weight" if "weight" in last else "other"


def _groups(names):
    """[(module name, [parameter names])] in first-seen order ("0.weight" -> module "0")."""
    groups = {}
    for n in names:
        groups.setdefault(n.rpartition(".")[0], []).append(n)
    return list(groups.items())


# ---------------------------------------------------------------------- gradients, as pictures
def _figure(figsize):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def _legend_for(ax, kinds):
    from matplotlib.patches import Patch

    handles = [Patch(color=_COLORS[k], label=k) for k in ("weight", "bias", "other")
               if k in kinds]
    ax.legend(handles=handles, loc="best", fontsize=8)


def _norm_figure(norms, log, title, figsize):
    names = list(norms)
    n = len(names)
    fig = _figure(figsize or (max(6.0, 0.45 * n + 2), 4.5))
    ax = fig.add_subplot()
    kinds = [_kind_of(k) for k in names]
    heights = [math.nan if v is None or (log and v <= 0) else v for v in norms.values()]
    x = np.arange(n)
    ax.bar(x, heights, color=[_COLORS[k] for k in kinds], width=0.8)
    if log:
        ax.set_yscale("log")
    # shade every other module, so the parameters of one layer read as a group
    start = 0
    for i, (_, members) in enumerate(_groups(names)):
        if i % 2:
            ax.axvspan(start - 0.5, start + len(members) - 0.5, color="0.93", zorder=0)
        start += len(members)
    marks = ax.get_xaxis_transform()  # x in data, y in axes fraction
    for i, v in enumerate(norms.values()):
        if v is None or v == 0:
            ax.text(i, 0.02, "none" if v is None else "0", transform=marks, ha="center",
                    fontsize=8, color="0.3")
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylabel("||grad||₂" + (" (log scale)" if log else ""))
    ax.set_title(title or "gradient norm per parameter (input → output)")
    ax.grid(axis="y", alpha=0.3, which="both" if log else "major")
    _legend_for(ax, set(kinds))
    fig.tight_layout()
    return fig


def _hist_figure(grads, labels, log, bins, title, figsize):
    groups = _groups([n for n, g in grads if g is not None])
    arrays = dict(grads)
    values = [arrays[n].ravel() for _, members in groups for n in members]
    if log:
        values = [np.log10(np.abs(v[v != 0])) for v in values]
    every = np.concatenate(values) if values else np.zeros(0)
    if every.size == 0:
        lo, hi = -1.0, 1.0
    elif log:
        lo, hi = float(every.min()), float(every.max())
    else:
        hi = float(np.abs(every).max()) or 1.0
        lo = -hi
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)  # one set of bins, so the layers compare
    fig = _figure(figsize or (7.0, 1.1 * len(groups) + 1.2))
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (module, members) in zip(axes, groups):
        for n in members:
            g = arrays[n].ravel()
            v = np.log10(np.abs(g[g != 0])) if log else g
            if v.size:
                ax.hist(v, bins=edges, weights=np.full(v.size, 1.0 / v.size), histtype="step",
                        color=_COLORS[_kind_of(n)], linewidth=1.4,
                        label=f"{n}  std {g.std():.2e}")
        ax.set_ylabel(labels[module], rotation=0, ha="right", va="center", fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
        ax.tick_params(labelsize=7)
    axes[-1].set_xlabel("log10 |grad|" if log else "grad")
    fig.suptitle(title or "gradient histogram per layer (fraction of entries)", fontsize=10)
    fig.tight_layout()
    return fig


def grad_flow(model, kind="norm", *, log=None, bins=50, title=None, figsize=None):
    """Draw how the gradient flows back through ``model``, after ``loss.backward()``.

    ``kind="norm"``: one bar per parameter (``named_parameters`` order, input to output),
    its height ||grad||_2; weights, biases and other parameters have their own colours, and
    every other module is shaded. ``log`` (default True) uses a log scale, where vanishing
    gradients show as bars falling toward the input by orders of magnitude. ``model`` may
    also be a dict that ``grad_norms`` returned earlier (so norms recorded during training
    can be drawn later).

    ``kind="hist"``: one axis per layer (module), a histogram of each of its parameters'
    gradients, in ``bins`` shared bins so layers compare; ``log=True`` bins log10 |grad|
    instead (zeros left out). Returns a ``matplotlib.figure.Figure``.
    """
    _check_kind("grad_flow", kind, GRAD_KINDS)
    if kind == "norm":
        if isinstance(model, Mapping):
            norms = dict(model)
            if not norms:
                raise ValueError("grad_flow: the dict of gradient norms is empty")
        else:
            norms = _norms(model, "grad_flow")
        return _norm_figure(norms, True if log is None else log, title, figsize)
    if isinstance(model, Mapping):
        raise TypeError("grad_flow: kind='hist' needs the model itself (its gradients), not "
                        "a dict of norms")
    grads = _grads(model, "grad_flow")
    modules = dict(model.named_modules())
    labels = {name: f"{name} {type(m).__name__}" if name else type(m).__name__
              for name, m in modules.items()}
    return _hist_figure(grads, labels, bool(log), bins, title, figsize)


# ---------------------------------------------------------------------- activations, as numbers
def _rule(module, saturation):
    """(what is measured, the rule as text, out -> boolean mask) for ``module``, or None."""
    s = saturation
    if isinstance(module, (act.ReLU, act.ReLU6)):
        return "dead", "0 for the whole batch", lambda out: out == 0
    if isinstance(module, (act.Tanh, act.Softsign)):
        return "saturated", f"|out| > {s:g}", lambda out: np.abs(out) > s
    if isinstance(module, act.Sigmoid):
        return ("saturated", f"out < {1 - s:.3g} or out > {s:g}",
                lambda out: (out < 1 - s) | (out > s))
    if isinstance(module, act.Hardtanh):
        lo, hi = module.min_val, module.max_val
        return "saturated", f"out at {lo:g} or {hi:g}", lambda out: (out <= lo) | (out >= hi)
    if isinstance(module, act.Hardsigmoid):
        return "saturated", "out at 0 or 1", lambda out: (out <= 0) | (out >= 1)
    return None


def _select(model, modules, layers, who):
    """[(name, module)] to watch: named ``layers``, or instances of ``modules``, or leaves."""
    named = list(model.named_modules())
    if layers is not None and modules is not None:
        raise ValueError(f"{who}: give modules= (types) or layers= (names), not both")
    if layers is not None:
        if isinstance(layers, str):
            layers = [layers]
        table = dict(named)
        missing = [n for n in layers if n not in table]
        if missing:
            raise KeyError(f"{who}: {type(model).__name__} has no module named "
                           f"{', '.join(map(repr, missing))}; its modules are "
                           f"{', '.join(repr(n) for n, _ in named if n)}")
        return [(n, table[n]) for n in dict.fromkeys(layers)]  # each once, in given order
    if modules is not None:
        types = modules if isinstance(modules, tuple) else (
            tuple(modules) if isinstance(modules, list) else (modules,))
        if not all(isinstance(t, type) for t in types):
            raise TypeError(f"{who}: modules= takes module classes (nn.ReLU, nn.Tanh), got "
                            f"{modules!r}")
        chosen = [(n, m) for n, m in named if isinstance(m, types)]
        if not chosen:
            raise ValueError(f"{who}: {type(model).__name__} has no module of type "
                             f"{', '.join(t.__name__ for t in types)}")
        return chosen
    return [(n, m) for n, m in named if not any(True for _ in m.children())]


def _first_tensor(out):
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for item in out:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _capture(model, x, modules, layers, who):
    """Run ``model(x)`` under no_grad in eval mode; return [(name, module, output array)].

    The hooks are removed and every module's training flag put back, even when the forward
    raises."""
    _check_module(who, model)
    chosen = _select(model, modules, layers, who)
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    records, handles = [], []
    modes = [(m, m.training) for m in model.modules()]

    def watcher(name):
        def hook(module, args, out):
            t = _first_tensor(out)
            if t is not None:  # a copy: a later in-place op must not change it
                calls = sum(1 for r in records if r[0].split(" (call")[0] == name)
                label = name if calls == 0 else f"{name} (call {calls + 1})"
                records.append((label, module, np.array(t._data, copy=True)))
        return hook

    try:
        for name, m in chosen:
            handles.append(m.register_forward_hook(watcher(name)))
        model.eval()
        with no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        for _, m in chosen:  # a module that had no hook before goes back to the fast path
            m._unhook_if_empty()
        for m, mode in modes:
            m.__dict__["training"] = mode
    if not records:
        raise RuntimeError(f"{who}: no watched module of {type(model).__name__} returned a "
                           "Tensor during the forward")
    return records


def _summary(module, out, saturation, bins):
    a = np.asarray(out, dtype=np.float64)
    flat = a.ravel()
    finite = flat[np.isfinite(flat)]
    row = {"module": type(module).__name__, "shape": list(a.shape),
           "mean": float(finite.mean()) if finite.size else math.nan,
           "std": float(finite.std()) if finite.size else math.nan,
           "min": float(finite.min()) if finite.size else math.nan,
           "max": float(finite.max()) if finite.size else math.nan,
           "saturated": None, "dead": None, "rule": None}
    rule = _rule(module, saturation)
    if rule is not None and a.size:
        what, text, mask_of = rule
        mask = mask_of(a)
        if what == "dead":  # a unit: one position of the output, across the batch (dim 0)
            units = mask.reshape(len(mask), -1) if a.ndim >= 2 else mask.reshape(1, -1)
            row["dead"] = float(units.all(axis=0).mean())
        else:
            row["saturated"] = float(mask.mean())
        row["rule"] = text
    lo, hi = (row["min"], row["max"]) if finite.size else (0.0, 1.0)
    counts, edges = np.histogram(finite, bins=bins, range=(lo, hi) if hi > lo else
                                 (lo - 0.5, hi + 0.5))
    row["counts"], row["edges"] = counts.tolist(), edges.tolist()
    return row


def _check_saturation(who, saturation):
    if not 0.5 < saturation < 1:
        raise ValueError(f"{who}: saturation must be between 0.5 and 1 (tanh: |out| > s, "
                         f"sigmoid: out < 1 - s or out > s); got {saturation!r}")


def activation_stats(model, x, *, modules=None, layers=None, saturation=SATURATION,
                     bins=50):
    """Run ``model(x)`` (no_grad, eval mode) and summarize what each watched layer outputs.

    Watched: the leaf modules, or the instances of ``modules`` (a class or a tuple of
    classes, e.g. ``(nn.ReLU, nn.Tanh)``), or the modules named in ``layers`` (names from
    ``named_modules``, e.g. ``["1", "3"]``). Returns ``{name: row}`` in call order, each row
    a dict of plain numbers: ``module`` (class name), ``shape``, ``mean``, ``std``, ``min``,
    ``max``, ``saturated`` (fraction of output values beyond ``saturation``; tanh- and
    sigmoid-like layers, else None), ``dead`` (fraction of units that are exactly 0 for
    every sample of the batch; ReLU layers, else None), ``rule`` (the test, as text), and a
    histogram of the values (``counts``, ``edges``, ``bins`` bins). A module called twice
    appears again as ``"name (call 2)"``. The model's hooks and training mode are restored
    afterwards, also when the forward raises.
    """
    _check_saturation("activation_stats", saturation)
    records = _capture(model, x, modules, layers, "activation_stats")
    return {name: _summary(m, out, saturation, bins) for name, m, out in records}


# ---------------------------------------------------------------------- activations, as pictures
def _label(name, row):
    return f"{name} {row['module']}" if name else row["module"]


def _activation_hist_figure(stats, saturation, title, figsize):
    n = len(stats)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig = _figure(figsize or (3.2 * cols, 2.4 * rows + 0.4))
    grid = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in grid[n:]:
        fig.delaxes(ax)
    for ax, (name, row) in zip(grid, stats.items()):
        edges = np.asarray(row["edges"])
        ax.stairs(row["counts"], edges, fill=True, color="#4c72b0", alpha=0.85)
        note = ""
        if row["saturated"] is not None:
            note = f"\nsaturated {100 * row['saturated']:.1f}%"
            s = saturation
            bounds = (-s, s) if row["module"] in ("Tanh", "Softsign") else (
                (1 - s, s) if row["module"] == "Sigmoid" else ())
            for b in bounds:
                ax.axvline(b, color="#c44e52", linestyle="--", linewidth=1)
        elif row["dead"] is not None:
            note = f"\ndead {100 * row['dead']:.1f}%"
        ax.set_title(_label(name, row) + note, fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle(title or "activations per layer (one batch, eval mode)", fontsize=10)
    fig.tight_layout()
    return fig


def _activation_stats_figure(stats, title, figsize):
    labels = [_label(n, r) for n, r in stats.items()]
    rows = list(stats.values())
    n = len(rows)
    x = np.arange(n)
    fig = _figure(figsize or (max(6.0, 0.6 * n + 2), 6.0))
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.errorbar(x, [r["mean"] for r in rows], yerr=[r["std"] for r in rows], fmt="o",
                 capsize=3, color="#4c72b0")
    top.set_ylabel("mean ± std")
    top.grid(alpha=0.3)
    fraction = [r["dead"] if r["dead"] is not None else r["saturated"] for r in rows]
    colors = ["#c44e52" if r["dead"] is not None else "#dd8452" for r in rows]
    bottom.bar(x, [math.nan if f is None else f for f in fraction], color=colors)
    marks = bottom.get_xaxis_transform()
    for i, f in enumerate(fraction):
        if f is None:
            bottom.text(i, 0.02, "n/a", transform=marks, ha="center", fontsize=7, color="0.4")
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("fraction")
    bottom.set_title("dead units (ReLU, red) / saturated values (tanh, sigmoid, orange)",
                     fontsize=9)
    bottom.set_xticks(x)
    bottom.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    bottom.grid(axis="y", alpha=0.3)
    top.set_title(title or "activations per layer (one batch, eval mode)", fontsize=10)
    fig.tight_layout()
    return fig


def activations(model, x, kind="hist", *, modules=None, layers=None, saturation=SATURATION,
                bins=50, title=None, figsize=None):
    """Draw what each layer of ``model`` outputs on the batch ``x``.

    ``kind="hist"``: one axis per watched layer, a histogram of its output values, titled
    with the saturated or dead fraction (dashed lines mark the saturation bounds).
    ``kind="stats"``: two axes, the mean ± std of each layer's output, and one bar per layer
    with its dead (ReLU) or saturated (tanh, sigmoid) fraction. ``modules``, ``layers``,
    ``saturation`` and ``bins`` are as in ``activation_stats``, which gives the numbers.
    Returns a ``matplotlib.figure.Figure``.
    """
    _check_kind("activations", kind, ACTIVATION_KINDS)
    _check_saturation("activations", saturation)
    records = _capture(model, x, modules, layers, "activations")
    stats = {name: _summary(m, out, saturation, bins) for name, m, out in records}
    if kind == "hist":
        return _activation_hist_figure(stats, saturation, title, figsize)
    return _activation_stats_figure(stats, title, figsize)


__all__ = ["grad_norms", "grad_flow", "activation_stats", "activations"]
