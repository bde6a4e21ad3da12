"""Saving and loading: `.npz` files with a JSON description, or `.safetensors` files; never
pickle; atomic writes.

A badak file is an ordinary `.npz` archive. Arrays are stored under readable names (a state
dict's `0.weight`, a nested value's `optimizer/state/0/exp_avg`); the structure around them
(dicts, lists, numbers, strings) and any metadata go, as JSON, under the key `__badak__`.
`np.load(path)` reads the arrays without badak; `badak.load` rebuilds the object.

A path ending in `.safetensors` is written in the safetensors format instead
(badak.safetensors_format), which torch (with the safetensors package) and other frameworks read.
"""

import json
from pathlib import Path

from badak.checkpoint_files import NamedBytes, atomic_write, write_text
from badak.device import device as _device
from badak.device import np
from badak.safetensors_format import is_safetensors_name, load_safetensors, save_safetensors
from badak.tensor import Tensor

__all__ = ["atomic_write", "load", "load_with_metadata", "save", "write_text"]

METADATA_KEY = "__badak__"
FORMAT_VERSION = 1
MAX_DEPTH = 64  # nesting of the stored tree; a state dict is 3 or 4 deep


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
    if hasattr(value, "state_dict"):  # a Module or an optimizer
        raise TypeError(
            f"save: cannot store a {type(value).__name__} object (badak never pickles); "
            "save its state_dict() and load that into a new one"
        )
    raise TypeError(
        f"save: cannot store a {type(value).__name__}; expected Tensors, arrays, dicts, lists, "
        "numbers and strings (badak never pickles)"
    )


def _join(name, key):
    return f"{name}/{key}" if name else str(key)


def _decode(tree, arrays, depth=0):
    """The object `tree` describes; ValueError where it is not a tree `_encode` could write."""
    if depth > MAX_DEPTH:
        raise ValueError(f"its structure is nested more than {MAX_DEPTH} deep")
    if isinstance(tree, dict):
        if "__array__" in tree:
            array = arrays[tree["__array__"]]
            if not tree["tensor"]:
                return array
            if array.dtype.kind not in "biufc":
                raise ValueError(f"a tensor of dtype {array.dtype}")
            return Tensor._from_array(array)
        if "__dict__" in tree:
            items = tree["__dict__"]
            if not all(isinstance(item, list) and len(item) == 2 for item in items):
                raise ValueError("a dict that is not a list of [key, value] pairs")
            return {_key(k): _decode(v, arrays, depth + 1) for k, v in items}
        if "__list__" in tree:
            return [_decode(v, arrays, depth + 1) for v in tree["__list__"]]
        if "__tuple__" in tree:
            return tuple(_decode(v, arrays, depth + 1) for v in tree["__tuple__"])
        raise ValueError(f"an unknown entry with keys {sorted(tree)[:3]}")
    if isinstance(tree, list):  # lists are always written inside a __list__ or __dict__ entry
        raise ValueError("a bare list in its structure")
    return tree


def _key(key):
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise ValueError(f"a dict key {key!r}, not a str or int")
    return key


# ----------------------------------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------------------------------
def save(obj, path, metadata=None):
    """Write `obj` (a state dict, or nested dicts/lists of Tensors, arrays, numbers, strings) to
    an `.npz` file, atomically, as torch.save; each array keeps its shape and dtype. `path` may
    also be a binary file object (written as it is given). `metadata` (JSON-ready) is stored
    beside it. A Module or other object is refused, before
    anything is written: save its `state_dict()`. A `.safetensors` path (or a file object of
    that name) is written in the safetensors format: `obj` a dict of str -> Tensor, `metadata`
    a dict of str -> str."""
    if is_safetensors_name(path):
        save_safetensors(obj, path, metadata)
        return
    arrays = {}
    description = {
        "format": "badak",
        "version": FORMAT_VERSION,
        "tree": _encode(obj, "", arrays),
        "metadata": metadata or {},
    }
    text = np.array(json.dumps(description))
    if hasattr(path, "write"):
        np.savez(path, **arrays, **{METADATA_KEY: text})
    else:
        atomic_write(path, lambda file: np.savez(file, **arrays, **{METADATA_KEY: text}))


