"""Adadelta (torch.optim.Adadelta)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_option, decayed_gradient, torch_flags


class Adadelta(Optimizer):
    """Adadelta: a step sized by the ratio of running RMS of past steps and of gradients.

    With learning rate lr, decay rho, eps and weight decay lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        v_t = rho * v_{t-1} + (1 - rho) * g_t**2
        d_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
        u_t = rho * u_{t-1} + (1 - rho) * d_t**2
        theta_t = theta_{t-1} - lr * d_t

    v_0 = u_0 = 0. State per parameter: ``step`` (t, a 0-d float32 array), ``square_avg``
    (v_t) and ``acc_delta`` (u_t).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    **torch_flags(foreach, maximize, capturable, differentiable)}
        super().__init__(params, defaults)

    def _validate(self, options):
        name = type(self).__name__
        check_option(name, "learning rate", options["lr"])
        check_option(name, "rho value", options["rho"])
        if options["rho"] > 1.0:
            raise ValueError(f"{name}: invalid rho value: {options['rho']!r} (must be in "
                             "[0, 1])")
        check_option(name, "epsilon value", options["eps"])
        check_option(name, "weight_decay value", options["weight_decay"])

    def _update(self, x, g, state, group):
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["square_avg"] = np.zeros_like(x)
            state["acc_delta"] = np.zeros_like(x)
        state["step"] += 1
        v, u = state["square_avg"], state["acc_delta"]
        g = decayed_gradient(x, g, group)
        v *= rho
        v += (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        x -= group["lr"] * delta
