"""Specs for the composed shape and indexing functions of issue 11: public functions built
from registered ops (flips and rotations, splits and stacks, diagonals, grids and
broadcasting, the index/mask/scatter fills and adds, and the in-place indexing methods).

Functions that return several tensors (split, chunk, unbind, meshgrid, ...) are checked
through ``_joined``: the pieces flattened and concatenated, followed by each piece's shape
as constants, built the same way from glassgrad's and torch's results, so a piece of the
wrong shape fails the forward comparison even when its values are right.

Not here: the in-place shape methods (squeeze_, unsqueeze_, t_, transpose_, swapaxes_,
swapdims_), which glassgrad refuses on a tensor in the graph (NotImplementedError); the
.T and .mT properties (a spec names a callable); Tensor.unfold, the unfold_windows op's spec;
the out-of-place index_put, whose name is the registered op behind it (index_put_ is here).
"""

from __future__ import annotations

import numpy as np

import glassgrad as gg

from . import WITHOUT_BROADCAST, WITHOUT_ZERO_D, Case, spec

_NEEDS_1D = "torch needs at least 1 dim (it splits or picks along a dim)"
_NEEDS_2D = "torch needs at least 2 dims"
_JOINED = ("each tensor is reshaped on its own, nothing broadcasts (the rule may see a 0-d "
           "input against fn's joined 1-D result)")

WITHOUT_ZERO_D.update({
    "fliplr": "torch needs at least 2 dims (dim 1 is reversed)",
    "flipud": "torch needs at least 1 dim (dim 0 is reversed)",
    "rot90": _NEEDS_2D + " (the plane of rotation)",
    "tensor_split": _NEEDS_1D,
    "split": _NEEDS_1D,
    "chunk": _NEEDS_1D,
    "unbind": _NEEDS_1D,
    "__iter__": "iterating a 0-d tensor is a TypeError in torch (and here)",
    "narrow": _NEEDS_1D,
    "unflatten": "torch needs the dim it splits: a 0-d tensor has none",
    "diag": "torch takes 1-D or 2-D tensors only",
    "trace": "torch takes matrices (2-D tensors) only",
    "cartesian_prod": "torch takes 1-D tensors only",
    "concat": "torch refuses 0-d tensors: they have no dim to join along",
    "concatenate": "torch refuses 0-d tensors: they have no dim to join along",
})
WITHOUT_BROADCAST.update({
    "atleast_1d": _JOINED,
    "atleast_2d": _JOINED,
    "atleast_3d": _JOINED,
    "hstack": "the tensors are joined side by side, nothing broadcasts",
    "vstack": "the tensors are joined side by side, nothing broadcasts",
    "row_stack": "the tensors are joined side by side, nothing broadcasts",
    "dstack": "the tensors are joined side by side, nothing broadcasts",
    "column_stack": "the tensors are joined side by side, nothing broadcasts",
    "concat": "the tensors are joined side by side, nothing broadcasts",
    "concatenate": "the tensors are joined side by side, nothing broadcasts",
    "meshgrid": "each tensor is expanded to the grid's shape, but fn returns the grids "
                "flattened and joined, so the rule cannot see it",
    "cartesian_prod": "each tensor's elements are repeated into a column of the result; "
                      "nothing broadcasts in numpy's sense",
    "index_copy": "torch needs source of the indexed slice's exact shape",
    "index_add": "torch needs source of the indexed slice's exact shape",
    "index_copy_": "torch needs source of the indexed slice's exact shape",
    "index_add_": "torch needs source of the indexed slice's exact shape",
    "scatter_add": "src is read at the index's positions, not broadcast (torch's rule)",
    "scatter_add_": "src is read at the index's positions, not broadcast (torch's rule)",
    "scatter_": "src is read at the index's positions, not broadcast (torch's rule)",
    "scatter_reduce_": "src is read at the index's positions, not broadcast (torch's rule)",
    "masked_scatter_": "source's elements are read in order, not broadcast; the mask's "
                       "broadcasting is covered",
})


