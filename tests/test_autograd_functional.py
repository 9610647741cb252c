"""glassgrad.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) against
torch.autograd.functional in float64, plus known values that need no torch."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import functional as AF
from torch_ref import torch


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(ours, theirs, rtol=1e-10, atol=1e-12):
    """Compare nested tuples of results."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b, rtol, atol)
        return
    assert isinstance(ours, gg.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=atol)


# name: (func(lib, *xs), input shapes); lib is glassgrad or torch, so one body serves both
FUNCS = {
    "tensor_to_tensor": (lambda m, x: m.tanh(x) * x.sum(0), [(3, 2)]),
    "tuple_in_tuple_out": (lambda m, x, y: ((m.sin(x) * y).sum(-1), m.exp(x) @ y),
                           [(2, 3), (3,)]),
    "tuple_in_scalar_out": (lambda m, x, y: (x * x).sum() * m.cos(y).sum(), [(2,), (2, 2)]),
    "zero_d": (lambda m, x: m.exp(x) * x, [()]),
    "matmul": (lambda m, a, b: m.tanh(a @ b), [(2, 3), (3, 2)]),
    "unused_input": (lambda m, x, y: (x ** 3).sum(0), [(2, 2), (3,)]),
    "linear": (lambda m, x: 3.0 * x + 1.0, [(4,)]),
}
SCALAR = {
    "cubic": (lambda m, x: (x ** 3).sum(), [(3,)]),
    "two_inputs": (lambda m, x, y: (m.sin(x) * x).sum() * (y ** 2).sum(), [(2, 3), (3,)]),
    "log_sum_exp": (lambda m, x, y: m.log(m.exp(x @ y).sum()), [(2, 3), (3, 2)]),
    "zero_d": (lambda m, x: m.exp(x) * m.sin(x), [()]),
    "unused_input": (lambda m, x, y: (x ** 4).sum(), [(3,), (2,)]),
}


def _inputs(shapes, seed, lib_tensor):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return tuple(lib_tensor(a) for a in arrays)


def _both(table, name, seed=0):
    body, shapes = table[name]
    ours = _inputs(shapes, seed, gg.tensor)
    theirs = _inputs(shapes, seed, torch.tensor)
    return (lambda *xs: body(gg, *xs)), ours, (lambda *xs: body(torch, *xs)), theirs


