"""`badak evaluate` and `badak predict`: a saved classifier applied to data.

Problems are reported as UsageError (one line for the user) or DataError, before any output.
"""

import csv
import io
import json
import sys
from pathlib import Path

from badak import checkpoint
from badak.classifier import Classifier
from badak.data.errors import DataError
from badak.data.sources import load_labelled
from badak.data.table import read_csv_features
from badak.device import np
from badak.run import UsageError
from badak.train import Split, confusion_matrix
from badak.train import evaluate as evaluate_network


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
        expected = classifier.architecture.get("input_shape")  # a CNN's (C, H, W)
        if expected and data.image_shape and tuple(expected) != data.image_shape:
            raise DataError(
                f"{data.name}: images of shape {'x'.join(map(str, data.image_shape))}; "
                f"the model expects {'x'.join(map(str, expected))}"
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
