"""The three jobs behind the command line: train, evaluate, predict.

Each checks everything it can (arguments, data, the run folder) before it writes anything, and
reports a problem by raising UsageError (one line for the user) or DataError.
"""

import csv
import io
import json
import sys
import time
from pathlib import Path

from badak import checkpoint
from badak.classifier import Classifier
from badak.data.errors import DataError
from badak.data.sources import NAMED, load_labelled
from badak.data.table import read_csv_features
from badak.device import np
from badak.train import ConfigError, Split, TrainConfig, confusion_matrix, fit, stratified_split
from badak.train import evaluate as evaluate_network

RUN_FILES = ("model.npz", "checkpoint.npz")


class UsageError(ValueError):
    """A problem with the command's arguments, told to the user in one line."""


# ----------------------------------------------------------------------------------------------
# train
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
    train_split, val_split = _splits(config, data)
    folder = _run_folder(out, data.name, resume)
    result = fit(
        config,
        train_split,
        val_split,
        folder,
        classes=data.classes,
        feature_names=data.feature_names,
        target_name=data.target_name,
        resume=resume,
        log=None if quiet else log,
        progress_factory=progress,
    )
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


# ----------------------------------------------------------------------------------------------
# evaluate and predict
# ----------------------------------------------------------------------------------------------
def load_classifier(model):
    """The classifier in `model`: a model.npz or a run folder holding one."""
    path = Path(model)
    if path.is_dir():
        path = path / "model.npz"
    if not path.is_file():
        raise UsageError(f"{model}: no model.npz there")
    try:
        return Classifier.load(path)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _in_model_order(data, classifier):
    """data.features with its columns in the order the model was trained on."""
    if data.feature_names == classifier.feature_names:
        return data.features
    position = {name: i for i, name in enumerate(data.feature_names)}
    missing = [n for n in classifier.feature_names if n not in position]
    if missing:
        raise DataError(f"{data.name}: missing feature column(s) {', '.join(map(repr, missing))}")
    return data.features[:, [position[n] for n in classifier.feature_names]]


def evaluate(model, data_spec, target=None):
    """{"accuracy", "loss", "n", "classes", "confusion"} of a model on all of the data given
    (the t10k pair of IDX data)."""
    classifier = load_classifier(model)
    data = load_labelled(data_spec, target or classifier.target_name, classifier.classes)
    if data.held_out is not None:
        features, targets = data.held_out
        if features.shape[1] != len(classifier.feature_names):
            raise DataError(
                f"{data.name}: images of {features.shape[1]} pixels; "
                f"the model expects {len(classifier.feature_names)}"
            )
    else:
        features, targets = _in_model_order(data, classifier), data.targets
    split = Split(classifier.standardizer(features), targets)
    loss, accuracy, predicted = evaluate_network(classifier.network, split)
    return {
        "accuracy": accuracy,
        "loss": loss,
        "n": int(len(targets)),
        "classes": list(classifier.classes),
        "confusion": confusion_matrix(targets, predicted, len(classifier.classes)).tolist(),
    }


def format_report(report):
    """A few readable lines for `badak evaluate` without --json."""
    width = max(len(c) for c in report["classes"])
    lines = [
        f"accuracy={report['accuracy']:.4f} loss={report['loss']:.4f} n={report['n']}",
        "confusion (rows: true class, columns: predicted):",
    ]
    for name, row in zip(report["classes"], report["confusion"]):
        lines.append(f"  {name:>{width}}  " + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)


def predict(model, data_path, proba=False):
    """CSV text: a `prediction` column (and `p_<class>` columns with proba) for each row."""
    classifier = load_classifier(model)
    path = Path(data_path)
    if not path.is_file():
        raise DataError(f"{data_path}: no such file (predict reads a CSV file)")
    features, _ = read_csv_features(path, classifier.feature_names)
    probabilities = classifier.predict_proba(features)
    names = np.asarray(classifier.classes)[probabilities.argmax(axis=1)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["prediction"] + ([f"p_{c}" for c in classifier.classes] if proba else [])
    writer.writerow(header)
    for name, row in zip(names, probabilities):
        writer.writerow([name] + ([f"{p:.6g}" for p in row] if proba else []))
    return buffer.getvalue()


def write_output(text, out):
    """Write text to `out` atomically, or to stdout when out is None."""
    if out is None:
        sys.stdout.write(text)
        return
    try:
        checkpoint.write_text(out, text)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot write ({error.strerror})") from None


def dumps(report):
    return json.dumps(report)
