"""Data-parallel training on MPI, with torch.distributed's names.

Start K processes with `mpiexec -n K python train.py` (mpi4py and MPICH come with
`pip install "badak[distributed]"`); in the script:

    import badak.distributed as dist
    from badak.distributed import DistributedDataParallel, DistributedSampler

    dist.init_process_group()              # rank and world size from mpiexec
    model = DistributedDataParallel(model)  # rank 0's weights on every rank
    sampler = DistributedSampler(dataset)   # this rank's share; sampler.set_epoch(e) each epoch

Each rank trains on its share and the backward averages the gradients, so every rank takes the
same step. A process started without mpiexec is rank 0 of 1. See docs/guides/distributed.md.
"""

from badak.distributed.collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    reduce,
)
from badak.distributed.group import (
    DistributedError,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    launched_by_mpi,
)
from badak.distributed.parallel import DistributedDataParallel
from badak.distributed.sampler import DistributedSampler

__all__ = [
    "DistributedDataParallel", "DistributedError", "DistributedSampler", "ReduceOp", "Work",
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier",
    "broadcast", "broadcast_object_list", "destroy_process_group", "get_backend", "get_rank",
    "get_world_size", "init_process_group", "is_available", "is_initialized", "is_mpi_available",
    "launched_by_mpi", "reduce",
]  # fmt: skip
