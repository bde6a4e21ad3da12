"""DataLoader: iterate over a dataset in batches, in this process or in worker processes."""

import itertools

from badak.data.collate import default_collate, default_convert
from badak.data.dataset import IterableDataset, array_batcher
from badak.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    _count,
    check_generator,
)
from badak.device import np


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader.

    Each iteration (an epoch) yields `len(loader)` batches. With the default collate_fn a batch
    keeps the samples' structure with a leading batch dimension: a list [features (B, D),
    labels (B,)] for a TensorDataset of (N, D) and (N,) (a tuple sample becomes a list, as in
    torch), a single Tensor when the samples are single; B = batch_size except perhaps for the
    last batch. See default_collate.

    A TensorDataset (or a Subset of one) with the default collate_fn is batched by indexing its
    arrays once per batch: a slice in sequential order, so its batches are views of the
    dataset's memory (copy one before writing to it); an index array in random order.

    Args:
        dataset: a Dataset (anything with __getitem__ and __len__) or an IterableDataset.
        batch_size: samples per batch, a positive int; None: no batching, each sample is
            passed through collate_fn (default: default_convert) on its own.
        shuffle: a fresh random order every epoch (a RandomSampler over the dataset).
        sampler: an iterable of indices (a Sampler); excludes shuffle.
        batch_sampler: an iterable of lists of indices; excludes batch_size, shuffle, sampler
            and drop_last.
        num_workers: 0 loads in this process; n > 0 in n worker processes, which receive the
            batches' indices in turn and send back collated batches: the same batches in the
            same order as with 0.
        collate_fn: list of samples -> batch; default default_collate.
        pin_memory: accepted for torch's sake; badak computes on the CPU, so it changes nothing.
        drop_last: leave out the last batch when it is smaller than batch_size.
        timeout: seconds to wait for a batch from the workers before a RuntimeError; 0 waits as
            long as the workers live (a dead worker is a RuntimeError at once).
        worker_init_fn: called as worker_init_fn(worker_id) in each worker before it loads.
        multiprocessing_context: a start method ("fork", "spawn", "forkserver") or a
            multiprocessing context; None: the platform's default. Under spawn and forkserver
            the dataset and functions must be picklable (defined at a module's top level).
        generator: the numpy.random.Generator that shuffles (an int seeds a new one); None:
            badak's default generator (`badak.manual_seed` seeds it), looked up each epoch.
        prefetch_factor: batches each worker loads ahead (default 2); only with num_workers.
        persistent_workers: keep the worker processes from one epoch to the next.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device=""):  # fmt: skip
        iterable = isinstance(dataset, IterableDataset)
        _check_dataset(dataset, iterable, needs_len=sampler is None and batch_sampler is None)
        num_workers = _check_workers(num_workers, prefetch_factor, persistent_workers)
        _check_options(iterable, batch_size, shuffle, sampler, batch_sampler, drop_last)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.number)):
            raise TypeError(f"DataLoader: timeout must be a non-negative number, got {timeout!r}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout must be a non-negative number, got {timeout}")
        for name, function in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if function is not None and not callable(function):
                raise TypeError(
                    f"DataLoader: {name} must be callable or None, got {type(function).__name__}"
                )
        generator = check_generator("DataLoader", generator)
        _check_context(multiprocessing_context)

        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif batch_size is not None:
            batch_size = _count("DataLoader", "batch_size", batch_size)
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))  # fmt: skip
        if batch_sampler is None and batch_size is not None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self._epoch = 0
        self._pool = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None
        )

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            try:
                n = len(self.dataset)
            except TypeError:
                raise TypeError(
                    f"DataLoader: len() of a loader over an IterableDataset needs the "
                    f"dataset's __len__, which {type(self.dataset).__name__} does not define"
                ) from None
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        fetcher = _Fetcher(
            self.dataset, self._auto_collation, self.collate_fn, self.batch_size, self.drop_last
        )
        if self.num_workers == 0:
            return self._single_process(fetcher)
        return self._multi_process(fetcher)

    def _indices(self):
        """This epoch's index batches (slices or arrays where badak's own samplers allow)."""
        if type(self.batch_sampler) is BatchSampler:
            return self.batch_sampler._index_batches()
        return iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _single_process(self, fetcher):
        fetch = fetcher.fetch
        if not fetcher.iterable:
            for index in self._indices():
                yield fetch(index)
            return
        stream = iter(self.dataset)
        while True:
            try:
                batch = fetch(stream)
            except StopIteration:
                return
            yield batch

    def _multi_process(self, fetcher):
        from badak.data.workers import WorkerPool, base_seed

        pool = self._pool
        if pool is None or pool.closed:
            pool = WorkerPool(
                self.num_workers, self.dataset, fetcher, self.worker_init_fn,
                self.multiprocessing_context, base_seed(self.generator), self.timeout,
            )  # fmt: skip
            if self.persistent_workers:
                self._pool = pool
        self._epoch += 1
        indices = None if fetcher.iterable else self._indices()
        batches = pool.run(self._epoch, indices, self.prefetch_factor or 2)
        if self.persistent_workers:
            return batches
        return _closing(batches, pool)


