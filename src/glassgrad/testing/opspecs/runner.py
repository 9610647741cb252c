"""Run gradcheck over the whole op registry: the engine of ``python -m glassgrad gradcheck``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ...autograd.gradcheck import gradcheck_report, gradgradcheck_report
from . import cases_of, load_all


@dataclass
class Row:
    op: str
    order: int  # 1 = gradcheck, 2 = gradgradcheck
    shapes: str
    max_abs_err: float
    max_rel_err: float
    ok: bool
    detail: str = ""
    composed: bool = False  # a composed function's spec, not a registered op's


def run(names=None, second_order=True):
    specs = load_all()
    if names:
        unknown = sorted(set(names) - set(specs))
        if unknown:
            raise KeyError(f"no op named {', '.join(unknown)}; known ops: "
                           f"{', '.join(sorted(specs))}")
    rows = []
    for name in sorted(names or specs):
        s = specs[name]
        for case in cases_of(s):
            checks = [(1, gradcheck_report)]
            if second_order and s.gradgrad:
                checks.append((2, gradgradcheck_report))
            for order, check in checks:
                try:
                    with warnings.catch_warnings():  # deprecation notes torch also gives
                        warnings.simplefilter("ignore")
                        rep = check(s.call(case), s.tensors(case), eps=s.eps, atol=s.atol,
                                    rtol=s.rtol)
                    rows.append(Row(name, order, case.shapes(), rep.max_abs_err,
                                    rep.max_rel_err, rep.ok, rep.describe(), s.composed))
                except Exception as e:  # an op that raises is a failure, reported as such
                    rows.append(Row(name, order, case.shapes(), float("nan"), float("nan"),
                                    False, f"{type(e).__name__}: {e}", s.composed))
    return rows


def counts(rows):
    """(registered ops, composed functions) that the rows check."""
    return (len({r.op for r in rows if not r.composed}),
            len({r.op for r in rows if r.composed}))


def summary(rows):
    """'197 ops and 80 composed functions': what the rows check, in words."""
    ops, composed = counts(rows)
    return f"{ops} ops" + (f" and {composed} composed functions" if composed else "")
