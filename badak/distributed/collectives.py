"""Collectives between the ranks of the process group, as torch.distributed's: all_reduce,
broadcast, all_gather, barrier and the rest, in place on Tensors and NumPy arrays.

Each is a non-blocking MPI call waited on with the group's deadline. Every rank must pass the
same dtype and shape, which is checked first (one small Allgather): MPI itself would read past
the shorter buffer. A group of one returns at once.
"""

import json
import zlib

from badak.device import np
from badak.distributed.group import DistributedError, _group, _mpi
from badak.tensor import Tensor


class ReduceOp:
    """How all_reduce and reduce combine the ranks' values (PyTorch's names)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


_MPI_OPS = {
    ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD", ReduceOp.MIN: "MIN",
    ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND", ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR",
}  # fmt: skip
_BOOL_OPS = {ReduceOp.SUM: "LOR", ReduceOp.MAX: "LOR", ReduceOp.PRODUCT: "LAND",
             ReduceOp.MIN: "LAND", ReduceOp.BAND: "LAND", ReduceOp.BOR: "LOR",
             ReduceOp.BXOR: "LXOR"}  # fmt: skip


class Work:
    """A collective started with async_op=True: `wait()` finishes it (its result is then in
    the tensors given), `is_completed()` asks without waiting."""

    def __init__(self, group=None, request=None, what="", finish=None):
        self._group, self._request, self._what, self._finish = group, request, what, finish
        self._done = request is None
        if self._done and finish is not None:
            finish()

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            self._group.wait(self._request, self._what)
            self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()


def _array(what, tensor):
    """The ndarray of a Tensor or ndarray argument."""
    if isinstance(tensor, Tensor):
        return tensor._data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"{what}: expected a Tensor or a numpy array, got {type(tensor).__name__}")


def _buffer(array):
    """A contiguous array MPI can send and receive in, and what copies it back into `array`."""
    if array.flags.c_contiguous and array.dtype != np.float16:
        return array, None
    # float16 has no MPI type here: it travels as float32 (exact), as does any strided view
    work = np.ascontiguousarray(array, np.float32 if array.dtype == np.float16 else array.dtype)

    def back():
        array[...] = work

    return work, back


def _bump(tensor):
    if isinstance(tensor, Tensor):
        tensor._version += 1


def _check_alike(group, what, array):
    """Every rank must pass an array of one dtype and shape: DistributedError on every rank
    (naming each rank's) where they differ, rather than MPI reading past a shorter buffer."""
    mine = f"{array.dtype} {tuple(array.shape)}"
    signatures = np.empty(group.size, np.int64)
    group.wait(
        group.comm.Iallgather(np.array([zlib.crc32(mine.encode())], np.int64), signatures), what
    )
    if len(set(signatures.tolist())) > 1:
        described = _all_gather_text(group, mine, what)
        listed = ", ".join(f"rank {r}: {d}" for r, d in enumerate(described))
        raise DistributedError(f"{what}: every rank must pass the same dtype and shape; {listed}")


def _start(what, tensor, async_op, operation, result=None):
    """Run `operation(comm, buffer)` (it returns an MPI request) on every rank; wait unless
    async_op; copy the result back into `tensor`'s array."""
    group = _group(what)
    array = _array(what, tensor)
    if group.size == 1:
        if result is not None:
            result(array)
        _bump(tensor)
        return Work() if async_op else None
    if not array.flags.writeable:
        raise ValueError(f"{what}: the array is read-only; collectives write their result in it")
    _check_alike(group, what, array)
    buffer, back = _buffer(array)
    request = operation(group.comm, buffer)

    def finish():
        if result is not None:
            result(buffer)
        if back is not None:
            back()
        _bump(tensor)

    work = Work(group, request, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine `tensor` across ranks in place: the sum (default), AVG, PRODUCT, MIN, MAX or a
    bitwise op of every rank's values, left in every rank's tensor.

    Args:
        tensor: a Tensor or numpy array, of the same dtype and shape on every rank.
        op: a ReduceOp. AVG needs a floating dtype.
    Returns:
        None, or a Work to wait on when async_op.
    """
    mpi_op = _reduce_op("all_reduce", tensor, op)
    scale = _averaging(op)
    return _start(
        "all_reduce", tensor, async_op,
        lambda comm, buffer: comm.Iallreduce(_mpi().IN_PLACE, buffer, op=mpi_op),
        scale,
    )  # fmt: skip


def sum_floats(values):
    """The float64 array of `values` summed over every rank (no checks: badak's own use, the
    same few numbers on every rank, once a training step)."""
    group = _group("sum_floats")
    values = np.array(values, np.float64)
    if group.size > 1:
        group.wait(group.comm.Iallreduce(_mpi().IN_PLACE, values), "sum_floats")
    return values


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """As all_reduce, but only rank `dst` is sure to hold the result (here every rank does)."""
    _check_rank("reduce", dst)
    return all_reduce(tensor, op, group, async_op)


def _reduce_op(what, tensor, op):
    if op not in _MPI_OPS:
        raise ValueError(f"{what}: op must be a badak.distributed.ReduceOp, got {op!r}")
    dtype = _array(what, tensor).dtype
    if op == ReduceOp.AVG and dtype.kind != "f":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iub":
        raise TypeError(f"{what}: bitwise ops need an integer or bool tensor, got {dtype}")
    if _group(what).size == 1:
        return None
    return getattr(_mpi(), (_BOOL_OPS if dtype == np.bool_ else _MPI_OPS)[op])


def _averaging(op):
    if op != ReduceOp.AVG:
        return None
    size = _group("all_reduce").size

    def divide(buffer):
        buffer /= size

    return divide


def _check_rank(what, rank):
    size = _group(what).size
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < size:
        raise ValueError(f"{what}: rank must be in [0, {size - 1}], got {rank!r}")


def broadcast(tensor, src=0, group=None, async_op=False):
    """Overwrite `tensor` on every rank with rank `src`'s, in place."""
    _check_rank("broadcast", src)
    return _start("broadcast", tensor, async_op, lambda comm, buffer: comm.Ibcast(buffer, root=src))


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has reached this call."""
    group = _group("barrier")
    if group.size == 1:
        return Work() if async_op else None
    work = Work(group, group.comm.Ibarrier(), "barrier")
    if async_op:
        return work
    work.wait()
    return None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill tensor_list[r] with rank r's `tensor`, on every rank.

    Args:
        tensor_list: world-size Tensors or arrays of `tensor`'s dtype and shape (written).
        tensor: this rank's, of the same dtype and shape on every rank.
    """
    size = _group("all_gather").size
    array = _array("all_gather", tensor)
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != size:
        given = type(tensor_list).__name__
        if isinstance(tensor_list, (list, tuple)):
            given += f" of length {len(tensor_list)}"
        raise ValueError(
            f"all_gather: tensor_list must be a list of {size} tensors (one per rank), got {given}"
        )
    targets = [_array("all_gather", t) for t in tensor_list]
    for target in targets:
        if target.shape != array.shape or target.dtype != array.dtype:
            raise ValueError(
                f"all_gather: every tensor of tensor_list must be {array.dtype} of shape "
                f"{tuple(array.shape)}, like the tensor sent; got {target.dtype} "
                f"{tuple(target.shape)}"
            )
    gathered = np.empty((size, *array.shape), array.dtype)
    sent = gathered[_group("all_gather").rank]
    sent[...] = array

    def scatter_into_list(buffer):
        for target, row, original in zip(targets, buffer, tensor_list):
            target[...] = row
            _bump(original)

    return _start(
        "all_gather", gathered, async_op,
        lambda comm, buffer: comm.Iallgather(_mpi().IN_PLACE, buffer),
        scatter_into_list,
    )  # fmt: skip


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Rank r's `input_tensor` into output_tensor's r-th chunk along the first dimension
    (output: world size times the input's first dimension)."""
    size = _group("all_gather_into_tensor").size
    output = _array("all_gather_into_tensor", output_tensor)
    array = _array("all_gather_into_tensor", input_tensor)
    if output.dtype != array.dtype or output.size != size * array.size:
        raise ValueError(
            f"all_gather_into_tensor: the output must be {array.dtype} with {size} times the "
            f"input's {array.size} elements, got {output.dtype} of shape {tuple(output.shape)}"
        )
    chunks = output.reshape(size, *array.shape) if output.ndim else None
    return all_gather(list(chunks), input_tensor, async_op=async_op)


# --- objects, as JSON (never pickle) ---------------------------------------------------------
def _all_gather_text(group, text, what):
    """Every rank's `text`, in rank order."""
    data = np.frombuffer(text.encode("utf-8"), np.uint8)
    lengths = np.empty(group.size, np.int64)
    group.wait(group.comm.Iallgather(np.array([len(data)], np.int64), lengths), what)
    everything = np.empty(int(lengths.sum()), np.uint8)
    counts = lengths.tolist()
    group.wait(group.comm.Iallgatherv(data, [everything, counts]), what)
    ends = np.cumsum(lengths).tolist()
    return [everything[end - n : end].tobytes().decode("utf-8") for n, end in zip(counts, ends)]


def _as_json(what, value):
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{what}: badak sends objects between ranks as JSON, never pickle: {error}"
        ) from None


def all_gather_object(object_list, obj, group=None):
    """Fill object_list[r] with rank r's `obj` (a JSON value: None, bool, number, str, and
    lists and dicts of them)."""
    group = _group("all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != group.size:
        raise ValueError(f"all_gather_object: object_list must be a list of {group.size} items")
    text = _as_json("all_gather_object", obj)
    texts = [text] if group.size == 1 else _all_gather_text(group, text, "all_gather_object")
    object_list[:] = [json.loads(t) for t in texts]


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Overwrite object_list's items on every rank with rank `src`'s (JSON values)."""
    group = _group("broadcast_object_list")
    _check_rank("broadcast_object_list", src)
    if not isinstance(object_list, list):
        raise TypeError("broadcast_object_list: object_list must be a list")
    text = _as_json("broadcast_object_list", object_list)
    if group.size > 1:
        text = _all_gather_text(group, text if group.rank == src else "", "broadcast")[src]
    object_list[:] = json.loads(text)
