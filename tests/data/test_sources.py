"""badak/data/sources.py: what `--data` names, as labelled arrays."""

import numpy as np
import pytest

from badak.data import (
    FASHION_MNIST_CLASSES,
    DataError,
    load_fashion_mnist,
    make_spiral,
)
from badak.data.bundled import BUNDLED
from badak.data.sources import Labelled, load_labelled
from badak.random import default_generator, manual_seed
from tests.cli_helpers import write_csv
from tests.data.idx_files import write_idx, write_idx_folder


def assert_labelled(data, n, d, classes):
    assert isinstance(data, Labelled)
    assert data.features.shape == (n, d) and data.features.dtype == np.float32
    assert data.targets.shape == (n,) and data.targets.dtype == np.int64
    assert data.classes == classes and all(isinstance(c, str) for c in data.classes)
    assert len(data.feature_names) == d
    assert 0 <= data.targets.min() and data.targets.max() < len(classes)


# ----------------------------------------------------------------------------------------------
# Named sets
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, n, d, n_classes",
    [
        ("iris", 150, 4, 3),
        ("digits", 1797, 64, 10),
        ("wine", 178, 13, 3),
        ("breast_cancer", 569, 30, 2),
    ],
)
def test_each_bundled_set_loads(name, n, d, n_classes):
    data = load_labelled(name)
    bunch = BUNDLED[name]()
    assert_labelled(data, n, d, [str(t) for t in bunch.target_names])
    assert len(data.classes) == n_classes
    assert data.name == name and data.target_name == "target" and data.held_out is None
    assert data.feature_names == list(bunch.feature_names)
    np.testing.assert_array_equal(data.features, bunch.data)
    np.testing.assert_array_equal(data.targets, bunch.target)


def test_bundled_target_may_be_named_as_it_is():
    assert load_labelled("iris", target="target").classes == ["setosa", "versicolor", "virginica"]


def test_spiral_points_are_fixed():
    manual_seed(5)
    state = default_generator().bit_generator.state
    first = load_labelled("spiral")
    assert default_generator().bit_generator.state == state  # badak's generator is left alone
    manual_seed(6)
    second = load_labelled("spiral")
    assert_labelled(first, 300, 2, ["0", "1", "2"])
    assert first.feature_names == ["x1", "x2"] and first.target_name == "class"
    np.testing.assert_array_equal(first.features, second.features)
    np.testing.assert_array_equal(first.targets, second.targets)
    X, y = make_spiral(generator=np.random.default_rng(0))
    np.testing.assert_array_equal(first.features, X)
    np.testing.assert_array_equal(first.targets, y)
    np.testing.assert_array_equal(np.bincount(first.targets), [100, 100, 100])


def test_fashion_mnist_gives_60000_and_10000_images_of_ten_named_classes():
    data = load_labelled("fashion-mnist")
    assert_labelled(data, 60000, 784, list(FASHION_MNIST_CLASSES))
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    test_images, test_targets = data.held_out
    assert test_images.shape == (10000, 784) and test_targets.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(test_targets), [1000] * 10)
    assert data.target_name == "label"


def test_fashion_mnist_absent_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(load_fashion_mnist, "__defaults__", (str(tmp_path / "absent"),))
    with pytest.raises(DataError, match=r"apt-get install dataset-fashion-mnist"):
        load_labelled("fashion-mnist")


def test_an_unknown_name_lists_the_bundled_sets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="no such file or folder") as error:
        load_labelled("mnist")
    for name in ("digits", "iris", "wine", "breast_cancer", "spiral", "fashion-mnist"):
        assert name in str(error.value)


@pytest.mark.parametrize("name", ["iris", "spiral"])
def test_target_does_not_apply_to_a_named_set(name):
    with pytest.raises(DataError, match="does not apply"):
        load_labelled(name, target="species")


def test_a_bundled_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits").mkdir()
    write_idx_folder(tmp_path / "digits")
    assert load_labelled("digits").features.shape == (1797, 64)
    assert load_labelled("./digits").features.shape == (6, 9)  # a path still reaches it


