"""Pure-numpy kernels for N-d pooling (1, 2 or 3 trailing spatial dims), with torch's rules.

Every leading axis (batch, channels) is a separate plane. A window of output cell i along a
spatial axis covers the (padded) input cells s*i + d*o for kernel offsets o < k, and

    L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1        (ceil with ceil_mode)

No Python loop runs over elements: windows are strided slices of the padded input, one per
kernel offset (a handful), and scatters go through np.add.at. Results keep the input's dtype.
"""

import functools
import math

import numpy as np


def _out_size(size, k, s, p, d, ceil_mode=False):
    """floor((size + 2p - d(k-1) - 1) / s) + 1, or torch's ceil_mode variant of it."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    n = -(-span // s) + 1
    if (n - 1) * s >= size + p:  # the last window must start inside the input or left padding
        n -= 1
    return n


def _lowest(dt):
    """The padding that never wins a max: -inf, or an integer dtype's smallest value."""
    if dt.kind == "f":
        return -np.inf
    return False if dt.kind == "b" else np.iinfo(dt).min


def _spatial(axis_slices):
    """An index that leaves the leading axes whole and slices the last len(...) axes."""
    return (Ellipsis, *axis_slices)


def geometry(op, shape, kernel, stride, padding, dilation, ceil_mode):
    """Validate a pool's arguments; return (output sizes, extra right padding) per axis.

    The extra padding holds the cells ceil_mode's last window reaches past the padding."""
    d = len(kernel)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise RuntimeError(f"{op}: need kernel_size >= 1, stride >= 1, dilation >= 1, "
                           f"padding >= 0; got kernel_size={kernel}, stride={stride}, "
                           f"dilation={dilation}, padding={padding}")
    if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        raise RuntimeError(f"{op}: pad should be at most half of kernel size: padding "
                           f"{padding}, kernel_size {kernel}; input {tuple(shape)}")
    sizes = shape[len(shape) - d:]
    outs = tuple(_out_size(n, k, s, p, dl, ceil_mode) for n, k, s, p, dl in
                 zip(sizes, kernel, stride, padding, dilation, strict=True))
    if min(outs) < 1:
        raise RuntimeError(f"{op}: input {tuple(shape)} with kernel_size {kernel}, stride "
                           f"{stride}, padding {padding}, dilation {dilation}: calculated "
                           f"output size {outs} is too small")
    extra = tuple(max(0, (n_out - 1) * s + dl * (k - 1) + 1 - (n + 2 * p)) for n_out, n, k, s, p, dl
                  in zip(outs, sizes, kernel, stride, padding, dilation, strict=True))
    return outs, extra


def _pad(x, padding, extra, value):
    if not any(padding) and not any(extra):
        return x
    lead = [(0, 0)] * (x.ndim - len(padding))
    return np.pad(x, lead + [(p, p + e) for p, e in zip(padding, extra, strict=True)],
                  constant_values=value)


def _offset_views(xp, kernel, stride, dilation, outs):
    """The strided view of xp for each kernel offset, in row-major offset order:
    view[..., i, j] = xp[..., s0*i + d0*o0, s1*j + d1*o1]."""
    return [xp[_spatial([slice(o * dl, o * dl + s * (n - 1) + 1, s) for o, s, dl, n in
                             zip(off, stride, dilation, outs, strict=True)])]
            for off in np.ndindex(*kernel)]