def _n(rng, *shape):
    return rng.standard_normal(shape)


I = np.array  # noqa: E741


def _t(t, k):
    """kwargs for torch: numpy int/bool arrays (alone or in a tuple) as tensors."""
    def conv(v):
        if isinstance(v, tuple):
            return tuple(conv(a) for a in v)
        return t.as_tensor(v) if isinstance(v, np.ndarray) else v
    return {n: conv(v) for n, v in k.items()}


def _g(k):
    """kwargs for glassgrad: numpy int/bool arrays (alone or in a tuple) as tensors."""
    def conv(v):
        if isinstance(v, tuple):
            return tuple(conv(a) for a in v)
        return gg.tensor(v) if isinstance(v, np.ndarray) else v
    return {n: conv(v) for n, v in k.items()}


def _joined(lib, pieces):
    """The pieces flattened and concatenated, then their shapes (as constants in the
    pieces' dtype): one tensor that fails the comparison if any piece's shape is wrong."""
    pieces = list(pieces)
    dt = pieces[0].dtype
    shapes = [lib.tensor([float(s) for s in p.shape], dtype=dt) for p in pieces]
    return lib.cat([p.reshape(-1) for p in pieces] + shapes)


def _weighted(pieces):
    """sum_k (k + 1) * piece_k: pieces of one shape, each counted differently."""
    out = pieces[0]
    for k, p in enumerate(pieces[1:], 2):
        out = out + k * p
    return out


# ------------------------------------------------------------------------------ reorder
spec("fliplr", lambda x: gg.fliplr(x),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 2, 3, 4),)), Case((_n(rng, 3, 1),))],
     lambda t, x: t.fliplr(x), gradgrad=True, composed=True)
spec("flipud", lambda x: gg.flipud(x),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 5),)), Case((_n(rng, 1, 3),))],
     lambda t, x: t.flipud(x), gradgrad=True, composed=True)
spec("rot90", lambda x, **k: gg.rot90(x, **k),
     lambda rng: [Case((_n(rng, 3, 4),)),
                  Case((_n(rng, 2, 3, 4),), {"k": 2, "dims": (1, 2)}),
                  Case((_n(rng, 2, 3, 4),), {"k": 3, "dims": (2, 0)}),
                  Case((_n(rng, 3, 4),), {"k": -1, "dims": (0, 1)}),
                  Case((_n(rng, 3, 4),), {"k": 5, "dims": (1, 0)}),
                  Case((_n(rng, 3, 4),), {"k": 0}),
                  Case((_n(rng, 1, 3),), {"k": 1})],
     lambda t, x, **k: t.rot90(x, **k), gradgrad=True, composed=True)
for _name in ("movedim", "moveaxis"):
    spec(_name, lambda x, _m=_name, **k: getattr(gg, _m)(x, **k),
         lambda rng: [Case((_n(rng, 2, 3, 4),), {"source": 0, "destination": 2}),
                      Case((_n(rng, 2, 3, 4),), {"source": (0, 1), "destination": (2, 0)}),
                      Case((_n(rng, 2, 3, 4),), {"source": (-1, 0), "destination": (0, -1)}),
                      Case((_n(rng, 1, 3),), {"source": -1, "destination": 0}),
                      Case((_n(rng),), {"source": 0, "destination": -1})],
         lambda t, x, _m=_name, **k: getattr(t, _m)(x, **k), gradgrad=True, composed=True)
for _name in ("swapaxes", "swapdims"):
    spec(_name, lambda x, _m=_name, **k: getattr(x, _m)(k["dim0"], k["dim1"]),
         lambda rng: [Case((_n(rng, 2, 3, 4),), {"dim0": 0, "dim1": 2}),
                      Case((_n(rng, 3, 4),), {"dim0": -1, "dim1": 0}),
                      Case((_n(rng, 1, 3),), {"dim0": 0, "dim1": 1}),
                      Case((_n(rng),), {"dim0": 0, "dim1": -1})],
         lambda t, x, _m=_name, **k: getattr(x, _m)(k["dim0"], k["dim1"]), gradgrad=True,
         composed=True)
