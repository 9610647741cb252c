"""RMSprop (torch.optim.RMSprop)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_option, decayed_gradient


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root mean square of the gradient.

    With learning rate lr, smoothing alpha, eps, weight decay lambda and momentum mu, each
    step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        v_t = alpha * v_{t-1} + (1 - alpha) * g_t**2
        if centered:
            a_t = alpha * a_{t-1} + (1 - alpha) * g_t
            d_t = sqrt(v_t - a_t**2) + eps
        else:
            d_t = sqrt(v_t) + eps
        if mu > 0:
            b_t = mu * b_{t-1} + g_t / d_t
            theta_t = theta_{t-1} - lr * b_t
        else:
            theta_t = theta_{t-1} - lr * g_t / d_t

    v_0 = a_0 = b_0 = 0. State per parameter: ``step``, ``square_avg`` (v_t), and
    ``momentum_buffer`` (b_t) if momentum > 0, ``grad_avg`` (a_t) if centered.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, options):
        name = type(self).__name__
        check_option(name, "learning rate", options["lr"])
        check_option(name, "epsilon value", options["eps"])
        check_option(name, "momentum value", options["momentum"])
        check_option(name, "weight_decay value", options["weight_decay"])
        check_option(name, "alpha value", options["alpha"])

    def _update(self, x, g, state, group):
        alpha, mu = group["alpha"], group["momentum"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["square_avg"] = np.zeros_like(x)
            if mu > 0:
                state["momentum_buffer"] = np.zeros_like(x)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(x)
        state["step"] += 1
        g = decayed_gradient(x, g, group)
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            a = state["grad_avg"]
            a += (1 - alpha) * (g - a)
            d = np.sqrt(v - a * a) + group["eps"]
        else:
            d = np.sqrt(v) + group["eps"]
        if mu > 0:
            b = state["momentum_buffer"]
            b *= mu
            b += g / d
            x -= group["lr"] * b
        else:
            x -= group["lr"] * (g / d)
