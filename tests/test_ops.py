"""Registry-driven op tests: every registered op is gradient-checked and compared with torch,
in float64 and in float32, and keeps its input's float dtype."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import OPS, gradcheck, gradgradcheck
from glassgrad.testing import opspecs
from glassgrad.testing.opspecs import Case, cases_of, load_all

SPECS = load_all()

# Ops whose result dtype is fixed by the spec, not by the input: "to" casts to float32.
CASTS = {"to": np.float32}


def test_every_op_has_a_spec():
    missing = sorted(set(OPS) - set(SPECS))
    extra = sorted(n for n, s in SPECS.items() if n not in OPS and not s.composed)
    assert not missing, f"ops without a gradcheck spec: {missing}"
    assert not extra, f"specs for ops that do not exist: {extra}"


def test_composed_specs_name_public_functions_that_are_not_ops():
    """A composed spec checks a function built from registered ops: it is not an op itself,
    and it exists under its name in glassgrad, glassgrad.nn.functional or glassgrad.linalg."""
    import glassgrad.nn.functional as F

    for name, s in SPECS.items():
        if not s.composed:
            continue
        assert name not in OPS, f"{name}: a registered op, so its spec is not composed"
        base = name.removeprefix("linalg.")
        assert any(callable(getattr(ns, base, None)) for ns in (gg, F, gg.linalg, gg.Tensor)), (
            f"{name}: no public function of that name")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_gradcheck(name):
    s = SPECS[name]
    cases = cases_of(s)
    assert cases, f"{name}: no cases"
    for case in cases:
        assert gradcheck(s.call(case), s.tensors(case), eps=s.eps, atol=s.atol, rtol=s.rtol), (
            f"{name} {case.shapes()} {case.kwargs}")


@pytest.mark.parametrize("scale", [1 + 1e-4, 1 - 1e-4])
def test_default_tolerance_rejects_a_gradient_off_by_one_part_in_ten_thousand(scale):
    """The registry's default rtol and atol (opspecs.OpSpec) catch a backward 0.01% off,
    which the old defaults (rtol 1e-3, atol 1e-5) passed; the exact backward passes."""
    from glassgrad.autograd import Function

    class ScaledExp(Function):
        """exp, with its gradient scaled by ``scale`` (1 is the true gradient)."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return np.exp(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * np.exp(x) * ctx.scale, None

    s = opspecs.OpSpec("scaled_exp", None, None)
    x = gg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)

    def check(k):
        return gradcheck(lambda t: ScaledExp.apply(t, k), (x,), eps=s.eps, atol=s.atol,
                         rtol=s.rtol, raise_exception=False)

    assert check(1.0)
    assert not check(scale)


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


@pytest.mark.parametrize("name", sorted(n for n in SPECS if n not in opspecs.WITHOUT_TORCH))
def test_against_torch(name):
    _compare_with_torch(name, np.float64, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in SPECS if n not in opspecs.WITHOUT_TORCH))
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


# ------------------------------------------------------------------------------ coverage
def _float_shapes(case):
    return [np.shape(a) for a in case.inputs
            if a is not None and np.asarray(a).dtype.kind == "f"]


def _broadcast_to_output(shape, out_shape):
    """True when an input of ``shape`` is broadcast (numpy rules) up to the output's shape."""
    try:
        return shape != out_shape and np.broadcast_shapes(shape, out_shape) == out_shape
    except ValueError:
        return False


def _case_kinds(s):
    """Which of the required kinds ("0-d", "size-1", "broadcast") the spec's cases cover,
    and whether the op takes two or more float inputs (so broadcasting applies)."""
    kinds, multi = set(), False
    for case in cases_of(s):
        shapes = _float_shapes(case)
        multi |= len(shapes) >= 2
        if any(len(sh) == 0 for sh in shapes):
            kinds.add("0-d")
        if any(1 in sh for sh in shapes):
            kinds.add("size-1")
        if len(shapes) >= 2:
            out = s.fn(*s.tensors(case), **case.kwargs)
            if any(_broadcast_to_output(sh, tuple(out.shape)) for sh in shapes):
                kinds.add("broadcast")
    return kinds, multi


REASONS = {"0-d": opspecs.WITHOUT_ZERO_D, "size-1": opspecs.WITHOUT_SIZE_ONE,
           "broadcast": opspecs.WITHOUT_BROADCAST, "torch": opspecs.WITHOUT_TORCH}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_has_0d_size1_and_broadcast_cases_or_a_listed_reason(name):
    """A 0-d float input, a float input with a size-1 dim and, for ops of two or more float
    inputs, a float input broadcast up to the output's shape: each is a case or listed in
    opspecs.WITHOUT_* with the reason. A listed reason for a kind the spec does cover is
    stale and fails too (the broadcast rule can see false positives, so it is not held
    to that)."""
    kinds, multi = _case_kinds(SPECS[name])
    required = ["0-d", "size-1"] + (["broadcast"] if multi else [])
    missing = [k for k in required if k not in kinds and name not in REASONS[k]]
    assert not missing, (f"{name}: no {' / '.join(missing)} case; add one to its spec, or "
                         f"list {name!r} with the reason in opspecs.WITHOUT_*")
    stale = [k for k in ("0-d", "size-1") if k in kinds and name in REASONS[k]]
    assert not stale, f"{name}: has a {stale} case but is listed in opspecs.WITHOUT_* for it"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_spec_has_a_torch_fn_or_a_listed_reason(name):
    s = SPECS[name]
    assert (s.torch_fn is None) == (name in opspecs.WITHOUT_TORCH), (
        f"{name}: needs a torch_fn, or its name in opspecs.WITHOUT_TORCH with the reason"
        if s.torch_fn is None else
        f"{name}: has a torch_fn but is listed in opspecs.WITHOUT_TORCH; drop it from there")


def test_listed_reasons_name_real_specs_and_say_why():
    for kind, reasons in REASONS.items():
        unknown = sorted(set(reasons) - set(SPECS))
        assert not unknown, f"opspecs.WITHOUT_ for {kind} names no spec: {unknown}"
        empty = sorted(n for n, why in reasons.items() if len(why.strip()) < 10)
        assert not empty, f"opspecs.WITHOUT_ for {kind}: no reason given for {empty}"
