"""Dataset (the base: __getitem__ and __len__) and TensorDataset (rows of equal-length tensors)."""

from badak.creation import as_tensor
from badak.tensor import Tensor


class Dataset:
    """A sized collection of samples, indexed 0 .. len - 1, as torch.utils.data.Dataset.

    Subclasses define `__getitem__(index)`, returning one sample (a Tensor, an array, a number,
    or a tuple of them), and `__len__()`.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}: subclasses must define __len__")


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
        """The rows `index` (a slice or an index array) of each tensor, outside any graph."""
        return tuple(Tensor._from_array(t._data[index]) for t in self.tensors)
