"""badak.export: ONNX models whose onnxruntime probabilities are badak's, safetensors files that
torch loads into its own twin of the network, and failures that leave nothing behind."""

import errno
import json
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from safetensors.torch import load_file

import badak
from badak import nn
from badak.classifier import Classifier, Standardizer, build_network, cnn_architecture, cnn_plan
from badak.data.encoding import ColumnEncoder
from badak.export import ONNX_OPSET, export_onnx, export_safetensors, onnx_inputs

TEMPERATURE = 1.7  # not 1, so that the division inside the graph is exercised


def mlp(activation, hidden=(16, 8)):
    return {"model": "mlp", "in_features": 6, "hidden": list(hidden), "out_features": 4,
            "activation": activation}  # fmt: skip


LINEAR = {"model": "linear", "in_features": 6, "out_features": 3}
CNN = cnn_architecture((1, 12, 12), 3)  # conv 10x10 - pool 5x5 - conv 3x3 - pool 1x1 - 64
PADDED_CNN = {  # padding, GELU and a pool that drops a row (7 // 2): each with its ONNX attribute
    "model": "cnn", "in_features": 2 * 7 * 7, "input_shape": [2, 7, 7], "out_features": 3,
    "layers": [
        {"type": "conv2d", "out_channels": 5, "kernel_size": 3, "padding": 1}, {"type": "gelu"},
        {"type": "max_pool2d", "kernel_size": 2}, {"type": "flatten"},
        {"type": "linear", "out_features": 3},
    ],
}  # fmt: skip
ARCHITECTURES = {
    "linear": LINEAR,
    **{f"mlp-{a}": mlp(a) for a in ("relu", "sigmoid", "tanh", "gelu")},
    "cnn": CNN,
    "padded-cnn": PADDED_CNN,
}
MIXED_COLUMNS = [  # runs of numbers between category columns: Slice and Concat in the graph
    {"name": "age", "kind": "number", "fill": 41.5},
    {
        "name": "city",
        "kind": "category",
        "categories": ["Bandung", "Jakarta", "Surabaya"],
        "fill": "Jakarta",
    },  # fmt: skip
    {"name": "colour", "kind": "category", "categories": ["blue", "red"], "fill": "red"},
    {"name": "income", "kind": "number", "fill": 3.25},
    {"name": "height", "kind": "number", "fill": 170.0},
    {
        "name": "pet",
        "kind": "category",
        "categories": ["cat", "dog", "fish", "none"],
        "fill": "none",
    },  # fmt: skip
]
MIXED_TABLE = {
    "age": np.array([23.0, np.nan, 67.0, 41.0, np.nan, 35.0]),
    "city": np.array(["Jakarta", None, "Medan", "Bandung", "Surabaya", "Medan"], object),
    "colour": np.array(["blue", "red", None, "red", "blue", "blue"], object),
    "income": np.array([1.5, 2.0, np.nan, 8.25, 3.0, 0.5]),
    "height": np.array([160.0, 181.5, 175.0, np.nan, 158.0, 190.0]),
    "pet": np.array(["dog", "cat", "fish", None, "none", "lizard"], object),
}


def classifier_for(architecture, columns=None, seed=0):
    """A Classifier with badak's random weights, random standardisation and a temperature."""
    badak.manual_seed(seed)
    network = build_network(architecture)
    if columns is None:
        columns = [
            {"name": f"x{j}", "kind": "number", "fill": 0.25 * j}
            for j in range(architecture["in_features"])
        ]
    encoder = ColumnEncoder(columns)
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=encoder.width).astype(np.float32)
    scale = rng.uniform(0.5, 2.0, encoder.width).astype(np.float32)
    classes = [f"class {i}" for i in range(architecture["out_features"])]
    standardizer = Standardizer(mean, scale)
    return Classifier(network, architecture, classes, encoder.names, "target", standardizer,
                      encoder=encoder, temperature=TEMPERATURE)  # fmt: skip


