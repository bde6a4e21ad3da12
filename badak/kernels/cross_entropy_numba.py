"""The compiled softmax cross-entropy kernel (the `fast` extra: numba), for float32 rows.

The logits are read from memory once and the gradient written once, in one software-pipelined
pass per row i, 16 entries at a time:

- row i (read into cache by the previous pass) is exponentiated, exp(x - max), into a scratch row
  and summed;
- row i - 1's gradient, its scratch row scaled, is written with non-temporal stores (they skip the
  read-for-ownership of the destination, a third of the traffic of an ordinary write) when the
  gradient starts on a 64-byte boundary (`aligned_empty` makes such buffers), ordinary ones
  otherwise: the loop is split where the row's cache lines would start in an aligned gradient
  either way, so the sums, and the results, do not depend on where the buffer lies;
- row i + 1 is read from memory for its maximum, with prefetches 4 KiB ahead.

So the exp's arithmetic and the memory traffic overlap. The loop is written in LLVM IR (numba's
`intrinsic`): LLVM does not vectorise non-temporal stores of its own accord. Rows shorter than
SHORT_ROW_CLASSES take a plain loop per row instead (the same exp, vectorised by LLVM): there the
pass's per-row set-up costs more than the memory traffic it hides.

exp: see exp_numba.

Same arguments and results as kernels.cross_entropy.softmax_cross_entropy.
"""

import numba

from badak.device import np
from badak.kernels.cross_entropy import RowTerms
from badak.kernels.exp_numba import exp_nonpositive
from badak.kernels.row_pass_ir import (
    LANES,
    address,
    fence,
    row_pass,
    row_pass_streaming,
    row_pass_streaming_plain,
)

_ONE, _ZERO = np.float32(1), np.float32(0)


# ----------------------------------------------------------------------------------------------
# The rows
# ----------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _streamed_span(row_index, n):
    """(head, body) for row `row_index` of (M, n) float32 rows whose first starts on a 64-byte
    boundary: row[head:body] starts on one and holds a multiple of LANES."""
    head = min((-row_index * n) % LANES, n)
    return head, head + (n - head) // LANES * LANES


@numba.njit(cache=True)
def _row_max(row):
    top = row[0]
    for j in range(row.shape[0]):
        top = row[j] if row[j] > top else top
    return top


@numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})
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


@numba.njit(cache=True, inline="always")
def _finish_gradient_row(out, t, entry, has_nan):
    out[t] = entry
    if has_nan:
        out[:] = np.nan


@numba.njit(cache=True, error_model="numpy")
def _row_results(rest, ties, check, e_target, target_shift, hard, smooth, weight_target,
                 weight_sum, with_smoothing):  # fmt: skip
    """A row's results from the sums of its pass (e_target = exp(x_t - max), target_shift =
    x_t - max). Returns (normalizer, factor, entry, has_nan): the row's gradient is
    exp(row - max) * factor (minus smooth * weight), `entry` at the target, NaN throughout if
    has_nan. Scalars only: numba's calls with array arguments cost more than a short row."""
    has_nan = check != check  # a NaN in the row, or an infinite maximum
    if ties > _ONE:  # the maxima past the first count in full (a branch: reassociated into
        rest += ties - _ONE  # (rest + ties) - 1, rest + 0 would lose rest's digits)
    total = rest + _ONE
    coefficient = hard + smooth * weight_sum if with_smoothing else hard
    factor = np.float32(coefficient / total)
    p_target = e_target / total
    # p_y - 1 = -(total - e_y) / total; where y is a maximum, total - 1 = rest exactly
    left = rest if target_shift == 0 else total * (_ONE - p_target)
    entry = hard * (-left / total)
    if with_smoothing:
        entry += smooth * (weight_sum * p_target - weight_target)
    return np.log1p(rest), factor, entry, has_nan


@numba.njit(cache=True, inline="always")
def _write_gradient_row(out, current, factor, smooth, weight, with_smoothing, t, entry, has_nan):
    """out = current * factor (- smooth * weight), then the target's entry (or NaN)."""
    if with_smoothing:
        for j in range(out.shape[0]):
            out[j] = current[j] * factor - smooth * weight[j]
    else:
        for j in range(out.shape[0]):
            out[j] = current[j] * factor
    _finish_gradient_row(out, t, entry, has_nan)


