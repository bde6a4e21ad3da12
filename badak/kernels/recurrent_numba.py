"""Compiled gates of one LSTM or GRU step (the `fast` extra: numba), float32.

One call per step computes every gate, the new state and what backward keeps, row by row while
the row is in cache, where NumPy takes a dozen passes over the step and as many temporaries;
backward is one call too. The products stay outside (blas.gemm): a step is its hidden state's
product plus one of these.

Shapes: N rows, H hidden units, gates (N, G*H) in PyTorch's order (LSTM i f g o, GRU r z n).
sigmoid is activation_numba's and tanh is built on exp_numba's expm1; LLVM vectorises both, and
both are within 3 ulp of the exact values, as NumPy's float32 functions are.
"""

import math

import numba

from badak.device import np
from badak.kernels.activation_numba import sigmoid_one
from badak.kernels.exp_numba import expm1_nonpositive

_ONE, _TWO, _ZERO = np.float32(1), np.float32(2), np.float32(0)


@numba.njit(inline="always")
def _tanh(v):
    m = expm1_nonpositive(_TWO * -abs(v))  # tanh|v| = -m / (2 + m), m = exp(-2|v|) - 1
    return v if v != v else math.copysign(m / (_TWO + m), v)


@numba.njit(cache=True, error_model="numpy")
def lstm_step(xw, gates, c_prev, c, tanh_c, h):
    """gates (in: the hidden state's part h W_hh^T; out: i, f, g, o) and, from them and xw (the
    input's part with both biases), the new cell c, tanh(c) and h = o tanh(c). All (N, H) but
    xw and gates (N, 4H)."""
    rows, size = c.shape
    for r in range(rows):
        # Loops that each write one array, over range(n): LLVM vectorises a loop only where it
        # can rule out overlap between what it writes and what it reads (it gives up with many
        # arrays), and numba's range(start, stop) loops not at all.
        for j in range(2 * size):
            gates[r, j] = sigmoid_one(xw[r, j] + gates[r, j])
        for j in range(size):
            k = 2 * size + j
            gates[r, k] = _tanh(xw[r, k] + gates[r, k])
        for j in range(size):
            k = 3 * size + j
            gates[r, k] = sigmoid_one(xw[r, k] + gates[r, k])
        for j in range(size):
            c[r, j] = gates[r, size + j] * c_prev[r, j] + gates[r, j] * gates[r, 2 * size + j]
        for j in range(size):
            tanh_c[r, j] = _tanh(c[r, j])
        for j in range(size):
            h[r, j] = gates[r, 3 * size + j] * tanh_c[r, j]


@numba.njit(cache=True, error_model="numpy")
def lstm_step_backward(gates, c_prev, tanh_c, dh, dy, dc, d_gates):
    """The step back: d_gates (N, 4H) from the gates, the cell before the step, tanh of the cell
    after it, and the gradients reaching h (dh + dy) and c (dc); dc becomes the gradient of
    c_prev (in place)."""
    rows, size = dc.shape
    for r in range(rows):  # one array written per loop, as in lstm_step
        for j in range(size):
            o, t = gates[r, 3 * size + j], tanh_c[r, j]
            d_gates[r, 3 * size + j] = (dh[r, j] + dy[r, j]) * t * o * (_ONE - o)
        for j in range(size):
            o, t = gates[r, 3 * size + j], tanh_c[r, j]
            dc[r, j] = dc[r, j] + (dh[r, j] + dy[r, j]) * o * (_ONE - t * t)
        for j in range(size):
            i = gates[r, j]
            d_gates[r, j] = dc[r, j] * gates[r, 2 * size + j] * i * (_ONE - i)
        for j in range(size):
            f = gates[r, size + j]
            d_gates[r, size + j] = dc[r, j] * c_prev[r, j] * f * (_ONE - f)
        for j in range(size):
            g = gates[r, 2 * size + j]
            d_gates[r, 2 * size + j] = dc[r, j] * gates[r, j] * (_ONE - g * g)
        for j in range(size):
            dc[r, j] = dc[r, j] * gates[r, size + j]


@numba.njit(cache=True, error_model="numpy")
def gru_step(xw, hw, h_prev, gates, h):
    """gates (N, 4H): r, z, n and the candidate's hidden part hw_n, from xw (the input's part,
    b_ih added) and hw (h_prev W_hh^T + b_hh), both (N, 3H); and the new h = n + z (h_prev - n).
    """
    rows, size = h.shape
    for r in range(rows):  # one array written per loop, as in lstm_step
        for j in range(2 * size):
            gates[r, j] = sigmoid_one(xw[r, j] + hw[r, j])
        for j in range(size):
            gates[r, 3 * size + j] = hw[r, 2 * size + j]
        for j in range(size):
            k = 2 * size + j
            gates[r, k] = _tanh(xw[r, k] + gates[r, j] * hw[r, k])
        for j in range(size):
            n = gates[r, 2 * size + j]
            h[r, j] = n + gates[r, size + j] * (h_prev[r, j] - n)


@numba.njit(cache=True, error_model="numpy")
def gru_step_backward(gates, h_prev, dh, dy, d_input, d_hidden, dh_prev):
    """The step back: the gates' gradients by the input's part (d_input: r, z, n) and by the
    hidden state's part (d_hidden: r, z, n r), both (N, 3H), and dh_prev = (dh + dy) z, to which
    the caller adds d_hidden W_hh."""
    rows, size = dh.shape
    for r in range(rows):  # one array written per loop, as in lstm_step
        for j in range(size):
            z, n = gates[r, size + j], gates[r, 2 * size + j]
            d_input[r, 2 * size + j] = (dh[r, j] + dy[r, j]) * (_ONE - z) * (_ONE - n * n)
        for j in range(size):
            reset, dn = gates[r, j], d_input[r, 2 * size + j]
            d_input[r, j] = dn * gates[r, 3 * size + j] * reset * (_ONE - reset)
        for j in range(size):
            z = gates[r, size + j]
            d_h = dh[r, j] + dy[r, j]
            d_input[r, size + j] = d_h * (h_prev[r, j] - gates[r, 2 * size + j]) * z * (_ONE - z)
        for j in range(2 * size):
            d_hidden[r, j] = d_input[r, j]
        for j in range(size):
            d_hidden[r, 2 * size + j] = d_input[r, 2 * size + j] * gates[r, j]
        for j in range(size):
            dh_prev[r, j] = (dh[r, j] + dy[r, j]) * gates[r, size + j]
