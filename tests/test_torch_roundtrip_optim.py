"""Every optimizer and LR scheduler that torch also has, resumed from a file mid-run.

Optimizers: a small float64 model (Linear(4, 3), Tanh, Linear(3, 2)) with torch's weights
(moved by ``safetensors.torch.save_file`` and ``gg.load``) takes 5 steps on a fixed batch.
glassgrad stops after 3, writes ``{"model": ..., "optimizer": ...}`` with ``gg.save``, and a
fresh model and a fresh optimizer load it and take the last 2 steps; every parameter after
every step must equal torch's uninterrupted run to 1e-10. The other way too: torch's
optimizer state_dict after 3 steps, written by ``gg.save`` and read by ``gg.load``, resumes a
glassgrad optimizer on torch's trajectory.

Schedulers: the learning rate (and the momentum that CyclicLR and OneCycleLR cycle) of two
param groups over 10 steps must equal torch's, with the optimizer's and the scheduler's
state_dicts moved through a file after step 4.

``test_every_optimizer_has_a_case`` / ``test_every_scheduler_has_a_case`` fail when glassgrad
exports a class that torch also has and no case runs it.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.optim as goptim

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

TOL = 1e-10
STEPS, RESUME_AT = 5, 3

# Exported by glassgrad.optim and by torch.optim, but no case here runs them: name -> why.
SKIP = {"Optimizer": "the base class; every case exercises it"}
SCHED_SKIP = {"LRScheduler": "the base class; every scheduler case exercises it",
              "Optimizer": "lr_scheduler re-exports torch's Optimizer, not a scheduler"}

# (class name, options), the same in torch and glassgrad
OPTIM_CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "amsgrad": True, "weight_decay": 0.1,
              "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.3, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.02, "momentum": 0.7, "centered": True, "weight_decay": 0.1,
                 "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.2, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01,
               "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 2, "weight_decay": 0.1,
              "maximize": True}),
    ("LBFGS", {"lr": 0.5, "max_iter": 4}),
    ("LBFGS", {"lr": 1, "max_iter": 3, "history_size": 2, "line_search_fn": "strong_wolfe"}),
]


def _ids(cases):
    return [f"{name}-{i}" for i, (name, _) in enumerate(cases)]


# ----------------------------------------------------------------------------- models
def _models(tmp_path):
    """(torch model, glassgrad model) with the same weights, moved by a safetensors file."""
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(),
                             torch.nn.Linear(3, 2)).double()
    path = tmp_path / "model.safetensors"
    st_torch.save_file(dict(tm.state_dict()), str(path))
    return tm, _gg_model(gg.load(path))


def _gg_model(state=None, seed=5):
    gg.manual_seed(seed)  # a different init: loading must overwrite all of it
    m = gg.nn.Sequential(gg.nn.Linear(4, 3), gg.nn.Tanh(), gg.nn.Linear(3, 2)).double()
    if state is not None:
        m.load_state_dict(state)
    return m


def _batch():
    r = np.random.default_rng(1)
    return r.standard_normal((6, 4)), r.standard_normal((6, 2))


def _step(opt, model, lib):
    x, y = _batch()
    T = (lambda a: torch.tensor(a)) if lib is torch else gg.tensor
    x, y = T(x), T(y)

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)


def _params(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


def _to_numpy(obj):
    """torch's optimizer state_dict with numpy arrays for tensors (what gg.save stores)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().numpy().copy()
    if isinstance(obj, dict):
        return {k: _to_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_numpy(v) for v in obj)
    return obj


