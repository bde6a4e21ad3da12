"""Run under mpiexec: every collective of badak.distributed against NumPy's answer."""

import numpy as np

import badak
import badak.distributed as dist

dist.init_process_group(backend="mpi")
rank, size = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(7)
every = {
    dtype: [rng.standard_normal((3, 4)).astype(dtype) * 10 for _ in range(size)]
    for dtype in (np.float32, np.float64, np.int64, np.int32)
}
expect = {"sum": np.sum, "max": np.max, "min": np.min, "product": np.prod}
for dtype, values in every.items():
    for name, combine in expect.items():
        op = getattr(dist.ReduceOp, name.upper())
        tensor = badak.tensor(values[rank].copy())
        dist.all_reduce(tensor, op=op)
        np.testing.assert_array_equal(tensor.numpy(), combine(np.stack(values), axis=0))
        array = values[rank].copy()  # a plain array, in place
        dist.all_reduce(array, op=op)
        np.testing.assert_array_equal(array, combine(np.stack(values), axis=0))
    if dtype in (np.float32, np.float64):
        tensor = badak.tensor(values[rank].copy())
        dist.all_reduce(tensor, op=dist.ReduceOp.AVG)
        np.testing.assert_allclose(tensor.numpy(), np.mean(np.stack(values), axis=0), rtol=1e-6)

flags = np.array([rank == 0, True, False])
dist.all_reduce(flags)  # bool: SUM is a logical or
np.testing.assert_array_equal(flags, [True, True, False])

columns = np.arange(12.0).reshape(3, 4)[:, ::2]
strided = columns * (rank + 1)  # a strided view: reduced through a contiguous copy
dist.all_reduce(strided)
np.testing.assert_array_equal(strided, columns * sum(range(1, size + 1)))

half = badak.tensor(np.full(5, rank + 0.5, np.float16))
dist.all_reduce(half)
total = sum(r + 0.5 for r in range(size))
np.testing.assert_array_equal(half.numpy(), np.full(5, total, np.float16))

for src in range(size):
    tensor = badak.tensor(every[np.float64][rank].copy())
    dist.broadcast(tensor, src=src)
    np.testing.assert_array_equal(tensor.numpy(), every[np.float64][src])

gathered = [badak.zeros(3, 4, dtype=badak.int64) for _ in range(size)]
dist.all_gather(gathered, badak.tensor(every[np.int64][rank]))
for r in range(size):
    np.testing.assert_array_equal(gathered[r].numpy(), every[np.int64][r])
output = badak.zeros(size * 3, 4)
dist.all_gather_into_tensor(output, badak.tensor(every[np.float32][rank]))
np.testing.assert_array_equal(output.numpy(), np.concatenate(every[np.float32]))

work = dist.all_reduce(badak.ones(2) * rank, async_op=True)
assert work.wait() and work.is_completed()
dist.barrier()

objects = [None] * size
dist.all_gather_object(objects, {"rank": rank, "name": f"r{rank}"})
assert objects == [{"rank": r, "name": f"r{r}"} for r in range(size)], objects
shared = [f"from {rank}", rank] if rank == 1 else [None, None]
dist.broadcast_object_list(shared, src=1)
assert shared == ["from 1", 1], shared

# every rank must pass the same shape: an error on every rank, not a read past a buffer
try:
    dist.all_reduce(badak.ones(3 + rank))
except dist.DistributedError as error:
    assert "rank 0: float32 (3,)" in str(error) and "rank 1: float32 (4,)" in str(error), error
else:
    raise AssertionError("all_reduce of different shapes did not raise")
try:
    dist.all_gather_object([None] * size, object())
except TypeError as error:
    assert "JSON, never pickle" in str(error)
print(f"rank {rank} of {size}: collectives ok")
