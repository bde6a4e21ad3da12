"""The compiled softmax cross-entropy kernel (the `fast` extra: numba), for float32 rows.

One row at a time: the row is read once from memory to find its maximum, exponentiated while it
is in cache, summed, and its gradient written once. exp is a polynomial the compiler vectorises:
x = k ln2 + r with |r| <= ln2/2 (ln2 split in two parts, so k ln2 is exact), exp(r) by its
degree-7 Taylor polynomial, and 2^k put in the exponent bits; it is within 1 ulp of the correctly
rounded float32 result (NumPy's float32 exp is within 1.5 ulp). Arguments below -87 give
exp(-87) ~ 1.6e-38 instead of a subnormal, an absolute difference below 2e-38.

Same arguments and results as cross_entropy_kernel.softmax_cross_entropy.
"""

import numba

from badak.backend import np
from badak.functions.cross_entropy_kernel import RowTerms

_LOG2E = np.float32(1.4426950408889634)
_LN2_HI = np.float32(0.693359375)  # 355/512: k * _LN2_HI is exact for |k| < 2**15
_LN2_LO = np.float32(-2.1219444005469057e-4)  # ln 2 - _LN2_HI
_LOWEST = np.float32(-87.0)
_HALF = np.float32(0.5)
_BIAS = np.int32(127)
_C2, _C3, _C4 = np.float32(1 / 2), np.float32(1 / 6), np.float32(1 / 24)
_C5, _C6, _C7 = np.float32(1 / 120), np.float32(1 / 720), np.float32(1 / 5040)
_ONE, _ZERO = np.float32(1), np.float32(0)


@numba.njit(cache=True, fastmath={"contract"})  # fused multiply-adds only: no reassociation
def _exp_shifted(row, top, out, scratch):
    """out[j] = exp(row[j] - top); scratch (int32, like row) holds the powers of two."""
    powers = scratch.view(np.float32)
    for j in range(row.shape[0]):
        x = row[j] - top
        x = x if x > _LOWEST else _LOWEST
        k = np.int32(x * _LOG2E - _HALF)  # x <= 0: truncation rounds to the nearest k
        kf = np.float32(k)
        r = (x - kf * _LN2_HI) - kf * _LN2_LO
        p = ((((((_C7 * r + _C6) * r + _C5) * r + _C4) * r + _C3) * r + _C2) * r + _ONE) * r
        scratch[j] = (k + _BIAS) << 23
        out[j] = (p + _ONE) * powers[j]


@numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})  # a sum: any order will do
def _sum(values):
    total = _ZERO
    for j in range(values.shape[0]):
        total += values[j]
    return total


@numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})
def _weighted_shift(row, top, weight):
    total = _ZERO
    for j in range(row.shape[0]):
        total += weight[j] * (row[j] - top)
    return total


@numba.njit(cache=True, fastmath={"nnan", "ninf", "nsz"})  # the row's max; NaN found apart
def _row_max(row):
    lanes = 16  # independent running maxima, so the compiler can vectorise
    top = np.empty(lanes, np.float32)
    top[:] = row[0]
    whole = row.shape[0] // lanes * lanes
    for j in range(0, whole, lanes):
        for k in range(lanes):
            value = row[j + k]
            top[k] = value if value > top[k] else top[k]
    best = top[0]
    for k in range(1, lanes):
        best = top[k] if top[k] > best else best
    for j in range(whole, row.shape[0]):
        best = row[j] if row[j] > best else best
    return best


@numba.njit(cache=True, fastmath={"reassoc", "nsz"})
def _nan_count(row):
    count = 0
    for j in range(row.shape[0]):
        count += row[j] != row[j]
    return count


@numba.njit(cache=True)
def _index_of(row, value):
    for j in range(row.shape[0]):
        if row[j] == value:
            return j
    return 0


@numba.njit(cache=True)
def _rows(rows, target, weight, hard, smooth, gradient, with_gradient, with_smoothing,
          normalizer, target_shift, weighted_shift):  # fmt: skip
    n_rows, n_classes = rows.shape
    weight_sum = _sum(weight)
    scratch = np.empty(n_classes, np.int32)
    spare = np.empty(n_classes, np.float32)
    for i in range(n_rows):
        row = rows[i]
        has_nan = _nan_count(row) > 0
        top = _row_max(row)
        has_nan |= top - top != 0  # an infinite maximum makes the row NaN, as in NumPy
        top_index = _index_of(row, top)
        t = target[i]
        target_shift[i] = row[t] - top  # read before the row may be overwritten (in place)
        if with_smoothing:
            weighted_shift[i] = _weighted_shift(row, top, weight)
        out = gradient[i] if with_gradient else spare
        _exp_shifted(row, top, out, scratch)
        e_target = out[t]
        out[top_index] = _ZERO  # leave the exact 1 of the maximum out of the sum
        rest = _sum(out)
        normalizer[i] = np.log1p(rest)
        if has_nan:  # NaN in, NaN out, as the NumPy kernel gives
            normalizer[i] = target_shift[i] = np.nan
            if with_smoothing:
                weighted_shift[i] = np.nan
        if not with_gradient:
            continue
        out[top_index] = _ONE
        total = rest + _ONE
        coefficient = hard[i] + smooth[i] * weight_sum if with_smoothing else hard[i]
        factor = coefficient / total
        for j in range(n_classes):
            out[j] *= factor
        if with_smoothing:
            s = smooth[i]
            for j in range(n_classes):
                out[j] -= s * weight[j]
        p_target = e_target / total
        # p_y - 1 = -(total - e_y) / total; where y is a maximum, total - 1 = rest exactly
        left = rest if target_shift[i] == 0 else total * (_ONE - p_target)
        entry = hard[i] * (-left / total)
        if with_smoothing:
            entry += smooth[i] * (weight_sum * p_target - weight[t])
        out[t] = entry
        if has_nan:
            out[:] = np.nan


def softmax_cross_entropy(rows, target, class_weight, hard, smooth, gradient=None):
    """See cross_entropy_kernel.softmax_cross_entropy; rows are float32."""
    n_rows, n_classes = rows.shape
    terms = RowTerms(np.empty(n_rows, np.float32), np.empty(n_rows, np.float32))
    with_smoothing = smooth is not None
    terms.weighted_shift = np.empty(n_rows if with_smoothing else 0, np.float32)
    zeros = np.zeros(n_rows, np.float32)
    _rows(
        rows,
        np.ascontiguousarray(target, dtype=np.int64),
        np.ascontiguousarray(class_weight, dtype=np.float32),
        zeros if hard is None else np.ascontiguousarray(hard, dtype=np.float32),
        smooth.astype(np.float32, copy=False) if with_smoothing else zeros,
        np.empty((1, n_classes), np.float32) if gradient is None else gradient,
        gradient is not None,
        with_smoothing,
        terms.normalizer,
        terms.target_shift,
        terms.weighted_shift,
    )
    if not with_smoothing:
        terms.weighted_shift = None
    return terms