spec("t", lambda x: gg.t(x),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 4),)), Case((_n(rng, 1, 3),)),
                  Case((_n(rng),))],
     lambda t, x: t.t(x), gradgrad=True, composed=True)

# ------------------------------------------------------------------------------ movement
spec("broadcast_to", lambda x, shape: gg.broadcast_to(x, shape),
     lambda rng: [Case((_n(rng, 3),), {"shape": (2, 3)}),
                  Case((_n(rng, 1, 3),), {"shape": (4, 2, 3)}),
                  Case((_n(rng, 2, 1),), {"shape": (2, 3)}),
                  Case((_n(rng, 2, 3),), {"shape": (2, 3)}),
                  Case((_n(rng),), {"shape": (2, 2)})],
     lambda t, x, shape: t.broadcast_to(x, shape), gradgrad=True, composed=True)
_Z = np.zeros  # other is an int array: only its shape is used, nothing to differentiate
_AS_CASES = {
    "expand_as": lambda rng: [Case((_n(rng, 3), _Z((2, 3), np.int64))),
                              Case((_n(rng, 1, 3), _Z((2, 4, 3), np.int64))),
                              Case((_n(rng, 2, 1), _Z((2, 5), np.int64))),
                              Case((_n(rng), _Z((2, 2), np.int64)))],
    "view_as": lambda rng: [Case((_n(rng, 6), _Z((2, 3), np.int64))),
                            Case((_n(rng, 2, 6), _Z((3, 4), np.int64))),
                            Case((_n(rng, 2, 1), _Z((1, 2), np.int64))),
                            Case((_n(rng), _Z((1, 1), np.int64))),
                            Case((_n(rng, 1, 1), _Z((), np.int64)))],
}
_AS_CASES["reshape_as"] = _AS_CASES["view_as"]
for _name, _cases in _AS_CASES.items():
    spec(_name, lambda x, other, _m=_name: getattr(x, _m)(other), _cases,
         lambda t, x, other, _m=_name: getattr(x, _m)(other), gradgrad=True, composed=True)
spec("contiguous", lambda x, **k: (x.mT if k.get("mT") else x).contiguous(),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 3, 4),), {"mT": True}),
                  Case((_n(rng, 1, 3),)), Case((_n(rng),))],
     lambda t, x, **k: (x.mT if k.get("mT") else x).contiguous(), gradgrad=True,
     composed=True)

# ------------------------------------------------------------------------------ repeating
spec("tile", lambda x, **k: gg.tile(x, **k),
     lambda rng: [Case((_n(rng, 2, 3),), {"dims": (2,)}),
                  Case((_n(rng, 2, 3),), {"dims": (2, 1, 2)}),
                  Case((_n(rng, 2, 3),), {"dims": (1, 0)}),
                  Case((_n(rng, 1, 3),), {"dims": (2, 2)}),
                  Case((_n(rng),), {"dims": (3,)})],
     lambda t, x, **k: t.tile(x, **k), gradgrad=True, composed=True)
spec("broadcast_tensors", lambda *xs: _weighted(gg.broadcast_tensors(*xs)),
     lambda rng: [Case((_n(rng, 3), _n(rng, 2, 1))),
                  Case((_n(rng, 2, 1, 3), _n(rng, 4, 1), _n(rng))),
                  Case((_n(rng, 2, 3), _n(rng, 2, 3))),
                  Case((_n(rng, 1),))],
     lambda t, *xs: _weighted(t.broadcast_tensors(*xs)), gradgrad=True, composed=True)
spec("meshgrid", lambda *xs, **k: _joined(gg, gg.meshgrid(*xs, **k)),
     lambda rng: [Case((_n(rng, 3), _n(rng, 2)), {"indexing": "ij"}),
                  Case((_n(rng, 3), _n(rng, 2), _n(rng, 4)), {"indexing": "xy"}),
                  Case((_n(rng), _n(rng, 2)), {"indexing": "xy"}),
                  Case((_n(rng, 1), _n(rng, 3)), {"indexing": "ij"}),
                  Case((_n(rng, 4),), {"indexing": "xy"})],
     lambda t, *xs, **k: _joined(t, t.meshgrid(*xs, **k)), gradgrad=True, composed=True)
