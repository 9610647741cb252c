"""Grad mode, inference mode, anomaly mode and retain_grads are per thread, as in torch."""

import threading

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import anomaly
from glassgrad.autograd.graph import _state


def _in_threads(n, target):
    """Run target(i, barrier) in n threads started together; re-raise the first error."""
    barrier = threading.Barrier(n)
    errors = []

    def wrap(i):
        try:
            target(i, barrier)
        except BaseException as e:  # noqa: BLE001  (collected and re-raised below)
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_leaves_the_others_recording():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def quiet(i, barrier):
        barrier.wait()
        with gg.no_grad():
            inside.set()
            outside.wait(10)
            seen["quiet"] = (x * 2).requires_grad

    def busy(i, barrier):
        barrier.wait()
        inside.wait(10)
        seen["busy"] = (x * 2).requires_grad, gg.is_grad_enabled()
        outside.set()

    _in_threads(2, lambda i, b: (quiet if i == 0 else busy)(i, b))
    assert seen == {"quiet": False, "busy": (True, True)}
    assert gg.is_grad_enabled()


def test_many_threads_toggling_grad_mode_never_leave_it_off():
    x = gg.tensor(np.ones(3), requires_grad=True)

    def work(i, barrier):
        barrier.wait()
        for k in range(200):
            if (i + k) % 2:
                with gg.no_grad():
                    assert not (x * 2).requires_grad
            else:
                with gg.set_grad_enabled(False):
                    assert not gg.is_grad_enabled()
                y = (x * 3).sum()
                assert y.requires_grad
                g, = gg.autograd.grad(y, [x])
                np.testing.assert_array_equal(g.numpy(), 3.0)

    _in_threads(8, work)
    assert gg.is_grad_enabled() and (x * 1).requires_grad


def test_a_new_thread_starts_with_the_defaults():
    seen = []
    with gg.no_grad(), gg.autograd.detect_anomaly(), gg.retain_grads():
        t = threading.Thread(target=lambda: seen.append(
            (gg.is_grad_enabled(), _state.anomaly, _state.retain_grads,
             gg.is_inference_mode_enabled())))
        t.start()
        t.join()
        assert not gg.is_grad_enabled() and _state.anomaly and _state.retain_grads
    assert seen == [(True, False, False, False)]
    assert gg.is_grad_enabled() and not _state.anomaly and not _state.retain_grads


def test_set_grad_enabled_as_a_function_a_context_and_a_decorator():
    x = gg.tensor([1.0], requires_grad=True)
    gg.set_grad_enabled(False)
    try:
        assert not gg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        gg.set_grad_enabled(True)
    assert gg.is_grad_enabled()
    with gg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with gg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not gg.is_grad_enabled()
    assert gg.is_grad_enabled()

    @gg.set_grad_enabled(False)
    def f():
        return (x * 2).requires_grad

    assert f() is False and gg.is_grad_enabled()

    @gg.no_grad()
    def g():
        return (x * 2).requires_grad

    @gg.no_grad
    def h():
        return (x * 2).requires_grad

    assert g() is False and h() is False and gg.is_grad_enabled()


def test_inference_mode():
    x = gg.tensor([1.0], requires_grad=True)
    with gg.inference_mode():
        assert gg.is_inference_mode_enabled() and not gg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with gg.inference_mode(False):
            assert gg.is_inference_mode_enabled()  # as torch: False leaves the mode as is
    assert not gg.is_inference_mode_enabled() and gg.is_grad_enabled()

    @gg.inference_mode()
    def f():
        return (x * 2).requires_grad

    assert f() is False and gg.is_grad_enabled()


def test_matches_torch_flags():
    torch = pytest.importorskip("torch")
    for lib in (gg, torch):
        with lib.inference_mode():
            assert lib.is_inference_mode_enabled() and not lib.is_grad_enabled()
        prev = lib.is_grad_enabled()
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled()
        lib.set_grad_enabled(prev)


def test_anomaly_mode_is_per_thread():
    seen = []
    with gg.autograd.detect_anomaly():
        t = threading.Thread(target=lambda: seen.append(_state.anomaly))
        t.start()
        t.join()
        assert _state.anomaly
    assert seen == [False] and not _state.anomaly
    assert anomaly.detect_anomaly  # the public context manager is still there
