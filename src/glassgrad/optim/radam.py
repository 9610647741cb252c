"""RAdam (torch.optim.RAdam)."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import (
    Optimizer,
    check_adam_options,
    decayed_gradient,
    torch_flags,
)


class RAdam(Optimizer):
    """RAdam: Adam whose adaptive step is switched on, and rectified, once its variance is
    tractable.

    With learning rate lr, betas (beta1, beta2), eps and weight decay lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0 (L2 penalty)
        theta_{t-1} = (1 - lr * lambda) * theta_{t-1}    instead, if decoupled_weight_decay
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        mhat_t = m_t / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            l_t = sqrt(1 - beta2**t) / (sqrt(v_t) + eps)
            theta_t = theta_{t-1} - lr * mhat_t * l_t * r_t
        else:
            theta_t = theta_{t-1} - lr * mhat_t

    m_0 = v_0 = 0. State per parameter: ``step`` (t, a 0-d float32 array), ``exp_avg`` (m_t)
    and ``exp_avg_sq`` (v_t).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    **torch_flags(foreach, maximize, capturable, differentiable)}
        super().__init__(params, defaults)

    def _validate(self, options):
        check_adam_options(type(self).__name__, options)

    def _update(self, x, g, state, group):
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["exp_avg"] = np.zeros_like(x)
            state["exp_avg_sq"] = np.zeros_like(x)
        state["step"] += 1
        t = float(state["step"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        g = decayed_gradient(x, g, group, lr, group["decoupled_weight_decay"])
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        bc2 = 1 - beta2**t
        mhat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            x -= mhat * lr * (bc2**0.5 / (np.sqrt(v) + eps)) * rect
        else:
            x -= mhat * lr
