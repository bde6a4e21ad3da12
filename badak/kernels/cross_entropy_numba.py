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
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from badak.device import np
from badak.kernels.cross_entropy import RowTerms
from badak.kernels.exp_numba import F32, I32, broadcast, exp_nonpositive, exp_nonpositive_ir

_LANES = 16  # entries per step: 64 bytes, a cache line; 16 running sums per row
_PREFETCH_AHEAD = 1024  # entries: the next row is asked for 4 KiB ahead of its reads
_ONE, _ZERO = np.float32(1), np.float32(0)


# ----------------------------------------------------------------------------------------------
# The fused pass, in LLVM IR. Each helper works on float32 scalars or vectors alike.
# ----------------------------------------------------------------------------------------------
def _prefetch(builder, pointer):
    """A hint to bring pointer's cache line in (never faults, even past an array's end)."""
    function = cgutils.get_or_insert_function(
        builder.module,
        ir.FunctionType(ir.VoidType(), [pointer.type, I32, I32, I32]),
        "llvm.prefetch.p0",
    )
    builder.call(function, [pointer, I32(0), I32(3), I32(1)])  # read, keep, data


def _larger(builder, a, b):
    """a > b ? a : b (one vmaxps on x86). A NaN is not carried along: NaN rows are found by
    the sum of their shifted entries."""
    return builder.select(builder.fcmp_ordered(">", a, b), a, b)


def _make_row_pass(streaming, nontemporal=True):
    """The fused pass as a numba intrinsic, with (streaming) or without the previous gradient.

    _row_pass(row, top, scratch, following, previous, out, factor, head, body), all rows
    contiguous float32 of one length n: scratch = exp(row - top); out = previous * factor, on
    [head, body) _LANES at a time (body - head a multiple of _LANES) with non-temporal stores if
    `nontemporal` (&out[head] must then be 64-byte aligned), one by one elsewhere. Returns (sum
    of scratch without the maxima's exact ones, the number of maxima, sum of row - top (NaN when
    the row holds a NaN or top is infinite), the maximum of following (NaNs ignored or not)).
    """

    def row_pass(typingctx, row, top, scratch, following, previous, out, factor, head, body):
        arrays = (row, scratch, following, previous, out)
        if not all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"
                   and a.dtype == types.float32 for a in arrays):  # fmt: skip
            return None  # the loop steps through memory _LANES entries at a time
        result = types.UniTuple(types.float32, 4)
        signature = result(row, top, scratch, following, previous, out, factor, head, body)

        def codegen(context, builder, signature, args):
            top_, factor_, head_, body_ = args[1], args[6], args[7], args[8]
            arrays = {
                name: context.make_array(signature.args[index])(context, builder, args[index])
                for index, name in ((0, "row"), (2, "scratch"), (3, "following"),
                                    (4, "previous"), (5, "out"))
            }  # fmt: skip
            data = {name: array.data for name, array in arrays.items()}
            n = cgutils.unpack_tuple(builder, arrays["row"].shape, 1)[0]
            zero = ir.Constant(F32, 0.0)
            vector = ir.VectorType(F32, _LANES)
            nontemporal_flag = builder.module.add_metadata([I32(1)])

            def run(start, stop, like):
                """The loop over [start, stop) on `like` (float32 or its vector): reduced sums."""
                width = like.count if isinstance(like, ir.VectorType) else 1
                initial = (zero, zero, zero, ir.Constant(F32, float("-inf")))
                sums = [cgutils.alloca_once_value(builder, broadcast(builder, v, like))
                        for v in initial]  # fmt: skip
                step = ir.Constant(start.type, width)
                loop = cgutils.for_range_slice(builder, start, stop, step, intp=start.type)
                with loop as (j, _):

                    def at(name):
                        pointer = builder.gep(data[name], [j])
                        return builder.bitcast(pointer, like.as_pointer()) if width > 1 else pointer

                    x = builder.fsub(builder.load(at("row"), align=4),
                                     broadcast(builder, top_, like))  # fmt: skip
                    e = exp_nonpositive_ir(builder, x)
                    builder.store(e, at("scratch"), align=4)
                    below = builder.fcmp_ordered("<", x, broadcast(builder, zero, like))
                    at_top = builder.fcmp_ordered("==", x, broadcast(builder, zero, like))
                    one = broadcast(builder, ir.Constant(F32, 1.0), like)
                    zeros = broadcast(builder, zero, like)
                    terms = (builder.select(below, e, zeros), builder.select(at_top, one, zeros), x)
                    for total, term in zip(sums[:3], terms):
                        builder.store(builder.fadd(builder.load(total), term), total)
                    if streaming:
                        scaled = builder.fmul(builder.load(at("previous"), align=4),
                                              broadcast(builder, factor_, like))  # fmt: skip
                        aligned = 4 * width if nontemporal else 4
                        store = builder.store(scaled, at("out"), align=aligned)
                        if width > 1 and nontemporal:
                            store.set_metadata("nontemporal", nontemporal_flag)
                    if width > 1:
                        ahead = builder.add(j, ir.Constant(j.type, _PREFETCH_AHEAD))
                        _prefetch(builder, builder.gep(data["following"], [ahead]))
                    values = builder.load(at("following"), align=4)
                    builder.store(_larger(builder, builder.load(sums[3]), values), sums[3])
                values = [builder.load(total) for total in sums]
                if width == 1:
                    return values
                return [fold(index, [builder.extract_element(value, I32(k)) for k in range(width)])
                        for index, value in enumerate(values)]  # fmt: skip

            def fold(index, values):
                """Three sums, then a maximum (index 3), of scalar partial results."""
                combined = values[0]
                for value in values[1:]:
                    combined = (_larger(builder, combined, value) if index == 3
                                else builder.fadd(combined, value))  # fmt: skip
                return combined

            parts = [run(ir.Constant(head_.type, 0), head_, F32), run(head_, body_, vector),
                     run(body_, n, F32)]  # fmt: skip
            totals = [fold(index, [part[index] for part in parts]) for index in range(4)]
            return context.make_tuple(builder, signature.return_type, totals)

        return signature, codegen

    return intrinsic(row_pass)


