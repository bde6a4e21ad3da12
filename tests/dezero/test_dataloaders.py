# ruff: noqa: NPY002 - DeZero draws from NumPy's global RNG, and these tests check that it does

import numpy as np
import pytest

from badak.dezero.dataloaders import DataLoader, SeqDataLoader
from badak.dezero.datasets import Dataset, Spiral


@pytest.fixture(autouse=True)
def keep_global_rng():
    """The tests seed NumPy's global RNG; other tests get its state back."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


class Numbers(Dataset):
    """Example i is ([i, -i] as float32, i)."""

    def __init__(self, n, **kwargs):
        self.n = n
        super().__init__(**kwargs)

    def prepare(self):
        self.data = np.stack([np.arange(self.n), -np.arange(self.n)], 1).astype(np.float32)
        self.label = np.arange(self.n)


def epoch(loader):
    return list(loader)


def test_batches_stack_examples_and_the_last_one_is_smaller():
    batches = epoch(DataLoader(Numbers(10), batch_size=3, shuffle=False))
    assert [len(t) for _, t in batches] == [3, 3, 3, 1]
    x, t = batches[0]
    assert x.shape == (3, 2) and x.dtype == np.float32 and t.dtype == np.int64
    np.testing.assert_array_equal(x, [[0, 0], [1, -1], [2, -2]])
    np.testing.assert_array_equal(np.concatenate([t for _, t in batches]), np.arange(10))


def test_max_iter_is_the_number_of_batches():
    assert DataLoader(Numbers(10), 3).max_iter == 4
    assert DataLoader(Numbers(9), 3).max_iter == 3
    assert DataLoader(Spiral(), 30).data_size == 300


def test_shuffle_draws_a_permutation_from_the_global_rng():
    np.random.seed(0)
    loader = DataLoader(Numbers(10), batch_size=4)
    np.random.seed(0)
    order = np.random.permutation(10)
    t = np.concatenate([t for _, t in epoch(loader)])
    np.testing.assert_array_equal(t, order)


def test_shuffled_batches_are_deterministic_under_np_random_seed():
    runs = []
    for _ in range(2):
        np.random.seed(42)
        loader = DataLoader(Spiral(), batch_size=30)
        runs.append([t for _ in range(2) for _, t in loader])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_each_epoch_reshuffles_after_stop_iteration():
    np.random.seed(1)
    first, second = np.random.permutation(20), np.random.permutation(20)
    np.random.seed(1)
    loader = DataLoader(Numbers(20), batch_size=5)
    np.testing.assert_array_equal(np.concatenate([t for _, t in loader]), first)
    assert loader.iteration == 0  # reset when the epoch ended
    np.testing.assert_array_equal(loader.index, second)
    np.testing.assert_array_equal(np.concatenate([t for _, t in loader]), second)


def test_loader_is_its_own_iterator_and_has_next():
    loader = DataLoader(Numbers(4), batch_size=2, shuffle=False)
    assert iter(loader) is loader
    np.testing.assert_array_equal(loader.next()[1], [0, 1])
    np.testing.assert_array_equal(next(loader)[1], [2, 3])
    with pytest.raises(StopIteration):
        next(loader)
    np.testing.assert_array_equal(next(loader)[1], [0, 1])  # the next epoch


def test_reset_starts_the_epoch_again():
    loader = DataLoader(Numbers(4), batch_size=2, shuffle=False)
    next(loader)
    loader.reset()
    np.testing.assert_array_equal(next(loader)[1], [0, 1])


def test_examples_go_through_the_dataset_s_transforms():
    data = Numbers(4, transform=lambda x: x * 10, target_transform=lambda t: t + 100)
    x, t = next(DataLoader(data, batch_size=4, shuffle=False))
    np.testing.assert_array_equal(x[:, 0], [0, 10, 20, 30])
    np.testing.assert_array_equal(t, [100, 101, 102, 103])


def test_a_plain_list_of_pairs_works_as_a_dataset():
    pairs = [(np.array([i, i]), i % 2) for i in range(5)]
    x, t = next(DataLoader(pairs, batch_size=5, shuffle=False))
    assert x.shape == (5, 2)
    np.testing.assert_array_equal(t, [0, 1, 0, 1, 0])


def test_gpu_is_refused_with_a_clear_message():
    loader = DataLoader(Numbers(4), 2)
    with pytest.raises(RuntimeError, match="DataLoader.to_gpu: badak.dezero runs on the CPU"):
        loader.to_gpu()
    loader.to_cpu()
    assert loader.gpu is False
    with pytest.raises(RuntimeError, match=r"DataLoader\(gpu=True\)"):
        DataLoader(Numbers(4), 2, gpu=True)


@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (2.0, TypeError)])
def test_batch_size_is_checked(batch_size, error):
    with pytest.raises(error, match="DataLoader: batch_size must be"):
        DataLoader(Numbers(4), batch_size)


def test_seq_loader_reads_batch_size_streams_in_order():
    loader = SeqDataLoader(Numbers(10), batch_size=2)
    assert loader.shuffle is False and loader.max_iter == 5
    batches = [t for _, t in loader]
    np.testing.assert_array_equal(batches, [[0, 5], [1, 6], [2, 7], [3, 8], [4, 9]])
    x, _ = next(loader)  # the next epoch starts again
    np.testing.assert_array_equal(x, [[0, 0], [5, -5]])


def test_seq_loader_wraps_around_when_streams_do_not_divide_the_data():
    batches = [t for _, t in SeqDataLoader(Numbers(7), batch_size=3)]
    # jump = 7 // 3 = 2; 3 batches
    np.testing.assert_array_equal(batches, [[0, 2, 4], [1, 3, 5], [2, 4, 6]])


def test_seq_loader_leaves_the_global_rng_alone():
    np.random.seed(5)
    epoch(SeqDataLoader(Numbers(6), batch_size=2))
    after = np.random.rand()
    np.random.seed(5)
    assert np.random.rand() == after
