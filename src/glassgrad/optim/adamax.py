"""Adamax (torch.optim.Adamax)."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    check_adam_options,
    decayed_gradient,
    torch_flags,
)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm of past gradients in place of their RMS.

    With learning rate lr, betas (beta1, beta2), eps and weight decay lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        u_t = max(beta2 * u_{t-1}, |g_t| + eps)
        theta_t = theta_{t-1} - lr / (1 - beta1**t) * m_t / u_t

    m_0 = u_0 = 0. State per parameter: ``step`` (t, a 0-d float32 array), ``exp_avg`` (m_t)
    and ``exp_inf`` (u_t).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    **torch_flags(foreach, maximize, capturable, differentiable)}
        super().__init__(params, defaults)

    def _validate(self, options):
        check_adam_options(type(self).__name__, options)

    def _update(self, x, g, state, group):
        eps = group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["exp_avg"] = np.zeros_like(x)
            state["exp_inf"] = np.zeros_like(x)
        state["step"] += 1
        t = float(state["step"])
        m, u = state["exp_avg"], state["exp_inf"]
        g = decayed_gradient(x, g, group)
        m += (1 - beta1) * (g - m)
        u *= beta2
        np.maximum(u, np.abs(g) + eps, out=u)
        x -= group["lr"] / (1 - beta1**t) * (m / u)
