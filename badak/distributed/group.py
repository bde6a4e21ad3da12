"""The process group: this process's rank among the processes `mpiexec` started, on MPI
through mpi4py (the `distributed` extra).

A process that no MPI launcher started is a group of one, and needs no mpi4py. Under `mpiexec`
every wait for the other ranks has a deadline (`timeout`, 30 minutes as PyTorch's default), so
that a rank whose peer stopped answering raises instead of waiting forever; and an exception
that nothing catches on one rank ends every rank (MPI_Abort) after printing which rank failed,
where plain MPI would leave the others blocked in their next collective.
"""

import os
import sys
import time
from datetime import timedelta

DEFAULT_TIMEOUT = timedelta(minutes=30)

# Environment variables that MPI launchers set in the processes they start: MPICH's and Intel
# MPI's hydra (PMI_*), Open MPI (OMPI_*), PMIx-based launchers such as srun --mpi=pmix.
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK")
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class DistributedError(RuntimeError):
    """A collective that cannot complete: ranks that disagree, or a peer that stopped."""


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
        time.sleep(0.3)  # the launcher forwards output it has read; an abort cuts the rest off
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
    """Whether init_process_group has been called (and destroy_process_group not since), as
    torch.distributed.is_initialized."""
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
    """The process group's backend, always "mpi" (init_process_group's "gloo" runs on MPI too),
    as torch.distributed.get_backend. `group` is accepted and ignored: there is one group.
    RuntimeError before init_process_group."""
    _group("get_backend")
    return "mpi"
