"""badak.save / badak.load with a `.safetensors` path: the format checked byte by byte against
its specification, round trips of every dtype, refusals of what it cannot hold, hostile files
refused with one ValueError, and (where the safetensors package is installed) its reader."""

import io
import json
import struct

import numpy as np
import pytest

import badak
from badak import checkpoint, nn

DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}  # fmt: skip


def sample(dtype, shape=(2, 3), seed=0):
    values = np.random.default_rng(seed).standard_normal(shape) * 50
    return (values > 0) if dtype is np.bool_ else values.astype(dtype)


def parse(raw):
    """(header, data bytes) of a safetensors file, read by the specification alone."""
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + length]), raw[8 + length :], length


def write_raw(path, header, data, pad=b""):
    text = json.dumps(header).encode() + pad
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def test_the_file_follows_the_specification_byte_by_byte(tmp_path):
    state = {code: badak.tensor(sample(dtype)) for code, dtype in DTYPES.items()}
    state["scalar"] = badak.tensor(np.float32(1.5))
    state["empty"] = badak.tensor(np.zeros((0, 4), np.float32))
    path = tmp_path / "model.safetensors"
    badak.save(state, path, metadata={"format": "pt", "note": "hi"})
    header, data, length = parse(path.read_bytes())
    assert length % 8 == 0  # padded with spaces so every tensor starts aligned
    assert header.pop("__metadata__") == {"format": "pt", "note": "hi"}
    assert list(header) == list(state)  # the dict's order
    ranges = sorted(tuple(entry["data_offsets"]) for entry in header.values())
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # no gaps, no overlaps
    for name, entry in header.items():
        array = state[name].numpy()
        code = {"scalar": "F32", "empty": "F32"}.get(name, name)
        assert entry["dtype"] == code and entry["shape"] == list(array.shape)
        begin, end = entry["data_offsets"]
        assert begin % array.itemsize == 0
        assert data[begin:end] == array.astype(array.dtype.newbyteorder("<")).tobytes()


@pytest.mark.parametrize("code", DTYPES)
def test_every_dtype_round_trips_bitwise(tmp_path, code):
    array = sample(DTYPES[code], shape=(3, 1, 2))
    badak.save({"t": badak.tensor(array), "a": array[::2]}, tmp_path / "x.safetensors")
    back = badak.load(tmp_path / "x.safetensors")
    assert list(back) == ["t", "a"] and all(type(v) is badak.Tensor for v in back.values())
    assert back["t"].dtype == array.dtype and back["t"].numpy().tobytes() == array.tobytes()
    np.testing.assert_array_equal(back["a"].numpy(), array[::2])


def test_a_state_dict_moves_to_a_fresh_model(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    badak.save(model.state_dict(), tmp_path / "m.safetensors")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(badak.load(tmp_path / "m.safetensors"))
    x = badak.ones(2, 3)
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_metadata_and_file_objects(tmp_path):
    path = tmp_path / "w.safetensors"
    checkpoint.save({"w": badak.ones(2)}, path, metadata={"k": "v"})
    tensors, metadata = checkpoint.load_with_metadata(path)
    assert metadata == {"k": "v"} and tensors["w"].tolist() == [1.0, 1.0]
    with open(path, "rb") as file:  # a file object named .safetensors
        assert badak.load(file)["w"].tolist() == [1.0, 1.0]
    with open(tmp_path / "copy.safetensors", "wb") as file:
        badak.save({"w": badak.zeros(1)}, file)
    assert badak.load(tmp_path / "copy.safetensors")["w"].tolist() == [0.0]
    unnamed = io.BytesIO(path.read_bytes())  # recognised by its content
    assert badak.load(unnamed)["w"].tolist() == [1.0, 1.0]


def test_a_big_endian_array_is_written_little_endian(tmp_path):
    array = np.arange(3, dtype=">i4")
    badak.save({"x": array}, tmp_path / "x.safetensors")
    header, data, _ = parse((tmp_path / "x.safetensors").read_bytes())
    assert data == np.arange(3, dtype="<i4").tobytes()
    assert badak.load(tmp_path / "x.safetensors")["x"].tolist() == [0, 1, 2]


def test_bfloat16_loads_as_float32_exactly(tmp_path):
    values = np.array([1.0, -2.5, 3.140625, np.inf], np.float32)
    bits = (values.view(np.uint32) >> 16).astype("<u2")
    header = {"b": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}
    write_raw(tmp_path / "b.safetensors", header, bits.tobytes())
    back = badak.load(tmp_path / "b.safetensors")["b"]
    assert back.dtype == np.float32 and back.numpy().tobytes() == values.tobytes()


@pytest.mark.parametrize(
    "obj, match",
    [
        ([badak.ones(1)], "got a list"),
        ({"a": {"b": badak.ones(1)}}, "'a' is a dict"),
        ({"a": 3.0}, "'a' is a float"),
        ({1: badak.ones(1)}, "a key 1 cannot name a tensor"),
        ({"__metadata__": badak.ones(1)}, "a key '__metadata__' cannot name a tensor"),
    ],
)
def test_save_refuses_anything_but_a_flat_dict_of_tensors(tmp_path, obj, match):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=f"^save: a .safetensors file holds a flat dict of str "
                                        f"-> Tensor.*{match}"):  # fmt: skip
        badak.save(obj, path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_save_refuses_dtypes_and_metadata_safetensors_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="save: safetensors has no dtype for 'c' of dtype complex"):
        badak.save({"c": np.ones(2, np.complex64)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="save: safetensors metadata must be a dict of str"):
        badak.save({"w": badak.ones(1)}, tmp_path / "x.safetensors", metadata={"epoch": 3})
    assert list(tmp_path.iterdir()) == []


def entry(dtype, shape, begin, end, **extra):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end], **extra}