_row_pass_streaming = _make_row_pass(streaming=True)
_row_pass_streaming_plain = _make_row_pass(streaming=True, nontemporal=False)
_row_pass = _make_row_pass(streaming=False)


@intrinsic
def _address(typingctx, array):
    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.ptrtoint(data, ir.IntType(64))

    return types.int64(array), codegen


@intrinsic
def _fence(typingctx):
    """A full memory fence: the non-temporal stores are done before the kernel returns."""

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.void(), codegen


# ----------------------------------------------------------------------------------------------
# The rows
# ----------------------------------------------------------------------------------------------
@numba.njit(cache=True)
def _streamed_span(row_index, n):
    """(head, body) for row `row_index` of (M, n) float32 rows whose first starts on a 64-byte
    boundary: row[head:body] starts on one and holds a multiple of _LANES."""
    head = min((-row_index * n) % _LANES, n)
    return head, head + (n - head) // _LANES * _LANES


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
    weight_sum = _sum(weight)
    scratch = np.empty((2, n_classes), np.float32)
    streaming = with_gradient and not with_smoothing  # row i - 1's gradient goes out in pass i
    aligned = _address(gradient) % (4 * _LANES) == 0
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
                rest, ties, check, top = _row_pass_streaming(
                    row, top, current, following, previous, out, factor, head, body
                )
            else:
                rest, ties, check, top = _row_pass_streaming_plain(
                    row, top, current, following, previous, out, factor, head, body
                )
            _finish_gradient_row(out, target[i - 1], entry, has_nan)
        else:
            rest, ties, check, top = _row_pass(row, top, current, following, previous, previous,
                                               factor, 0, n_classes // _LANES * _LANES)  # fmt: skip
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
    _fence()


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
    """scratch = exp(rows[i] - top); the sums _row_pass returns (but the next maximum).

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
