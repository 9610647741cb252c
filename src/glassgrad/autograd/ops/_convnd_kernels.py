"""Pure-numpy N-d convolution kernels (no autograd): one forward, one transposed, one weight.

Layout is (N, C, *spatial) with any number of spatial dims; a convolution weight is
(C_out, C_in / groups, *k), a transposed convolution's is (C_in, C_out / groups, *k). Along
each spatial dim, with stride s, dilation d, kernel size k and padding lo before / hi after
(negative widths crop), output position p of a convolution reads the padded input at
s*p + d*i for kernel offsets i < k, so

    O = floor((S + lo + hi - d(k - 1) - 1) / s) + 1.

The three kernels are each other's adjoints, which is what makes every gradient a kernel
call again (see conv.py):

- ``conv``:            out[n, o, p] = sum_{c, i} w[o, c, i] * xp[n, c', s*p + d*i]
- ``conv_transpose``:  the adjoint of ``conv`` in its input: x[n, c, p] * w[c, o, i] is added
                       at position s*p + d*i - lo of the output (size given).
- ``conv_weight``:     the adjoint of ``conv`` in its weight:
                       gw[o, c, i] = sum_{n, p} g[n, o, p] * xp[n, c', s*p + d*i].

c' = c + (group of o) * C_in / groups. Windows are strided views (sliding_window_view),
copied once into a matrix of columns; every product goes through BLAS (matmul), and the
weight gradient is one product over every (sample, position) at once, never a loop over
the batch. Which matrix layout is used depends on the shape (see ``conv``), and kernel
offsets that only ever meet padding are cut off first (``taps``). The only Python loop is
the strided transposed kernel's, over the kernel offsets. Results keep the inputs' dtype.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def out_size(size, k, s, lo, hi, d):
    """floor((size + lo + hi - d(k - 1) - 1) / s) + 1 along one dim."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def pad_spatial(x, pads):
    """Pad (lo, hi) per trailing spatial dim with zeros; negative widths crop."""
    nd = len(pads)
    lead = x.ndim - nd
    crop = (slice(None),) * lead + tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n
                                         in zip(pads, x.shape[lead:], strict=True))
    x = x[crop]
    grow = [(0, 0)] * lead + [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    if any(a or b for a, b in grow):
        x = np.pad(x, grow)
    return x


def _padded_last(x, pads):
    """x (N, C, *S) zero-padded by pads (negative widths crop), channels moved last:
    a contiguous (N, *S_padded, C) array."""
    x = pad_spatial(x, tuple((min(lo, 0), min(hi, 0)) for lo, hi in pads))  # crops only
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    xp = np.zeros((x.shape[0], *(n + a + b for n, (a, b) in zip(x.shape[2:], grow)),
                   x.shape[1]), x.dtype)
    xp[(slice(None), *(slice(a, a + n) for n, (a, _) in zip(x.shape[2:], grow)))] = (
        np.moveaxis(x, 1, -1))
    return xp


def _windows(xp, ksize, stride, dilation, out, first=2):
    """The windows of an already padded xp whose spatial dims start at axis ``first``: the
    view with those dims replaced by ``out`` window positions and kernel axes appended,
    [..., p, ..., i] = xp[..., s*p + d*i, ...]. (N, C, *S) gives (N, C, *out, *k);
    channels-last (N, *S, C) with first=1 gives (N, *out, C, *k). Only the first ``out``
    positions along each dim are taken (a caller may want fewer than fit)."""
    nd = len(ksize)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True))
    win = sliding_window_view(xp, extent, axis=tuple(range(first, first + nd)))
    pick = [slice(None)] * win.ndim
    for a in range(nd):
        pick[first + a] = slice(0, (out[a] - 1) * stride[a] + 1, stride[a])
        pick[win.ndim - nd + a] = slice(None, None, dilation[a])
    return win[tuple(pick)]