def load_with_metadata(path):
    """(object, metadata) from a file written by `save`; ValueError "not a badak file" for
    anything else, checked before anything is built: every member of the archive must be an
    .npy array (never a pickle) whose declared shape and dtype fill exactly the bytes it has."""
    import zipfile  # only loading needs it; `import badak` stays quick

    if hasattr(path, "read"):  # a binary file object: read whole, named as it names itself
        path = NamedBytes(path.read(), getattr(path, "name", "<file object>"))
        head = bytes(path.getbuffer()[:9])
    else:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"load: no file {str(path)!r}")
        with open(path, "rb") as file:
            head = file.read(9)
    if is_safetensors_name(path) or (head[:4] != b"PK\x03\x04" and head[8:9] == b"{"):
        return load_safetensors(path)
    if head[:4] != b"PK\x03\x04":  # every .npz is a zip archive
        raise ValueError(f"load: {str(path)!r} is not a badak file: it is not an .npz archive")

    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {name[:-4]: _read_member(archive, name) for name in _members(archive)}
        if METADATA_KEY not in arrays:
            raise ValueError("it has no __badak__ entry")
        text = arrays.pop(METADATA_KEY)
        if text.dtype.kind != "U" or text.ndim != 0:
            raise ValueError("its __badak__ entry is not a JSON text")
        description = json.loads(str(text))
        if not isinstance(description, dict) or description.get("format") != "badak":
            raise ValueError("its __badak__ entry is not badak's")
        version = description.get("version", 0)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(f"it has format version {version!r}, newer than badak's")
        metadata = description.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ValueError("its metadata is not a JSON object")
        obj = _decode(description["tree"], arrays)
    # a damaged archive, or a description that does not match its arrays; JSON nested too deep
    # for Python's parser gives RecursionError
    except (ValueError, OSError, EOFError, KeyError, TypeError, RecursionError) as error:
        raise ValueError(f"load: {str(path)!r} is not a badak file: {error}") from None
    except zipfile.BadZipFile as error:
        raise ValueError(f"load: {str(path)!r} is not a badak file: {error}") from None
    return obj, metadata


def _members(archive):
    """The archive's member names, each an .npy file (as np.savez writes them)."""
    names = archive.namelist()
    strange = [name for name in names if not name.endswith(".npy")]
    if strange:
        raise ValueError(f"its member {strange[0]!r} is not an .npy array")
    if len(set(names)) != len(names):
        raise ValueError("it has two members of one name")
    return names


def _read_member(archive, name):
    """The array in member `name`, its header checked against the member's size first (a header
    may declare 10^13 elements in a file of a few bytes)."""
    info = archive.getinfo(name)
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"its member {name!r} has .npy format {version}")
        if dtype.hasobject:
            raise ValueError(f"its member {name!r} holds Python objects (a pickle)")
        size = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if size != info.file_size - member.tell():
            raise ValueError(
                f"its member {name!r} declares shape {shape} of {dtype}, which does not fit "
                f"its {info.file_size} bytes"
            )
        data = member.read(size)
    array = np.frombuffer(data, dtype=dtype)
    array = array.reshape(shape, order="F" if fortran_order else "C")
    return array.astype(dtype.newbyteorder("="), copy=True)  # writable, in this machine's order


def load(path, map_location=None, weights_only=True, **pickle_load_args):
    """The object stored by `save` at `path` (a path or a binary file object), as torch.load;
    arrays come back as Tensors where they were, each with the shape and dtype it was saved
    with. A safetensors file gives its dict of str -> Tensor.

    PyTorch's arguments are accepted: `map_location` must name the CPU (or map to it), and
    `weights_only` changes nothing, since badak's files hold only tensors, numbers and strings
    and are never unpickled."""
    if map_location is not None and not callable(map_location):
        targets = map_location.values() if isinstance(map_location, dict) else [map_location]
        for target in targets:
            _device(target)  # raises for a device badak cannot serve
    if pickle_load_args:
        raise TypeError(f"load: unexpected arguments {sorted(pickle_load_args)} (no pickle)")
    return load_with_metadata(path)[0]