def _assert_tree_close(where, ours, theirs):
    """Nested state (dicts, lists, arrays, numbers) equal to torch's."""
    if isinstance(theirs, torch.Tensor) or isinstance(theirs, np.ndarray):
        a = np.asarray(_to_numpy(theirs), dtype=np.float64)
        b = np.asarray(ours.numpy() if isinstance(ours, gg.Tensor) else ours, dtype=np.float64)
        assert a.shape == b.shape, f"{where}: shape {b.shape} != torch {a.shape}"
        np.testing.assert_allclose(b, a, rtol=TOL, atol=TOL, err_msg=where)
    elif isinstance(theirs, dict):
        assert sorted(map(str, ours)) == sorted(map(str, theirs)), \
            f"{where}: keys {sorted(map(str, ours))} != torch {sorted(map(str, theirs))}"
        for k in theirs:
            _assert_tree_close(f"{where}/{k}", ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), f"{where}: length {len(ours)} != torch {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_tree_close(f"{where}/{i}", a, b)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=TOL, abs=TOL), f"{where}: {ours} != {theirs}"
    else:
        assert ours == theirs, f"{where}: {ours!r} != torch {theirs!r}"


# torch options about kernels and devices, which some glassgrad optimizers keep and some don't
_TORCH_ONLY_OPTIONS = {"foreach", "fused", "capturable", "differentiable"}


def _param_arg(model, grouped):
    """All parameters, or (``grouped``) two groups, the first with its own lr and weight
    decay, and the last bias frozen, so that it never gets a gradient nor any state."""
    params = list(model.parameters())
    if not grouped:
        return params
    params[3].requires_grad_(False)
    return [{"params": params[:2], "lr": 0.03, "weight_decay": 0.2}, {"params": params[2:]}]


def _torch_run(name, kw, tm, grouped=False):
    opt = getattr(torch.optim, name)(_param_arg(tm, grouped), **kw)
    traj, saved = [], None
    for k in range(STEPS):
        _step(opt, tm, torch)
        traj.append(_params(tm))
        if k + 1 == RESUME_AT:
            saved = _to_numpy(opt.state_dict())  # torch's holds its live tensors: copy now
    return traj, saved


GROUPED = [(name, kw, False) for name, kw in OPTIM_CASES] + [
    (name, kw, True) for name, kw in OPTIM_CASES if name != "LBFGS"]  # LBFGS: one group


@pytest.mark.parametrize("name, kw, grouped", GROUPED, ids=[
    f"{n}-{i}{'-groups' if g else ''}" for i, (n, _, g) in enumerate(GROUPED)])
def test_optimizer_resumed_from_file_follows_torch(name, kw, grouped, tmp_path):
    tm, gm = _models(tmp_path)
    t_traj, t_state = _torch_run(name, kw, tm, grouped)

    opt = getattr(goptim, name)(_param_arg(gm, grouped), **kw)
    traj = []
    for _ in range(RESUME_AT):
        _step(opt, gm, gg)
        traj.append(_params(gm))
    # the saved state has torch's layout and values
    ours = opt.state_dict()
    _assert_tree_close(f"{name} state", ours["state"], t_state["state"])
    for i, (g, t) in enumerate(zip(ours["param_groups"], t_state["param_groups"])):
        t = {k: v for k, v in t.items() if k not in _TORCH_ONLY_OPTIONS}
        g = {k: v for k, v in g.items() if k not in _TORCH_ONLY_OPTIONS}
        _assert_tree_close(f"{name} param_groups/{i}", g, t)

    path = tmp_path / "checkpoint.safetensors"
    gg.save({"model": gm.state_dict(), "optimizer": opt.state_dict()}, path)
    del opt, gm
    ckpt = gg.load(path)
    gm = _gg_model(ckpt["model"])
    opt = getattr(goptim, name)(_param_arg(gm, grouped), **kw)
    opt.load_state_dict(ckpt["optimizer"])
    for _ in range(RESUME_AT, STEPS):
        _step(opt, gm, gg)
        traj.append(_params(gm))

    for k, (ours_k, theirs_k) in enumerate(zip(traj, t_traj)):
        for i, (a, b) in enumerate(zip(ours_k, theirs_k)):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL,
                                       err_msg=f"{name} {kw}: parameter {i} after step {k + 1}")