spec("cartesian_prod", lambda *xs: gg.cartesian_prod(*xs),
     lambda rng: [Case((_n(rng, 3), _n(rng, 2))),
                  Case((_n(rng, 2), _n(rng, 3), _n(rng, 2))),
                  Case((_n(rng, 1), _n(rng, 3))),
                  Case((_n(rng, 4),))],
     lambda t, *xs: t.cartesian_prod(*xs), gradgrad=True, composed=True)

# ------------------------------------------------------------------------------ splitting
spec("tensor_split", lambda x, ios, **k: _joined(gg, gg.tensor_split(x, _g({"i": ios})["i"], **k)),
     lambda rng: [Case((_n(rng, 7),), {"ios": 3}),
                  Case((_n(rng, 3, 5),), {"ios": [1, 4], "dim": 1}),
                  Case((_n(rng, 5, 2),), {"ios": [-2, 1, 9]},
                       note="indices clipped like slices, an empty piece"),
                  Case((_n(rng, 2, 5),), {"ios": I([2, 3]), "dim": -1}),
                  Case((_n(rng, 4, 2),), {"ios": I(3)}),
                  Case((_n(rng, 1, 4),), {"ios": 3, "dim": 0})],
     lambda t, x, ios, **k: _joined(t, t.tensor_split(x, _t(t, {"i": ios})["i"], **k)),
     gradgrad=True,
     composed=True)
spec("split", lambda x, **k: _joined(gg, gg.split(x, **k)),
     lambda rng: [Case((_n(rng, 5, 3),), {"split_size_or_sections": 2}),
                  Case((_n(rng, 5, 3),), {"split_size_or_sections": [1, 4]}),
                  Case((_n(rng, 2, 5),), {"split_size_or_sections": [2, 0, 3], "dim": 1}),
                  Case((_n(rng, 1, 4),), {"split_size_or_sections": 1, "dim": 0})],
     lambda t, x, **k: _joined(t, t.split(x, **k)), gradgrad=True, composed=True)
spec("chunk", lambda x, **k: _joined(gg, gg.chunk(x, **k)),
     lambda rng: [Case((_n(rng, 5, 3),), {"chunks": 2}),
                  Case((_n(rng, 2, 7),), {"chunks": 3, "dim": -1}),
                  Case((_n(rng, 2, 6),), {"chunks": 4, "dim": 1}, note="fewer pieces"),
                  Case((_n(rng, 1, 3),), {"chunks": 2})],
     lambda t, x, **k: _joined(t, t.chunk(x, **k)), gradgrad=True, composed=True)
spec("unbind", lambda x, **k: _joined(gg, gg.unbind(x, **k)),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 2, 3, 2),), {"dim": 2}),
                  Case((_n(rng, 3, 1),), {"dim": -1}), Case((_n(rng, 4),))],
     lambda t, x, **k: _joined(t, t.unbind(x, **k)), gradgrad=True, composed=True)
spec("__iter__", lambda x: _joined(gg, list(x)),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 2, 1, 3),)), Case((_n(rng, 4),))],
     lambda t, x: _joined(t, list(x)), gradgrad=True, composed=True)
spec("narrow", lambda x, **k: gg.narrow(x, **k),
     lambda rng: [Case((_n(rng, 4, 5),), {"dim": 0, "start": 1, "length": 2}),
                  Case((_n(rng, 4, 5),), {"dim": -1, "start": -3, "length": 2}),
                  Case((_n(rng, 4, 5),), {"dim": 1, "start": 2, "length": 0}),
                  Case((_n(rng, 1, 3),), {"dim": 1, "start": 0, "length": 3})],
     lambda t, x, **k: t.narrow(x, **k), gradgrad=True, composed=True)
