"""DataLoader with num_workers > 0: the batches of num_workers=0 in the same order; worker
errors, deaths and timeouts raised in the main process, never a hang; workers shut down.

The datasets are defined at the top of this module so that a spawned worker can import them.
"""

import gc
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

from badak.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    get_worker_info,
)


class Pairs(Dataset):
    """Item i is (features (2,) float32, label i); index `explode` raises, `die` kills the
    worker with exit code 7, `hang` sleeps."""

    def __init__(self, n=10, explode=None, die=None, hang=None):
        self.n, self.explode, self.die, self.hang = n, explode, die, hang

    def __getitem__(self, i):
        if i == self.explode:
            raise KeyError(f"no sample {i} here")
        if i == self.die and get_worker_info() is not None:
            os._exit(7)
        if i == self.hang and get_worker_info() is not None:
            time.sleep(2.0)
        return np.array([i, -i], np.float32), i

    def __len__(self):
        return self.n


class Who(Dataset):
    """Item i tells which worker loaded it: (worker id, num_workers, seed, pid, init mark)."""

    def __init__(self, n=8):
        self.n = n

    def __getitem__(self, i):
        info = get_worker_info()
        return info.id, info.num_workers, info.seed, os.getpid(), INITIALISED.get(info.id, -1)

    def __len__(self):
        return self.n


INITIALISED = {}


def mark_initialised(worker_id):
    INITIALISED[worker_id] = worker_id * 10


def fail_to_initialise(worker_id):
    raise ValueError(f"worker {worker_id} cannot start")


