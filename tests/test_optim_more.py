"""Adadelta, Adamax, NAdam, RAdam, ASGD and the added lr schedulers against torch, in float64.

Trajectories over 20 steps on a small problem with three param groups; state_dict keys and
values, resuming from glassgrad's and from torch's state; per-group options; schedulers' lr
(and momentum) sequences, alone and composed.
"""

import json

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.optim import lr_scheduler
from glassgrad.optim.adadelta import Adadelta
from glassgrad.optim.adamax import Adamax
from glassgrad.optim.asgd import ASGD
from glassgrad.optim.nadam import NAdam
from glassgrad.optim.radam import RAdam
from glassgrad.optim.sgd import SGD
from torch_ref import torch

OURS = {"Adadelta": Adadelta, "Adamax": Adamax, "NAdam": NAdam, "RAdam": RAdam, "ASGD": ASGD}

RNG = np.random.default_rng(12)
W0, B0, C0 = RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal(())
X, Y = RNG.standard_normal((6, 3)), RNG.standard_normal((6, 4))


def loss_of(w, b, c, x, y, sign=1.0):
    """Nonlinear least squares plus penalties; the same code for glassgrad and torch."""
    z = (x @ w + b).tanh() * c
    return sign * (((z - y) ** 2).mean() + 0.1 * (w * w).sum() + 0.05 * (b**4).sum())


def build(lib, name, opts, group_opts):
    """Parameters w, b, c in three groups (options per group), an optimizer, and x, y."""
    if lib == "gg":
        params = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in (W0, B0, C0)]
        data = (gg.tensor(X), gg.tensor(Y))
        cls = OURS[name]
    else:
        params = [torch.tensor(a, requires_grad=True) for a in (W0, B0, C0)]
        data = (torch.tensor(X), torch.tensor(Y))
        cls = getattr(torch.optim, name)
        if "foreach" in opts:  # glassgrad accepts and ignores it; torch's foreach kernels
            opts = {**opts, "foreach": False}  # round differently, so compare with its default
    groups = [{"params": [p], **o} for p, o in zip(params, group_opts or [{}, {}, {}])]
    return params, cls(groups, **opts), data


def run(params, opt, data, steps, sign=1.0):
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*params, *data, sign).backward()
        opt.step()
        out.append([np.array(p.detach().numpy(), copy=True) for p in params])
    return out


def trajectory(lib, name, opts, group_opts=None, steps=20):
    params, opt, data = build(lib, name, opts, group_opts)
    sign = -1.0 if opts.get("maximize") else 1.0
    return run(params, opt, data, steps, sign), opt


def assert_same(ours, ref, rtol=1e-10):
    for step, (ps, tps) in enumerate(zip(ours, ref, strict=True)):
        for p, tp in zip(ps, tps, strict=True):
            np.testing.assert_allclose(p, tp, rtol=rtol, atol=1e-13, err_msg=f"step {step}")


THREE = [{}, {"lr": 0.03}, {"weight_decay": 0.1}]
CASES = [
    ("Adadelta", {}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.05}, None),
    ("Adadelta", {"maximize": True, "foreach": True}, [{}, {"rho": 0.5}, {"lr": 2.0}]),
    ("Adamax", {}, None),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1, "maximize": True}, None),
    ("Adamax", {"lr": 0.02, "foreach": False}, [{}, {"betas": (0.5, 0.9)}, {"eps": 1e-3}]),
    ("NAdam", {}, None),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.01, "weight_decay": 0.1}, None),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}, None),
    ("NAdam", {"lr": 0.03, "foreach": True}, [{}, {"betas": (0.6, 0.95)},
                                              {"momentum_decay": 0.1}]),
    ("RAdam", {}, None),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9), "weight_decay": 0.1}, None),  # rho_t > 5 soon
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.8), "weight_decay": 0.1,
               "decoupled_weight_decay": True, "maximize": True}, None),
    ("RAdam", {"lr": 0.02, "foreach": True}, [{}, {"betas": (0.7, 0.85)}, {"eps": 1e-2}]),
    ("ASGD", {}, None),
    ("ASGD", {"lr": 0.1, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}, None),
    ("ASGD", {"lr": 0.05, "t0": 3, "maximize": True, "foreach": True},
     [{}, {"lambd": 0.1}, {"lr": 0.2, "alpha": 1.0}]),
]
for _name in OURS:
    CASES.append((_name, {"lr": 0.01} if _name != "Adadelta" else {}, THREE))


