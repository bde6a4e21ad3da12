"""fit / evaluate: the training loop behind `badak train`, importable and testable.

A run folder receives `checkpoint.npz` (model, optimizer, random state, epoch, history) from
epoch 0 on and after every epoch, `model.npz` (the classifier) and `metrics.json`, each written
atomically; `fit(..., resume=True)` continues from the checkpoint and ends bitwise equal to an
uninterrupted run.
"""

import json
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from badak import checkpoint, optim
from badak.autograd import no_grad
from badak.classifier import Classifier, Standardizer, build_network
from badak.data import DataLoader, TensorDataset
from badak.device import np
from badak.functions.cross_entropy import cross_entropy
from badak.random import default_generator, manual_seed
from badak.tensor import Tensor

# The linear model is convex and small: a large step converges within the default 30 epochs.
DEFAULT_LR = {
    ("adam", "mlp"): 1e-3,
    ("adam", "linear"): 0.1,
    ("sgd", "mlp"): 0.1,
    ("sgd", "linear"): 0.1,
}


class ConfigError(ValueError):
    """An argument of `badak train` that cannot work; raised before anything is written."""


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainConfig:
    """Everything that decides a run's result (stored in its checkpoint; `--resume` reuses it)."""

    data: str = "digits"
    target: str | None = None
    model: str = "mlp"
    hidden: tuple = (128, 64)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int = 30
    batch_size: int = 32
    label_smoothing: float = 0.0
    val_split: float = 0.2
    seed: int = 0

    def validate(self):
        """Raise ConfigError naming the first argument that cannot work."""
        checks = [
            (self.model in ("linear", "mlp"), f"--model must be linear or mlp, got {self.model!r}"),
            (
                self.activation in ("relu", "sigmoid", "tanh"),
                f"--activation must be relu, sigmoid or tanh, got {self.activation!r}",
            ),
            (
                self.optimizer in ("sgd", "adam"),
                f"--optimizer must be sgd or adam, got {self.optimizer!r}",
            ),
            (
                all(isinstance(h, int) and h > 0 for h in self.hidden),
                f"--hidden must be positive integers, got {self.hidden!r}",
            ),
            (
                self.lr is None or (math.isfinite(self.lr) and self.lr > 0),
                f"--lr must be a positive number, got {self.lr}",
            ),
            (self.epochs > 0, f"--epochs must be positive, got {self.epochs}"),
            (self.batch_size > 0, f"--batch-size must be positive, got {self.batch_size}"),
            (
                0 <= self.label_smoothing <= 1,
                f"--label-smoothing must be in [0, 1], got {self.label_smoothing}",
            ),
            (0 < self.val_split < 1, f"--val-split must be in (0, 1), got {self.val_split}"),
            (self.seed >= 0, f"--seed must be non-negative, got {self.seed}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        return self

    @property
    def learning_rate(self):
        return DEFAULT_LR[self.optimizer, self.model] if self.lr is None else self.lr

    def to_json(self):
        return {**asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_json(cls, stored):
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in stored.items() if k in names}
        return cls(**{**values, "hidden": tuple(values.get("hidden", ()))})


@dataclass
class Split:
    """Features (N, D) float32 and class indices (N,) int64 of one split."""

    features: np.ndarray
    targets: np.ndarray


def stratified_split(targets, fraction, seed):
    """(train indices, validation indices): about `fraction` of every class to validation.

    A class with at least two examples keeps at least one on each side.
    """
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == label))
        n_val = int(round(fraction * len(members)))
        if len(members) >= 2:
            n_val = min(max(n_val, 1), len(members) - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


# ----------------------------------------------------------------------------------------------
# One epoch, and evaluation
# ----------------------------------------------------------------------------------------------
def _train_epoch(network, optimizer, loader, label_smoothing, progress):
    """Mean loss and accuracy over the epoch's batches; raises TrainingDiverged on NaN/inf."""
    network.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = network(x)
        loss = cross_entropy(logits, y, label_smoothing=label_smoothing)
        value = float(loss._data)
        if not math.isfinite(value):
            raise TrainingDiverged(f"the training loss became {value}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(y._data)
        total_loss += value * n
        correct += int((logits._data.argmax(axis=1) == y._data).sum())
        seen += n
        if progress is not None:
            progress.update(1)
    return total_loss / seen, correct / seen


def evaluate(network, split, batch_size=1024):
    """(mean loss, accuracy, predictions) of `network` on a split, in eval mode, no graph."""
    network.eval()
    losses, predictions = [], []
    with no_grad():
        for start in range(0, len(split.targets), batch_size):
            x = Tensor(split.features[start : start + batch_size])
            y = split.targets[start : start + batch_size]
            logits = network(x)
            losses.append(float(cross_entropy(logits, Tensor(y), reduction="sum")._data))
            predictions.append(logits._data.argmax(axis=1))
    predicted = np.concatenate(predictions) if predictions else np.zeros(0, np.int64)
    if not len(predicted):
        return 0.0, 0.0, predicted
    return sum(losses) / len(predicted), float((predicted == split.targets).mean()), predicted


def confusion_matrix(targets, predicted, n_classes):
    """(C, C) counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (targets, predicted), 1)
    return matrix


# ----------------------------------------------------------------------------------------------
# fit
# ----------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    classifier: Classifier
    history: list
    seconds: float
    validation: Split = None
    predictions: np.ndarray = None

    @property
    def final(self):
        return self.history[-1]

    def summary(self):
        last = self.final
        return (
            f"val_accuracy={last['val_accuracy']:.4f} val_loss={last['val_loss']:.4f} "
            f"epochs={last['epoch']} time={self.seconds:.1f}s"
        )


def _optimizer(config, network):
    if config.optimizer == "adam":
        return optim.Adam(network.parameters(), lr=config.learning_rate)
    return optim.SGD(network.parameters(), lr=config.learning_rate, momentum=0.9)


def _write_state(out, classifier, optimizer, config, epoch, history):
    """checkpoint.npz first (what --resume reads), then model.npz and metrics.json."""
    state = {
        "model": classifier.network.state_dict(),
        "optimizer": optimizer.state_dict(),
        "random_state": json.dumps(default_generator().bit_generator.state),
        "epoch": epoch,
        "history": history,
    }
    checkpoint.save(
        state,
        out / "checkpoint.npz",
        metadata={
            "kind": "checkpoint",
            "config": config.to_json(),
            "classifier": classifier.metadata(),
        },
    )
    classifier.save(out / "model.npz")
    checkpoint.write_text(out / "metrics.json", json.dumps({"epochs": history}, indent=1) + "\n")


def fit(
    config,
    train,
    validation,
    out,
    *,
    classes,
    feature_names,
    target_name,
    resume=False,
    log=None,
    progress_factory=None,
):
    """Train a classifier on `train`, checking it on `validation` after every epoch.

    Args:
        config: a validated TrainConfig.
        train, validation: Splits of raw (unstandardised) features.
        out: the run folder (created if missing).
        classes, feature_names, target_name: stored in the classifier.
        resume: continue from out/checkpoint.npz (its model, optimizer, random state, history).
        log: a callable taking one line per epoch, or None.
        progress_factory: callable(total) returning a tqdm-like bar, or None.
    Returns:
        RunResult with the classifier, the history and the validation predictions.
    Raises:
        TrainingDiverged when the loss becomes NaN or inf (the last checkpoint is kept).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    standardizer = Standardizer.fit(train.features)
    train_set = Split(standardizer(train.features), train.targets)
    val_set = Split(standardizer(validation.features), validation.targets)
    architecture = {
        "model": config.model,
        "in_features": int(train.features.shape[1]),
        "hidden": list(config.hidden) if config.model == "mlp" else [],
        "out_features": len(classes),
        "activation": config.activation,
    }
    manual_seed(config.seed)
    network = build_network(architecture)
    optimizer = _optimizer(config, network)
    classifier = Classifier(
        network,
        architecture,
        list(classes),
        list(feature_names),
        target_name,
        standardizer,
        {"seed": config.seed, "data": config.data},
    )
    history, start_epoch = [], 0
    if resume:
        state = checkpoint.load(out / "checkpoint.npz")
        network.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        default_generator().bit_generator.state = json.loads(state["random_state"])
        history, start_epoch = list(state["history"]), int(state["epoch"])
    else:
        _write_state(out, classifier, optimizer, config, 0, history)

    loader = DataLoader(
        TensorDataset(Tensor(train_set.features), Tensor(train_set.targets)),
        batch_size=config.batch_size,
        shuffle=True,
    )
    started = time.perf_counter()
    predictions = None
    for epoch in range(start_epoch + 1, config.epochs + 1):
        epoch_started = time.perf_counter()
        progress = progress_factory(len(loader), epoch) if progress_factory else None
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging loss is caught below
                train_loss, train_accuracy = _train_epoch(
                    network, optimizer, loader, config.label_smoothing, progress
                )
        finally:
            if progress is not None:
                progress.close()
        with np.errstate(over="ignore", invalid="ignore"):
            val_loss, val_accuracy, predictions = evaluate(network, val_set)
        if not math.isfinite(val_loss):
            raise TrainingDiverged(f"the validation loss became {val_loss}")
        history.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_accuracy": train_accuracy,
                "val_loss": val_loss,
                "val_accuracy": val_accuracy,
                "seconds": time.perf_counter() - epoch_started,
            }
        )
        _write_state(out, classifier, optimizer, config, epoch, history)
        if log is not None:
            log(
                f"epoch {epoch}/{config.epochs} train_loss={train_loss:.4f} "
                f"train_accuracy={train_accuracy:.4f} val_loss={val_loss:.4f} "
                f"val_accuracy={val_accuracy:.4f}"
            )
    seconds = time.perf_counter() - started
    if predictions is None:  # resumed a finished run: no epoch ran
        _, _, predictions = evaluate(network, val_set)
    return RunResult(classifier, history, seconds, validation, predictions)
