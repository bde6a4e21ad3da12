"""The compiled softmax cross-entropy kernel (the `fast` extra: numba), for float32 rows.

The logits are read from memory once and the gradient written once, in two passes per row:

1. exp: the row (already in cache) is exponentiated into a cache-resident scratch row,
   exp(x - max), and summed.
2. stream: the scratch row, scaled, is written to the gradient with non-temporal stores (they skip
   the read-for-ownership of the destination, a third of the traffic of an ordinary write), and
   the next row is read for its maximum, so it is in cache for its own exp pass.

exp is a polynomial the compiler vectorises: x = k ln2 + r with |r| <= ln2/2 (ln2 split in two
parts, so k ln2 is exact), exp(r) by its degree-7 Taylor polynomial, and 2^k put in the exponent
bits; it is within 1 ulp of the correctly rounded float32 result (NumPy's float32 exp is within
1.5 ulp). Arguments below -87 give exp(-87) ~ 1.6e-38 instead of a subnormal, an absolute
difference below 2e-38.

Same arguments and results as cross_entropy_kernel.softmax_cross_entropy.
"""

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

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

_LANES = 8  # the explicit vectors of the streaming pass: 32 bytes, one AVX register
_CHAINS = 4
_BLOCK = _LANES * _CHAINS  # entries per step of the explicit loops
_F32 = ir.FloatType()
_I32 = ir.IntType(32)
_VECTOR = ir.VectorType(_F32, _LANES)


# ----------------------------------------------------------------------------------------------
# LLVM building blocks numba does not spell: a register bit cast, a NaN-ignoring maximum the
# vectoriser understands, an array's address, and the non-temporal streaming loop.
# ----------------------------------------------------------------------------------------------
@intrinsic
def _float32_from_bits(typingctx, bits):
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], _F32)

    return types.float32(types.int32), codegen


def _larger(builder, a, b):
    """a > b ? a : b on float32 scalars or vectors (one vmaxps on x86). A NaN is not carried
    along: the exp pass finds NaN rows by a sum of their shifted entries."""
    return builder.select(builder.fcmp_ordered(">", a, b), a, b)


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


def _contiguous_float32(*arrays):
    return all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"
               and a.dtype == types.float32 for a in arrays)  # fmt: skip


def _vector_at(builder, data, index):
    return builder.bitcast(builder.gep(data, [index]), _VECTOR.as_pointer())


def _vector_max_loop(builder, data, start, stop, each_step=None):
    """The maximum of data[start:stop] (-inf if empty; NaNs ignored or not), stop - start a
    multiple of _BLOCK: _CHAINS independent vectors of 8 running maxima, so the loop is not held
    up by the latency of one chain. each_step(j, splat) adds work for the 8 entries at j."""

    def splat(value):
        vector = builder.insert_element(ir.Constant(_VECTOR, ir.Undefined), value, _I32(0))
        zeros = ir.Constant(ir.VectorType(_I32, _LANES), [0] * _LANES)
        return builder.shuffle_vector(vector, ir.Constant(_VECTOR, ir.Undefined), zeros)

    lowest = splat(ir.Constant(_F32, float("-inf")))
    chains = [cgutils.alloca_once_value(builder, lowest) for _ in range(_CHAINS)]
    step = ir.Constant(start.type, _BLOCK)
    with cgutils.for_range_slice(builder, start, stop, step, intp=start.type) as (block, _):
        for c, chain in enumerate(chains):
            j = builder.add(block, ir.Constant(start.type, c * _LANES))
            if each_step is not None:
                each_step(j, splat)
            values = builder.load(_vector_at(builder, data, j), align=4)
            builder.store(_larger(builder, builder.load(chain), values), chain)
    lanes = builder.load(chains[0])
    for chain in chains[1:]:
        lanes = _larger(builder, lanes, builder.load(chain))
    top = builder.extract_element(lanes, _I32(0))
    for lane in range(1, _LANES):
        top = _larger(builder, top, builder.extract_element(lanes, _I32(lane)))
    return top


@intrinsic
def _vector_max(typingctx, row, start, stop):
    """The maximum of row[start:stop], stop - start a multiple of _BLOCK."""
    if not _contiguous_float32(row):
        return None  # the loop steps through memory 8 entries at a time

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return _vector_max_loop(builder, data, args[1], args[2])

    return types.float32(row, start, stop), codegen


@intrinsic
def _stream_scaled_and_max(typingctx, source, target, following, start, stop, factor):
    """target[start:stop] = source[start:stop] * factor with non-temporal stores, and
    _vector_max(following, start, stop).

    The caller guarantees &target[start] is 32-byte aligned and stop - start a multiple of
    _BLOCK.
    """
    if not _contiguous_float32(source, target, following):
        return None

    def codegen(context, builder, signature, args):
        source_data, target_data, following_data = (
            context.make_array(t)(context, builder, a).data
            for t, a in zip(signature.args[:3], args[:3])
        )
        nontemporal = builder.module.add_metadata([_I32(1)])

        def store_scaled(j, splat):
            values = builder.load(_vector_at(builder, source_data, j), align=4)
            scaled = builder.fmul(values, splat(args[5]))
            store = builder.store(scaled, _vector_at(builder, target_data, j), align=4 * _LANES)
            store.set_metadata("nontemporal", nontemporal)

        return _vector_max_loop(builder, following_data, args[3], args[4], store_scaled)

    return types.float32(source, target, following, start, stop, factor), codegen


