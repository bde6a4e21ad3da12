"""A `badak train` run: its configuration, data, run folder, checkpoints, resume and figures.

The run checks everything it can (arguments, data, the run folder) before it writes anything and
reports a problem by raising UsageError (one line for the user) or DataError. The folder receives
`checkpoint.npz` (model, optimizer, random state, epoch, history) from epoch 0 on and after every
epoch, `model.npz` (the classifier) and `metrics.json`, each written atomically; a resumed run
ends bitwise equal to an uninterrupted one. The loop itself is badak.train's.
"""

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from badak import checkpoint, optim
from badak.classifier import Classifier, Standardizer, build_network, cnn_architecture, cnn_plan
from badak.data import DataLoader, TensorDataset
from badak.data.errors import DataError
from badak.data.sources import NAMED, load_labelled
from badak.device import np
from badak.random import default_generator, manual_seed
from badak.tensor import Tensor
from badak.train import Split, TrainingDiverged, confusion_matrix, evaluate, fit, stratified_split

RUN_FILES = ("model.npz", "checkpoint.npz")


class UsageError(ValueError):
    """A problem with the command's arguments, told to the user in one line."""


class Interrupted(Exception):
    """Training stopped by Ctrl-C; `folder` holds the checkpoint of the last finished epoch."""

    def __init__(self, folder):
        super().__init__(str(folder))
        self.folder = folder


MODELS = ("linear", "mlp", "cnn")

# The linear model is convex and small: a large step converges within the default 30 epochs.
DEFAULT_LR = {
    ("adam", "mlp"): 1e-3,
    ("adam", "linear"): 0.1,
    ("adam", "cnn"): 1e-3,
    ("sgd", "mlp"): 0.1,
    ("sgd", "linear"): 0.1,
    ("sgd", "cnn"): 0.01,
}

# What an argument left out means, per model. A CNN's epoch costs far more than an MLP's and it
# needs fewer of them; its `hidden` sizes are the dense layers after the convolutions.
DEFAULTS = {
    "linear": {"hidden": (128, 64), "epochs": 30, "batch_size": 32},
    "mlp": {"hidden": (128, 64), "epochs": 30, "batch_size": 32},
    "cnn": {"hidden": (128,), "epochs": 10, "batch_size": 64},
}


class ConfigError(ValueError):
    """An argument of `badak train` that cannot work; raised before anything is written."""