@functools.lru_cache(maxsize=64)
def _flat_positions(sizes, kernel, stride, padding, dilation, outs):
    """(corner, offset): the flat in-plane position of output cell i's window start, and that
    of each kernel offset relative to it; together the index torch returns. Cached (a network
    pools the same shapes at every step); callers only read the arrays."""
    plane = np.cumprod((1,) + tuple(sizes[:0:-1]))[::-1]  # row-major strides of the plane
    corner = np.zeros(outs, np.int64)
    offset = np.zeros(kernel, np.int64)
    for a, (n, s, p, k, dl, st) in enumerate(zip(outs, stride, padding, kernel, dilation, plane,
                                                 strict=True)):
        shape = [1] * len(outs)
        shape[a] = -1
        corner += ((np.arange(n) * s - p) * st).reshape(shape)
        offset += (np.arange(k) * dl * st).reshape(shape)
    offset = offset.ravel()
    corner.flags.writeable = offset.flags.writeable = False  # shared by later calls
    return corner, offset


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode, op="max_pool"):
    """(out, indices, unique): the max of each window and its flat in-plane input index.

    Ties go to the first maximum in row-major window order, a NaN to the last NaN, and a
    window whose max is the padding value to its first cell inside the input: torch's CPU
    rule (it moves on only for a greater value or a NaN). ``unique`` says that no two windows
    overlap, so no input cell can get two gradients."""
    d = len(kernel)
    outs, extra = geometry(op, x.shape, kernel, stride, padding, dilation, ceil_mode)
    lowest = _lowest(x.dtype)
    views = _offset_views(_pad(x, padding, extra, lowest), kernel, stride, dilation, outs)
    out = views[0].copy()
    for v in views[1:]:
        np.maximum(out, v, out=out)
    # k counts the leading offsets that do not hold the max: the offset of the first max. A
    # small counter dtype and in-place updates keep this near the cost of the max itself.
    n_off = len(views)
    k = np.zeros(out.shape, np.int8 if n_off <= 127 else np.intp)
    before = np.ones(out.shape, bool)
    for v in views[:-1]:
        np.logical_and(before, v != out, out=before)
        np.add(k, before, out=k, casting="unsafe")
    if x.dtype.kind == "f":
        nan = np.isnan(out)
        if nan.any():  # torch takes every NaN as the new max: it points at the last NaN
            last = np.zeros(out.shape, np.intp)
            for o, v in enumerate(views):
                np.copyto(last, o, where=np.isnan(v))
            k = np.where(nan, last, k)
    if any(padding):
        # A window whose max equals the padding value may point at a padding cell; torch
        # points at the window's first cell inside the input.
        empty = out == lowest
        if empty.any():
            first = np.zeros(outs, np.intp)
            for a, (n, s, p, kk, dl) in enumerate(zip(outs, stride, padding, kernel, dilation,
                                                      strict=True)):
                o_a = np.clip(-((np.arange(n) * s - p) // dl), 0, kk - 1)  # ceil((p - s i) / d)
                shape = [1] * d
                shape[a] = -1
                first = first * kk + o_a.reshape(shape)
            k = np.where(empty, first, k)
    corner, offset = _flat_positions(tuple(x.shape[x.ndim - d:]), tuple(kernel), tuple(stride),
                                     tuple(padding), tuple(dilation), tuple(outs))
    unique = all(s >= dl * (kk - 1) + 1 for s, dl, kk in zip(stride, dilation, kernel,
                                                             strict=True))
    return out, corner + offset[k], unique


def scatter_planes(grad, indices, shape, d, unique=False):
    """gx of ``shape`` with gx[..., indices[..., i]] += grad[..., i] in each plane of the last
    d axes (flattened); ``unique`` indices are assigned, which is faster."""
    lead = tuple(shape[:len(shape) - d])
    size = math.prod(shape[len(shape) - d:])
    planes = np.arange(math.prod(lead), dtype=np.int64).reshape(lead + (1,) * d)
    flat = (planes * size + indices).ravel()
    gx = np.zeros(math.prod(shape), grad.dtype)
    g = np.broadcast_to(grad, lead + indices.shape[len(lead):]).ravel()
    if unique:
        gx[flat] = g
    else:
        np.add.at(gx, flat, g)
    return gx.reshape(shape)


def gather_planes(y, indices, d):
    """out[..., i] = y[..., indices[..., i]] with the last d axes of y flattened per plane."""
    lead = y.shape[:y.ndim - d]
    flat = y.reshape(lead + (math.prod(y.shape[y.ndim - d:]),))
    idx = np.broadcast_to(indices, lead + indices.shape[len(lead):])
    idx = idx.reshape(lead + (math.prod(indices.shape[len(lead):]),))
    return np.take_along_axis(flat, idx, axis=-1).reshape(idx.shape[:-1]
                                                          + indices.shape[len(lead):])


# ---------------------------------------------------------------------------------------------
# average pooling: separable, one spatial axis at a time


def _avg_divisor(outs, sizes, kernel, stride, padding, count_include_pad, dtype):
    """Window sizes (torch's rule), as an array broadcasting against the output's grid.

    A window covers [s*i - p, min(s*i - p + k, L + p)): padding counts, the cells ceil_mode
    adds past it do not; count_include_pad=False also drops the padding."""
    div = np.ones((1,) * len(outs), dtype)
    for a, (n, size, k, s, p) in enumerate(zip(outs, sizes, kernel, stride, padding,
                                               strict=True)):
        start = np.arange(n) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        shape = [1] * len(outs)
        shape[a] = -1
        div = div * (end - start).astype(dtype).reshape(shape)
    return div


def _avg_setup(op, shape, kernel, stride, padding, ceil_mode, count_include_pad,
               divisor_override, dtype):
    d = len(kernel)
    outs, extra = geometry(op, shape, kernel, stride, padding, (1,) * d, ceil_mode)
    if divisor_override is not None:
        div = np.asarray(divisor_override, dtype)
    else:
        div = _avg_divisor(outs, shape[len(shape) - d:], kernel, stride, padding,
                           count_include_pad, dtype)
    return outs, extra, div


def avg_pool_forward(x, kernel, stride, padding, ceil_mode=False, count_include_pad=True,
                     divisor_override=None, op="avg_pool"):
    """out[..., i] = sum of window i of x zero-padded / divisor, summed one axis at a time
    (a box sum is separable): a loop over the kernel offsets of each axis."""
    d = len(kernel)
    outs, extra, div = _avg_setup(op, x.shape, kernel, stride, padding, ceil_mode,
                                  count_include_pad, divisor_override, x.dtype)
    y = _pad(x, padding, extra, 0)
    for a in range(d):
        axis = x.ndim - d + a
        idx = [slice(None)] * x.ndim
        acc = None
        for o in range(kernel[a]):
            idx[axis] = slice(o, o + stride[a] * (outs[a] - 1) + 1, stride[a])
            acc = y[tuple(idx)].copy() if acc is None else np.add(acc, y[tuple(idx)], out=acc)
        y = acc
    if y.dtype.kind != "f":  # int64: the integer sum / divisor, truncated toward 0 (as C)
        return _trunc_div(y, div)
    y /= div
    return y


def _trunc_div(a, b):
    """a / b rounded toward zero, exactly, for integer arrays (floor division, then one up
    where it rounded a negative non-integer quotient down)."""
    q = a // b
    q += (a % b != 0) & ((a < 0) != (b < 0))
    return q


def avg_pool_backward(grad, shape, kernel, stride, padding, ceil_mode=False,
                      count_include_pad=True, divisor_override=None, op="avg_pool"):
    """The transpose of avg_pool_forward: each window hands grad / divisor to each of its
    cells, one axis at a time, and the padding's share is dropped."""
    d = len(kernel)
    outs, extra, div = _avg_setup(op, shape, kernel, stride, padding, ceil_mode,
                                  count_include_pad, divisor_override, grad.dtype)
    if grad.shape[grad.ndim - d:] != outs:
        raise RuntimeError(f"{op} backward: grad has shape {grad.shape}, expected spatial "
                           f"size {outs}")
    g = grad / div
    for a in range(d):
        axis = g.ndim - d + a
        size = shape[len(shape) - d + a]
        full_shape = list(g.shape)
        full_shape[axis] = size + 2 * padding[a] + extra[a]
        full = np.zeros(full_shape, g.dtype)
        idx = [slice(None)] * g.ndim
        for o in range(kernel[a]):
            idx[axis] = slice(o, o + stride[a] * (outs[a] - 1) + 1, stride[a])
            full[tuple(idx)] += g
        idx[axis] = slice(padding[a], padding[a] + size)
        g = full[tuple(idx)]
    return np.ascontiguousarray(g)


# ---------------------------------------------------------------------------------------------
# adaptive windows


def adaptive_bounds(n, n_out):
    """torch's adaptive windows along one axis: cell i covers [floor(i n / n_out),
    ceil((i + 1) n / n_out))."""
    i = np.arange(n_out)
    return (i * n) // n_out, -((-(i + 1) * n) // n_out)


def adaptive_max_forward(x, outs):
    """(out, indices): the max of each adaptive window and its flat in-plane index, with
    max_pool_forward's tie and NaN rules. Each window is gathered at the widest window's size
    (indices past a window's end repeat its last cell, which never wins a tie)."""
    d = len(outs)
    sizes = x.shape[x.ndim - d:]
    grids, flat = [], np.zeros((), np.int64)
    plane = np.cumprod((1,) + tuple(sizes[:0:-1]))[::-1]
    for a, (n, n_out) in enumerate(zip(sizes, outs, strict=True)):
        lo, hi = adaptive_bounds(n, n_out)
        width = int((hi - lo).max())
        pos = np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1)  # (n_out, width)
        shape = [1] * (2 * d)
        shape[a], shape[d + a] = n_out, width
        pos = pos.reshape(shape)
        grids.append(pos)
        flat = flat + pos * int(plane[a])
    win = x[(Ellipsis, *grids)]  # (..., *outs, *widths)
    n_win = math.prod(win.shape[win.ndim - d:])
    win = win.reshape(win.shape[:win.ndim - d] + (n_win,))
    return _first_max(win, np.broadcast_to(flat, flat.shape).reshape(outs + (n_win,)))


def _first_max(win, flat):
    """The max over the last axis of gathered windows and the flat index (``flat``, which
    broadcasts against win) of the first maximum, or of the last NaN (torch's rule)."""
    k = win.argmax(axis=-1)  # the first maximum; a NaN is the max (numpy and torch agree)
    if win.dtype.kind == "f":
        nan = np.isnan(win)
        if nan.any():  # torch points at the window's last NaN
            last = win.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
            k = np.where(nan.any(axis=-1), last, k)
    out = np.take_along_axis(win, k[..., None], axis=-1)[..., 0]
    idx = np.take_along_axis(np.broadcast_to(flat, k.shape + flat.shape[-1:]), k[..., None],
                             axis=-1)[..., 0]
    return out, idx


def fractional_intervals(u, n, k, n_out, dtype):
    """torch's window starts for fractional max pooling along one axis, for samples u in
    [0, 1) of shape (...): start_i = int((i + u) a) - int(u a), a = (n - k) / (n_out - 1),
    computed in the input's dtype, and the last window ends at the input's end."""
    last = np.full(u.shape + (1,), n - k, np.int64)
    if n_out == 1:
        return last
    alpha = dtype.type(n - k) / dtype.type(n_out - 1)
    i = np.arange(n_out - 1).astype(dtype)
    u = u[..., None]
    starts = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    return np.concatenate([starts, last], axis=-1)


def fractional_max_forward(x, kernel, outs, samples):
    """(out, indices) of fractional max pooling over the last d = len(kernel) dims: windows
    of size ``kernel`` at fractional_intervals' starts, drawn per plane from samples (..., d).
    As torch, in 2-d sample 0 moves the columns and sample 1 the rows; in 3-d samples 0, 1, 2
    move (T, H, W)."""
    d = len(kernel)
    sizes = x.shape[x.ndim - d:]
    lead = x.shape[:x.ndim - d]
    which = (1, 0) if d == 2 else tuple(range(d))
    plane = np.cumprod((1,) + tuple(sizes[:0:-1]))[::-1]  # row-major strides of a plane
    flat = np.zeros((), np.int64)
    for a in range(d):
        starts = fractional_intervals(samples[..., which[a]], sizes[a], kernel[a], outs[a],
                                      x.dtype)
        pos = starts[..., None] + np.arange(kernel[a])  # (..., out_a, k_a)
        shape = [1] * (2 * d)
        shape[a], shape[d + a] = outs[a], kernel[a]
        flat = flat + pos.reshape(lead + tuple(shape)) * int(plane[a])
    n_win = math.prod(kernel)
    flat = np.broadcast_to(flat, lead + tuple(outs) + tuple(kernel)).reshape(
        lead + tuple(outs) + (n_win,))
    win = np.take_along_axis(x.reshape(lead + (math.prod(sizes),)),
                             flat.reshape(lead + (math.prod(outs) * n_win,)), axis=-1)
    return _first_max(win.reshape(flat.shape), flat)
