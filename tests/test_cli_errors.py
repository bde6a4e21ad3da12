"""Bad data or arguments: exit status 2, one line `badak COMMAND: error: ...` on stderr, no
traceback, nothing written, and an earlier run's files untouched (one test per case)."""

import shutil

import numpy as np
import pytest

from badak.cli import main
from tests.cli_helpers import assert_one_error_line, blobs_csv, run_cli, snapshot, write_csv
from tests.data.idx_files import write_idx_folder


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """A finished run (model.npz, checkpoint.npz, metrics.json, PNGs) trained on blobs.csv."""
    root = tmp_path_factory.mktemp("earlier")
    data = blobs_csv(root / "blobs.csv")
    folder = root / "run"
    assert (
        main(["train", "--data", str(data), "--epochs", "2", "--out", str(folder), "--quiet"]) == 0
    )
    return folder


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty working folder (where a default runs/ folder would appear)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(capsys, work, earlier, command, *argv):
    """Run a command that must be refused; returns its one error line."""
    before_run, before_work = snapshot(earlier), snapshot(work)
    status, out, err = run_cli(capsys, command, *argv)
    line = assert_one_error_line(status, err, command)
    assert out == ""
    assert snapshot(earlier) == before_run, "the earlier run was touched"
    assert snapshot(work) == before_work, "something was written"
    return line


def refused_train(capsys, work, earlier, *argv):
    """`badak train ARGV` is refused the same way with --out the earlier run, with a new --out
    and with the default --out; data and arguments are checked before --out is looked at."""
    line = refused(capsys, work, earlier, "train", *argv, "--out", earlier)
    assert refused(capsys, work, earlier, "train", *argv, "--out", work / "new") == line
    assert refused(capsys, work, earlier, "train", *argv) == line
    assert "already holds" not in line
    return line


# ----------------------------------------------------------------------------------------------
# train: bad data
# ----------------------------------------------------------------------------------------------
def test_train_refuses_a_missing_file(capsys, work, earlier):
    line = refused_train(capsys, work, earlier, "--data", work / "absent.csv")
    assert "absent.csv: no such file" in line


def test_train_refuses_an_empty_file(capsys, work, earlier):
    (work / "empty.csv").write_text("")
    assert "empty" in refused_train(capsys, work, earlier, "--data", work / "empty.csv")


def test_train_refuses_a_header_without_rows(capsys, work, earlier):
    (work / "header.csv").write_text("a,b,label\n")
    line = refused_train(capsys, work, earlier, "--data", work / "header.csv")
    assert "no data rows" in line


def test_train_refuses_an_unknown_target_column(capsys, work, earlier):
    data = blobs_csv(work / "blobs.csv")
    line = refused_train(capsys, work, earlier, "--data", data, "--target", "colour")
    assert "no column named 'colour'" in line and "a, b, c, label" in line


def test_train_refuses_an_infinite_cell(capsys, work, earlier):
    rows = [[str(i), "inf" if i == 3 else str(i % 5), "xy"[i % 2]] for i in range(20)]
    write_csv(work / "bad.csv", ["a", "b", "label"], rows)
    line = refused_train(capsys, work, earlier, "--data", work / "bad.csv")
    assert "column 'b' holds an infinite value" in line


def test_train_refuses_a_target_that_is_a_quantity(capsys, work, earlier):
    rows = [[str(i % 3), f"{1000 + 7.5 * i}"] for i in range(60)]
    write_csv(work / "mass.csv", ["a", "grams"], rows)
    line = refused_train(capsys, work, earlier, "--data", work / "mass.csv")
    assert "'grams' looks like a quantity, not a class (60 distinct numbers in 60 rows)" in line
    assert "badak trains classifiers" in line and "--target" in line


def test_train_refuses_a_single_class(capsys, work, earlier):
    write_csv(work / "one.csv", ["a", "label"], [["1", "x"], ["2", "x"], ["3", "x"]])
    line = refused_train(capsys, work, earlier, "--data", work / "one.csv")
    assert "only one class" in line


