import numpy as np
import pytest

import badak
from badak.data import Dataset, TensorDataset


def test_tensor_dataset_items_are_tuples_of_rows():
    x = badak.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = badak.tensor([0, 1, 0])
    dataset = TensorDataset(x, y)
    assert len(dataset) == 3
    xi, yi = dataset[1]
    assert isinstance(xi, badak.Tensor) and xi.tolist() == [3.0, 4.0] and yi.item() == 1


def test_tensor_dataset_wraps_arrays_without_copying_or_changing_dtype():
    x = np.zeros((4, 2), dtype=np.float64)
    dataset = TensorDataset(x)
    assert dataset.tensors[0].numpy() is x


def test_tensor_dataset_rejects_different_first_dimensions():
    with pytest.raises(
        ValueError, match=r"TensorDataset: .*same size in the first dimension, got sizes \[3, 2\]"
    ):
        TensorDataset(np.zeros((3, 2)), np.zeros(2))


def test_tensor_dataset_rejects_no_tensors_and_scalars():
    with pytest.raises(ValueError, match="TensorDataset: expected at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="TensorDataset: .*0-d"):
        TensorDataset(badak.tensor(1.0))


def test_dataset_base_class_asks_subclasses_for_getitem_and_len():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