def number_rows(classifier, n=7, seed=1):
    """(n, D) float64 rows that float32 holds exactly, with a few NaN (missing values)."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(0, 2, (n, len(classifier.feature_names))).astype(np.float32)
    rows = rows.astype(np.float64)
    rows[rng.random(rows.shape) < 0.1] = np.nan
    return rows


def onnx_feeds(classifier, columns):
    """The ONNX model's inputs of a table's columns: numbers as float32, text with "" missing."""
    inputs, feeds = onnx_inputs(classifier), {}
    if "features" in inputs:
        numbers = [np.asarray(columns[name], np.float32) for name in inputs["features"]]
        feeds["features"] = np.stack(numbers, axis=1)
    if "categories" in inputs:
        texts = [["" if v is None else v for v in columns[name]] for name in inputs["categories"]]
        feeds["categories"] = np.array(texts, object).T
    return feeds


def run_onnx(path, feeds):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], feeds)[0]


# --- ONNX ------------------------------------------------------------------------------------
@pytest.mark.parametrize("architecture", ARCHITECTURES.values(), ids=ARCHITECTURES)
def test_onnx_probabilities_equal_predict_proba(tmp_path, architecture):
    classifier = classifier_for(architecture)
    export_onnx(classifier, tmp_path / "model.onnx")
    rows = number_rows(classifier)
    assert np.isnan(rows).any()
    probabilities = run_onnx(tmp_path / "model.onnx", {"features": rows.astype(np.float32)})
    assert probabilities.dtype == np.float32 and probabilities.shape == (7, len(classifier.classes))
    np.testing.assert_allclose(probabilities, classifier.predict_proba(rows), rtol=0, atol=1e-5)


@pytest.mark.parametrize("architecture", [LINEAR, mlp("gelu")], ids=["linear", "mlp"])
def test_onnx_encodes_numbers_and_categories_as_the_encoder_does(tmp_path, architecture):
    architecture = {**architecture, "in_features": ColumnEncoder(MIXED_COLUMNS).width}
    classifier = classifier_for(architecture, MIXED_COLUMNS)
    export_onnx(classifier, tmp_path / "model.onnx")
    probabilities = run_onnx(tmp_path / "model.onnx", onnx_feeds(classifier, MIXED_TABLE))
    with pytest.warns(UserWarning, match="not seen in training"):  # "Medan", "lizard"
        expected = classifier.predict_proba(MIXED_TABLE)
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-5)


def test_onnx_of_category_columns_alone_takes_only_categories(tmp_path):
    columns = [spec for spec in MIXED_COLUMNS if spec["kind"] == "category"]
    classifier = classifier_for({**LINEAR, "in_features": ColumnEncoder(columns).width}, columns)
    export_onnx(classifier, tmp_path / "model.onnx")
    table = {spec["name"]: MIXED_TABLE[spec["name"]] for spec in columns}
    feeds = onnx_feeds(classifier, table)
    assert list(feeds) == ["categories"]
    with pytest.warns(UserWarning, match="not seen in training"):
        expected = classifier.predict_proba(table)
    np.testing.assert_allclose(run_onnx(tmp_path / "model.onnx", feeds), expected, atol=1e-5)


def test_onnx_model_passes_the_checker_and_describes_itself(tmp_path):
    architecture = {**mlp("relu"), "in_features": ColumnEncoder(MIXED_COLUMNS).width}
    classifier = classifier_for(architecture, MIXED_COLUMNS)
    export_onnx(classifier, tmp_path / "model.onnx")
    model = onnx.load(tmp_path / "model.onnx")
    onnx.checker.check_model(model, full_check=True)
    opsets = {opset.domain: opset.version for opset in model.opset_import}
    assert opsets[""] == ONNX_OPSET >= 17
    metadata = {prop.key: json.loads(prop.value) for prop in model.metadata_props}
    assert metadata["classes"] == classifier.classes
    assert metadata["inputs"] == {"features": ["age", "income", "height"],
                                  "categories": ["city", "colour", "pet"]}  # fmt: skip
    assert metadata["columns"] == MIXED_COLUMNS
    assert metadata["temperature"] == TEMPERATURE
    inputs = {i.name: i.type.tensor_type for i in model.graph.input}
    assert inputs["features"].elem_type == onnx.TensorProto.FLOAT
    assert inputs["categories"].elem_type == onnx.TensorProto.STRING
    assert [d.dim_param or d.dim_value for d in inputs["features"].shape.dim] == ["N", 3]
    assert [o.name for o in model.graph.output] == ["probabilities"]


@pytest.mark.parametrize("n", [1, 50])
def test_onnx_batch_size_is_free(tmp_path, n):
    classifier = classifier_for(CNN)
    export_onnx(classifier, tmp_path / "model.onnx")
    rows = number_rows(classifier, n)
    probabilities = run_onnx(tmp_path / "model.onnx", {"features": rows.astype(np.float32)})
    np.testing.assert_allclose(probabilities, classifier.predict_proba(rows), atol=1e-5)


def test_onnx_refuses_a_layer_it_cannot_write_and_keeps_the_old_file(tmp_path):
    classifier = classifier_for(LINEAR)
    classifier.network = nn.Sequential(nn.Linear(6, 6), nn.LayerNorm(6), nn.Linear(6, 3))
    (tmp_path / "model.onnx").write_bytes(b"old")
    with pytest.raises(ValueError, match="layer '1'.*LayerNorm.*no ONNX form"):
        export_onnx(classifier, tmp_path / "model.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
    assert (tmp_path / "model.onnx").read_bytes() == b"old"


def test_onnx_without_the_onnx_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'badak\[export\]'"):
        export_onnx(classifier_for(LINEAR), tmp_path / "model.onnx")
    assert not list(tmp_path.iterdir())


# --- safetensors -----------------------------------------------------------------------------
TORCH_ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
                     "gelu": torch.nn.GELU}  # fmt: skip


def torch_network(architecture):
    """PyTorch's twin of build_network(architecture): the same modules at the same indices."""
    if architecture["model"] == "linear":
        return torch.nn.Linear(architecture["in_features"], architecture["out_features"])
    if architecture["model"] == "mlp":
        sizes = [architecture["in_features"], *architecture["hidden"], architecture["out_features"]]
        modules = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            modules += [
                torch.nn.Linear(fan_in, fan_out),
                TORCH_ACTIVATIONS[architecture["activation"]](),
            ]
        return torch.nn.Sequential(*modules[:-1])
    modules = [torch.nn.Unflatten(1, architecture["input_shape"])]
    for layer, shape, _ in cnn_plan(architecture):
        kind = layer["type"]
        if kind == "conv2d":
            modules.append(torch.nn.Conv2d(shape[0], layer["out_channels"], layer["kernel_size"],
                                           padding=layer.get("padding", 0)))  # fmt: skip
        elif kind == "max_pool2d":
            modules.append(torch.nn.MaxPool2d(layer["kernel_size"]))
        elif kind == "flatten":
            modules.append(torch.nn.Flatten())
        elif kind == "linear":
            modules.append(torch.nn.Linear(shape[0], layer["out_features"]))
        elif kind == "dropout":
            modules.append(torch.nn.Dropout(layer["p"]))
        else:
            modules.append(TORCH_ACTIVATIONS[kind]())
    return torch.nn.Sequential(*modules)


