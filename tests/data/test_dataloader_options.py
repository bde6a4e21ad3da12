"""DataLoader's torch options in one process: samplers, batch samplers, batch_size=None,
IterableDataset, lengths, and torch's rules for options that exclude each other."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import badak
from badak.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    random_split,
)


class Pairs(Dataset):
    """A generic dataset: item i is (features (2,) float32, label int)."""

    def __init__(self, n=10):
        self.x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)

    def __getitem__(self, i):
        return self.x[i], i

    def __len__(self):
        return len(self.x)


class Items:
    """A stream of n (features (2,) float32, label int) samples."""

    def __init__(self, n, sized=True):
        self.n, self.sized = n, sized

    def __iter__(self):
        return iter([(np.full(2, i, np.float32), i) for i in range(self.n)])

    def __len__(self):
        if not self.sized:
            raise TypeError("unsized")
        return self.n


class Stream(Items, IterableDataset):
    pass


class TorchStream(Items, tud.IterableDataset):
    pass


def values(batches):
    """Each batch as nested lists of plain values, badak's or torch's."""
    out = []
    for batch in batches:
        parts = batch if isinstance(batch, (list, tuple)) else [batch]
        out.append([p.tolist() if hasattr(p, "tolist") else p for p in parts])
    return out


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10])
@pytest.mark.parametrize("drop_last", [False, True])
def test_lengths_and_batches_match_torch_in_order(n, batch_size, drop_last):
    ours = DataLoader(Pairs(n), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(Pairs(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert values(ours) == values(theirs)


def test_a_tensor_dataset_batch_is_a_list_as_in_torch():
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    ours = next(iter(DataLoader(TensorDataset(x, np.arange(4)), batch_size=2)))
    torch_dataset = tud.TensorDataset(torch.from_numpy(x), torch.arange(4))
    theirs = next(iter(tud.DataLoader(torch_dataset, batch_size=2)))
    assert type(ours) is type(theirs) is list and values([ours]) == values([theirs])


def test_a_sampler_decides_the_order():
    loader = DataLoader(Pairs(6), batch_size=4, sampler=[5, 0, 3, 1, 2, 4])
    assert [b[1].tolist() for b in loader] == [[5, 0, 3, 1], [2, 4]] and len(loader) == 2


def test_a_batch_sampler_decides_the_batches():
    batches = [[0, 1, 2], [5], [3, 4]]
    loader = DataLoader(Pairs(6), batch_sampler=batches)
    assert [b[1].tolist() for b in loader] == batches and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False


def test_batch_size_none_gives_single_samples_converted():
    ours = list(DataLoader(Pairs(3), batch_size=None))
    theirs = list(tud.DataLoader(Pairs(3), batch_size=None))
    assert values(ours) == values(theirs) and len(ours) == 3
    assert isinstance(ours[0][0], badak.Tensor) and ours[0][0].shape == (2,) and ours[0][1] == 0


def test_a_collate_fn_receives_the_list_of_samples():
    loader = DataLoader(Pairs(5), batch_size=2, collate_fn=lambda samples: [s[1] for s in samples])
    assert list(loader) == [[0, 1], [2, 3], [4]]


def test_a_subset_of_a_tensor_dataset_takes_the_fast_path_with_the_same_batches():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    fast = Subset(TensorDataset(x, np.arange(10)), [9, 4, 0, 7, 1])
    generic = Subset(Pairs(10), [9, 4, 0, 7, 1])
    for shuffle in (False, True):
        a = values(DataLoader(fast, batch_size=2, shuffle=shuffle, generator=1))
        b = values(DataLoader(generic, batch_size=2, shuffle=shuffle, generator=1))
        assert a == b


def test_random_split_then_loader_gives_each_sample_once():
    train, test = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], generator=0)
    seen = [v for (batch,) in DataLoader(train, batch_size=3) for v in batch.tolist()]
    seen += [v for (batch,) in DataLoader(test, batch_size=3) for v in batch.tolist()]
    assert sorted(seen) == list(range(10))


def test_a_random_sampler_with_replacement_drives_the_fast_path():
    dataset = TensorDataset(np.arange(5))
    sampler = RandomSampler(dataset, replacement=True, num_samples=12, generator=0)
    batches = [b.tolist() for (b,) in DataLoader(dataset, batch_size=5, sampler=sampler)]
    assert [len(b) for b in batches] == [5, 5, 2] and set(sum(batches, [])) <= set(range(5))


@pytest.mark.parametrize(
    "batch_size, drop_last, expected", [(3, False, 4), (3, True, 3), (None, False, 10)]
)
def test_an_iterable_dataset_is_batched_in_its_own_order(batch_size, drop_last, expected):
    ours = DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(TorchStream(10), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == expected
    assert values(ours) == values(theirs)


def test_len_of_a_loader_over_an_unsized_stream_says_why_not():
    loader = DataLoader(Stream(4, sized=False), batch_size=2)
    assert len(list(loader)) == 2
    with pytest.raises(TypeError, match="DataLoader: len\\(\\) of a loader over an Iterable"):
        len(loader)


def test_pin_memory_is_accepted_and_changes_nothing():
    loader = DataLoader(Pairs(4), batch_size=2, pin_memory=True)
    assert values(loader) == values(DataLoader(Pairs(4), batch_size=2))


def test_the_default_batch_sampler_is_torchs_pair_of_samplers():
    loader = DataLoader(Pairs(4), batch_size=2, shuffle=True)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(loader.batch_sampler, BatchSampler)
    assert isinstance(DataLoader(Pairs(4)).sampler, SequentialSampler)


CONFLICTS = [
    ({"sampler": [0, 1], "shuffle": True}, ValueError, "sampler and shuffle exclude each other"),
    ({"batch_sampler": [[0]], "batch_size": 2}, ValueError, "batch_sampler excludes batch_size"),
    ({"batch_sampler": [[0]], "shuffle": True}, ValueError, "batch_sampler excludes"),
    ({"batch_sampler": [[0]], "sampler": [0]}, ValueError, "batch_sampler excludes"),
    ({"batch_sampler": [[0]], "drop_last": True}, ValueError, "batch_sampler excludes"),
    ({"batch_size": None, "drop_last": True}, ValueError, "batch_size=None turns batching off"),
    ({"num_workers": -1}, ValueError, "num_workers must be an int >= 0, got -1"),
    ({"num_workers": 1.5}, TypeError, "num_workers must be an int >= 0"),
    ({"prefetch_factor": 2}, ValueError, "prefetch_factor needs num_workers > 0"),
    ({"num_workers": 1, "prefetch_factor": 0}, ValueError, "prefetch_factor must be a positive"),
    ({"persistent_workers": True}, ValueError, "persistent_workers needs num_workers > 0"),
    ({"timeout": -1}, ValueError, "timeout must be a non-negative number"),
    ({"collate_fn": 3}, TypeError, "collate_fn must be callable or None, got int"),
    ({"worker_init_fn": "f"}, TypeError, "worker_init_fn must be callable or None"),
    ({"sampler": 5}, TypeError, "sampler must be an iterable of indices, got int"),
    ({"multiprocessing_context": "thread"}, ValueError, "multiprocessing_context must be one"),
    (
        {"generator": np.random.RandomState(0)},
        TypeError,
        "generator must be a badak.Generator, a numpy.random",
    ),
]


@pytest.mark.parametrize("kwargs, error, match", CONFLICTS)
def test_options_that_exclude_each_other_are_refused(kwargs, error, match):
    with pytest.raises(error, match=f"^DataLoader: {match}"):
        DataLoader(Pairs(4), **kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0, 1]]}]
)
def test_an_iterable_dataset_takes_no_order_options(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"DataLoader: an IterableDataset takes no {name}"):
        DataLoader(Stream(4), **kwargs)
    with pytest.raises(ValueError):  # torch refuses them too
        tud.DataLoader(TorchStream(4), **kwargs)
