"""A `badak train` run (badak/run.py) and `evaluate`/`predict` (badak/inference.py), through
`main(argv)`: training on each kind of data, figures with and without matplotlib, evaluate and
predict."""

import csv
import io
import json
import re
import sys

import numpy as np
import pytest

from badak import inference, run
from badak.classifier import Classifier
from badak.cli import main
from badak.data import FASHION_MNIST_CLASSES, IdxData, load_fashion_mnist, sources
from tests.cli_helpers import (
    SUMMARY,
    blobs,
    blobs_csv,
    run_cli,
    temporary_files,
    write_csv,
)
from tests.data.idx_files import write_idx_folder

PNG = b"\x89PNG\r\n\x1a\n"


def train(capsys, out, *argv):
    """`badak train ARGV --out OUT --quiet`: (val_accuracy, the loaded classifier)."""
    status, stdout, err = run_cli(capsys, "train", *argv, "--out", out, "--quiet")
    assert status == 0, err
    match = SUMMARY.fullmatch(stdout.strip())
    assert match, stdout
    return float(match[1]), Classifier.load(out / "model.npz")


def pngs(folder):
    return sorted(p.name for p in folder.glob("*.png"))


# ----------------------------------------------------------------------------------------------
# train on each kind of data
# ----------------------------------------------------------------------------------------------
def test_iris_linear_reaches_90_percent(capsys, tmp_path):
    accuracy, classifier = train(capsys, tmp_path / "run", "--data", "iris", "--model", "linear")
    assert accuracy >= 0.9
    assert classifier.classes == ["setosa", "versicolor", "virginica"]
    assert classifier.architecture["model"] == "linear"
    assert pngs(tmp_path / "run") == ["confusion.png", "loss.png", "reliability.png"]


def test_spiral_reaches_95_percent_and_draws_the_decision_boundary(capsys, tmp_path):
    accuracy, classifier = train(capsys, tmp_path / "run", "--data", "spiral")
    assert accuracy >= 0.95
    assert classifier.feature_names == ["x1", "x2"]
    assert pngs(tmp_path / "run") == [
        "confusion.png",
        "decision_boundary.png",
        "loss.png",
        "reliability.png",
    ]
    assert (tmp_path / "run" / "decision_boundary.png").read_bytes()[:8] == PNG


@pytest.mark.parametrize("name, n_classes", [("wine", 3), ("breast_cancer", 2)])
def test_wine_and_breast_cancer_train(capsys, tmp_path, name, n_classes):
    accuracy, classifier = train(capsys, tmp_path / "run", "--data", name, "--epochs", "10")
    assert accuracy >= 0.9 and len(classifier.classes) == n_classes


def test_a_csv_with_string_labels_trains_and_stores_them(capsys, tmp_path):
    data = blobs_csv(tmp_path / "pets.csv", labels=("dog", "cat", "bird"))
    accuracy, classifier = train(capsys, tmp_path / "run", "--data", data, "--epochs", "10")
    assert accuracy >= 0.9
    assert classifier.classes == ["bird", "cat", "dog"]
    assert classifier.feature_names == ["a", "b", "c"] and classifier.target_name == "label"


def test_numeric_labels_are_sorted_as_numbers_and_stored_as_strings(capsys, tmp_path):
    data = blobs_csv(tmp_path / "numbers.csv", labels=("10", "2", "-1"))
    _, classifier = train(capsys, tmp_path / "run", "--data", data, "--epochs", "2")
    assert classifier.classes == ["-1", "2", "10"]
    assert all(isinstance(c, str) for c in classifier.classes)


def test_target_picks_a_middle_column(capsys, tmp_path):
    features, labels = blobs(labels=("x", "y"))
    rows = [[str(f[0]), label, str(f[1]), str(f[2])] for f, label in zip(features, labels)]
    data = write_csv(tmp_path / "middle.csv", ["a", "kind", "b", "c"], rows)
    _, classifier = train(capsys, tmp_path / "run", "--data", data, "--target", "kind")
    assert classifier.target_name == "kind" and classifier.feature_names == ["a", "b", "c"]
    assert classifier.classes == ["x", "y"]


