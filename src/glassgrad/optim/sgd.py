"""Stochastic gradient descent, optionally with momentum (torch.optim.SGD)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_option, decayed_gradient


class SGD(Optimizer):
    """Stochastic gradient descent with torch's momentum, dampening and Nesterov variants.

    With learning rate lr, momentum mu, dampening tau and weight decay lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        if mu != 0:
            b_t = g_t                    at t = 1
            b_t = mu * b_{t-1} + (1 - tau) * g_t         at t > 1
            g_t = g_t + mu * b_t  if nesterov,  else  g_t = b_t
        theta_t = theta_{t-1} - lr * g_t

    State per parameter: ``momentum_buffer`` (b_t), only when momentum != 0.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, options):
        name = type(self).__name__
        check_option(name, "learning rate", options["lr"])
        check_option(name, "momentum value", options["momentum"])
        check_option(name, "weight_decay value", options["weight_decay"])
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(f"{name}: Nesterov momentum requires a momentum and zero "
                             f"dampening (got momentum={options['momentum']!r}, "
                             f"dampening={options['dampening']!r})")

    def _update(self, x, g, state, group):
        mu = group["momentum"]
        g = decayed_gradient(x, g, group)
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                state["momentum_buffer"] = buf = np.array(g, dtype=x.dtype)
            else:
                buf *= mu
                buf += (1 - group["dampening"]) * g
            g = g + mu * buf if group["nesterov"] else buf
        x -= group["lr"] * g
