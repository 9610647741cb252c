"""Optimizers against torch's trajectories; groups, state_dict, errors; Values; EarlyStopping."""

import json
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import Value, nn, optim
from torch_ref import torch

RNG = np.random.default_rng(0)
W0, B0 = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
X, Y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))


def loss_of(w, b, x, y, sign=1.0):
    """Quadratic plus nonlinear; written once for glassgrad and torch tensors."""
    z = (x @ w + b).tanh()
    return sign * (((z - y) ** 2).mean() + 0.1 * (w * w).sum() + 0.05 * (b**4).sum())


def groups_of(params, group_opts):
    if group_opts is None:
        return params
    return [{"params": [p], **o} for p, o in zip(params, group_opts)]


def gg_trajectory(name, opts, group_opts=None, steps=30, dtype=gg.float64):
    w, b = gg.tensor(W0, dtype=dtype, requires_grad=True), gg.tensor(B0, dtype=dtype,
                                                                       requires_grad=True)
    x, y = gg.tensor(X, dtype=dtype), gg.tensor(Y, dtype=dtype)
    opt = getattr(optim, name)(groups_of([w, b], group_opts), **opts)
    sign = -1.0 if opts.get("maximize") else 1.0
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w, b, x, y, sign).backward()
        opt.step()
        out.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return out, opt


def torch_trajectory(name, opts, group_opts=None, steps=30):
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    x, y = torch.tensor(X), torch.tensor(Y)
    opt = getattr(torch.optim, name)(groups_of([w, b], group_opts), **opts)
    sign = -1.0 if opts.get("maximize") else 1.0
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w, b, x, y, sign).backward()
        opt.step()
        out.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return out, opt


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.9, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01,
                 "initial_accumulator_value": 0.1, "maximize": True}),
]


@pytest.mark.parametrize("name, opts", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, opts):
    ours, _ = gg_trajectory(name, opts)
    ref, _ = torch_trajectory(name, opts)
    for step, ((w, b), (tw, tb)) in enumerate(zip(ours, ref)):
        np.testing.assert_allclose(w, tw, rtol=1e-8, atol=1e-12, err_msg=f"step {step}")
        np.testing.assert_allclose(b, tb, rtol=1e-8, atol=1e-12, err_msg=f"step {step}")
    assert not np.allclose(ours[-1][0], W0)  # it moved


GROUP_CASES = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, [{"lr": 0.02}, {"momentum": 0.5, "nesterov": True}]),
    ("Adam", {"lr": 0.01}, [{"betas": (0.5, 0.9)}, {"lr": 0.05, "amsgrad": True}]),
    ("RMSprop", {}, [{"centered": True}, {"lr": 0.002, "momentum": 0.8}]),
    ("Adagrad", {}, [{"lr_decay": 0.1}, {"lr": 0.05}]),
]


@pytest.mark.parametrize("name, opts, group_opts", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_per_group_options_match_torch(name, opts, group_opts):
    ours, opt = gg_trajectory(name, opts, group_opts)
    ref, topt = torch_trajectory(name, opts, group_opts)
    for (w, b), (tw, tb) in zip(ours, ref):
        np.testing.assert_allclose(w, tw, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(b, tb, rtol=1e-8, atol=1e-12)
    for g, tg in zip(opt.state_dict()["param_groups"], topt.state_dict()["param_groups"]):
        assert g.items() <= tg.items()  # torch's keys and values (torch has a few more)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_state_dict_has_torch_keys_and_loads_torch_state(name):
    opts = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    _, opt = gg_trajectory(name, opts, steps=5)
    _, topt = torch_trajectory(name, opts, steps=5)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys() == {0, 1}
    for i in (0, 1):
        assert sd["state"][i].keys() == tsd["state"][i].keys()
        for k, v in sd["state"][i].items():
            assert isinstance(v, np.ndarray)
            np.testing.assert_allclose(v, tsd["state"][i][k].numpy(), rtol=1e-8, atol=1e-12)
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1]]
    # torch's state, converted to arrays, loads into glassgrad and continues identically
    w, b = (gg.tensor(t.detach().numpy(), requires_grad=True) for t in topt.param_groups[0]
            ["params"])
    fresh = getattr(optim, name)([w, b])
    fresh.load_state_dict({"state": {i: {k: v.numpy() for k, v in s.items()}
                                     for i, s in tsd["state"].items()},
                           "param_groups": tsd["param_groups"]})
    x, y = gg.tensor(X), gg.tensor(Y)
    loss_of(w, b, x, y).backward()
    fresh.step()
    tw, tb = topt.param_groups[0]["params"]
    topt.zero_grad()
    loss_of(tw, tb, torch.tensor(X), torch.tensor(Y)).backward()
    topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-8, atol=1e-12)