@pytest.mark.parametrize("name, opts, group_opts", CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, opts, group_opts):
    ours, opt = trajectory("gg", name, opts, group_opts)
    ref, topt = trajectory("torch", name, opts, group_opts)
    assert_same(ours, ref)
    assert not np.allclose(ours[-1][0], W0)  # it moved
    # every group holds torch's options, under torch's keys
    for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
        assert g.keys() == tg.keys()
        for k in g:
            if k not in ("params", "foreach"):
                assert g[k] == tg[k], k


def test_asgd_average_matches_torch():
    opts = {"lr": 0.1, "t0": 4, "lambd": 0.01}
    (_, opt), (_, topt) = trajectory("gg", "ASGD", opts), trajectory("torch", "ASGD", opts)
    for p, tp in zip(opt.param_groups, topt.param_groups):
        a, ta = opt.state[p["params"][0]]["ax"], topt.state[tp["params"][0]]["ax"]
        np.testing.assert_allclose(a, ta.numpy(), rtol=1e-10, atol=1e-13)
        assert not np.allclose(a, p["params"][0].detach().numpy())  # averaged since t0


def test_defaults_are_torchs():
    for name, cls in OURS.items():
        ours = cls([gg.zeros(2, requires_grad=True)]).defaults
        ref = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
        assert ours == ref, name


def to_numpy_state(tsd):
    return {"state": {i: {k: v.numpy() for k, v in s.items()} for i, s in tsd["state"].items()},
            "param_groups": tsd["param_groups"]}


@pytest.mark.parametrize("name", list(OURS))
def test_state_dict_matches_torch_and_loads_torch_state(name):
    opts = {"lr": 0.05, "t0": 3} if name == "ASGD" else {"lr": 0.05}
    if name == "Adadelta":
        opts = {}
    _, opt = trajectory("gg", name, opts, steps=6)
    ref, topt = trajectory("torch", name, opts, steps=6)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys() == {0, 1, 2}
    for i in sd["state"]:
        assert sd["state"][i].keys() == tsd["state"][i].keys()
        for k, v in sd["state"][i].items():
            tv = tsd["state"][i][k].numpy()
            assert v.dtype == tv.dtype and v.shape == tv.shape, (k, v.dtype, tv.dtype)
            np.testing.assert_allclose(v, tv, rtol=1e-10, atol=1e-13)
    # torch's state, as arrays and through JSON, loads into glassgrad and continues like torch
    params = [gg.tensor(t.detach().numpy(), requires_grad=True)
              for g in topt.param_groups for t in g["params"]]
    fresh = OURS[name]([{"params": [p]} for p in params])
    numpy_sd = to_numpy_state(tsd)
    as_json = json.loads(json.dumps(
        {"state": {i: {k: v.tolist() for k, v in s.items()} for i, s in numpy_sd["state"].items()},
         "param_groups": numpy_sd["param_groups"]}))
    as_json["state"] = {i: {k: np.array(v) for k, v in s.items()}
                        for i, s in as_json["state"].items()}
    fresh.load_state_dict(as_json)
    more = run(params, fresh, (gg.tensor(X), gg.tensor(Y)), 6)
    tparams = [t for g in topt.param_groups for t in g["params"]]
    tmore = run(tparams, topt, (torch.tensor(X), torch.tensor(Y)), 6)
    assert_same(more, tmore)


@pytest.mark.parametrize("name", list(OURS))
def test_round_trip_resumes_exactly(name):
    opts = {"lr": 0.05} if name != "Adadelta" else {}
    whole, _ = trajectory("gg", name, opts, THREE, steps=12)
    params, opt, data = build("gg", name, opts, THREE)
    run(params, opt, data, 5)
    sd = opt.state_dict()
    again = OURS[name]([{"params": [p]} for p in params])
    again.load_state_dict(sd)
    for g, saved in zip(again.param_groups, sd["param_groups"]):
        assert {k: v for k, v in g.items() if k != "params"} == \
            {k: v for k, v in saved.items() if k != "params"}
    assert_same(run(params, again, data, 7), whole[5:], rtol=0)


def test_nadam_and_asgd_scalar_state_follows_default_dtype():
    p = gg.zeros(2, requires_grad=True)
    p.grad = gg.ones(2)
    for cls, key in ((NAdam, "mu_product"), (ASGD, "eta")):
        opt = cls([p])
        opt.step()
        assert opt.state[p][key].dtype == np.float32 and opt.state[p][key].shape == ()
        opt.load_state_dict(opt.state_dict())
        assert opt.state[p][key].dtype == np.float32 and opt.state[p][key].shape == ()


