"""Higher-order derivatives of a whole function (torch.autograd.functional).

``func`` takes one Tensor or several (``inputs`` is a Tensor or a tuple of Tensors) and
returns a Tensor or a tuple of Tensors. Everything is built on ``grad``:

- ``vjp``: v^T J, one backward pass.
- ``jvp``: J v, by the double-backward trick: g(u) = J^T u is linear in u, so the gradient
  of u -> <g(u), v> is J v.
- ``jacobian``: one vjp per output element, reshaped to ``out.shape + in.shape``.
- ``hessian``: the jacobian of the gradient; ``vhp``/``hvp``: v^T H and H v (equal, since
  H is symmetric for twice continuously differentiable functions).

Results are detached unless ``create_graph=True``; then they are differentiable with
respect to the original inputs. ``strict=True`` raises where a result would be identically
zero because an output does not depend on an input.
"""

from __future__ import annotations

import numpy as np

from .graph import enable_grad
from .ops.shaping import stack
from .tensor import Tensor


def _tuple(x, what, who):
    """(was it a tuple, the Tensors as a tuple)."""
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for k, t in enumerate(xs):
        if not isinstance(t, Tensor):
            where = f"entry {k} of the " if is_tuple else "the "
            raise TypeError(f"{who}: the {what} must be either a Tensor or a tuple of "
                            f"Tensors, but {where}{what} has type {type(t).__name__}")
    return is_tuple, xs


def _untuple(xs, is_tuple):
    return xs if is_tuple else xs[0]


def _prepare(inputs, create_graph, who):
    """Fresh differentiable stand-ins for the inputs: views when create_graph (so the
    result's graph reaches the originals), detached leaves otherwise."""
    out = []
    for k, x in enumerate(inputs):
        if x._data.dtype.kind != "f":
            raise RuntimeError(f"{who}: input {k} has dtype {x.dtype}; only floating point "
                               f"inputs can be differentiated")
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _finish(xs, create_graph):
    if create_graph:
        return tuple(xs)
    return tuple(None if x is None else x.detach() for x in xs)


def _zeros(like):
    return Tensor(np.zeros(like.shape, like._data.dtype))


def _check_v(v, outputs, who, what="output"):
    if v is None:
        if len(outputs) != 1 or outputs[0]._data.size != 1:
            which = ("the user-provided function returns" if what == "output"
                     else "the input to the user-provided function is")
            raise RuntimeError(f"{who}: the vector v can only be None if {which} a single "
                               f"Tensor with a single element")
        return (Tensor(np.ones(outputs[0].shape, outputs[0]._data.dtype)),)
    _, vs = _tuple(v, "v", who)
    if len(vs) != len(outputs):
        raise RuntimeError(f"{who}: v is a tuple of {len(vs)} Tensors but the user-provided "
                           f"function's {what} has {len(outputs)}")
    for k, (a, b) in enumerate(zip(vs, outputs)):
        if a.shape != b.shape:
            raise RuntimeError(f"{who}: entry {k} in v has invalid size: should be "
                               f"{tuple(b.shape)} but got {tuple(a.shape)}")
    # in the dtype of what it multiplies, as torch's engine casts gradients
    return tuple(a if a._data.dtype == b._data.dtype else a.to(b.dtype)
                 for a, b in zip(vs, outputs))


def _call(func, inputs, who):
    out = func(*inputs)
    return _tuple(out, "outputs of the user-provided function", who)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, who, what="output"):
    """grad(outputs, inputs, grad_outputs), None for unused inputs, skipping outputs that do
    not require grad (constants). ``what`` names the outputs in strict-mode errors."""
    from . import grad  # the package's grad; imported late to avoid an import cycle

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if strict and len(pairs) != len(outputs):
        k = next(k for k, o in enumerate(outputs) if not o.requires_grad)
        name = what if len(outputs) == 1 else f"{what} {k}"
        raise RuntimeError(f"{who}: the {name} of the user-provided function does not "
                           f"require gradients; it must be computed in a differentiable "
                           f"manner from the inputs when strict=True")
    if not pairs:
        res = (None,) * len(inputs)
    else:
        res = grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                   create_graph=create_graph, retain_graph=True, allow_unused=True)
    if strict:
        for k, r in enumerate(res):
            if r is None:
                raise RuntimeError(f"{who}: the {what} of the user-provided function is "
                                   f"independent of input {k}; this is not allowed in strict "
                                   f"mode")
    return res


