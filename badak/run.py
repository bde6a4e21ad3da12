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
from badak.calibration import (
    calibration_report,
    fit_temperature,
    probabilities,
    reliability_bins,
)
from badak.classifier import Classifier, Standardizer, build_network, cnn_architecture, cnn_plan
from badak.data.encoding import ColumnEncoder
from badak.data.errors import DataError
from badak.data.sources import NAMED, load_labelled, take_rows
from badak.device import np
from badak.random import default_generator, manual_seed
from badak.ranks import Batches, Ranks, loss_part
from badak.scores import per_class_scores
from badak.tensor import Tensor
from badak.threads import blas_threads
from badak.train import (
    Split,
    TrainingDiverged,
    confusion_matrix,
    fit,
    logits_of,
    stratified_split,
)

RUN_FILES = ("model.npz", "checkpoint.npz")


class UsageError(ValueError):
    """A problem with the command's arguments, told to the user in one line."""


class Interrupted(Exception):
    """Training stopped by Ctrl-C; `folder` holds the checkpoint of the last finished epoch."""

    def __init__(self, folder):
        super().__init__(str(folder))
        self.folder = folder


MODELS = ("linear", "mlp", "cnn")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu")
OPTIMIZERS = ("sgd", "adam", "adamw")

# The linear model is convex and small: a large step converges within the default 30 epochs.
DEFAULT_LR = {
    ("adam", "mlp"): 1e-3,
    ("adam", "linear"): 0.1,
    ("adam", "cnn"): 1e-3,
    ("sgd", "mlp"): 0.1,
    ("sgd", "linear"): 0.1,
    ("sgd", "cnn"): 0.01,
}
DEFAULT_WEIGHT_DECAY = {"sgd": 0.0, "adam": 0.0, "adamw": 0.01}  # PyTorch's defaults

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

    hidden, epochs and batch_size left None take the model's DEFAULTS; lr and weight_decay the
    optimizer's. features/drop: table columns to use only, or to leave out. val_split 0 trains
    on everything (no validation, no calibration); val_data names a separate validation table.
    patience: stop after this many epochs without a lower validation loss (None: never).
    """

    data: str = "digits"
    target: str | None = None
    features: tuple | None = None
    drop: tuple | None = None
    sep: str | None = None
    header: bool | None = None
    model: str = "mlp"
    hidden: tuple | None = None
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | None = None
    weight_decay: float | None = None
    epochs: int | None = None
    batch_size: int | None = None
    label_smoothing: float = 0.0
    class_weight: str | None = None
    val_split: float = 0.2
    val_data: str | None = None
    patience: int | None = None
    calibrate: bool = True
    seed: int = 0
    threads: int = 1

    def __post_init__(self):
        for name, value in DEFAULTS.get(self.model, DEFAULTS["mlp"]).items():
            if getattr(self, name) is None:
                setattr(self, name, value)
        for name in ("hidden", "features", "drop"):
            if getattr(self, name) is not None:
                setattr(self, name, tuple(getattr(self, name)))

    def validate(self):
        """Raise ConfigError naming the first argument that cannot work."""
        checks = [
            (self.model in MODELS, f"--model must be linear, mlp or cnn, got {self.model!r}"),
            (
                self.activation in ACTIVATIONS,
                f"--activation must be relu, sigmoid, tanh or gelu, got {self.activation!r}",
            ),
            (
                self.optimizer in OPTIMIZERS,
                f"--optimizer must be sgd, adam or adamw, got {self.optimizer!r}",
            ),
            (
                all(isinstance(h, int) and h > 0 for h in self.hidden),
                f"--hidden must be positive integers, got {self.hidden!r}",
            ),
            (
                self.lr is None or (math.isfinite(self.lr) and self.lr > 0),
                f"--lr must be a positive number, got {self.lr}",
            ),
            (
                self.weight_decay is None
                or (math.isfinite(self.weight_decay) and self.weight_decay >= 0),
                f"--weight-decay must be a number >= 0, got {self.weight_decay}",
            ),
            (self.epochs > 0, f"--epochs must be positive, got {self.epochs}"),
            (self.batch_size > 0, f"--batch-size must be positive, got {self.batch_size}"),
            (
                0 <= self.label_smoothing <= 1,
                f"--label-smoothing must be in [0, 1], got {self.label_smoothing}",
            ),
            (
                self.class_weight in (None, "balanced"),
                f"--class-weight must be balanced, got {self.class_weight!r}",
            ),
            (0 <= self.val_split < 1, f"--val-split must be in [0, 1), got {self.val_split}"),
            (
                self.val_data is None or self.val_split == 0.2,
                "--val-data replaces --val-split: give one of them",
            ),
            (
                self.patience is None or self.patience > 0,
                f"--patience must be positive, got {self.patience}",
            ),
            (self.seed >= 0, f"--seed must be non-negative, got {self.seed}"),
            (self.threads > 0, f"--threads must be positive, got {self.threads}"),
            (
                self.features is None or self.drop is None,
                "--features and --drop exclude each other: give one of them",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        return self

    @property
    def learning_rate(self):
        if self.lr is not None:
            return self.lr
        return DEFAULT_LR["adam" if self.optimizer == "adamw" else self.optimizer, self.model]

    @property
    def decay(self):
        return (
            DEFAULT_WEIGHT_DECAY[self.optimizer] if self.weight_decay is None else self.weight_decay
        )

    @property
    def validates(self):
        """Whether the run keeps examples aside to validate on."""
        return self.val_data is not None or self.val_split > 0

    def to_json(self):
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, stored):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in names})


@dataclass
class RunResult:
    """What a run produced: the classifier (the best epoch's weights, calibrated), the history
    (one dict per epoch), the epoch saved, the metrics written and the validation predictions."""

    classifier: Classifier
    history: list
    seconds: float
    best_epoch: int
    metrics: dict
    logits: np.ndarray = None  # (N, C) of the validation split, before the temperature

    @property
    def predictions(self):
        return None if self.logits is None else self.logits.argmax(axis=1)

    @property
    def final(self):
        return self.history[-1]

    @property
    def best(self):
        return next(row for row in self.history if row["epoch"] == self.best_epoch)

    def summary(self):
        best, epochs = self.best, self.final["epoch"]
        if best["val_loss"] is None:
            scores = (
                f"train_accuracy={best['train_accuracy']:.4f} train_loss={best['train_loss']:.4f}"
            )
        else:
            scores = f"val_accuracy={best['val_accuracy']:.4f} val_loss={best['val_loss']:.4f}"
        return f"{scores} epochs={epochs} time={self.seconds:.1f}s"


def _optimizer(config, network):
    parameters, lr, decay = network.parameters(), config.learning_rate, config.decay
    if config.optimizer == "adam":
        return optim.Adam(parameters, lr=lr, weight_decay=decay)
    if config.optimizer == "adamw":
        return optim.AdamW(parameters, lr=lr, weight_decay=decay)
    return optim.SGD(parameters, lr=lr, momentum=0.9, weight_decay=decay)


def _loss_function(config, targets, n_classes, ranks):
    """The training loss: cross-entropy with the run's label smoothing and, for
    `--class-weight balanced`, each class weighted n / (C * n_class) as scikit-learn does
    (under several ranks, each rank's part: see badak.ranks.loss_part)."""
    weight = None
    if config.class_weight == "balanced":
        counts = np.bincount(targets, minlength=n_classes).astype(np.float64)
        share = np.divide(
            len(targets), n_classes * counts, out=np.zeros(n_classes), where=counts > 0
        )
        weight = Tensor(share.astype(np.float32))
    return loss_part(ranks, weight, config.label_smoothing)


class _Best:
    """The epoch with the lowest validation loss so far and a copy of its weights (the last
    epoch's when there is no validation)."""

    def __init__(self, stored=None):
        stored = stored or {}
        self.epoch, self.loss = stored.get("epoch", 0), stored.get("loss")
        self.state = stored.get("model")

    def offer(self, epoch, loss, network):
        if loss is None or self.loss is None or loss < self.loss:
            self.epoch, self.loss = epoch, loss
            self.state = {k: np.array(v._data) for k, v in network.state_dict().items()}

    def to_state(self):
        return {"epoch": self.epoch, "loss": self.loss, "model": self.state}


def _write_state(out, classifier, optimizer, config, epoch, history, best, stopped, metrics,
                 ranks):  # fmt: skip
    """checkpoint.npz first (what --resume reads), then model.npz (the best epoch's weights)
    and metrics.json: by rank 0, with every rank's random state (dropout draws from it)."""
    random_states = ranks.gather(default_generator().bit_generator.state)
    if not ranks.lead:
        return
    state = {
        "model": classifier.network.state_dict(),
        "optimizer": optimizer.state_dict(),
        "random_state": json.dumps(random_states[0]),
        "epoch": epoch,
        "history": history,
        "best": best.to_state(),
        "stopped": stopped,
    }
    if ranks.size > 1:
        state["rank_random_states"] = json.dumps(random_states)
    checkpoint.save(
        state,
        out / "checkpoint.npz",
        metadata={
            "kind": "checkpoint",
            "config": config.to_json(),
            "classifier": classifier.metadata(),
            "ranks": ranks.size,
        },
    )
    _save_best(classifier, best, out / "model.npz")
    checkpoint.write_text(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")


def _save_best(classifier, best, path):
    """model.npz with the best epoch's weights (the network itself keeps training)."""
    if best.state is None:
        classifier.save(path)
        return
    checkpoint.save(best.state, path, metadata=classifier.metadata())


def train_classifier(config, train, validation, out, *, classes, feature_names, target_name,
                     encoder=None, image_shape=None, held_out=None, notes=(), resume=False,
                     log=None, progress=None, ranks=None):  # fmt: skip
    """Train a classifier on `train`, checking it on `validation` after every epoch, with the
    run folder `out` written from epoch 0 on; the saved model is the epoch with the lowest
    validation loss, calibrated by a temperature fitted on the validation split.

    Args:
        config: a validated TrainConfig.
        train, validation: Splits of encoded, unstandardised features (validation may be None:
            no validation, the last epoch is kept, nothing is calibrated).
        out: the run folder (created if missing).
        classes, feature_names, target_name: stored in the classifier.
        encoder: the ColumnEncoder that made the features from the input columns named
            feature_names (None: they are the columns, numbers).
        image_shape: (C, H, W) of each row, which a CNN needs (see _architecture).
        held_out: what model.npz records about the rows held out (see badak.inference).
        notes: lines about the data (columns dropped ...), kept in metrics.json.
        resume: continue from out/checkpoint.npz (its model, optimizer, random state, history).
        log: a callable taking one line per epoch, or None.
        progress: progress(total_batches, epoch, epochs) -> a tqdm-like bar, or None.
        ranks: the badak.ranks.Ranks training together (default: this process alone); rank 0
            writes the folder.
    Returns:
        RunResult. Raises TrainingDiverged when the loss becomes NaN or inf (the last
        checkpoint is kept).
    """
    out, ranks = Path(out), ranks or Ranks()
    if ranks.lead:
        out.mkdir(parents=True, exist_ok=True)
    if encoder is None:
        encoder = ColumnEncoder.for_numbers(train.features, feature_names)
    standardizer = Standardizer.fit(train.features, per_feature=config.model != "cnn")
    train_set = Split(standardizer(train.features), train.targets)
    val_set = (
        None if validation is None else Split(standardizer(validation.features), validation.targets)
    )
    architecture = _architecture(config, int(train.features.shape[1]), len(classes), image_shape)
    manual_seed(config.seed)
    network = build_network(architecture)
    if ranks.rank:  # the same weights on every rank, but each its own dropout draws
        manual_seed(int(np.random.SeedSequence([config.seed, ranks.rank]).generate_state(1)[0]))
    model = ranks.wrap(network)
    optimizer = _optimizer(config, network)
    extra = {"seed": config.seed, "data": config.data}
    if held_out is not None:
        extra["held_out"] = held_out
    classifier = Classifier(network, architecture, list(classes), list(feature_names),
                            target_name, standardizer, extra, encoder)  # fmt: skip
    report = _Report(config, classes, feature_names, notes, len(train.targets), val_set)
    history, start_epoch, best, stopped = [], 0, _Best(), False
    if resume:
        state = checkpoint.load(out / "checkpoint.npz")
        network.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        random_states = json.loads(state.get("rank_random_states", "null")) or [
            json.loads(state["random_state"])
        ]
        default_generator().bit_generator.state = random_states[ranks.rank]
        history, start_epoch = list(state["history"]), int(state["epoch"])
        best, stopped = _Best(state.get("best")), bool(state.get("stopped", False))
    else:
        _write_state(
            out,
            classifier,
            optimizer,
            config,
            0,
            history,
            best,
            False,
            report.partial(history, best),
            ranks,
        )
    loader = Batches(train_set.features, train_set.targets, config.batch_size, config.seed, ranks)
    epoch_started = time.perf_counter()

    def end_of_epoch(epoch, train_loss, train_accuracy):
        nonlocal epoch_started, stopped
        val_loss = val_accuracy = None
        if val_set is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                val_loss, val_accuracy = ranks.evaluate(network, val_set)
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
        best.offer(epoch, val_loss, network)
        stopped = config.patience is not None and epoch - best.epoch >= config.patience
        _write_state(out, classifier, optimizer, config, epoch, history, best, stopped,
                     report.partial(history, best), ranks)  # fmt: skip
        if log is not None:
            scores = f"train_loss={train_loss:.4f} train_accuracy={train_accuracy:.4f}"
            if val_loss is not None:
                scores += f" val_loss={val_loss:.4f} val_accuracy={val_accuracy:.4f}"
            log(f"epoch {epoch}/{config.epochs} {scores}")
            if stopped:
                log(f"no lower validation loss for {config.patience} epochs: stopping; "
                    f"the model of epoch {best.epoch} is kept")  # fmt: skip
        epoch_started = time.perf_counter()
        return stopped

    bars = None if progress is None else lambda total, epoch: progress(total, epoch, config.epochs)
    started, epochs_before = time.perf_counter(), len(history)
    if not stopped:
        fit(model, optimizer, loader, config.epochs,
            loss_fn=_loss_function(config, train.targets, len(classes), ranks),
            start_epoch=start_epoch, end_of_epoch=end_of_epoch, progress=bars,
            ranks=ranks)  # fmt: skip
    seconds = time.perf_counter() - started
    if best.state is not None:
        network.load_state_dict({k: Tensor(v) for k, v in best.state.items()})
    logits = None if val_set is None else logits_of(network, val_set.features)
    calibration = None
    if logits is not None and config.calibrate:
        calibration = _calibrate(classifier, logits, val_set.targets)
    metrics = _stored_metrics(out) if resume else {}
    finished = len(history) == epochs_before and "final" in metrics
    if not finished:  # a finished run stays as it is
        metrics = report.final(history, best, seconds, logits, calibration)
        if ranks.lead:
            classifier.save(out / "model.npz")
            checkpoint.write_text(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    return RunResult(classifier, history, seconds, best.epoch, metrics, logits)


def _stored_metrics(out):
    """metrics.json of a run folder, {} where it is missing or unreadable."""
    try:
        return json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _calibrate(classifier, logits, targets):
    """Fit the classifier's temperature on the validation logits; the report for metrics.json.

    A validation split classified without one error says nothing about how confident to be:
    its likelihood only grows as the temperature falls to 0, and a temperature fitted there
    would claim certainty. The temperature then stays 1, and the report says why.
    """
    if (logits.argmax(axis=1) == targets).all():
        report = calibration_report(logits, targets, 1.0)
        report["note"] = "no validation example is misclassified: the temperature stays 1"
        return report
    classifier.temperature = fit_temperature(logits, targets)
    return calibration_report(logits, targets, classifier.temperature)


class _Report:
    """metrics.json: the configuration, the data, one row per epoch, the best epoch and, at the
    end, the summary, the per-class scores and the calibration."""

    def __init__(self, config, classes, feature_names, notes, n_train, validation):
        self.head = {
            "config": config.to_json(),
            "data": {
                "classes": list(classes),
                "features": list(feature_names),
                "train_rows": n_train,
                "validation_rows": 0 if validation is None else len(validation.targets),
                "notes": list(notes),
            },
        }
        self.classes = classes
        self.validation_targets = None if validation is None else validation.targets

    def partial(self, history, best):
        return {**self.head, "epochs": history, "best_epoch": best.epoch}

    def final(self, history, best, seconds, logits, calibration):
        row = next((r for r in history if r["epoch"] == best.epoch), None)
        metrics = self.partial(history, best)
        saved = {k: v for k, v in (row or {}).items() if k != "seconds"}
        metrics["final"] = {**saved, "epochs_run": len(history), "seconds": seconds}
        if logits is not None:
            predictions = logits.argmax(axis=1)
            matrix = confusion_matrix(self.validation_targets, predictions, len(self.classes))
            metrics["per_class"] = per_class_scores(matrix, self.classes)
            metrics["confusion"] = matrix.tolist()
        metrics["calibration"] = calibration
        return metrics


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
RESUMABLE = ("epochs", "threads")  # what a resumed run may be given anew; the rest must agree


def _stored_config(folder):
    path = Path(folder) / "checkpoint.npz"
    if not path.is_file():
        raise UsageError(f"--resume: there is no checkpoint to resume in {folder}")
    try:
        _, meta = checkpoint.load_with_metadata(path)
        return TrainConfig.from_json(meta["config"])
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"--resume: {path} is not a badak training checkpoint ({error})") from None


def _resumed_config(folder, given):
    """The stored configuration of the run in `folder`. `given` holds the arguments typed with
    --resume: a larger `epochs` extends the run and `threads` may change; any other argument
    must agree with the run's (it cannot continue on other data or with another model)."""
    config = _stored_config(folder)
    for name, value in given.items():
        if name in RESUMABLE:
            continue
        stored = getattr(config, name)
        if name == "data" and Path(value).exists() and value not in NAMED:
            value = str(Path(value).resolve())
        if (list(value) if isinstance(value, tuple) else value) != (
            list(stored) if isinstance(stored, tuple) else stored
        ):
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"--resume: the run in {folder} has {option} {_shown(stored)}, not "
                f"{_shown(value)}; start a new run (without --resume) to change it"
            )
    epochs = given.get("epochs")
    if epochs is not None:
        if epochs < config.epochs:
            raise UsageError(f"--resume: --epochs {epochs} is fewer than the run's {config.epochs}")
        config.epochs = epochs
    config.threads = given.get("threads", config.threads)
    return config


def _shown(value):
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return "(not given)" if value is None else str(value)


def latest_run(data, runs=Path("runs")):
    """The run folder under `runs` trained on `data` whose checkpoint was written last."""
    found = []
    for path in Path(runs).glob("*/checkpoint.npz"):
        try:
            stored = _stored_config(path.parent).data
        except UsageError:
            continue
        if stored == data:
            found.append((path.stat().st_mtime, str(path.parent)))
    if not found:
        raise UsageError(
            f"--resume: no run of {data} in {runs}/ to continue; name its folder: --resume DIR"
        )
    return Path(max(found)[1])


@dataclass
class _Prepared:
    """A run's data split, encoded and ready to train on."""

    train: Split
    validation: Split
    encoder: ColumnEncoder
    held_out: dict


def _prepare(config, data):
    """Split the data (the data's own held-out pair, --val-data, or a stratified --val-split),
    fit the encoder on the training rows only, and encode both splits."""
    held_out = {"data": config.data, "rows": len(data), "index": []}
    validation = None
    if data.held_out is not None:
        train_inputs, train_targets = data.inputs, data.targets
        validation, held_out = data.held_out, None  # IDX data: evaluate scores its t10k pair
    elif config.val_data is not None:
        train_inputs, train_targets = data.inputs, data.targets
        other = load_labelled(config.val_data, data.target_name, data.classes, sep=config.sep,
                              header=config.header, features=data.feature_names)  # fmt: skip
        validation = (other.inputs, other.targets)
    elif config.val_split == 0:
        train_inputs, train_targets = data.inputs, data.targets
    else:
        train_index, val_index = stratified_split(data.targets, config.val_split, config.seed)
        if len(val_index) == 0 or len(train_index) == 0:
            raise DataError(
                f"{data.name}: too few examples for a validation split of {config.val_split}"
            )
        train_inputs, train_targets = take_rows(data.inputs, train_index), data.targets[train_index]
        validation = (take_rows(data.inputs, val_index), data.targets[val_index])
        held_out["index"] = val_index.tolist()
    if isinstance(train_inputs, dict):
        encoder = ColumnEncoder.fit(train_inputs)
    else:
        encoder = ColumnEncoder.for_numbers(train_inputs, data.feature_names)
    train = Split(encoder.transform(train_inputs, data.name), train_targets)
    if validation is not None:
        source = config.val_data or data.name
        validation = Split(encoder.transform(validation[0], source), validation[1])
    return _Prepared(train, validation, encoder, held_out)


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


def train(config, out=None, resume=None, given=None, log=None, progress=None):
    """Validate, load the data, train, and write the run folder; returns (RunResult, folder).

    Args:
        config: the TrainConfig of a new run (ignored when resuming: the stored one wins).
        out: the run folder (default runs/<data>-<time>).
        resume: None for a new run; True to continue the run in `out`, or else the latest run
            of config.data under runs/; a path to continue the run there.
        given: the arguments the user typed (name -> value), checked against a resumed run's.
        log: takes one line per epoch and each note about the data, or None.
        progress: progress(total_batches, epoch, epochs) makes a progress bar, or None.

    Under `mpiexec -n K` every rank calls this and trains on its share of each batch (see
    badak.ranks); rank 0 alone writes the folder, logs and shows progress. An argument or data
    error on any rank is raised on every rank.
    """
    ranks = Ranks.of_this_job()

    def setup():  # on every rank; the run folder on rank 0 alone
        nonlocal config
        folder = out
        if resume:
            folder = Path(resume) if resume is not True else Path(out) if out else None
            folder = folder or latest_run(config.data)
            config = _resumed_config(folder, given or {})
            _check_ranks(folder, ranks)
        try:
            config.validate()
        except ConfigError as error:
            raise UsageError(str(error)) from None
        data = load_labelled(config.data, config.target, sep=config.sep, header=config.header,
                             features=config.features, drop=config.drop)  # fmt: skip
        if Path(config.data).exists() and config.data not in NAMED:  # resumable from anywhere
            config.data = str(Path(config.data).resolve())
        prepared = _prepare(config, data)
        _architecture(config, prepared.encoder.width, len(data.classes), data.image_shape)
        if ranks.size > len(prepared.train.targets):
            raise UsageError(
                f"{ranks.size} ranks for {len(prepared.train.targets)} training rows: every rank "
                "needs at least one; start fewer (mpiexec -n K)"
            )
        if ranks.lead:
            folder = _run_folder(folder, data.name, resume)
        return data, prepared, folder

    data, prepared, folder = ranks.agree(setup, (UsageError, DataError))
    folder = Path(ranks.gather(str(folder) if ranks.lead else None)[0])
    if not ranks.lead:
        log = progress = None
    if log is not None and not resume:
        for note in data.notes:
            log(f"note: {note}")
    try:
        with blas_threads(config.threads):
            result = train_classifier(
                config,
                prepared.train,
                prepared.validation,
                folder,
                classes=data.classes,
                feature_names=data.feature_names,
                target_name=data.target_name,
                encoder=prepared.encoder,
                image_shape=data.image_shape,
                held_out=prepared.held_out,
                notes=data.notes,
                resume=bool(resume),
                log=log,
                progress=progress,
                ranks=ranks,
            )
    except KeyboardInterrupt:
        raise Interrupted(folder) from None
    if ranks.lead:
        _draw(result, folder, prepared.validation)
    return result, folder


def _check_ranks(folder, ranks):
    """A run resumes on as many ranks as it trained on (each rank's dropout draws go on from
    its own saved state)."""
    _, meta = checkpoint.load_with_metadata(Path(folder) / "checkpoint.npz")
    trained = meta.get("ranks", 1)
    if trained != ranks.size:
        launch = "without mpiexec" if trained == 1 else f"with mpiexec -n {trained}"
        raise UsageError(
            f"--resume: the run in {folder} trained on {trained} rank(s), not {ranks.size}: "
            f"resume it {launch}"
        )


def _draw(result, folder, validation):
    """loss.png; with validation, confusion.png and reliability.png; for 2-D data,
    decision_boundary.png. Without matplotlib: one note, no figures."""
    from badak import plot

    classifier = result.classifier
    try:
        plot.loss_curves(result.history, folder / "loss.png")
        if validation is None:
            return
        n_classes = len(classifier.classes)
        matrix = confusion_matrix(validation.targets, result.predictions, n_classes)
        plot.confusion(matrix, classifier.classes, folder / "confusion.png")
        if result.logits is not None and result.metrics.get("calibration"):
            temperature, targets = classifier.temperature, validation.targets
            before = reliability_bins(probabilities(result.logits), targets)
            after = reliability_bins(probabilities(result.logits, temperature), targets)
            ece = tuple(result.metrics["calibration"][k]["ece"] for k in ("before", "after"))
            plot.reliability(before, after, folder / "reliability.png", ece=ece)
        if classifier.encoder.only_numbers and classifier.encoder.width == 2:
            plot.decision_boundary(classifier, validation.features, validation.targets,
                                   folder / "decision_boundary.png")  # fmt: skip
    except ImportError:
        print(
            "badak: matplotlib is not installed, so no figures were drawn "
            "(pip install 'badak[plot]')",
            file=sys.stderr,
        )
