"""glassgrad.viz: the glass box. Draw any computation graph with its values and gradients.

    from glassgrad import viz
    viz.draw_graph(loss, params=model)            # a graphviz.Digraph; shows inline in Jupyter
    viz.draw_graph(loss, params=model).pipe(format="svg")
"""

from __future__ import annotations

from .check import LeafCheck, check_leaves
from .render import GlassDigraph, GraphvizNotFoundError, draw_graph

# ---- step-by-step backprop (viz/steps.py, viz/expr.py) is added here by its own module:
# from .steps import backprop_steps, explain
# ----

__all__ = ["draw_graph", "GlassDigraph", "GraphvizNotFoundError", "LeafCheck",
           "check_leaves"]

from .expr import ExpressionError  # noqa: E402
from .steps import Step, backprop_steps, explain  # noqa: E402

__all__ += ["Step", "backprop_steps", "explain", "ExpressionError"]

from .animate import animate  # noqa: E402

__all__ += ["animate"]

from .training import activation_stats, activations, grad_flow, grad_norms  # noqa: E402

__all__ += ["grad_norms", "grad_flow", "activation_stats", "activations"]