def test_float32_params_stay_float32():
    for cls in OURS.values():
        p = gg.ones(3, requires_grad=True)
        p.grad = gg.full((3,), 0.5)
        cls([p]).step()
        assert p.dtype == gg.float32 and p.grad.dtype == gg.float32
        assert not np.allclose(p.detach().numpy(), 1.0)


def test_known_first_steps_without_torch():
    """Small values worked by hand, so the tests mean something without torch."""
    def first_step(cls, **kw):
        p = gg.tensor([1.0], dtype=gg.float64, requires_grad=True)
        p.grad = gg.tensor([2.0], dtype=gg.float64)
        cls([p], **kw).step()
        return float(p.detach().numpy()[0])
    # Adamax: m = 0.2, u = 2 + eps, step lr / 0.1 * m / u = lr
    assert first_step(Adamax, lr=0.1) == pytest.approx(0.9, abs=1e-8)
    # Adadelta: v = 0.4, delta = sqrt(eps) / sqrt(0.4 + eps) * 2
    assert first_step(Adadelta) == pytest.approx(1 - np.sqrt(1e-6 / (0.4 + 1e-6)) * 2)
    # RAdam's first steps are plain momentum SGD with bias correction: m / 0.1 = g
    assert first_step(RAdam, lr=0.1) == pytest.approx(0.8)
    # ASGD: (1 - lambd * lr) * 1 - lr * 2
    assert first_step(ASGD, lr=0.1, lambd=0.5) == pytest.approx(0.95 - 0.2)


def scalar_problem(a, b):
    return (a * b - 1) ** 2 + 0.1 * a * a + (b - 0.5).tanh() * 0.3


@pytest.mark.parametrize("name", list(OURS))
def test_value_params_follow_the_tensor_trajectory(name):
    from glassgrad import Value
    opts = {} if name == "Adadelta" else {"lr": 0.05, "weight_decay": 0.01}
    a, b = Value(0.3), Value(-1.2)
    ta, tb = (gg.tensor(v, dtype=gg.float64, requires_grad=True) for v in (0.3, -1.2))
    opt, topt = OURS[name]([a, b], **opts), OURS[name]([ta, tb], **opts)
    for _ in range(20):
        opt.zero_grad()
        topt.zero_grad()
        scalar_problem(a, b).backward()
        scalar_problem(ta, tb).backward()
        opt.step()
        topt.step()
        assert type(a.data) is float
        assert (a.data, b.data) == pytest.approx((float(ta.data), float(tb.data)), rel=1e-12)
    assert a.data != 0.3


@pytest.mark.parametrize("make, error, match", [
    (lambda p: Adadelta(p, rho=1.5), ValueError, "rho"),
    (lambda p: Adadelta(p, lr=-1), ValueError, "learning rate"),
    (lambda p: Adamax(p, betas=(1.0, 0.9)), ValueError, "beta parameter at index 0"),
    (lambda p: NAdam(p, momentum_decay=-0.1), ValueError, "momentum_decay"),
    (lambda p: RAdam(p, eps=-1), ValueError, "epsilon"),
    (lambda p: ASGD(p, weight_decay=-1), ValueError, "weight_decay"),
    (lambda p: NAdam(p, capturable=True), NotImplementedError, "capturable"),
])
def test_errors_name_the_value(make, error, match):
    with pytest.raises(error, match=match):
        make([gg.zeros(2, requires_grad=True)])


def test_add_param_group_and_zero_grad():
    a, b = gg.ones(2, requires_grad=True), gg.ones(3, requires_grad=True)
    opt = RAdam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    b.grad = gg.ones(3)
    opt.step()
    assert 0 not in opt.state_dict()["state"] and 1 in opt.state_dict()["state"]
    opt.zero_grad(set_to_none=False)
    assert np.all(b.grad.numpy() == 0)
    opt.zero_grad()
    assert b.grad is None


# ----------------------------------------------------------------------------- schedulers
LRS = (0.1, 0.05)


