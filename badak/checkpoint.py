"""Saving and loading: `.npz` files with a JSON description, never pickle; atomic writes.

A badak file is an ordinary `.npz` archive. Arrays are stored under readable names (a state
dict's `0.weight`, a nested value's `optimizer/state/0/exp_avg`); the structure around them
(dicts, lists, numbers, strings) and any metadata go, as JSON, under the key `__badak__`.
`np.load(path)` reads the arrays without badak; `badak.load` rebuilds the object.
"""

import json
import os
from pathlib import Path

from badak.device import np
from badak.tensor import Tensor

METADATA_KEY = "__badak__"
FORMAT_VERSION = 1


# ----------------------------------------------------------------------------------------------
# Atomic writes
# ----------------------------------------------------------------------------------------------
def atomic_write(path, write, mode="wb"):
    """Call write(file) on `.NAME.tmp` beside `path`, then rename it over `path`.

    A reader (or a run killed at any moment) sees the old file or the new one, never half of
    one; on an exception the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, mode) as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path, text):
    """Write a text file atomically (UTF-8)."""
    atomic_write(path, lambda file: file.write(text.encode("utf-8")))


# ----------------------------------------------------------------------------------------------
# Encoding a tree of dicts, lists, scalars and arrays
# ----------------------------------------------------------------------------------------------
def _encode(value, name, arrays):
    """JSON-ready description of `value`; arrays go into `arrays` under unique names."""
    if isinstance(value, (Tensor, np.ndarray)):
        key = name or "array"
        while key in arrays or key == METADATA_KEY:
            key += "_"
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if array.dtype.hasobject:
            raise TypeError(f"save: {key} is an object array, which only pickle could store")
        arrays[key] = array
        return {"__array__": key, "tensor": isinstance(value, Tensor)}
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r}")
            items.append([k, _encode(v, _join(name, k), arrays)])
        return {"__dict__": items}
    if isinstance(value, (list, tuple)):
        kind = "__list__" if isinstance(value, list) else "__tuple__"
        return {kind: [_encode(v, _join(name, i), arrays) for i, v in enumerate(value)]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"save: cannot store a {type(value).__name__}; expected Tensors, arrays, dicts, lists, "
        "numbers and strings (badak never pickles)"
    )


def _join(name, key):
    return f"{name}/{key}" if name else str(key)


def _decode(tree, arrays):
    if isinstance(tree, dict):
        if "__array__" in tree:
            array = arrays[tree["__array__"]]
            return Tensor._from_array(array) if tree["tensor"] else array
        if "__dict__" in tree:
            return {k: _decode(v, arrays) for k, v in tree["__dict__"]}
        if "__list__" in tree:
            return [_decode(v, arrays) for v in tree["__list__"]]
        if "__tuple__" in tree:
            return tuple(_decode(v, arrays) for v in tree["__tuple__"])
    return tree


# ----------------------------------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------------------------------
def save(obj, path, metadata=None):
    """Write `obj` (a state dict, or nested dicts/lists of Tensors, arrays, numbers, strings) to
    an `.npz` file, atomically. `metadata` (JSON-ready) is stored beside it."""
    arrays = {}
    description = {
        "format": "badak",
        "version": FORMAT_VERSION,
        "tree": _encode(obj, "", arrays),
        "metadata": metadata or {},
    }
    text = np.array(json.dumps(description))
    atomic_write(path, lambda file: np.savez(file, **arrays, **{METADATA_KEY: text}))


def load_with_metadata(path):
    """(object, metadata) from a file written by `save`; ValueError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no file {str(path)!r}")
    with open(path, "rb") as file:
        if file.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise ValueError(f"load: {str(path)!r} is not a badak file: it is not an .npz archive")
    import zipfile  # only loading needs it; `import badak` stays quick

    try:
        with np.load(path, allow_pickle=False) as archive:
            if METADATA_KEY not in archive.files:
                raise ValueError("it has no __badak__ entry")
            description = json.loads(str(archive[METADATA_KEY]))
            if not isinstance(description, dict) or description.get("format") != "badak":
                raise ValueError("its __badak__ entry is not badak's")
            if description.get("version", 0) > FORMAT_VERSION:
                raise ValueError(
                    f"it has format version {description['version']}, newer than badak's"
                )
            arrays = {name: archive[name] for name in archive.files if name != METADATA_KEY}
            obj = _decode(description["tree"], arrays)
    # not an npz, a truncated one, or a description that does not match its arrays
    except (ValueError, OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise ValueError(f"load: {str(path)!r} is not a badak file: {error}") from None
    return obj, description.get("metadata", {})


def load(path):
    """The object stored by `save` at `path` (arrays come back as Tensors where they were)."""
    return load_with_metadata(path)[0]
