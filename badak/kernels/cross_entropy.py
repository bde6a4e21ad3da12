"""The fused softmax cross-entropy kernel on (M, C) rows, in plain NumPy.

Rows are taken in blocks that fit in the core's cache: each block of logits is read once from
memory, shifted, exponentiated and summed in a reused buffer, and (when a gradient is wanted)
written once as the gradient. Row sums are matrix-vector products; gathers use flat indices.

Accuracy: a row's sum of exponentials holds one exact 1 (from its maximum); it is left out of the
sum and added back with log1p, so a confident row's loss keeps all its digits (see
activation.log_normalizer, the unfused version of the same idea).
"""

import sys
from dataclasses import dataclass

from badak import kernels
from badak.device import np

BLOCK_BYTES = 512 * 1024  # the block buffer stays in a core's L2 cache
REUSE_BYTES = 1 << 20  # gradients at least this large are reused once their holders let go
ALIGNMENT = 64  # bytes, a cache line: the compiled kernel streams its stores to aligned rows


def aligned_empty(shape, dtype):
    """np.empty(shape, dtype) starting on an ALIGNMENT-byte boundary (NumPy promises 16).

    The array is a view of a byte buffer (its `.base`, which every further view also holds).
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start : start + nbytes].view(dtype).reshape(shape)


class ReusableArray:
    """One large aligned array, handed out again once no one else holds it.

    A freshly allocated large array costs a page fault on the first touch of every page (on these
    machines about as long as computing the cross-entropy itself), so the last gradient is kept
    and reused when its holders (a leaf's .grad, the Function) have dropped it: the reference
    counts then show only this holder.
    """

    def __init__(self):
        self.array = None

    def take(self, shape, dtype):
        array = self.array
        # References to the array: self.array, the local name, getrefcount's argument. Views of
        # it (reshapes, transposes) hold its byte buffer instead, held otherwise by the array's
        # .base and getrefcount's argument.
        if (
            array is not None
            and array.shape == shape
            and array.dtype == dtype
            and sys.getrefcount(array) == 3
            and sys.getrefcount(array.base) == 2
        ):
            return array
        array = aligned_empty(shape, dtype)
        if array.nbytes >= REUSE_BYTES:
            self.array = array
        return array


gradient_buffer = ReusableArray()


def plain_cross_entropy(rows, target, ignore_index, mean, with_gradient):
    """Mean or summed softmax cross-entropy of (M, C) rows with no class weights and no label
    smoothing, and the gradient, in one compiled call: (loss, gradient or None). None where
    that call does not apply, for the general path to take: numba missing or off, not float32
    C-contiguous short rows, or a row to ignore (a target equal to ignore_index; the kernel also
    declines a target outside [0, C), which cross_entropy has refused before, rather than read
    outside its row)."""
    compiled = kernels.compiled("cross_entropy_numba")
    if not (
        compiled is not None
        and rows.dtype == np.float32
        and rows.ndim == 2
        and rows.flags.c_contiguous
        and target.dtype == np.int64
        and rows.size
        and rows.shape[1] < compiled.SHORT_ROW_CLASSES
    ):
        return None
    return compiled.plain_cross_entropy(rows, target, ignore_index, mean, with_gradient)


@dataclass
class RowTerms:
    """Per-row results, each (M,): the log-normaliser log(sum_c exp(x_c - max)) and x_y - max;
    with label smoothing also sum_c w_c (x_c - max)."""

    normalizer: np.ndarray
    target_shift: np.ndarray
    weighted_shift: np.ndarray = None


def softmax_cross_entropy(rows, target, class_weight, hard, smooth, gradient=None):
    """Loss terms of softmax cross-entropy and, into `gradient`, its gradient per row.

    Args:
        rows: (M, C) logits, C-contiguous, float32 or float64.
        target: (M,) class indices in [0, C) (ignored rows already mapped to any valid index).
        class_weight: (C,) weights w (ones without weights), rows' dtype.
        hard: (M,) coefficient of the target term, (1 - e) * w_y (0 for ignored rows).
        smooth: (M,) coefficient of the smoothing term, e / C (0 for ignored rows), or None.
        gradient: (M, C) array to fill with  A * p - hard * onehot - smooth * w,
            A = hard + smooth * sum(w), with the target entry formed without cancellation.
    Returns:
        RowTerms.
    """
    n_rows, n_classes = rows.shape
    dtype = rows.dtype
    if n_rows == 0:  # no row to read or write
        terms = RowTerms(np.empty(0, dtype), np.empty(0, dtype))
        terms.weighted_shift = None if smooth is None else np.empty(0, dtype)
        return terms
    compiled = kernels.compiled("cross_entropy_numba")  # takes C-contiguous float32
    if (
        compiled is not None
        and dtype == np.float32
        and rows.flags.c_contiguous
        and (gradient is None or gradient.flags.c_contiguous)
    ):
        return compiled.softmax_cross_entropy(rows, target, class_weight, hard, smooth, gradient)
    block = max(1, min(n_rows, BLOCK_BYTES // (n_classes * dtype.itemsize)))
    buffer = np.empty((block, n_classes), dtype)
    ones = np.ones(n_classes, dtype)
    weight_sum = class_weight.sum(dtype=dtype)
    terms = RowTerms(np.empty(n_rows, dtype), np.empty(n_rows, dtype))
    if smooth is not None:
        terms.weighted_shift = np.empty(n_rows, dtype)
    for start in range(0, n_rows, block):
        stop = min(start + block, n_rows)
        x, b = rows[start:stop], buffer[: stop - start]
        flat = np.arange(stop - start) * n_classes  # flat offset of each row in the block
        top = flat + x.argmax(axis=1)
        picked = flat + target[start:stop]
        np.subtract(x, x.ravel()[top][:, None], out=b)
        b_flat = b.reshape(-1)
        terms.target_shift[start:stop] = b_flat[picked]
        if smooth is not None:
            terms.weighted_shift[start:stop] = b @ class_weight
        np.exp(b, out=b)
        b_flat[top] *= 0  # leave the exact 1 of the maximum out (an infinite one's NaN stays in)
        rest = b @ ones
        terms.normalizer[start:stop] = np.log1p(rest)
        if gradient is not None:
            b_flat[top] = 1
            _fill_gradient(b, rest, picked, terms.target_shift[start:stop], hard[start:stop],
                           None if smooth is None else smooth[start:stop], class_weight,
                           weight_sum, gradient[start:stop])  # fmt: skip
    return terms


def _fill_gradient(e, rest, picked, target_shift, hard, smooth, class_weight, weight_sum, out):
    """out = A * p - hard * onehot - smooth * w for one block; e holds exp(x - max)."""
    total = rest + 1  # sum of e, >= 1
    coefficient = hard if smooth is None else hard + smooth * weight_sum
    np.multiply(e, (coefficient / total)[:, None], out=out)
    out_flat = out.reshape(-1)
    p_target = e.reshape(-1)[picked] / total
    # p_y - 1 = -(total - e_y) / total; where y is a maximum, total - 1 = rest exactly
    left = np.where(target_shift == 0, rest, total * (1 - p_target))
    entry = hard * (-left / total)
    if smooth is not None:
        out -= smooth[:, None] * class_weight
        entry += smooth * (weight_sum * p_target - class_weight[picked % out.shape[1]])
    out_flat[picked] = entry
