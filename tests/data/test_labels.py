import numpy as np
import pytest

from badak.data import DataError, encode_labels


def test_encode_labels_sorts_numbers_numerically_and_keeps_their_spelling():
    classes, indices = encode_labels(["10", "2", "1.5", "2", "-3"])
    assert classes == ["-3", "1.5", "2", "10"]
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, [3, 2, 1, 2, 0])


def test_encode_labels_sorts_strings_as_strings():
    classes, indices = encode_labels(["cat", "ant", "10", "2", "cat"])
    assert classes == ["10", "2", "ant", "cat"]
    np.testing.assert_array_equal(indices, [3, 2, 0, 1, 3])


def test_encode_labels_turns_numbers_into_strings():
    classes, indices = encode_labels(np.array([3, 1, 10, 3]))
    assert classes == ["1", "3", "10"]
    np.testing.assert_array_equal(indices, [1, 0, 2, 1])


def test_encode_labels_with_nan_sorts_as_strings():
    assert encode_labels(["nan", "2", "10"])[0] == ["10", "2", "nan"]


def test_encode_labels_uses_given_classes():
    classes, indices = encode_labels(["b", "a", "b"], classes=["b", "a", "c"])
    assert classes == ["b", "a", "c"]
    np.testing.assert_array_equal(indices, [0, 1, 0])


def test_encode_labels_rejects_a_label_outside_the_given_classes():
    with pytest.raises(
        DataError, match=r"encode_labels: label\(s\) 'z' not among the 2 known classes"
    ):
        encode_labels(["a", "z"], classes=["a", "b"])


def test_encode_labels_rejects_repeated_classes():
    with pytest.raises(ValueError, match="classes must be distinct"):
        encode_labels(["a"], classes=["a", "a"])