# ----------------------------------------------------------------------------------------------
# CSV files and IDX folders
# ----------------------------------------------------------------------------------------------
def test_a_csv_file_gives_its_columns_and_sorted_string_classes(tmp_path):
    rows = [["1", "2", "dog"], ["3", "4", "cat"], ["5", "6", "dog"]]
    data = load_labelled(write_csv(tmp_path / "pets.csv", ["a", "b", "kind"], rows))
    assert_labelled(data, 3, 2, ["cat", "dog"])
    assert data.name == "pets" and data.feature_names == ["a", "b"] and data.target_name == "kind"
    np.testing.assert_array_equal(data.features, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(data.targets, [1, 0, 1])
    assert data.held_out is None


def test_numeric_labels_sort_as_numbers(tmp_path):
    rows = [["1", "10"], ["2", "2"], ["3", "-1.5"], ["4", "2"]]
    data = load_labelled(write_csv(tmp_path / "n.csv", ["x", "y"], rows))
    assert data.classes == ["-1.5", "2", "10"]
    np.testing.assert_array_equal(data.targets, [2, 1, 0, 1])


def test_target_picks_a_column_of_a_csv_file(tmp_path):
    rows = [["1", "a", "2"], ["3", "b", "4"]]
    data = load_labelled(write_csv(tmp_path / "m.csv", ["x", "label", "y"], rows), "label")
    assert data.feature_names == ["x", "y"] and data.target_name == "label"
    np.testing.assert_array_equal(data.features, [[1, 2], [3, 4]])


@pytest.mark.parametrize("gz", [False, True])
def test_an_idx_folder_holds_out_its_t10k_pair(tmp_path, gz):
    train_images, train_labels, test_images, test_labels = write_idx_folder(
        tmp_path, n_train=30, n_test=8, side=3, gz=gz
    )
    data = load_labelled(tmp_path)
    classes = sorted({int(v) for v in np.concatenate([train_labels, test_labels])})
    assert_labelled(data, 30, 9, [str(c) for c in classes])
    assert data.feature_names == [f"pixel{i}" for i in range(9)] and data.target_name == "label"
    np.testing.assert_array_equal(data.features * 255, train_images.reshape(30, 9))
    assert np.asarray(data.classes)[data.targets].tolist() == train_labels.astype(str).tolist()
    features, targets = data.held_out
    np.testing.assert_array_equal(features * 255, test_images.reshape(8, 9))
    assert np.asarray(data.classes)[targets].tolist() == test_labels.astype(str).tolist()


def test_an_idx_folder_with_a_label_only_in_t10k(tmp_path):
    write_idx_folder(tmp_path, n_train=4, n_test=2)

    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 0, 1], np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 7], np.uint8))
    data = load_labelled(tmp_path)
    assert data.classes == ["0", "1", "7"]
    np.testing.assert_array_equal(data.held_out[1], [1, 2])


# ----------------------------------------------------------------------------------------------
# Classes given (a model's, for evaluate)
# ----------------------------------------------------------------------------------------------
def test_given_classes_re_encode_the_labels():
    data = load_labelled("iris", classes=["virginica", "setosa", "versicolor"])
    assert data.classes == ["virginica", "setosa", "versicolor"]
    own = load_labelled("iris")
    names = np.asarray(own.classes)[own.targets]
    assert (np.asarray(data.classes)[data.targets] == names).all()


def test_given_classes_may_hold_more_than_the_data(tmp_path):
    rows = [["1", "cat"], ["2", "dog"]]
    path = write_csv(tmp_path / "p.csv", ["x", "kind"], rows)
    data = load_labelled(path, classes=["bird", "cat", "dog"])
    assert data.classes == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(data.targets, [1, 2])


def test_labels_outside_the_given_classes_raise(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["x", "kind"], [["1", "cat"], ["2", "emu"]])
    with pytest.raises(DataError, match=r"'emu' not among the 2 known classes"):
        load_labelled(path, classes=["cat", "dog"])
    with pytest.raises(DataError, match="'virginica'"):
        load_labelled("iris", classes=["setosa", "versicolor"])


def test_given_classes_apply_to_the_t10k_pair(tmp_path):
    write_idx_folder(tmp_path, n_train=4, n_test=2)

    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([3, 5, 3, 5], np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([5, 3], np.uint8))
    data = load_labelled(tmp_path, classes=["5", "3", "9"])
    np.testing.assert_array_equal(data.targets, [1, 0, 1, 0])
    np.testing.assert_array_equal(data.held_out[1], [0, 1])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([5, 4], np.uint8))
    with pytest.raises(DataError, match="'4'"):
        load_labelled(tmp_path, classes=["5", "3"])
