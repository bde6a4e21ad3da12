"""The main job on real tables, end to end through `main(argv)`: messy public tables (shipped in
PyPI packages) train with no preparation; validation options, early stopping, class weights,
calibration, predict --keep, export to ONNX run with onnxruntime, and the BLAS thread policy."""

import csv
import gzip
import io
import json
from importlib import resources

import numpy as np
import onnxruntime
import pytest

from badak import threads
from badak.classifier import Classifier
from tests.cli_helpers import SUMMARY, run_cli

PENGUINS = resources.files("palmerpenguins") / "data" / "penguins.csv"
PENGUINS_RAW = resources.files("palmerpenguins") / "data" / "penguins-raw.csv"


def train(capsys, out, *argv):
    """`badak train ARGV --out OUT`: (summary match, stderr, metrics.json)."""
    status, stdout, err = run_cli(capsys, "train", *argv, "--out", out)
    assert status == 0, err
    match = SUMMARY.fullmatch(stdout.strip())
    assert match, stdout
    return match, err, json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def penguins(tmp_path_factory):
    """A run on penguins.csv (text columns, missing values) predicting the species."""
    out = tmp_path_factory.mktemp("penguins") / "run"
    status = run_cli_plain("train", "--data", PENGUINS, "--target", "species", "--out", out)
    assert status == 0
    return out


def run_cli_plain(*argv):
    from badak.cli import main

    return main([str(a) for a in argv])


# ----------------------------------------------------------------------------------------------
# Real tables with no preparation
# ----------------------------------------------------------------------------------------------
def test_penguins_trains_with_its_text_columns_and_missing_values(penguins):
    metrics = json.loads((penguins / "metrics.json").read_text())
    assert metrics["final"]["val_accuracy"] >= 0.97
    assert metrics["data"]["train_rows"] + metrics["data"]["validation_rows"] == 344
    classifier = Classifier.load(penguins / "model.npz")
    kinds = {c["name"]: c["kind"] for c in classifier.encoder.columns}
    assert kinds["island"] == kinds["sex"] == "category" and kinds["bill_length_mm"] == "number"
    sex = next(c for c in classifier.encoder.columns if c["name"] == "sex")
    assert sex["categories"] == ["female", "male"]  # NA is missing, not a category


def test_penguins_raw_drops_its_id_column_with_a_note(capsys, tmp_path):
    _, err, metrics = train(capsys, tmp_path / "r", "--data", PENGUINS_RAW, "--target",
                            "Species", "--epochs", "10")  # fmt: skip
    assert "note: column 'Individual ID' was dropped" in err
    assert any("Individual ID" in note for note in metrics["data"]["notes"])
    assert metrics["final"]["val_accuracy"] >= 0.95


def test_a_continuous_target_is_refused(capsys, tmp_path):
    status, _, err = run_cli(capsys, "train", "--data", PENGUINS, "--target", "body_mass_g",
                             "--out", tmp_path / "r")  # fmt: skip
    assert status == 2 and "looks like a quantity" in err and "badak trains classifiers" in err
    assert not (tmp_path / "r").exists()


def test_a_semicolon_gzip_table_with_a_pandas_index_trains(capsys, tmp_path):
    import pandas as pd

    frame = pd.read_csv(PENGUINS)
    path = tmp_path / "penguins.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        frame.to_csv(file, sep=";", decimal=",")  # an unnamed index column first
    _, err, metrics = train(capsys, tmp_path / "r", "--data", path, "--target", "species",
                            "--epochs", "10")  # fmt: skip
    assert "note: column 'column1' was dropped: it counts the rows (an index)" in err
    assert "column1" not in metrics["data"]["features"]
    assert metrics["final"]["val_accuracy"] >= 0.95


def test_a_parquet_table_trains(capsys, tmp_path):
    import pandas as pd

    pd.read_csv(PENGUINS).to_parquet(tmp_path / "penguins.parquet")
    match, _, _ = train(capsys, tmp_path / "r", "--data", tmp_path / "penguins.parquet",
                        "--target", "species", "--epochs", "10", "--quiet")  # fmt: skip
    assert float(match[1]) >= 0.95