@pytest.mark.parametrize("name, kw", OPTIM_CASES, ids=_ids(OPTIM_CASES))
def test_optimizer_resumes_from_torch_state(name, kw, tmp_path):
    """torch's optimizer state_dict, through gg.save/gg.load, continues torch's run."""
    tm, _ = _models(tmp_path)
    t_traj, t_state = _torch_run(name, kw, tm)
    path = tmp_path / "torch-optimizer.safetensors"
    gg.save(t_state, path)
    torch.manual_seed(0)  # the weights torch had after RESUME_AT steps
    state = {k: gg.tensor(v) for k, v in zip(
        ["0.weight", "0.bias", "2.weight", "2.bias"], t_traj[RESUME_AT - 1])}
    gm = _gg_model(state)
    opt = getattr(goptim, name)(gm.parameters(), **kw)
    opt.load_state_dict(gg.load(path))
    for k in range(RESUME_AT, STEPS):
        _step(opt, gm, gg)
        for i, (a, b) in enumerate(zip(_params(gm), t_traj[k])):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL,
                                       err_msg=f"{name} {kw}: parameter {i} after step {k + 1}")


def _exported(module, base_module, base):
    return sorted(n for n in dir(module) if not n.startswith("_")
                  and isinstance(getattr(module, n), type)
                  and isinstance(getattr(base_module, n, None), type)
                  and issubclass(getattr(base_module, n), base))


def test_every_optimizer_has_a_case():
    covered = {name for name, _ in OPTIM_CASES}
    names = _exported(goptim, torch.optim, torch.optim.Optimizer)
    missing = [n for n in names if n not in covered and n not in SKIP]
    assert not missing, f"optimizers torch also has with no case and no SKIP reason: {missing}"
    defaults_only = [n for n in covered if sum(c == n for c, _ in OPTIM_CASES) < 2]
    assert not defaults_only, f"optimizers with one option set only: {defaults_only}"


# ----------------------------------------------------------------------------- schedulers
def _constant_then_exp(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.ConstantLR(opt, factor=0.5, total_iters=2),
                                s.ExponentialLR(opt, gamma=0.8)], milestones=[3])


def _warmup_then_cosine(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=3),
                                s.CosineAnnealingLR(opt, T_max=5),
                                s.StepLR(opt, step_size=1, gamma=0.5)], milestones=[3, 6])


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=3),
                               s.ExponentialLR(opt, gamma=0.9)])


def _lambda(e):
    return 0.9 ** e


def _mult(e):
    return 0.95 if e % 2 else 0.8


# (class name, options or a builder (lib, optimizer) -> scheduler, optimizer name)
SCHED_CASES = [
    ("LambdaLR", {"lr_lambda": _lambda}, "SGD"),
    ("LambdaLR", {"lr_lambda": [_lambda, _mult]}, "SGD"),
    ("MultiplicativeLR", {"lr_lambda": _mult}, "SGD"),
    ("StepLR", {"step_size": 2, "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [2, 5, 6], "gamma": 0.3}, "SGD"),
    ("ConstantLR", {"factor": 0.5, "total_iters": 3}, "SGD"),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 4}, "SGD"),
    ("ExponentialLR", {"gamma": 0.8}, "SGD"),
    ("PolynomialLR", {"total_iters": 6, "power": 2.0}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, "SGD"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2,
                  "mode": "triangular2"}, "SGD"),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 3,
                  "step_size_down": 1, "mode": "exp_range", "gamma": 0.9,
                  "base_momentum": 0.7, "max_momentum": 0.95}, "SGD"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 11}, "SGD"),
    ("OneCycleLR", {"max_lr": [0.1, 0.2], "total_steps": 11, "anneal_strategy": "linear",
                    "three_phase": True, "pct_start": 0.4}, "Adam"),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "cooldown": 1}, "SGD"),
    ("ReduceLROnPlateau", {"mode": "max", "patience": 0, "factor": 0.3,
                           "threshold_mode": "abs", "min_lr": 0.01}, "SGD"),
    ("LinearLR", {}, "Adam"),
    ("PolynomialLR", {"total_iters": 3}, "SGD"),
    ("CosineAnnealingWarmRestarts", {"T_0": 4}, "Adam"),
    ("CosineAnnealingLR", {"T_max": 3}, "Adam"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.3], "step_size_up": 2,
                  "cycle_momentum": False, "scale_fn": _mult, "scale_mode": "iterations"},
     "Adam"),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": 6, "div_factor": 5.0,
                    "final_div_factor": 50.0, "cycle_momentum": False}, "SGD"),
    ("ReduceLROnPlateau", {"threshold": 0.1, "patience": 1, "eps": 0.02, "factor": 0.2},
     "Adam"),
    ("SequentialLR", _constant_then_exp, "SGD"),
    ("SequentialLR", _warmup_then_cosine, "Adam"),
    ("ChainedScheduler", _chained, "SGD"),
]

