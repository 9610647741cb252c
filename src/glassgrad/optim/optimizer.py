"""``Optimizer``: torch's contract of ``param_groups``, per-parameter ``state`` and ``step``.

A subclass states its update equations in its docstring and writes one method,
``_update(x, g, state, group)``, that updates one parameter's array ``x`` in place from its
gradient ``g``, keeping whatever it needs between steps in the dict ``state``. The base
class does the rest: groups and their options, the closure, skipping parameters without a
gradient, the version counter, and ``state_dict`` / ``load_state_dict``.

Parameters are Tensors (their ``.data`` is updated in place, in its own dtype) or scalar
``Value``s (their float is wrapped in a 0-d float64 array for the update and unwrapped after),
so both engines run the same update code.

``state_dict()`` follows torch's format, with numpy arrays where torch has tensors::

    {"state": {0: {"step": array(3., dtype=float32), "exp_avg": array([...]), ...}, ...},
     "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]}, ...]}

Parameters are numbered 0, 1, 2, ... in group order; a parameter that has no state yet (it
never had a gradient) has no entry in ``"state"``.
"""

from __future__ import annotations

import numbers
import warnings
from collections import defaultdict

import numpy as np

from ..autograd.graph import enable_grad, no_grad
from ..autograd.tensor import Tensor
from ..autograd.value import Value


