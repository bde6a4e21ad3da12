"""Writing small IDX files (MNIST's format) for the tests, plain or gzip-compressed."""

import gzip

import numpy as np

_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def idx_bytes(array):
    """The bytes of an IDX file holding `array`: magic number, big-endian sizes, values."""
    array = np.asarray(array)
    magic = bytes([0, 0, _CODES[array.dtype.name], array.ndim])
    sizes = np.array(array.shape, dtype=">u4").tobytes()
    return magic + sizes + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=False):
    """Write `array` to `path` as IDX (gzip-compressed when gz); returns the path."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_idx_folder(folder, n_train=6, n_test=4, side=3, gz=False, seed=0):
    """An MNIST-style folder of random uint8 images (side x side) and labels in [0, 10).

    Returns the arrays written: train_images, train_labels, test_images, test_labels.
    """
    rng = np.random.default_rng(seed)
    arrays = (
        rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
        rng.integers(0, 10, n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
        rng.integers(0, 10, n_test, dtype=np.uint8),
    )
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    names += ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    suffix = ".gz" if gz else ""
    for name, array in zip(names, arrays):
        write_idx(folder / (name + suffix), array, gz=gz)
    return arrays
