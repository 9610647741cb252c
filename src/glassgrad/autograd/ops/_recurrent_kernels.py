"""numpy kernels of the fused recurrent layers (ops/recurrent.py): forward over a whole
sequence, and backpropagation through time by hand.

Every kernel works on the flat layout. The input is x2 (N, I): the rows of all steps, step t
at rows lo:lo + n, with ``steps`` listing (lo, n) in the order the steps run (reversed for
the reverse direction). A padded (T, B, I) input is the case lo = t * B, n = B. A packed
batch has n = batch_sizes[t], its rows sorted by length, longest first, so at step t the
first n rows of the state run and the others keep their state. The state arrays are (B, .)
with B = the largest n, updated in place at rows :n.

The result is y2 (N + B, W): rows lo:lo + n hold step t's output (and, for LSTM, its cell
state beside it), and the last B rows the final state of every sequence.

What forward keeps for backward (``cache``) are the gates after their nonlinearities and the
state that entered each step, so backward needs no exp or tanh except inside the loop's
elementwise products. Backward runs the steps in the opposite order with the state's
gradient carried in (B, .) arrays, writes the gradient of every step's pre-activations into
one (N, G) array and then takes each weight's gradient as ONE matmul over all rows:

    dW_ih = dP^T x2,   dW_hh = dQ^T h_prev,   db = column sums,   dx2 = dP W_ih

(dP the pre-activations' gradient on the input side, dQ on the hidden side: equal for RNN
and LSTM, which add W_ih x and W_hh h before any nonlinearity; GRU's n gate differs.)
"""

from __future__ import annotations

import numpy as np


def _sigmoid_(a):
    """a = 1 / (1 + exp(-a)) in place, in a's dtype. exp(-a) overflows to inf only where
    the result is below the dtype's smallest normal number anyway, and 1 / inf = 0; the
    callers silence that overflow warning with np.errstate. (scipy's expit measured about
    10x slower on (32, 256) float32, and in-place ufuncs on these strided gate slices
    slower than this contiguous temporary.)"""
    e = np.exp(-a)
    e += 1
    np.divide(1, e, out=a)


def _project(x2, w, *biases):
    """x2 @ w^T plus the biases that are not None: the input side of every step at once."""
    out = x2 @ w.T
    for b in biases:
        if b is not None:
            out += b
    return out


def _weight_grads(dp, dq, x2, h_prev, w_ih, needs):
    """(dx2, dW_ih, dW_hh, db_ih, db_hh), each one matmul or sum over all N rows."""
    need_x, need_wih, need_whh, need_bih, need_bhh = needs
    dx2 = dp @ w_ih if need_x else None
    dw_ih = dp.T @ x2 if need_wih else None
    dw_hh = dq.T @ h_prev if need_whh else None
    db_ih = dp.sum(0) if need_bih else None
    db_hh = dq.sum(0) if need_bhh else None
    return dx2, dw_ih, dw_hh, db_ih, db_hh


# ------------------------------------------------------------------------------ RNN
def rnn_forward(x2, h0, w_ih, w_hh, b_ih, b_hh, steps, relu):
    """h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh). Returns y2 and the cache."""
    n_rows, batch = x2.shape[0], h0.shape[0]
    y2 = np.empty((n_rows + batch, h0.shape[1]), dtype=x2.dtype)
    pre = _project(x2, w_ih, b_ih, b_hh)
    h_prev = np.empty((n_rows, h0.shape[1]), dtype=x2.dtype)
    h, w_hh_t = h0.copy(), w_hh.T
    for lo, n in steps:
        hi = lo + n
        a = pre[lo:hi]
        a += h[:n] @ w_hh_t
        h_prev[lo:hi] = h[:n]
        out = y2[lo:hi]
        if relu:
            np.maximum(a, 0, out=out)
        else:
            np.tanh(a, out=out)
        h[:n] = out
    y2[n_rows:] = h
    return y2, (h_prev,)


def rnn_backward(grad, y2, cache, x2, w_ih, w_hh, steps, relu, needs):
    """(dx2, dh0, dW_ih, dW_hh, db_ih, db_hh) from the gradient of y2."""
    (h_prev,) = cache
    n_rows = x2.shape[0]
    acts = y2[:n_rows]
    dh = grad[n_rows:].copy()
    dp = np.empty((n_rows, w_hh.shape[0]), dtype=x2.dtype)
    # d act / d pre: a mask for relu (masks select, they never multiply), 1 - h^2 for tanh
    slope = acts > 0 if relu else 1 - acts * acts
    for lo, n in reversed(steps):
        hi = lo + n
        g = dh[:n]
        g += grad[lo:hi]
        d = dp[lo:hi]
        if relu:
            np.copyto(d, 0)
            np.copyto(d, g, where=slope[lo:hi])
        else:
            np.multiply(g, slope[lo:hi], out=d)
        dh[:n] = d @ w_hh
    dx2, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dp, dp, x2, h_prev, w_ih, needs)
    return dx2, dh, dw_ih, dw_hh, db_ih, db_hh


