"""badak.data samplers against torch.utils.data's: the same indices where the order is fixed, the
same rules (lengths, coverage, drawing with and without replacement) where it is random."""

import numpy as np
import pytest
import torch.utils.data as tud

import badak
from badak.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_sequential_sampler_matches_torch():
    assert list(SequentialSampler(range(7))) == list(tud.SequentialSampler(range(7)))
    assert len(SequentialSampler(range(7))) == 7


@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (2, 5), (0, 4), (1, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert all(type(i) is int for batch in ours for i in batch)


def test_batch_sampler_over_a_plain_list_and_a_random_sampler_gives_lists_of_ints():
    assert list(BatchSampler([5, 3, 1, 0, 2], 2, False)) == [[5, 3], [1, 0], [2]]
    batches = list(BatchSampler(RandomSampler(range(7), generator=rng()), 3, False))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert sorted(sum(batches, [])) == list(range(7))
    assert all(type(i) is int for batch in batches for i in batch)


def test_batch_sampler_asks_a_sampler_subclass_for_its_own_order():
    class Backwards(SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    assert list(BatchSampler(Backwards(range(5)), 2, False)) == [[4, 3], [2, 1], [0]]


def test_random_sampler_draws_a_new_permutation_each_iteration():
    sampler = RandomSampler(range(20), generator=rng())
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second and len(sampler) == 20


def test_random_sampler_is_repeatable_with_a_seed_and_with_badak_manual_seed():
    seeded = RandomSampler(range(10), generator=3)
    assert list(seeded) == list(RandomSampler(range(10), generator=3))
    sampler = RandomSampler(range(10))
    badak.manual_seed(5)
    first = list(sampler)
    badak.manual_seed(5)
    assert list(sampler) == first


def test_random_sampler_without_replacement_beyond_the_length_repeats_whole_permutations():
    drawn = list(RandomSampler(range(4), num_samples=10, generator=rng()))
    assert len(drawn) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    assert len(set(drawn[8:])) == 2


def test_random_sampler_with_replacement_draws_num_samples_in_range():
    sampler = RandomSampler(range(3), replacement=True, num_samples=50, generator=rng())
    drawn = list(sampler)
    assert len(sampler) == len(drawn) == 50 and set(drawn) == {0, 1, 2}
    assert len(tud.RandomSampler(range(3), replacement=True, num_samples=50)) == 50


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"replacement": 1}, TypeError, "RandomSampler: replacement must be True or False"),
        ({"num_samples": 0}, ValueError, "RandomSampler: num_samples must be a positive int"),
        ({"num_samples": 2.0}, TypeError, "RandomSampler: num_samples must be a positive int"),
        ({"generator": "seed"}, TypeError, "RandomSampler: generator must be a badak.Generator"),
    ],
)
def test_random_sampler_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        RandomSampler(range(3), **kwargs)


def test_subset_random_sampler_permutes_the_given_indices():
    sampler = SubsetRandomSampler([10, 20, 30, 40], generator=rng())
    drawn = list(sampler)
    assert sorted(drawn) == [10, 20, 30, 40] and len(sampler) == 4


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    sampler = WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=8000, generator=rng())
    counts = np.bincount(list(sampler), minlength=3)
    assert counts[1] == 0
    assert abs(counts[2] / counts[0] - 3.0) < 0.25


def test_weighted_random_sampler_without_replacement_never_repeats():
    drawn = list(WeightedRandomSampler(np.ones(6), 6, replacement=False, generator=rng()))
    assert sorted(drawn) == list(range(6))
    assert len(WeightedRandomSampler(badak.tensor([0.5, 0.5]), 5)) == 5


@pytest.mark.parametrize(
    "weights, num_samples, replacement, match",
    [
        ([[1.0, 2.0]], 1, True, "weights must be 1-D, got shape \\(1, 2\\)"),
        ([1.0, -1.0], 1, True, "non-negative"),
        ([0.0, 0.0], 1, True, "not all zero"),
        ([1.0, np.nan], 1, True, "finite"),
        ([1.0, 0.0, 1.0], 3, False, "cannot draw 3 samples without replacement from 2"),
    ],
)
def test_weighted_random_sampler_rejects_weights_it_cannot_draw_from(
    weights, num_samples, replacement, match
):
    with pytest.raises(ValueError, match=f"WeightedRandomSampler: .*{match}"):
        WeightedRandomSampler(weights, num_samples, replacement)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((0, False), ValueError, "batch_size must be a positive int, got 0"),
        ((True, False), TypeError, "batch_size must be a positive int"),
        ((2, "yes"), TypeError, "drop_last must be True or False"),
    ],
)
def test_batch_sampler_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=f"BatchSampler: {match}"):
        BatchSampler(SequentialSampler(range(3)), *args)


def test_the_base_sampler_asks_subclasses_for_iter():
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(Sampler())
