"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad over 1,
2 and 3 trailing dims, each wrapping F.pad with torch's arguments, ``padding`` attribute
(always a tuple of 2 d ints, last dim first: (left, right, top, bottom, front, back)) and
reprs."""

from __future__ import annotations

from collections.abc import Iterable

from .. import functional as F
from .module import Module


def _widths(padding, d):
    """torch's _ntuple(2 d): an int is repeated; any iterable is kept as given (a wrong
    length fails in F.pad on the first call, as in torch)."""
    if isinstance(padding, Iterable):
        return tuple(padding)
    return (padding,) * (2 * d)


class _PadNd(Module):
    _mode = "constant"
    _d = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _widths(padding, self._d)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads with a constant ``value``."""

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: padding = (left, right)."""

    _d = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with ``value``: padding = (left, right, top, bottom)."""

    _d = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with ``value``: (left, right, top, bottom, front, back)."""

    _d = 3


class _ZeroPadNd(_ConstantPadNd):
    """Pads with zeros (a ConstantPad with value 0.0, as in torch)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    _d = 1


class ZeroPad2d(_ZeroPadNd):
    _d = 2


class ZeroPad3d(_ZeroPadNd):
    _d = 3


class ReflectionPad1d(_PadNd):
    """Mirrors the last dim at its edges, without repeating the edge."""

    _mode, _d = "reflect", 1


class ReflectionPad2d(_PadNd):
    _mode, _d = "reflect", 2


class ReflectionPad3d(_PadNd):
    _mode, _d = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeats the edge values of the last dim."""

    _mode, _d = "replicate", 1


class ReplicationPad2d(_PadNd):
    _mode, _d = "replicate", 2


class ReplicationPad3d(_PadNd):
    _mode, _d = "replicate", 3


class _CircularPadNd(_PadNd):
    """Wraps around: the left padding copies the end of the dim, the right its start."""

    _mode = "circular"

    def forward(self, input):
        d = self._d
        if input.ndim not in (d + 1, d + 2):
            raise ValueError(f"expected {d + 1}D or {d + 2}D input (got {input.ndim}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    _d = 1


class CircularPad2d(_CircularPadNd):
    _d = 2


class CircularPad3d(_CircularPadNd):
    _d = 3


__all__ = [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                          "Circular") for d in (1, 2, 3)]