class Optimizer:
    """Base class of the optimizers. ``defaults`` holds the options a group may override."""

    def __init__(self, params, defaults):
        if isinstance(params, (Tensor, Value)):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors "
                            f"or dicts, but got a single {type(params).__name__}; wrap it in "
                            "a list")
        self._validate(defaults)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters, with options that override ``defaults``."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError(f"{name}: a param group needs a 'params' entry, got the keys "
                           f"{sorted(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, (Tensor, Value)):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list), "
                            "not a set, whose order changes between runs")
        group["params"] = params = list(params)
        for i, p in enumerate(params):
            _check_param(name, i, p)
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._validate(group)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(f"{name}: a parameter group contains the same parameter more than "
                          "once; it will be updated more than once per step", stacklevel=2)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _validate(self, options):
        """Raise ValueError for an option out of range (subclasses check theirs)."""

    # ------------------------------------------------------------------ the step
    def zero_grad(self, set_to_none=True):
        """Reset gradients: to None (Tensors) or 0.0 (Values), or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if isinstance(p, Value):
                    p.grad = 0.0
                elif p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if p.grad.grad_fn is not None:
                            p.grad.detach_()
                        p.grad.requires_grad = False
                        p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; return ``closure()`` if one is given.

        The closure re-evaluates the model and returns the loss; it runs with grad enabled.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if isinstance(p, Value):
                        x = np.array(float(p._data))
                        self._update(x, np.array(float(p.grad)), self.state[p], group)
                        p._data = float(x)
                    elif p.grad is not None:
                        g = p.grad._data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
                        self._update(p._data, g, self.state[p], group)
                        p._version[0] += 1  # the update changed p._data in place
        return loss

    def _update(self, x, g, state, group):
        """Update the array ``x`` in place from its gradient ``g``; keep arrays in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self):
        """torch's format: ``state`` keyed by parameter index, groups listing indices.

        Arrays are copies, so the result is a snapshot.
        """
        index, groups, start = {}, [], 0
        for group in self.param_groups:
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            start += len(group["params"])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {k: _copy(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load options and state saved by ``state_dict`` (arrays or Tensors).

        Float state is cast to each parameter's dtype (``step`` keeps its own); group options
        are taken from the saved groups, the parameters stay this optimizer's.
        """
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                             f"parameter groups, this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {i} holds "
                                 f"{len(saved['params'])} parameters in the saved state and "
                                 f"{len(group['params'])} here")
        params = {int(k): p for saved, group in zip(saved_groups, self.param_groups)
                  for k, p in zip(saved["params"], group["params"])}
        state = defaultdict(dict)
        for k, values in state_dict["state"].items():
            p = params.get(int(k))
            if p is None:
                raise KeyError(f"{name}.load_state_dict: state for parameter {k}, which no "
                               "group lists")
            state[p] = {key: _cast(name, k, key, v, p) for key, v in values.items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = {}
            for key, v in saved.items():  # JSON turns tuples (betas) into lists
                is_tuple = isinstance(group.get(key), tuple) and isinstance(v, list)
                new[key] = tuple(v) if is_tuple else v
            new["params"] = group["params"]
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


# ----------------------------------------------------------------------------- helpers
def _check_param(name, i, p):
    if isinstance(p, Value):
        if isinstance(p._data, bool) or not isinstance(p._data, numbers.Real):
            raise TypeError(f"{name}: Value parameter {i} holds {p._data!r}, not a real number")
        return
    if not isinstance(p, Tensor):
        raise TypeError(f"{name}: can only optimize Tensors and Values, but parameter {i} is "
                        f"a {type(p).__name__}")
    if p.dtype.kind != "f":
        raise TypeError(f"{name}: can only optimize floating-point tensors, but parameter {i} "
                        f"(shape {p.shape}) has dtype {p.dtype}")
    if not p.is_leaf:
        raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                         f"{p.shape}, grad_fn={p.grad_fn!r}); optimize the leaf it came from")


def check_option(name, label, value, low=0.0, high=None):
    """Raise unless ``low <= value`` (and ``value < high`` when given), naming the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {label} must be a number, got {value!r}")
    if not (low <= value and (high is None or value < high)):
        need = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(f"{name}: invalid {label}: {value!r} (must be {need})")


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def _cast(name, index, key, value, p):
    """A private copy of a saved state value, float arrays cast to the parameter's dtype."""
    if isinstance(value, Tensor):
        value = value._data
    if key == "step":  # a 0-d float32 array, as torch keeps it, whatever it was saved as
        return np.array(value, dtype=np.float32)
    if not isinstance(value, (np.ndarray, np.generic)):
        return value
    arr = np.array(value)
    if arr.dtype.kind != "f":
        return arr
    shape, dtype = (p.shape, p.dtype) if isinstance(p, Tensor) else ((), np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name}.load_state_dict: state '{key}' of parameter {index} has "
                         f"shape {arr.shape}, but the parameter has shape {shape}")
    return arr.astype(dtype, copy=False)


def decayed_gradient(x, g, group, lr=None, decoupled=False):
    """The gradient a step uses: negated when the group maximizes, plus weight_decay * x
    (L2), or, with ``decoupled`` decay (AdamW's), the parameter itself shrunk in place by
    lr * weight_decay instead."""
    if group["maximize"]:
        g = -g
    wd = group["weight_decay"]
    if wd != 0:
        if decoupled:
            x *= 1 - lr * wd
        else:
            g = g + wd * x
    return g


def torch_flags(foreach, maximize, capturable, differentiable):
    """The flags torch keeps in every group: foreach is accepted and ignored (numpy has one
    implementation); capturable and differentiable are recorded but must stay False."""
    if capturable or differentiable:
        raise NotImplementedError("glassgrad optimizers support neither capturable=True nor "
                                  "differentiable=True")
    return {"foreach": foreach, "maximize": maximize, "capturable": capturable,
            "differentiable": differentiable}


def check_betas(name, betas):
    if len(betas) != 2:
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    check_option(name, "beta parameter at index 0", betas[0], 0.0, 1.0)
    check_option(name, "beta parameter at index 1", betas[1], 0.0, 1.0)


def check_adam_options(name, options):
    """The options every Adam-family optimizer validates as torch does: lr, eps, betas and
    weight_decay."""
    check_option(name, "learning rate", options["lr"])
    check_option(name, "epsilon value", options["eps"])
    check_betas(name, options["betas"])
    check_option(name, "weight_decay value", options["weight_decay"])