# ------------------------------------------------------------------------------ LSTM
def lstm_forward(x2, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps):
    """Gates i, f, g, o (torch's order) = sigma, sigma, tanh, sigma of
    W_ih x + b_ih + W_hh h + b_hh;  c' = f c + i g;  m = o tanh(c');  h' = m, or W_hr m.
    y2 holds [h', c'] per row."""
    n_rows, batch = x2.shape[0], h0.shape[0]
    hid, hout = c0.shape[1], h0.shape[1]
    y2 = np.empty((n_rows + batch, hout + hid), dtype=x2.dtype)
    gates = _project(x2, w_ih, b_ih, b_hh)  # pre-activations, then the gates in place
    h_prev = np.empty((n_rows, hout), dtype=x2.dtype)
    c_prev = np.empty((n_rows, hid), dtype=x2.dtype)
    tanh_c = np.empty((n_rows, hid), dtype=x2.dtype)
    m_all = np.empty((n_rows, hid), dtype=x2.dtype) if w_hr is not None else None
    h, c, w_hh_t = h0.copy(), c0.copy(), w_hh.T
    for lo, n in steps:
        hi = lo + n
        a = gates[lo:hi]
        a += h[:n] @ w_hh_t
        h_prev[lo:hi] = h[:n]
        c_prev[lo:hi] = c[:n]
        _sigmoid_(a[:, :2 * hid])
        np.tanh(a[:, 2 * hid:3 * hid], out=a[:, 2 * hid:3 * hid])
        _sigmoid_(a[:, 3 * hid:])
        cn = c[:n]
        cn *= a[:, hid:2 * hid]
        cn += a[:, :hid] * a[:, 2 * hid:3 * hid]
        tc = np.tanh(cn, out=tanh_c[lo:hi])
        out = y2[lo:hi]
        if w_hr is None:
            np.multiply(a[:, 3 * hid:], tc, out=out[:, :hout])
        else:
            m = np.multiply(a[:, 3 * hid:], tc, out=m_all[lo:hi])
            np.matmul(m, w_hr.T, out=out[:, :hout])
        out[:, hout:] = cn
        h[:n] = out[:, :hout]
    y2[n_rows:, :hout] = h
    y2[n_rows:, hout:] = c
    return y2, (gates, h_prev, c_prev, tanh_c, m_all)


def lstm_backward(grad, cache, x2, w_ih, w_hh, w_hr, steps, needs):
    """(dx2, dh0, dc0, dW_ih, dW_hh, db_ih, db_hh, dW_hr) from the gradient of y2.

    Per step, with dh the gradient of h' and dc of c' (each: from this step's output plus
    what the next step carried back):  dm = dh (or dh W_hr),  do = dm tanh(c'),
    dc += dm o (1 - tanh(c')^2),  di = dc g,  df = dc c,  dg = dc i;  then the gates'
    derivatives (s (1 - s) for the sigmoids, 1 - g^2 for tanh) give the pre-activations'
    gradient dP, and the carries become  dh = dP W_hh,  dc = dc f.
    """
    gates, h_prev, c_prev, tanh_c, m_all = cache
    n_rows, hid = x2.shape[0], c_prev.shape[1]
    hout = h_prev.shape[1]
    dh = grad[n_rows:, :hout].copy()
    dc = grad[n_rows:, hout:].copy()
    dp = np.empty_like(gates)
    i, f, g, o = (gates[:, k * hid:(k + 1) * hid] for k in range(4))
    slope = gates * (1 - gates)  # sigma' = s (1 - s) for i, f and o ...
    slope[:, 2 * hid:3 * hid] = 1 - g * g  # ... and tanh' = 1 - g^2 for g
    o_dtanh = o * (1 - tanh_c * tanh_c)
    dh_all = np.empty((n_rows, hout), dtype=x2.dtype) if w_hr is not None else None
    for lo, n in reversed(steps):
        hi = lo + n
        gh = dh[:n]
        gh += grad[lo:hi, :hout]
        if w_hr is None:
            dm = gh
        else:
            dh_all[lo:hi] = gh
            dm = gh @ w_hr
        d = dp[lo:hi]
        np.multiply(dm, tanh_c[lo:hi], out=d[:, 3 * hid:])
        gc = dc[:n]
        gc += grad[lo:hi, hout:]
        gc += dm * o_dtanh[lo:hi]
        np.multiply(gc, g[lo:hi], out=d[:, :hid])
        np.multiply(gc, c_prev[lo:hi], out=d[:, hid:2 * hid])
        np.multiply(gc, i[lo:hi], out=d[:, 2 * hid:3 * hid])
        gc *= f[lo:hi]
        d *= slope[lo:hi]
        np.matmul(d, w_hh, out=dh[:n])
    dx2, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dp, dp, x2, h_prev, w_ih, needs[:5])
    dw_hr = dh_all.T @ m_all if w_hr is not None and needs[5] else None
    return dx2, dh, dc, dw_ih, dw_hh, db_ih, db_hh, dw_hr


