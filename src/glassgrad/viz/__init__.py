"""glassgrad.viz: the glass box. Draw any computation graph with its values and gradients.

    from glassgrad import viz
    viz.draw_graph(loss, params=model)            # a graphviz.Digraph; shows inline in Jupyter
    viz.draw_graph(loss, params=model).pipe(format="svg")
    viz.explain(loss)                             # the backward pass as a table
    viz.animate(out, "steps.html")                # a page that steps through it
    viz.node_names(loss, params=model)            # {id(node): name}, as every view calls it
    print(viz.report(viz.draw_graph(out, check=True).checks))   # numeric vs analytic
"""

from __future__ import annotations

from .check import LeafCheck, check_leaves, report
from .names import node_names
from .render import GlassDigraph, GraphvizNotFoundError, PictureTooLargeError, draw_graph

__all__ = ["draw_graph", "GlassDigraph", "GraphvizNotFoundError", "LeafCheck",
           "check_leaves", "report", "node_names", "PictureTooLargeError"]

# step-by-step backprop: the steps (viz/steps.py), their table (viz/explain.py) and the
# formula parser behind ``python -m glassgrad explain`` (viz/expr.py)
from .explain import explain  # noqa: E402  (the function replaces the module)
from .expr import ExpressionError  # noqa: E402
from .steps import Step, backprop_steps  # noqa: E402

__all__ += ["Step", "backprop_steps", "explain", "ExpressionError"]

from .animate import animate  # noqa: E402

__all__ += ["animate"]

from .training import activation_stats, activations, grad_flow, grad_norms  # noqa: E402

__all__ += ["grad_norms", "grad_flow", "activation_stats", "activations"]
