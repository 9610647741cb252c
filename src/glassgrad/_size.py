"""``glassgrad.Size``: the type of ``x.shape`` and ``x.size()``, a tuple as in torch."""

from __future__ import annotations

import math


class Size(tuple):
    """A tuple of dims with torch.Size's ``numel()`` and repr (``glassgrad.Size([2, 3])``).

    ``str()`` stays the plain tuple, ``(2, 3)``, so error messages and f-strings read as
    before; torch prints ``torch.Size([2, 3])`` there too.
    """

    __slots__ = ()

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self):
        return f"glassgrad.Size({list(self)})"

    def __str__(self):
        return tuple.__repr__(self)

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))
