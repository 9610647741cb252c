"""Registry-driven op tests: every registered op is gradient-checked and compared with torch."""

import numpy as np
import pytest

from glassgrad.autograd import OPS, gradcheck, gradgradcheck
from glassgrad.autograd.opspecs import cases_of, load_all

SPECS = load_all()


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


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.torch_fn))
def test_against_torch(name):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    s = SPECS[name]
    for case in cases_of(s, seed=1):
        ours = s.tensors(case)
        theirs = [torch.tensor(np.asarray(a), requires_grad=t.requires_grad)
                  for a, t in zip(case.inputs, ours)]
        out = s.fn(*ours, **case.kwargs)
        ref = s.torch_fn(torch, *theirs, **case.kwargs)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} forward {case.shapes()} {case.kwargs}")
        rng = np.random.default_rng(7)
        w = rng.standard_normal(out.shape)
        diff = [t for t in ours if t.requires_grad]
        if not diff or not out.requires_grad:
            continue
        (out * w).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for t, r in zip(ours, theirs):
            if t.requires_grad:
                np.testing.assert_allclose(
                    t.grad.data, r.grad.numpy(), rtol=1e-9, atol=1e-12,
                    err_msg=f"{name} gradient {case.shapes()} {case.kwargs}")
