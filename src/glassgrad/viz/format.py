"""Text for pictures: numbers, small arrays in full, big arrays as statistics and a sparkline,
and short module names. Pure functions of their inputs, so the DOT text is stable.

Numbers use ``precision`` decimals (``0.73``, ``-0.20``) between ``10**-precision`` and
``1e5``, and scientific notation outside (``3.1e-05``).
"""

from __future__ import annotations

import html
import math

import numpy as np

SMALL = 12  # tensors with at most this many elements are shown in full
BLOCKS = "▁▂▃▄▅▆▇█"  # sparkline levels, lowest to highest
_GAP = "\u00a0"  # an empty histogram bin: a non-breaking space (dot keeps its width)


def esc(text) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True)


def number(x, precision=2) -> str:
    """``0.7311 -> '0.73'``, ``-0.19661 -> '-0.20'``, ``3.1e-5 -> '3.1e-05'``."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    ax = abs(x)
    if ax == 0:
        return f"{0.0:.{precision}f}"
    if 10.0**-precision <= ax < 1e5:
        return f"{x:.{precision}f}"
    return f"{x:.{max(precision - 1, 1)}e}"


def short(x, decimals=4) -> str:
    """``number`` with trailing zeros dropped, for tables: ``-12``, ``0.3333``, ``2.5``,
    ``1e-05``; never ``-0``."""
    text = number(x, decimals)
    mantissa, e, exp = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    if mantissa in ("-0", "0", ""):
        return "0" if not e else f"{mantissa or '0'}e{exp}"
    return mantissa + e + exp


def one_line(a, decimals=4, max_items=6) -> str:
    """An array on one line: a number (0-d or one element), every element of a small array
    (``[0.5, -1]``), or ``(8, 6) mean 0.01 std 0.3 [-1.2, 2.4]`` for a bigger one."""
    a = np.asarray(a)
    kind = a.dtype.kind
    n = lambda v: short(v, decimals)  # noqa: E731
    if a.ndim == 0:
        return _element(a[()], kind, decimals) if kind in "biu" else n(a[()])
    if a.dtype.kind == "b":
        a = a.astype(np.int8)
    if a.size <= max_items:
        one = n if kind in "fc" else str
        return np.array2string(a, separator=", ", max_line_width=10**6,
                               formatter={"all": one}).replace("\n", "")
    flat = a.astype(np.float64, copy=False).ravel()
    finite = flat[np.isfinite(flat)]
    head = shape_text(a.shape)
    if not finite.size:
        return f"{head} all nan" if np.isnan(flat).all() else f"{head} no finite values"
    lo, hi = finite.min(), finite.max()
    if lo == hi and finite.size == flat.size:
        return f"{head} all {n(lo)}"
    text = f"{head} mean {n(finite.mean())} std {n(finite.std())} [{n(lo)}, {n(hi)}]"
    bad = flat.size - finite.size
    return text + (f", {bad} not finite" if bad else "")


def sci(x) -> str:
    """A relative error: ``3.2e-10``."""
    x = float(x)
    return "nan" if math.isnan(x) else f"{x:.1e}"


def _element(v, kind, precision):
    if kind == "b":
        return "1" if v else "0"
    if kind in "iu":
        return str(int(v))
    return number(v, precision)


def array_lines(a, precision=2) -> list[str]:
    """Every element of a small array, one line per row of the last axis, right-aligned."""
    a = np.asarray(a)
    kind = a.dtype.kind
    if a.ndim == 0:
        return [_element(a[()], kind, precision)]
    width = max((len(_element(v, kind, precision)) for v in a.reshape(-1)), default=0)

    def fmt(v):
        return _element(v, kind, precision).rjust(width)

    text = np.array2string(a, separator=", ", max_line_width=10**6, threshold=10**6,
                           formatter={"all": fmt})
    return text.split("\n")


def stats_lines(a, precision=2) -> list[str]:
    """``mean 0.01  std 0.98`` and ``min -2.10  max 2.30`` (over the finite elements)."""
    a = np.asarray(a)
    if a.size == 0:
        return ["empty"]
    flat = a.reshape(-1)
    if flat.dtype.kind == "b":
        flat = flat.astype(np.int64)
    finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat
    lines = []
    if finite.size:
        f64 = finite.astype(np.float64)
        n = lambda v: number(v, precision)  # noqa: E731
        lines.append(f"mean {n(f64.mean())}  std {n(f64.std())}")
        lines.append(f"min {n(f64.min())}  max {n(f64.max())}")
    bad = flat.size - finite.size
    if bad:
        lines.append(f"{bad} of {flat.size} not finite")
    return lines


def sparkline(a, bins=12) -> str:
    """A histogram of the finite elements drawn with block characters: ``▁▃▇█▅▂▁``.
    Empty for constant or empty arrays."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    a = a[np.isfinite(a)]
    if a.size < 2 or a.min() == a.max():
        return ""
    counts, _ = np.histogram(a, bins=bins)
    top = counts.max()
    levels = len(BLOCKS)
    out = []
    for c in counts:
        out.append(_GAP if c == 0 else BLOCKS[min(levels - 1, (c * levels - 1) // top)])
    return "".join(out)


def summary_lines(a, precision=2, sparklines=True) -> list[str]:
    """Small arrays in full; bigger ones as statistics (and a sparkline)."""
    a = np.asarray(a)
    if a.size <= SMALL:
        return array_lines(a, precision)
    lines = stats_lines(a, precision)
    if sparklines:
        s = sparkline(a)
        if s:
            lines.append(s)
    return lines


def shape_text(shape) -> str:
    """``(8, 4)``, ``(3,)`` and ``()``, as Python prints a tuple."""
    return str(tuple(int(n) for n in shape))


# ------------------------------------------------------------------------- module names
_POSITIONAL = {"in_features", "out_features", "in_channels", "out_channels", "num_features",
               "normalized_shape", "num_embeddings", "embedding_dim"}
_DEFAULTS = {"bias=True", "inplace=False", "affine=True", "track_running_stats=True",
             "elementwise_affine=True", "ceil_mode=False", "dilation=1", "padding=0",
             "stride=(1, 1)", "padding=(0, 0)", "dilation=(1, 1)", "groups=1", "start_dim=1",
             "end_dim=-1"}
_DEFAULTS_TIGHT = {d.replace(" ", "") for d in _DEFAULTS}


def _split_top(text):
    """Split at the commas outside brackets: ``'1, k=(3, 3)' -> ['1', 'k=(3, 3)']``."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    last = "".join(cur).strip()
    if last:
        parts.append(last)
    return parts


def module_text(m, width=40) -> str:
    """A one-line description of a module: ``Linear(6, 8)``, ``ReLU()``, ``Sequential``."""
    cls = type(m).__name__
    try:
        extra = m.extra_repr()
    except Exception:  # a user's extra_repr must not break a picture
        extra = ""
    if not extra:
        if getattr(m, "_modules", None):
            return cls  # a container: its children are drawn inside it
        try:
            r = repr(m)
        except Exception:
            r = ""
        text = r if r and "\n" not in r else f"{cls}()"
    else:
        items = []
        for item in _split_top(extra):
            key, eq, val = item.partition("=")
            if eq and item.replace(" ", "") in _DEFAULTS_TIGHT:
                continue
            items.append(val.strip() if eq and key.strip() in _POSITIONAL else item)
        text = f"{cls}({', '.join(items)})"
    if len(text) > width:
        text = text[: width - 2] + "…)"
    return text