# ----------------------------------------------------------------------------------------------
# The passes over one row
# ----------------------------------------------------------------------------------------------
@numba.njit(cache=True, fastmath={"contract"})  # never reassociated: LLVM inlines it as is
def _exp_nonpositive(x):
    """exp(x) for x <= 0 (NaN and x < -87 give exp(-87))."""
    x = x if x > _LOWEST else _LOWEST
    k = np.int32(x * _LOG2E - _HALF)  # x <= 0: truncation rounds to the nearest k
    kf = np.float32(k)
    r = (x - kf * _LN2_HI) - kf * _LN2_LO
    p = ((((((_C7 * r + _C6) * r + _C5) * r + _C4) * r + _C3) * r + _C2) * r + _ONE) * r
    return (p + _ONE) * _float32_from_bits((k + _BIAS) << 23)


@numba.njit(cache=True, fastmath={"reassoc", "contract", "nsz"})  # sums: any order will do
def _exp_and_sums(row, top, out):
    """out = exp(row - top); returns the sum of out without the maxima's exact ones, the number
    of maxima, and the sum of row - top: NaN when the row holds a NaN or top is infinite."""
    rest = _ZERO
    ties = _ZERO
    check = _ZERO
    for j in range(row.shape[0]):
        x = row[j] - top
        e = _exp_nonpositive(x)
        out[j] = e
        rest += e if x < _ZERO else _ZERO
        ties += _ONE if x == _ZERO else _ZERO
        check += x
    return rest, ties, check


@numba.njit(cache=True)
def _row_max(row):
    """The row's maximum (a NaN ignored or not)."""
    body = row.shape[0] // _BLOCK * _BLOCK
    top = _vector_max(row, 0, body)
    for j in range(body, row.shape[0]):
        top = row[j] if row[j] > top else top
    return top


@numba.njit(cache=True)
def _stream_gradient_and_max(source, out, following, factor):
    """out = source * factor, written past the cache; returns _row_max(following)."""
    n = source.shape[0]
    address = _address(out)
    head = (-address) % (4 * _LANES) // 4 if address % 4 == 0 else n  # to a 32-byte boundary
    head = min(head, n)
    body = head + (n - head) // _BLOCK * _BLOCK
    top = _stream_scaled_and_max(source, out, following, head, body, factor)
    for j in range(head):
        out[j] = source[j] * factor
        top = following[j] if following[j] > top else top
    for j in range(body, n):
        out[j] = source[j] * factor
        top = following[j] if following[j] > top else top
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


@numba.njit(cache=True, error_model="numpy")  # a row of -inf divides by 0: NaN, not an error
def _rows(rows, target, weight, hard, smooth, gradient, with_gradient, with_smoothing,
          normalizer, target_shift, weighted_shift):  # fmt: skip
    n_rows, n_classes = rows.shape
    weight_sum = _sum(weight)
    scratch = np.empty(n_classes, np.float32)
    top = _row_max(rows[0])
    for i in range(n_rows):
        row = rows[i]
        following = rows[i + 1] if i + 1 < n_rows else row
        t = target[i]
        target_shift[i] = row[t] - top  # read before the row may be overwritten (in place)
        if with_smoothing:
            weighted_shift[i] = _weighted_shift(row, top, weight)
        rest, ties, check = _exp_and_sums(row, top, scratch)
        has_nan = check != check  # a NaN in the row, or an infinite maximum
        rest += ties - _ONE  # the maxima past the first count in full
        normalizer[i] = np.log1p(rest)
        if has_nan:  # NaN in, NaN out, as the NumPy kernel gives
            normalizer[i] = target_shift[i] = np.nan
            if with_smoothing:
                weighted_shift[i] = np.nan
        if not with_gradient:
            top = _row_max(following)
            continue
        total = rest + _ONE
        coefficient = hard[i] + smooth[i] * weight_sum if with_smoothing else hard[i]
        p_target = scratch[t] / total
        out = gradient[i]
        if with_smoothing:
            factor, s = coefficient / total, smooth[i]
            for j in range(n_classes):
                out[j] = scratch[j] * factor - s * weight[j]
            top = _row_max(following)
        else:
            top = _stream_gradient_and_max(scratch, out, following, coefficient / total)
        # p_y - 1 = -(total - e_y) / total; where y is a maximum, total - 1 = rest exactly
        left = rest if target_shift[i] == 0 else total * (_ONE - p_target)
        entry = hard[i] * (-left / total)
        if with_smoothing:
            entry += smooth[i] * (weight_sum * p_target - weight[t])
        out[t] = entry
        if has_nan:
            out[:] = np.nan
    _fence()


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