def _check_flags(strict, vectorize, create_graph, who):
    if strict and vectorize:
        raise RuntimeError(f"{who}: strict=True and vectorize=True are not supported "
                           f"together")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product at ``inputs``.

    ``v`` has the outputs' shapes; it may be omitted when func returns one element.
    """
    who = "vjp"
    is_in, xs = _tuple(inputs, "inputs", who)
    with enable_grad():
        xs = _prepare(xs, create_graph, who)
        is_out, outs = _call(func, xs, who)
        vs = _check_v(v, outs, who)
        gs = _grads(outs, xs, vs, create_graph, strict, who)
        gs = tuple(_zeros(x) if g is None else g for g, x in zip(gs, xs))
    return _untuple(_finish(outs, create_graph), is_out), _untuple(_finish(gs, create_graph),
                                                                   is_in)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v): the Jacobian-vector product at ``inputs``.

    ``v`` has the inputs' shapes; it may be omitted when there is one one-element input.
    Needs the ops' double backward (the double-backward trick).
    """
    who = "jvp"
    is_in, xs = _tuple(inputs, "inputs", who)
    with enable_grad():
        xs = _prepare(xs, create_graph, who)
        vs = _check_v(v, xs, who, what="inputs")
        is_out, outs = _call(func, xs, who)
        us = tuple(_zeros(o).requires_grad_(True) for o in outs)
        gs = _grads(outs, xs, us, True, strict, who)
        pairs = [(g, w) for g, w in zip(gs, vs) if g is not None and g.requires_grad]
        if pairs:
            res = _grads([g for g, _ in pairs], us, [w for _, w in pairs], create_graph,
                         False, who)
        else:
            res = (None,) * len(us)
        if strict:
            for k, r in enumerate(res):
                if r is None:
                    raise RuntimeError(f"jvp: output {k} of the user-provided function is "
                                       f"independent of the inputs; this is not allowed in "
                                       f"strict mode")
        res = tuple(_zeros(o) if r is None else r for r, o in zip(res, outs))
    return _untuple(_finish(outs, create_graph), is_out), _untuple(_finish(res, create_graph),
                                                                   is_out)


def _jacobian(outs, xs, create_graph, strict, who):
    """jac[i][j] of shape outs[i].shape + xs[j].shape, one vjp per output element."""
    jac = []
    for i, out in enumerate(outs):
        rows = [[] for _ in xs]
        flat = out.reshape(-1) if out.requires_grad else None
        for e in range(out._data.size):
            if flat is None:
                gs = _grads((out,), xs, (None,), create_graph, strict, who,
                            what=f"output {i}")
            else:
                gs = _grads((flat[e],), xs, (None,), create_graph, strict, who,
                            what=f"output {i}")
            for j, (g, x) in enumerate(zip(gs, xs)):
                rows[j].append(_zeros(x) if g is None else g)
        blocks = []
        for j, x in enumerate(xs):
            if rows[j]:
                block = stack(rows[j]).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                block = Tensor(np.zeros(tuple(out.shape) + tuple(x.shape), x._data.dtype))
            blocks.append(block)
        jac.append(tuple(blocks))
    return jac


def _check_strategy(strategy, vectorize, who, name="strategy"):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError(f"{who}: expected {name} to be either \"forward-mode\" or "
                         f"\"reverse-mode\", got {strategy!r}")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{who}: {name}=\"forward-mode\" is only supported with "
                         f"vectorize=True")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: entry [i][j] has shape
    ``outputs[i].shape + inputs[j].shape``; the nesting follows whether inputs and outputs
    are tuples. Computed in reverse mode whatever ``vectorize`` and ``strategy`` say."""
    who = "jacobian"
    _check_flags(strict, vectorize, create_graph, who)
    _check_strategy(strategy, vectorize, who)
    is_in, xs = _tuple(inputs, "inputs", who)
    with enable_grad():
        xs = _prepare(xs, create_graph, who)
        is_out, outs = _call(func, xs, who)
        jac = _jacobian(outs, xs, create_graph, strict, who)
    jac = [_untuple(_finish(row, create_graph), is_in) for row in jac]
    return tuple(jac) if is_out else jac[0]


def _scalar_output(func, who):
    def checked(*xs):
        is_out, outs = _call(func, xs, who)
        if is_out and len(outs) != 1 or outs[0]._data.size != 1:
            raise RuntimeError(f"{who}: the function given to {who} should return a single "
                               f"Tensor with a single element, got "
                               f"{[tuple(o.shape) for o in outs]}")
        return outs[0]
    return checked


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: entry [i][j] has shape
    ``inputs[i].shape + inputs[j].shape`` (one Tensor when inputs is one Tensor)."""
    who = "hessian"
    _check_flags(strict, vectorize, create_graph, who)
    _check_strategy(outer_jacobian_strategy, vectorize, who, "outer_jacobian_strategy")
    is_in, xs = _tuple(inputs, "inputs", who)
    scalar = _scalar_output(func, who)
    with enable_grad():
        xs = _prepare(xs, create_graph, who)
        out = scalar(*xs)
        gs = _grads((out,), xs, (None,), True, strict, who)
        gs = tuple(_zeros(x) if g is None else g for g, x in zip(gs, xs))
        jac = _jacobian(gs, xs, create_graph, strict, who)
    jac = [_untuple(_finish(row, create_graph), is_in) for row in jac]
    return tuple(jac) if is_in else jac[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a scalar ``func``; ``v`` has the inputs' shapes."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v) for a scalar ``func``; equal to vhp since H is symmetric."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, who):
    is_in, xs = _tuple(inputs, "inputs", who)
    scalar = _scalar_output(func, who)
    with enable_grad():
        xs = _prepare(xs, create_graph, who)
        vs = _check_v(v, xs, who, what="inputs")
        out = scalar(*xs)
        gs = _grads((out,), xs, (None,), True, strict, who)
        pairs = [(g, w) for g, w in zip(gs, vs) if g is not None and g.requires_grad]
        if pairs:
            res = _grads([g for g, _ in pairs], xs, [w for _, w in pairs], create_graph,
                         strict, who, what="gradient")
        elif strict:
            raise RuntimeError(f"{who}: the gradient of the user-provided function does not "
                               f"depend on the inputs; this is not allowed in strict mode")
        else:
            res = (None,) * len(xs)
        res = tuple(_zeros(x) if r is None else r for r, x in zip(res, xs))
    return _finish((out,), create_graph)[0], _untuple(_finish(res, create_graph), is_in)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