spec("unflatten", lambda x, **k: gg.unflatten(x, **k),
     lambda rng: [Case((_n(rng, 2, 6),), {"dim": 1, "sizes": (2, 3)}),
                  Case((_n(rng, 6),), {"dim": 0, "sizes": (-1, 2)}),
                  Case((_n(rng, 3, 4),), {"dim": -2, "sizes": (3, 1)}),
                  Case((_n(rng, 1, 4),), {"dim": 0, "sizes": (1, 1)})],
     lambda t, x, **k: t.unflatten(x, **k), gradgrad=True, composed=True)

# ------------------------------------------------------------------------------ stacking
for _name in ("atleast_1d", "atleast_2d", "atleast_3d"):
    spec(_name,
         lambda *xs, _m=_name, **k: (_joined(gg, getattr(gg, _m)(list(xs) if k else xs))
                                    if k or len(xs) > 1 else getattr(gg, _m)(*xs)),
         lambda rng: [Case((_n(rng),)), Case((_n(rng, 3),)), Case((_n(rng, 2, 3),)),
                      Case((_n(rng, 1, 2, 3, 1),)),
                      Case((_n(rng), _n(rng, 3), _n(rng, 2, 1)), note="several: a tuple"),
                      Case((_n(rng, 2),), {"as_list": True}, note="a list: a tuple")],
         lambda t, *xs, _m=_name, **k: (_joined(t, getattr(t, _m)(list(xs) if k else xs))
                                        if k or len(xs) > 1 else getattr(t, _m)(*xs)),
         gradgrad=True, composed=True)
_STACKS = {
    "hstack": lambda rng: [Case((_n(rng, 2, 3), _n(rng, 2, 1))),
                           Case((_n(rng, 3), _n(rng, 2), _n(rng))),
                           Case((_n(rng, 2, 1, 2), _n(rng, 2, 3, 2)))],
    "vstack": lambda rng: [Case((_n(rng, 3), _n(rng, 2, 3))),
                           Case((_n(rng), _n(rng, 1))),
                           Case((_n(rng, 1, 2, 2), _n(rng, 2, 2, 2)))],
    "dstack": lambda rng: [Case((_n(rng, 2, 3), _n(rng, 2, 3, 2))),
                           Case((_n(rng, 3), _n(rng, 1, 3, 1))),
                           Case((_n(rng), _n(rng)))],
    "column_stack": lambda rng: [Case((_n(rng, 3), _n(rng, 3, 2))),
                                 Case((_n(rng), _n(rng, 1))),
                                 Case((_n(rng, 1, 2), _n(rng, 1)))],
    "concat": lambda rng: [Case((_n(rng, 2, 3), _n(rng, 1, 3)), {"dim": 0}),
                           Case((_n(rng, 2, 3), _n(rng, 2, 2), _n(rng, 2, 1)), {"dim": -1})],
}
_STACKS["row_stack"] = _STACKS["vstack"]
_STACKS["concatenate"] = _STACKS["concat"]
for _name, _cases in _STACKS.items():
    spec(_name, lambda *xs, _m=_name, **k: getattr(gg, _m)(list(xs), **k), _cases,
         lambda t, *xs, _m=_name, **k: getattr(t, _m)(list(xs), **k), gradgrad=True,
         composed=True)

# ------------------------------------------------------------------------------ diagonals
spec("diag", lambda x, **k: gg.diag(x, **k),
     lambda rng: [Case((_n(rng, 4),)), Case((_n(rng, 3),), {"diagonal": -1}),
                  Case((_n(rng, 3, 4),), {"diagonal": 1}),
                  Case((_n(rng, 4, 3),), {"diagonal": -2}),
                  Case((_n(rng, 3, 4),), {"diagonal": 5}, note="an empty diagonal"),
                  Case((_n(rng, 1, 3),)), Case((_n(rng, 1),), {"diagonal": 2})],
     lambda t, x, **k: t.diag(x, **k), gradgrad=True, composed=True)