@numba.njit(cache=True, error_model="numpy")  # a row of -inf divides by 0: NaN, not an error
def _rows(rows, target, weight, hard, smooth, gradient, with_gradient, with_smoothing,
          normalizer, target_shift, weighted_shift):  # fmt: skip
    n_rows, n_classes = rows.shape
    if n_rows == 0 or n_classes == 0:  # the pipelined pass would store row -1's gradient
        return
    weight_sum = _sum(weight)
    scratch = np.empty((2, n_classes), np.float32)
    streaming = with_gradient and not with_smoothing  # row i - 1's gradient goes out in pass i
    aligned = address(gradient) % (4 * LANES) == 0
    top = _row_max(rows[0])
    factor, entry, has_nan = _ZERO, _ZERO, False  # row i - 1's gradient: its scratch * factor
    for i in range(n_rows):
        row, current, previous = rows[i], scratch[i % 2], scratch[(i + 1) % 2]
        following = rows[i + 1] if i + 1 < n_rows else row
        t = target[i]
        target_shift[i] = row[t] - top  # read before the row may be overwritten (in place)
        if with_smoothing:
            weighted_shift[i] = _weighted_shift(row, top, weight)
        if streaming and i > 0:
            out = gradient[i - 1]
            head, body = _streamed_span(i - 1, n_classes)
            if aligned:
                rest, ties, check, top = row_pass_streaming(
                    row, top, current, following, previous, out, factor, head, body
                )
            else:
                rest, ties, check, top = row_pass_streaming_plain(
                    row, top, current, following, previous, out, factor, head, body
                )
            _finish_gradient_row(out, target[i - 1], entry, has_nan)
        else:
            rest, ties, check, top = row_pass(row, top, current, following, previous, previous,
                                               factor, 0, n_classes // LANES * LANES)  # fmt: skip
        smooth_i = smooth[i] if with_smoothing else _ZERO
        normalizer[i], factor, entry, has_nan = _row_results(rest, ties, check, current[t],
                                                             target_shift[i], hard[i], smooth_i,
                                                             weight[t], weight_sum,
                                                             with_smoothing)  # fmt: skip
        if has_nan:  # NaN in, NaN out, as the NumPy kernel gives
            normalizer[i] = target_shift[i] = np.nan
            if with_smoothing:
                weighted_shift[i] = np.nan
        if with_gradient and not streaming:
            _write_gradient_row(gradient[i], current, factor, smooth[i], weight, with_smoothing,
                                t, entry, has_nan)  # fmt: skip
    if streaming:  # the last row's gradient
        _write_gradient_row(gradient[n_rows - 1], scratch[(n_rows - 1) % 2], factor, _ZERO,
                            weight, False, target[n_rows - 1], entry, has_nan)  # fmt: skip
    fence()


# ----------------------------------------------------------------------------------------------
# Short rows (fewer than SHORT_ROW_CLASSES): one plain pass each
# ----------------------------------------------------------------------------------------------
SHORT_ROW_CLASSES = 256  # below this the streaming pass's per-row set-up outweighs its gains


@numba.njit(cache=True)
def _short_row_max(rows, i):
    top = rows[i, 0]
    for j in range(rows.shape[1]):
        top = rows[i, j] if rows[i, j] > top else top
    return top


@numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})
def _short_row_exp(rows, i, top, scratch):
    """scratch = exp(rows[i] - top); the sums row_pass returns (but the next maximum).

    Two loops, so that the sums are formed where nothing is stored: LLVM guards a loop that
    stores to one array and reads another with a run-time test for overlap, and falls back to
    the scalar loop when the two lie close; that loop adds in another order than the vector
    loop, so the sums, and the results, would depend on where scratch happened to be allocated.
    """
    for j in range(rows.shape[1]):  # elementwise: the same bits from either loop
        scratch[j] = exp_nonpositive(rows[i, j] - top)
    rest, ties, check = _ZERO, _ZERO, _ZERO
    for j in range(rows.shape[1]):
        x = rows[i, j] - top
        rest += scratch[j] if x < _ZERO else _ZERO
        ties += _ONE if x == _ZERO else _ZERO
        check += x
    return rest, ties, check


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
def _short_rows(rows, target, weight, hard, smooth, gradient, with_gradient, with_smoothing,
                normalizer, target_shift, weighted_shift):  # fmt: skip
    """_rows for short rows: per row a maximum, then exp and the sums in one vectorised loop.
    Written on 2-D indices: a row view per row costs more than a short row's arithmetic."""
    n_rows, n_classes = rows.shape
    if n_rows == 0 or n_classes == 0:
        return
    weight_sum = _sum(weight)
    scratch = np.empty(n_classes, np.float32)
    for i in range(n_rows):
        t = target[i]
        top = _short_row_max(rows, i)
        target_shift[i] = rows[i, t] - top
        if with_smoothing:
            weighted_shift[i] = _weighted_shift(rows[i], top, weight)
        rest, ties, check = _short_row_exp(rows, i, top, scratch)
        smooth_i = smooth[i] if with_smoothing else _ZERO
        normalizer[i], factor, entry, has_nan = _row_results(rest, ties, check, scratch[t],
                                                             target_shift[i], hard[i], smooth_i,
                                                             weight[t], weight_sum,
                                                             with_smoothing)  # fmt: skip
        if has_nan:  # NaN in, NaN out, as the NumPy kernel gives
            normalizer[i] = target_shift[i] = np.nan
            if with_smoothing:
                weighted_shift[i] = np.nan
        if not with_gradient:
            continue
        if with_smoothing:
            for j in range(n_classes):
                gradient[i, j] = scratch[j] * factor - smooth[i] * weight[j]
        else:
            for j in range(n_classes):
                gradient[i, j] = scratch[j] * factor
        gradient[i, t] = entry
        if has_nan:
            for j in range(n_classes):
                gradient[i, j] = np.nan


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz"})
def _plain_rows(rows, target, ignore_index, scale, gradient, with_gradient):
    """_short_rows for the common case (no weights, no smoothing, every target a class index),
    the losses summed too. Returns (sum of the losses in float64, True), or (0, False) at once
    when a target is outside [0, C) or equal to ignore_index."""
    n_rows, n_classes = rows.shape
    for i in range(n_rows):
        if target[i] < 0 or target[i] >= n_classes or target[i] == ignore_index:
            return 0.0, False
    scratch = np.empty(n_classes, np.float32)
    total_loss = 0.0
    for i in range(n_rows):
        t = target[i]
        top = _short_row_max(rows, i)
        target_shift = rows[i, t] - top
        rest, ties, check = _short_row_exp(rows, i, top, scratch)
        normalizer, factor, entry, has_nan = _row_results(rest, ties, check, scratch[t],
                                                          target_shift, scale, _ZERO, _ZERO,
                                                          _ZERO, False)  # fmt: skip
        total_loss += np.nan if has_nan else normalizer - target_shift
        if with_gradient:
            for j in range(n_classes):
                gradient[i, j] = np.nan if has_nan else scratch[j] * factor
            gradient[i, t] = np.nan if has_nan else entry
    return total_loss, True