# ------------------------------------------------------------------------------ GRU
def gru_forward(x2, h0, w_ih, w_hh, b_ih, b_hh, steps):
    """r, z = sigma(W_ir x + b_ir + W_hr h + b_hr), sigma(W_iz x + b_iz + W_hz h + b_hz);
    n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = n + z (h - n)."""
    n_rows, batch = x2.shape[0], h0.shape[0]
    hid = h0.shape[1]
    y2 = np.empty((n_rows + batch, hid), dtype=x2.dtype)
    gates = _project(x2, w_ih, b_ih)  # input side; becomes r, z, n in place
    h_prev = np.empty((n_rows, hid), dtype=x2.dtype)
    hn_all = np.empty((n_rows, hid), dtype=x2.dtype)  # W_hn h + b_hn, which r scales
    h, w_hh_t = h0.copy(), w_hh.T
    for lo, n in steps:
        hi = lo + n
        hp = h[:n] @ w_hh_t
        if b_hh is not None:
            hp += b_hh
        h_prev[lo:hi] = h[:n]
        a = gates[lo:hi]
        rz = a[:, :2 * hid]
        rz += hp[:, :2 * hid]
        _sigmoid_(rz)
        hn_all[lo:hi] = hp[:, 2 * hid:]
        new = a[:, 2 * hid:]
        new += a[:, :hid] * hp[:, 2 * hid:]
        np.tanh(new, out=new)
        out = y2[lo:hi]
        np.subtract(h[:n], new, out=out)
        out *= a[:, hid:2 * hid]
        out += new
        h[:n] = out
    y2[n_rows:] = h
    return y2, (gates, h_prev, hn_all)


def gru_backward(grad, cache, x2, w_ih, w_hh, steps, needs):
    """(dx2, dh0, dW_ih, dW_hh, db_ih, db_hh) from the gradient of y2.

    Per step, with dh the gradient of h':  dn_pre = dh (1 - z)(1 - n^2),
    dz_pre = dh (h - n) z (1 - z),  dr_pre = dn_pre (W_hn h + b_hn) r (1 - r). The input
    side's pre-activations get [dr_pre, dz_pre, dn_pre], the hidden side's
    dQ = [dr_pre, dz_pre, dn_pre r], and the carry becomes  dh z + dQ W_hh.
    """
    gates, h_prev, hn_all = cache
    n_rows, hid = x2.shape[0], h_prev.shape[1]
    r, z, new = (gates[:, k * hid:(k + 1) * hid] for k in range(3))
    k_n = (1 - z) * (1 - new * new)
    k_z = (h_prev - new) * z * (1 - z)
    k_r = hn_all * r * (1 - r)
    dh = grad[n_rows:].copy()
    dp = np.empty_like(gates)
    dq = np.empty_like(gates)
    for lo, n in reversed(steps):
        hi = lo + n
        gh = dh[:n]
        gh += grad[lo:hi]
        q = dq[lo:hi]
        dn = np.multiply(gh, k_n[lo:hi], out=dp[lo:hi, 2 * hid:])
        np.multiply(dn, k_r[lo:hi], out=q[:, :hid])
        np.multiply(gh, k_z[lo:hi], out=q[:, hid:2 * hid])
        np.multiply(dn, r[lo:hi], out=q[:, 2 * hid:])
        back = q @ w_hh
        gh *= z[lo:hi]
        gh += back
    dp[:, :2 * hid] = dq[:, :2 * hid]
    dx2, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(dp, dq, x2, h_prev, w_ih, needs)
    return dx2, dh, dw_ih, dw_hh, db_ih, db_hh