def test_state_dict_round_trip_through_json_resumes_exactly():
    ours, opt = gg_trajectory("Adam", {"lr": 0.01, "amsgrad": True}, steps=10)
    sd = opt.state_dict()
    assert sd["state"][0]["step"].dtype == np.float32 and float(sd["state"][0]["step"]) == 10
    w, b = opt.param_groups[0]["params"]
    w2 = gg.tensor(w.detach().numpy().copy(), requires_grad=True)
    b2 = gg.tensor(b.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.Adam([w2, b2])
    groups = json.loads(json.dumps(sd["param_groups"]))  # betas come back as a list
    state = {str(k): {**v, "step": float(v["step"])} for k, v in sd["state"].items()}
    opt2.load_state_dict({"state": state, "param_groups": groups})
    assert opt2.state[w2]["step"].dtype == np.float32 and opt2.state[w2]["step"] == 10
    assert opt2.param_groups[0]["betas"] == (0.9, 0.999) and opt2.param_groups[0]["lr"] == 0.01
    sd["state"][0]["exp_avg"][...] = 123.0  # state_dict is a snapshot: no aliasing
    assert not np.any(opt2.state[w2]["exp_avg"] == 123.0)
    x, y = gg.tensor(X), gg.tensor(Y)
    for pair, o in (((w, b), opt), ((w2, b2), opt2)):
        for _ in range(3):
            o.zero_grad()
            loss_of(*pair, x, y).backward()
            o.step()
    np.testing.assert_array_equal(w.data, w2.data)


def test_load_state_dict_errors():
    w = gg.zeros(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="2 parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
    with pytest.raises(ValueError, match="group 0 holds 2"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]})
    bad = {"state": {0: {"momentum_buffer": np.zeros(4)}}, "param_groups": [{"params": [0]}]}
    with pytest.raises(ValueError, match=r"shape \(4,\).*shape \(3,\)"):
        opt.load_state_dict(bad)


def test_float32_stays_float32_and_version_bumps():
    ours, opt = gg_trajectory("Adam", {"lr": 0.01}, steps=3, dtype=gg.float32)
    w = opt.param_groups[0]["params"][0]
    assert w.dtype == np.float32 and ours[-1][0].dtype == np.float32
    assert opt.state[w]["exp_avg"].dtype == np.float32
    assert w._version[0] == 3
    ref, _ = gg_trajectory("Adam", {"lr": 0.01}, steps=3)
    np.testing.assert_allclose(ours[-1][0], ref[-1][0], rtol=1e-5)