class Shards(IterableDataset):
    """0 .. n-1, each worker taking every num_workers-th value from its id on."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter([np.float32(i) for i in range(start, self.n, step)])


def values(loader):
    return [plain(batch) for batch in loader]


def plain(value):
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value


def tensors(n=10):
    return TensorDataset(np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n))


def children():
    return multiprocessing.active_children()


@pytest.mark.parametrize(
    "make, kwargs",
    [
        (tensors, {"batch_size": 3}),
        (tensors, {"batch_size": 3, "shuffle": True}),
        (tensors, {"batch_size": 4, "drop_last": True}),
        (Pairs, {"batch_size": 3, "shuffle": True}),
        (Pairs, {"batch_size": None}),
        (Pairs, {"batch_sampler": [[9, 1], [4], [0, 2, 3]]}),
        (lambda: Subset(tensors(), [7, 1, 8, 2, 5]), {"batch_size": 2}),
    ],
    ids=["tensors", "shuffled", "drop_last", "generic", "unbatched", "batch_sampler", "subset"],
)
def test_workers_give_the_batches_of_one_process_in_order(make, kwargs):
    def run(num_workers):
        extra = {"generator": np.random.default_rng(3)} if kwargs.get("shuffle") else {}
        loader = DataLoader(make(), num_workers=num_workers, **kwargs, **extra)
        return [values(loader) for _ in range(2)]  # two epochs: the shuffles agree too

    assert run(3) == run(0)


def test_an_iterable_dataset_interleaves_the_workers_streams_as_torch_does():
    torch_data = pytest.importorskip("torch.utils.data")

    class TorchShards(torch_data.IterableDataset):
        def __iter__(self):
            info = torch_data.get_worker_info()
            return iter([np.float32(i) for i in range(info.id, 11, info.num_workers)])

    ours = values(DataLoader(Shards(11), batch_size=2, num_workers=2))
    theirs = torch_data.DataLoader(TorchShards(), batch_size=2, num_workers=2)
    assert ours == [batch.tolist() for batch in theirs]
    assert sorted(sum(ours, [])) == list(range(11))


def test_worker_info_and_worker_init_fn_in_each_worker():
    assert get_worker_info() is None
    loader = DataLoader(Who(), batch_size=2, num_workers=2, worker_init_fn=mark_initialised)
    batches = [[t.tolist() for t in batch] for batch in loader]
    ids, counts, seeds, pids, marks = zip(*batches)
    assert [i[0] for i in ids] == [0, 1, 0, 1]  # batch k from worker k % 2
    assert all(c == [2, 2] for c in counts)
    assert [m[0] for m in marks] == [0, 10, 0, 10]
    assert seeds[1][0] == seeds[0][0] + 1 and len({p[0] for p in pids}) == 2
    assert os.getpid() not in {p[0] for p in pids}


def test_a_worker_error_is_raised_in_the_main_process_with_its_traceback():
    loader = DataLoader(Pairs(explode=7), batch_size=4, num_workers=2)
    with pytest.raises(KeyError) as raised:
        list(loader)
    text = str(raised.value)
    assert "DataLoader worker 1 (pid" in text and "raised KeyError loading batch 1" in text
    assert "Traceback (most recent call last)" in text and "in __getitem__" in text
    assert "no sample 7 here" in text
    assert children() == []


def test_an_error_in_worker_init_fn_is_raised_naming_it():
    loader = DataLoader(Pairs(), batch_size=4, num_workers=2, worker_init_fn=fail_to_initialise)
    with pytest.raises(ValueError, match=r"(?s)DataLoader worker 0 .*in worker_init_fn.*"
                                         r"cannot start"):  # fmt: skip
        list(loader)


def test_an_error_of_a_class_pickle_cannot_find_arrives_as_runtime_error():
    class Local(Exception):
        pass

    def collate(samples):
        raise Local("made where pickle cannot find it")

    loader = DataLoader(Pairs(), batch_size=4, num_workers=1, collate_fn=collate)
    with pytest.raises(RuntimeError, match=r"(?s)raised Local .*made where pickle cannot"):
        list(loader)


def test_a_worker_that_dies_is_an_error_not_a_hang():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \d \(pid \d+\) exited "
                                           r"unexpectedly with exit code 7"):  # fmt: skip
        list(DataLoader(Pairs(die=5), batch_size=2, num_workers=2))
    assert time.monotonic() - start < 30 and children() == []


def test_a_killed_worker_is_named_with_its_signal():
    loader = DataLoader(Who(40), batch_size=2, num_workers=2)
    batches = iter(loader)
    pid = next(batches)[3][0].item()
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="exited unexpectedly with signal SIGKILL"):
        list(batches)


def test_timeout_raises_when_a_batch_is_late():
    loader = DataLoader(Pairs(hang=0), batch_size=2, num_workers=1, timeout=0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader: timed out after 0.2 s waiting for "
                                           r"batch 0 from worker 0"):  # fmt: skip
        list(loader)


def test_workers_stop_at_the_end_and_when_an_iteration_is_dropped():
    list(DataLoader(Pairs(), batch_size=2, num_workers=2))
    assert children() == []
    batches = iter(DataLoader(Pairs(), batch_size=2, num_workers=2))
    next(batches)
    assert len(children()) == 2
    del batches
    gc.collect()
    assert children() == []


def test_persistent_workers_serve_every_epoch_and_stop_with_the_loader():
    loader = DataLoader(Who(), batch_size=2, num_workers=2, persistent_workers=True)
    first = {batch[3][0].item() for batch in loader}
    next(iter(loader))  # an epoch left unfinished: its late batches must not leak into the next
    again = list(loader)
    assert {batch[3][0].item() for batch in again} == first and len(again) == 4
    assert [batch[0][0].item() for batch in again] == [0, 1, 0, 1]
    assert len(children()) == 2
    del loader, again
    gc.collect()
    assert children() == []


def test_spawned_workers_give_the_same_batches():
    loader = DataLoader(
        Subset(tensors(), [3, 1, 4, 0]), batch_size=3, num_workers=1,
        multiprocessing_context="spawn",
    )  # fmt: skip
    assert values(loader) == values(DataLoader(Subset(tensors(), [3, 1, 4, 0]), batch_size=3))