def _closing(batches, pool):
    """The batches, the pool closed at the end (or when this generator is discarded)."""
    try:
        yield from batches
    finally:
        pool.close()


class _Fetcher:
    """Index batch -> batch, in the main process or a worker: the dataset's arrays indexed at
    once where that gives default_collate's result, else samples fetched and collated."""

    def __init__(self, dataset, auto_collation, collate_fn, batch_size, drop_last):
        self.dataset = dataset
        self.iterable = isinstance(dataset, IterableDataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn or (default_collate if auto_collation else default_convert)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.fast = collate_fn is None and auto_collation and not self.iterable
        self._batcher = None
        if self.fast:
            self._batcher = array_batcher(dataset)
            self.fast = self._batcher is not None

    def __getstate__(self):  # a Subset's batcher is a closure: workers make their own
        return {**self.__dict__, "_batcher": None}

    def fetch(self, index):
        """The batch at `index` (a slice, index array, list, or one index without batching); for
        an IterableDataset `index` is the stream, and StopIteration says it has ended."""
        if self.iterable:
            return self._fetch_stream(index)
        if self.fast:
            if self._batcher is None:
                self._batcher = array_batcher(self.dataset)
            if not isinstance(index, (slice, np.ndarray)):
                index = np.asarray(index, dtype=np.int64)
            return self._batcher(index)
        dataset = self.dataset
        if not self.auto_collation:
            return self.collate_fn(dataset[index])
        if isinstance(index, slice):
            index = range(index.start, index.stop)
        elif isinstance(index, np.ndarray):
            index = index.tolist()
        getitems = getattr(dataset, "__getitems__", None)
        samples = getitems(list(index)) if getitems else [dataset[i] for i in index]
        return self.collate_fn(samples)

    def _fetch_stream(self, stream):
        if not self.auto_collation:
            return self.collate_fn(next(stream))
        samples = list(itertools.islice(stream, self.batch_size))
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            raise StopIteration
        return self.collate_fn(samples)


# ----------------------------------------------------------------------------------------------
# Checks of the arguments, each raising before the loader exists
# ----------------------------------------------------------------------------------------------
def _check_dataset(dataset, iterable, needs_len):
    if iterable:
        return
    if not hasattr(dataset, "__getitem__") or (needs_len and not hasattr(dataset, "__len__")):
        raise TypeError(
            f"DataLoader: dataset must define __getitem__ and __len__ (or be an "
            f"IterableDataset), got {type(dataset).__name__}"
        )


def _check_workers(num_workers, prefetch_factor, persistent_workers):
    if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
        raise TypeError(f"DataLoader: num_workers must be an int >= 0, got {num_workers!r}")
    if num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be an int >= 0, got {num_workers}")
    if prefetch_factor is not None:
        if num_workers == 0:
            raise ValueError(
                "DataLoader: prefetch_factor needs num_workers > 0 (it counts batches that "
                "workers load ahead); leave it None with num_workers=0"
            )
        _count("DataLoader", "prefetch_factor", prefetch_factor)
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers needs num_workers > 0")
    return int(num_workers)


def _check_options(iterable, batch_size, shuffle, sampler, batch_sampler, drop_last):
    """torch's rules for which options exclude which."""
    if iterable:
        for name, value in (("shuffle", shuffle), ("sampler", sampler),
                            ("batch_sampler", batch_sampler)):  # fmt: skip
            if value is not None and value is not False:
                raise ValueError(
                    f"DataLoader: an IterableDataset takes no {name} (it gives its samples in "
                    f"its own order), got {name}={value!r}"
                )
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler and shuffle exclude each other; give one")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError(
                "DataLoader: batch_sampler excludes batch_size, shuffle, sampler and drop_last "
                "(the batch sampler decides the batches)"
            )
        if not hasattr(batch_sampler, "__iter__"):
            raise TypeError(
                f"DataLoader: batch_sampler must be an iterable of index lists, got "
                f"{type(batch_sampler).__name__}"
            )
    elif batch_size is None and drop_last:
        raise ValueError(
            "DataLoader: batch_size=None turns batching off, so drop_last has nothing to drop"
        )
    if sampler is not None and not hasattr(sampler, "__iter__"):
        raise TypeError(
            f"DataLoader: sampler must be an iterable of indices, got {type(sampler).__name__}"
        )


def _check_context(context):
    if context is None or hasattr(context, "Process"):
        return
    if isinstance(context, str):
        import multiprocessing

        if context in multiprocessing.get_all_start_methods():
            return
        raise ValueError(
            f"DataLoader: multiprocessing_context must be one of "
            f"{multiprocessing.get_all_start_methods()}, got {context!r}"
        )
    raise TypeError(
        f"DataLoader: multiprocessing_context must be a start method name or a context, "
        f"got {type(context).__name__}"
    )