def plain_cross_entropy(rows, target, ignore_index, mean, with_gradient):
    """The mean or sum of the losses of (M, C) float32 rows, C < SHORT_ROW_CLASSES, with no
    weights or smoothing, and their gradient (M, C) (None if not wanted): (loss, gradient).
    None when a target is not a class index (or is ignore_index): the general kernel's case, and
    never a read outside a row."""
    n_rows, n_classes = rows.shape
    gradient = np.empty((n_rows, n_classes) if with_gradient else (1, n_classes), np.float32)
    scale = np.float32(1 / n_rows if mean else 1)
    ignore_index = ignore_index if 0 <= ignore_index < n_classes else -1  # else it cannot match
    total, all_classes = _plain_rows(rows, target, ignore_index, scale, gradient, with_gradient)
    if not all_classes:
        return None
    return np.float32(total * scale), gradient if with_gradient else None


def softmax_cross_entropy(rows, target, class_weight, hard, smooth, gradient=None):
    """See kernels.cross_entropy.softmax_cross_entropy; rows are float32."""
    n_rows, n_classes = rows.shape
    terms = RowTerms(np.empty(n_rows, np.float32), np.empty(n_rows, np.float32))
    with_smoothing = smooth is not None
    terms.weighted_shift = np.empty(n_rows if with_smoothing else 0, np.float32)
    zeros = np.zeros(n_rows, np.float32)
    run = _short_rows if n_classes < SHORT_ROW_CLASSES else _rows
    run(
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
