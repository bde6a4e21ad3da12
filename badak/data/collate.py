"""default_collate (a list of samples -> one batch) and default_convert (one sample, arrays ->
Tensors), as torch.utils.data's: the DataLoader's collate_fn with and without batching."""

from collections.abc import Mapping, Sequence

from badak.device import np
from badak.dtypes import default_array
from badak.tensor import Tensor


def default_collate(batch):
    """Stack a list of B samples into one batch, keeping the samples' structure.

    - Tensors, arrays and NumPy scalars of shape S -> one Tensor (B, *S), dtype kept;
    - Python numbers -> a Tensor (B,): floats float32 (torch: float64), ints int64, bools bool;
    - strings and bytes -> left as they are (the batch's list, or a field's tuple, of them);
    - dicts -> a dict of the collated values per key; a namedtuple -> the same namedtuple;
    - tuples and lists -> a list of the collated fields (as torch: a tuple becomes a list).

    The batch is outside any graph: stacking copies the samples' arrays.
    Matches torch.utils.data.default_collate except for Python floats, which become badak's
    default dtype float32 (as `badak.tensor` makes them) rather than float64.
    """
    if not isinstance(batch, Sequence) or isinstance(batch, (str, bytes)) or not batch:
        raise ValueError(
            f"default_collate: expected a non-empty list of samples, got {_describe(batch)}"
        )
    first = batch[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic)) and not _is_text(first):
        return _stack(batch)
    if isinstance(first, (bool, int, float)):  # as one list: [1, 2.5] is float32, not float64
        if not all(isinstance(v, (bool, int, float)) for v in batch):
            kinds = sorted({type(v).__name__ for v in batch})
            raise TypeError(f"default_collate: cannot stack samples of kinds {kinds}")
        return Tensor._from_array(default_array(list(batch)))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in first}
        return _same_kind(first, collated, dict)
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(default_collate(field) for field in _fields(batch)))
    if isinstance(first, Sequence):
        fields = [default_collate(field) for field in _fields(batch)]
        return fields if isinstance(first, tuple) else _same_kind(first, fields, list)
    raise TypeError(
        f"default_collate: samples must be Tensors, arrays, numbers, strings, dicts or "
        f"sequences of them, got {type(first).__name__}"
    )


def default_convert(data):
    """One sample with its arrays and NumPy scalars made Tensors (sharing memory), numbers and
    strings left as they are: the DataLoader's collate_fn when batch_size=None.
    Matches torch.utils.data.default_convert (a tuple becomes a list there too)."""
    if isinstance(data, np.ndarray) and not _is_text(data):
        return Tensor._from_array(data)
    if isinstance(data, np.generic) and not _is_text(data):
        return Tensor._from_array(np.asarray(data))
    if isinstance(data, Tensor) or isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        return _same_kind(data, {key: default_convert(data[key]) for key in data}, dict)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence):
        return _same_kind(data, [default_convert(d) for d in data], list)
    return data


def _stack(values):
    arrays = [v._data if isinstance(v, Tensor) else default_array(v) for v in values]
    try:
        return Tensor._from_array(np.stack(arrays))
    except ValueError:
        shapes = sorted({a.shape for a in arrays})
        raise ValueError(
            f"DataLoader: cannot stack samples of different shapes {shapes} into a batch "
            "(default_collate)"
        ) from None
    except TypeError:  # a tensor among numbers, a string among arrays
        kinds = sorted({type(v).__name__ for v in values})
        raise TypeError(f"default_collate: cannot stack samples of kinds {kinds}") from None


def _fields(batch):
    """The samples' fields transposed: field k of every sample, for each k."""
    size = len(batch[0])
    if any(len(sample) != size for sample in batch):
        sizes = sorted({len(sample) for sample in batch})
        raise ValueError(
            f"default_collate: every sample needs the same number of fields, got {sizes}"
        )
    return zip(*batch)


def _same_kind(like, value, fallback):
    """`value` as an object of `like`'s type where that type can be built from it."""
    if type(like) is fallback:
        return value
    try:
        return type(like)(value)
    except TypeError:
        return value


def _is_text(value):
    array_dtype = getattr(value, "dtype", None)
    return array_dtype is not None and array_dtype.kind in "SUO"


def _describe(value):
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return f"an empty {type(value).__name__}"
    return f"a {type(value).__name__}"
