"""Numeric vs analytic gradients, for Tensor functions and Value functions alike.

The analytic side is one backward of ``sum(w * fn(inputs))`` with random weights ``w`` (not
ones: a backward that forgot a transpose or a flip cannot pass). The numeric side is the
central difference (f(x + eps) - f(x - eps)) / 2 eps of that same scalar, one element at a
time, in float64.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .graph import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


@dataclass
class InputReport:
    index: int
    shape: tuple
    max_abs_err: float = 0.0
    max_rel_err: float = 0.0
    worst: tuple | None = None  # (element index, numeric, analytic, abs err, rel err)
    ok: bool = True
    nonfinite: bool = False  # the numeric derivative is NaN or inf somewhere


@dataclass
class Report:
    inputs: list = field(default_factory=list)

    @property
    def ok(self):
        return all(r.ok for r in self.inputs)

    @property
    def max_abs_err(self):
        return max((r.max_abs_err for r in self.inputs), default=0.0)

    @property
    def max_rel_err(self):
        return max((r.max_rel_err for r in self.inputs), default=0.0)

    def describe(self, what="gradient"):
        lines = []
        for r in self.inputs:
            if r.ok or r.worst is None:
                continue
            idx, num, ana, ae, re = r.worst
            if r.nonfinite:
                lines.append(
                    f"{what} of input {r.index} (shape {r.shape}) cannot be checked: the "
                    f"numeric derivative is not finite at element {idx} (numeric {num:.6g}, "
                    f"analytic {ana:.6g}); move the input away from the singularity")
                continue
            lines.append(
                f"{what} of input {r.index} (shape {r.shape}) is wrong; worst element {idx}: "
                f"numeric {num:.6g}, analytic {ana:.6g}, abs err {ae:.3g}, rel err {re:.3g}"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------- engine adapters
def _is_value(x):
    from .value import Value

    return isinstance(x, Value)


class _TensorEngine:
    @staticmethod
    def leaves(inputs):
        from .tensor import Tensor

        out = []
        for x in inputs:
            if isinstance(x, Tensor) and x.dtype.kind == "f" and x.requires_grad:
                out.append(Tensor(np.array(x._data, dtype=np.float64), requires_grad=True))
            else:
                out.append(x)  # constants (int tensors, arrays, Python values) pass through
        return out

    @staticmethod
    def arrays(leaves):
        from .tensor import Tensor

        return [(i, x._data) for i, x in enumerate(leaves)
                if isinstance(x, Tensor) and x.requires_grad]

    @staticmethod
    def outputs(out):
        return list(out) if isinstance(out, (tuple, list)) else [out]

    @staticmethod
    def weighted(outs, weights):
        total = None
        for o, w in zip(outs, weights):
            term = (o * w).sum()
            total = term if total is None else total + term
        return total

    @staticmethod
    def value(outs, weights):
        return float(sum(np.sum(np.asarray(o._data, np.float64) * w)
                         for o, w in zip(outs, weights)))

    @staticmethod
    def grad(scalar, wrt, create_graph):
        from . import grad

        if not getattr(scalar, "requires_grad", False):
            return [None] * len(wrt)  # the function is constant in its inputs
        gs = grad([scalar], wrt, create_graph=create_graph, allow_unused=True)
        return list(gs)

    @staticmethod
    def to_array(g, like):
        return np.zeros(like.shape) if g is None else np.asarray(g._data, dtype=np.float64)


    @staticmethod
    def weight_leaves(arrays):
        from .tensor import Tensor

        return [Tensor(w, requires_grad=True) for w in arrays]


class _ValueEngine(_TensorEngine):
    @staticmethod
    def leaves(inputs):
        from .value import Value

        return [Value(float(x._data), label=x.label) for x in inputs]

    @staticmethod
    def weight_leaves(arrays):
        from .value import Value

        return [Value(float(w)) for w in arrays]

    @staticmethod
    def arrays(leaves):
        return [(i, _ValueCell(x)) for i, x in enumerate(leaves)]

    @staticmethod
    def weighted(outs, weights):
        total = 0
        for o, w in zip(outs, weights):
            total = o * (w if _is_value(w) else float(w)) + total
        return total

    @staticmethod
    def value(outs, weights):
        return float(sum(float(o._data) * float(w) for o, w in zip(outs, weights)))

    @staticmethod
    def grad(scalar, wrt, create_graph):
        from .value import value_grad

        return value_grad(scalar, wrt, create_graph=create_graph)

    @staticmethod
    def to_array(g, like):
        return np.array(float(getattr(g, "data", g)))


class _ValueCell:
    """Lets the numeric loop perturb a Value's .data like an array element."""

    def __init__(self, v):
        self.v = v
        self.shape = ()
        self.size = 1

    def __getitem__(self, idx):
        return self.v._data

    def __setitem__(self, idx, val):
        self.v._data = float(val)


def _engine(inputs):
    return _ValueEngine if any(_is_value(x) for x in inputs) else _TensorEngine


