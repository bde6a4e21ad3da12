"""Samplers: the order in which a DataLoader visits a dataset's indices, as torch.utils.data's.

A sampler is an iterable of indices (a batch sampler: of lists of indices). Random ones draw
from a `numpy.random.Generator`; None means badak's default generator (`badak.manual_seed` seeds
it), looked up each time an iteration starts, so every iteration is a new epoch.
"""

from badak.device import np
from badak.random import Generator, default_generator


def check_generator(owner, generator):
    """`generator` as a numpy.random.Generator (or a badak.Generator) or None; an int is a seed
    for a new one."""
    if generator is None or isinstance(generator, (np.random.Generator, Generator)):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{owner}: a generator seed must be non-negative, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{owner}: generator must be a badak.Generator, a numpy.random.Generator, an int seed "
        "or None, "
        f"got {type(generator).__name__}"
    )


def _count(owner, name, value):
    """A positive int argument, checked."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be a positive int, got {value!r}")
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value}")
    return int(value)


def _flag(owner, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


class Sampler:
    """The base class: subclasses define `__iter__` (indices) and, where known, `__len__`."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return None  # the identity: batches of it are slices

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a fresh permutation each iteration, or with `replacement`
    `num_samples` independent uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices an iteration gives; default len(data_source). Without
            replacement and above the length, whole permutations follow one another.
        generator: a numpy.random.Generator, an int seed or None (badak's default generator).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        replacement = _flag("RandomSampler", "replacement", replacement)
        if num_samples is not None:
            num_samples = _count("RandomSampler", "num_samples", num_samples)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = check_generator("RandomSampler", generator)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        """This iteration's indices, an int64 array (one draw from the generator)."""
        n, count = len(self.data_source), self.num_samples
        rng = self.generator or default_generator()
        if self.replacement:
            if n == 0:
                raise ValueError("RandomSampler: cannot draw with replacement from 0 samples")
            return rng.integers(0, n, size=count, dtype=np.int64)
        if self._num_samples is None:
            return rng.permutation(n)
        rounds = [rng.permutation(n) for _ in range(-(-count // n) if n else 0)]
        return np.concatenate(rounds or [np.zeros(0, np.int64)])[:count]

    def __iter__(self):
        return iter(self._order().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each iteration."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = check_generator("SubsetRandomSampler", generator)

    def __iter__(self):
        rng = self.generator or default_generator()
        order = rng.permutation(len(self.indices))
        return iter([self.indices[i] for i in order.tolist()])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in [0, len(weights)), index i drawn with probability proportional
    to weights[i] (as torch.multinomial: with replacement by default; without, no index twice).

    Args:
        weights: non-negative finite numbers, shape (N,), not all zero.
        num_samples: how many indices an iteration gives.
        replacement: draw with replacement.
        generator: a numpy.random.Generator, an int seed or None (badak's default generator).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        num_samples = _count("WeightedRandomSampler", "num_samples", num_samples)
        replacement = _flag("WeightedRandomSampler", "replacement", replacement)
        weights = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(
                f"WeightedRandomSampler: weights must be 1-D, got shape {weights.shape}"
            )
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                f"from {np.count_nonzero(weights)} non-zero weights"
            )
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = check_generator("WeightedRandomSampler", generator)

    def __iter__(self):
        rng = self.generator or default_generator()
        p = self.weights / self.weights.sum()
        drawn = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` consecutive indices of `sampler`; the last may be shorter unless
    `drop_last`.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        batch_size = _count("BatchSampler", "batch_size", batch_size)
        drop_last = _flag("BatchSampler", "drop_last", drop_last)
        if not hasattr(sampler, "__iter__"):
            raise TypeError(
                f"BatchSampler: sampler must be an iterable of indices, got "
                f"{type(sampler).__name__}"
            )
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        for index in self._index_batches():
            if isinstance(index, slice):
                yield list(range(index.start, index.stop))
            else:
                yield index if isinstance(index, list) else index.tolist()

    def _index_batches(self):
        """The batches as slices (sequential order) or int64 arrays (random order) where the
        sampler is one of badak's own, else as lists: a DataLoader indexes arrays with them."""
        size = self.batch_size
        if type(self.sampler) not in (SequentialSampler, RandomSampler):  # a subclass may
            yield from self._chunks(iter(self.sampler))  # change __iter__: ask it
            return
        order = self.sampler._order()
        n = len(self.sampler) if order is None else len(order)
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            if order is None:
                yield slice(start, min(start + size, n))
            else:
                yield order[start : start + size]

    def _chunks(self, indices):
        batch = []
        for index in indices:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
