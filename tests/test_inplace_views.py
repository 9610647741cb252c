"""Views share memory with their base; in-place ops are recorded on the graph as in torch.

Each scenario runs the same code on glassgrad and, where it is installed, on torch, and
compares values and gradients. Without torch the expected numbers are checked by hand.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # the suite runs without torch: hand-written expectations remain
    torch = None

LIBS = [gg] if torch is None else [gg, torch]


def run_both(fn):
    """fn(lib) on glassgrad and torch; returns glassgrad's result after checking they match."""
    results = [fn(L) for L in LIBS]
    for other in results[1:]:
        _same(results[0], other)
    return results[0]


def _same(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, (str, bool)) or a is None:
        assert a == b
    else:
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64), rtol=1e-6, atol=1e-7)


def _np(t):
    return None if t is None else t.detach().numpy().copy()


def _t(L, a, **kw):
    return L.tensor(np.asarray(a, dtype=np.float64), **kw)


# ------------------------------------------------------------------------------ in place
def test_accumulating_into_a_plain_tensor_records_the_graph():
    def f(L):
        b = _t(L, [1.0, 2.0], requires_grad=True)
        acc = L.zeros(2, dtype=L.float64)
        acc += b * 7
        acc += b * b
        acc.sum().backward()
        return _np(b.grad), acc.requires_grad

    grad, req = run_both(f)
    np.testing.assert_array_equal(grad, [9.0, 11.0])
    assert req