# ---------------------------------------------------------------------------- the check
def _compare(fn, leaves, eng, eps, atol, rtol, seed, what):
    outs = eng.outputs(fn(*leaves))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(np.shape(o._data)) for o in outs]
    wrt_pairs = eng.arrays(leaves)
    wrt = [leaves[i] for i, _ in wrt_pairs]
    analytic = eng.grad(eng.weighted(outs, weights), wrt, False)

    report = Report()
    for (i, arr), g in zip(wrt_pairs, analytic):
        ana = eng.to_array(g, arr)
        num = np.zeros(arr.shape)
        flat_num = num.reshape(-1)
        for k, idx in enumerate(np.ndindex(*arr.shape)):
            orig = arr[idx]
            arr[idx] = orig + eps
            with no_grad():
                hi = eng.value(eng.outputs(fn(*leaves)), weights)
            arr[idx] = orig - eps
            with no_grad():
                lo = eng.value(eng.outputs(fn(*leaves)), weights)
            arr[idx] = orig
            flat_num[k] = (hi - lo) / (2 * eps)
        r = InputReport(index=i, shape=tuple(arr.shape))
        if num.size:
            abs_err = np.abs(ana - num)
            rel_err = abs_err / np.maximum(np.abs(num), 1e-12)
            bad = abs_err > atol + rtol * np.abs(num)
            bad |= ~np.isfinite(ana) & np.isfinite(num)
            r.nonfinite = bool((~np.isfinite(num)).any())
            bad |= ~np.isfinite(num)  # no number to compare with: never a pass
            with np.errstate(invalid="ignore"):
                r.max_abs_err = float(np.max(abs_err))  # NaN when a derivative is NaN
                # relative error where the derivative is not ~0 (elsewhere it is noise)
                r.max_rel_err = float(np.max(np.where(np.abs(num) > atol, rel_err, 0.0)))
            r.ok = not bad.any()
            if r.nonfinite:
                k = int(np.argmax(~np.isfinite(num).reshape(-1)))
            elif bad.any():
                k = int(np.argmax(np.where(bad, np.nan_to_num(abs_err, nan=np.inf), -1.0)))
            else:
                k = int(np.argmax(abs_err))
            idx = np.unravel_index(k, num.shape) if num.ndim else ()
            r.worst = (tuple(int(j) for j in idx), float(num.reshape(-1)[k]),
                       float(ana.reshape(-1)[k]), float(abs_err.reshape(-1)[k]),
                       float(rel_err.reshape(-1)[k]))
        report.inputs.append(r)
    return report


def gradcheck_report(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Compare analytic and numeric first derivatives; returns a :class:`Report`."""
    eng = _engine(inputs)
    return _compare(fn, eng.leaves(inputs), eng, eps, atol, rtol, seed, "gradient")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when the analytic gradient of ``fn`` matches central differences at ``inputs``.

    ``inputs``: a tuple of Tensors (those with ``requires_grad`` are checked; they are copied
    to float64) or of Values. On a mismatch it raises :class:`GradcheckError` naming, per
    input, the worst element: its index, numeric and analytic values, abs and rel errors.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    report = gradcheck_report(fn, inputs, eps, atol, rtol, seed)
    if not report.ok and raise_exception:
        raise GradcheckError("gradcheck failed:\n" + report.describe())
    return report.ok


def _first_derivative_fn(fn, eng, n):
    """g(*xs, *ws) = d sum(w * fn(*xs)) / d xs, built with create_graph.

    The output weights ws are inputs of g too, as in torch's gradgradcheck: the first
    derivative is linear in them, so checking g against central differences in ws checks that
    backward is itself differentiable in its incoming gradient. (With the weights held
    constant, every op whose second derivative in x is zero, such as sum, add, relu or
    where, would pass whatever its backward did under create_graph.)
    """

    def g(*args):
        xs, ws = args[:n], args[n:]
        with enable_grad():
            outs = eng.outputs(fn(*xs))
            wrt = [xs[i] for i, _ in eng.arrays(list(xs))]
            gs = eng.grad(eng.weighted(outs, ws), wrt, True)
        return tuple(_zero_like(x, eng) if gi is None else gi for gi, x in zip(gs, wrt))

    return g


def _zero_like(x, eng):
    if eng is _ValueEngine:
        from .value import Value

        return Value(0.0)
    from .tensor import Tensor

    return Tensor(np.zeros(x.shape))


def gradgradcheck_report(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """gradcheck of x, w -> d sum(w * fn(x)) / dx, in both x and the output weights w."""
    eng = _engine(inputs)
    leaves = eng.leaves(inputs)
    with no_grad():
        outs = eng.outputs(fn(*leaves))
    rng = np.random.default_rng(seed + 1)
    weights = eng.weight_leaves([rng.standard_normal(np.shape(o._data)) for o in outs])
    g = _first_derivative_fn(fn, eng, len(leaves))
    with enable_grad():
        return _compare(g, leaves + weights, eng, eps, atol, rtol, seed, "second derivative")


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """gradcheck of the gradient itself: checks backward's own backward (create_graph=True),
    in the inputs and in the output weights (the incoming gradient), as torch does."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    report = gradgradcheck_report(fn, inputs, eps, atol, rtol, seed)
    if not report.ok and raise_exception:
        raise GradcheckError("gradgradcheck failed:\n" + report.describe("second derivative"))
    return report.ok
