"""The checks must be able to fail: deliberately broken backwards are caught.

Each mutation replaces an op's backward with one that computes the right first derivative
but is not differentiable (its result is cut from the graph under create_graph). The old
second-order check, which held the output weights constant, passes these mutants for
sum, where and relu, whose second derivative in x is zero; the new one (weights are inputs
too, as in torch's gradgradcheck) fails them. A backward returning a plain array under
create_graph is refused by the driver with an error naming the op.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import OPS, Function, GradcheckError, gradcheck, gradgradcheck
from glassgrad.autograd.gradcheck import gradcheck_report
from glassgrad.autograd.graph import enable_grad

CASES = {
    "sum": (lambda x: x.sum(dim=1), lambda rng: [rng.standard_normal((3, 4))]),
    "where": (lambda x: gg.where(x > 0, x, x * 0.5), lambda rng: [rng.uniform(0.2, 1, (3, 4))
                                                                   * rng.choice([-1, 1], (3, 4))]),
    "relu": (lambda x: gg.relu(x), lambda rng: [rng.uniform(0.2, 1, (3, 4))
                                                 * rng.choice([-1, 1], (3, 4))]),
}


def _cut(original, as_array):
    """A backward giving the same numbers, cut from the graph (a constant Tensor, or a plain
    array when ``as_array``)."""

    def backward(ctx, grad):
        node, ctx._node = ctx._node, None  # saved_tensors as plain arrays
        try:
            raw = grad._data if isinstance(grad, gg.Tensor) else grad
            out = original(ctx, raw)
        finally:
            ctx._node = node
        out = out if isinstance(out, tuple) else (out,)
        if node is None or as_array:
            return out
        return tuple(None if o is None else gg.Tensor(np.asarray(o)) for o in out)

    return staticmethod(backward)


def _inputs(name):
    rng = np.random.default_rng(0)
    return [gg.tensor(a, requires_grad=True) for a in CASES[name][1](rng)]


def _old_gradgradcheck(fn, inputs):
    """The check as it was: the first derivative with the output weights held constant."""
    rng = np.random.default_rng(1)
    leaves = [gg.tensor(x.detach().numpy(), requires_grad=True) for x in inputs]
    with gg.no_grad():
        w = [rng.standard_normal(fn(*leaves).shape)]

    def g(*xs):
        with enable_grad():
            out = fn(*xs)
            return gg.autograd.grad([(out * gg.tensor(w[0])).sum()], list(xs),
                                    create_graph=True)

    return gradcheck(g, leaves, raise_exception=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_non_differentiable_backward_fails_gradgradcheck(name, monkeypatch):
    fn = CASES[name][0]
    assert gradgradcheck(fn, _inputs(name))  # the real op passes
    cls = OPS[name]
    monkeypatch.setattr(cls, "backward", _cut(cls.backward, as_array=False))
    assert gradcheck(fn, _inputs(name))  # first derivatives are still right
    assert _old_gradgradcheck(fn, _inputs(name))  # the old check could not tell
    with pytest.raises(GradcheckError, match="second derivative of input 1"):
        gradgradcheck(fn, _inputs(name))  # input 1: the output weights


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_plain_array_under_create_graph_is_refused(name, monkeypatch):
    fn = CASES[name][0]
    cls = OPS[name]
    monkeypatch.setattr(cls, "backward", _cut(cls.backward, as_array=True))
    x = _inputs(name)[0]
    y = fn(x).sum()
    with pytest.raises(RuntimeError, match=f"{name}: under create_graph=True, backward "
                                           "returned a plain array"):
        gg.autograd.grad([y], [x], create_graph=True)
    y = fn(x).sum()
    y.backward()  # an ordinary backward is unaffected
    assert x.grad is not None


def test_hessian_vector_product_of_relu_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal(5)
    v = np.random.default_rng(3).standard_normal(5)
    res = []
    for L in (gg, torch):
        x = L.tensor(a, requires_grad=True)
        y = (L.relu(x) ** 3).sum()
        g = L.autograd.grad([y], [x], create_graph=True)[0] if L is torch else \
            gg.autograd.grad([y], [x], create_graph=True)[0]
        hv = L.autograd.grad([(g * L.tensor(v)).sum()], [x])[0]
        res.append(hv.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)


class WrongSqrt(Function):
    """sqrt with a wrong backward (2 * grad / out instead of grad / (2 out))."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return 2 * grad / out


def test_gradcheck_fails_where_the_numeric_derivative_is_not_finite():
    x = gg.tensor([1e-7, 0.5], dtype=gg.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):
        with pytest.raises(GradcheckError, match="numeric derivative is not finite"):
            gradcheck(WrongSqrt.apply, [x])
        with pytest.raises(GradcheckError, match="numeric derivative is not finite"):
            gradcheck(gg.sqrt, [x])  # even a right backward can't be checked there
    assert gradcheck(gg.sqrt, [gg.tensor([0.3, 0.5], dtype=gg.float64, requires_grad=True)])
    with pytest.raises(GradcheckError, match="is wrong"):
        gradcheck(WrongSqrt.apply, [gg.tensor([0.3, 0.5], dtype=gg.float64,
                                              requires_grad=True)])


def test_report_flags_non_finite_numeric_derivatives():
    x = gg.tensor([1e-7], dtype=gg.float64, requires_grad=True)
    with np.errstate(invalid="ignore"):
        report = gradcheck_report(gg.sqrt, [x])
    assert not report.ok and report.inputs[0].nonfinite