spec("diagflat", lambda x, **k: gg.diagflat(x, **k),
     lambda rng: [Case((_n(rng, 2, 2),)), Case((_n(rng, 3),), {"offset": 1}),
                  Case((_n(rng, 1, 3),), {"offset": -2}), Case((_n(rng),))],
     lambda t, x, **k: t.diagflat(x, **k), gradgrad=True, composed=True)
spec("trace", lambda x: gg.trace(x),
     lambda rng: [Case((_n(rng, 3, 4),)), Case((_n(rng, 4, 3),)), Case((_n(rng, 1, 3),))],
     lambda t, x: t.trace(x), gradgrad=True, composed=True)

# ------------------------------------------------------------------------------ index fills
def _on(lib, name, x, inplace):
    """lib.name bound to x, or x.clone().name_ (the in-place method on a non-leaf copy)."""
    if inplace:
        return getattr(x.clone(), name + "_")
    return lambda *a, **k: getattr(lib, name)(x, *a, **k)


def _value(v, k):
    """A fill value: the case's 0-d float input when it has one, else its number "v"."""
    return v[0] if v else k.pop("v")


def _fills(name, cases, call, inplace=(False, True)):
    """Specs for ``name`` (out of place) and ``name_`` (in place), called alike by
    call(f, *inputs after x, **kwargs) with f the bound function or method."""
    for ip in inplace:
        spec(name + "_" * ip,
             lambda x, *r, _m=name, _ip=ip, **k: call(_on(gg, _m, x, _ip), *r, **_g(k)),
             cases,
             lambda t, x, *r, _m=name, _ip=ip, **k: call(_on(t, _m, x, _ip), *r, **_t(t, k)),
             gradgrad=True, composed=True)


_fills("index_copy",
       lambda rng: [Case((_n(rng, 4, 3), _n(rng, 2, 3)), {"dim": 0, "index": I([3, 0])}),
                    Case((_n(rng, 4, 3), _n(rng, 4, 2)), {"dim": -1, "index": I([2, 0])}),
                    Case((_n(rng, 1, 3), _n(rng, 1, 1)), {"dim": 1, "index": I([1])}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I([0])})],
       lambda f, src, **k: f(source=src, **k))
_fills("index_add",
       lambda rng: [Case((_n(rng, 4, 3), _n(rng, 3, 3)), {"dim": 0, "index": I([1, 3, 1])},
                         note="a repeated index adds up"),
                    Case((_n(rng, 4, 3), _n(rng, 4, 2)),
                         {"dim": 1, "index": I([2, 0]), "alpha": -1.5}),
                    Case((_n(rng, 1, 3), _n(rng, 1, 2)), {"dim": 1, "index": I([1, 1])}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I([0]), "alpha": 2})],
       lambda f, src, **k: f(source=src, **k))
_fills("index_fill",
       lambda rng: [Case((_n(rng, 4, 3),), {"dim": 0, "index": I([3, 0]), "v": 1.5}),
                    Case((_n(rng, 4, 3), _n(rng)), {"dim": 1, "index": I([2, 0, 2])},
                         note="a 0-d value tensor, broadcast; a repeated index"),
                    Case((_n(rng, 4, 3),), {"dim": 0, "index": I([-1, 1]), "v": 0.25},
                         note="a negative index (torch's backward to a value tensor fails on "
                              "one: index_select refuses it)"),
                    Case((_n(rng, 1, 3),), {"dim": -1, "index": I([1]), "v": -2.0}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I([0])})],
       lambda f, *v, **k: f(value=_value(v, k), **k))
_fills("masked_fill",
       lambda rng: [Case((_n(rng, 3, 4),), {"mask": _n(rng, 3, 4) > 0, "v": 0.5}),
                    Case((_n(rng, 3, 4), _n(rng)), {"mask": I([True, False, False, True])},
                         note="a 0-d value tensor; the mask broadcast along dim 0"),
                    Case((_n(rng, 1, 3), _n(rng)), {"mask": I([[False, True, True]])}),
                    Case((_n(rng),), {"mask": I(True), "v": 2.0}),
                    Case((_n(rng, 2),), {"mask": I(False), "v": 2.0})],
       lambda f, *v, **k: f(value=_value(v, k), **k))
