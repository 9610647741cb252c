"""Pure-numpy kernels for 2-D pooling (no autograd), with PyTorch semantics.

(Convolutions of any dimension live in ``_convnd_kernels``.) Layout is NCHW. Every
sliding-window op has

    H_out = floor((H + 2p - d(k - 1) - 1) / s) + 1        (and the same for W)

for padding p, dilation d, kernel size k and stride s. Windows are strided views of the padded
input (sliding_window_view), never Python loops over pixels.
Results keep the dtype of the inputs: float32 in, float32 out.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# ---------------------------------------------------------------------------------------------
# helpers


def _out_size(size, k, s, p, d, ceil_mode=False):
    """floor((size + 2p - d(k-1) - 1) / s) + 1, or torch's ceil_mode variant of it."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    n = -(-span // s) + 1
    if (n - 1) * s >= size + p:  # the last window must start inside the input or left padding
        n -= 1
    return n


def _windows(xp, kernel_size, stride, dilation):
    """View (N, C, H_out, W_out, kH, kW) of the windows of an already padded xp; no copy.

    win[n, c, h, w, i, j] = xp[n, c, s*h + d*i, s*w + d*j]
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    win = sliding_window_view(xp, extent, axis=(-2, -1))
    return win[..., ::sh, ::sw, ::dh, ::dw]


def _slabs(win):
    """Copy windows (N, C, H_out, W_out, kH, kW) to one slab per kernel offset: (kH * kW, N, C,
    H_out, W_out). Reductions over axis 0 of this run over contiguous memory, and are many times
    faster than numpy's reductions over the two short trailing window axes.
    """
    n, c, ho, wo, kh, kw = win.shape
    return win.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw, n, c, ho, wo)


def _pad(x, padding, value=0.0, extra=(0, 0)):
    """Pad the last two axes by padding on both sides, plus extra on the bottom/right."""
    (ph, pw), (eh, ew) = padding, extra
    if ph == pw == eh == ew == 0:
        return x
    pad = ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew))
    return np.pad(x, pad, constant_values=value)


def _dilate_and_pad(grad, stride, extent, size):
    """Spread grad (N, C, H_out, W_out) for the "full" correlation of a backward pass.

    Row h of grad goes to row (e - 1) + s*h of a zero map with (size + e - 1) rows, where e is the
    kernel extent d(k-1) + 1 and size the padded input size: s - 1 zeros between rows (stride
    dilation), e - 1 zero rows above, and below the e - 1 rows plus whatever rows of the padded
    input no window reached (when (H + 2p - e) is not a multiple of s). Same for columns.
    A stride-1 correlation of the result with the flipped kernel then has exactly `size` rows.
    """
    n, c, ho, wo = grad.shape
    (sh, sw), (eh, ew), (hp, wp) = stride, extent, size
    out = np.zeros((n, c, hp + eh - 1, wp + ew - 1), dtype=grad.dtype)
    out[:, :, eh - 1:eh - 1 + (ho - 1) * sh + 1:sh, ew - 1:ew - 1 + (wo - 1) * sw + 1:sw] = grad
    return out


def _check_grad(op, grad, expected):
    if grad.shape != tuple(expected):
        raise ValueError(f"{op} backward: grad has shape {grad.shape} but the output has shape "
                         f"{tuple(expected)}")


# ---------------------------------------------------------------------------------------------
# pooling


def _check_pool(op, x_shape, kernel_size, stride, padding, dilation, ceil_mode=False):
    """Validate pooling arguments; return (H_out, W_out)."""
    if len(x_shape) != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(x_shape)}")
    if min(kernel_size) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: need kernel_size >= 1, stride >= 1, dilation >= 1, padding >= 0; "
                         f"got kernel_size={kernel_size}, stride={stride}, dilation={dilation}, "
                         f"padding={padding}")
    if any(2 * p > k for p, k in zip(padding, kernel_size, strict=True)):
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size "
                         f"{kernel_size}; input {tuple(x_shape)}")
    ho, wo = (_out_size(x_shape[2 + a], kernel_size[a], stride[a], padding[a], dilation[a],
                        ceil_mode) for a in (0, 1))
    if ho < 1 or wo < 1:
        padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
        raise ValueError(f"{op}: kernel_size {kernel_size} (dilation {dilation}) is larger than "
                         f"the padded input {padded}; input {tuple(x_shape)}")
    return ho, wo


def _lowest(dt):
    """The padding that never wins a max: -inf, or an integer dtype's smallest value."""
    if dt.kind == "f":
        return -np.inf
    return False if dt.kind == "b" else np.iinfo(dt).min


