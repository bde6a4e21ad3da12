"""badak.checkpoint: .npz round trips, readable without badak, no pickle, atomic writes."""

import json
import os
import zipfile

import numpy as np
import pytest

import badak
from badak import checkpoint, nn


def state_dict():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    state = model.state_dict()
    state["extra.half"] = badak.tensor(np.array([1.5, -2.0], np.float16))
    state["extra.f64"] = badak.tensor(np.random.default_rng(0).standard_normal((2, 2)))
    return state


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_state_dict_round_trip_is_bitwise(tmp_path):
    state = state_dict()
    path = tmp_path / "model.npz"
    badak.save(state, path)
    loaded = badak.load(path)
    assert list(loaded) == list(state)
    for name, tensor in state.items():
        assert type(loaded[name]) is badak.Tensor
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        assert loaded[name].numpy().tobytes() == tensor.numpy().tobytes()
    assert leftovers(tmp_path) == []


def test_a_loaded_state_dict_fills_a_fresh_model(tmp_path):
    model = nn.MLP(3, [5], 2)
    badak.save(model.state_dict(), tmp_path / "m.npz")
    fresh = nn.MLP(3, [5], 2)
    fresh.load_state_dict(badak.load(tmp_path / "m.npz"))
    x = badak.tensor(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_numpy_reads_the_arrays_under_their_state_dict_names(tmp_path):
    state = state_dict()
    badak.save(state, tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted([*state, "__badak__"])
        for name, tensor in state.items():
            np.testing.assert_array_equal(archive[name], tensor.numpy())
        description = json.loads(str(archive["__badak__"]))
    assert description["format"] == "badak" and description["version"] == checkpoint.FORMAT_VERSION


def test_nested_structures_round_trip(tmp_path):
    array = np.arange(6, dtype=np.int64).reshape(2, 3)
    obj = {
        "epoch": 3,
        "lr": 0.1,
        "name": "run-α",
        "done": False,
        "nothing": None,
        "state": {0: {"step": 7, "exp_avg": badak.tensor([1.0, 2.0])}, 1: {}},
        "history": [{"loss": 0.5}, {"loss": float("inf")}],
        "pair": (array, badak.tensor(np.float64(2.5))),
        "scalars": [np.float32(0.1), np.int64(5), np.bool_(True)],
        "mask": np.array([True, False]),
        "transposed": np.arange(6.0).reshape(2, 3).T,
        "empty": np.zeros((0, 4), np.float32),
    }
    badak.save(obj, tmp_path / "nested.npz")
    back = badak.load(tmp_path / "nested.npz")
    assert set(back) == set(obj)
    assert back["epoch"] == 3 and type(back["epoch"]) is int
    assert back["lr"] == 0.1 and back["name"] == "run-α" and back["done"] is False
    assert back["nothing"] is None
    assert list(back["state"]) == [0, 1] and back["state"][1] == {}  # int keys stay ints
    assert back["state"][0]["step"] == 7
    assert type(back["state"][0]["exp_avg"]) is badak.Tensor
    np.testing.assert_array_equal(back["state"][0]["exp_avg"].numpy(), [1.0, 2.0])
    assert back["history"] == [{"loss": 0.5}, {"loss": float("inf")}]
    assert isinstance(back["pair"], tuple) and type(back["pair"][0]) is np.ndarray
    assert back["pair"][0].dtype == np.int64 and (back["pair"][0] == array).all()
    assert type(back["pair"][1]) is badak.Tensor and back["pair"][1].item() == 2.5
    assert back["scalars"] == [float(np.float32(0.1)), 5, True]
    assert back["mask"].dtype == np.bool_ and back["mask"].tolist() == [True, False]
    np.testing.assert_array_equal(back["transposed"], obj["transposed"])
    assert back["empty"].shape == (0, 4) and back["empty"].dtype == np.float32


def test_names_that_collide_keep_their_own_arrays(tmp_path):
    obj = {"a/b": np.ones(2), "a": {"b": np.zeros(3)}, "__badak__": np.full(1, 7.0)}
    badak.save(obj, tmp_path / "c.npz")
    back = badak.load(tmp_path / "c.npz")
    assert back["a/b"].tolist() == [1.0, 1.0] and back["a"]["b"].tolist() == [0.0, 0.0, 0.0]
    assert back["__badak__"].tolist() == [7.0]


def test_a_bare_tensor_and_a_path_without_npz_suffix(tmp_path):
    path = tmp_path / "weights.bin"
    badak.save(badak.tensor([[1.0, 2.0]]), str(path))
    assert path.is_file() and not (tmp_path / "weights.bin.npz").exists()
    back = badak.load(str(path))
    assert type(back) is badak.Tensor and back.tolist() == [[1.0, 2.0]]


def test_metadata_travels_beside_the_object(tmp_path):
    checkpoint.save({"w": np.ones(1)}, tmp_path / "m.npz", metadata={"classes": ["a", "b"]})
    obj, meta = checkpoint.load_with_metadata(tmp_path / "m.npz")
    assert meta == {"classes": ["a", "b"]} and obj["w"].tolist() == [1.0]


def test_save_and_load_are_the_checkpoint_functions():
    assert badak.save is checkpoint.save and badak.load is checkpoint.load


# --- refusing what is not a badak file ------------------------------------------------------
class Marker:
    """Unpickling this creates a file: proof that a pickle was executed."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_load_refuses_an_object_array_without_unpickling_it(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "evil.npz"
    description = {"format": "badak", "version": 1, "tree": {"__array__": "x", "tensor": False}}
    np.savez(path, x=np.array([Marker(marker)], dtype=object), __badak__=json.dumps(description))
    with pytest.raises(ValueError, match="evil.npz"):
        badak.load(path)
    assert not marker.exists()


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def badak_json(**changes):
    return np.array(json.dumps({"format": "badak", "version": 1, "tree": None, **changes}))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b"just some text, not an archive"),
        lambda p: p.write_bytes(b""),
        lambda p: write_npz(p, weight=np.ones(3)),
        lambda p: write_npz(p, __badak__=np.array("{not json")),
        lambda p: write_npz(p, __badak__=np.array("[1, 2]")),
        lambda p: write_npz(p, __badak__=np.array("null")),
        lambda p: write_npz(p, __badak__=badak_json(format="other")),
        lambda p: write_npz(p, __badak__=badak_json(version=checkpoint.FORMAT_VERSION + 1)),
        lambda p: write_npz(p, __badak__=badak_json(tree={"__array__": "gone", "tensor": False})),
        lambda p: zipfile.ZipFile(p, "w").writestr("readme.txt", "a zip, not an npz"),
    ],
    ids=[
        "text", "empty", "plain-npz", "garbage-json", "json-list", "json-null", "other-format",
        "newer-version", "missing-array", "zip-not-npz",
    ],
)  # fmt: skip
def test_load_refuses_files_that_are_not_badak_files_naming_the_path(tmp_path, make):
    path = tmp_path / "odd.npz"
    make(path)
    with pytest.raises(ValueError, match=r"^load: .*odd\.npz"):
        badak.load(path)


def test_load_refuses_a_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    badak.save(state_dict(), path)
    data = path.read_bytes()
    for size in (len(data) // 2, len(data) - 10, 10):
        path.write_bytes(data[:size])
        with pytest.raises(ValueError, match=r"model\.npz"):
            badak.load(path)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        badak.load(tmp_path / "nowhere.npz")


# --- writing: atomic, never pickle ----------------------------------------------------------
def test_save_replaces_a_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "model.npz"
    badak.save({"w": np.zeros(2)}, path)
    badak.save({"w": np.ones(2)}, path)
    assert badak.load(path)["w"].tolist() == [1.0, 1.0]
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_a_failing_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    badak.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()

    def half_written(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(OSError, match="disk full"):
        badak.save({"w": np.ones(1000)}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


@pytest.mark.parametrize(
    "obj",
    [
        {1, 2},
        {"w": np.ones(2), "opts": {"tags": {"a"}}},
        [Marker("x")],
        {(1, 2): np.ones(1)},
        {True: 1},
        {"metadata": np.array([None, 1], dtype=object)},
    ],
    ids=["set", "nested-set", "custom-class", "tuple-key", "bool-key", "object-array"],
)
def test_save_refuses_unsupported_objects_before_writing_anything(tmp_path, obj):
    path = tmp_path / "model.npz"
    badak.save({"w": np.zeros(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="^save: "):
        badak.save(obj, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    with pytest.raises(TypeError):
        badak.save(obj, tmp_path / "new.npz")
    assert not (tmp_path / "new.npz").exists()


# --- hostile files: refused before anything is built ----------------------------------------
def npy_bytes(array=None, header=None):
    """An .npy member: a real array's bytes, or a forged header (dict) over a few data bytes."""
    import io

    buffer = io.BytesIO()
    if header is None:
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + b"\0" * 16


def forged_zip(path, members, tree=None):
    """A zip of `members` ({name: bytes}) with a badak description of `tree` beside them."""
    description = {"format": "badak", "version": 1, "tree": tree, "metadata": {}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__badak__.npy", npy_bytes(np.array(json.dumps(description))))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def nested_lists(depth):
    tree = None
    for _ in range(depth):
        tree = {"__list__": [tree]}
    return tree


def deep_json(depth):
    return "[" * depth + "]" * depth


HOSTILE = {
    "shape-1e13": lambda p: forged_zip(
        p,
        {"w.npy": npy_bytes(header={"descr": "<f4", "fortran_order": False, "shape": (10**13,)})},
        {"__array__": "w", "tensor": True},
    ),
    "shape-too-small": lambda p: forged_zip(
        p,
        {"w.npy": npy_bytes(header={"descr": "<f8", "fortran_order": False, "shape": (1,)})},
        {"__array__": "w", "tensor": True},
    ),
    "json-100000-deep": lambda p: write_npz(p, __badak__=np.array(deep_json(100_000))),
    "tree-200-deep": lambda p: write_npz(p, __badak__=badak_json(tree=nested_lists(200))),
    "member-not-npy": lambda p: forged_zip(
        p, {"w.npy": npy_bytes(np.ones(2)), "evil.txt": b"x"}, {"__array__": "w", "tensor": True}
    ),
    "object-array": lambda p: forged_zip(
        p,
        {"w.npy": npy_bytes(header={"descr": "|O", "fortran_order": False, "shape": (2,)})},
        {"__array__": "w", "tensor": False},
    ),
    "string-tensor": lambda p: forged_zip(
        p, {"w.npy": npy_bytes(np.array(["a", "b"]))}, {"__array__": "w", "tensor": True}
    ),
    "dict-not-pairs": lambda p: write_npz(p, __badak__=badak_json(tree={"__dict__": [[1, 2, 3]]})),
    "dict-list-key": lambda p: write_npz(p, __badak__=badak_json(tree={"__dict__": [[[1], 2]]})),
    "unknown-entry": lambda p: write_npz(p, __badak__=badak_json(tree={"__set__": [1]})),
    "metadata-list": lambda p: write_npz(p, __badak__=badak_json(metadata=[1])),
    "description-array": lambda p: write_npz(p, __badak__=np.array(["{}", "{}"])),
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_load_refuses_a_hostile_file_with_one_value_error(tmp_path, make, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("badak.load unpickled something")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    path = make(tmp_path / "hostile.npz")
    with pytest.raises(ValueError, match=r"^load: .*hostile\.npz' is not a badak file: "):
        badak.load(path)


def test_compressed_and_big_endian_archives_still_load(tmp_path):
    path = tmp_path / "other.npz"
    description = {"format": "badak", "version": 1, "tree": {"__array__": "w", "tensor": True}}
    big_endian = np.arange(6, dtype=">f8").reshape(2, 3)
    np.savez_compressed(path, w=big_endian, __badak__=np.array(json.dumps(description)))
    loaded = badak.load(path)
    assert loaded.dtype == np.float64 and loaded.numpy().dtype.isnative
    np.testing.assert_array_equal(loaded.numpy(), big_endian)
    loaded.numpy()[0, 0] = 5.0  # writable: the tensor owns its array


def test_fortran_ordered_and_empty_arrays_round_trip(tmp_path):
    state = {"f": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "e": np.zeros((0, 4))}
    badak.save(state, tmp_path / "a.npz")
    loaded = badak.load(tmp_path / "a.npz")
    np.testing.assert_array_equal(loaded["f"], state["f"])
    assert loaded["e"].shape == (0, 4)


# --- PyTorch's call forms ---------------------------------------------------------------------
def test_save_and_load_through_binary_file_objects(tmp_path):
    import io

    state = state_dict()
    buffer = io.BytesIO()
    badak.save(state, buffer)
    buffer.seek(0)
    loaded = badak.load(buffer)
    assert list(loaded) == list(state)
    with open(tmp_path / "model.pt", "wb") as file:
        badak.save({"w": np.arange(3.0)}, file)
    with open(tmp_path / "model.pt", "rb") as file:
        assert badak.load(file)["w"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="not a badak file"):
        badak.load(io.BytesIO(b"not an archive at all"))


def test_load_takes_pytorchs_arguments(tmp_path):
    path = tmp_path / "model.pth"
    badak.save({"w": np.ones(2)}, path)
    for kwargs in ({"weights_only": True}, {"weights_only": False}, {"map_location": "cpu"},
                   {"map_location": badak.device("cpu")}, {"map_location": {"cuda:0": "cpu"}},
                   {"map_location": lambda storage, location: storage}):  # fmt: skip
        assert badak.load(path, **kwargs)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="available: cpu"):
        badak.load(path, map_location="cuda")


def test_saving_a_module_points_at_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"save: cannot store a Linear .* state_dict\(\)"):
        badak.save(nn.Linear(2, 2), tmp_path / "model.pt")
    assert not (tmp_path / "model.pt").exists()