def make_opts(name="SGD", **kwargs):
    ours = {"SGD": SGD, "NAdam": NAdam}[name](
        [{"params": [gg.zeros(1, requires_grad=True)], "lr": lr} for lr in LRS], **kwargs)
    ref = getattr(torch.optim, name)([{"params": [torch.zeros(1, requires_grad=True)],
                                       "lr": lr} for lr in LRS], **kwargs)
    return ours, ref


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def history(opt, sched, steps=20):
    out = [(list(sched.get_last_lr()), momenta(opt))]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(([g["lr"] for g in opt.param_groups], momenta(opt)))
        assert list(sched.get_last_lr()) == out[-1][0]
    return out


def assert_history(ours, ref):
    for i, ((lrs, ms), (tlrs, tms)) in enumerate(zip(ours, ref, strict=True)):
        np.testing.assert_allclose(lrs, tlrs, rtol=1e-12, atol=1e-15, err_msg=f"step {i}")
        if ms[0] is not None or tms[0] is not None:
            np.testing.assert_allclose(ms, tms, rtol=1e-12, err_msg=f"momentum, step {i}")


def torch_state(sched):
    """torch's scheduler state without the flag its warning machinery keeps."""
    out = sched.state_dict()
    out.pop("_get_lr_called_within_step", None)
    return out


def _lambda(e):
    return 0.9 if e % 3 else 1.1


SCHEDULERS = [
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.6, "total_iters": 7}),
    ("ConstantLR", {}),
    ("ConstantLR", {"factor": 0.25, "total_iters": 9}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 12, "power": 2.5}),
    ("MultiplicativeLR", {"lr_lambda": _lambda}),
    ("MultiplicativeLR", {"lr_lambda": [_lambda, lambda e: 0.95]}),
    ("CosineAnnealingWarmRestarts", {"T_0": 4}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 2,
                  "step_size_down": 5, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.2], "step_size_up": 4, "mode": "exp_range",
                  "gamma": 0.9, "base_momentum": 0.7, "max_momentum": 0.95}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3,
                  "scale_fn": lambda x: 1 / (1 + x), "scale_mode": "iterations"}),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_matches_torch(name, kwargs):
    opt_kwargs = {"momentum": 0.9} if name == "CyclicLR" else {}
    opt, topt = make_opts(**opt_kwargs)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    assert_history(history(opt, sched), history(topt, tsched))
    ours, ref = sched.state_dict(), torch_state(tsched)
    assert ours.keys() == ref.keys()
    for k in ours:
        if k not in ("lr_lambdas", "_scale_fn_custom", "_last_lr"):
            assert ours[k] == ref[k], k


def test_cyclic_lr_cycles_adam_beta1():
    opt, topt = make_opts("NAdam")
    kw = {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3}
    assert_history(history(opt, lr_scheduler.CyclicLR(opt, **kw)),
                   history(topt, torch.optim.lr_scheduler.CyclicLR(topt, **kw)))


def test_warm_restarts_fractional_epochs():
    opt, topt = make_opts()
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.01)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=3,
                                                                  eta_min=0.01)
    for epoch in np.arange(0, 15, 0.35):
        opt.step()
        topt.step()
        sched.step(float(epoch))
        tsched.step(float(epoch))
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
    assert sched.T_i == tsched.T_i and sched.T_cur == pytest.approx(tsched.T_cur)
    with pytest.raises(ValueError, match="epoch"):
        sched.step(-1)


def composed(lib, kind):
    """A SequentialLR or ChainedScheduler, built the same way from either library."""
    if lib == "gg":
        opt, _ = make_opts()
        mod = lr_scheduler
    else:
        _, opt = make_opts()
        mod = torch.optim.lr_scheduler
    if kind == "sequential":
        parts = [mod.LinearLR(opt, start_factor=0.2, total_iters=4),
                 mod.ExponentialLR(opt, gamma=0.9),
                 mod.CosineAnnealingLR(opt, T_max=5, eta_min=0.001),
                 mod.StepLR(opt, step_size=2, gamma=0.5)]
        return opt, mod.SequentialLR(opt, parts, milestones=[4, 8, 13])
    if kind == "sequential-constant":
        parts = [mod.ConstantLR(opt, factor=0.5, total_iters=3),
                 mod.MultiStepLR(opt, milestones=[2, 4], gamma=0.3),
                 mod.PolynomialLR(opt, total_iters=4, power=2.0)]
        return opt, mod.SequentialLR(opt, parts, milestones=[3, 9])
    if kind == "sequential-cyclic":  # schedulers that set every lr from their own base_lrs
        parts = [mod.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2),
                 mod.CyclicLR(opt, 0.01, 0.1, step_size_up=2, cycle_momentum=False),
                 mod.MultiplicativeLR(opt, lambda e: 0.9)]
        return opt, mod.SequentialLR(opt, parts, milestones=[7, 12])
    if kind == "chained-restarts":
        parts = [mod.PolynomialLR(opt, total_iters=8, power=0.5),
                 mod.CosineAnnealingWarmRestarts(opt, T_0=4)]
        return opt, mod.ChainedScheduler(parts)
    if kind == "chained":
        parts = [mod.ConstantLR(opt, factor=0.5, total_iters=3),
                 mod.ExponentialLR(opt, gamma=0.9), mod.LinearLR(opt, total_iters=6)]
        return opt, mod.ChainedScheduler(parts)
    parts = [mod.ChainedScheduler([mod.LinearLR(opt, start_factor=0.5, total_iters=3),
                                   mod.ExponentialLR(opt, gamma=0.95)]),
             mod.CosineAnnealingLR(opt, T_max=6)]
    return opt, mod.SequentialLR(opt, parts, milestones=[5])


