"""Datasets, as torch.utils.data's: Dataset (the base: __getitem__ and __len__), IterableDataset
(a stream), TensorDataset (rows of equal-length tensors), Subset, ConcatDataset, random_split."""

import bisect
import math
import warnings

from badak.creation import as_tensor
from badak.data.sampler import check_generator
from badak.device import np
from badak.random import default_generator
from badak.tensor import Tensor


class Dataset:
    """A sized collection of samples, indexed 0 .. len - 1, as torch.utils.data.Dataset.

    Subclasses define `__getitem__(index)`, returning one sample (a Tensor, an array, a number,
    or a tuple of them), and `__len__()`. `a + b` is ConcatDataset([a, b]).
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define `__iter__`, as torch.utils.data.IterableDataset.

    A DataLoader iterates it from the start each epoch; with num_workers > 0 every worker
    iterates its own copy, so `__iter__` should give each worker its share
    (`badak.data.get_worker_info()` tells which worker it runs in) or samples repeat.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__}: an IterableDataset is iterated, not indexed")

    def __len__(self):  # a TypeError, which list() and len() take as "no length"
        raise TypeError(f"{type(self).__name__}: this IterableDataset does not define __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: item i is `(t0[i], t1[i], ...)`.

    Args:
        *tensors: Tensors (or arrays, wrapped without a copy) sharing their first dimension N,
            e.g. features (N, D) and labels (N,).
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        tensors = tuple(as_tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in tensors):
            raise ValueError("TensorDataset: every tensor needs a first dimension, got a 0-d one")
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in the first dimension, "
                f"got sizes {sizes}"
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])

    def _batch(self, index):
        """The rows `index` (a slice or an index array) of each tensor, outside any graph: what
        default_collate would make of those rows, without building them one by one."""
        return [Tensor._from_array(t._data[index]) for t in self.tensors]


def array_batcher(dataset):
    """A function index -> batch that indexes `dataset`'s arrays once per batch, or None where
    the dataset must be read sample by sample (any but a TensorDataset, or a Subset of one,
    whose tensors need no gradient)."""
    if type(dataset) is TensorDataset:
        if any(t.requires_grad for t in dataset.tensors):
            return None
        return dataset._batch
    if type(dataset) is Subset:
        inner = array_batcher(dataset.dataset)
        if inner is None:
            return None
        rows = np.asarray(dataset.indices, dtype=np.int64).reshape(-1)
        return lambda index: inner(rows[index])
    return None


class Subset(Dataset):
    """The samples of `dataset` at `indices`: item i is dataset[indices[i]]."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """The samples at `indices`, fetched together where the dataset can (torch's hook)."""
        rows = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        return getitems(rows) if getitems is not None else [self.dataset[i] for i in rows]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: the samples of datasets[0], then datasets[1], ...

    Attributes:
        cumulative_sizes: the running totals of the datasets' lengths.
    """

    def __init__(self, datasets):
        datasets = list(datasets)
        if not datasets:
            raise ValueError("ConcatDataset: expected at least one dataset, got none")
        for i, dataset in enumerate(datasets):
            if isinstance(dataset, IterableDataset):
                raise TypeError(
                    f"ConcatDataset: datasets[{i}] is an IterableDataset, which has no indices"
                )
        self.datasets = datasets
        self.cumulative_sizes = np.cumsum([len(d) for d in datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < -n or index >= n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        if index < 0:
            index += n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping Subsets of the given lengths, in random order.

    Args:
        dataset: a map-style dataset of N samples.
        lengths: ints that sum to N, or fractions in [0, 1] that sum to 1: each split gets
            floor(N * fraction) samples and the remainder goes one each to the first splits
            (torch's rule, so the lengths match torch.utils.data.random_split's).
        generator: a numpy.random.Generator, an int seed or None (badak's default generator).
    Returns:
        a list of Subsets, one per length. The samples differ from torch's (another generator).
    """
    rng = check_generator("random_split", generator) or default_generator()
    lengths = list(lengths)
    n = len(dataset)
    if any(isinstance(x, bool) or not isinstance(x, (int, float, np.number)) for x in lengths):
        raise TypeError(f"random_split: lengths must be ints or fractions, got {lengths}")
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_of_fractions(lengths, n)
    elif any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative ints or fractions summing to 1, "
            f"got {lengths}"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths sum to {sum(lengths)}, but the dataset has {n} samples"
        )
    order = rng.permutation(n).tolist()
    ends = np.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - size : end]) for size, end in zip(lengths, ends)]


def _lengths_of_fractions(fractions, n):
    for i, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(f"random_split: fraction {fraction} at index {i} is not in [0, 1]")
    lengths = [int(math.floor(n * fraction)) for fraction in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, size in enumerate(lengths):
        if size == 0:
            warnings.warn(f"random_split: split {i} has no samples", UserWarning)
    return lengths
