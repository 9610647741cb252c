"""NAdam (torch.optim.NAdam), and the 0-d scalar state it shares with ASGD."""

from __future__ import annotations

import numpy as np

from .._dtype import get_default_dtype
from .optimizer import (
    Optimizer,
    check_adam_options,
    check_option,
    decayed_gradient,
    torch_flags,
)


def scalar_dtype():
    """torch keeps scalar state (NAdam's mu_product, ASGD's eta and mu) as 0-d tensors of
    float64 when the default dtype is float64, else float32; the rounding shows in the
    trajectory, so glassgrad keeps the same."""
    return np.float64 if get_default_dtype() == np.float64 else np.float32


class ScalarStateOptimizer(Optimizer):
    """An optimizer whose state holds 0-d scalars besides ``step`` (named in ``_SCALARS``).

    ``load_state_dict`` keeps them 0-d in the scalar dtype instead of casting them to each
    parameter's shape and dtype.
    """

    _SCALARS: tuple = ()

    def load_state_dict(self, state_dict):
        kept, state = {}, {}
        for k, values in state_dict["state"].items():
            values = dict(values)
            kept[k] = {key: values.pop(key) for key in self._SCALARS if key in values}
            state[k] = values
        super().load_state_dict({**state_dict, "state": state})
        params = [p for group in self.param_groups for p in group["params"]]
        for k, scalars in kept.items():
            for key, v in scalars.items():
                v = getattr(v, "_data", v)
                self.state[params[int(k)]][key] = np.array(v, dtype=scalar_dtype())


class NAdam(ScalarStateOptimizer):
    """NAdam: Adam with Nesterov momentum, whose momentum factor warms up over the steps.

    With learning rate lr, betas (beta1, beta2), eps, weight decay lambda and momentum decay
    psi, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0 (L2 penalty)
        theta_{t-1} = (1 - lr * lambda) * theta_{t-1}    instead, if decoupled_weight_decay
        mu_t = beta1 * (1 - 0.96**(t * psi) / 2)
        P_t = mu_1 * mu_2 * ... * mu_t
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        D_t = sqrt(v_t / (1 - beta2**t)) + eps
        theta_t = theta_{t-1} - lr * (1 - mu_t) / (1 - P_t) * g_t / D_t
                              - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m_t / D_t

    m_0 = v_0 = 0. State per parameter: ``step`` (t), ``mu_product`` (P_t, 0-d, float32
    unless the default dtype is float64, as torch), ``exp_avg`` (m_t), ``exp_avg_sq`` (v_t).
    """

    _SCALARS = ("mu_product",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    **torch_flags(foreach, maximize, capturable, differentiable)}
        super().__init__(params, defaults)

    def _validate(self, options):
        name = type(self).__name__
        check_adam_options(name, options)
        check_option(name, "momentum_decay value", options["momentum_decay"])

    def _update(self, x, g, state, group):
        lr, eps, psi = group["lr"], group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["mu_product"] = np.ones((), scalar_dtype())
            state["exp_avg"] = np.zeros_like(x)
            state["exp_avg_sq"] = np.zeros_like(x)
        state["step"] += 1
        t = float(state["step"])
        m, v = state["exp_avg"], state["exp_avg_sq"]
        g = decayed_gradient(x, g, group, lr, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= state["mu_product"].dtype.type(mu)
        prod = float(state["mu_product"])
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        denom = np.sqrt(v / (1 - beta2**t)) + eps
        x -= lr * (1.0 - mu) / (1.0 - prod) * (g / denom)
        x -= lr * mu_next / (1.0 - prod * mu_next) * (m / denom)
