"""badak.distributed in a process no MPI launcher started: a group of one, PyTorch's names and
errors, DistributedSampler against torch's, and the gradient hook DDP builds on."""

from datetime import timedelta

import numpy as np
import pytest
import torch
from torch.utils.data.distributed import DistributedSampler as TorchSampler

import badak
import badak.distributed as dist
import badak.nn as nn
from badak.utils.data import DistributedSampler


@pytest.fixture
def group():
    dist.init_process_group()
    yield
    dist.destroy_process_group()


def test_a_process_without_mpiexec_is_rank_0_of_1(group):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    tensor = badak.tensor([1.0, 2.0])
    assert dist.all_reduce(tensor) is None
    np.testing.assert_array_equal(tensor.numpy(), [1.0, 2.0])
    gathered = [badak.zeros(2)]
    dist.all_gather(gathered, tensor)
    np.testing.assert_array_equal(gathered[0].numpy(), [1.0, 2.0])
    assert dist.all_reduce(tensor, async_op=True).wait()
    dist.barrier()
    with pytest.raises(RuntimeError, match="already initialized"):
        dist.init_process_group()


def test_the_group_must_be_initialized_first():
    with pytest.raises(RuntimeError, match="get_rank: the process group is not initialized"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="DistributedSampler: the process group"):
        DistributedSampler(range(4))


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        (dict(backend="nccl"), ValueError, "backend must be 'mpi' or 'gloo', got 'nccl'"),
        (dict(world_size=2), ValueError, "world_size=2, but the MPI launcher made this process"),
        (dict(timeout=30), TypeError, "timeout must be a positive datetime.timedelta"),
        (dict(init_method="tcp://10.0.0.1:23456"), ValueError, "init_method must be None"),
    ],
)
def test_init_process_group_refuses_what_mpi_cannot_honour(arguments, error, words):
    with pytest.raises(error, match=words):
        dist.init_process_group(**arguments)
    assert not dist.is_initialized()  # nothing changed


def test_collective_arguments_are_checked(group):
    with pytest.raises(TypeError, match="all_reduce: expected a Tensor or a numpy array, got list"):
        dist.all_reduce([1.0])
    with pytest.raises(TypeError, match="ReduceOp.AVG needs a floating tensor, got int64"):
        dist.all_reduce(badak.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(ValueError, match=r"broadcast: rank must be in \[0, 0\], got 1"):
        dist.broadcast(badak.ones(2), src=1)
    with pytest.raises(ValueError, match="tensor_list must be a list of 1 tensors"):
        dist.all_gather([badak.ones(2), badak.ones(2)], badak.ones(2))
    assert dist.get_backend() == "mpi" and dist.is_available()
    dist.destroy_process_group()
    dist.init_process_group(timeout=timedelta(seconds=5))  # a timeout as PyTorch takes it


@pytest.mark.parametrize("n", [1, 7, 8, 10])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_matches_torch_in_order(n, replicas, drop_last):
    if n < replicas:
        with pytest.raises(ValueError, match=f"{n} samples cannot be shared among {replicas}"):
            DistributedSampler(range(n), replicas, 0, shuffle=False)
        return
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shuffles_one_order_per_epoch_shared_by_the_ranks(drop_last):
    samplers = [DistributedSampler(range(10), 3, r, seed=5, drop_last=drop_last) for r in range(3)]
    epochs = []
    for epoch in (0, 1):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        shares = [list(s) for s in samplers]
        assert len({len(share) for share in shares}) == 1
        together = sorted(i for share in shares for i in share)
        if drop_last:
            assert len(set(together)) == 9  # the tail of one is left out
        else:
            assert set(together) == set(range(10)) and len(together) == 12  # padded
        epochs.append(shares)
    assert epochs[0] != epochs[1]
    samplers[0].set_epoch(0)
    assert list(samplers[0]) == epochs[0][0]  # the same epoch, the same order


def test_distributed_sampler_checks_its_rank():
    with pytest.raises(ValueError, match=r"rank must be in \[0, 1\], got 2"):
        DistributedSampler(range(4), 2, 2)
    with pytest.raises(TypeError, match="num_replicas must be an int"):
        DistributedSampler(range(4), 2.0, 0)


def test_post_accumulate_grad_hook_runs_once_with_the_whole_gradient_as_torch():
    data = np.array([0.5, -1.0, 2.0])
    seen = {}
    for lib in (badak, torch):
        weight = lib.tensor(data, requires_grad=True)
        calls = []
        handle = weight.register_post_accumulate_grad_hook(
            lambda t, calls=calls: calls.append(t.grad.numpy().copy())
        )
        ((weight * 2).sum() + (weight * weight).sum()).backward()  # two uses, one call
        handle.remove()
        (weight * 3).sum().backward()
        seen[lib.__name__] = calls
    assert len(seen["badak"]) == len(seen["torch"]) == 1
    np.testing.assert_allclose(seen["badak"][0], seen["torch"][0])
    with pytest.raises(RuntimeError, match="only a leaf tensor that requires grad"):
        (badak.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)


def test_ddp_and_data_parallel_on_one_rank_run_the_module(group):
    for wrapper in (dist.DistributedDataParallel, nn.DataParallel, nn.parallel.DataParallel):
        module = nn.Linear(3, 2)
        wrapped = wrapper(module)
        x = badak.randn(4, 3)
        np.testing.assert_array_equal(wrapped(x).numpy(), module(x).numpy())
        assert list(wrapped.state_dict()) == ["module.weight", "module.bias"]
        wrapped(x).sum().backward()
        assert module.weight.grad is not None
    with pytest.raises(TypeError, match="expected a badak.nn.Module, got int"):
        dist.DistributedDataParallel(3)
