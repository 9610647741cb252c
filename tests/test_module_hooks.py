"""Module hooks, lookups and parameter containers, against torch.

Each scenario is written once over a library (torch or glassgrad) and run on both: the logs of
what the hooks saw (order, arguments, values) must match.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn.containers import ParameterDict, ParameterList
from glassgrad.nn.module import RemovableHandle
from torch_ref import torch


def arr(t):
    return None if t is None else np.array(t.detach().numpy())


def both(scenario):
    """Run scenario(lib) on glassgrad and torch; return the two results."""
    return scenario(gg, False), scenario(torch, True)


def assert_same(a, b, path="result"):
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=path)
    else:
        assert a == b, (path, a, b)


def mlp(lib, is_torch):
    if is_torch:
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
        return m.double()
    m = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.Tanh(), gg.nn.Linear(4, 2))
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    m.load_state_dict({k: v.double().numpy() for k, v in ref.state_dict().items()})
    return m.double()


def inp(lib, shape=(2, 3), requires_grad=True, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return lib.tensor(x, dtype=lib.float64, requires_grad=requires_grad)


def two_input(lib):
    class Two(lib.nn.Module):
        def forward(self, a, b, scale, *, shift=0.0):
            return a * b * scale + shift, (a * a).sum()

    return Two()


# ---------------------------------------------------------------------- forward hooks
def test_forward_hook_order_arguments_and_replacement():
    def scenario(lib, is_torch):
        m = mlp(lib, is_torch)
        log = []

        def pre1(mod, args):
            log.append(("pre1", type(mod).__name__, len(args), arr(args[0])))
            return args[0] * 2  # a non-tuple return is wrapped in a tuple

        def pre2(mod, args):
            log.append(("pre2", arr(args[0])))

        def post1(mod, args, out):
            log.append(("post1", arr(args[0]), arr(out)))
            return out + 1

        def post2(mod, args, out):
            log.append(("post2", arr(out)))

        h1 = m[0].register_forward_pre_hook(pre1)
        m[0].register_forward_pre_hook(pre2)
        m[0].register_forward_hook(post1)
        m[0].register_forward_hook(post2)
        x = inp(lib, requires_grad=False)
        y1 = arr(m(x))
        h1.remove()
        h1.remove()  # removing twice is harmless
        y2 = arr(m(x))
        return log, y1, y2

    g, t = both(scenario)
    assert [e[0] for e in g[0]] == ["pre1", "pre2", "post1", "post2", "pre2", "post1", "post2"]
    assert_same(g, t)


def test_forward_hooks_prepend_and_kwargs():
    def scenario(lib, is_torch):
        m = two_input(lib)
        log = []
        m.register_forward_pre_hook(lambda mod, a: log.append("pre_a"))
        m.register_forward_pre_hook(lambda mod, a: log.append("pre_b"), prepend=True)

        def pre_kw(mod, args, kwargs):
            log.append(("pre_kw", len(args), sorted(kwargs)))
            return args, {**kwargs, "shift": 10.0}

        m.register_forward_pre_hook(pre_kw, with_kwargs=True)

        def post_kw(mod, args, kwargs, out):
            log.append(("post_kw", kwargs["shift"], arr(out[0])))
            return out[0], out[1] * 3

        m.register_forward_hook(lambda mod, a, o: log.append("post_a"))
        m.register_forward_hook(post_kw, with_kwargs=True, prepend=True)
        a, b = inp(lib, seed=1), inp(lib, seed=2)
        out = m(a, b, 2.0, shift=1.0)
        return log, arr(out[0]), arr(out[1])

    g, t = both(scenario)
    assert g[0][:2] == ["pre_b", "pre_a"]
    assert_same(g, t)


def test_forward_pre_hook_with_kwargs_bad_return():
    for lib in (gg, torch):
        m = two_input(lib)
        m.register_forward_pre_hook(lambda mod, a, k: 3, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            m(inp(lib), inp(lib), 1.0)


def test_always_call_forward_hook_runs_after_error():
    def scenario(lib, is_torch):
        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        log = []
        m.register_forward_hook(lambda mod, a, o: log.append(("never", o)))
        m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
        with pytest.raises(ValueError, match="boom"):
            m(inp(lib))
        return log

    g, t = both(scenario)
    assert g == [("always", None)]
    assert_same(g, t)


def test_handles_are_context_managers_and_unhooked_modules_work():
    for lib in (gg, torch):
        m = mlp(lib, lib is torch)
        log = []
        with m.register_forward_hook(lambda mod, a, o, log=log: log.append(1)) as h:
            m(inp(lib))
        m(inp(lib))
        assert log == [1]
        assert isinstance(h.id, int)
    assert isinstance(h, torch.utils.hooks.RemovableHandle)
    gh = gg.nn.Linear(2, 2).register_forward_hook(lambda *a: None)
    assert isinstance(gh, RemovableHandle)


# ---------------------------------------------------------------------- backward hooks
def backward_scenario(replace_pre=False, replace_input=False, b_grad=True):
    def scenario(lib, is_torch):
        m = two_input(lib)
        log = []

        def pre(mod, grad_output):
            log.append(("pre", [arr(g) for g in grad_output]))
            if replace_pre:
                return grad_output[0] * 3, grad_output[1]

        def full(mod, grad_input, grad_output):
            log.append(("full", [arr(g) for g in grad_input], [arr(g) for g in grad_output]))
            if replace_input:
                return (grad_input[0] * 0.5,) + tuple(grad_input[1:])

        def full2(mod, grad_input, grad_output):
            log.append(("full2", [arr(g) for g in grad_input]))

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(full)
        m.register_full_backward_hook(full2)
        a, b = inp(lib, seed=1), inp(lib, seed=2, requires_grad=b_grad)
        out, s = m(a, b, 2.0)
        loss = (out * out).sum() + 5 * s
        loss.backward()
        return log, arr(a.grad), arr(b.grad)

    return scenario


@pytest.mark.parametrize("replace_pre", [False, True])
@pytest.mark.parametrize("replace_input", [False, True])
def test_full_backward_hooks_match_torch(replace_pre, replace_input):
    g, t = both(backward_scenario(replace_pre, replace_input))
    assert [e[0] for e in g[0]] == ["pre", "full", "full2"]
    assert g[0][1][1][2] is None  # the float argument has no gradient
    assert_same(g, t)


def test_full_backward_hook_input_without_grad():
    g, t = both(backward_scenario(b_grad=False))
    np.testing.assert_array_equal(g[0][1][1][1], np.zeros((2, 3)))  # torch gives zeros
    assert_same(g, t)


def test_full_backward_hook_no_input_requires_grad():
    def scenario(lib, is_torch):
        m = mlp(lib, is_torch)
        log = []
        m.register_full_backward_hook(
            lambda mod, gi, go: log.append(([arr(g) for g in gi], [arr(g) for g in go])))
        with pytest.warns(UserWarning, match="since no inputs require gradients"):
            m(inp(lib, requires_grad=False)).sum().backward()
        return log, arr(m[0].weight.grad)

    g, t = both(scenario)
    assert g[0][0][0] == [None]
    assert_same(g, t)


def test_full_backward_hook_on_submodule_and_removal():
    def scenario(lib, is_torch):
        m = mlp(lib, is_torch)
        log = []
        h = m[1].register_full_backward_hook(
            lambda mod, gi, go: log.append(("tanh", arr(gi[0]), arr(go[0]))))
        m[2].register_full_backward_pre_hook(lambda mod, go: log.append(("lin2", arr(go[0]))))
        x = inp(lib)
        (m(x) ** 2).sum().backward()
        h.remove()
        (m(x) ** 2).sum().backward()
        return log, arr(x.grad), arr(m[0].weight.grad)

    g, t = both(scenario)
    assert [e[0] for e in g[0]] == ["lin2", "tanh", "lin2"]
    assert_same(g, t)


def test_backward_hook_wrong_length_raises():
    for lib in (gg, torch):
        m = mlp(lib, lib is torch)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="invalid number of grad_input"):
            m(inp(lib)).sum().backward()


def test_backward_hooks_leave_forward_values_alone():
    m = mlp(gg, False)
    x = inp(gg)
    y0 = arr(m(x))
    m.register_full_backward_hook(lambda *a: None)
    np.testing.assert_array_equal(arr(m(x)), y0)


# ---------------------------------------------------------------------- state_dict hooks
def test_state_dict_hooks():
    def scenario(lib, is_torch):
        m = mlp(lib, is_torch)
        log = []
        m[0].register_state_dict_pre_hook(lambda mod, prefix, kv: log.append(("pre", prefix)))

        def post(mod, sd, prefix, meta):
            log.append(("post", prefix, list(sd)))
            sd[prefix + "extra"] = sd[prefix + "weight"] * 0

        m[2].register_state_dict_post_hook(post)
        h = m._register_state_dict_hook(lambda mod, sd, p, meta: OrderedDict(a=sd["0.bias"]))
        sd = m.state_dict()
        h.remove()
        sd2 = m.state_dict()
        return log, list(sd), list(sd2), arr(sd2["2.extra"])

    g, t = both(scenario)
    assert g[1] == ["a"]
    assert_same(g, t)


def test_public_state_dict_post_hook_must_return_none():
    m = gg.nn.Linear(2, 2)
    m.register_state_dict_post_hook(lambda *a: {})
    with pytest.raises(RuntimeError, match="must return None"):
        m.state_dict()


def test_load_state_dict_hooks():
    def scenario(lib, is_torch):
        m = mlp(lib, is_torch)
        log = []

        def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
            log.append(("pre", prefix, strict))
            if prefix + "old_w" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "old_w")

        def forgive(mod, keys):
            log.append(("post", sorted(keys.missing_keys), sorted(keys.unexpected_keys)))
            keys.missing_keys[:] = [k for k in keys.missing_keys if not k.endswith("bias")]

        m[2].register_load_state_dict_pre_hook(rename)
        h = m.register_load_state_dict_post_hook(forgive)
        src = {k: v.detach() * 2 for k, v in m.state_dict().items()}
        src["2.old_w"] = src.pop("2.weight")
        del src["0.bias"]
        res = m.load_state_dict(src)
        h.remove()
        with pytest.raises(RuntimeError):
            m.load_state_dict(src)
        return log, list(res.missing_keys), list(res.unexpected_keys), arr(m[2].weight)

    g, t = both(scenario)
    assert g[1] == []
    assert_same(g, t)


# ---------------------------------------------------------------------- lookups
def tree(lib):
    nn = lib.nn
    shared = nn.Linear(2, 2)
    m = nn.Sequential(OrderedDict(a=shared, b=nn.Sequential(shared, nn.BatchNorm1d(2))))
    return m


def test_named_modules_arguments():
    def scenario(lib, is_torch):
        m = tree(lib)
        plain = [n for n, _ in m.named_modules()]
        dup = [n for n, _ in m.named_modules(remove_duplicate=False)]
        pre = [n for n, _ in m.named_modules(prefix="root")]
        memo = {m.a}
        skipped = [n for n, _ in m.named_modules(memo=memo)]
        return plain, dup, pre, skipped

    g, t = both(scenario)
    assert_same(g, t)


def test_get_and_set_submodule_parameter_buffer():
    keys = []
    for lib in (gg, torch):
        m = tree(lib)
        assert m.get_submodule("") is m
        assert m.get_submodule("b.1") is m.b[1]
        assert m.get_parameter("b.0.weight") is m.a.weight
        assert m.get_buffer("b.1.running_var") is m.b[1].running_var
        with pytest.raises(AttributeError, match="has no attribute `zz`"):
            m.get_submodule("b.zz")
        with pytest.raises(AttributeError, match="is not an nn.Module"):
            m.get_submodule("a.weight")
        with pytest.raises(AttributeError, match="is not an nn.Parameter"):
            m.get_parameter("b.1.running_mean")
        with pytest.raises(AttributeError, match="is not a buffer"):
            m.get_buffer("a.weight")
        new = lib.nn.Tanh()
        m.set_submodule("b.1", new, strict=True)
        assert m.b[1] is new
        m.set_submodule("b.extra", lib.nn.ReLU())
        assert isinstance(m.get_submodule("b.extra"), lib.nn.ReLU)
        with pytest.raises(AttributeError):
            m.set_submodule("b.other", lib.nn.ReLU(), strict=True)
        with pytest.raises(ValueError):
            m.set_submodule("", lib.nn.ReLU())
        keys.append(list(m.state_dict()))
    assert keys[0] == keys[1] == ["a.weight", "a.bias", "b.0.weight", "b.0.bias"]


def test_apply_to_and_requires_grad_with_hooks():
    m = mlp(gg, False)
    m.register_forward_hook(lambda *a: None)
    names = []
    m.apply(lambda mod: names.append(type(mod).__name__))
    assert names == ["Linear", "Tanh", "Linear", "Sequential"]
    assert m.float()[0].weight.dtype == np.float32
    assert m.half()[2].bias.dtype == np.float16
    assert m.double()[0].weight.dtype == np.float64
    assert m.to(gg.float32)[0].weight.dtype == np.float32
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


# ---------------------------------------------------------------------- containers
def test_parameter_list_matches_torch():
    def scenario(lib, is_torch):
        PL = torch.nn.ParameterList if is_torch else ParameterList
        pl = PL([lib.zeros(2), lib.nn.Parameter(lib.ones(3))])
        pl.append(lib.full((1,), 4.0))
        pl.extend([lib.zeros(2, 2)])
        pl += [lib.ones(1)]
        pl[0] = lib.full((2,), 7.0)
        owner = lib.nn.Module()
        owner.ps = pl
        return (list(owner.state_dict()), len(pl), [type(p).__name__ for p in pl],
                [p.requires_grad for p in pl], [arr(p) for p in pl], len(pl[1:3]),
                arr(pl[-1]), [n for n, _ in owner.named_parameters()])

    g, t = both(scenario)
    assert g[0] == ["ps.0", "ps.1", "ps.2", "ps.3", "ps.4"]
    assert_same(g[1:], t[1:])
    assert g[0] == t[0]
    with pytest.raises(IndexError):
        ParameterList([gg.zeros(1)])[3]


def test_parameter_dict_matches_torch():
    def scenario(lib, is_torch):
        PD = torch.nn.ParameterDict if is_torch else ParameterDict
        pd = PD({"w": lib.zeros(2), "b": lib.ones(1)})  # a plain dict is sorted
        pd["c"] = lib.full((3,), 2.0)
        pd.update(OrderedDict(z=lib.ones(2), a=lib.zeros(1)))
        popped = pd.pop("w")
        return (list(pd.state_dict()), list(pd.keys()), "c" in pd, "w" in pd, arr(popped),
                [type(v).__name__ for v in pd.values()], len(pd), arr(pd.get("q", None)))

    g, t = both(scenario)
    assert g[0] == ["b", "c", "z", "a"]
    assert_same(g, t)
    with pytest.raises(KeyError):
        ParameterDict()["nope"]


def test_parameter_containers_load_into_torch():
    gpl = ParameterList([gg.tensor(np.arange(3.0)), gg.tensor(np.ones((2, 2)))])
    tpl = torch.nn.ParameterList([torch.zeros(3, dtype=torch.float64),
                                  torch.zeros(2, 2, dtype=torch.float64)])
    tpl.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in gpl.state_dict().items()})
    np.testing.assert_array_equal(tpl[0].detach().numpy(), np.arange(3.0))
    gpd = ParameterDict(OrderedDict(x=gg.zeros(2, dtype=gg.float64)))
    gpd.load_state_dict({"x": np.array([1.0, 2.0])})
    np.testing.assert_array_equal(arr(gpd["x"]), [1.0, 2.0])


def test_backward_hooks_double_backward_and_float32():
    def scenario(lib, is_torch):
        m = two_input(lib)
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append(arr(gi[0])))
        a = inp(lib, seed=3)
        b = inp(lib, seed=4)
        out, s = m(a, b, 1.5)
        (ga,) = lib.autograd.grad((out ** 3).sum() + s, (a,), create_graph=True)
        (gga,) = lib.autograd.grad(ga.sum(), (a,))
        a32 = lib.tensor(np.ones(3), dtype=lib.float32, requires_grad=True)
        o32, _ = m(a32, a32, 2.0)
        o32.sum().backward()
        return seen, arr(ga), arr(gga), str(a32.grad.dtype).split(".")[-1], o32.dtype == a32.dtype

    g, t = both(scenario)
    assert_same(g, t)


def test_tuple_output_with_non_tensor_item():
    def scenario(lib, is_torch):
        class M(lib.nn.Module):
            def forward(self, x):
                return x * 2, "tag", x.sum()

        m = M()
        seen = []
        m.register_full_backward_pre_hook(lambda mod, go: seen.append([arr(g) for g in go]))
        x = inp(lib)
        y, tag, s = m(x)
        (y.sum() * 3).backward()
        return seen, tag, arr(x.grad)

    g, t = both(scenario)
    assert g[0][0][1] is None and g[0][0][2] is None
    assert_same(g, t)


def test_load_state_dict_post_hook_order_in_a_tree():
    def scenario(lib, is_torch):
        nn = lib.nn
        m = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), nn.Linear(2, 1))
        log = []
        for name, mod in m.named_modules():
            mod.register_load_state_dict_post_hook(
                lambda mod, keys, name=name: log.append(name or "root"))
            mod.register_load_state_dict_pre_hook(
                lambda mod, sd, prefix, *rest: log.append("pre:" + prefix))
        m.load_state_dict(m.state_dict())
        return log

    g, t = both(scenario)
    assert g[-1] == "root" and g[0] == "pre:"
    assert_same(g, t)


def test_fast_path_until_a_hook_is_registered():
    m = gg.nn.Linear(2, 2)
    assert not m._hooked  # __call__ goes straight to forward
    h = m.register_forward_hook(lambda mod, a, o: o * 0)
    assert m._hooked and float(m(gg.ones(2)).abs().sum()) == 0.0
    h.remove()
    assert float(m(gg.ones(2)).abs().sum()) > 0.0
