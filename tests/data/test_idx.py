import gzip

import numpy as np
import pytest

from badak.data import DataError, IdxData, load_idx_folder, read_idx
from tests.data.idx_files import idx_bytes, write_idx, write_idx_folder


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_uint8_images(tmp_path, gz):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    out = read_idx(write_idx(tmp_path / "images", images, gz=gz))
    assert out.dtype == np.uint8 and out.shape == (5, 28, 28)
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_labels(tmp_path, gz):
    labels = np.array([3, 0, 9, 9, 1], dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "labels", labels, gz=gz)), labels)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "float32", "float64"])
def test_read_idx_reads_every_type_code_in_native_byte_order(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 12).astype(dtype)
    out = read_idx(write_idx(tmp_path / "a.idx", array))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_result_is_writable(tmp_path):
    out = read_idx(write_idx(tmp_path / "a", np.zeros((2, 2), np.uint8)))
    out[0, 0] = 1


def test_read_idx_rejects_a_truncated_file(tmp_path):
    path = tmp_path / "short"
    data = idx_bytes(np.zeros((4, 3, 3), np.uint8))
    path.write_bytes(data[:-5])
    with pytest.raises(
        DataError, match=rf"short: truncated: expected {len(data)} bytes .* got {len(data) - 5}"
    ):
        read_idx(path)


def test_read_idx_rejects_a_truncated_header(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(idx_bytes(np.zeros((4, 3, 3), np.uint8))[:9])
    with pytest.raises(DataError, match="short: truncated header: expected 16 bytes"):
        read_idx(path)


def test_read_idx_rejects_extra_bytes(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)) + b"\x00")
    with pytest.raises(DataError, match="long: too long: expected 11 bytes"):
        read_idx(path)


@pytest.mark.parametrize("magic", [b"\x01\x00\x08\x01", b"\x00\x00\x07\x01", b"\x00\x00\x08\x00"])
def test_read_idx_rejects_a_bad_magic_number(tmp_path, magic):
    path = tmp_path / "bad"
    path.write_bytes(magic + b"\x00\x00\x00\x01\x05")
    with pytest.raises(DataError, match="bad: bad magic number"):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip_file(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))[:-12])
    with pytest.raises(DataError, match=r"cut.gz: damaged or truncated gzip file"):
        read_idx(path)


def test_read_idx_rejects_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing-here: no such file"):
        read_idx(tmp_path / "nothing-here")


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_folder_flattens_and_scales_images(tmp_path, gz):
    train_x, train_y, test_x, test_y = write_idx_folder(tmp_path, gz=gz)
    data = load_idx_folder(tmp_path)
    assert isinstance(data, IdxData)
    assert data.train_images.dtype == np.float32 and data.train_images.shape == (6, 9)
    assert data.test_images.shape == (4, 9)
    np.testing.assert_allclose(data.train_images, train_x.reshape(6, 9) / 255, rtol=1e-6)
    assert data.train_images.min() >= 0 and data.train_images.max() <= 1
    assert data.train_labels.dtype == np.int64
    np.testing.assert_array_equal(data.train_labels, train_y)
    np.testing.assert_array_equal(data.test_labels, test_y)


def test_load_idx_folder_lists_the_missing_files(tmp_path):
    write_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with pytest.raises(
        DataError, match=r"missing IDX file\(s\): train-images-idx3-ubyte\[\.gz\], t10k-labels"
    ):
        load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_a_missing_folder(tmp_path):
    with pytest.raises(DataError, match="nope: no such folder"):
        load_idx_folder(tmp_path / "nope")


def test_load_idx_folder_rejects_mismatched_counts(tmp_path):
    write_idx_folder(tmp_path, n_train=6)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(
        DataError, match="holds 6 images but train-labels-idx1-ubyte holds 5 labels"
    ):
        load_idx_folder(tmp_path)


def test_load_idx_folder_rejects_labels_that_are_not_1d(tmp_path):
    write_idx_folder(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros((4, 2), np.uint8))
    with pytest.raises(
        DataError, match=r"t10k-labels-idx1-ubyte: expected integer labels of shape \(N,\)"
    ):
        load_idx_folder(tmp_path)
