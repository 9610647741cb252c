"""What a graph costs the cyclic garbage collector: every op leaves at most three tracked
objects (its result Tensor, its Function and the parents tuple), so the collector's passes
over a long graph stay short (issue 13: per-op overhead with the GC on). Counts, not times."""

import gc

import numpy as np

import glassgrad as gg


def _tracked_per_op(build, n=2000):
    gc.collect()
    before = len(gc.get_objects())
    keep = build(n)
    gc.collect()  # untracks tuples of atoms (saved arrays, versions, flags)
    per_op = (len(gc.get_objects()) - before) / n
    del keep
    return per_op


def test_tensor_chain_leaves_three_tracked_objects_per_op():
    def build(n):
        x = gg.tensor(np.ones(4, np.float32), requires_grad=True)
        y = x
        for i in range(n):
            y = y * 1.0001 if i % 2 == 0 else y + 0.0001
        return x, y

    assert _tracked_per_op(build) <= 3.05


def test_binary_ops_share_their_flag_tuples():
    a = gg.randn(3, requires_grad=True)
    b = gg.randn(3, requires_grad=True)
    y1, y2 = a * b, a + b
    assert y1.grad_fn.needs_input_grad == (True, True)
    assert y1.grad_fn.needs_input_grad is y2.grad_fn.needs_input_grad
    assert isinstance(y1.parents, tuple) and y1.parents[0] is a


def test_lazy_version_counter_still_catches_in_place_changes():
    x = gg.randn(4, requires_grad=True)
    y = x * 2  # no counter allocated yet: version 0
    z = y.exp()  # saves its output
    assert y._vc is None and z._vc is None
    z.add_(1)
    assert z._version[0] == 1
    try:
        z.sum().backward()
    except RuntimeError as e:
        assert "modified by an in-place operation" in str(e)
    else:
        raise AssertionError("an in-place change of a saved output went unnoticed")
    v = y[1:]  # a view shares its base's counter, created on demand
    assert v._version is y._version
    y.mul_(3)
    assert v._version[0] == 1
