"""Compiled softmax over rows and its backward, in place (the `fast` extra: numba), float32: the
attention weights without the temporaries NumPy's passes make.

The forward keeps the cross-entropy family's care: the row's maximum subtracted, its exp(0) = 1
kept out of the sum of the others, each weight exp(x - max) / (1 + rest), so a row with one
dominant score keeps its small weights' digits. exp is exp_numba's exp_nonpositive_full: a weight
below exp's range is subnormal where it is, and -inf (a masked score) gives 0.

Shapes: rows (R, S), C-contiguous.
"""

import numba

from badak.device import np
from badak.kernels.exp_numba import exp_nonpositive_full

_ONE, _ZERO = np.float32(1), np.float32(0)


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "nsz"})
def softmax_rows(rows, empty_row_value):
    """rows = softmax(rows) along each row, in place. A row whose scores are all -inf (every
    key masked) becomes empty_row_value (0 or NaN); a row holding NaN or +inf becomes NaN."""
    count, size = rows.shape
    for r in range(count):
        row = rows[r]
        top, where, nan = row[0], 0, False
        for j in range(size):
            if row[j] > top:
                top, where = row[j], j
            nan = nan or row[j] != row[j]
        if nan or top == np.inf or top == -np.inf:  # NaN, or no finite maximum to shift by
            fill = empty_row_value if top == -np.inf and not nan else np.float32(np.nan)
            for j in range(size):
                row[j] = fill
            continue
        for j in range(size):  # elementwise, then summed where nothing is stored
            row[j] = exp_nonpositive_full(row[j] - top)
        rest = _ZERO
        for j in range(size):
            rest += row[j] if j != where else _ZERO
        scale = _ONE / (_ONE + rest)
        for j in range(size):
            row[j] = row[j] * scale


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "nsz"})
def softmax_rows_backward(weights, grad, scale):
    """grad = weights * (grad - sum(grad * weights)) * scale along each row, in place: the
    gradient of the scores (times scale) from that of the weights."""
    count, size = weights.shape
    for r in range(count):
        w, g = weights[r], grad[r]
        dot = _ZERO
        for j in range(size):
            dot += g[j] * w[j]
        for j in range(size):
            g[j] = w[j] * (g[j] - dot) * scale