def taps(sizes, npos, ksize, stride, lo, dilation):
    """The kernel offsets [a, b) per dim that touch a real cell, or None if none does.

    Offset i reaches cell s*p + d*i - lo at position p < npos; cells outside [0, size) are
    padding (a convolution reads a zero there, a transposed one drops the sum). An offset
    that only ever meets padding adds nothing, and cutting it off changes no result: a 3x3
    kernel over a 1x1 map with padding 1 is its centre tap, a 1x1 convolution.
    """
    out = []
    for size, n, k, s, low, d in zip(sizes, npos, ksize, stride, lo, dilation, strict=True):
        hit = []
        for i in range(k):
            start = d * i - low                       # the cell at p = 0
            p = max(0, -(start // s))                 # the first p that is not before cell 0
            if p < n and start + s * p < size:
                hit.append(i)
        if not hit:
            return None
        out.append((hit[0], hit[-1] + 1))
    return tuple(out)


def _cut(x_sizes, outs, ksize, stride, pads, dilation):
    """(taps, pads) for the kernel cut to its useful offsets, or None (an all-zero result).

    With offsets [a, b) kept, the padding shrinks by d*a before and d*(k - b) after (it may
    go negative: a crop), which keeps the number of output positions."""
    cut = taps(x_sizes, outs, ksize, stride, tuple(lo for lo, _ in pads), dilation)
    if cut is None:
        return None
    return cut, tuple((lo - d * a, hi - d * (k - b)) for (a, b), (lo, hi), k, d
                      in zip(cut, pads, ksize, dilation, strict=True))


def _layout(cg, groups, npos):
    """The columns a convolution's forward uses (see ``_columns``), by its input channels
    per group, groups and output positions per sample.

    Copying windows into columns costs about as much as the product itself on small maps.
    Channels-last columns copy runs of C_in/G contiguous values and feed one product over
    every (sample, position); per-sample columns copy runs of a map's rows and feed N
    products that land in (N, C_out) order with no transpose. On small maps the per-sample
    products are thin (a 1x1 map makes each a matrix-vector product) and the channels-last
    product is several times faster; from about 128 positions the per-sample products are
    large enough, and a 1x1 kernel with stride 1 and no padding then needs no copy at all.
    Many groups of few channels (depthwise) would copy runs of one or two values channels
    last: their rows of (c, i) over every (sample, position) copy faster.
    """
    if npos >= 128:
        return "sample"
    return "rows" if groups > 1 and cg < 8 else "last"


def _weight_layout(cg, groups, npos):
    """The columns a weight gradient uses: channels last, but rows (c, i) where channels
    last would copy short runs: few channels per group, or a first layer's few channels
    over a large map, where the map's rows make the longer runs."""
    return "rows" if (groups > 1 and cg < 8) or (cg < 4 and npos >= 64) else "last"


def _columns(x, ksize, stride, pads, dilation, out, groups, layout):
    """The windows of x as matrices, one per group (G) or per sample and group, with
    depth = C_in/G * prod(k) and P = prod(out):

    - "last":   (G, N * P, depth), rows (n, p), columns (i, c): built from channels-last
                x, so the copy moves runs of C_in/G contiguous values.
    - "rows":   (G, depth, N * P), rows (c, i), columns (n, p).
    - "sample": (N, G, depth, P), one (c, i) x p matrix per sample.
    """
    n, c = x.shape[:2]
    nd, cg = len(ksize), x.shape[1] // groups
    depth, npos = cg * math.prod(ksize), math.prod(out)
    ks = tuple(range(3 + nd, 3 + 2 * nd))                    # the kernel axes after splitting C
    if layout == "last":
        win = _windows(_padded_last(x, pads), ksize, stride, dilation, out, first=1)
        win = win.reshape(n, *out, groups, cg, *ksize)               # (N, *out, G, Cg, *k)
        order = (1 + nd, 0, *range(1, 1 + nd), *ks, 2 + nd)
        return win.transpose(order).reshape(groups, n * npos, depth)
    win = _windows(pad_spatial(x, pads), ksize, stride, dilation, out)
    win = win.reshape(n, groups, cg, *out, *ksize)                   # (N, G, Cg, *out, *k)
    os_ = tuple(range(3, 3 + nd))
    if layout == "rows":
        return win.transpose(1, 2, *ks, 0, *os_).reshape(groups, depth, n * npos)
    return win.transpose(0, 1, 2, *ks, *os_).reshape(n, groups, depth, npos)


def _weight_matrix(w, groups, layout):
    """w (C_out, C_in/G, *k) as (G, C_out/G, depth), its columns in the order of _columns'
    (i, c) for "last", (c, i) otherwise."""
    if layout == "last":
        w = np.moveaxis(w, 1, -1)                                     # (C_out, *k, C_in/G)
    return w.reshape(groups, w.shape[0] // groups, math.prod(w.shape[1:]))


def _to_batch_first(res, n, out):
    """(G, C_out/G, N * P) products as a contiguous (N, C_out, *out) array."""
    groups, c_og = res.shape[:2]
    res = res.reshape(groups * c_og, n, math.prod(out))
    return np.ascontiguousarray(res.transpose(1, 0, 2)).reshape(n, groups * c_og, *out)


def conv(x, w, stride, pads, dilation, groups):
    """out[n, o, p] = sum_{c, i} w[o, c, i] * xp[n, c', s*p + d*i]: shape (N, C_out, *O).

    The kernel is first cut to the offsets that touch the input (``taps``): a 3x3 kernel
    on a 1x1 map with padding 1 becomes a 1x1 kernel, a plain matrix product. The windows
    then become columns in the layout ``_layout`` picks by shape: one product over every
    (sample, position) column ("last", "rows"), whose (C_out, N) result is transposed to
    (N, C_out), or one product per sample ("sample"), which lands in (N, C_out) order.
    """
    n, c_out, ksize = x.shape[0], w.shape[0], w.shape[2:]
    out = tuple(out_size(x.shape[2 + a], ksize[a], stride[a], *pads[a], dilation[a])
                for a in range(len(ksize)))
    cut = _cut(x.shape[2:], out, ksize, stride, pads, dilation)
    if cut is None:  # every window lies in the padding
        return np.zeros((n, c_out, *out), np.result_type(x, w))
    kept, pads = cut
    w = w[(Ellipsis, *(slice(a, b) for a, b in kept))]
    ksize = w.shape[2:]
    layout = _layout(x.shape[1] // groups, groups, math.prod(out))
    cols = _columns(x, ksize, stride, pads, dilation, out, groups, layout)
    wm = _weight_matrix(w, groups, layout)
    if layout == "sample":
        return (wm @ cols).reshape(n, c_out, *out)
    return _to_batch_first(wm @ (cols.transpose(0, 2, 1) if layout == "last" else cols), n,
                           out)


def conv_weight(x, g, ksize, stride, pads, dilation, groups):
    """gw[o, c, i] = sum_{n, p} g[n, o, p] * xp[n, c', s*p + d*i]: shape (C_out, C_in/G, *k).

    g is (N, C_out, *O); windows past O (there may be room for more) are not used. Offsets
    that meet only padding (``taps``) get a zero gradient without being computed. One
    matrix product per group over all N * prod(O) (sample, position) columns at once:
    (C_out/G, N * P) from g times the columns of x ("last" or "rows", as in ``conv``).
    """
    n, c_out, out = g.shape[0], g.shape[1], g.shape[2:]
    cg = x.shape[1] // groups
    dtype = np.result_type(x, g)
    cut = _cut(x.shape[2:], out, ksize, stride, pads, dilation)
    if cut is None:
        return np.zeros((c_out, cg, *ksize), dtype)
    kept, tpads = cut
    ktaps = tuple(b - a for a, b in kept)
    layout = _weight_layout(cg, groups, math.prod(out))
    cols = _columns(x, ktaps, stride, tpads, dilation, out, groups, layout)
    g2 = g.reshape(n, groups, c_out // groups, math.prod(out)).transpose(1, 2, 0, 3)
    g2 = g2.reshape(groups, c_out // groups, n * math.prod(out))
    if layout == "last":
        res = np.moveaxis((g2 @ cols).reshape(c_out, *ktaps, cg), -1, 1)
    else:
        res = (g2 @ cols.transpose(0, 2, 1)).reshape(c_out, cg, *ktaps)
    if ktaps == tuple(ksize):
        return np.ascontiguousarray(res)
    full = np.zeros((c_out, cg, *ksize), dtype)
    full[(Ellipsis, *(slice(a, b) for a, b in kept))] = res
    return full


def conv_transpose(x, w, stride, lo, size, dilation, groups):
    """The adjoint of ``conv`` in its input: shape (N, C_out, *size), C_out = w.shape[1] * G.

    x (N, C_in, *S), w (C_in, C_out/G, *k). x[n, c, p] * w[c, o, i] goes to position
    s*p + d*i - lo of the output; positions outside [0, size) are dropped, and output cells
    no (p, i) reaches stay zero.

    One matrix product per kernel offset i (and group): rows (p, n) of x times w[:, :, i],
    added into a (G, *full, N * C_out/G) buffer. With samples and channels last, each add
    runs over long contiguous rows, where (N, C, *S) order would add rows of S[-1] elements.
    Offsets whose every target falls outside the output (``taps``) are skipped.
    """
    n, c_in, spatial = x.shape[0], x.shape[1], x.shape[2:]
    ksize = w.shape[2:]
    nd, c_og, c_ig = len(ksize), w.shape[1], c_in // groups
    dtype = np.result_type(x, w)
    kept = taps(size, spatial, ksize, stride, lo, dilation)  # offsets that land inside
    if kept is None:
        return np.zeros((n, groups * c_og, *size), dtype)
    if all(s == 1 for s in stride):
        # With stride 1 it is a convolution of x with the flipped kernel, channels swapped
        # within each group: out[q] = sum_i w[:, :, i] x[q + lo - d*i]; padded by
        # d(k-1) - lo before (negative crops) and whatever gives exactly ``size`` after.
        # The kernel is cut first (offset a becomes 0, lo becomes lo - d*a), so a large
        # weight is not flipped whole for a few offsets.
        w = w[(Ellipsis, *(slice(a, b) for a, b in kept))]
        lo = tuple(low - d * a for low, d, (a, _) in zip(lo, dilation, kept, strict=True))
        ksize = w.shape[2:]
        wf = w.reshape(groups, c_ig, c_og, *ksize).swapaxes(1, 2)
        wf = wf[(Ellipsis, *(slice(None, None, -1),) * nd)].reshape(groups * c_og, c_ig,
                                                                     *ksize)
        pads = tuple((dilation[a] * (ksize[a] - 1) - lo[a], size[a] - spatial[a] + lo[a])
                     for a in range(nd))
        return conv(x, wf, stride, pads, dilation, groups)
    # x as rows (p, n) per group: (G, prod(S) * N, C_in/G)
    rows = x.reshape(n, groups, c_ig, *spatial).transpose(1, *range(3, 3 + nd), 0, 2)
    rows = rows.reshape(groups, math.prod(spatial) * n, c_ig)
    wk = w.reshape(groups, c_ig, c_og, *ksize)
    full = tuple(max((spatial[a] - 1) * stride[a] + dilation[a] * (ksize[a] - 1) + 1,
                     lo[a] + size[a]) for a in range(nd))
    buf = np.zeros((groups, *full, n * c_og), dtype=dtype)
    for offset in itertools.product(*(range(a, b) for a, b in kept)):
        where = tuple(slice(dilation[a] * offset[a],
                            dilation[a] * offset[a] + (spatial[a] - 1) * stride[a] + 1,
                            stride[a]) for a in range(nd))
        buf[(slice(None), *where)] += (rows @ wk[(Ellipsis, *offset)]).reshape(
            groups, *spatial, n * c_og)
    buf = buf[(slice(None),) + tuple(slice(lo[a], lo[a] + size[a]) for a in range(nd))]
    buf = buf.reshape(groups, *size, n, c_og).transpose(1 + nd, 0, 2 + nd, *range(1, 1 + nd))
    return np.ascontiguousarray(buf).reshape(n, groups * c_og, *size)
