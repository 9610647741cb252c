"""``RemovableHandle``: what every ``register_*_hook`` returns, on Tensors and Modules alike
(torch.utils.hooks.RemovableHandle). Hooks live in dicts keyed by the handle's id, so
``handle.remove()`` takes out exactly the hook it was returned for, even when the same
function was registered twice."""

from __future__ import annotations

import itertools


class RemovableHandle:
    """``handle.remove()``, or leaving a ``with handle:`` block, takes the hook out again.

    ``hooks_dict`` is the dict the hook was stored in under ``handle.id``; ``extra_dict``
    names more dicts (or sets) that hold the same id (e.g. the flags of a module hook
    registered with ``with_kwargs=True``)."""

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = hooks_dict
        self.id = next(RemovableHandle._ids)
        extra = () if extra_dict is None else extra_dict
        self.extra_dict_ref = tuple(extra) if isinstance(extra, (list, tuple)) else (extra,)

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)
        for d in self.extra_dict_ref:
            if isinstance(d, dict):
                d.pop(self.id, None)
            else:
                d.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __repr__(self):
        return f"<RemovableHandle id={self.id}>"


def add_hook(hooks, hook):
    """Store ``hook`` in the dict ``hooks`` and return its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle
