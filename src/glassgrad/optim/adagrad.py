"""Adagrad (torch.optim.Adagrad)."""

from __future__ import annotations

import numpy as np

from ..autograd.value import Value
from .optimizer import Optimizer, check_option, decayed_gradient


class Adagrad(Optimizer):
    """Adagrad: steps divided by the root of the sum of all squared gradients so far.

    With learning rate lr, lr_decay eta, weight decay lambda, initial_accumulator_value s_0
    and eps, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        lr_t = lr / (1 + (t - 1) * eta)
        s_t = s_{t-1} + g_t**2
        theta_t = theta_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)

    State per parameter, created with the optimizer as torch does: ``step`` and ``sum`` (s_t).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                x = np.array(float(p._data)) if isinstance(p, Value) else p._data
                self._init_state(x, self.state[p], group)

    def _validate(self, options):
        name = type(self).__name__
        check_option(name, "learning rate", options["lr"])
        check_option(name, "lr_decay value", options["lr_decay"])
        check_option(name, "weight_decay value", options["weight_decay"])
        check_option(name, "initial_accumulator_value value", options["initial_accumulator_value"])
        check_option(name, "epsilon value", options["eps"])

    @staticmethod
    def _init_state(x, state, group):
        state["step"] = np.zeros((), np.float32)
        state["sum"] = np.full_like(x, group["initial_accumulator_value"])

    def _update(self, x, g, state, group):
        if not state:  # a parameter added later with add_param_group
            self._init_state(x, state, group)
        state["step"] += 1
        t = float(state["step"])
        g = decayed_gradient(x, g, group)
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        x -= lr_t * (g / (np.sqrt(s) + group["eps"]))