def _maybe_single(xs, as_tuple):
    return xs if as_tuple else xs[0]


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jacobian_matches_torch(name):
    f, xs, tf, txs = _both(FUNCS, name)
    single = len(xs) == 1
    for as_tuple in ([True, False] if single else [True]):
        ours = AF.jacobian(f, _maybe_single(xs, as_tuple))
        theirs = torch.autograd.functional.jacobian(tf, _maybe_single(txs, as_tuple))
        _close(ours, theirs)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_vjp_and_jvp_match_torch(name):
    f, xs, tf, txs = _both(FUNCS, name)
    outs = f(*xs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    rng = np.random.default_rng(1)
    u = [rng.standard_normal(o.shape) for o in outs]
    v = [rng.standard_normal(x.shape) for x in xs]

    def pack(arrs, lib):
        return tuple(lib(a) for a in arrs) if len(arrs) > 1 else lib(arrs[0])

    inputs, tinputs = (xs if len(xs) > 1 else xs[0]), (txs if len(txs) > 1 else txs[0])
    ours = AF.vjp(f, inputs, pack(u, gg.tensor))
    theirs = torch.autograd.functional.vjp(tf, tinputs, pack(u, torch.tensor))
    _close(ours, theirs)
    ours = AF.jvp(f, inputs, pack(v, gg.tensor))
    theirs = torch.autograd.functional.jvp(tf, tinputs, pack(v, torch.tensor))
    _close(ours, theirs)


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_hessian_vhp_hvp_match_torch(name):
    f, xs, tf, txs = _both(SCALAR, name)
    single = len(xs) == 1
    rng = np.random.default_rng(2)
    v = [rng.standard_normal(x.shape) for x in xs]
    for as_tuple in ([True, False] if single else [True]):
        inp, tinp = _maybe_single(xs, as_tuple), _maybe_single(txs, as_tuple)
        _close(AF.hessian(f, inp), torch.autograd.functional.hessian(tf, tinp))
        vv = _maybe_single(tuple(gg.tensor(a) for a in v), as_tuple)
        tv = _maybe_single(tuple(torch.tensor(a) for a in v), as_tuple)
        _close(AF.vhp(f, inp, vv), torch.autograd.functional.vhp(tf, tinp, tv))
        _close(AF.hvp(f, inp, vv), torch.autograd.functional.hvp(tf, tinp, tv))


def test_known_values_without_torch():
    x = gg.tensor([1.0, -2.0, 0.5])
    h = AF.hessian(lambda t: (t ** 3).sum(), x)
    np.testing.assert_allclose(h.numpy(), np.diag([6.0, -12.0, 3.0]))
    j = AF.jacobian(lambda t: 2.0 * t, x)
    np.testing.assert_allclose(j.numpy(), 2.0 * np.eye(3))
    out, g = AF.vjp(lambda t: (t * t).sum(), x)  # v omitted: one-element output
    np.testing.assert_allclose(out.item(), 5.25)
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0, 1.0])
    _, jv = AF.jvp(lambda t: t * t, x, gg.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(jv.numpy(), [2.0, 0.0, 2.0])
    _, hv = AF.hvp(lambda t: (t ** 3).sum(), x, gg.ones(3))
    np.testing.assert_allclose(hv.numpy(), [6.0, -12.0, 3.0])
    assert not h.requires_grad and not g.requires_grad and not x.requires_grad


def test_unused_input_and_constant_output_give_zeros():
    x, y = gg.tensor([1.0, 2.0]), gg.tensor([3.0])
    jx, jy = AF.jacobian(lambda a, b: a * 2.0, (x, y))
    np.testing.assert_allclose(jy.numpy(), np.zeros((2, 1)))
    j = AF.jacobian(lambda a: gg.ones(2), x)
    np.testing.assert_allclose(j.numpy(), np.zeros((2, 2)))
    _, g = AF.vjp(lambda a: gg.ones(()), x)
    np.testing.assert_allclose(g.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("kind", ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"])
def test_create_graph_differentiates_through_the_result(kind):
    a = np.random.default_rng(3).standard_normal((2, 3))
    x, tx = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)

    def run(fn_mod, t, lib):
        body = (lambda z: (lib.sin(z) * z).sum()) if kind in ("hessian", "vhp", "hvp") \
            else (lambda z: lib.tanh(z) * z.sum())
        fn = getattr(fn_mod, kind)
        if kind in ("jacobian", "hessian"):
            res = fn(body, t, create_graph=True)
        else:
            v = lib.ones(2, 3)
            res = fn(body, t, v, create_graph=True)[1]
        assert res.requires_grad
        (res * res).sum().backward()
        return t.grad

    g = run(AF, x, gg)
    tg = run(torch.autograd.functional, tx, torch)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


def test_results_are_detached_without_create_graph():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    out, g = AF.vjp(lambda t: (t * t).sum(), x)
    assert not out.requires_grad and not g.requires_grad
    assert not AF.jacobian(lambda t: t * t, x).requires_grad
    assert x.grad is None


def test_strict_mode_errors_like_torch():
    x, y = gg.tensor([1.0, 2.0]), gg.tensor([3.0])
    tx, ty = torch.tensor([1.0, 2.0]), torch.tensor([3.0])
    for mod, a, b in ((AF, x, y), (torch.autograd.functional, tx, ty)):
        with pytest.raises(RuntimeError, match="independent of input 1"):
            mod.jacobian(lambda p, q: p * 2.0, (a, b), strict=True)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            mod.vjp(lambda p, q: (p * 2.0).sum(), (a, b), strict=True)
        with pytest.raises(RuntimeError):
            mod.hessian(lambda p: p.sum(), a, strict=True)  # the gradient is constant
        with pytest.raises(RuntimeError):
            mod.jacobian(lambda p: p * 2.0, a, strict=True, vectorize=True)
    # without strict the same calls succeed
    AF.jacobian(lambda p, q: p * 2.0, (x, y))
    np.testing.assert_allclose(AF.hessian(lambda p: p.sum(), x).numpy(), np.zeros((2, 2)))


def test_bad_arguments_are_rejected_like_torch():
    x, tx = gg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    for mod, a, mk in ((AF, x, gg.tensor), (torch.autograd.functional, tx, torch.tensor)):
        with pytest.raises(TypeError):
            mod.jacobian(lambda p: p, [1.0, 2.0])
        with pytest.raises(TypeError):
            mod.vjp(lambda p: 3, a)
        with pytest.raises(RuntimeError, match="v can only be None"):
            mod.vjp(lambda p: p * 2.0, a)  # two-element output needs v
        with pytest.raises(RuntimeError, match="invalid size"):
            mod.vjp(lambda p: p * 2.0, a, mk([1.0, 2.0, 3.0]))
        with pytest.raises(RuntimeError, match="single"):
            mod.hessian(lambda p: p * p, a)  # not a scalar function
        with pytest.raises(RuntimeError, match="single"):
            mod.vhp(lambda p: p * p, a, mk([1.0, 1.0]))
        with pytest.raises(NotImplementedError):
            mod.jacobian(lambda p: p, a, strategy="forward-mode")  # needs vectorize=True
    with pytest.raises(ValueError, match="strategy"):  # torch: AssertionError
        AF.jacobian(lambda p: p, x, strategy="sideways")
    with pytest.raises(ValueError, match="outer_jacobian_strategy"):
        AF.hessian(lambda p: p.sum(), x, outer_jacobian_strategy="sideways")
    # accepted and computed in reverse mode
    j = AF.jacobian(lambda p: p * p, x, vectorize=True, strategy="forward-mode")
    np.testing.assert_allclose(j.numpy(), np.diag([2.0, 4.0]))


def test_float32_inputs_stay_float32():
    x = gg.tensor(np.array([1.0, 2.0], np.float32))
    j = AF.jacobian(lambda t: t * t, x)
    assert j.dtype == gg.float32
    np.testing.assert_allclose(j.numpy(), np.diag([2.0, 4.0]))
