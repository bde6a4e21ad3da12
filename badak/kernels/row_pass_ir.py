"""The fused row pass of the compiled cross-entropy kernel (cross_entropy_numba), in LLVM IR
through numba's `intrinsic`: LLVM does not vectorise non-temporal stores of its own accord.

See cross_entropy_numba for what the pass does; each helper here works on float32 scalars or
vectors alike.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from badak.kernels.exp_numba import F32, I32, broadcast, exp_nonpositive_ir

LANES = 16  # entries per step: 64 bytes, a cache line; 16 running sums per row
PREFETCH_AHEAD = 1024  # entries: the next row is asked for 4 KiB ahead of its reads


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


def make_row_pass(streaming, nontemporal=True):
    """The fused pass as a numba intrinsic, with (streaming) or without the previous gradient.

    row_pass(row, top, scratch, following, previous, out, factor, head, body), all rows
    contiguous float32 of one length n: scratch = exp(row - top); out = previous * factor, on
    [head, body) LANES at a time (body - head a multiple of LANES) with non-temporal stores if
    `nontemporal` (&out[head] must then be 64-byte aligned), one by one elsewhere. Returns (sum
    of scratch without the maxima's exact ones, the number of maxima, sum of row - top (NaN when
    the row holds a NaN or top is infinite), the maximum of following (NaNs ignored or not)).
    """

    def row_pass(typingctx, row, top, scratch, following, previous, out, factor, head, body):
        arrays = (row, scratch, following, previous, out)
        if not all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"
                   and a.dtype == types.float32 for a in arrays):  # fmt: skip
            return None  # the loop steps through memory LANES entries at a time
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
            vector = ir.VectorType(F32, LANES)
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
                        ahead = builder.add(j, ir.Constant(j.type, PREFETCH_AHEAD))
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


row_pass_streaming = make_row_pass(streaming=True)
row_pass_streaming_plain = make_row_pass(streaming=True, nontemporal=False)
row_pass = make_row_pass(streaming=False)


@intrinsic
def address(typingctx, array):
    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.ptrtoint(data, ir.IntType(64))

    return types.int64(array), codegen


@intrinsic
def fence(typingctx):
    """A full memory fence: the non-temporal stores are done before the kernel returns."""

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.void(), codegen
