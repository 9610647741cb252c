"""Backward semantics: accumulation, retain_graph, hooks, grad(), create_graph, no_grad,
in-place checks, custom Functions, anomaly mode, deep graphs and graph freeing."""

import gc
import weakref

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function


def test_backward_accumulates_across_calls():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2 + 3, 4 + 3])


def test_shared_subexpression_and_repeated_parent():
    x = gg.tensor(3.0, requires_grad=True)
    y = x * x  # the same parent twice
    z = y + y * x
    z.backward()
    assert x.grad.item() == pytest.approx(2 * 3 + 3 * 9)  # d(x^2 + x^3)


def test_broadcast_gradients_summed_to_input_shape():
    a = gg.randn(3, 1, requires_grad=True)
    b = gg.randn(4, requires_grad=True)
    (a * b).sum().backward()
    a_np, b_np = a.detach().numpy(), b.detach().numpy()  # the oracle is numpy, not the engine
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), np.add.reduce(b_np)), rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, np.add.reduce(a_np, axis=None)),
                               rtol=1e-5)


def test_grads_never_share_a_buffer():
    x = gg.randn(3, requires_grad=True)
    y = gg.randn(3, requires_grad=True)
    (x + y).sum().backward()  # Add hands the same array to both inputs
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    x.grad.zero_()
    assert y.grad.numpy().sum() == 3


def test_non_scalar_backward_needs_gradient():
    x = gg.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\)"):
        (x * 2).backward()
    w = gg.randn(2, 3)
    (x * 2).backward(w)
    np.testing.assert_allclose(x.grad.data, 2 * w.data)
    with pytest.raises(RuntimeError, match="gradient has shape"):
        (x * 2).backward(gg.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gg.ones(2).sum().backward()


def test_second_backward_needs_retain_graph():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_saved_arrays_released_after_backward():
    x = gg.randn(3, requires_grad=True)
    y = x.exp()
    z = (y * x).sum()
    z.backward()
    assert y.grad_fn.saved is None and z.parents[0].grad_fn.saved is None


def test_leaf_grads_only_unless_retain_grad():
    x = gg.randn(3, requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.data, h.data)


def test_hooks_see_and_replace_gradients():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * 2
    y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert seen == [[4.0, 8.0]]
    np.testing.assert_allclose(x.grad.data, [80.0, 160.0])


def test_autograd_grad_leaves_dot_grad_alone():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = gg.tensor([3.0, 4.0], requires_grad=True)
    (gx,) = gg.autograd.grad((x * y).sum(), [x])
    np.testing.assert_allclose(gx.data, [3.0, 4.0])
    assert x.grad is None and y.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        gg.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = gg.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None


def test_grad_of_grad():
    x = gg.tensor(2.0, requires_grad=True)
    y = x**3
    (g,) = gg.autograd.grad(y, x, create_graph=True)
    assert g.item() == pytest.approx(12.0) and g.requires_grad
    (gg2,) = gg.autograd.grad(g, x)
    assert gg2.item() == pytest.approx(12.0)  # d2/dx2 x^3 = 6x
    x.grad = None
    y = (x * x).exp()
    y.backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.backward()
    expect = np.exp(4.0) * (2 + 16)  # d/dx (2x e^{x^2}) = (2 + 4x^2) e^{x^2}
    assert x.grad.item() == pytest.approx(expect, rel=1e-5)


def test_no_grad_and_enable_grad_as_context_and_decorator():
    x = gg.ones(2, requires_grad=True)
    with gg.no_grad():
        y = x * 2
        with gg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad

    @gg.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad
    assert gg.is_grad_enabled()


def test_inplace_on_saved_tensor_is_detected():
    a = gg.randn(3, requires_grad=True)
    b = gg.randn(3)
    c = (a * b).sum()
    b += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        c.backward()


def test_inplace_through_a_view_is_detected():
    a = gg.randn(2, 3, requires_grad=True)
    b = gg.randn(6)
    v = b.reshape(2, 3)  # a view: shares b's version counter
    c = (a * v).sum()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="version 1; expected version 0"):
        c.backward()


