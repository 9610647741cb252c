"""einsum: sums of products over labelled dims, with torch's equation rules.

    "ij,jk->ik"   explicit output          "ij,jk"   implicit: labels seen once, sorted
    "...ij->...ji" ellipsis (broadcast)     "ii->i"   a label repeated in one operand: its
                                                      diagonal

The public function reduces every equation to one the ``einsum`` op can differentiate
simply: each operand's repeated labels are taken as its diagonal first (the ``diagonal``
view op), the ellipsis gets letters of its own, and size-1 dims are expanded where another
operand gives the label a larger size. The op's gradient for operand k is then the einsum
of grad with the other operands, giving operand k's labels (labels only operand k has are
broadcast back): an einsum again, so it is differentiable to any order.
"""

from __future__ import annotations

import string

import numpy as np

from ..function import Function, register
from ..tensor import Tensor, as_tensor
from .movement import _promote, expand
from .triangles import Diagonal

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


@register("einsum")
class Einsum(Function):
    """out = einsum(ins -> out, *xs), with distinct labels within each operand and one size
    per label. d out / d xs[k]: einsum(out, other ins -> ins[k]) of grad and the others."""

    __slots__ = ("ins", "out", "shapes")

    @staticmethod
    def forward(ctx, ins, out, *xs):
        ctx.ins, ctx.out, ctx.shapes = ins, out, [x.shape for x in xs]
        ctx.save_for_backward(*xs)
        eq = ",".join(ins) + "->" + out
        dtype = _promote([x.dtype for x in xs])
        return np.asarray(np.einsum(eq, *(x.astype(dtype, copy=False) for x in xs),
                                    optimize=len(xs) > 2))

    @staticmethod
    def backward(ctx, grad):
        xs, ins, out = ctx.saved_tensors, ctx.ins, ctx.out
        grads = [None, None]
        for k, need in enumerate(ctx.needs_input_grad[2:]):
            if not need:
                grads.append(None)
                continue
            others = [ins[j] for j in range(len(xs)) if j != k]
            seen = set(out).union(*others)
            kept = "".join(c for c in ins[k] if c in seen)
            g = _einsum_any((out, *others), kept, (grad, *(xs[j] for j in range(len(xs))
                                                            if j != k)))
            shape = ctx.shapes[k]
            if kept != ins[k]:  # labels only operand k had: summed away, so broadcast back
                g = np.reshape(g, tuple(n if c in seen else 1 for c, n in zip(ins[k], shape)))
                g = np.broadcast_to(g, shape)
            grads.append(g)
        return tuple(grads)


def _einsum_any(ins, out, xs):
    if any(isinstance(x, Tensor) for x in xs):
        return Einsum.apply(tuple(ins), out, *xs)
    return np.einsum(",".join(ins) + "->" + out, *xs)


def _from_sublists(args):
    """torch.einsum(a, [0, 1], b, [1, 2], [0, 2]): the operands and an equation."""
    out = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args
    ops, subs = list(pairs[0::2]), list(pairs[1::2])

    def word(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sub)

    eq = ",".join(word(s) for s in subs)
    return (eq if out is None else eq + "->" + word(out)), ops


def _labels(term, ndim, fresh, k):
    """A term's labels, one per dim, with the ellipsis spelt out in letters of its own."""
    if "..." not in term:
        if len(term) != ndim:
            raise RuntimeError(f"einsum: the term {term!r} has {len(term)} labels but operand "
                               f"{k} has {ndim} dims")
        return term, 0
    head, _, tail = term.partition("...")
    n = ndim - len(head) - len(tail)
    if n < 0 or "..." in tail:
        raise RuntimeError(f"einsum: the term {term!r} does not fit operand {k} with {ndim} "
                           "dims")
    return head + fresh[len(fresh) - n:] + tail, n


def einsum(equation, *operands):
    """torch.einsum: einsum("ij,jk->ik", a, b), einsum("ij,jk", [a, b]) or the sublist form
    einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    xs = [as_tensor(x) for x in operands]
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(xs):
        raise RuntimeError(f"einsum: the equation {equation!r} has {len(terms)} operand terms "
                           f"but {len(xs)} operands were given")
    for c in eq.replace("...", "").replace(",", "").replace("->", ""):
        if c not in _LETTERS:
            raise RuntimeError(f"einsum: invalid subscript {c!r} in {equation!r}; use letters "
                               "a-z and A-Z")
    fresh = "".join(c for c in _LETTERS if c not in eq)  # letters for the ellipsis dims
    spelt = [_labels(t, x.ndim, fresh, k) for k, (t, x) in enumerate(zip(terms, xs))]
    ell = fresh[len(fresh) - max((n for _, n in spelt), default=0):]
    ins = [s for s, _ in spelt]
    if arrow:
        out = rhs.replace("...", ell)  # left out, the ellipsis dims are summed away
        for c in set(out):
            if out.count(c) > 1:
                raise RuntimeError(f"einsum: output subscript {c} appears more than once in "
                                   "the output")
            if c not in "".join(ins):
                raise RuntimeError(f"einsum: output subscript {c} does not appear in the "
                                   "equation for any input operand")
    else:
        once = sorted(c for c in set("".join(terms).replace("...", "").replace(",", ""))
                      if lhs.count(c) == 1)
        out = ell + "".join(once)
    # one size per label: a size-1 dim broadcasts, other sizes must agree
    sizes = {}
    for k, (s, x) in enumerate(zip(ins, xs)):
        for c, n in zip(s, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum: operands do not broadcast: label {c} has size "
                                   f"{sizes[c]} and size {n} (operand {k})")
            sizes[c] = n if n != 1 else sizes.get(c, 1)  # (a size-0 dim stays 0)
    if (len(xs) == 1 and set(ins[0]) - set(out) and xs[0]._data.dtype.kind in "biu"
            and xs[0]._data.dtype != np.int64):  # one operand summed: sum's dtype rule, int64
        xs[0] = xs[0].to(np.int64)
    for k in range(len(xs)):
        ins[k], xs[k] = _diagonals(ins[k], xs[k])
        want = tuple(sizes[c] for c in ins[k])
        if tuple(xs[k].shape) != want:
            xs[k] = expand(xs[k], want)
    return Einsum.apply(tuple(ins), out, *xs)


def _diagonals(labels, x):
    """An operand with a label repeated, as its diagonal over those dims (label moved last)."""
    while len(set(labels)) != len(labels):
        c = next(c for c in labels if labels.count(c) > 1)
        i = labels.index(c)
        j = labels.index(c, i + 1)
        if x.shape[i] != x.shape[j]:
            raise RuntimeError(f"einsum: subscript {c} is repeated for an operand but the "
                               f"sizes don't match, {x.shape[i]} != {x.shape[j]}")
        x = Diagonal.apply(x, 0, i, j)
        labels = labels[:i] + labels[i + 1:j] + labels[j + 1:] + c
    return labels, x


TENSOR_METHODS = {}
TORCH_FUNCTIONS = {"einsum": einsum}
FUNCTIONAL = {}
NUMPY_FUNCTIONS = {}
