"""Adam and AdamW (torch.optim.Adam, torch.optim.AdamW)."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_adam_options, decayed_gradient


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square.

    With learning rate lr, betas (beta1, beta2), eps and weight decay lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0 (L2 penalty)
        theta_{t-1} = (1 - lr * lambda) * theta_{t-1}    instead, if decoupled_weight_decay
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        v_t = max(vmax_{t-1}, v_t) =: vmax_t             if amsgrad (for the denominator only)
        theta_t = theta_{t-1} - lr / (1 - beta1**t) * m_t / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    m_0 = v_0 = vmax_0 = 0. State per parameter: ``step`` (t, a 0-d float32 array),
    ``exp_avg`` (m_t), ``exp_avg_sq`` (v_t) and, with amsgrad, ``max_exp_avg_sq`` (vmax_t).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
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
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(x)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = float(state["step"])
        g = decayed_gradient(x, g, group, lr, group["decoupled_weight_decay"])
        # in place, with one scratch array: m and v, then the step
        tmp = np.subtract(g, m, out=np.empty_like(x))
        tmp *= 1 - beta1
        m += tmp
        v *= beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v, out=tmp)
        denom /= (1 - beta2**t) ** 0.5
        denom += eps
        step = np.divide(m, denom, out=tmp)
        step *= lr / (1 - beta1**t)
        x -= step


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks theta, not the gradient.

    Each step t, with the same m_t, v_t as ``Adam`` (whose equations apply with g_t the plain
    gradient)::

        theta_{t-1} = (1 - lr * lambda) * theta_{t-1}
        theta_t = theta_{t-1} - lr / (1 - beta1**t) * m_t / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    The default weight decay lambda is 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