def test_inplace_on_output_saved_by_its_op_is_detected():
    x = gg.randn(3, requires_grad=True)
    y = x.exp()
    with gg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="its output"):
        y.sum().backward()


def test_inplace_rules_for_leaves_and_graph_nodes():
    w = gg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w -= 1
    with gg.no_grad():
        w -= 1
        w.zero_()
    assert w.data.sum() == 0
    h = w * 2
    h += 1  # recorded on the graph, as in torch: h's grad_fn becomes the add
    assert h.op == "add" and h.parents[0] is not h
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0, 2.0])
    t = gg.zeros(3)
    t += 1
    t *= 3
    t /= 2
    t -= 0.5
    np.testing.assert_allclose(t.data, [1.0, 1.0, 1.0])
    t.fill_(4.0)
    t.copy_(np.arange(3.0))
    assert t.tolist() == [0.0, 1.0, 2.0] and t._version[0] == 6
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        t += np.ones(4)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_custom_function():
    x = gg.tensor([1.0, -2.0], requires_grad=True, dtype=gg.float64)
    y = Cube.apply(x)
    assert repr(y.grad_fn) == "<CubeBackward>" and y.op == "Cube"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])
    assert gg.autograd.gradcheck(Cube.apply, (gg.randn(4, dtype=gg.float64,
                                                       requires_grad=True),))
    assert gg.autograd.gradgradcheck(Cube.apply, (gg.randn(3, dtype=gg.float64,
                                                           requires_grad=True),))


class BadSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # wrong: forgot the 2


