"""DataLoader: iterate over a dataset in batches, optionally reshuffled every epoch."""

from badak.data.dataset import TensorDataset
from badak.device import np
from badak.dtypes import default_array
from badak.random import default_generator
from badak.tensor import Tensor


class DataLoader:
    """Batches of a dataset, as torch.utils.data.DataLoader with one process.

    Each iteration (an epoch) yields `len(loader)` batches. A batch is a tuple of Tensors, one per
    field of the samples (features (B, D), labels (B,) for a TensorDataset of (N, D) and (N,)), or
    a single Tensor when the samples are single; B = batch_size except perhaps for the last batch.

    A TensorDataset is batched by indexing its arrays once per batch (a slice without shuffle, so
    its batches are views of the dataset's memory: copy one before writing to it; an index array
    with shuffle); dtypes are kept. Other datasets are indexed sample by sample and each field
    stacked with np.stack (Python floats become float32, ints int64, as in `badak.tensor`).

    Args:
        dataset: a Dataset, or anything with __getitem__ and __len__.
        batch_size: samples per batch, a positive int.
        shuffle: draw a fresh permutation of the samples at the start of every iteration.
        drop_last: leave out the last batch when it is smaller than batch_size.
        generator: the np.random.Generator that shuffles; None: badak's default generator
            (`badak.manual_seed` seeds it), looked up at each epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None):
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must define __getitem__ and __len__, "
                f"got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(
                f"DataLoader: batch_size must be a positive int, got {type(batch_size).__name__} "
                f"{batch_size!r}"
            )
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator or None, "
                f"got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = None
        if self.shuffle:  # drawn here, so each iter() is a new epoch with a new order
            order = (self.generator or default_generator()).permutation(n)
        return self._batches(n, order)

    def _batches(self, n, order):
        size = self.batch_size
        stop = n - n % size if self.drop_last else n
        fast = isinstance(self.dataset, TensorDataset) and not any(
            t.requires_grad for t in self.dataset.tensors
        )
        for start in range(0, stop, size):
            if order is None:
                index = slice(start, min(start + size, n))
            else:
                index = order[start : start + size]
            if fast:
                yield self.dataset._batch(index)
            else:
                indices = range(n)[index] if order is None else index.tolist()
                yield collate([self.dataset[i] for i in indices])


def collate(samples):
    """Stack a list of samples into a batch: a tuple of Tensors per field, or one Tensor.

    Shape: B samples whose field k has shape S_k give a batch whose field k has shape (B, *S_k).
    """
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("DataLoader: samples have different numbers of fields")
        return tuple(_stack([s[k] for s in samples]) for k in range(len(first)))
    return _stack(samples)


def _stack(values):
    arrays = [v._data if isinstance(v, Tensor) else default_array(v) for v in values]
    try:
        return Tensor._from_array(np.stack(arrays))
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise ValueError(
            f"DataLoader: cannot stack samples of different shapes {shapes} into a batch"
        ) from None