def test_an_idx_folder_trains_with_the_t10k_pair_as_validation(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "idx"
    folder.mkdir()
    arrays = write_idx_folder(folder, n_train=60, n_test=15, side=4, gz=True)
    seen = {}
    real_fit = run.train_classifier

    def spy(config, train_split, validation, out, **kwargs):
        seen.update(train=train_split, validation=validation)
        return real_fit(config, train_split, validation, out, **kwargs)

    monkeypatch.setattr(run, "train_classifier", spy)
    _, classifier = train(capsys, tmp_path / "run", "--data", folder, "--epochs", "2")
    classes = sorted({int(v) for a in (arrays[1], arrays[3]) for v in a})
    assert classifier.classes == [str(c) for c in classes]
    assert classifier.feature_names == [f"pixel{i}" for i in range(16)]
    pixels = arrays[2].reshape(15, 16).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(seen["validation"].features, pixels)
    np.testing.assert_array_equal(
        np.asarray(classifier.classes)[seen["validation"].targets], arrays[3].astype(str)
    )
    assert len(seen["train"].targets) == 60  # all of the train pair: no split of it


def test_a_bundled_name_wins_over_a_folder_of_that_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").mkdir()
    write_idx_folder(tmp_path / "iris", n_train=10, n_test=5)
    _, classifier = train(capsys, tmp_path / "run", "--data", "iris", "--epochs", "1")
    assert classifier.classes == ["setosa", "versicolor", "virginica"]


def test_fashion_mnist_trains_through_the_command_line(capsys, tmp_path, monkeypatch):
    # The real files, cut to 5000 training and 1000 test images to stay within the time budget.
    data = load_fashion_mnist()
    subset = IdxData(
        data.train_images[:5000],
        data.train_labels[:5000],
        data.test_images[:1000],
        data.test_labels[:1000],
    )
    monkeypatch.setattr(sources, "load_fashion_mnist", lambda: subset)
    out = tmp_path / "run"
    accuracy, classifier = train(capsys, out, "--data", "fashion-mnist", "--epochs", "3")
    assert accuracy >= 0.8
    assert classifier.classes == list(FASHION_MNIST_CLASSES)
    status, stdout, err = run_cli(capsys, "evaluate", out, "--data", "fashion-mnist", "--json")
    report = json.loads(stdout)
    assert status == 0 and report["n"] == 1000 and report["accuracy"] == accuracy


def test_fashion_mnist_absent_says_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(load_fashion_mnist, "__defaults__", (str(tmp_path / "absent"),))
    status, out, err = run_cli(capsys, "train", "--data", "fashion-mnist", "--out", tmp_path / "r")
    assert status == 2 and len(err.splitlines()) == 1
    assert err.startswith("badak train: error: ")
    assert "apt-get install dataset-fashion-mnist" in err
    assert not (tmp_path / "r").exists()


# ----------------------------------------------------------------------------------------------
# figures without matplotlib
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("quiet", [True, False])
def test_without_matplotlib_training_notes_it_once_and_draws_nothing(
    capsys, tmp_path, monkeypatch, quiet
):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` -> ImportError
    out = tmp_path / "run"
    argv = ["train", "--data", "spiral", "--epochs", "2", "--out", out]
    status, stdout, err = run_cli(capsys, *argv, *(["--quiet"] if quiet else []))
    assert status == 0 and SUMMARY.fullmatch(stdout.strip())
    notes = [
        line
        for line in err.splitlines()
        if not line.startswith(("epoch ", "badak: run written to "))
    ]
    assert len(notes) == 1 and "matplotlib" in notes[0]
    assert pngs(out) == [] and temporary_files(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "metrics.json", "model.npz"]
    Classifier.load(out / "model.npz")
    assert len(json.loads((out / "metrics.json").read_text())["epochs"]) == 2


# ----------------------------------------------------------------------------------------------
# evaluate and predict
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pets(tmp_path_factory):
    """(run folder, the training CSV) of a model trained on three well separated classes."""
    root = tmp_path_factory.mktemp("pets")
    data = blobs_csv(root / "pets.csv", labels=("dog", "cat", "bird"), n_per_class=30)
    out = root / "run"
    argv = ["train", "--data", data, "--epochs", "5", "--out", out, "--quiet"]
    assert main([str(a) for a in argv]) == 0
    return out, data


def read_rows(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def evaluate_json(capsys, *argv):
    status, out, err = run_cli(capsys, "evaluate", *argv, "--json")
    assert status == 0 and err == "", err
    return json.loads(out)


def test_evaluate_json_reports_on_all_the_rows(capsys, pets):
    run, data = pets
    report = evaluate_json(capsys, run, "--data", data, "--split", "all")
    assert list(report) == [
        "accuracy", "loss", "ece", "n", "scope", "classes", "confusion", "per_class"
    ]  # fmt: skip
    assert report["scope"] == "all 90 rows"
    assert report["n"] == 90 and report["classes"] == ["bird", "cat", "dog"]
    confusion = np.array(report["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == 90
    np.testing.assert_array_equal(confusion.sum(axis=1), [30, 30, 30])
    assert (
        report["accuracy"] == pytest.approx(np.trace(confusion) / 90) and report["accuracy"] > 0.9
    )
    assert 0 < report["loss"] < 1


def test_evaluate_text_output(capsys, pets):
    run, data = pets
    report = evaluate_json(capsys, run, "--data", data)
    status, out, err = run_cli(capsys, "evaluate", run, "--data", data)
    lines = out.splitlines()
    assert status == 0 and err == ""
    assert lines[0] == "scored the 18 rows held out from training (--split all scores all 90)"
    assert lines[1] == (
        f"accuracy={report['accuracy']:.4f} loss={report['loss']:.4f} ece={report['ece']:.4f} "
        f"n={report['n']}"
    )
    assert lines[2].startswith("confusion")
    for name, row, line in zip(report["classes"], report["confusion"], lines[3:6]):
        assert line.split() == [name, *map(str, row)]
    assert lines[6].split() == ["class", "precision", "recall", "f1", "support"]
    for scores, line in zip(report["per_class"], lines[7:]):
        assert line.split()[0] == scores["class"] and int(line.split()[-1]) == scores["support"]
    assert len(lines) == 10


def test_evaluate_takes_a_run_folder_or_its_model_npz(capsys, pets):
    run, data = pets
    assert evaluate_json(capsys, run, "--data", data) == evaluate_json(
        capsys, run / "model.npz", "--data", data
    )


def test_evaluate_finds_the_stored_target_anywhere_and_takes_target(capsys, pets, tmp_path):
    run, data = pets
    expected = evaluate_json(capsys, run, "--data", data, "--split", "all")
    rows = read_rows(data)
    moved = [[row[3], row[2], row[0], row[1]] for row in rows]  # label first, columns shuffled
    write_csv(tmp_path / "moved.csv", moved[0], moved[1:])
    assert evaluate_json(capsys, run, "--data", tmp_path / "moved.csv") == expected
    renamed = [["kind", *moved[0][1:]], *moved[1:]]
    write_csv(tmp_path / "renamed.csv", renamed[0], renamed[1:])
    assert evaluate_json(capsys, run, "--data", tmp_path / "renamed.csv", "--target", "kind") == (
        expected
    )


def test_evaluate_an_idx_folder_on_its_t10k_pair(capsys, tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    arrays = write_idx_folder(folder, n_train=40, n_test=12, side=3)
    assert (
        run_cli(capsys, "train", "--data", folder, "--epochs", "1", "--out", tmp_path / "r")[0] == 0
    )
    report = evaluate_json(capsys, tmp_path / "r", "--data", folder)
    assert report["n"] == 12 and np.array(report["confusion"]).sum() == 12
    true = np.array(report["confusion"]).sum(axis=1)
    classes = [int(c) for c in report["classes"]]
    np.testing.assert_array_equal(true, [(arrays[3] == c).sum() for c in classes])


def test_predict_writes_a_prediction_column_to_stdout(capsys, pets):
    run, data = pets
    status, out, err = run_cli(capsys, "predict", run, "--data", data)
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and err == ""
    assert rows[0] == ["prediction"] and len(rows) == 91
    assert {row[0] for row in rows[1:]} <= {"bird", "cat", "dog"}


def test_predictions_agree_with_evaluate(capsys, pets):
    run, data = pets
    report = evaluate_json(capsys, run, "--data", data, "--split", "all")
    out = run_cli(capsys, "predict", run, "--data", data)[1]
    predicted = [row[0] for row in list(csv.reader(io.StringIO(out)))[1:]]
    labels = [row[3] for row in read_rows(data)[1:]]
    classes = report["classes"]
    confusion = np.zeros((3, 3), int)
    for label, guess in zip(labels, predicted):
        confusion[classes.index(label), classes.index(guess)] += 1
    np.testing.assert_array_equal(confusion, report["confusion"])


def test_predict_proba_adds_probabilities_that_sum_to_one(capsys, pets):
    run, data = pets
    out = run_cli(capsys, "predict", run, "--data", data, "--proba")[1]
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["prediction", "p_bird", "p_cat", "p_dog"]
    probabilities = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    best = np.array(["bird", "cat", "dog"])[probabilities.argmax(axis=1)]
    assert list(best) == [row[0] for row in rows[1:]]


def test_predict_ignores_other_columns_and_their_order(capsys, pets, tmp_path):
    run, data = pets
    expected = run_cli(capsys, "predict", run, "--data", data, "--proba")[1]
    rows = read_rows(data)
    shuffled = [["id", "c", "note", "a", "b"]] + [
        [str(i), row[2], "text, with comma", row[0], row[1]] for i, row in enumerate(rows[1:])
    ]
    write_csv(tmp_path / "x.csv", shuffled[0], shuffled[1:])
    assert run_cli(capsys, "predict", run, "--data", tmp_path / "x.csv", "--proba")[1] == expected


def test_predict_out_writes_the_file_atomically(capsys, pets, tmp_path):
    run, data = pets
    expected = run_cli(capsys, "predict", run, "--data", data)[1]
    (tmp_path / "preds.csv").write_text("old\n")
    status, out, err = run_cli(
        capsys, "predict", run, "--data", data, "--out", tmp_path / "preds.csv"
    )
    assert status == 0 and out == "" and err == ""
    assert (tmp_path / "preds.csv").read_text() == expected
    assert temporary_files(tmp_path) == []


def test_predict_and_evaluate_agree_with_the_classifier(pets):
    run, data = pets
    classifier = Classifier.load(run / "model.npz")
    features = np.array([[float(v) for v in row[:3]] for row in read_rows(data)[1:]], np.float32)
    expected = np.asarray(classifier.classes)[classifier.predict(features)]
    text = inference.predict(run, data)
    assert text.splitlines()[1:] == list(expected)
    report = inference.evaluate(run / "model.npz", data, split="all")
    assert re.fullmatch(
        r"accuracy=\d\.\d{4} loss=\d\.\d{4} ece=\d\.\d{4} n=90",
        inference.format_report(report).split("\n")[1],
    )
