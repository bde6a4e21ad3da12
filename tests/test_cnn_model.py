"""`badak train --model cnn`: a small CNN on IDX images, its record in model.npz (rebuilt on load,
no pickle), evaluate and predict with it, resume, and the errors. Tiny images keep it quick; the
real Fashion-MNIST run (>= 0.91) is measured by hand (see the README)."""

import contextlib
import csv
import io
import json

import numpy as np
import pytest

from badak import checkpoint
from badak.classifier import Classifier, Standardizer, build_network, cnn_architecture, cnn_plan
from badak.cli import main
from badak.run import TrainConfig
from tests.cli_helpers import (
    SUMMARY,
    assert_one_error_line,
    assert_same_arrays,
    run_cli,
    snapshot,
)
from tests.data.idx_files import write_idx
from tests.test_resume import checkpoint_state, history

SIDE = 12


def bar_images(n, seed):
    """(n, SIDE, SIDE) uint8 images of a bright bar on noise, and their labels: 0 a row,
    1 a column, 2 the diagonal (anywhere in the image, so that a convolution pays)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, (n, SIDE, SIDE)).astype(np.uint8)
    labels = np.arange(n) % 3
    for image, label, where in zip(images, labels, rng.integers(0, SIDE, n)):
        if label == 0:
            image[where, :] = 255
        elif label == 1:
            image[:, where] = 255
        else:
            np.fill_diagonal(image, 255)
    return images, labels.astype(np.uint8)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """An IDX folder of 12x12 bar images: 120 for training, 30 in t10k."""
    folder = tmp_path_factory.mktemp("bars")
    for prefix, (x, y) in (("train", bar_images(120, 0)), ("t10k", bar_images(30, 1))):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", x)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", y)
    return folder


CNN = ["--model", "cnn", "--hidden", "16", "--batch-size", "8", "--quiet"]


def train(capsys, out, data, *argv):
    status, stdout, err = run_cli(capsys, "train", "--data", data, *CNN, *argv, "--out", out)
    assert status == 0, err
    match = SUMMARY.fullmatch(stdout.strip())
    assert match, stdout
    return float(match[1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, images):
    """A 4-epoch CNN run on the bar images: (run folder, val_accuracy)."""
    out = tmp_path_factory.mktemp("cnn") / "run"
    argv = ["train", "--data", images, *CNN, "--epochs", "4", "--out", out]
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        assert main([str(a) for a in argv]) == 0
    return out, float(SUMMARY.fullmatch(stdout.getvalue().strip())[1])


# ----------------------------------------------------------------------------------------------
# training, the model file, evaluate and predict
# ----------------------------------------------------------------------------------------------
def test_cnn_learns_the_bar_images(trained):
    _, accuracy = trained
    assert accuracy >= 0.9


def test_cnn_model_file_records_its_layers(trained):
    out, _ = trained
    _, meta = checkpoint.load_with_metadata(out / "model.npz")
    architecture = meta["architecture"]
    assert architecture == cnn_architecture((1, SIDE, SIDE), 3, hidden=(16,))
    assert architecture["input_shape"] == [1, SIDE, SIDE] and architecture["in_features"] == 144
    assert [layer["type"] for layer in architecture["layers"]] == [
        "conv2d", "relu", "max_pool2d", "conv2d", "relu", "max_pool2d", "flatten",
        "linear", "relu", "dropout", "linear",
    ]  # fmt: skip
    scale = meta["preprocessing"]["standardize"]["scale"]
    assert len(set(scale)) == 1 and len(scale) == 144  # pixels standardised together
    with np.load(out / "model.npz", allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
    _, config = checkpoint.load_with_metadata(out / "checkpoint.npz")
    assert config["config"]["model"] == "cnn" and config["config"]["batch_size"] == 8


def test_cnn_network_takes_rows_and_sees_images(trained):
    classifier = Classifier.load(trained[0] / "model.npz")
    kinds = [type(m).__name__ for m in classifier.network]
    assert kinds[:4] == ["Unflatten", "Conv2d", "ReLU", "MaxPool2d"]
    assert classifier.network[1].weight.shape == (32, 1, 3, 3)
    x, _ = bar_images(5, 2)
    assert classifier.predict_proba(x.reshape(5, -1) / 255).shape == (5, 3)


def test_evaluate_scores_the_t10k_images_as_training_did(capsys, trained, images):
    out, accuracy = trained
    status, stdout, err = run_cli(capsys, "evaluate", out, "--data", images, "--json")
    assert status == 0, err
    report = json.loads(stdout)
    final = json.loads((out / "metrics.json").read_text())["epochs"][-1]
    assert report["n"] == 30 and report["accuracy"] == final["val_accuracy"]
    assert round(report["accuracy"], 4) == accuracy


def test_predict_reads_pixel_columns(capsys, trained, tmp_path):
    out, _ = trained
    x, _ = bar_images(6, 3)
    rows = x.reshape(6, -1) / 255
    path = tmp_path / "pixels.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([f"pixel{i}" for i in range(SIDE * SIDE)])
        writer.writerows(rows.tolist())
    status, stdout, err = run_cli(capsys, "predict", out, "--data", path)
    assert status == 0, err
    predicted = [line for line in stdout.splitlines()[1:]]
    classifier = Classifier.load(out / "model.npz")
    assert predicted == [classifier.classes[k] for k in classifier.predict(rows)]


def test_cnn_round_trip_gives_identical_predictions(tmp_path):
    architecture = cnn_architecture((1, 14, 10), 4, channels=(3, 5), hidden=(7, 6),
                                    activation="tanh")  # fmt: skip
    x = np.random.default_rng(0).random((9, 140), np.float32)
    classifier = Classifier(
        build_network(architecture),
        architecture,
        ["a", "b", "c", "d"],
        [f"pixel{i}" for i in range(140)],
        "label",
        Standardizer.fit(x, per_feature=False),
    )
    classifier.save(tmp_path / "model.npz")
    back = Classifier.load(tmp_path / "model.npz")
    assert back.architecture == architecture
    assert back.predict_proba(x).tobytes() == classifier.predict_proba(x).tobytes()


def test_cnn_resumed_ends_bitwise_equal_to_an_uninterrupted_run(capsys, tmp_path, images):
    train(capsys, tmp_path / "whole", images, "--epochs", "2")
    train(capsys, tmp_path / "part", images, "--epochs", "1")
    status, _, err = run_cli(
        capsys, "train", "--resume", "--out", tmp_path / "part", "--epochs", "2", "--quiet"
    )
    assert status == 0, err
    assert_same_arrays(tmp_path / "part" / "model.npz", tmp_path / "whole" / "model.npz")
    assert_same_arrays(tmp_path / "part" / "checkpoint.npz", tmp_path / "whole" / "checkpoint.npz")
    assert checkpoint_state(tmp_path / "part") == checkpoint_state(tmp_path / "whole")
    assert history(tmp_path / "part") == history(tmp_path / "whole")


# ----------------------------------------------------------------------------------------------
# defaults and --help
# ----------------------------------------------------------------------------------------------
def test_cnn_has_its_own_defaults_and_mlp_keeps_its_own():
    cnn, mlp = TrainConfig(model="cnn").validate(), TrainConfig().validate()
    assert (cnn.hidden, cnn.batch_size, cnn.learning_rate) == ((128,), 64, 1e-3)
    assert 0 < cnn.epochs < 30
    assert (mlp.hidden, mlp.epochs, mlp.batch_size) == ((128, 64), 30, 32)
    assert TrainConfig(model="cnn", hidden=(8,), epochs=2, batch_size=5).hidden == (8,)


def test_train_help_describes_cnn(capsys):
    status, stdout, _ = run_cli(capsys, "train", "--help")
    assert status == 0 and "{linear,mlp,cnn}" in stdout and "cnn: for images" in stdout


# ----------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------
def refused(capsys, folder, command, *argv):
    before = snapshot(folder)
    status, stdout, err = run_cli(capsys, command, *argv)
    line = assert_one_error_line(status, err, command)
    assert stdout == "" and snapshot(folder) == before
    return line


def test_cnn_on_a_table_says_it_needs_images(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = refused(capsys, tmp_path, "train", "--data", "iris", "--model", "cnn")
    assert "--model cnn needs image data" in line and "iris" in line


def test_cnn_on_images_too_small_says_so(capsys, tmp_path):
    x, y = bar_images(12, 0)
    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", x[:, :3, :3].copy())
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", y)
    line = refused(capsys, tmp_path, "train", "--data", tmp_path, *CNN, "--out", tmp_path / "r")
    assert "images of 1x3x3 are too small for --model cnn" in line


def test_evaluate_refuses_images_of_another_shape(capsys, trained, tmp_path):
    x, y = bar_images(12, 0)
    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", x.reshape(12, 9, 16))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", y)
    line = refused(capsys, tmp_path, "evaluate", trained[0], "--data", tmp_path)
    assert "images of shape 1x9x16; the model expects 1x12x12" in line


LAYER_DAMAGE = [
    (lambda layers: layers.insert(0, {"type": "pickle"}), "layer 0 is {'type': 'pickle'}"),
    (lambda layers: layers[0].update(kernel_size=30), "kernel is larger than the padded image"),
    (lambda layers: layers.pop(6), "layer 6 (linear) cannot take inputs"),
    (lambda layers: layers[0].update(out_channels=10**6), "its layers need"),
    (lambda layers: layers[9].update(p=1.5), "p must be a number in [0, 1)"),
    (lambda layers: layers.pop(), "its layers end in shape (16,), not (3,)"),
]


@pytest.mark.parametrize("damage, words", LAYER_DAMAGE, ids=[w for _, w in LAYER_DAMAGE])
def test_a_damaged_cnn_record_is_refused(capsys, trained, tmp_path, damage, words):
    state, meta = checkpoint.load_with_metadata(trained[0] / "model.npz")
    damage(meta["architecture"]["layers"])
    checkpoint.save(state, tmp_path / "model.npz", metadata=meta)
    line = refused(capsys, tmp_path, "evaluate", tmp_path / "model.npz", "--data", "iris")
    assert "holds a damaged classifier" in line and words in line


def test_cnn_plan_counts_the_weights():
    plan = cnn_plan(cnn_architecture((1, 28, 28), 10))
    shapes = [shape for _, shape, _ in plan]
    assert shapes[:4] == [(1, 28, 28), (32, 26, 26), (32, 26, 26), (32, 13, 13)]
    assert shapes[6] == (64, 5, 5) and shapes[7] == (1600,)
    assert sum(w for _, _, w in plan) == (32 * 9 + 32) + (64 * 32 * 9 + 64) + 1601 * 128 + 1290
