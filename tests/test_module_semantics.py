"""torch.nn.Module semantics, compared with torch: registration order when attributes are
reassigned, None and del, zero_grad, Parameter storage, tied weights and shared modules,
and the containers' setitem / delitem / insert."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from torch_ref import torch

LIBS = ["gg", "torch"]


def _lib(name):
    return gg if name == "gg" else torch


def _keys(m):
    """Everything whose order a program can see."""
    return {
        "children": [type(c).__name__ for c in m.children()],
        "named_children": [n for n, _ in m.named_children()],
        "named_modules": [n for n, _ in m.named_modules()],
        "named_parameters": [n for n, _ in m.named_parameters()],
        "parameter_shapes": [tuple(p.shape) for p in m.parameters()],
        "named_buffers": [n for n, _ in m.named_buffers()],
        "state_dict": list(m.state_dict()),
        "_modules": list(m._modules),
        "_parameters": list(m._parameters),
        "_buffers": list(m._buffers),
    }


def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(3, 8, 3)
            self.bn = lib.nn.BatchNorm2d(8)
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.shift = lib.nn.Parameter(lib.zeros(1))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("stats", lib.zeros(2))
            self.fc = lib.nn.Linear(8, 2)

    return Net()


# Each step is applied to a fresh pair of models; its outcome (keys, or the exception type)
# must be the same in both libraries.
STEPS = {
    "reassign first module": lambda lib, m: setattr(m, "conv1", lib.nn.Conv2d(1, 64, 3)),
    "reassign parameter": lambda lib, m: setattr(m, "scale", lib.nn.Parameter(lib.ones(3))),
    "buffer gets a tensor": lambda lib, m: setattr(m, "steps", lib.ones(4)),
    "module to None": lambda lib, m: setattr(m, "conv1", None),
    "parameter to None": lambda lib, m: setattr(m, "scale", None),
    "buffer to None": lambda lib, m: setattr(m, "steps", None),
    "None then back": lambda lib, m: (setattr(m, "conv1", None),
                                      setattr(m, "conv1", lib.nn.Conv2d(3, 8, 1))),
    "del module": lambda lib, m: delattr(m, "conv1"),
    "del then add again": lambda lib, m: (delattr(m, "conv1"),
                                          setattr(m, "conv1", lib.nn.Conv2d(3, 8, 1))),
    "del parameter": lambda lib, m: delattr(m, "scale"),
    "del buffer": lambda lib, m: delattr(m, "steps"),
    "parameter over buffer": lambda lib, m: setattr(m, "steps", lib.nn.Parameter(lib.ones(1))),
    "parameter over module": lambda lib, m: setattr(m, "bn", lib.nn.Parameter(lib.ones(1))),
    "module over buffer": lambda lib, m: setattr(m, "stats", lib.nn.ReLU()),
    "module over parameter": lambda lib, m: setattr(m, "scale", lib.nn.ReLU()),
    "tensor over parameter": lambda lib, m: setattr(m, "scale", lib.ones(1)),
    "tensor over module": lambda lib, m: setattr(m, "fc", lib.ones(1)),
    "int over buffer": lambda lib, m: setattr(m, "steps", 3),
    "int over module": lambda lib, m: setattr(m, "fc", 3),
    "plain attribute then module": lambda lib, m: (setattr(m, "head", 5),
                                                   setattr(m, "head", lib.nn.ReLU())),
    "register existing buffer name": lambda lib, m: m.register_buffer("stats", lib.ones(1)),
    "register buffer over module": lambda lib, m: m.register_buffer("fc", lib.ones(1)),
    "register parameter over buffer": lambda lib, m: m.register_parameter(
        "steps", lib.nn.Parameter(lib.ones(1))),
    "register existing parameter": lambda lib, m: m.register_parameter(
        "shift", lib.nn.Parameter(lib.ones(2))),
    "add_module over parameter": lambda lib, m: m.add_module("scale", lib.nn.ReLU()),
    "add_module existing": lambda lib, m: m.add_module("bn", lib.nn.ReLU()),
    "register method name": lambda lib, m: m.register_buffer("forward", lib.ones(1)),
    "register dotted name": lambda lib, m: m.register_buffer("a.b", lib.ones(1)),
    "register empty name": lambda lib, m: m.add_module("", lib.nn.ReLU()),
    "register tensor as parameter": lambda lib, m: m.register_parameter("w", lib.ones(1)),
    "register int as buffer": lambda lib, m: m.register_buffer("b", 3),
    "non-persistent buffer": lambda lib, m: m.register_buffer("tmp", lib.ones(1),
                                                              persistent=False),
    "non-persistent then persistent": lambda lib, m: (
        m.register_buffer("stats", lib.ones(1), persistent=False),
        m.register_buffer("stats", lib.ones(1))),
}


def _outcome(lib, step):
    lib.manual_seed(0)
    m = _net(lib)
    try:
        STEPS[step](lib, m)
    except Exception as e:  # noqa: BLE001  (the exception type is what is compared)
        return type(e).__name__
    return _keys(m)


@pytest.mark.parametrize("step", sorted(STEPS))
def test_registration_matches_torch(step):
    assert _outcome(gg, step) == _outcome(torch, step)


def test_reassigned_first_module_stays_first_and_children_slice_matches_torch():
    for lib in (gg, torch):
        m = _net(lib)
        m.conv1 = lib.nn.Conv2d(1, 64, 3)
        kids = list(m.children())
        assert [type(c).__name__ for c in kids[:-1]] == ["Conv2d", "BatchNorm2d"]
        assert kids[0] is m.conv1 and kids[0].in_channels == 1
        assert list(m.parameters())[2] is m.conv1.weight  # after its own scale and shift
        assert list(m.state_dict())[:5] == ["scale", "shift", "steps", "stats",
                                            "conv1.weight"]


def test_none_keeps_the_key_and_is_skipped():
    m = _net(gg)
    m.conv1 = None
    m.scale = None
    assert "conv1" in m._modules and m._modules["conv1"] is None and m.conv1 is None
    assert "scale" in m._parameters and m.scale is None
    assert [n for n, _ in m.named_children()] == ["bn", "fc"]
    assert "scale" not in dict(m.named_parameters()) and "scale" not in m.state_dict()
    m.conv1 = nn.Conv2d(3, 8, 1)
    assert [n for n, _ in m.named_children()] == ["conv1", "bn", "fc"]


def test_tensor_to_a_parameter_name_raises_like_torch():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'weight' "
                                        r"\(nn\.Parameter or None expected\)"):
        lin.weight = gg.zeros(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module 'fc'"):
        _net(gg).fc = 3
    m = _net(gg)
    new = gg.ones(5)
    m.steps = new
    assert m.steps is new and m._buffers["steps"] is new
    assert list(m._buffers) == ["steps", "stats"]


def test_del_removes_from_every_view():
    m = _net(gg)
    del m.conv1, m.scale, m.steps
    assert not hasattr(m, "conv1") and not hasattr(m, "scale") and not hasattr(m, "steps")
    assert "conv1.weight" not in m.state_dict() and "steps" not in m.state_dict()
    with pytest.raises(AttributeError):
        del m.conv1


def test_a_module_put_straight_into_modules_is_an_attribute():
    m = nn.Module()
    lin = nn.Linear(1, 1)
    m._modules["head"] = lin  # what some torch code does
    assert m.head is lin and [n for n, _ in m.named_parameters()] == ["head.weight",
                                                                       "head.bias"]
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'tail'"):
        m.tail  # noqa: B018


# ------------------------------------------------------------------------------ zero_grad
def _with_grads(lib):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1))
    m(lib.randn(5, 3)).sum().backward()
    return m


@pytest.mark.parametrize("how", ["module", "optimizer"])
def test_zero_grad_sets_none_by_default(how):
    m = _with_grads(gg)
    target = m if how == "module" else gg.optim.SGD(m.parameters(), lr=0.1)
    target.zero_grad()
    assert all(p.grad is None for p in m.parameters())


@pytest.mark.parametrize("how", ["module", "optimizer"])
def test_zero_grad_without_none_zeroes_the_same_tensor_in_place(how):
    m = _with_grads(gg)
    target = m if how == "module" else gg.optim.SGD(m.parameters(), lr=0.1)
    before = [p.grad for p in m.parameters()]
    arrays = [g._data for g in before]
    target.zero_grad(set_to_none=False)
    after = [p.grad for p in m.parameters()]
    assert all(a is b for a, b in zip(before, after))
    assert all(g._data is a and not g._data.any() for g, a in zip(after, arrays))
    assert not any(g.requires_grad for g in after)


def test_zero_grad_matches_torch():
    for lib in (gg, torch):
        m = _with_grads(lib)
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())


# ------------------------------------------------------------------------------ Parameter
def test_parameter_shares_storage_and_version_with_its_tensor():
    t = gg.tensor([1.0, 2.0, 3.0])
    p = nn.Parameter(t)
    assert p._data is t._data and np.shares_memory(p._data, t._data)
    t.add_(1.0)
    assert p.tolist() == [2.0, 3.0, 4.0]
    with gg.no_grad():
        p.mul_(2.0)
    assert t.tolist() == [4.0, 6.0, 8.0]
    assert p.requires_grad and not t.requires_grad and p.is_leaf
    tt = torch.tensor([1.0, 2.0, 3.0])
    tp = torch.nn.Parameter(tt)
    tt.add_(1.0)
    with torch.no_grad():
        tp.mul_(2.0)
    assert p._version[0] == tp._version and t._version[0] == tt._version


def test_parameter_options_match_torch():
    p = nn.Parameter(gg.ones(2), requires_grad=False)
    tp = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    assert p.requires_grad is tp.requires_grad is False
    assert isinstance(p, nn.Parameter)
    e, te = nn.Parameter(), torch.nn.Parameter()
    assert tuple(e.shape) == tuple(te.shape) == (0,)
    assert str(e.dtype) == str(te.dtype).replace("torch.", "") and e.requires_grad
    with pytest.raises((RuntimeError, TypeError)):
        nn.Parameter(gg.tensor([1, 2]))  # integers cannot require grad
    with pytest.raises(RuntimeError):
        torch.nn.Parameter(torch.tensor([1, 2]))


def test_parameter_of_a_non_leaf_is_a_new_leaf():
    x = gg.ones(2, requires_grad=True)
    y = x * 2
    p = nn.Parameter(y)
    assert p.is_leaf and p.grad_fn is None and p._data is y._data


# ------------------------------------------------------------------------------ tying
def _tied(lib):
    class AE(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.nn.Linear(4, 4, bias=False)
            self.decoder = lib.nn.Linear(4, 4)
            self.decoder.weight = self.encoder.weight

        def forward(self, x):
            return self.decoder(self.encoder(x).tanh())

    return AE()


def test_tied_weights_appear_once_in_parameters_and_twice_in_state_dict():
    ours, theirs = _tied(gg), _tied(torch)
    assert _keys(ours) == _keys(theirs)
    assert [n for n, _ in ours.named_parameters()] == ["encoder.weight", "decoder.bias"]
    assert list(ours.state_dict()) == ["encoder.weight", "decoder.weight", "decoder.bias"]
    assert len(list(ours.named_parameters(remove_duplicate=False))) == 3
    assert ours.decoder.weight is ours.encoder.weight


def test_tied_weights_load_and_train_like_torch():
    theirs = _tied(torch)
    ours = _tied(gg)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert ours.decoder.weight is ours.encoder.weight
    np.testing.assert_array_equal(ours.encoder.weight._data,
                                  theirs.encoder.weight.detach().numpy())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    opt = gg.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    assert len(opt.param_groups[0]["params"]) == 2
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (ours(gg.tensor(x)) ** 2).mean().backward()
        (theirs(torch.tensor(x)) ** 2).mean().backward()
        np.testing.assert_allclose(ours.encoder.weight.grad._data,
                                   theirs.encoder.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        opt.step()
        topt.step()
    for k, v in theirs.state_dict().items():  # the tied weight was updated once per step
        np.testing.assert_allclose(ours.state_dict()[k]._data, v.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=k)


def test_shared_module_is_listed_once_but_saved_under_every_path():
    ours, theirs = nn.Module(), torch.nn.Module()
    for m, lib in ((ours, gg), (theirs, torch)):
        lin = lib.nn.Linear(1, 1)
        m.x, m.y = lin, lin
    assert _keys(ours) == _keys(theirs)
    assert list(ours.state_dict()) == ["x.weight", "x.bias", "y.weight", "y.bias"]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == ["", "x", "y"]
    assert ([n for n, _ in ours.named_parameters(remove_duplicate=False)]
            == [n for n, _ in theirs.named_parameters(remove_duplicate=False)])
    ours.load_state_dict(ours.state_dict())


def test_load_state_dict_errors_are_runtime_errors_as_in_torch():
    lin = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="missing keys: bias"):
        lin.load_state_dict({"weight": np.zeros((2, 2))})
    with pytest.raises(KeyError):  # and still KeyErrors, as before
        lin.load_state_dict({"weight": np.zeros((2, 2))})
    with pytest.raises(RuntimeError, match=r"size mismatch for 'weight'.*\(3, 2\)"):
        lin.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)})


# ------------------------------------------------------------------------------ containers
CONTAINER_STEPS = {
    "seq setitem first": lambda lib, s: s.__setitem__(0, lib.nn.Linear(2, 7)),
    "seq setitem last": lambda lib, s: s.__setitem__(-1, lib.nn.Tanh()),
    "seq delitem": lambda lib, s: s.__delitem__(1),
    "seq delitem slice": lambda lib, s: s.__delitem__(slice(0, 2)),
    "seq insert": lambda lib, s: s.insert(1, lib.nn.Sigmoid()),
    "seq insert end": lambda lib, s: s.insert(3, lib.nn.Sigmoid()),
    "seq pop": lambda lib, s: s.pop(0),
    "seq append": lambda lib, s: s.append(lib.nn.Sigmoid()),
    "seq extend": lambda lib, s: s.extend([lib.nn.Sigmoid(), lib.nn.Tanh()]),
    "seq setattr existing": lambda lib, s: setattr(s, "0", lib.nn.Linear(2, 5)),
    "seq index out of range": lambda lib, s: s.__setitem__(5, lib.nn.Tanh()),
}


def _seq(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))


def _container_outcome(lib, step):
    s = _seq(lib)
    try:
        CONTAINER_STEPS[step](lib, s)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return _keys(s), [type(m).__name__ for m in s], [getattr(s, k) is v for k, v in
                                                      s._modules.items()]


@pytest.mark.parametrize("step", sorted(CONTAINER_STEPS))
def test_sequential_matches_torch(step):
    assert _container_outcome(gg, step) == _container_outcome(torch, step)


def test_module_list_and_dict_keep_places_like_torch():
    def build(lib):
        lst = lib.nn.ModuleList([lib.nn.Linear(1, 1), lib.nn.ReLU(), lib.nn.Linear(1, 2)])
        lst[0] = lib.nn.Linear(1, 3)
        del lst[1]
        lst.insert(0, lib.nn.Tanh())
        lst += [lib.nn.Sigmoid()]
        d = lib.nn.ModuleDict({"a": lib.nn.ReLU(), "b": lib.nn.Linear(1, 1)})
        d["a"] = lib.nn.Linear(2, 2)
        d["c"] = lib.nn.Tanh()
        popped = d.pop("b")
        return lst, d, popped

    (ol, od, op), (tl, td, tp) = build(gg), build(torch)
    assert _keys(ol) == _keys(tl) and _keys(od) == _keys(td)
    assert [type(m).__name__ for m in ol] == [type(m).__name__ for m in tl]
    assert list(od.keys()) == list(td.keys()) == ["a", "c"]
    assert type(op).__name__ == type(tp).__name__ == "Linear"
    assert all(getattr(ol, k) is v for k, v in ol._modules.items())
    assert ol[1].out_features == 3
    with pytest.raises(KeyError):
        gg.nn.ModuleDict()["keys"] = nn.ReLU()  # as torch: the name is a method
    with pytest.raises(KeyError):
        torch.nn.ModuleDict()["keys"] = torch.nn.ReLU()


def test_scalar_modules_register_assigned_value_parameters():
    gg.manual_seed(0)
    n = nn.Neuron(2)
    w = nn.ValueParameter(0.25)
    n.b = w  # replaces the bias and keeps its place
    assert [k for k, _ in n.named_parameters()] == ["w0", "w1", "b"]
    assert n.parameters()[-1] is w


@pytest.mark.parametrize("extra,children", [("", 0), ("x=1", 0), ("x=1\ny=2", 0),
                                            ("x=1", 1), ("x=1\n\ny=2", 2), ("", 2)])
def test_custom_module_repr_layout_matches_torch(extra, children):
    """Several extra_repr lines, or extra_repr beside children, use torch's layout."""
    if torch is None:
        pytest.skip("torch is not installed")

    def build(base, linear):
        class E(base):
            def __init__(self):
                super().__init__()
                for k in range(children):
                    setattr(self, f"c{k}", linear(2, 3))

            def extra_repr(self):
                return extra

        return E()

    ours = build(nn.Module, nn.Linear)
    theirs = build(torch.nn.Module, torch.nn.Linear)
    assert repr(ours) == repr(theirs)
    outer, touter = nn.Sequential(ours), torch.nn.Sequential(theirs)
    assert repr(outer) == repr(touter)
