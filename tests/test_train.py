"""badak/train.py: the training loop (fit), its configuration, the split, divergence."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

import badak
from badak import run as run_module
from badak import train as train_module
from badak.classifier import Classifier
from badak.data import load_fashion_mnist, load_iris
from badak.run import ConfigError, TrainConfig
from badak.run import train_classifier as fit
from badak.train import Split, TrainingDiverged, confusion_matrix, stratified_split
from tests.cli_helpers import arrays, run_cli

FEATURES = ["sepal length", "sepal width", "petal length", "petal width"]


def iris_splits(seed=0):
    X, y = load_iris(return_X_y=True)
    train_index, val_index = stratified_split(y, 0.2, seed)
    return Split(X[train_index], y[train_index]), Split(X[val_index], y[val_index])


def fit_iris(out, **options):
    config = TrainConfig(data="iris", **{"epochs": 5, **options}).validate()
    train, validation = iris_splits()
    return fit(
        config,
        train,
        validation,
        out,
        classes=["a", "b", "c"],
        feature_names=FEATURES,
        target_name="species",
    )


# ----------------------------------------------------------------------------------------------
# fit
# ----------------------------------------------------------------------------------------------
def test_fit_on_a_fashion_mnist_subset_reaches_80_percent(tmp_path):
    data = load_fashion_mnist()
    config = TrainConfig(data="fashion-mnist", epochs=3).validate()
    result = fit(
        config,
        Split(data.train_images[:10000], data.train_labels[:10000]),
        Split(data.test_images[:2000], data.test_labels[:2000]),
        tmp_path,
        classes=[str(k) for k in range(10)],
        feature_names=[f"pixel{i}" for i in range(784)],
        target_name="label",
    )
    assert result.final["val_accuracy"] >= 0.8
    assert len(result.predictions) == 2000


def test_fit_returns_the_history_and_a_summary(tmp_path):
    result = fit_iris(tmp_path, epochs=4)
    assert [row["epoch"] for row in result.history] == [1, 2, 3, 4]
    assert re.fullmatch(
        r"val_accuracy=\d\.\d{4} val_loss=\d+\.\d{4} epochs=4 time=\d+\.\ds", result.summary()
    )
    _, validation = iris_splits()
    assert len(result.predictions) == len(validation.targets) == 30
    accuracy = float((result.predictions == validation.targets).mean())
    assert accuracy == result.best["val_accuracy"]  # the predictions of the model saved
    saved = json.loads((tmp_path / "metrics.json").read_text())["epochs"]
    assert saved == result.history


def test_fit_writes_a_checkpoint_before_the_first_epoch(tmp_path):
    seen = []

    def progress(total, epoch, epochs):
        if epoch == 1:  # called before the first epoch trains
            state = badak.load(tmp_path / "checkpoint.npz")
            seen.append((total, epochs, state["epoch"], state["history"]))
            Classifier.load(tmp_path / "model.npz")
            metrics = json.loads((tmp_path / "metrics.json").read_text())
            seen.append({k: metrics[k] for k in ("epochs", "best_epoch")})
        return None

    config = TrainConfig(data="iris", epochs=1, batch_size=40).validate()
    train, validation = iris_splits()
    fit(
        config,
        train,
        validation,
        tmp_path,
        classes=["a", "b", "c"],
        feature_names=FEATURES,
        target_name="species",
        progress=progress,
    )
    assert seen == [(3, 1, 0, []), {"epochs": [], "best_epoch": 0}]  # 120 in batches of 40


def test_fit_logs_one_line_per_epoch(tmp_path):
    lines = []
    config = TrainConfig(data="iris", epochs=3).validate()
    train, validation = iris_splits()
    fit(
        config,
        train,
        validation,
        tmp_path,
        classes=["a", "b", "c"],
        feature_names=FEATURES,
        target_name="species",
        log=lines.append,
    )
    assert len(lines) == 3
    pattern = r"epoch 3/3 train_loss=\d+\.\d{4} train_accuracy=\d\.\d{4} val_loss=\d+\.\d{4} "
    assert re.fullmatch(pattern + r"val_accuracy=\d\.\d{4}", lines[-1])


def test_a_zero_variance_feature_is_left_unscaled(tmp_path):
    X, y = load_iris(return_X_y=True)
    X = np.concatenate([X, np.full((len(X), 1), 7.0, np.float32)], axis=1)
    config = TrainConfig(data="iris", epochs=3).validate()
    result = fit(
        config,
        Split(X[::2], y[::2]),
        Split(X[1::2], y[1::2]),
        tmp_path,
        classes=["a", "b", "c"],
        feature_names=[*FEATURES, "constant"],
        target_name="species",
    )
    standardizer = Classifier.load(tmp_path / "model.npz").standardizer
    assert standardizer.scale[-1] == 1 and standardizer.mean[-1] == 7
    assert np.isfinite(result.final["val_loss"])
    np.testing.assert_allclose(standardizer.mean[:4], X[::2, :4].mean(axis=0), rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# divergence
# ----------------------------------------------------------------------------------------------
def test_fit_raises_on_divergence_and_keeps_the_last_good_epoch(tmp_path, monkeypatch):
    optimizers = []
    make_optimizer = run_module._optimizer

    def spy(config, network):
        optimizers.append(make_optimizer(config, network))
        return optimizers[-1]

    def progress(total, epoch, epochs):
        if epoch == 3:  # two good epochs, then a step that cannot stay finite
            optimizers[0].param_groups[0]["lr"] = 1e30
        return None

    monkeypatch.setattr(run_module, "_optimizer", spy)
    config = TrainConfig(data="iris", epochs=5, optimizer="sgd").validate()
    train, validation = iris_splits()
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="nan|inf"):
        fit(
            config,
            train,
            validation,
            tmp_path,
            classes=["a", "b", "c"],
            feature_names=FEATURES,
            target_name="species",
            progress=progress,
        )
    state = badak.load(tmp_path / "checkpoint.npz")
    assert state["epoch"] == 2 and len(state["history"]) == 2
    assert len(json.loads((tmp_path / "metrics.json").read_text())["epochs"]) == 2
    weights = arrays(tmp_path / "model.npz")  # the better of the two good epochs
    assert all(np.isfinite(w).all() for w in weights.values())
    assert state["best"]["epoch"] in (1, 2)
    for name, value in state["best"]["model"].items():
        assert np.array_equal(value, weights[name])


DIVERGING = ["--data", "digits", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3"]


def test_a_diverging_run_exits_1_and_keeps_a_loadable_checkpoint(capsys, tmp_path):
    out = tmp_path / "run"
    with np.errstate(all="ignore"):
        status, stdout, err = run_cli(capsys, "train", *DIVERGING, "--out", out)
    assert status == 1 and stdout == ""
    last = err.splitlines()[-1]
    assert last.startswith("badak train: error: training diverged: ")
    assert "last good checkpoint" in last and "Traceback" not in err
    state = badak.load(out / "checkpoint.npz")
    assert state["epoch"] == len(state["history"]) == 0
    assert all(np.isfinite(v.numpy()).all() for v in state["model"].values())
    Classifier.load(out / "model.npz")
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "metrics.json", "model.npz"]


def test_a_diverging_run_prints_one_line_on_stderr(tmp_path):
    # The real stderr of the command: NumPy's overflow RuntimeWarnings must not add lines
    # (bug: they do, since training runs without np.errstate).
    command = [sys.executable, "-m", "badak", "train", *DIVERGING, "--out", tmp_path, "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("badak train: error: training diverged: ")


# ----------------------------------------------------------------------------------------------
# TrainConfig, stratified_split, confusion_matrix
# ----------------------------------------------------------------------------------------------
def test_config_defaults_and_learning_rates():
    config = TrainConfig().validate()
    assert (config.data, config.model, config.hidden, config.epochs) == (
        "digits",
        "mlp",
        (128, 64),
        30,
    )
    assert config.seed == 0 and config.val_split == 0.2 and config.batch_size == 32
    assert config.learning_rate == 1e-3
    assert TrainConfig(optimizer="sgd").learning_rate == 0.1
    assert TrainConfig(model="linear").learning_rate == 0.1
    assert TrainConfig(lr=0.5).learning_rate == 0.5


def test_config_round_trips_through_json():
    config = TrainConfig(data="x.csv", target="kind", hidden=(8, 4), lr=0.01, seed=3)
    stored = json.loads(json.dumps(config.to_json()))
    assert TrainConfig.from_json(stored) == config
    assert TrainConfig.from_json({**stored, "future_option": 1}) == config


@pytest.mark.parametrize(
    "options",
    [
        {"epochs": 0},
        {"lr": float("nan")},
        {"lr": -1.0},
        {"val_split": 1.0},
        {"label_smoothing": 1.5},
        {"hidden": (0,)},
        {"batch_size": -1},
        {"seed": -1},
        {"model": "rnn"},
    ],
    ids=lambda options: next(iter(options)),
)
def test_config_validate_names_the_argument(options):
    name = next(iter(options))
    with pytest.raises(ConfigError, match="--" + name.replace("_", "-")):
        TrainConfig(**options).validate()


def test_stratified_split_keeps_every_class_on_both_sides():
    targets = np.repeat(np.arange(4), [50, 10, 3, 2])
    train, val = stratified_split(targets, 0.2, seed=0)
    assert len(np.intersect1d(train, val)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(targets)))
    np.testing.assert_array_equal(np.bincount(targets[val]), [10, 2, 1, 1])
    assert (np.diff(train) > 0).all() and (np.diff(val) > 0).all()


def test_stratified_split_depends_on_the_seed_only():
    targets = np.repeat(np.arange(3), 20)
    first = stratified_split(targets, 0.25, seed=1)
    again = stratified_split(targets, 0.25, seed=1)
    other = stratified_split(targets, 0.25, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])


# ----------------------------------------------------------------------------------------------
# the loop itself (badak.train.fit), shared by badak.run and badak.sklearn
# ----------------------------------------------------------------------------------------------
def iris_loop(seed=0):
    X, y = load_iris(return_X_y=True)
    badak.manual_seed(seed)
    network = badak.nn.MLP(4, [8], 3)
    optimizer = badak.optim.SGD(network.parameters(), lr=0.1)
    loader = badak.data.DataLoader(
        badak.data.TensorDataset(badak.tensor(X), badak.tensor(y)), batch_size=30, shuffle=True
    )
    return network, optimizer, loader


def test_the_loop_runs_each_epoch_and_reports_it():
    network, optimizer, loader = iris_loop()
    rows, bars = [], []

    class Bar:
        def __init__(self, total, epoch):
            self.total, self.epoch, self.steps = total, epoch, 0
            bars.append(self)

        def update(self, n):
            self.steps += n

        def close(self):
            self.closed = True

    last = train_module.fit(
        network, optimizer, loader, 3, end_of_epoch=lambda *row: rows.append(row), progress=Bar
    )
    assert last == 3 and [r[0] for r in rows] == [1, 2, 3]
    assert rows[-1][1] < rows[0][1] and 0 <= rows[-1][2] <= 1  # the loss falls
    assert [(b.total, b.epoch, b.steps, b.closed) for b in bars] == [
        (5, e, 5, True) for e in (1, 2, 3)
    ]


def test_end_of_epoch_can_stop_the_loop_and_start_epoch_resumes_the_count():
    network, optimizer, loader = iris_loop()
    seen = []
    last = train_module.fit(
        network,
        optimizer,
        loader,
        10,
        start_epoch=4,
        end_of_epoch=lambda e, *_: seen.append(e) or e == 6,
    )
    assert last == 6 and seen == [5, 6]


def test_the_loss_function_is_the_callers():
    network, optimizer, loader = iris_loop()
    calls = []

    def loss_fn(logits, y):
        calls.append(logits.shape)
        return badak.nn.functional.cross_entropy(logits, y) * 2

    loss, _ = train_module.train_epoch(network, optimizer, loader, loss_fn)
    assert len(calls) == 5 and calls[0] == (30, 3) and loss > 0


def test_a_non_finite_loss_stops_the_loop_before_its_step():
    network, optimizer, loader = iris_loop()
    before = [p.numpy().copy() for p in network.parameters()]
    with pytest.raises(TrainingDiverged, match="nan"):
        train_module.train_epoch(
            network, optimizer, loader, lambda logits, y: logits.sum() * float("nan")
        )
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, network.parameters()))
