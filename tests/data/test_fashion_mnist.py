from pathlib import Path

import numpy as np
import pytest

from badak.data import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    DataError,
    load_fashion_mnist,
)
from tests.data.idx_files import write_idx_folder


def test_fashion_mnist_has_ten_class_names():
    assert len(FASHION_MNIST_CLASSES) == 10
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"


def test_load_fashion_mnist_reads_the_debian_package():
    # CI installs dataset-fashion-mnist with apt-get: a missing folder is a failure, not a skip.
    assert Path(FASHION_MNIST_DIR).is_dir(), (
        "install it with: apt-get install dataset-fashion-mnist"
    )
    data = load_fashion_mnist()
    assert data.train_images.shape == (60000, 784) and data.train_images.dtype == np.float32
    assert data.test_images.shape == (10000, 784)
    assert data.train_labels.shape == (60000,) and data.test_labels.shape == (10000,)
    assert data.train_labels.dtype == np.int64
    assert 0 <= data.train_images.min() and data.train_images.max() <= 1
    np.testing.assert_array_equal(np.bincount(data.train_labels), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(data.test_labels), [1000] * 10)


def test_load_fashion_mnist_says_how_to_install_it_when_absent(tmp_path):
    with pytest.raises(DataError, match=r"not found in .*apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path / "absent")


def test_load_fashion_mnist_reads_another_folder(tmp_path):
    arrays = write_idx_folder(tmp_path, gz=True)
    data = load_fashion_mnist(tmp_path)
    np.testing.assert_array_equal(data.test_labels, arrays[3])
