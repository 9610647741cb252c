"""Registry-driven op tests: every registered op is gradient-checked and compared with torch,
in float64 and in float32, and keeps its input's float dtype."""

import numpy as np
import pytest

from glassgrad.autograd import OPS, gradcheck, gradgradcheck
from glassgrad.autograd.opspecs import Case, cases_of, load_all

SPECS = load_all()

# Ops whose result dtype is fixed by the spec, not by the input: "to" casts to float32.
CASTS = {"to": np.float32}


def test_every_op_has_a_spec():
    missing = sorted(set(OPS) - set(SPECS))
    extra = sorted(set(SPECS) - set(OPS))
    assert not missing, f"ops without a gradcheck spec: {missing}"
    assert not extra, f"specs for ops that do not exist: {extra}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_gradcheck(name):
    s = SPECS[name]
    cases = cases_of(s)
    assert cases, f"{name}: no cases"
    for case in cases:
        assert gradcheck(s.call(case), s.tensors(case), eps=s.eps, atol=s.atol, rtol=s.rtol), (
            f"{name} {case.shapes()} {case.kwargs}")


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.gradgrad))
def test_gradgradcheck(name):
    s = SPECS[name]
    for case in cases_of(s):
        assert gradgradcheck(s.call(case), s.tensors(case), eps=s.eps, atol=s.atol,
                             rtol=s.rtol), f"{name} {case.shapes()} {case.kwargs}"


def _in_dtype(v, dtype):
    """A case value with its float arrays (and those in tuples) in ``dtype``."""
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return v.astype(dtype)
    if isinstance(v, tuple):
        return tuple(_in_dtype(a, dtype) for a in v)
    return v


def _cases(s, dtype, seed=0):
    """The spec's cases with every float array, inputs and keyword arguments, in ``dtype``."""
    return [Case(tuple(None if a is None else _in_dtype(np.asarray(a), dtype)
                       for a in case.inputs),
                 {k: _in_dtype(v, dtype) for k, v in case.kwargs.items()}, case.note)
            for case in cases_of(s, seed)]


def _torch_run(torch, s, case, ours, dtype, w):
    """torch's forward value and input gradients (of sum(w * out)) for the case in ``dtype``."""
    theirs = [None if a is None else torch.tensor(np.asarray(a).astype(dtype)
                                                  if np.asarray(a).dtype.kind == "f" else a,
                                                  requires_grad=t.requires_grad)
              for a, t in zip(case.inputs, ours)]
    kwargs = {k: _in_dtype(v, dtype) for k, v in case.kwargs.items()}
    ref = s.torch_fn(torch, *theirs, **kwargs)
    if w is not None and ref.requires_grad:
        (ref * torch.tensor(w.astype(dtype))).sum().backward()
    grads = [None if t is None or t.grad is None else t.grad.numpy() for t in theirs]
    return ref.detach().numpy(), grads


def _compare_with_torch(name, dtype, rtol, atol):
    """Forward values and gradients (of sum(w * out), random w) against torch, in ``dtype``.

    ``atol`` is relative to the largest magnitude compared, so large values (logits of
    1e4) are judged by their float resolution. In float32 the reference is torch in float64
    on the same float32 inputs, and the tolerance also admits torch's own float32 error
    there: glassgrad must be as close to the exact result as float32 allows, or as torch is.
    """
    torch = pytest.importorskip("torch", reason="torch is not installed")
    s = SPECS[name]

    def close(a, exact, theirs, what):
        scale = max(1.0, float(np.max(np.abs(exact), initial=0.0, where=np.isfinite(exact))))
        tol = atol * scale + rtol * np.abs(exact)
        if theirs is not exact:  # float32: torch's own float32 error counts as tolerance
            tol = tol + np.abs(theirs.astype(np.float64) - exact)
        a = a.astype(np.float64)
        bad = ~((np.abs(a - exact) <= tol) | (a == exact) | (np.isnan(a) & np.isnan(exact)))
        assert not bad.any(), (
            f"{name} {what} in {np.dtype(dtype)}: {int(bad.sum())} of {bad.size} elements "
            f"differ; first at {np.argwhere(bad)[0].tolist()}: ours {a[bad][0]!r}, exact "
            f"{exact[bad][0]!r}, torch {theirs[bad][0]!r}")

    for case in _cases(s, dtype, seed=1):
        ours = s.tensors(case)
        out = s.fn(*ours, **case.kwargs)
        assert out.dtype == np.dtype(CASTS.get(name, dtype)), f"{name}: {out.dtype} out"
        w = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
        differentiable = out.requires_grad and any(t is not None and t.requires_grad
                                                   for t in ours)
        ref, ref_grads = _torch_run(torch, s, case, ours, dtype, w if differentiable else None)
        exact, exact_grads = ref, ref_grads
        if dtype != np.float64:
            exact, exact_grads = _torch_run(torch, s, case, ours, np.float64,
                                            w if differentiable else None)
        where = f"{case.shapes()} {case.note} {case.kwargs}"
        close(out._data, exact, ref, f"forward {where}")
        if not differentiable:
            continue
        (out * w).sum().backward()
        for t, e, r in zip(ours, exact_grads, ref_grads):
            if t is not None and t.requires_grad:
                close(t.grad._data, e, r, f"gradient {where}")


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.torch_fn))
def test_against_torch(name):
    _compare_with_torch(name, np.float64, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.torch_fn))
def test_against_torch_float32(name):
    """The same comparison in float32, with float32's tolerances (rtol 1e-4, atol 1e-5 of
    the largest magnitude)."""
    _compare_with_torch(name, np.float32, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_float_dtype_is_kept(name, dtype):
    """float32 in gives float32 out, and float64 in float64: the output and every input's
    gradient, for every registered op (no silent float64 from numpy's float64 scalars)."""
    s = SPECS[name]
    want = np.dtype(CASTS.get(name, dtype))
    for case in _cases(s, dtype):
        ours = s.tensors(case)
        out = s.fn(*ours, **case.kwargs)
        assert out.dtype == want, f"{name} {case.shapes()} {case.kwargs}: {out.dtype} out"
        if not out.requires_grad:
            continue
        (out * np.ones(out.shape, out.dtype)).sum().backward()
        for i, t in enumerate(ours):
            if t is not None and t.requires_grad:
                assert t.grad.dtype == t.dtype, (
                    f"{name} {case.shapes()}: gradient of input {i} is {t.grad.dtype}")