def test_train_refuses_ragged_rows(capsys, work, earlier):
    write_csv(work / "ragged.csv", ["a", "b", "label"], [["1", "2", "x"], ["3", "y"]])
    line = refused_train(capsys, work, earlier, "--data", work / "ragged.csv")
    assert "line 3 has 2 columns, expected 3" in line


def test_train_refuses_a_file_that_is_not_utf8(capsys, work, earlier):
    (work / "latin.csv").write_bytes(b"a,label\n1,caf\xe9\n2,bar\n")
    assert "UTF-8" in refused_train(capsys, work, earlier, "--data", work / "latin.csv")


def test_train_refuses_too_few_rows_for_a_validation_split(capsys, work, earlier):
    write_csv(work / "two.csv", ["a", "label"], [["1", "x"], ["2", "y"]])
    line = refused_train(capsys, work, earlier, "--data", work / "two.csv")
    assert "validation split" in line


def test_train_refuses_a_truncated_idx_file(capsys, work, earlier):
    folder = work / "mnist"
    folder.mkdir()
    write_idx_folder(folder, n_train=20, n_test=6)
    images = folder / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-5])
    line = refused_train(capsys, work, earlier, "--data", folder)
    assert "train-images-idx3-ubyte: truncated" in line


def test_train_refuses_an_idx_folder_missing_a_file(capsys, work, earlier):
    folder = work / "mnist"
    folder.mkdir()
    write_idx_folder(folder, n_train=20, n_test=6)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    line = refused_train(capsys, work, earlier, "--data", folder)
    assert "missing IDX file(s): t10k-labels-idx1-ubyte" in line


def test_train_refuses_an_unknown_data_name(capsys, work, earlier):
    line = refused_train(capsys, work, earlier, "--data", "mnist-digits")
    assert "mnist-digits: no such file or folder" in line and "iris" in line


def test_train_refuses_target_on_a_bundled_set(capsys, work, earlier):
    line = refused_train(capsys, work, earlier, "--data", "iris", "--target", "species")
    assert "--target 'species' does not apply" in line


