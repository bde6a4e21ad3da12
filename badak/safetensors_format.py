"""The safetensors format, read and written with NumPy: 8 bytes giving the header's length N
(little-endian), N bytes of JSON (each tensor's dtype, shape and byte range, an optional
"__metadata__" of str -> str), then the tensors' bytes, little-endian. It holds a flat dict of
str -> tensor, nothing else; torch (with the safetensors package) and other frameworks read it.
"""

import io
import json
import os
import struct
from pathlib import Path

from badak.checkpoint_files import NamedBytes, atomic_write
from badak.device import np
from badak.tensor import Tensor

SAFETENSORS_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip
_SAFETENSORS_CODES = {np.dtype(dtype): code for code, dtype in SAFETENSORS_DTYPES.items()}
_SAFETENSORS_HEADER_MAX = 100_000_000  # bytes of JSON, the safetensors library's own limit
_SAFETENSORS_HINT = "a .safetensors file holds a flat dict of str -> Tensor"


def is_safetensors_name(path):
    name = getattr(path, "name", None) if hasattr(path, "write") or hasattr(path, "read") else path
    return isinstance(name, (str, os.PathLike)) and str(name).lower().endswith(".safetensors")


def save_safetensors(tensors, path, metadata=None):
    """Write a dict of str -> Tensor (or array) to `path` in the safetensors format, atomically
    (a binary file object is written as it is given). `metadata` is stored as "__metadata__",
    a dict of str -> str. Everything is checked before a byte is written.

    The tensors' bytes follow one another, widest dtype first, and the header is padded with
    spaces to a multiple of 8 bytes, so each tensor starts aligned to its dtype's size.
    """
    if not isinstance(tensors, dict):
        raise TypeError(f"save: {_SAFETENSORS_HINT}, got a {type(tensors).__name__}")
    arrays = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"save: {_SAFETENSORS_HINT}; a key {name!r} cannot name a tensor")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {_SAFETENSORS_HINT}; {name!r} is a {type(value).__name__}")
        array = value._data if isinstance(value, Tensor) else value
        if array.dtype.newbyteorder("=") not in _SAFETENSORS_CODES:
            raise TypeError(
                f"save: safetensors has no dtype for {name!r} of dtype {array.dtype}; it "
                f"holds {', '.join(SAFETENSORS_DTYPES)}"
            )
        arrays[name] = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise TypeError("save: safetensors metadata must be a dict of str -> str")

    layout = sorted(arrays, key=lambda name: (-arrays[name].itemsize, name))
    offsets, end = {}, 0
    for name in layout:
        offsets[name] = [end, end + arrays[name].nbytes]
        end += arrays[name].nbytes
    header = {"__metadata__": metadata} if metadata else {}
    for name, array in arrays.items():  # the header keeps the dict's order
        code = _SAFETENSORS_CODES[array.dtype.newbyteorder("=")]
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)

    def write(file):
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for name in layout:
            file.write(arrays[name].reshape(-1).view(np.uint8).data)

    if hasattr(path, "write"):
        write(path)
    else:
        atomic_write(path, write)


def load_safetensors(path):
    """(dict of str -> Tensor, metadata) from a safetensors file (a path or a file object).

    The header is checked whole before any tensor is read: known dtypes, shapes that fill
    exactly their byte ranges, and ranges that tile the data without gaps or overlaps (as the
    safetensors library requires). BF16 tensors come back as float32 (badak has no bfloat16;
    the widening is exact). ValueError "not a safetensors file" for anything else.
    """
    if hasattr(path, "read") and not isinstance(path, NamedBytes):
        path = NamedBytes(path.read(), getattr(path, "name", "<file object>"))
    try:
        if isinstance(path, NamedBytes):
            return _read_safetensors(path)
        if not Path(path).is_file():
            raise FileNotFoundError(f"load: no file {str(path)!r}")
        with open(path, "rb") as file:
            return _read_safetensors(file)
    except (ValueError, KeyError, TypeError, RecursionError, EOFError) as error:
        raise ValueError(f"load: {str(path)!r} is not a safetensors file: {error}") from None


def _read_safetensors(file):
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    if size < 8:
        raise ValueError(f"it has {size} bytes, fewer than the 8 of a header length")
    (length,) = struct.unpack("<Q", file.read(8))
    if length > min(_SAFETENSORS_HEADER_MAX, size - 8):
        raise ValueError(f"its header length {length} does not fit its {size} bytes")
    header = json.loads(file.read(length).decode("utf-8"), object_pairs_hook=_no_duplicates)
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("its __metadata__ is not a dict of str -> str")
    entries = {name: _safetensors_entry(name, entry) for name, entry in header.items()}
    data_size, end = size - 8 - length, 0
    for name, (_, _, (begin, stop)) in sorted(entries.items(), key=lambda item: item[1][2]):
        if begin != end:
            raise ValueError(f"the bytes of {name!r} start at {begin}, not at {end}")
        end = stop
    if end != data_size:
        raise ValueError(f"its tensors take {end} bytes of its {data_size} bytes of data")
    tensors = {}
    for name, (code, shape, (begin, stop)) in entries.items():
        stored = np.dtype(np.uint16 if code == "BF16" else SAFETENSORS_DTYPES[code])
        array = np.empty(shape, dtype=stored.newbyteorder("<"))
        file.seek(8 + length + begin)
        if file.readinto(array.reshape(-1).view(np.uint8).data) != stop - begin:
            raise ValueError(f"the bytes of {name!r} end early")
        if code == "BOOL" and np.any(array.view(np.uint8) > 1):
            raise ValueError(f"{name!r} holds bytes other than 0 and 1 as BOOL")
        if code == "BF16":  # bfloat16 is the top half of a float32
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = Tensor._from_array(array.astype(array.dtype.newbyteorder("="), copy=False))
    return tensors, metadata


def _safetensors_entry(name, entry):
    """(dtype code, shape, (begin, end)) of one header entry, checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"its entry {name!r} is not {{dtype, shape, data_offsets}}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code != "BF16" and code not in SAFETENSORS_DTYPES:
        raise ValueError(f"{name!r} has dtype {code!r}, which badak cannot hold")
    if not isinstance(shape, list) or not all(_natural(n) for n in shape):
        raise ValueError(f"{name!r} has shape {shape!r}, not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_natural, offsets))):
        raise ValueError(f"{name!r} has data_offsets {offsets!r}, not [begin, end]")
    itemsize = 2 if code == "BF16" else np.dtype(SAFETENSORS_DTYPES[code]).itemsize
    count = 1
    for n in shape:
        count *= n  # Python ints: a declared 10^30 elements is a clean mismatch, no overflow
    if offsets[1] - offsets[0] != count * itemsize:
        raise ValueError(
            f"{name!r} declares shape {shape} of {code}, which does not fill its bytes "
            f"{offsets[0]}..{offsets[1]}"
        )
    return code, tuple(shape), tuple(offsets)


def _natural(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("its header names a key twice")
    return dict(pairs)
