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

c' = c + (group of o) * C_in / groups. Windows are strided views (sliding_window_view);
products go through BLAS (matmul), the weight gradient's over every (sample, position)
at once. The only
Python loop is the transposed kernel's, over the prod(k) kernel offsets.
Results keep the dtype of the inputs.
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


def _windows(x, ksize, stride, pads, dilation, out):
    """View (N, C, *out, *k) of the windows of the padded x: [n, c, p, i] = xp[n, c, s*p + d*i].

    Only the first ``out`` window positions along each dim are taken (a caller may want
    fewer than fit).
    """
    nd = len(ksize)
    xp = pad_spatial(x, pads)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation, strict=True))
    win = sliding_window_view(xp, extent, axis=tuple(range(2, 2 + nd)))
    return win[(slice(None), slice(None))
               + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride, strict=True))
               + tuple(slice(None, None, d) for d in dilation)]


def conv(x, w, stride, pads, dilation, groups):
    """out[n, o, p] = sum_{c, i} w[o, c, i] * xp[n, c', s*p + d*i]: shape (N, C_out, *O).

    The windows are copied to columns (N, G, C_in/G * prod(k), prod(O)), and one batched
    product with w (G, C_out/G, C_in/G * prod(k)) gives (N, C_out, *O) without a transpose.
    """
    n, c_in, ksize = x.shape[0], x.shape[1], w.shape[2:]
    nd, c_out = len(ksize), w.shape[0]
    out = tuple(out_size(x.shape[2 + a], ksize[a], stride[a], *pads[a], dilation[a])
                for a in range(nd))
    win = _windows(x, ksize, stride, pads, dilation, out)
    # (N, C, *out, *k) -> (N, C, *k, *out)
    cols = win.transpose(0, 1, *range(2 + nd, 2 + 2 * nd), *range(2, 2 + nd))
    cols = cols.reshape(n, groups, c_in // groups * math.prod(ksize), math.prod(out))
    res = w.reshape(groups, c_out // groups, c_in // groups * math.prod(ksize)) @ cols
    return res.reshape(n, c_out, *out)


def conv_weight(x, g, ksize, stride, pads, dilation, groups):
    """gw[o, c, i] = sum_{n, p} g[n, o, p] * xp[n, c', s*p + d*i]: shape (C_out, C_in/G, *k).

    g is (N, C_out, *O); windows past O (there may be room for more) are not used. One
    matrix product per group over all N * prod(O) (sample, position) columns at once.
    """
    n, c_out, out = g.shape[0], g.shape[1], g.shape[2:]
    nd, c_in = len(ksize), x.shape[1]
    win = _windows(x, ksize, stride, pads, dilation, out)
    # (N, C, *out, *k) -> (C, *k, N, *out): rows (c, i), columns (n, p)
    cols = win.transpose(1, *range(2 + nd, 2 + 2 * nd), 0, *range(2, 2 + nd))
    cols = cols.reshape(groups, c_in // groups * math.prod(ksize), n * math.prod(out))
    g2 = g.reshape(n, groups, c_out // groups, math.prod(out)).transpose(1, 2, 0, 3)
    g2 = g2.reshape(groups, c_out // groups, n * math.prod(out))
    res = g2 @ cols.transpose(0, 2, 1)                              # (G, C_out/G, C_in/G * K)
    return res.reshape(c_out, x.shape[1] // groups, *ksize)


def conv_transpose(x, w, stride, lo, size, dilation, groups):
    """The adjoint of ``conv`` in its input: shape (N, C_out, *size), C_out = w.shape[1] * G.

    x (N, C_in, *S), w (C_in, C_out/G, *k). x[n, c, p] * w[c, o, i] goes to position
    s*p + d*i - lo of the output; positions outside [0, size) are dropped, and output cells
    no (p, i) reaches stay zero.

    One matrix product per kernel offset i (and group): rows (p, n) of x times w[:, :, i],
    added into a (G, *full, N * C_out/G) buffer. With samples and channels last, each add
    runs over long contiguous rows, where (N, C, *S) order would add rows of S[-1] elements.
    """
    n, c_in, spatial = x.shape[0], x.shape[1], x.shape[2:]
    ksize = w.shape[2:]
    nd, c_og, c_ig = len(ksize), w.shape[1], c_in // groups
    if all(s == 1 for s in stride):
        # With stride 1 it is a convolution of x with the flipped kernel, channels swapped
        # within each group: out[q] = sum_i w[:, :, i] x[q + lo - d*i]; padded by
        # d(k-1) - lo before (negative crops) and whatever gives exactly ``size`` after.
        wf = w.reshape(groups, c_ig, c_og, *ksize).swapaxes(1, 2)
        wf = wf[(Ellipsis, *(slice(None, None, -1),) * nd)].reshape(groups * c_og, c_ig,
                                                                     *ksize)
        pads = tuple((dilation[a] * (ksize[a] - 1) - lo[a], size[a] - spatial[a] + lo[a])
                     for a in range(nd))
        return conv(x, wf, stride, pads, dilation, groups)
    # x as rows (p, n) per group: (G, prod(S) * N, C_in/G)
    rows = x.reshape(n, groups, c_ig, *spatial).transpose(1, *range(3, 3 + nd), 0, 2)
    rows = rows.reshape(groups, math.prod(spatial) * n, c_ig)
    wk = w.reshape(groups, c_ig, c_og, math.prod(ksize))
    full = tuple(max((spatial[a] - 1) * stride[a] + dilation[a] * (ksize[a] - 1) + 1,
                     lo[a] + size[a]) for a in range(nd))
    buf = np.zeros((groups, *full, n * c_og), dtype=np.result_type(x, w))
    for j, offset in enumerate(itertools.product(*(range(k) for k in ksize))):
        where = tuple(slice(dilation[a] * offset[a],
                            dilation[a] * offset[a] + (spatial[a] - 1) * stride[a] + 1,
                            stride[a]) for a in range(nd))
        buf[(slice(None), *where)] += (rows @ wk[..., j]).reshape(groups, *spatial, n * c_og)
    buf = buf[(slice(None),) + tuple(slice(lo[a], lo[a] + size[a]) for a in range(nd))]
    buf = buf.reshape(groups, *size, n, c_og).transpose(1 + nd, 0, 2 + nd, *range(1, 1 + nd))
    return np.ascontiguousarray(buf).reshape(n, groups * c_og, *size)
