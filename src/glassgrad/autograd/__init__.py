"""glassgrad.autograd: the graph, the backward driver, Function, gradcheck, anomaly mode."""

from __future__ import annotations

import numpy as np

from . import ops  # noqa: F401  (installs the Tensor methods)
from .anomaly import detect_anomaly
from .function import OPS, Context, Function, register
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    retain_grads,
    run_backward,
    set_grad_enabled,
    toposort,
)
from .tensor import Tensor, _seed_gradient
from .value import Value, value_grad


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """d(outputs)/d(inputs), returned as a tuple; ``.grad`` fields are left untouched.

    Works for Tensors (PyTorch's contract) and for Values (``grad_outputs`` ignored).
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    if outputs and isinstance(outputs[0], Value):
        if len(outputs) != 1:
            raise ValueError("grad: Value graphs take a single output")
        res = value_grad(outputs[0], inputs, create_graph=create_graph)
        if not allow_unused and any(r is None for r in res):
            raise RuntimeError("grad: one of the inputs was not used to compute the output; "
                               "pass allow_unused=True")
        return tuple(res)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    roots, seeds = [], []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError(f"grad: an output (shape {out.shape}) does not require grad")
        roots.append(out)
        seeds.append(_seed_gradient(out, g, create_graph))
    for t in inputs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("grad: every input must be a Tensor that requires grad")
    if retain_graph is None:
        retain_graph = create_graph
    return run_backward(roots, seeds, retain_graph, create_graph, inputs=inputs,
                        allow_unused=allow_unused, accumulate=False)


from . import functional  # noqa: E402  (jacobian, hessian, ...: built on grad above)

__all__ = ["functional", "Function", "Context", "OPS", "register", "grad", "gradcheck",
           "gradgradcheck",
           "GradcheckError", "detect_anomaly", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "retain_grads", "inference_mode", "is_inference_mode_enabled",
           "toposort", "Tensor", "Value", "np"]
