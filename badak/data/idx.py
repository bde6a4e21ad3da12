"""IDX files, the format of MNIST and Fashion-MNIST: one array each, plain or gzip-compressed.

An IDX file is a 4-byte magic number (0x00 0x00, a type code, the number of dimensions n), n
big-endian uint32 sizes, then the values in C order, big-endian.
"""

import gzip
import math
import zlib
from pathlib import Path
from typing import NamedTuple

from badak.data.errors import DataError
from badak.device import np

_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class IdxData(NamedTuple):
    """An IDX folder's contents: images float32 (N, H*W) in [0, 1], labels int64 (N,), and the
    shape of one image as stored, (H, W) for MNIST's (N, H, W) files (None when not known)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    image_shape: tuple = None


def read_idx(path):
    """The array stored in an IDX file (gzip-compressed or not, told apart by its content).

    Returns:
        an ndarray of the stored shape, in native byte order, with the stored dtype (uint8, int8,
        int16, int32, float32 or float64). A damaged or truncated file raises DataError.
    """
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES or raw[3] == 0:
        raise DataError(
            f"{path}: bad magic number 0x{raw[:4].hex()}, not an IDX file (expected 0x0000, "
            f"a type code 08 09 0B 0C 0D or 0E, and the number of dimensions)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(
            f"{path}: truncated header: expected {header} bytes for {ndim} dimensions, "
            f"got {len(raw)}"
        )
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "too long"
        raise DataError(
            f"{path}: {problem}: expected {expected} bytes for shape {shape} of {dtype.name}, "
            f"got {len(raw)}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def _read_bytes(path):
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{path}: no such file" if not file.exists() else f"{path}: not a file")
    try:
        raw = file.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip's magic number
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: damaged or truncated gzip file ({e})") from None
    return raw


def idx_files(directory):
    """Where each of the four IDX files of an MNIST-style folder is: key -> Path, or None.

    Keys are those of IDX_FILES; each file may also be gzip-compressed, named with `.gz`.
    """
    folder = Path(directory)
    found = {}
    for key, name in IDX_FILES.items():
        candidates = [folder / name, folder / (name + ".gz")]
        found[key] = next((p for p in candidates if p.is_file()), None)
    return found


def load_idx_folder(directory):
    """The train and t10k (test) images and labels of an MNIST-style folder.

    The folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
    and t10k-labels-idx1-ubyte, each optionally gzip-compressed (`.gz`).

    Returns:
        IdxData: images float32 of shape (N, H*W) scaled to [0, 1] (N, 784 for MNIST), labels
        int64 of shape (N,), and image_shape, one image's stored shape ((28, 28) for MNIST).
        DataError for missing files, bad files, mismatched counts or image shapes.
    """
    if not Path(directory).is_dir():
        raise DataError(f"{directory}: no such folder")
    paths = idx_files(directory)
    missing = [IDX_FILES[key] + "[.gz]" for key, path in paths.items() if path is None]
    if missing:
        raise DataError(f"{directory}: missing IDX file(s): {', '.join(missing)}")
    train_images, train_shape = _images(paths["train_images"])
    test_images, test_shape = _images(paths["test_images"])
    data = IdxData(
        train_images=train_images,
        train_labels=_labels(paths["train_labels"]),
        test_images=test_images,
        test_labels=_labels(paths["test_labels"]),
        image_shape=train_shape,
    )
    for split in ("train", "test"):
        images, labels = getattr(data, split + "_images"), getattr(data, split + "_labels")
        if len(images) != len(labels):
            raise DataError(
                f"{directory}: {paths[split + '_images'].name} holds {len(images)} images but "
                f"{paths[split + '_labels'].name} holds {len(labels)} labels"
            )
    if data.train_images.shape[1] != data.test_images.shape[1]:
        raise DataError(
            f"{directory}: train images have {data.train_images.shape[1]} pixels each, "
            f"t10k images {data.test_images.shape[1]}"
        )
    if train_shape != test_shape:
        raise DataError(
            f"{directory}: train images are {_dims(train_shape)}, t10k images {_dims(test_shape)}"
        )
    return data


def _dims(shape):
    return "x".join(map(str, shape))


def _images(path):
    """(images float32 (N, D) in [0, 1], one image's stored shape)."""
    array = read_idx(path)
    if array.ndim < 2 or array.dtype != np.uint8:
        raise DataError(
            f"{path}: expected uint8 images of shape (N, rows, cols), "
            f"got {array.dtype} of shape {array.shape}"
        )
    images = array.reshape(len(array), -1).astype(np.float32)
    images /= np.float32(255)
    return images, tuple(array.shape[1:])


def _labels(path):
    array = read_idx(path)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise DataError(
            f"{path}: expected integer labels of shape (N,), "
            f"got {array.dtype} of shape {array.shape}"
        )
    return array.astype(np.int64)