@dataclass
class TrainConfig:
    """Everything that decides a run's result (stored in its checkpoint; `--resume` reuses it).

    hidden, epochs and batch_size left None take the model's DEFAULTS.
    """

    data: str = "digits"
    target: str | None = None
    model: str = "mlp"
    hidden: tuple | None = None
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int | None = None
    batch_size: int | None = None
    label_smoothing: float = 0.0
    val_split: float = 0.2
    seed: int = 0

    def __post_init__(self):
        for name, value in DEFAULTS.get(self.model, DEFAULTS["mlp"]).items():
            if getattr(self, name) is None:
                setattr(self, name, value)

    def validate(self):
        """Raise ConfigError naming the first argument that cannot work."""
        checks = [
            (self.model in MODELS, f"--model must be linear, mlp or cnn, got {self.model!r}"),
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


def train_classifier(config, train, validation, out, *, classes, feature_names, target_name,
                     image_shape=None, resume=False, log=None, progress=None):  # fmt: skip
    """Train a classifier on `train`, checking it on `validation` after every epoch, with the
    run folder `out` written from epoch 0 on.

    Args:
        config: a validated TrainConfig.
        train, validation: Splits of raw (unstandardised) features.
        out: the run folder (created if missing).
        classes, feature_names, target_name: stored in the classifier.
        image_shape: (C, H, W) of each row, which a CNN needs (see _architecture).
        resume: continue from out/checkpoint.npz (its model, optimizer, random state, history).
        log: a callable taking one line per epoch, or None.
        progress: progress(total, epoch) -> a tqdm-like bar, or None.
    Returns:
        RunResult with the classifier, the history and the validation predictions.
    Raises:
        TrainingDiverged when the loss becomes NaN or inf (the last checkpoint is kept).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    standardizer = Standardizer.fit(train.features, per_feature=config.model != "cnn")
    train_set = Split(standardizer(train.features), train.targets)
    val_set = Split(standardizer(validation.features), validation.targets)
    architecture = _architecture(config, int(train.features.shape[1]), len(classes), image_shape)
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
    predictions = None
    epoch_started = time.perf_counter()

    def end_of_epoch(epoch, train_loss, train_accuracy):
        nonlocal predictions, epoch_started
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
        epoch_started = time.perf_counter()
        return False

    started = time.perf_counter()
    fit(network, optimizer, loader, config.epochs, start_epoch=start_epoch,
        end_of_epoch=end_of_epoch, progress=progress)  # fmt: skip
    seconds = time.perf_counter() - started
    if predictions is None:  # resumed a finished run: no epoch ran
        _, _, predictions = evaluate(network, val_set)
    return RunResult(classifier, history, seconds, validation, predictions)


def _architecture(config, n_features, n_classes, image_shape=None):
    """The network's description, as model.npz records it (see classifier.build_network).

    Raises UsageError for a CNN without an image shape, DataError for images too small for it.
    """
    if config.model != "cnn":
        return {
            "model": config.model,
            "in_features": n_features,
            "hidden": list(config.hidden) if config.model == "mlp" else [],
            "out_features": n_classes,
            "activation": config.activation,
        }
    if image_shape is None:
        raise UsageError(
            f"--model cnn needs image data (a folder of IDX images of shape (N, H, W), or "
            f"fashion-mnist); {config.data} gives rows of {n_features} features with no image "
            f"shape: use --model mlp or linear"
        )
    architecture = cnn_architecture(image_shape, n_classes, hidden=config.hidden,
                                    activation=config.activation)  # fmt: skip
    try:
        cnn_plan(architecture)
    except ValueError as error:
        shape = "x".join(map(str, image_shape))
        raise DataError(f"{config.data}: images of {shape} are too small for --model cnn: "
                        f"{error}") from None  # fmt: skip
    return architecture


# ----------------------------------------------------------------------------------------------
# The run: arguments, data and folder checked first
# ----------------------------------------------------------------------------------------------
def _resumed_config(out, epochs):
    """The stored run's configuration; a larger `epochs` extends the run."""
    path = Path(out) / "checkpoint.npz"
    if not path.is_file():
        raise UsageError(f"--resume: there is no checkpoint to resume in {out}")
    try:
        _, meta = checkpoint.load_with_metadata(path)
        config = TrainConfig.from_json(meta["config"])
    except (ValueError, KeyError) as error:
        raise UsageError(f"--resume: {path} is not a badak training checkpoint ({error})") from None
    if epochs is not None:
        if epochs < config.epochs:
            raise UsageError(f"--resume: --epochs {epochs} is fewer than the run's {config.epochs}")
        config.epochs = epochs
    return config


def _splits(config, data):
    """(train, validation) Splits: the data's own held-out pair, else a stratified split."""
    if data.held_out is not None:
        return Split(data.features, data.targets), Split(*data.held_out)
    train_index, val_index = stratified_split(data.targets, config.val_split, config.seed)
    if len(val_index) == 0 or len(train_index) == 0:
        raise DataError(
            f"{data.name}: too few examples for a validation split of {config.val_split}"
        )
    return (
        Split(data.features[train_index], data.targets[train_index]),
        Split(data.features[val_index], data.targets[val_index]),
    )


def _run_folder(out, data_name, resume):
    """The run folder: `out`, or runs/<data>-<YYYYmmdd-HHMMSS> (with a suffix if taken)."""
    if out is not None:
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
        taken = [name for name in RUN_FILES if (out / name).exists()]
        if taken and not resume:
            raise UsageError(
                f"--out {out} already holds {' and '.join(taken)}; "
                "pass --resume to continue that run, or choose another folder"
            )
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = Path("runs") / f"{data_name}-{stamp}"
        out, suffix = base, 1
        while out.exists():
            suffix += 1
            out = base.with_name(f"{base.name}-{suffix}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot create the folder ({error.strerror})") from None
    return out


def train(config, out=None, resume=False, quiet=False, epochs=None, log=None, progress=None):
    """Validate, load the data, train, and write the run folder; returns (RunResult, folder).

    With `resume`, the stored configuration wins (only a larger `epochs` extends the run).
    `log` takes one line per epoch; `progress(total, epoch)` makes a progress bar.
    """
    if resume:
        if out is None:
            raise UsageError("--resume needs --out, the folder of the run to continue")
        config = _resumed_config(out, epochs)
    try:
        config.validate()
    except ConfigError as error:
        raise UsageError(str(error)) from None
    data = load_labelled(config.data, config.target)
    if Path(config.data).exists() and config.data not in NAMED:  # resumable from anywhere
        config.data = str(Path(config.data).resolve())
    _architecture(config, data.features.shape[1], len(data.classes), data.image_shape)  # checks
    train_split, val_split = _splits(config, data)
    folder = _run_folder(out, data.name, resume)
    try:
        result = train_classifier(
            config,
            train_split,
            val_split,
            folder,
            classes=data.classes,
            feature_names=data.feature_names,
            target_name=data.target_name,
            image_shape=data.image_shape,
            resume=resume,
            log=None if quiet else log,
            progress=progress,
        )
    except KeyboardInterrupt:
        raise Interrupted(folder) from None
    _draw(result, folder, val_split)
    return result, folder


def _draw(result, folder, validation):
    """loss.png, confusion.png and, for 2-D data, decision_boundary.png; a note without
    matplotlib."""
    from badak import plot

    classifier = result.classifier
    try:
        plot.loss_curves(result.history, folder / "loss.png")
        matrix = confusion_matrix(validation.targets, result.predictions, len(classifier.classes))
        plot.confusion(matrix, classifier.classes, folder / "confusion.png")
        if validation.features.shape[1] == 2:
            plot.decision_boundary(
                classifier,
                validation.features,
                validation.targets,
                folder / "decision_boundary.png",
            )
    except ImportError:
        print(
            "badak: matplotlib is not installed, so no figures were drawn "
            "(pip install 'badak[plot]')",
            file=sys.stderr,
        )