def test_a_header_less_file_trains_with_no_header(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)) + np.repeat(np.arange(3), 40)[:, None] * 3
    rows = [[f"{v:.3f}" for v in x] + [str(k)] for x, k in zip(X, np.repeat(np.arange(3), 40))]
    (tmp_path / "h.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    _, _, metrics = train(capsys, tmp_path / "r", "--data", tmp_path / "h.csv", "--quiet")
    assert metrics["data"]["features"] == ["column1", "column2", "column3"]
    assert metrics["data"]["train_rows"] + metrics["data"]["validation_rows"] == 120


def test_features_and_drop_choose_the_columns(capsys, tmp_path):
    chosen = ["--features", "bill_length_mm,island", "--epochs", "2", "--quiet"]
    _, _, metrics = train(capsys, tmp_path / "a", "--data", PENGUINS, "--target", "species",
                          *chosen)  # fmt: skip
    assert metrics["data"]["features"] == ["bill_length_mm", "island"]
    _, _, metrics = train(capsys, tmp_path / "b", "--data", PENGUINS, "--target", "species",
                          "--drop", "island,year", "--epochs", "2", "--quiet")  # fmt: skip
    assert "island" not in metrics["data"]["features"] and "sex" in metrics["data"]["features"]


# ----------------------------------------------------------------------------------------------
# Validation, selection, weights
# ----------------------------------------------------------------------------------------------
def test_the_saved_model_is_the_epoch_with_the_lowest_validation_loss(capsys, tmp_path):
    # A large step overfits the small wine set: validation loss rises after its minimum.
    _, _, metrics = train(capsys, tmp_path / "r", "--data", "wine", "--lr", "0.05", "--epochs",
                          "25", "--quiet", "--no-calibrate")  # fmt: skip
    losses = [row["val_loss"] for row in metrics["epochs"]]
    best = metrics["best_epoch"]
    assert losses[best - 1] == min(losses) and metrics["final"]["val_loss"] == min(losses)
    classifier = Classifier.load(tmp_path / "r" / "model.npz")
    report = json.loads(run_cli(capsys, "evaluate", tmp_path / "r", "--data", "wine", "--json")[1])
    assert report["loss"] == pytest.approx(min(losses), rel=1e-5)
    assert classifier.temperature == 1.0


def test_patience_stops_early_and_keeps_the_best_epoch(capsys, tmp_path):
    _, err, metrics = train(capsys, tmp_path / "r", "--data", "wine", "--lr", "0.05", "--epochs",
                            "200", "--patience", "3")  # fmt: skip
    ran = len(metrics["epochs"])
    assert ran < 200 and ran == metrics["best_epoch"] + 3
    assert "stopping; the model of epoch" in err
    status, out, _ = run_cli(capsys, "train", "--resume", tmp_path / "r", "--quiet")
    assert status == 0 and f"epochs={ran} " in out  # a stopped run stays stopped


def test_val_split_0_trains_on_everything_and_keeps_the_last_epoch(capsys, tmp_path):
    status, out, _ = run_cli(capsys, "train", "--data", "iris", "--val-split", "0", "--epochs",
                             "5", "--out", tmp_path / "r", "--quiet")  # fmt: skip
    assert status == 0 and out.startswith("train_accuracy=") and "epochs=5 " in out
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["best_epoch"] == 5 and metrics["calibration"] is None
    assert metrics["data"]["train_rows"] == 150 and metrics["data"]["validation_rows"] == 0
    status, out, _ = run_cli(capsys, "evaluate", tmp_path / "r", "--data", "iris")
    assert status == 0 and "every one was used in training" in out


def test_val_data_validates_on_another_file(capsys, tmp_path):
    import pandas as pd

    frame = pd.read_csv(PENGUINS).sample(frac=1.0, random_state=0)
    frame[:250].to_csv(tmp_path / "train.csv", index=False)
    frame[250:].to_csv(tmp_path / "val.csv", index=False)
    _, _, metrics = train(capsys, tmp_path / "r", "--data", tmp_path / "train.csv", "--target",
                          "species", "--val-data", tmp_path / "val.csv", "--quiet")  # fmt: skip
    assert metrics["data"]["validation_rows"] == 94 and metrics["data"]["train_rows"] == 250


OPTIONS = [
    ["--class-weight", "balanced"],
    ["--optimizer", "adamw"],
    ["--weight-decay", "0.1"],
    ["--optimizer", "sgd", "--weight-decay", "0.001"],
    ["--activation", "gelu"],
]


@pytest.mark.parametrize("options", OPTIONS)
def test_training_options_train_and_are_recorded(capsys, tmp_path, options):
    match, _, metrics = train(capsys, tmp_path / "r", "--data", "breast_cancer", "--epochs",
                              "10", "--quiet", *options)  # fmt: skip
    assert float(match[1]) >= 0.9
    stored = metrics["config"]
    for name, value in zip(options[::2], options[1::2]):
        key = name[2:].replace("-", "_")
        assert str(stored[key]) == value


def test_class_weight_balanced_changes_the_loss(capsys, tmp_path):
    plain = train(capsys, tmp_path / "a", "--data", "breast_cancer", "--epochs", "2", "--quiet")
    weighted = train(capsys, tmp_path / "b", "--data", "breast_cancer", "--epochs", "2",
                     "--quiet", "--class-weight", "balanced")  # fmt: skip
    assert plain[2]["epochs"][0]["train_loss"] != weighted[2]["epochs"][0]["train_loss"]


# ----------------------------------------------------------------------------------------------
# Calibration, predict, export
# ----------------------------------------------------------------------------------------------
def test_calibration_lowers_the_validation_nll_and_predict_applies_it(capsys, tmp_path):
    _, _, metrics = train(capsys, tmp_path / "r", "--data", "digits", "--epochs", "10", "--quiet")
    calibration = metrics["calibration"]
    assert calibration["after"]["nll"] <= calibration["before"]["nll"]
    classifier = Classifier.load(tmp_path / "r" / "model.npz")
    assert classifier.temperature == calibration["temperature"] != 1.0
    assert (tmp_path / "r" / "reliability.png").read_bytes()[:4] == b"\x89PNG"


def test_predict_keeps_id_columns_and_gives_calibrated_probabilities(capsys, penguins, tmp_path):
    import pandas as pd

    frame = pd.read_csv(PENGUINS)
    frame.insert(0, "penguin_id", [f"P{i:04d}" for i in range(len(frame))])
    frame.drop(columns=["species"]).to_csv(tmp_path / "new.csv", index=False)
    status, out, err = run_cli(capsys, "predict", penguins, "--data", tmp_path / "new.csv",
                               "--proba", "--keep", "penguin_id")  # fmt: skip
    assert status == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["penguin_id", "prediction", "p_Adelie", "p_Chinstrap", "p_Gentoo"]
    assert [r[0] for r in rows[1:]] == list(frame["penguin_id"])
    classifier = Classifier.load(penguins / "model.npz")
    columns = {n: frame[n].to_numpy() for n in classifier.feature_names}
    for name, values in columns.items():
        if values.dtype == object:
            columns[name] = np.array([None if pd.isna(v) else v for v in values], object)
    expected = classifier.predict_proba({k: np.asarray(v) for k, v in columns.items()})
    got = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_predict_names_a_missing_keep_column(capsys, penguins):
    status, _, err = run_cli(capsys, "predict", penguins, "--data", PENGUINS, "--keep", "tag")
    assert status == 2 and "--keep names no column 'tag'" in err


def test_an_unseen_category_warns_once_in_one_line(capsys, penguins, tmp_path):
    text = PENGUINS.read_text().replace("Torgersen", "Atlantis")
    (tmp_path / "odd.csv").write_text(text)
    status, _, err = run_cli(capsys, "predict", penguins, "--data", tmp_path / "odd.csv")
    assert status == 0 and err.count("\n") == 1
    assert err.startswith("badak: warning:") and "'island'" in err


def test_export_onnx_gives_the_probabilities_of_predict(capsys, penguins, tmp_path):
    status, _, err = run_cli(capsys, "export", penguins, "--format", "onnx", "--out",
                             tmp_path / "m.onnx")  # fmt: skip
    assert status == 0 and "m.onnx" in err
    import pandas as pd

    frame = pd.read_csv(PENGUINS)
    classifier = Classifier.load(penguins / "model.npz")
    numbers = [c["name"] for c in classifier.encoder.columns if c["kind"] == "number"]
    texts = [c["name"] for c in classifier.encoder.columns if c["kind"] == "category"]
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"))
    feeds = {
        "features": frame[numbers].to_numpy(np.float32),
        "categories": frame[texts].fillna("").to_numpy(str).astype(object),
    }
    (onnx_probabilities,) = session.run(None, feeds)
    out = run_cli(capsys, "predict", penguins, "--data", PENGUINS, "--proba")[1]
    rows = list(csv.reader(io.StringIO(out)))[1:]
    expected = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(onnx_probabilities, expected, atol=1e-5)


def test_export_safetensors_writes_the_state_dict(capsys, penguins, tmp_path):
    from safetensors.numpy import load_file

    status, _, _ = run_cli(capsys, "export", penguins, "--format", "safetensors")
    assert status == 0
    tensors = load_file(str(penguins / "model.safetensors"))
    state = Classifier.load(penguins / "model.npz").network.state_dict()
    assert sorted(tensors) == sorted(state)
    for name, value in state.items():
        np.testing.assert_array_equal(tensors[name], value.numpy())


# ----------------------------------------------------------------------------------------------
# Threads
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("with_threadpoolctl", [True, False])
def test_blas_threads_limits_openblas_inside_the_block(monkeypatch, with_threadpoolctl):
    if not with_threadpoolctl:
        monkeypatch.setitem(__import__("sys").modules, "threadpoolctl", None)
    controls = threads.openblas_controls()
    assert controls, "NumPy's wheels ship OpenBLAS"
    before = [get() for get, _ in controls]
    with threads.blas_threads(1) as limited:
        assert limited and [get() for get, _ in controls] == [1] * len(controls)
    assert [get() for get, _ in controls] == before


@pytest.mark.parametrize("with_threadpoolctl", [True, False])
def test_set_num_threads_sets_what_get_num_threads_reads(monkeypatch, with_threadpoolctl):
    if not with_threadpoolctl:
        monkeypatch.setitem(__import__("sys").modules, "threadpoolctl", None)
    before = threads.get_num_threads()
    try:
        for count in (2, 1):
            threads.set_num_threads(count)
            assert threads.get_num_threads() == count, [g() for g, _ in threads._controls()]
            assert [get() for get, _ in threads.openblas_controls()] == [count] * len(
                threads.openblas_controls()
            )
    finally:
        threads.set_num_threads(before)


def test_set_num_threads_refuses_a_bad_count():
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int, got 0"):
        threads.set_num_threads(0)


def test_blas_threads_refuses_a_bad_count():
    with pytest.raises(ValueError, match="blas_threads: expected a positive int, got 0"):
        with threads.blas_threads(0):
            pass


def test_a_run_trains_under_its_thread_count(capsys, tmp_path, monkeypatch):
    seen = []
    real = threads.blas_threads

    def spy(count):
        seen.append(count)
        return real(count)

    monkeypatch.setattr("badak.run.blas_threads", spy)
    train(capsys, tmp_path / "a", "--data", "iris", "--epochs", "1", "--quiet")
    train(capsys, tmp_path / "b", "--data", "iris", "--epochs", "1", "--quiet", "--threads", "2")
    assert seen == [1, 2]


def test_runs_with_one_and_two_threads_agree(capsys, tmp_path):
    a = train(capsys, tmp_path / "a", "--data", "digits", "--epochs", "2", "--quiet")[2]
    b = train(capsys, tmp_path / "b", "--data", "digits", "--epochs", "2", "--quiet",
              "--threads", "2")[2]  # fmt: skip
    assert a["final"]["val_loss"] == pytest.approx(b["final"]["val_loss"], rel=1e-4)


def test_run_level_progress_bar_on_a_terminal(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    status, out, err = run_cli(capsys, "train", "--data", "iris", "--epochs", "3", "--out",
                               tmp_path / "r")  # fmt: skip
    assert status == 0 and "run:" in err and "epoch" in err and SUMMARY.fullmatch(out.strip())