_fills("scatter_add",
       lambda rng: [Case((_n(rng, 3, 4), _n(rng, 2, 4)),
                         {"dim": 0, "index": I([[0, 2, 1, 0], [0, 0, 2, 2]])}),
                    Case((_n(rng, 3, 4), _n(rng, 3, 2)),
                         {"dim": 1, "index": I([[3, 3], [1, 2], [0, 1]])}),
                    Case((_n(rng, 1, 3), _n(rng, 1, 2)), {"dim": -1, "index": I([[2, 2]])}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I(0)})],
       lambda f, src, **k: f(src=src, **k))
# the in-place forms of registered ops (scatter, masked_scatter, scatter_reduce) and of
# index_put, whose out-of-place name is taken by the registered op behind it
_fills("scatter",
       lambda rng: [Case((_n(rng, 3, 4), _n(rng, 2, 4)),
                         {"dim": 0, "index": I([[0, 2, 1, 0], [1, 0, 2, 2]])}),
                    Case((_n(rng, 3, 4),), {"dim": 1, "index": I([[3, 0], [1, 2], [0, 1]]),
                                            "v": 0.5}, note="the value form"),
                    Case((_n(rng, 1, 3), _n(rng, 1, 2)), {"dim": 1, "index": I([[2, 0]])}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I(0)})],
       lambda f, *src, **k: f(src=src[0], **k) if src else f(value=k.pop("v"), **k),
       inplace=(True,))
_fills("masked_scatter",
       lambda rng: [Case((_n(rng, 3, 4), _n(rng, 15)), {"mask": _n(rng, 3, 4) > 0}),
                    Case((_n(rng, 3, 4), _n(rng, 2, 8)), {"mask": _n(rng, 4) > 0},
                         note="the mask broadcast along dim 0"),
                    Case((_n(rng, 1, 3), _n(rng, 1, 3)), {"mask": I([[True, False, True]])}),
                    Case((_n(rng), _n(rng, 2)), {"mask": I(True)})],
       lambda f, src, **k: f(source=src, **k), inplace=(True,))
_fills("scatter_reduce",
       lambda rng: [Case((_n(rng, 3, 4), _n(rng, 2, 4)),
                         {"dim": 0, "index": I([[0, 2, 1, 0], [0, 0, 2, 2]]), "reduce": r,
                          "include_self": inc})
                    for r, inc in (("sum", True), ("prod", False), ("mean", True),
                                   ("amax", False), ("amin", True))] + [
                    Case((_n(rng, 1, 3), _n(rng, 1, 2)),
                         {"dim": 1, "index": I([[2, 2]]), "reduce": "mean"}),
                    Case((_n(rng), _n(rng)), {"dim": 0, "index": I(0), "reduce": "mean"},
                         note="0-d prod and amax/amin left out: in place their backward "
                              "fails a version check (a glassgrad bug)")],
       lambda f, src, **k: f(src=src, **k), inplace=(True,))
_fills("index_put",
       lambda rng: [Case((_n(rng, 4, 3), _n(rng, 2, 3)), {"indices": (I([0, 2]),)}),
                    Case((_n(rng, 4, 3), _n(rng, 3)), {"indices": (I([1, 1, 3]),),
                                                       "accumulate": True},
                         note="values broadcast; a repeated index adds up"),
                    Case((_n(rng, 4, 3), _n(rng, 2)), {"indices": (I([0, 3]), I([2, -1]))}),
                    Case((_n(rng, 4, 3), _n(rng)), {"indices": (_n(rng, 4, 3) > 0,)},
                         note="a bool mask, a 0-d value"),
                    Case((_n(rng, 4, 3), _n(rng, 2, 1)),
                         {"indices": (I([[0], [3]]), I([1, 1, 2])), "accumulate": True}),
                    Case((_n(rng, 1, 3), _n(rng, 1)), {"indices": (I([0]), I([2]))})],
       lambda f, v, **k: f(values=v, **k), inplace=(True,))