METRICS = [1.0, 0.9, 0.95, 0.97, 0.96, 0.5, 0.6, 0.7, 0.71, 0.72]


def _sched_run(lib, case, tmp_path=None):
    """lr and momentum of both groups after each of 10 steps; with ``tmp_path``, the
    optimizer's and scheduler's state_dicts go through a gg.save file after step 4."""
    name, kw, opt_name = case
    optim = lib.optim
    T = (lambda a: torch.tensor(a)) if lib is torch else gg.tensor

    def build():
        p1, p2 = T(np.ones(2)).requires_grad_(), T(np.ones(3)).requires_grad_()
        opt_kw = {"momentum": 0.9} if opt_name == "SGD" else {}
        opt = getattr(optim, opt_name)([{"params": [p1], "lr": 0.1},
                                        {"params": [p2], "lr": 0.05}], **opt_kw)
        sched = kw(lib, opt) if callable(kw) else getattr(optim.lr_scheduler, name)(opt, **kw)
        return opt, sched

    opt, sched = build()
    out = []
    for k in range(10):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(METRICS[k])
        else:
            sched.step()
        out.append([(g["lr"], g.get("momentum", g.get("betas", (None,))[0]))
                    for g in opt.param_groups])
        if tmp_path is not None and k == 3:
            path = tmp_path / "sched.safetensors"
            gg.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, path)
            ckpt = gg.load(path)
            opt, sched = build()
            opt.load_state_dict(ckpt["optimizer"])
            sched.load_state_dict(ckpt["scheduler"])
    return out, sched


@pytest.mark.parametrize("case", SCHED_CASES, ids=_ids([(c[0], None) for c in SCHED_CASES]))
def test_scheduler_resumed_from_file_follows_torch(case, tmp_path):
    theirs, t_sched = _sched_run(torch, case)
    ours, g_sched = _sched_run(gg, case, tmp_path)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        for i, ((lr, mom), (t_lr, t_mom)) in enumerate(zip(a, b)):
            assert lr == pytest.approx(t_lr, rel=1e-12, abs=1e-15), \
                f"{case[0]}: group {i} lr after step {k + 1}: {lr} != torch {t_lr}"
            assert mom == pytest.approx(t_mom, rel=1e-12, abs=1e-15), \
                f"{case[0]}: group {i} momentum after step {k + 1}: {mom} != torch {t_mom}"
    if hasattr(t_sched, "get_last_lr"):
        assert g_sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12)
    t_sd, g_sd = t_sched.state_dict(), g_sched.state_dict()
    for key in ("last_epoch", "_step_count", "base_lrs", "best", "num_bad_epochs",
                "cooldown_counter", "T_cur", "T_i"):
        if key in t_sd:
            assert key in g_sd, f"{case[0]}: state_dict has no {key!r} (torch: {t_sd[key]!r})"
            assert g_sd[key] == pytest.approx(t_sd[key], rel=1e-12), \
                f"{case[0]}: state_dict[{key!r}] = {g_sd[key]!r}, torch {t_sd[key]!r}"


def test_every_scheduler_has_a_case():
    covered = {c[0] for c in SCHED_CASES}
    names = [n for n in dir(goptim.lr_scheduler) if not n.startswith("_")
             and isinstance(getattr(goptim.lr_scheduler, n), type)
             and isinstance(getattr(torch.optim.lr_scheduler, n, None), type)]
    missing = [n for n in names if n not in covered and n not in SCHED_SKIP]
    assert not missing, f"schedulers torch also has with no case and no SKIP reason: {missing}"