def max_pool2d_forward(x, kernel_size, stride, padding, dilation=(1, 1)):
    """out[n, c, h, w] = max_{i, j} xp[n, c, s*h + d*i, s*w + d*j], xp padded with -inf.

    H_out = floor((H + 2p - d(k-1) - 1) / s) + 1, padding at most kernel_size / 2 (as torch).
    Returns (out, indices): indices (N, C, H_out, W_out) int64 holds, for each window, the flat
    position h_in * W + w_in of its max in its (H, W) input plane, like torch's return_indices.
    """
    ho, wo = _check_pool("max_pool2d", x.shape, kernel_size, stride, padding, dilation)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    if stride == kernel_size and padding == (0, 0) and dilation == (1, 1):
        # Non-overlapping tiles are a reshape; rows/cols past H_out * kH are dropped, as in torch.
        tiles = x[:, :, :ho * kh, :wo * kw].reshape(n, c, ho, kh, wo, kw)
        win = tiles.transpose(0, 1, 2, 4, 3, 5)
    else:
        win = _windows(_pad(x, padding, _lowest(x.dtype)), kernel_size, stride, dilation)
    slabs = _slabs(win)
    out = slabs.max(axis=0)
    # Ties: the gradient goes to ONE element per window, the first maximum in row-major order
    # within the window, as in torch's CPU kernel (which moves on only for a strictly greater
    # value). k counts the leading offsets that do not hold the max: the offset of the first max.
    # (A loop over the kH * kW offsets; np.argmax over the window axis is ~4x slower.)
    k = np.zeros(out.shape, dtype=np.int64)
    before = np.ones(out.shape, dtype=bool)
    for o in range(kh * kw - 1):
        before &= slabs[o] != out
        k += before
    nan = np.isnan(out)
    if nan.any():
        # torch takes every NaN as the new max, so it points at the last NaN of the window.
        k = np.where(nan, kh * kw - 1 - np.isnan(slabs[::-1]).argmax(axis=0), k)
    if padding != (0, 0):
        # A window whose max is -inf ties with the -inf padding; torch then points at the first
        # element inside the input, which is the first True of the window of a validity mask.
        empty = np.isneginf(out)
        if empty.any():
            valid = _pad(np.ones((1, 1, h, w), dtype=bool), padding, False)
            first = _slabs(_windows(valid, kernel_size, stride, dilation)).argmax(axis=0)
            k = np.where(empty, first, k)
    # flat input index = index of the window's top-left corner + that of offset k inside it
    corner = (np.arange(ho)[:, None] * sh - ph) * w + np.arange(wo) * sw - pw
    offset = (np.arange(kh)[:, None] * dh * w + np.arange(kw) * dw).ravel()
    return out, corner + offset[k]


def max_pool2d_backward(grad, x_shape, argmax_info, kernel_size, stride, padding, dilation):
    """gx[n, c, idx] += grad[n, c, h, w] with idx = argmax_info[n, c, h, w] (flat in H * W).

    Each window sends its gradient to its one argmax. Overlapping windows (stride < d(k-1)+1) can
    pick the same input pixel, so the scatter adds (np.add.at) instead of assigning.
    """
    ho, wo = _check_pool("max_pool2d", x_shape, kernel_size, stride, padding, dilation)
    n, c, h, w = x_shape
    _check_grad("max_pool2d", grad, (n, c, ho, wo))
    planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
    gx = np.zeros(n * c * h * w, dtype=grad.dtype)
    np.add.at(gx, (planes + argmax_info).ravel(), grad.ravel())
    return gx.reshape(x_shape)


def _avg_divisor(size, k, s, p, n_out, count_include_pad, dtype):
    """Per-axis window sizes of avg_pool2d (torch's rule); their outer product is the divisor.

    A window covers [s*h - p, min(s*h - p + k, size + p)): it may include padding, never the
    extra cells ceil_mode adds past the padding; count_include_pad=False also drops the padding.
    """
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, size + p)
    if not count_include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return (end - start).astype(dtype)


def _avg_setup(op, x_shape, kernel_size, stride, padding, ceil_mode, count_include_pad, dtype):
    """Output size, extra bottom/right padding (ceil_mode) and the (H_out, W_out) divisor."""
    ho, wo = _check_pool(op, x_shape, kernel_size, stride, padding, (1, 1), ceil_mode)
    extra = tuple(max(0, (n_out - 1) * s + k - (size + 2 * p)) for n_out, s, k, size, p in
                  zip((ho, wo), stride, kernel_size, x_shape[2:], padding, strict=True))
    dh, dw = (_avg_divisor(x_shape[2 + a], kernel_size[a], stride[a], padding[a], (ho, wo)[a],
                           count_include_pad, dtype) for a in (0, 1))
    return (ho, wo), extra, dh[:, None] * dw


def avg_pool2d_forward(x, kernel_size, stride, padding, ceil_mode=False, count_include_pad=True):
    """out[n, c, h, w] = sum_{i, j} xp[n, c, s*h + i, s*w + j] / divisor[h, w], xp zero-padded.

    H_out = floor((H + 2p - k) / s) + 1 (ceil instead of floor with ceil_mode, dropping a last
    window that would start in the right padding). divisor = kH * kW, minus the cells past the
    padding (ceil_mode), minus the padding too when count_include_pad=False. Padding is at most
    kernel_size / 2 (as torch).
    """
    (ho, wo), extra, divisor = _avg_setup("avg_pool2d", x.shape, kernel_size, stride, padding,
                                          ceil_mode, count_include_pad, x.dtype)
    win = _windows(_pad(x, padding, 0.0, extra), kernel_size, stride, (1, 1))
    return _slabs(win[:, :, :ho, :wo]).sum(axis=0) / divisor


def avg_pool2d_backward(grad, x_shape, kernel_size, stride, padding, ceil_mode=False,
                        count_include_pad=True):
    """gx = full correlation of the stride-dilated (grad / divisor) with an all-ones kernel.

    Each window hands grad / divisor to each of its cells; the full correlation sums, for every
    input cell, the shares of the windows that cover it (computed over the real input only).
    """
    (ho, wo), extra, divisor = _avg_setup("avg_pool2d", x_shape, kernel_size, stride, padding,
                                          ceil_mode, count_include_pad, grad.dtype)
    n, c, h, w = x_shape
    (kh, kw), (ph, pw), (eh, ew) = kernel_size, padding, extra
    _check_grad("avg_pool2d", grad, (n, c, ho, wo))
    padded = (h + 2 * ph + eh, w + 2 * pw + ew)
    spread = _dilate_and_pad(grad / divisor, stride, kernel_size, padded)
    spread = spread[:, :, ph:ph + h + kh - 1, pw:pw + w + kw - 1]  # skip the padding's grad
    return _slabs(_windows(spread, kernel_size, (1, 1), (1, 1))).sum(axis=0)  # ones: no flip