def test_params_without_grad_are_skipped_and_zero_grad():
    w, frozen = gg.ones(3, requires_grad=True), gg.ones(2, requires_grad=True)
    opt = optim.Adam([w, frozen], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert np.all(w.data < 1) and np.all(frozen.data == 1) and frozen not in opt.state
    assert set(opt.state_dict()["state"]) == {0}
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and np.all(grad.data == 0)
    opt.zero_grad()
    assert w.grad is None


def test_closure_runs_with_grad_and_returns_loss():
    w = gg.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(w.data, [0.0, 0.0])


def test_add_param_group_and_defaults():
    w, b = gg.ones(2, requires_grad=True), gg.ones(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    assert opt.defaults["lr"] == 0.1 and optim.SGD([b]).defaults["lr"] == 1e-3
    opt.add_param_group({"params": b, "momentum": 0.9})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["momentum"] == 0.9
    assert optim.AdamW([w]).defaults["weight_decay"] == 1e-2
    assert "Parameter Group 1" in repr(opt)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([b, b])
    assert "more than once" in str(caught[0].message)


@pytest.mark.parametrize("make, match", [
    (lambda w: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda w: optim.SGD(w, lr=0.1), "single Tensor"),
    (lambda w: optim.SGD([w], lr=-0.5), "learning rate: -0.5"),
    (lambda w: optim.Adam([w], eps=-1e-3), "epsilon value: -0.001"),
    (lambda w: optim.Adam([w], betas=(1.0, 0.999)), "beta parameter at index 0: 1.0"),
    (lambda w: optim.AdamW([w], betas=(0.9, -0.1)), "beta parameter at index 1: -0.1"),
    (lambda w: optim.RMSprop([w], alpha=-1), "alpha value: -1"),
    (lambda w: optim.Adagrad([{"params": [w], "lr": -2.0}]), "learning rate: -2.0"),
    (lambda w: optim.SGD([w], nesterov=True), "Nesterov momentum requires"),
    (lambda w: optim.SGD([gg.arange(3)]), "floating-point.*int64"),
    (lambda w: optim.SGD([w * 2]), "non-leaf"),
    (lambda w: optim.SGD([np.zeros(2)]), "ndarray"),
    (lambda w: optim.SGD([w], lr="fast"), "must be a number"),
    (lambda w: optim.SGD([{"lr": 0.1}]), "needs a 'params' entry"),
])
def test_errors_name_the_value(make, match):
    w = gg.ones(2, requires_grad=True)
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        make(w)


def scalar_problem(a, b):
    return (a * b - 1) ** 2 + 0.1 * a * a + (b - 0.5).tanh() * 0.3


@pytest.mark.parametrize("name, opts", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.2, "lr_decay": 0.01}),
])
def test_value_params_follow_the_tensor_trajectory(name, opts):
    a, b = Value(0.3), Value(-1.2)
    ta, tb = (gg.tensor(v, dtype=gg.float64, requires_grad=True) for v in (0.3, -1.2))
    opt, topt = getattr(optim, name)([a, b], **opts), getattr(optim, name)([ta, tb], **opts)
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
    sd = opt.state_dict()
    assert all(isinstance(v, np.ndarray) for s in sd["state"].values() for v in s.values())


# ----------------------------------------------------------------------------- EarlyStopping
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.zeros(3))


def test_early_stopping_patience_and_best():
    stopper = optim.EarlyStopping(patience=3)
    flags = [stopper.step(m) for m in [5.0, 4.0, 4.5, 4.0, 3.9, 4.2, 4.1, 4.0]]
    assert flags == [False] * 7 + [True]
    assert stopper.best == 3.9 and stopper.best_epoch == 4 and stopper.should_stop


def test_early_stopping_min_delta_and_max_mode():
    stopper = optim.EarlyStopping(patience=2, min_delta=0.1)
    assert [stopper.step(m) for m in [1.0, 0.95, 0.91]] == [False, False, True]
    assert stopper.best == 1.0
    up = optim.EarlyStopping(patience=2, mode="max")
    assert [up.step(m) for m in [0.5, 0.6, 0.6, 0.7, float("nan"), 0.65]] == [False] * 5 + [True]
    assert up.best == 0.7 and up.best_epoch == 3
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        optim.EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience must be a positive integer, got 0"):
        optim.EarlyStopping(patience=0)


def test_early_stopping_restores_best_weights():
    model = Tiny()
    stopper = optim.EarlyStopping(patience=2)
    with pytest.raises(RuntimeError, match="no best state"):
        stopper.restore(model)
    for epoch, metric in enumerate([3.0, 1.0, 2.0, 2.5]):
        with gg.no_grad():
            model.weight.fill_(float(epoch))
        stopper.step(metric, model)
    np.testing.assert_array_equal(model.weight.data, [3.0, 3.0, 3.0])
    stopper.restore(model)
    np.testing.assert_array_equal(model.weight.data, [1.0, 1.0, 1.0])
    assert stopper.state_dict()["best_epoch"] == 1