@pytest.mark.parametrize("architecture", ARCHITECTURES.values(), ids=ARCHITECTURES)
def test_torch_loads_the_safetensors_state_dict_and_computes_the_same_logits(
    tmp_path, architecture
):
    classifier = classifier_for(architecture)
    export_safetensors(classifier, tmp_path / "model.safetensors")
    twin = torch_network(architecture)
    twin.load_state_dict(load_file(tmp_path / "model.safetensors"), strict=True)
    twin.eval()
    rows = number_rows(classifier)
    with torch.no_grad():
        logits = twin(torch.from_numpy(classifier.features(rows))).numpy()
    np.testing.assert_allclose(logits, classifier.logits(rows)._data, rtol=0, atol=1e-5)


def test_safetensors_metadata_rebuilds_the_classifier(tmp_path):
    architecture = {**mlp("tanh"), "in_features": ColumnEncoder(MIXED_COLUMNS).width}
    classifier = classifier_for(architecture, MIXED_COLUMNS)
    export_safetensors(classifier, tmp_path / "model.st")  # any name: safetensors all the same
    state, metadata = badak.checkpoint.load_with_metadata(tmp_path / "model.st")
    metadata = {key: json.loads(value) for key, value in metadata.items()}
    assert metadata["classes"] == classifier.classes
    assert metadata["preprocessing"]["columns"] == MIXED_COLUMNS
    network = build_network(metadata["architecture"])
    network.load_state_dict(state)
    standardize = metadata["preprocessing"]["standardize"]
    rebuilt = Classifier(
        network, metadata["architecture"], metadata["classes"], metadata["feature_names"],
        metadata["target_name"],
        Standardizer(np.float32(standardize["mean"]), np.float32(standardize["scale"])),
        encoder=ColumnEncoder(metadata["preprocessing"]["columns"]),
        temperature=metadata["temperature"],
    )  # fmt: skip
    with pytest.warns(UserWarning):
        expected = classifier.predict_proba(MIXED_TABLE)
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(rebuilt.predict_proba(MIXED_TABLE), expected)


# --- where the file cannot go ----------------------------------------------------------------
EXPORTS = {"onnx": export_onnx, "safetensors": export_safetensors}


@pytest.mark.parametrize("export", EXPORTS.values(), ids=EXPORTS)
def test_export_into_a_missing_folder_says_so_and_writes_nothing(tmp_path, export):
    with pytest.raises(FileNotFoundError, match="there is no folder .*missing"):
        export(classifier_for(LINEAR), tmp_path / "missing" / "model.out")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("export", EXPORTS.values(), ids=EXPORTS)
def test_export_onto_a_folder_is_refused(tmp_path, export):
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        export(classifier_for(LINEAR), tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("export", EXPORTS.values(), ids=EXPORTS)
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, export, monkeypatch):
    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "model.out").write_bytes(b"old")
    monkeypatch.setattr("badak.checkpoint_files.os.fsync", disk_full)
    with pytest.raises(OSError, match="cannot write .*model.out.* \\(No space left on device\\)"):
        export(classifier_for(LINEAR), tmp_path / "model.out")
    assert [p.name for p in tmp_path.iterdir()] == ["model.out"]
    assert (tmp_path / "model.out").read_bytes() == b"old"
