"""DeZero's DataLoader and SeqDataLoader: mini-batches from a Dataset as NumPy arrays.

    for x, t in DataLoader(Spiral(), batch_size=30):   # one epoch, then reshuffled
        ...

The loader is its own iterator: after its last batch it raises StopIteration and resets itself
(a new permutation from NumPy's global RNG), so the same object serves every epoch.
"""

import math

from badak.device import np

_NO_GPU = "badak.dezero runs on the CPU (CuPy is not supported yet)"


class DataLoader:
    """Batches of `batch_size` examples (the last one may be smaller), in a random order that
    NumPy's global RNG draws at construction and after each epoch, or in order with
    shuffle=False.

    Each batch is (x, t): np.array of the examples' inputs and of their labels, stacked along a
    new first axis.
    """

    def __init__(self, dataset, batch_size, shuffle=True, gpu=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        if gpu:
            raise RuntimeError(f"DataLoader(gpu=True): {_NO_GPU}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.data_size = len(dataset)
        self.max_iter = math.ceil(self.data_size / batch_size)
        self.gpu = False
        self.reset()

    def reset(self):
        """Back to the first batch, with a fresh permutation when shuffling."""
        self.iteration = 0
        if self.shuffle:
            self.index = np.random.permutation(len(self.dataset))
        else:
            self.index = np.arange(len(self.dataset))

    def __iter__(self):
        return self

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        start = self.iteration * self.batch_size
        batch = self._collate(self.index[start : start + self.batch_size])
        self.iteration += 1
        return batch

    def next(self):
        return self.__next__()

    def _collate(self, batch_index):
        batch = [self.dataset[i] for i in batch_index]
        x = np.array([example[0] for example in batch])
        t = np.array([example[1] for example in batch])
        return x, t

    def to_cpu(self):
        self.gpu = False

    def to_gpu(self):
        raise RuntimeError(f"DataLoader.to_gpu: {_NO_GPU}")


class SeqDataLoader(DataLoader):
    """Batches for truncated backpropagation through time: batch_size streams read the data in
    order, stream k starting at k * (len(dataset) // batch_size); batch n holds element
    (k * jump + n) mod len(dataset) of each stream k. Never shuffles."""

    def __init__(self, dataset, batch_size, gpu=False):
        super().__init__(dataset=dataset, batch_size=batch_size, shuffle=False, gpu=gpu)

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        jump = self.data_size // self.batch_size
        batch_index = [(k * jump + self.iteration) % self.data_size for k in range(self.batch_size)]
        batch = self._collate(batch_index)
        self.iteration += 1
        return batch