# ----------------------------------------------------------------------------------------------
# train: bad arguments
# ----------------------------------------------------------------------------------------------
BAD_ARGUMENTS = [
    (["--epochs", "0"], "--epochs must be positive, got 0"),
    (["--epochs", "-3"], "--epochs must be positive, got -3"),
    (["--epochs", "many"], "argument --epochs: invalid int value"),
    (["--lr", "nan"], "--lr must be a positive number, got nan"),
    (["--lr", "-1"], "--lr must be a positive number, got -1"),
    (["--lr", "0"], "--lr must be a positive number"),
    (["--lr", "inf"], "--lr must be a positive number, got inf"),
    (["--val-split", "-0.1"], "--val-split must be in [0, 1), got -0.1"),
    (["--val-split", "1"], "--val-split must be in [0, 1), got 1"),
    (["--val-split", "1.5"], "--val-split must be in [0, 1), got 1.5"),
    (["--val-split", "0.3", "--val-data", "x.csv"], "--val-data replaces --val-split"),
    (["--features", "a", "--drop", "b"], "--features and --drop exclude each other"),
    (["--features", "a"], "--features and --drop apply to table files only"),
    (["--weight-decay", "-1"], "--weight-decay must be a number >= 0, got -1.0"),
    (["--patience", "0"], "--patience must be positive, got 0"),
    (["--threads", "0"], "--threads must be positive, got 0"),
    (["--class-weight", "inverse"], "argument --class-weight: invalid choice"),
    (["--label-smoothing", "2"], "--label-smoothing must be in [0, 1], got 2"),
    (["--label-smoothing", "-0.1"], "--label-smoothing must be in [0, 1]"),
    (["--hidden", "0"], "argument --hidden: expected positive sizes"),
    (["--hidden", "abc"], "argument --hidden: expected sizes like 128,64, got 'abc'"),
    (["--hidden", "64,-2"], "argument --hidden: expected positive sizes"),
    (["--batch-size", "0"], "--batch-size must be positive, got 0"),
    (["--seed", "-1"], "--seed must be non-negative, got -1"),
    (["--model", "rnn"], "argument --model: invalid choice: 'rnn'"),
    (["--model", "cnn"], "--model cnn needs image data"),
    (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice"),
    (["--activation", "swish"], "argument --activation: invalid choice"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option"),
]


@pytest.mark.parametrize("argv, words", BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_train_refuses_a_bad_argument(capsys, work, earlier, argv, words):
    line = refused_train(capsys, work, earlier, "--data", "iris", *argv)
    assert words in line


def test_a_bad_argument_is_refused_without_the_train_word(capsys, work, earlier):
    line = refused(capsys, work, earlier, "train", "--epochs", "0")
    status, out, err = run_cli(capsys, "--epochs", "0")  # `badak --epochs 0` means train
    assert status == 2 and err.splitlines() == [line] and out == ""


# ----------------------------------------------------------------------------------------------
# train: the run folder
# ----------------------------------------------------------------------------------------------
def test_train_refuses_an_out_holding_a_finished_run(capsys, work, earlier):
    line = refused(capsys, work, earlier, "train", "--data", "iris", "--out", earlier)
    assert "already holds model.npz and checkpoint.npz" in line and "--resume" in line


@pytest.mark.parametrize("name", ["model.npz", "checkpoint.npz"])
def test_train_refuses_an_out_holding_one_run_file(capsys, work, earlier, name):
    folder = work / "old"
    folder.mkdir()
    shutil.copy2(earlier / name, folder / name)
    line = refused(capsys, work, earlier, "train", "--data", "iris", "--out", folder)
    assert f"already holds {name};" in line


def test_train_refuses_an_out_that_is_a_file(capsys, work, earlier):
    (work / "notes.txt").write_text("keep me\n")
    line = refused(capsys, work, earlier, "train", "--data", "iris", "--out", work / "notes.txt")
    assert "exists and is not a folder" in line


def test_train_refuses_an_out_below_a_file(capsys, work, earlier):
    # A folder cannot be made below a file: one line and exit 2, not a traceback (bug: fit()
    # calls out.mkdir() and the NotADirectoryError/FileExistsError escapes).
    (work / "notes.txt").write_text("keep me\n")
    out = work / "notes.txt" / "run"
    refused(capsys, work, earlier, "train", "--data", "iris", "--epochs", "1", "--out", out)


def test_resume_refuses_a_folder_without_a_checkpoint(capsys, work, earlier):
    (work / "empty").mkdir()
    line = refused(capsys, work, earlier, "train", "--resume", "--out", work / "empty")
    assert "no checkpoint to resume" in line


def test_resume_refuses_a_missing_folder(capsys, work, earlier):
    line = refused(capsys, work, earlier, "train", "--resume", "--out", work / "absent")
    assert "no checkpoint to resume" in line


def test_resume_without_a_folder_needs_an_earlier_run_of_the_data(capsys, work, earlier):
    line = refused(capsys, work, earlier, "train", "--resume")
    assert "no run of digits in runs/ to continue" in line


def test_resume_refuses_fewer_epochs_than_the_run(capsys, work, earlier):
    line = refused(capsys, work, earlier, "train", "--resume", "--out", earlier, "--epochs", "1")
    assert "--epochs 1 is fewer than the run's 2" in line


@pytest.mark.parametrize("content", ["model", "text"])
def test_resume_refuses_a_checkpoint_that_is_not_one(capsys, work, earlier, content):
    folder = work / "odd"
    folder.mkdir()
    if content == "model":
        shutil.copy2(earlier / "model.npz", folder / "checkpoint.npz")
    else:
        (folder / "checkpoint.npz").write_text("not a checkpoint\n")
    line = refused(capsys, work, earlier, "train", "--resume", "--out", folder)
    assert "is not a badak training checkpoint" in line


# ----------------------------------------------------------------------------------------------
# evaluate and predict
# ----------------------------------------------------------------------------------------------
def _not_models(work, earlier):
    (work / "model.txt").write_text("weights\n")
    np.savez(work / "plain.npz", w=np.ones(3))
    (work / "no_model").mkdir()
    return {
        "text": work / "model.txt",
        "plain_npz": work / "plain.npz",
        "checkpoint": earlier / "checkpoint.npz",
        "folder_without_model": work / "no_model",
        "absent": work / "absent.npz",
    }


@pytest.mark.parametrize("command", ["evaluate", "predict"])
@pytest.mark.parametrize(
    "kind", ["text", "plain_npz", "checkpoint", "folder_without_model", "absent"]
)
def test_a_file_that_is_not_a_model_is_refused(capsys, work, earlier, command, kind):
    data = blobs_csv(work / "blobs.csv")
    model = _not_models(work, earlier)[kind]
    line = refused(capsys, work, earlier, command, model, "--data", data)
    assert str(model.name) in line


def test_evaluate_refuses_labels_the_model_does_not_know(capsys, work, earlier):
    data = blobs_csv(work / "birds.csv", labels=("cat", "bird"))
    line = refused(capsys, work, earlier, "evaluate", earlier, "--data", data)
    assert "'bird'" in line and "not among the 2 known classes" in line


def test_evaluate_refuses_data_missing_a_feature_column(capsys, work, earlier):
    write_csv(work / "two.csv", ["a", "c", "label"], [["1", "2", "cat"], ["3", "4", "dog"]])
    line = refused(capsys, work, earlier, "evaluate", earlier, "--data", work / "two.csv")
    assert "missing feature column(s) 'b'" in line


def test_evaluate_refuses_an_unknown_target(capsys, work, earlier):
    data = blobs_csv(work / "blobs.csv")
    line = refused(capsys, work, earlier, "evaluate", earlier, "--data", data, "--target", "kind")
    assert "no column named 'kind'" in line


def test_evaluate_refuses_a_missing_data_file(capsys, work, earlier):
    line = refused(capsys, work, earlier, "evaluate", earlier, "--data", work / "absent.csv")
    assert "no such file" in line


def test_predict_names_the_missing_feature_columns(capsys, work, earlier):
    write_csv(work / "x.csv", ["b", "z"], [["1", "2"], ["3", "4"]])
    line = refused(capsys, work, earlier, "predict", earlier, "--data", work / "x.csv")
    assert "missing feature column(s) 'a', 'c'" in line
    assert "'b'," not in line.split("(the columns")[0]


def test_predict_refuses_ragged_rows(capsys, work, earlier):
    write_csv(work / "x.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "5"]])
    line = refused(capsys, work, earlier, "predict", earlier, "--data", work / "x.csv")
    assert "line 3 has 2 columns, expected 3" in line


def test_predict_refuses_a_row_with_too_many_columns(capsys, work, earlier):
    write_csv(work / "x.csv", ["a", "b", "c"], [["1", "2", "3", "4"], ["4", "5", "6"]])
    line = refused(capsys, work, earlier, "predict", earlier, "--data", work / "x.csv")
    assert "line 2 has 4 columns, expected 3" in line


def test_predict_refuses_text_in_a_column_of_numbers(capsys, work, earlier):
    write_csv(work / "x.csv", ["a", "b", "c"], [["1", "2", "3"], ["4", "five", "6"]])
    line = refused(capsys, work, earlier, "predict", earlier, "--data", work / "x.csv")
    assert "column 'b' holds text ('five') where the model was trained on numbers" in line


def test_predict_refuses_an_empty_file(capsys, work, earlier):
    (work / "x.csv").write_text("")
    line = refused(capsys, work, earlier, "predict", earlier, "--data", work / "x.csv")
    assert "empty" in line


def test_predict_refuses_bad_data_without_creating_out(capsys, work, earlier):
    write_csv(work / "x.csv", ["a", "b"], [["1", "2"]])
    refused(
        capsys, work, earlier, "predict", earlier, "--data", work / "x.csv", "--out", "preds.csv"
    )
    assert not (work / "preds.csv").exists()


def test_predict_refuses_an_out_in_a_missing_folder(capsys, work, earlier):
    # One line and exit 2, not a traceback (bug: the FileNotFoundError of the temporary file
    # escapes write_output).
    data = blobs_csv(work / "blobs.csv")
    out = work / "absent" / "preds.csv"
    refused(capsys, work, earlier, "predict", earlier, "--data", data, "--out", out)


def test_evaluate_and_predict_need_data(capsys, work, earlier):
    for command in ("evaluate", "predict"):
        line = refused(capsys, work, earlier, command, earlier)
        assert "the following arguments are required: --data" in line


def test_evaluate_refuses_idx_images_of_another_size(capsys, work, earlier):
    # Bug: the t10k images skip the feature check, and the model's first layer fails with a
    # NumPy broadcast ValueError (a traceback) instead of a one-line DataError.
    small, large = work / "small", work / "large"
    small.mkdir()
    large.mkdir()
    write_idx_folder(small, n_train=40, n_test=10, side=3, seed=1)
    write_idx_folder(large, n_train=40, n_test=10, side=4, seed=1)
    model = work / "model"
    assert run_cli(capsys, "train", "--data", small, "--epochs", "1", "--out", model)[0] == 0
    line = refused(capsys, work, earlier, "evaluate", model, "--data", large)
    assert "16" in line and "9" in line


def _tampered(earlier, work, change):
    """A copy of the earlier run's model.npz whose metadata `change` edits in place."""
    from badak import checkpoint

    state, meta = checkpoint.load_with_metadata(earlier / "model.npz")
    change(meta, state)
    path = work / "tampered.npz"
    checkpoint.save(state, path, metadata=meta)
    return path


def _set(path, value):
    def change(meta, state):
        *parents, last = path
        target = meta
        for key in parents:
            target = target[key]
        target[last] = value(target[last]) if callable(value) else value

    return change


TAMPERED = {
    "one-class-more": (_set(["classes"], lambda c: [*c, "extra"]), "outputs for"),
    "duplicate-class": (_set(["classes"], lambda c: [c[0], c[0]]), "appears twice"),
    "class-not-string": (_set(["classes"], lambda c: [1, 2]), "not a list of strings"),
    "one-feature-less": (_set(["feature_names"], lambda f: f[:-1]), "not its feature names"),
    "duplicate-feature": (_set(["feature_names"], lambda f: [f[0]] * len(f)), "appears twice"),
    "mean-too-short": (
        _set(["preprocessing", "standardize", "mean"], lambda m: m[:-1]),
        "one number per feature",
    ),
    "scale-zero": (
        _set(["preprocessing", "standardize", "scale"], lambda s: [0.0] * len(s)),
        "not positive",
    ),
    "scale-nan": (
        _set(["preprocessing", "standardize", "scale"], lambda s: [float("nan")] * len(s)),
        "not a finite number",
    ),
    "huge-layer": (_set(["architecture", "hidden"], [10**7, 10**7]), "weights and it holds"),
    "size-not-int": (_set(["architecture", "in_features"], 2.5), "not positive ints"),
    "weights-missing": (lambda meta, state: state.popitem(), "missing keys"),
}


@pytest.mark.parametrize("command", ["evaluate", "predict"])
@pytest.mark.parametrize("case", TAMPERED)
def test_a_model_whose_parts_disagree_is_refused(capsys, work, earlier, command, case):
    change, words = TAMPERED[case]
    model = _tampered(earlier, work, change)
    data = blobs_csv(work / "blobs.csv")
    line = refused(capsys, work, earlier, command, model, "--data", data)
    assert "tampered.npz" in line and words in line
