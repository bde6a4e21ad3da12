"""default_collate and default_convert against torch.utils.data's: the same structure, values and
dtypes (Python floats aside: float32 in badak, float64 in torch, as documented)."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import badak
from badak.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def plain(value, python_floats_as=None):
    """A nested structure with each tensor replaced by (dtype name, values), comparable across
    the two frameworks; torch's float64 may be read as `python_floats_as`."""
    if isinstance(value, (torch.Tensor, badak.Tensor)):
        array = value.numpy()
        dtype = str(array.dtype)
        if python_floats_as and dtype == "float64":
            dtype = python_floats_as
        return ("tensor", dtype, array.tolist())
    if isinstance(value, dict):
        return {key: plain(v, python_floats_as) for key, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(plain(v, python_floats_as) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v, python_floats_as) for v in value)
    return value


def torch_batch(samples):
    """The samples with badak Tensors made torch tensors, for torch's collate."""
    if isinstance(samples, badak.Tensor):
        return torch.from_numpy(samples.numpy())
    if isinstance(samples, dict):
        return {key: torch_batch(v) for key, v in samples.items()}
    if isinstance(samples, tuple) and hasattr(samples, "_fields"):
        return type(samples)(*(torch_batch(v) for v in samples))
    if isinstance(samples, (list, tuple)):
        return type(samples)(torch_batch(v) for v in samples)
    return samples


BATCHES = {
    "tuples of arrays and ints": [(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 2)],
    "tensors": [badak.tensor([1.0, 2.0]), badak.tensor([3.0, 4.0])],
    "int16 arrays": [np.arange(3, dtype=np.int16), np.arange(3, dtype=np.int16)],
    "numpy scalars": [np.float16(1.5), np.float16(2.5)],
    "bools": [True, False, True],
    "strings in tuples": [("a", 1), ("b", 2)],
    "dicts": [{"x": np.ones((2, 2)), "y": 0, "name": "p"}, {"x": np.eye(2), "y": 1, "name": "q"}],
    "namedtuples": [Point(np.int64(1), [1, 2]), Point(np.int64(3), [4, 5])],
    "nested lists": [[[1, 2], {"k": (3, 4)}], [[5, 6], {"k": (7, 8)}]],
    "ints then a float": [[1, 2], [2.5, 3]],
}


@pytest.mark.parametrize("name", BATCHES)
def test_default_collate_matches_torch(name):
    samples = BATCHES[name]
    assert plain(default_collate(samples)) == plain(tud.default_collate(torch_batch(samples)))


def test_default_collate_makes_python_floats_float32_where_torch_makes_float64():
    samples = [(0.5, 1), (1.5, 2)]
    ours, theirs = default_collate(samples), tud.default_collate(samples)
    assert ours[0].dtype == np.float32 and theirs[0].dtype == torch.float64
    assert plain(ours) == plain(theirs, python_floats_as="float32")


def test_default_collate_keeps_tensors_out_of_any_graph():
    x = badak.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([x, x])
    assert batch.shape == (2, 2) and not batch.requires_grad


@pytest.mark.parametrize(
    "samples, error, match",
    [
        ([np.zeros(2), np.zeros(3)], ValueError, r"cannot stack samples of different shapes"),
        ([(1, 2), (3,)], ValueError, r"default_collate: every sample needs the same number"),
        ([object(), object()], TypeError, "default_collate: samples must be Tensors, arrays"),
        ([np.array(["a"], dtype=object)], TypeError, "default_collate: samples must be"),
        ([1, "a"], TypeError, r"default_collate: cannot stack samples of kinds \['int', 'str'\]"),
        ([], ValueError, "default_collate: expected a non-empty list of samples, got an empty"),
    ],
)
def test_default_collate_rejects_what_it_cannot_batch(samples, error, match):
    with pytest.raises(error, match=match):
        default_collate(samples)


def test_default_convert_matches_torch():
    sample = (np.ones(2), 1, "a", {"k": np.float32(2)}, [np.zeros(1)], Point(np.ones(1), 2))
    ours, theirs = default_convert(sample), tud.default_convert(sample)
    assert plain(ours) == plain(theirs)


def test_default_convert_shares_an_arrays_memory():
    array = np.arange(4.0)
    assert np.shares_memory(default_convert(array).numpy(), array)