def good_header():
    return {"a": entry("F32", [2], 0, 8), "b": entry("I8", [3], 8, 11)}


TWICE = b'"a":{"dtype":"I8","shape":[0],"data_offsets":[0,0]}'
HOSTILE = {
    "too short": lambda p: p.write_bytes(b"\x01\x00"),
    "header longer than the file": lambda p: p.write_bytes(struct.pack("<Q", 10**6) + b"{}"),
    "header not json": lambda p: p.write_bytes(struct.pack("<Q", 3) + b"{x}"),
    "bad utf-8": lambda p: p.write_bytes(struct.pack("<Q", 2) + b"\xff\xfe"),
    "header a list": lambda p: write_raw(p, [], b""),
    "unknown dtype": lambda p: write_raw(p, {"a": entry("F8_E4M3", [1], 0, 1)}, b"\0"),
    "shape does not fill": lambda p: write_raw(p, {"a": entry("F32", [10**30], 0, 4)}, b"\0" * 4),
    "negative size": lambda p: write_raw(p, {"a": entry("F32", [-1], 0, 4)}, b"\0" * 4),
    "a gap": lambda p: write_raw(p, {"a": entry("I8", [1], 1, 2)}, b"\0\0"),
    "overlap": lambda p: write_raw(p, {**good_header(), "c": entry("I8", [1], 0, 1)}, b"\0" * 11),
    "data left over": lambda p: write_raw(p, good_header(), b"\0" * 12),
    "data missing": lambda p: write_raw(p, good_header(), b"\0" * 10),
    "extra entry key": lambda p: write_raw(p, {"a": entry("I8", [1], 0, 1, x=1)}, b"\0"),
    "bad bool byte": lambda p: write_raw(p, {"a": entry("BOOL", [1], 0, 1)}, b"\x07"),
    "metadata not str": lambda p: write_raw(p, {"__metadata__": {"a": 1}}, b""),
    "duplicate key": lambda p: p.write_bytes(
        struct.pack("<Q", 2 * len(TWICE) + 3) + b"{" + TWICE + b"," + TWICE + b"}"
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_load_refuses_a_malformed_file_with_one_value_error(tmp_path, name):
    path = tmp_path / "bad.safetensors"
    HOSTILE[name](path)
    with pytest.raises(ValueError, match="^load: .*bad.safetensors' is not a safetensors file"):
        badak.load(path)


def test_a_well_formed_file_with_spaces_after_its_header_loads(tmp_path):
    write_raw(tmp_path / "ok.safetensors", good_header(), b"\0" * 11, pad=b"     ")
    back = badak.load(tmp_path / "ok.safetensors")
    assert back["a"].tolist() == [0.0, 0.0] and back["b"].dtype == np.int8


def test_the_safetensors_package_reads_badaks_file_and_badak_reads_its(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    state = {code: sample(dtype) for code, dtype in DTYPES.items()}
    badak.save(state, tmp_path / "ours.safetensors", metadata={"k": "v"})
    theirs = st.load_file(str(tmp_path / "ours.safetensors"))
    assert sorted(theirs) == sorted(state)
    for name, array in state.items():
        assert theirs[name].dtype == array.dtype
        np.testing.assert_array_equal(theirs[name], array)
    st.save_file(state, str(tmp_path / "theirs.safetensors"))
    back = badak.load(tmp_path / "theirs.safetensors")
    for name, array in state.items():
        assert back[name].numpy().tobytes() == array.tobytes()