# ------------------------------------------------------------------------------ setitem
def _setitem(lib, x, *v, index, then=None, **k):
    """x.clone() with y[index] = value (the case's second input, or its number "v"); with
    ``then``, written through the view y[index][then] instead, which must reach y."""
    conv = _t(lib, {"i": index})["i"] if lib is not gg else _g({"i": index})["i"]
    value = _value(v, k)
    y = x.clone()
    if then is None:
        y[conv] = value
    else:
        y[conv][then] = value
    return y


spec("__setitem__", lambda x, *v, **k: _setitem(gg, x, *v, **k),
     lambda rng: [Case((_n(rng, 4, 3), _n(rng, 3)), {"index": 1}),
                  Case((_n(rng, 4, 3), _n(rng, 2, 1)), {"index": (slice(1, 3), slice(None))},
                       note="value broadcast along dim 1"),
                  Case((_n(rng, 4, 3),), {"index": (Ellipsis, -1), "v": 0.5}),
                  Case((_n(rng, 4, 3), _n(rng, 3, 3)), {"index": I([0, 2, 3])}),
                  Case((_n(rng, 4, 3), _n(rng)), {"index": _n(rng, 4, 3) > 0},
                       note="a bool mask and a 0-d value"),
                  Case((_n(rng, 4, 3), _n(rng, 2)),
                       {"index": (I([0, 3]), I([2, 0]))}),
                  Case((_n(rng, 4, 3), _n(rng, 2)), {"index": 2, "then": slice(1, None)},
                       note="written through a view of the clone"),
                  Case((_n(rng, 1, 3), _n(rng, 1)), {"index": (0, I([2]))}),
                  Case((_n(rng), _n(rng)), {"index": ()})],
     lambda t, x, *v, **k: _setitem(t, x, *v, **k), gradgrad=True, composed=True)

# ------------------------------------------------------------------------------ numpy-style
WITHOUT_ZERO_D.update({
    "hsplit": _NEEDS_1D, "vsplit": _NEEDS_2D, "dsplit": "torch needs at least 3 dims",
    "adjoint": _NEEDS_2D + " (the last two are swapped)",
})
spec("hsplit", lambda x, ios: _joined(gg, gg.hsplit(x, ios)),
     lambda rng: [Case((_n(rng, 2, 6),), {"ios": 3}),
                  Case((_n(rng, 6),), {"ios": [1, 4]}),
                  Case((_n(rng, 1, 4, 2),), {"ios": 2})],
     lambda t, x, ios: _joined(t, t.hsplit(x, ios)), gradgrad=True, composed=True)
spec("vsplit", lambda x, ios: _joined(gg, gg.vsplit(x, ios)),
     lambda rng: [Case((_n(rng, 4, 3),), {"ios": 2}),
                  Case((_n(rng, 5, 1),), {"ios": [2]})],
     lambda t, x, ios: _joined(t, t.vsplit(x, ios)), gradgrad=True, composed=True)
spec("dsplit", lambda x, ios: _joined(gg, gg.dsplit(x, ios)),
     lambda rng: [Case((_n(rng, 2, 1, 4),), {"ios": 2}),
                  Case((_n(rng, 1, 2, 5),), {"ios": [1, 3]})],
     lambda t, x, ios: _joined(t, t.dsplit(x, ios)), gradgrad=True, composed=True)
spec("ravel", lambda x: gg.ravel(x),
     lambda rng: [Case((_n(rng, 2, 3),)), Case((_n(rng),)), Case((_n(rng, 1, 4),))],
     lambda t, x: t.ravel(x), gradgrad=True, composed=True)
spec("adjoint", lambda x: gg.adjoint(x),
     lambda rng: [Case((_n(rng, 2, 3),)), Case((_n(rng, 2, 1, 4),))],
     lambda t, x: t.adjoint(x), gradgrad=True, composed=True)
