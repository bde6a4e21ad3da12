"""Subset, ConcatDataset, IterableDataset and random_split against torch.utils.data's."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import badak
from badak.data import ConcatDataset, Dataset, IterableDataset, Subset, random_split


class Numbers(Dataset):
    def __init__(self, start, n):
        self.start, self.n = start, n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.start + i

    def __len__(self):
        return self.n


def test_subset_gives_the_samples_at_its_indices():
    subset = Subset(Numbers(100, 10), [7, 2, 5])
    assert len(subset) == 3 and [subset[i] for i in range(3)] == [107, 102, 105]
    assert subset.__getitems__([2, 0]) == [105, 107]


def test_concat_dataset_matches_torch_including_negative_indices():
    parts = [Numbers(0, 3), Numbers(10, 0), Numbers(20, 4)]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 7
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-7, 7)] == [theirs[i] for i in range(-7, 7)]
    assert (Numbers(0, 2) + Numbers(5, 1))[2] == 5


def test_concat_dataset_rejects_no_datasets_streams_and_indices_out_of_range():
    with pytest.raises(ValueError, match="ConcatDataset: expected at least one dataset"):
        ConcatDataset([])
    with pytest.raises(TypeError, match=r"ConcatDataset: datasets\[1\] is an IterableDataset"):
        ConcatDataset([Numbers(0, 1), Stream(3)])
    with pytest.raises(IndexError, match="ConcatDataset: index 5 is out of range for 5"):
        ConcatDataset([Numbers(0, 5)])[5]


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_iterable_dataset_is_iterated_not_indexed():
    assert list(Stream(3)) == [0, 1, 2]
    with pytest.raises(TypeError, match="Stream: an IterableDataset is iterated, not indexed"):
        Stream(3)[0]
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(IterableDataset())


@pytest.mark.filterwarnings("ignore::UserWarning")  # both warn of the empty split of 5 samples
@pytest.mark.parametrize(
    "n, lengths",
    [(10, [0.3, 0.7]), (10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (5, [0.1, 0.1, 0.8])]
    + [(10, [3, 7]), (3, [1, 0, 2])],
)
def test_random_split_lengths_match_torch(n, lengths):
    ours = random_split(Numbers(0, n), lengths, generator=np.random.default_rng(0))
    theirs = tud.random_split(Numbers(0, n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]


def test_random_split_covers_every_sample_once_and_repeats_with_a_seed():
    splits = random_split(Numbers(0, 10), [3, 3, 4], generator=5)
    samples = [s[i] for s in splits for i in range(len(s))]
    assert sorted(samples) == list(range(10)) and samples != list(range(10))
    again = random_split(Numbers(0, 10), [3, 3, 4], generator=5)
    assert [a.indices for a in again] == [s.indices for s in splits]
    badak.manual_seed(1)
    first = random_split(Numbers(0, 10), [0.5, 0.5])[0].indices
    badak.manual_seed(1)
    assert random_split(Numbers(0, 10), [0.5, 0.5])[0].indices == first


def test_random_split_warns_of_an_empty_split():
    with pytest.warns(UserWarning, match="random_split: split 2 has no samples"):
        random_split(Numbers(0, 2), [0.5, 0.5, 0.0])


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([3, 3], ValueError, "lengths sum to 6, but the dataset has 10 samples"),
        ([12, -2], ValueError, "lengths must be non-negative ints or fractions"),
        ([2.5, 7.5], ValueError, "lengths must be non-negative ints or fractions"),
        ([1.5, -0.5], ValueError, r"fraction 1.5 at index 0 is not in \[0, 1\]"),
        (["5", 5], TypeError, "lengths must be ints or fractions"),
    ],
)
def test_random_split_rejects_lengths_that_do_not_split_the_dataset(lengths, error, match):
    with pytest.raises(error, match=f"random_split: {match}"):
        random_split(Numbers(0, 10), lengths)