def test_gradcheck_catches_a_wrong_backward():
    x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    with pytest.raises(gg.autograd.GradcheckError, match="numeric .* analytic"):
        gg.autograd.gradcheck(BadSquare.apply, (x,))
    assert gg.autograd.gradcheck(BadSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_catches_a_transposition_bug():
    class BadT(Function):  # backward returns the gradient of a transpose un-transposed
        @staticmethod
        def forward(ctx, x):
            return x.T.copy()

        @staticmethod
        def backward(ctx, grad):
            return grad.reshape(grad.shape[::-1])

    x = gg.randn(2, 3, dtype=gg.float64, requires_grad=True)
    assert not gg.autograd.gradcheck(BadT.apply, (x,), raise_exception=False)


def test_anomaly_names_op_and_user_line():
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    with gg.autograd.detect_anomaly(), np.errstate(all="ignore"):
        with pytest.raises(FloatingPointError, match=r"log .*test_autograd.py:\d+"):
            x.log()
        y = x.sqrt()
        with pytest.raises(FloatingPointError, match=r"backward of sqrt .*y = x.sqrt"):
            y.sum().backward()


def test_deep_chain_of_100k_ops():
    x = gg.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_graphs_have_no_reference_cycles():
    gc.disable()
    try:
        x = gg.randn(4, requires_grad=True)
        y = (x * 2).exp()
        probe = weakref.ref(y)
        loss = (y * x).sum()
        loss.backward()
        del y, loss
        assert probe() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_integer_ops_do_not_require_grad():
    x = gg.randn(3, requires_grad=True)
    i = gg.arange(3)
    assert not (i * 2).requires_grad
    assert (x * i).requires_grad


def test_backward_with_inputs_fills_only_those():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = gg.tensor([3.0, 4.0], requires_grad=True)
    (x * y).sum().backward(inputs=[y])
    assert x.grad is None
    np.testing.assert_allclose(y.grad.data, [1.0, 2.0])


def test_retain_grads_keeps_every_intermediate_gradient():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    with gg.autograd.retain_grads():
        h = x * 3
        y = (h * h).sum()
        y.backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    assert y.grad.item() == 1.0
    h2 = x * 3
    (h2 * h2).sum().backward()
    assert h2.grad is None  # outside, only leaves keep gradients (torch's rule)


def test_ops_remember_the_module_calls_they_ran_in():
    from glassgrad import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    out = model(gg.randn(2, 3))
    relu_scope = out.grad_fn.scope
    assert relu_scope[0] is model and relu_scope[1] is model[1]
    assert out.parents[0].grad_fn.scope[1] is model[0]
    assert getattr((out * 2).grad_fn, "scope", None) is None


def test_post_accumulate_grad_hook_steps_an_optimizer_inside_backward():
    """The optimizer-in-backward pattern from torch's tutorial, on both engines."""
    from torch_ref import torch

    libs = [gg] if torch is None else [gg, torch]
    results = []
    for L in libs:
        model = L.nn.Linear(3, 2)
        with L.no_grad():
            model.weight.copy_(L.tensor(np.arange(6.0).reshape(2, 3) / 10))
            model.bias.fill_(0.5)
        opts = {p: L.optim.SGD([p], lr=0.1) for p in model.parameters()}
        seen = []

        def hook(p, opts=opts, seen=seen):
            seen.append(tuple(p.grad.shape))
            opts[p].step()
            opts[p].zero_grad()

        handles = [p.register_post_accumulate_grad_hook(hook) for p in model.parameters()]
        x = L.tensor(np.ones((4, 3), dtype=np.float32))
        for _ in range(2):
            model(x).pow(2).sum().backward()
        for h in handles:
            h.remove()
        model(x).sum().backward()  # removed: grads stay, no step
        results.append((model.weight.detach().numpy().copy(), sorted(seen),
                        model.bias.grad.numpy().copy()))
    for k in (0, 2):  # weights after two in-backward steps; the last, unstepped bias grad
        np.testing.assert_allclose(results[0][k], results[-1][k], rtol=1e-6)
    assert results[0][1] == results[-1][1] == [(2,), (2,), (2, 3), (2, 3)]
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (gg.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)


def test_tensor_hook_handles_remove_exactly_their_hook():
    """register_hook returns torch's RemovableHandle; removing one of two registrations of
    the same function leaves the other, and a `with` block removes on exit."""
    from glassgrad.utils.hooks import RemovableHandle

    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3

    def double(g):
        return g * 2

    h1 = y.register_hook(double)
    h2 = y.register_hook(double)
    assert isinstance(h1, RemovableHandle) and h1.id != h2.id
    h1.remove()
    h1.remove()  # a second remove is harmless
    y.sum().backward(retain_graph=True)
    assert x.grad.tolist() == [6.0, 6.0]  # one doubling left
    x.grad = None
    with h2:
        pass
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_post_accumulate_hook_handle():
    from glassgrad.utils.hooks import RemovableHandle

    w = gg.tensor([1.0], requires_grad=True)
    seen = []
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.item()))
    assert isinstance(h, RemovableHandle)
    (w * 2).sum().backward()
    h.remove()
    (w * 2).sum().backward()
    assert seen == [2.0]


@pytest.mark.parametrize("op", [lambda x: x + 0, lambda x: x.reshape(2, 3).reshape(6),
                                 lambda x: x * 1, lambda x: x.relu(), lambda x: x.clone()])
def test_seed_gradient_is_borrowed_but_never_shared(op):
    """backward(gradient=g) does not copy g up front; a .grad must still never alias g, and
    accumulating a second backward must not change the caller's array."""
    x = gg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
    g = np.array([1.0, -2.0, 3.0, -4.0, 5.0, -6.0])
    keep = g.copy()
    op(x).backward(gg.tensor(g))
    assert not np.shares_memory(x.grad.numpy(), g)
    op(x).backward(g)  # an ndarray seed too; accumulates in place into x.grad
    np.testing.assert_array_equal(g, keep)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * keep)