def test_consumers_before_an_inplace_op_keep_the_old_version():
    def f(L):
        x = _t(L, [-1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        z = y * 3  # uses y before relu_
        y.relu_()
        (y * _t(L, [1.0, 2.0, 3.0]) + z).sum().backward()
        return _np(x.grad), _np(y)

    grad, y = run_both(f)
    np.testing.assert_array_equal(grad, [6.0, 10.0, 12.0])
    np.testing.assert_array_equal(y, [0.0, 4.0, 6.0])


def test_inplace_result_becomes_the_grad_fn():
    x = gg.tensor([1.0, -2.0], requires_grad=True)
    y = x * 1
    before = y.grad_fn
    y.mul_(2)
    assert y.op == "mul" and y.grad_fn is not before
    y.exp_()
    assert y.op == "exp"
    old = y.parents[0]
    assert old is not y and old.op == "mul" and np.shares_memory(old._data, y._data)


@pytest.mark.parametrize("make_view", [
    lambda y: y[1:3],
    lambda y: y.narrow(0, 1, 2),
    lambda y: y.view(2, 2)[0],
    lambda y: y.unsqueeze(0)[:, 1:3].squeeze(0),
    lambda y: y.select(0, 2).unsqueeze(0),
])
def test_inplace_on_a_view_rewrites_the_base_history(make_view):
    def f(L):
        x = _t(L, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
        w = _t(L, [1.0, -2.0, 3.0, 0.5], requires_grad=True)
        y = x * 1
        v = make_view(y)
        v.mul_(10)
        v.add_((w[:2] * w[:2]).sum())
        (y * _t(L, [1.0, 2.0, 3.0, 4.0])).sum().backward()
        return _np(x.grad), _np(w.grad), _np(y), _np(v)

    run_both(f)


def test_setitem_on_a_plain_buffer_records_the_assigned_values():
    def f(L):
        w = _t(L, [1.0, 2.0], requires_grad=True)
        buf = L.zeros(3, dtype=L.float64)
        buf[1:] = w * 3
        buf[0] = w[0] * w[1]
        (buf * _t(L, [5.0, 6.0, 7.0])).sum().backward()
        return _np(w.grad), _np(buf)

    grad, buf = run_both(f)
    np.testing.assert_array_equal(grad, [28.0, 26.0])


def test_setitem_with_masks_ints_and_views_of_graph_tensors():
    def f(L):
        x = _t(L, [[1.0, -2.0, 0.5], [3.0, -4.0, 2.0]], requires_grad=True)
        v = _t(L, [9.0], requires_grad=True)
        h = x * 2
        h[h < 0] = 0.0
        h[0, 1] = v[0] * 2
        h[:, 2] = h[:, 2] * 3
        h.t()[0] += v  # through a transposed view
        (h * _t(L, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return _np(x.grad), _np(v.grad), _np(h)

    run_both(f)


def test_masked_fill_clamp_and_friends_in_place():
    def f(L):
        x = _t(L, [[1.0, -2.0, 0.5], [3.0, -4.0, 2.0]], requires_grad=True)
        h = x * 1.5
        h.masked_fill_(h < -1, -1.0)
        h.clamp_(min=-0.5, max=4.0)
        h.sub_(x, alpha=0.5)
        h.div_(2.0).pow_(2).sqrt_()  # each saves its output; the next saves its input
        g = (x * 0.7).neg_().abs_().tanh_()
        k = (x * 0.3).sigmoid_()
        m = (x * x + 1).log_()
        (h * _t(L, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]) + g + k * m).sum().backward()
        return _np(x.grad), _np(h), _np(g)

    run_both(f)


def test_zero_fill_and_copy_cut_the_old_history():
    def f(L):
        x = _t(L, [1.0, 2.0, 3.0], requires_grad=True)
        s = _t(L, [4.0, 5.0, 6.0], requires_grad=True)
        a, b, c = x * 2, x * 3, x * 4
        a.zero_()
        b.fill_(s[0])
        c.copy_(s * s)
        (a + b + c).sum().backward()
        return _np(x.grad), _np(s.grad)

    xg, sg = run_both(f)
    np.testing.assert_array_equal(xg, [0.0, 0.0, 0.0])


def test_index_add_and_scatter_in_place():
    def f(L):
        x = _t(L, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
        src = _t(L, [[1.0, -1.0], [2.0, -2.0]], requires_grad=True)
        h = x * 1
        h.index_add_(0, L.tensor([2, 0]), src, alpha=3)
        h.scatter_(1, L.tensor([[1], [0], [1]]), src[:1, :1].expand(3, 1) * 5)
        (h * _t(L, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
        return _np(x.grad), _np(src.grad), _np(h)

    run_both(f)


def test_earlier_views_see_the_base_change():
    def f(L):
        x = _t(L, [1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        a = y[0:2]
        y.mul_(3)
        (a * _t(L, [1.0, 10.0])).sum().backward()
        return _np(x.grad), _np(a)

    grad, a = run_both(f)
    np.testing.assert_array_equal(grad, [3.0, 30.0, 0.0])


def test_a_view_made_before_the_base_joined_the_graph():
    def f(L):
        w = _t(L, [2.0, 3.0], requires_grad=True)
        buf = L.zeros(4, dtype=L.float64)
        head, tail = buf[:2], buf[2:]
        tail.copy_(w * w)
        (head + tail * 2).sum().backward()  # head is refreshed to a view of buf's new node
        return _np(w.grad), head.requires_grad

    grad, req = run_both(f)
    np.testing.assert_array_equal(grad, [8.0, 12.0])


def test_hooks_and_retain_grad_follow_the_version_they_were_set_on():
    def f(L):
        x = _t(L, [1.0, -2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        before, after = [], []
        y.register_hook(lambda g: before.append(_np(g)))
        z = y * 3
        y.mul_(5)
        y.register_hook(lambda g: after.append(_np(g)))
        (z.sum() + (y * y).sum()).backward()
        return _np(y.grad), before, after, _np(x.grad)

    run_both(f)


def test_inplace_on_a_leaf_that_requires_grad_raises_outside_no_grad():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.relu_(), lambda: w.zero_(),
               lambda: w.__setitem__(0, 5.0), lambda: w[0:1].mul_(2)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            op()
    with gg.no_grad():
        w.mul_(2)
        w[0:1].add_(1)
        w[1] = 7.0
    np.testing.assert_array_equal(w.detach().numpy(), [3.0, 7.0])
    assert w.is_leaf and w.grad_fn is None


def test_changing_a_saved_tensor_makes_backward_raise_with_versions():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = y * y
    with gg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"mul: .*modified by an in-place operation.*"
                                           r"version 1; expected version 0"):
        z.sum().backward()
    # the output of layer_norm is what its backward reads: changing it is caught
    h = gg.randn(2, 4, requires_grad=True)
    out = gg.functional.layer_norm(h * 1, (4,))
    with gg.no_grad():
        out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_a_change_backward_does_not_read_is_fine():
    def f(L):
        x = _t(L, [-1.0, 2.0], requires_grad=True)
        y = x.abs()
        with L.no_grad():
            y[0] = 5
        y.sum().backward()
        return _np(x.grad)

    np.testing.assert_array_equal(run_both(f), [-1.0, 1.0])
    # ops whose backward doesn't read their output, then mul by a constant (reads no input)
    for make in (lambda x: x * 3, lambda x: x + 1, lambda x: x / 2, lambda x: x.sin(),
                 lambda x: x.log(), lambda x: x.abs()):
        x = gg.tensor([0.5, 1.5], requires_grad=True)
        y = make(x)
        z = y * 3
        with gg.no_grad():
            y.zero_()
        z.sum().backward()
    # ops that read their output: the change is caught, as in torch
    for make in (lambda x: x.exp(), lambda x: x.tanh(), lambda x: x.sigmoid(),
                 lambda x: x.sqrt()):
        def f(L, make=make):
            x = _t(L, [0.5, 1.5], requires_grad=True)
            y = make(x)
            with L.no_grad():
                y.zero_()
            try:
                (y * 3).sum().backward()
            except RuntimeError as e:
                return "modified by an inplace operation" in str(e).replace("in-place", "inplace")
            return False

        assert run_both(f) is True


def test_expanded_views_refuse_writes():
    x = gg.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="clone"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="clone"):
        x.mul_(gg.tensor(2.0, requires_grad=True))


def test_inplace_shape_and_dtype_errors_name_the_op():
    x = gg.zeros(3)
    with pytest.raises(RuntimeError, match=r"add_: .*shape \(3,\)"):
        x.add_(gg.ones(2, 3))
    i = gg.zeros(3, dtype=gg.int64)
    with pytest.raises(RuntimeError, match="div_: .*int64"):
        i.div_(2.5)
    h = gg.tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"add_: the result has shape \(2, 2\)"):
        h.add_(gg.ones(2, 2))


# in-place variants, gradient-checked in float64 and compared with torch in both dtypes
VARIANTS = {
    "add_": lambda L, x, y: (x * 1).add_(y, alpha=2),
    "sub_": lambda L, x, y: (x * 1).sub_(y),
    "mul_": lambda L, x, y: (x * 1).mul_(y),
    "div_": lambda L, x, y: (x * 1).div_(y * y + 1),
    "pow_": lambda L, x, y: (x * x + 1).pow_(y),
    "exp_": lambda L, x, y: (x * y).exp_(),
    "log_": lambda L, x, y: (x * x + 1).log_(),
    "sqrt_": lambda L, x, y: (x * x + 1).sqrt_(),
    "tanh_": lambda L, x, y: (x * y).tanh_(),
    "sigmoid_": lambda L, x, y: (x * y).sigmoid_(),
    "abs_": lambda L, x, y: (x * y).abs_(),
    "neg_": lambda L, x, y: (x * y).neg_(),
    "clamp_": lambda L, x, y: (x * y).clamp_(-0.5, 0.5),
    "relu_": lambda L, x, y: (x * y).relu_(),
    "masked_fill_": lambda L, x, y: (x * y).masked_fill_(x.detach() > 0.3, 2.0),
    "copy_": lambda L, x, y: (x * 1).copy_(y * 3),
    "setitem": lambda L, x, y: _setitem(x * 1, (slice(None), 1), y[:, 0] * 2),
    "view_mul_": lambda L, x, y: _view_op(x * 1, y),
    "iadd": lambda L, x, y: _iadd(x * 1, y),
}


def _setitem(h, index, value):
    h[index] = value
    return h


def _view_op(h, y):
    h.t()[1:].mul_(y.t()[1:])
    return h


def _iadd(h, y):
    h += y * y
    return h


def _inputs(seed, dtype):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (3, 4))
    x[np.abs(x) < 0.1] += 0.2  # away from the kinks of abs, relu and clamp
    y = rng.uniform(0.5, 1.5, (3, 4))
    return x.astype(dtype), y.astype(dtype)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_inplace_variant_gradcheck(name):
    x, y = _inputs(0, np.float64)
    fn = VARIANTS[name]
    inputs = [gg.tensor(x, requires_grad=True), gg.tensor(y, requires_grad=True)]
    assert gradcheck(lambda a, b: fn(gg, a, b), inputs)


@pytest.mark.parametrize("name", ["mul_", "div_", "exp_", "tanh_", "setitem", "view_mul_",
                                  "iadd", "copy_"])
def test_inplace_variant_gradgradcheck(name):
    x, y = _inputs(1, np.float64)
    fn = VARIANTS[name]
    inputs = [gg.tensor(x, requires_grad=True), gg.tensor(y, requires_grad=True)]
    assert gradgradcheck(lambda a, b: fn(gg, a, b), inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_inplace_variant_matches_torch(name, dtype):
    if torch is None:
        pytest.skip("torch is not installed")
    x, y = _inputs(2, dtype)
    w = np.random.default_rng(3).standard_normal((3, 4)).astype(dtype)
    res = []
    for L in (gg, torch):
        a, b = L.tensor(x, requires_grad=True), L.tensor(y, requires_grad=True)
        out = VARIANTS[name](L, a, b)
        (out * L.tensor(w)).sum().backward()
        assert out.dtype == a.dtype
        res.append((_np(out), _np(a.grad), _np(b.grad)))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for ours, theirs in zip(*res):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def test_every_inplace_method_torch_has_for_our_methods_exists():
    if torch is None:
        pytest.skip("torch is not installed")
    ours = {n for n in dir(gg.Tensor) if not n.startswith("_")}
    missing = sorted(n + "_" for n in ours
                     if hasattr(torch.Tensor, n + "_") and not hasattr(gg.Tensor, n + "_"))
    assert not missing


def test_comparison_and_shape_methods_in_place():
    def f(L):
        x = _t(L, [[1.0, -2.0, 3.0], [0.5, 2.0, -1.0]], requires_grad=True)
        h = x * 1
        h.gt_(0.7)
        (h * 3 + x).sum().backward()
        y = _t(L, np.arange(6.0).reshape(2, 3))
        y.t_()
        z = L.zeros(3)
        z.unsqueeze_(0).transpose_(0, 1)
        return _np(h), _np(x.grad), tuple(y.shape), tuple(y.stride()), tuple(z.shape)

    run_both(f)
    with pytest.raises(NotImplementedError, match="t_: .*x = x.t"):
        (gg.zeros(2, 3, requires_grad=True) * 1).t_()


def test_every_inplace_method_torch_has_for_our_ops_exists():
    names = ["add_", "sub_", "mul_", "div_", "pow_", "exp_", "log_", "sqrt_", "tanh_",
             "sigmoid_", "abs_", "neg_", "clamp_", "clip_", "relu_", "masked_fill_", "zero_",
             "fill_", "copy_", "index_add_", "scatter_", "sin_", "cos_", "log1p_", "erf_"]
    missing = [n for n in names if not hasattr(gg.Tensor, n)]
    assert not missing


# ------------------------------------------------------------------------------ views
def test_view_shares_memory_or_raises_like_torch():
    def f(L):
        base = _t(L, np.arange(6.0).reshape(2, 3))
        x = base[:, [0, 0, 1]]  # a new, contiguous tensor
        x.view(-1)[0] = 100
        try:
            base.t().view(-1)
            raised = False
        except RuntimeError:
            raised = True
        return float(x[0, 0]), raised, x.is_contiguous(), base.t().is_contiguous()

    assert run_both(f) == (100.0, True, True, False)
    with pytest.raises(RuntimeError, match=r"view: .*use \.reshape"):
        gg.zeros(2, 3).t().view(6)
    with pytest.raises(RuntimeError, match="view: shape"):
        gg.zeros(2, 3).view(4)


@pytest.mark.parametrize("make", [
    lambda x: x[1:, ::2], lambda x: x.transpose(0, 2), lambda x: x.permute(2, 0, 1),
    lambda x: x[0].T, lambda x: x.mT, lambda x: x[0].unsqueeze(1), lambda x: x[:, :1].squeeze(1),
    lambda x: x.expand(2, 2, 3, 4)[1], lambda x: x.narrow(2, 1, 2), lambda x: x.select(1, 2),
    lambda x: x.unbind(2)[3], lambda x: x.split(2, 2)[1], lambda x: x.chunk(3, 1)[2],
    lambda x: x.diagonal(0, 1, 2), lambda x: x.unflatten(2, (2, 2)), lambda x: x.movedim(0, 2),
    lambda x: x.reshape(6, 4), lambda x: x.view(4, 6), lambda x: x.flatten(1),
])
def test_views_share_memory_version_and_strides(make):
    def f(L):
        x = _t(L, np.arange(24.0).reshape(2, 3, 4))
        v = make(x)
        writable = 0 not in v.stride()
        if writable:
            v.add_(1)  # seen through the base
        return (tuple(v.shape), tuple(v.stride()), v.storage_offset(), v.is_contiguous(),
                _np(x), writable)

    run_both(f)
    x = gg.tensor(np.arange(24.0).reshape(2, 3, 4))
    v = make(x)
    assert v._base is x and v._version is x._version


def test_views_share_the_version_counter():
    x = gg.zeros(4)
    v = x[1:]
    v.add_(1)
    assert x._version[0] == v._version[0] == 1
    x.mul_(2)
    assert v._version[0] == 2
    assert x.detach()._version is x._version
    assert x.data._version is not x._version  # torch: .data changes are not tracked


def test_contiguous_stride_storage_offset_and_data_ptr():
    x = gg.tensor(np.arange(12.0).reshape(3, 4))
    t = x.t()
    assert not t.is_contiguous() and t.stride() == (1, 4) and t.stride(0) == 1
    c = t.contiguous()
    assert c.is_contiguous() and c.data_ptr() != x.data_ptr()
    assert x.contiguous() is x
    v = x[1:, 2:]
    assert v.storage_offset() == 6 and v.data_ptr() == x.data_ptr() + 6 * 8


# ------------------------------------------------------------------------------ .data
def test_data_is_a_detached_tensor_sharing_storage():
    def f(L):
        p = _t(L, [1.0, 2.0, 3.0], requires_grad=True)
        (p * p).sum().backward()
        lr = 0.1
        p.data += -lr * p.grad
        p.data.add_(p.grad, alpha=-lr)
        d = p.data
        info = (isinstance(d, L.Tensor), d.requires_grad, d.grad_fn is None)
        std = float(p.data.std())  # unbiased, as torch
        q = _t(L, [0.0, 0.0])
        q.data = _t(L, [5.0, 6.0, 7.0])  # may change the shape, as in torch
        p.data.fill_(0.5)
        return _np(p), info, std, _np(q), p.requires_grad, p.is_leaf

    p, info, std, q, req, leaf = run_both(f)
    assert info == (True, False, True) and req and leaf
    np.testing.assert_array_equal(q, [5.0, 6.0, 7.0])


def test_raw_array_stays_available():
    x = gg.tensor([1.0, 2.0])
    assert np.shares_memory(np.asarray(x), x.numpy())
    assert isinstance(x.numpy(), np.ndarray)


# ------------------------------------------------------------------------------ modules
@pytest.mark.parametrize("make", [
    lambda L: L.nn.ReLU(inplace=True), lambda L: L.nn.LeakyReLU(0.2, inplace=True),
    lambda L: L.nn.Dropout(0.0, inplace=True),
])
def test_inplace_modules_record(make):
    def f(L):
        x = _t(L, [[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
        h = x * 2
        out = make(L)(h)
        (out * _t(L, [[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return _np(x.grad), _np(h), out is h

    run_both(f)


def test_functional_inplace_flags():
    def f(L):
        x = _t(L, [[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
        h = x * 2
        a = L.nn.functional.relu(h, inplace=True)
        g = x * 3
        b = L.nn.functional.leaky_relu(g, 0.1, inplace=True)
        ((a + b) * _t(L, [[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return _np(x.grad), a is h, b is g

    run_both(f)


def test_inplace_relu_in_a_model_trains_like_the_out_of_place_one():
    gg.manual_seed(0)
    grads = []
    for inplace in (False, True):
        gg.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(inplace=inplace), nn.Linear(8, 1))
        x = gg.tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
        model(x).pow(2).mean().backward()
        grads.append([_np(p.grad) for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_a_copying_reshape_has_its_own_version_counter():
    def f(L):
        x = _t(L, np.arange(6.0).reshape(2, 3), requires_grad=True)
        y = (x * 1).t()  # not contiguous: reshape must copy
        z = y.reshape(6)
        w = y * y  # saves y
        z.add_(1)  # changes the copy only: y's saved value is untouched
        (w.sum() + z.sum()).backward()
        return _np(x.grad), z._version if L is torch else z._version[0]

    run_both(f)


def test_matmul_and_linear_save_only_what_backward_reads():
    def f(L):
        x = _t(L, np.ones((2, 3)))  # data: needs no gradient
        w = _t(L, np.arange(12.0).reshape(4, 3), requires_grad=True)
        h = (x @ w.t()).sum() + L.nn.functional.linear(x, w).sum()
        with L.no_grad():
            w.mul_(2)  # as an optimizer step before backward: w was not saved
        h.backward()
        a = _t(L, np.ones((2, 3)), requires_grad=True)
        b = _t(L, np.ones((3, 2)), requires_grad=True)
        out = a @ b
        with L.no_grad():
            b.add_(1)  # b was saved for a's gradient: backward must refuse
        try:
            out.sum().backward()
            refused = False
        except RuntimeError:
            refused = True
        return _np(w.grad), refused

    grad, refused = run_both(f)
    assert refused


def test_scatter_and_scatter_add_name_a_bad_index():
    x = gg.zeros(2, 3)
    for op in ("scatter", "scatter_add"):
        with pytest.raises(IndexError, match=f"{op}: index 3 is out of range for dim 1"):
            getattr(x, op)(1, gg.tensor([[0, 3]]), gg.ones(1, 2))
        with pytest.raises(RuntimeError, match=f"{op}: index must be an int tensor"):
            getattr(x, op)(1, gg.tensor([[0.0, 1.0]]), gg.ones(1, 2))