@pytest.mark.filterwarnings("ignore:Detected call of")  # torch's, for a nested Chained
@pytest.mark.parametrize("kind", ["sequential", "sequential-constant", "sequential-cyclic",
                                  "chained", "chained-restarts", "nested"])
def test_composed_schedulers_match_torch(kind):
    opt, sched = composed("gg", kind)
    topt, tsched = composed("torch", kind)
    assert_history(history(opt, sched, 25), history(topt, tsched, 25))
    ours, ref = sched.state_dict(), torch_state(tsched)
    assert ours.keys() == ref.keys()
    assert [s.keys() for s in ours["_schedulers"]] == \
        [s.keys() - {"_get_lr_called_within_step"} for s in ref["_schedulers"]]


def test_composed_state_dict_round_trip_through_json():
    opt, sched = composed("gg", "sequential")
    for _ in range(6):
        opt.step()
        sched.step()
    saved = json.loads(json.dumps(sched.state_dict()))
    rest = [sched.get_last_lr()]
    for _ in range(10):
        opt.step()
        sched.step()
        rest.append(sched.get_last_lr())
    opt2, sched2 = composed("gg", "sequential")
    sched2.load_state_dict(saved)
    for group, lr in zip(opt2.param_groups, saved["_last_lr"]):
        group["lr"] = lr
    again = [sched2.get_last_lr()]
    for _ in range(10):
        opt2.step()
        sched2.step()
        again.append(sched2.get_last_lr())
    assert again == rest


def test_scheduler_errors():
    opt, _ = make_opts()
    with pytest.raises(ValueError, match="start_factor"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="momentum"):
        lr_scheduler.CyclicLR(Adadelta([gg.zeros(1, requires_grad=True)]), 0.01, 0.1)
    with pytest.raises(ValueError, match="milestone"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt)], milestones=[2])
    other, _ = make_opts()
    with pytest.raises(ValueError, match="same optimizer"):
        lr_scheduler.SequentialLR(opt, [lr_scheduler.ConstantLR(opt),
                                        lr_scheduler.ConstantLR(other)], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="at least one"):
        lr_scheduler.ChainedScheduler([])
    with pytest.raises(TypeError, match="function"):
        lr_scheduler.MultiplicativeLR(opt, [_lambda, 0.9])
    with pytest.raises(ValueError, match="MultiplicativeLR: expected 2"):
        lr_scheduler.MultiplicativeLR(opt, [_lambda])


# ----------------------------------------------------------------------------- LBFGS
def lbfgs_run(lib, opts, steps=4, opt=None):
    """``steps`` LBFGS steps from (W0, B0, C0), or from where ``opt``'s parameters are."""
    from glassgrad.optim.lbfgs import LBFGS
    if lib == "gg":
        params = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in (W0, B0, C0)]
        data, make = (gg.tensor(X), gg.tensor(Y)), LBFGS
    else:
        params = [torch.tensor(a, requires_grad=True) for a in (W0, B0, C0)]
        data, make = (torch.tensor(X), torch.tensor(Y)), torch.optim.LBFGS
    opt = opt or make(params, **opts)
    params = opt.param_groups[0]["params"]
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_of(*params, *data)
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append([loss.item()] + [np.array(p.detach().numpy(), copy=True) for p in params])
    return out, opt, calls[0]


