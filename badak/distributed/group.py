"""The process group: this process's rank among the processes `mpiexec` started, and the
collectives between them, on MPI through mpi4py (the `distributed` extra).

A process that no MPI launcher started is a group of one, and needs no mpi4py: every
collective then returns at once. Under `mpiexec` every collective is a non-blocking MPI call
waited on with a deadline (`timeout`, 30 minutes as PyTorch's default), so that a rank whose
peer stopped answering raises instead of waiting forever; and an exception that nothing
catches on one rank ends every rank (MPI_Abort) after printing which rank failed, where plain
MPI would leave the others blocked.
"""

import json
import os
import sys
import time
import zlib
from datetime import timedelta

from badak.device import np
from badak.tensor import Tensor

DEFAULT_TIMEOUT = timedelta(minutes=30)

# Environment variables that MPI launchers set in the processes they start: MPICH's and Intel
# MPI's hydra (PMI_*), Open MPI (OMPI_*), PMIx-based launchers such as srun --mpi=pmix.
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class DistributedError(RuntimeError):
    """A collective that cannot complete: ranks that disagree, or a peer that stopped."""


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


def launched_by_mpi():
    """Whether an MPI launcher (mpiexec, mpirun, srun) started this process."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistributedError(
            "badak.distributed: this process was started by an MPI launcher, but mpi4py is not "
            "installed: pip install 'badak[distributed]'"
        ) from None
    return MPI


class _Group:
    """The ranks of one job: `comm` is MPI's COMM_WORLD, or None for a group of one."""

    def __init__(self, comm, timeout):
        self.comm = comm
        self.rank = 0 if comm is None else comm.Get_rank()
        self.size = 1 if comm is None else comm.Get_size()
        self.timeout = timeout.total_seconds()

    def wait(self, request, what):
        """Wait for an MPI request; DistributedError after `timeout` seconds."""
        if request.Test():
            return
        started = time.monotonic()
        while not request.Test():
            waited = time.monotonic() - started
            if waited > self.timeout:
                raise DistributedError(
                    f"badak.distributed: rank {self.rank} waited {waited:.0f} s in {what} for "
                    "the other ranks: one of them has stopped or is stuck"
                )
            if waited > 0.05:  # a long wait (a peer writing a checkpoint): leave the core
                time.sleep(0.0005)


_GROUP = None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):  # fmt: skip
    """Join the processes of this job, as torch.distributed.init_process_group.

    The ranks and their number come from the MPI launcher (`mpiexec -n K python script.py`);
    a process started without one is rank 0 of 1. `backend` may be "mpi" or "gloo" (both mean
    MPI here, on the CPU); `world_size` and `rank`, where given, must agree with the launcher's.
    `timeout` (a datetime.timedelta) bounds every wait for the other ranks.

    Under more than one rank it also makes an uncaught exception on any rank end every rank,
    and limits BLAS to one thread per rank unless OMP_NUM_THREADS or the like says otherwise.
    """
    global _GROUP
    if _GROUP is not None:
        raise RuntimeError("init_process_group: the process group is already initialized")
    if backend is not None and str(backend).lower() not in ("mpi", "gloo", "cpu:gloo"):
        raise ValueError(
            f"init_process_group: badak runs on the CPU over MPI: backend must be 'mpi' or "
            f"'gloo', got {backend!r}"
        )
    if init_method not in (None, "env://") and not str(init_method).startswith("env://"):
        raise ValueError(
            f"init_process_group: the ranks come from the MPI launcher; init_method must be "
            f"None or 'env://', got {init_method!r}"
        )
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not isinstance(timeout, timedelta) or timeout.total_seconds() <= 0:
        raise TypeError(
            f"init_process_group: timeout must be a positive datetime.timedelta, got {timeout!r}"
        )
    group = _Group(_mpi().COMM_WORLD if launched_by_mpi() else None, timeout)
    for name, given, actual in (("world_size", world_size, group.size), ("rank", rank, group.rank)):
        if given not in (-1, None) and given != actual:
            raise ValueError(
                f"init_process_group: {name}={given}, but the MPI launcher made this process "
                f"{name} {actual}"
            )
    _GROUP = group
    if group.size > 1:
        _end_every_rank_on_failure(group)
        if not any(name in os.environ for name in _THREAD_VARIABLES):
            from badak.threads import limit_blas_threads

            limit_blas_threads(1)


def _end_every_rank_on_failure(group):
    """Make an exception nothing catches print its traceback and which rank raised it, then
    abort the job: the other ranks would otherwise wait in their next collective forever."""
    previous = sys.excepthook

    def abort(kind, value, traceback):
        previous(kind, value, traceback)
        print(
            f"badak.distributed: rank {group.rank} of {group.size} failed "
            f"({kind.__name__}); ending every rank",
            file=sys.stderr,
            flush=True,
        )
        group.comm.Abort(1)

    sys.excepthook = abort


def destroy_process_group(group=None):
    """Leave the process group (MPI itself ends when the process does)."""
    global _GROUP
    _GROUP = None


def is_available():
    """True: badak.distributed works in every build (a single process needs no MPI)."""
    return True


def is_mpi_available():
    """Whether mpi4py can be imported, which running under mpiexec needs."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def is_initialized():
    return _GROUP is not None


def _group(what):
    if _GROUP is None:
        raise RuntimeError(
            f"{what}: the process group is not initialized; call "
            "badak.distributed.init_process_group() first"
        )
    return _GROUP


def get_rank(group=None):
    """This process's rank, 0 .. world size - 1."""
    return _group("get_rank").rank


def get_world_size(group=None):
    """How many processes train together."""
    return _group("get_world_size").size


def get_backend(group=None):
    _group("get_backend")
    return "mpi"


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
    scale = _averaging(op, group)
    return _start(
        "all_reduce", tensor, async_op,
        lambda comm, buffer: comm.Iallreduce(_mpi().IN_PLACE, buffer, op=mpi_op),
        scale,
    )  # fmt: skip


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


def _averaging(op, group):
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
        raise ValueError(
            f"all_gather: tensor_list must be a list of {size} tensors (one per rank), got "
            f"{type(tensor_list).__name__} of length {len(tensor_list)}"
            if isinstance(tensor_list, (list, tuple))
            else f"all_gather: tensor_list must be a list of {size} tensors, got "
            f"{type(tensor_list).__name__}"
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
