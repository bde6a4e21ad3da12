import numpy as np
import pytest

import badak
from badak.data import DataLoader, Dataset, TensorDataset


def tensor_dataset(n=10):
    x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    return TensorDataset(x, np.arange(n, dtype=np.int64))


class Squares(Dataset):
    """A generic dataset: item i is (features (2,) float32, label int)."""

    def __init__(self, n=10):
        self.x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)

    def __getitem__(self, i):
        return self.x[i], i

    def __len__(self):
        return len(self.x)


def labels_of(loader):
    return [b[-1].tolist() for b in loader]


def test_dataloader_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(tensor_dataset(10), batch_size=4)
    assert len(loader) == 3
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_dataloader_yields_tuples_of_tensors_keeping_dtypes():
    x, y = next(iter(DataLoader(tensor_dataset(), batch_size=4)))
    assert isinstance(x, badak.Tensor) and isinstance(y, badak.Tensor)
    assert x.dtype == np.float32 and x.shape == (4, 2) and y.dtype == np.int64


def test_dataloader_drop_last_leaves_out_the_short_batch():
    loader = DataLoader(tensor_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_dataloader_shuffle_covers_every_sample_once_per_epoch():
    loader = DataLoader(
        tensor_dataset(10), batch_size=3, shuffle=True, generator=np.random.default_rng(0)
    )
    epoch = sum(labels_of(loader), [])
    assert sorted(epoch) == list(range(10)) and epoch != list(range(10))


def test_dataloader_shuffle_draws_a_new_order_each_epoch():
    loader = DataLoader(
        tensor_dataset(20), batch_size=20, shuffle=True, generator=np.random.default_rng(1)
    )
    assert labels_of(loader) != labels_of(loader)


def test_dataloader_shuffle_is_repeatable_with_a_seeded_generator():
    def epochs(seed):
        loader = DataLoader(
            tensor_dataset(), batch_size=3, shuffle=True, generator=np.random.default_rng(seed)
        )
        return [labels_of(loader) for _ in range(3)]

    assert epochs(7) == epochs(7)
    assert epochs(7) != epochs(8)


def test_dataloader_without_generator_draws_from_badak_generator():
    loader = DataLoader(tensor_dataset(), batch_size=5, shuffle=True)
    badak.manual_seed(3)
    first = labels_of(loader)
    badak.manual_seed(3)
    assert labels_of(loader) == first


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_fast_path_equals_generic_path(shuffle, drop_last):
    def batches(dataset):
        loader = DataLoader(
            dataset, 4, shuffle, drop_last=drop_last, generator=np.random.default_rng(5)
        )
        return [tuple(t.numpy() for t in batch) for batch in loader]

    fast, generic = batches(tensor_dataset(10)), batches(Squares(10))
    assert len(fast) == len(generic)
    for (xf, yf), (xg, yg) in zip(fast, generic):
        assert xf.dtype == xg.dtype == np.float32 and yf.dtype == yg.dtype == np.int64
        np.testing.assert_array_equal(xf, xg)
        np.testing.assert_array_equal(yf, yg)


def test_dataloader_unshuffled_fast_batches_are_views_of_the_data():
    dataset = tensor_dataset(8)
    x, _ = next(iter(DataLoader(dataset, batch_size=4)))
    assert np.shares_memory(x.numpy(), dataset.tensors[0].data)


def test_dataloader_yields_a_tensor_for_single_samples():
    class Numbers(Dataset):
        def __getitem__(self, i):
            return float(i)

        def __len__(self):
            return 5

    batches = list(DataLoader(Numbers(), batch_size=2))
    assert isinstance(batches[0], badak.Tensor) and batches[0].dtype == np.float32
    assert [b.tolist() for b in batches] == [[0.0, 1.0], [2.0, 3.0], [4.0]]


def test_dataloader_rejects_samples_of_different_shapes():
    class Ragged(Dataset):
        def __getitem__(self, i):
            return np.zeros(i + 1)

        def __len__(self):
            return 2

    with pytest.raises(ValueError, match="DataLoader: cannot stack samples of different shapes"):
        list(DataLoader(Ragged(), batch_size=2))


@pytest.mark.parametrize("bad", [0, -1])
def test_dataloader_rejects_a_batch_size_below_one(bad):
    with pytest.raises(
        ValueError, match=f"DataLoader: batch_size must be a positive int, got {bad}"
    ):
        DataLoader(tensor_dataset(), batch_size=bad)


@pytest.mark.parametrize("bad", [2.5, "4", True])  # None: no batching, as in torch
def test_dataloader_rejects_a_batch_size_that_is_not_an_int(bad):
    with pytest.raises(TypeError, match="DataLoader: batch_size must be a positive int"):
        DataLoader(tensor_dataset(), batch_size=bad)


def test_dataloader_rejects_a_generator_of_the_wrong_kind():
    with pytest.raises(
        TypeError, match="DataLoader: generator must be a badak.Generator, a numpy.random.Generator"
    ):
        DataLoader(tensor_dataset(), generator=np.random.RandomState(0))


def test_dataloader_rejects_something_that_is_not_a_dataset():
    with pytest.raises(TypeError, match="DataLoader: dataset must define __getitem__ and __len__"):
        DataLoader(42)


def test_dataloader_over_an_empty_dataset_yields_nothing():
    loader = DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=3)
    assert len(loader) == 0 and list(loader) == []