LBFGS_CASES = [
    {},
    {"lr": 0.5, "max_iter": 7, "history_size": 3},
    {"line_search_fn": "strong_wolfe", "max_iter": 8},  # (20 reaches the rounding floor)
    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 10, "max_eval": 30},
    {"lr": 0.8, "tolerance_grad": 1e-3, "tolerance_change": 1e-4},
]


@pytest.mark.parametrize("opts", LBFGS_CASES, ids=[str(i) for i in range(len(LBFGS_CASES))])
def test_lbfgs_matches_torch(opts):
    ours, opt, calls = lbfgs_run("gg", opts)
    ref, topt, tcalls = lbfgs_run("torch", opts)
    assert calls == tcalls
    for step, (row, trow) in enumerate(zip(ours, ref, strict=True)):
        assert row[0] == pytest.approx(trow[0], rel=1e-10, abs=1e-13)
        for p, tp in zip(row[1:], trow[1:]):
            # 80 iterations: dot products summed in another order drift to ~5e-12
            np.testing.assert_allclose(p, tp, rtol=1e-10, atol=1e-11, err_msg=f"step {step}")
    st, tst = opt.state[opt.param_groups[0]["params"][0]], topt.state[topt._params[0]]
    assert st.keys() == tst.keys()
    assert st["n_iter"] == tst["n_iter"] and st["func_evals"] == tst["func_evals"]
    assert len(st["old_dirs"]) == len(tst["old_dirs"])
    assert opt.param_groups[0].keys() == topt.param_groups[0].keys()


def test_lbfgs_state_round_trip_and_torch_state():
    from glassgrad.optim.lbfgs import LBFGS
    opts = {"line_search_fn": "strong_wolfe", "history_size": 4, "max_iter": 5}
    whole, _, _ = lbfgs_run("gg", opts, steps=4)
    _, opt, _ = lbfgs_run("gg", opts, steps=2)
    again = LBFGS(opt.param_groups[0]["params"], **opts)
    again.load_state_dict(opt.state_dict())
    rest, _, _ = lbfgs_run("gg", opts, steps=2, opt=again)
    for row, wrow in zip(rest, whole[2:]):  # the reloaded state continues the same run
        for p, wp in zip(row[1:], wrow[1:]):
            np.testing.assert_allclose(p, wp, rtol=1e-12)
    # torch's state, converted to arrays, loads and continues like torch
    _, topt, _ = lbfgs_run("torch", opts, steps=2)
    tsd = topt.state_dict()
    conv = {"state": {k: {n: ([x.numpy() for x in v] if isinstance(v, list) and v
                              and hasattr(v[0], "numpy") else
                              v.numpy() if hasattr(v, "numpy") else v)
                          for n, v in s.items()} for k, s in tsd["state"].items()},
            "param_groups": tsd["param_groups"]}
    ours = [gg.tensor(t.detach().numpy(), requires_grad=True) for t in topt._params]
    mine = LBFGS(ours, **opts)
    mine.load_state_dict(conv)
    rest, _, _ = lbfgs_run("gg", opts, steps=2, opt=mine)
    trest, _, _ = lbfgs_run("torch", opts, steps=2, opt=topt)
    for row, trow in zip(rest, trest):
        for p, tp in zip(row[1:], trow[1:]):
            np.testing.assert_allclose(p, tp, rtol=1e-10, atol=1e-11)


def test_lbfgs_errors():
    from glassgrad.optim.lbfgs import LBFGS
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="parameter groups"):
        LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        LBFGS([a], line_search_fn="armijo")
    with pytest.raises(ValueError, match="learning rate"):
        LBFGS([a], lr=-1)


def test_lbfgs_minimizes_a_quadratic_without_torch():
    from glassgrad.optim.lbfgs import LBFGS
    target = np.array([1.0, -2.0, 3.0])
    p = gg.zeros(3, dtype=gg.float64, requires_grad=True)
    opt = LBFGS([p], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (((p - gg.tensor(target)) ** 2) * gg.tensor([1.0, 10.0, 100.0])).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(p.detach().numpy(), target, atol=1e-6)


def test_lbfgs_trains_a_float32_module():
    from glassgrad import nn
    from glassgrad.optim.lbfgs import LBFGS
    gg.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = gg.tensor(X.astype(np.float32)), gg.tensor(Y[:, :2].astype(np.float32))
    opt = LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=5)

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return loss

    first = float(opt.step(closure))
    last = float(opt.step(closure))
    assert last < first
    assert all(p.dtype == gg.float32 for p in model.parameters())
