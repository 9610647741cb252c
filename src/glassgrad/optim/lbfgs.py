"""L-BFGS (torch.optim.LBFGS), with an optional strong-Wolfe line search."""

from __future__ import annotations

import numpy as np

from ..autograd.graph import enable_grad
from ..autograd.tensor import Tensor
from .optimizer import Optimizer, check_option


class LBFGS(Optimizer):
    """Limited-memory BFGS: quasi-Newton steps from the last ``history_size`` curvature pairs.

    ``step(closure)`` runs up to ``max_iter`` iterations (and ``max_eval`` evaluations of the
    closure, which must recompute the loss and its gradient). With g the flat gradient of all
    parameters, each iteration k::

        s_k = t_k d_k,   y_k = g_{k+1} - g_k        kept (oldest dropped) when y_k . s_k > 1e-10
        d = -H g, H g by the two-loop recursion over the pairs, with H_0 = (y.s / y.y) I
        d_1 = -g_1;  t = lr * min(1, 1 / sum|g_1|) on the very first iteration, else t = lr
        theta = theta + t d            (t from a strong-Wolfe search if line_search_fn is
                                         'strong_wolfe': c1 = 1e-4, c2 = 0.9, cubic steps)

    It stops when max|g| <= tolerance_grad, the directional derivative g.d > -tolerance_change,
    max|t d| <= tolerance_change or the loss changes by less than tolerance_change. One param
    group only; its state (kept under the first parameter, as torch) carries across steps.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_option("LBFGS", "learning rate", lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        for i, p in enumerate(self._params):
            if not isinstance(p, Tensor):
                raise TypeError(f"LBFGS: parameter {i} is a {type(p).__name__}; LBFGS "
                                "optimizes Tensors only")

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------------------ flat views
    def _flat_grad(self):
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else np.ravel(p.grad._data) for p in self._params])

    def _add(self, t, d):
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += t * d[offset:offset + n].reshape(p._data.shape)
            p._version[0] += 1
            offset += n

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def _evaluate_at(self, closure, t, d):
        """Loss and gradient at theta + t d, leaving theta as it was."""
        saved = [p._data.copy() for p in self._params]
        self._add(t, d)
        _, loss, g = self._evaluate(closure)
        for p, x in zip(self._params, saved):
            p._data[...] = x
            p._version[0] += 1
        return loss, g

    # ------------------------------------------------------------------ the step
    def step(self, closure):
        """Run up to max_iter L-BFGS iterations; return the loss ``closure()`` gave first."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, g = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        dirs, steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_g = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, dirs, steps, ro, h_diag = -g, [], [], [], 1.0
            else:
                y, s = g - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only with positive curvature
                    if len(dirs) == group["history_size"]:
                        dirs.pop(0), steps.pop(0), ro.pop(0)
                    dirs.append(y), steps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = _two_loop(g, dirs, steps, ro, h_diag, state, group["history_size"])
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:  # not a descent direction
                break
            ls_evals = 0
            if group["line_search_fn"] is not None:
                loss, g, t, ls_evals = _strong_wolfe(
                    lambda t_, d_: self._evaluate_at(closure, t_, d_), t, d, loss, g, gtd,
                    tolerance_change=tol_change, max_ls=max_eval - evals)
                self._add(t, d)
                converged = np.abs(g).max() <= tol_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    _, loss, g = self._evaluate(closure)
                    converged = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == max_iter or evals >= max_eval or converged
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        state.update({"d": d, "t": t, "old_dirs": dirs, "old_stps": steps, "ro": ro,
                      "H_diag": h_diag, "prev_flat_grad": prev_g, "prev_loss": prev_loss})
        return orig_loss

    def load_state_dict(self, state_dict):
        """As the base, but the flat vectors and lists of the state load as they are."""
        saved = {k: dict(v) for k, v in state_dict["state"].items()}
        super().load_state_dict({**state_dict, "state": {}})
        self._params = self.param_groups[0]["params"]
        for k, values in saved.items():
            self.state[self._params[int(k)]] = {key: _plain(v) for key, v in values.items()}


def _plain(v):
    """A private copy of a saved state value: Tensors to arrays, lists item by item."""
    if isinstance(v, list):
        return [_plain(x) for x in v]
    v = getattr(v, "_data", v)
    if hasattr(v, "numpy") and not isinstance(v, np.ndarray):  # a foreign tensor type
        v = v.numpy()
    if isinstance(v, np.ndarray):
        return float(v) if v.ndim == 0 else v.copy()
    return v


def _two_loop(g, dirs, steps, ro, h_diag, state, history_size):
    """-H g for the L-BFGS inverse Hessian H of the pairs (steps s_i, gradient changes y_i)."""
    al = state.setdefault("al", [None] * history_size)
    q = -g
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = float(steps[i] @ q) * ro[i]
        q = q - al[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = float(dirs[i] @ r) * ro[i]
        r = r + (al[i] - beta) * steps[i]
    return r


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clipped to the bounds
    (the interval between the points by default); their midpoint if the cubic has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_sq = d1 * d1 - g1 * g2
    if d2_sq < 0:
        return (lo + hi) / 2.0
    d2 = d2_sq**0.5
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """A step t along d meeting the strong Wolfe conditions (as torch's search, after
    Nocedal and Wright, algorithms 3.5 and 3.6): bracket, then zoom by cubic interpolation.

    Returns (loss, gradient, t, number of evaluations).
    """
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t, d)
    n_evals, gtd_new = 1, float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, it = False, 0
    # bracketing: points [low, high] (in some order) that hold an acceptable step
    while it < max_ls:
        sufficient = f_new <= f + c1 * t * gtd and not (it > 1 and f_new >= f_prev)
        if sufficient and abs(gtd_new) <= -c2 * gtd:
            br, br_f, br_g, done = [t], [f_new], [g_new], True
            break
        if not sufficient or gtd_new >= 0:
            br, br_f, br_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            br_gtd = [gtd_prev, gtd_new]
            break
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = evaluate(t, d)
        n_evals, gtd_new = n_evals + 1, float(g_new @ d)
        it += 1
    if it == max_ls:
        br, br_f, br_g = [0, t], [f, f_new], [g, g_new]
    low, high = (0, 1) if br_f[0] <= br_f[-1] else (1, 0)
    # zoom: shrink the bracket until the strong Wolfe conditions hold
    stuck = False
    while not done and it < max_ls:
        if abs(br[1] - br[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1])
        top, bottom = max(br), min(br)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end: move inside
            if stuck or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f_new, g_new = evaluate(t, d)
        n_evals, gtd_new = n_evals + 1, float(g_new @ d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= br_f[low]:
            br[high], br_f[high], br_g[high], br_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if br_f[0] <= br_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (br[high] - br[low]) >= 0:
                br[high], br_f[high], br_g[high] = br[low], br_f[low], br_g[low]
                br_gtd[high] = br_gtd[low]
            br[low], br_f[low], br_g[low], br_gtd[low] = t, f_new, g_new, gtd_new
    return br_f[low], br_g[low], br[low], n_evals
