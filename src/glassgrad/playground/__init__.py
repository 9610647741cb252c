"""The playground: a local web page where a student changes a formula or a small network and
watches values, gradients and training live, computed by glassgrad in this process.

    python -m glassgrad.playground            # prints the URL (with its token) to open
    python -m glassgrad.playground --open     # and opens it in the browser

Two tabs. **Formula**: type a formula (the whitelisted syntax of ``explain``), move a slider
per variable, and the graph redraws with every value and gradient, the explain table
updates, and a step control walks the backward pass one upstream × local product at a
time, numeric gradients beside the analytic ones. **Network**: a toy set (moons, spirals,
xor, blobs, circles), layer sizes, activation, optimizer, learning rate, batch size, L2 and
dropout; training runs live, showing the decision boundary, the train and validation loss
and per-layer gradient norms; pausing shows one sample's forward and backward pass,
grouped by layer. The network runs on Tensors or, small, on the scalar ``Value`` engine.

The server (``server.py``, aiohttp) listens on 127.0.0.1 only and needs the URL's random
token on every request; the page (``static/``) loads nothing from anywhere else.
"""

from __future__ import annotations

from .app import arguments, command, main, serve

__all__ = ["main", "command", "arguments", "serve"]
