"""Learning-rate schedulers against torch's lr (and momentum) sequences; state and errors."""

import json

import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from torch_ref import torch

LRS = (0.1, 0.05)  # two param groups with different base lrs


def gg_opt(name="SGD", **kwargs):
    return getattr(optim, name)([{"params": [gg.zeros(1, requires_grad=True)], "lr": lr}
                                 for lr in LRS], **kwargs)


def make_opts(name="SGD", **kwargs):
    """The same two-group optimizer in glassgrad and in torch."""
    ours = gg_opt(name, **kwargs)
    ref = getattr(torch.optim, name)([{"params": [torch.zeros(1, requires_grad=True)],
                                       "lr": lr} for lr in LRS], **kwargs)
    return ours, ref


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def history(opt, sched, steps, metrics=None):
    out = [(sched.get_last_lr(), momenta(opt))]
    for i in range(steps):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[i])
        lrs = [g["lr"] for g in opt.param_groups]
        assert sched.get_last_lr() == lrs
        out.append((lrs, momenta(opt)))
    return out


SCHEDULES = {
    "step": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[30, 5, 12, 12], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.95),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=50),
    "cosine-restart": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + 0.3 * e)),
    "lambda-list": lambda m, o: m.LambdaLR(o, [lambda e: 0.9**e, lambda e: 1 + e % 3]),
    "onecycle": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=50),
    "onecycle-linear": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], epochs=5,
                                                 steps_per_epoch=10, anneal_strategy="linear"),
    "onecycle-3phase": lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=50, pct_start=0.25,
                                                 three_phase=True, div_factor=10.0,
                                                 final_div_factor=100.0),
    "onecycle-fixed-momentum": lambda m, o: m.OneCycleLR(o, 1.0, 50, cycle_momentum=False),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lr_and_momentum_sequences_match_torch(name):
    ours, ref = make_opts(momentum=0.9)
    got = history(ours, SCHEDULES[name](lr_scheduler, ours), 50)
    want = history(ref, SCHEDULES[name](torch.optim.lr_scheduler, ref), 50)
    assert got == want  # exactly: the same float operations in the same order
    assert len({lrs[0] for lrs, _ in got}) > 3  # the schedule moved


@pytest.mark.parametrize("kwargs", [{}, {"anneal_strategy": "linear", "three_phase": True}])
def test_onecycle_cycles_adam_beta1_like_torch(kwargs):
    ours, ref = make_opts("Adam")
    got = history(ours, lr_scheduler.OneCycleLR(ours, max_lr=0.01, total_steps=40, **kwargs), 40)
    want = history(ref, torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=0.01, total_steps=40,
                                                            **kwargs), 40)
    assert got == want
    assert ours.param_groups[0]["betas"][1] == 0.999 and got[0][1] == [0.95, 0.95]


def test_onecycle_errors():
    opt = gg_opt()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="tried to step 4 times, but total_steps is 3"):
        sched.step()
    with pytest.raises(ValueError, match="total_steps, or epochs and steps_per_epoch"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="max_lr must have one value per param group"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0], total_steps=10)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    adagrad = optim.Adagrad([gg.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="Adagrad has neither"):
        lr_scheduler.OneCycleLR(adagrad, max_lr=1.0, total_steps=10)


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.8, 0.85, 0.85, 0.86, 0.9, 0.7, 0.7, 0.71, 0.7,
           0.72, 0.73, 0.7, 0.69, 0.69] * 3


@pytest.mark.parametrize("kwargs", [
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2, "min_lr": [0.02, 0.001]},
    {"mode": "max", "patience": 3, "threshold": 0.05, "threshold_mode": "abs", "min_lr": 1e-3},
    {"patience": 0, "threshold": 0.01, "eps": 0.02},
])
def test_reduce_on_plateau_matches_torch(kwargs):
    ours, ref = make_opts()
    got = history(ours, lr_scheduler.ReduceLROnPlateau(ours, **kwargs), 60, METRICS)
    want = history(ref, torch.optim.lr_scheduler.ReduceLROnPlateau(ref, **kwargs), 60, METRICS)
    assert got == want
    assert got[-1][0] != list(LRS)


def test_reduce_on_plateau_errors():
    opt = gg_opt()
    with pytest.raises(ValueError, match="factor must be < 1.0, got 1.5"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="threshold_mode must be 'rel' or 'abs', got 'pct'"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct")


def test_resume_from_state_dicts_matches_an_unbroken_run():
    def fresh():
        opt = gg_opt(momentum=0.9)
        return opt, lr_scheduler.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=40)

    opt, sched = fresh()
    history(opt, sched, 15)
    saved = json.loads(json.dumps({"opt": opt.state_dict(), "sched": sched.state_dict()}))
    rest = history(opt, sched, 25)
    opt2, sched2 = fresh()  # construct, then load the optimizer's and scheduler's state
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    assert history(opt2, sched2, 25) == rest


def test_resume_with_last_epoch_matches_torch():
    ours, ref = make_opts()
    for opt in (ours, ref):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    got = history(ours, lr_scheduler.CosineAnnealingLR(ours, T_max=12, last_epoch=4), 20)
    want = history(ref, torch.optim.lr_scheduler.CosineAnnealingLR(ref, T_max=12,
                                                                   last_epoch=4), 20)
    assert got == want


def test_multistep_state_dict_is_json_and_lambda_skips_functions():
    opt = gg_opt()
    sched = lr_scheduler.MultiStepLR(opt, milestones=[3, 1])
    sd = json.loads(json.dumps(sched.state_dict()))
    assert sd["milestones"] == [1, 3] and sd["last_epoch"] == 0 and sd["base_lrs"] == list(LRS)

    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    sd["lr_lambdas"][0]["n"] = 10
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].n == 10 and "lr_lambdas" in sd


def test_scheduler_errors():
    opt = gg_opt()
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'"):
        lr_scheduler.StepLR(opt, step_size=3, last_epoch=5)
    with pytest.raises(TypeError, match="is not a glassgrad Optimizer"):
        lr_scheduler.ExponentialLR(object(), gamma=0.9)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be positive"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
