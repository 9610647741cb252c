"""Averaged stochastic gradient descent (torch.optim.ASGD)."""

from __future__ import annotations

import numpy as np

from .nadam import ScalarStateOptimizer, scalar_dtype
from .optimizer import check_option, decayed_gradient, torch_flags


class ASGD(ScalarStateOptimizer):
    """ASGD: SGD with a decaying step, keeping a running average of the iterates.

    With learning rate lr, decay lambd, power alpha, averaging start t0 and weight decay
    lambda, each step t::

        g_t = grad f(theta_{t-1})                        (-grad f if maximize)
        g_t = g_t + lambda * theta_{t-1}                 if lambda != 0
        theta_t = (1 - lambd * eta_{t-1}) * theta_{t-1} - eta_{t-1} * g_t
        ax_t = ax_{t-1} + mu_{t-1} * (theta_t - ax_{t-1})     (ax_t = theta_t if mu_{t-1} = 1)
        eta_t = lr / (1 + lambd * lr * t)**alpha
        mu_t = 1 / max(1, t - t0)

    eta_0 = lr, mu_0 = 1, ax_0 = 0. The average ``ax`` is kept, not used by the step: read it
    from ``optimizer.state[p]["ax"]``. State per parameter: ``step`` (t), ``eta`` and ``mu``
    (0-d, float32 unless the default dtype is float64, as torch) and ``ax``.
    """

    _SCALARS = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay,
                    **torch_flags(foreach, maximize, capturable, differentiable)}
        super().__init__(params, defaults)

    def _validate(self, options):
        name = type(self).__name__
        check_option(name, "learning rate", options["lr"])
        check_option(name, "weight_decay value", options["weight_decay"])

    def _update(self, x, g, state, group):
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = np.zeros((), np.float32)
            state["eta"] = np.array(lr, scalar_dtype())
            state["mu"] = np.ones((), scalar_dtype())
            state["ax"] = np.zeros_like(x)
        state["step"] += 1
        t = float(state["step"])
        g = decayed_gradient(x, g, group)
        eta, mu = float(state["eta"]), float(state["mu"])
        x *= 1 - lambd * eta
        x -= eta * g
        ax = state["ax"]
        if mu != 1:
            ax += (x - ax) * mu
        else:
            ax[...] = x
        state["eta"][...] = lr / (1 + lambd * lr * t) ** group["alpha"]
        state["mu"][...] = 1 / max(1, t - group["t0"])
