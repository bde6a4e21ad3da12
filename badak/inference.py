"""`badak evaluate`, `badak predict` and `badak export`: a saved classifier applied to data,
or written for deployment.

Problems are reported as UsageError (one line for the user) or DataError, before any output.
"""

import csv
import io
import json
import sys
import warnings
from pathlib import Path

from badak import checkpoint
from badak.calibration import expected_calibration_error, negative_log_likelihood, probabilities
from badak.classifier import Classifier
from badak.data.errors import DataError
from badak.data.sources import NAMED, load_labelled, take_rows
from badak.data.table import read_table
from badak.device import np
from badak.run import UsageError
from badak.scores import per_class_scores
from badak.train import confusion_matrix


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


def _same_data(spec, stored):
    """Whether `spec` names the data a run stored as `stored` (a name, or a resolved path)."""
    if spec in NAMED or not Path(spec).exists():
        return spec == stored
    return str(Path(spec).resolve()) == stored


def _rows_to_score(classifier, data, spec, split):
    """(inputs, targets, scope): what `evaluate` scores and a line saying which rows those are."""
    if data.held_out is not None:  # IDX data: the t10k pair is its held-out split
        inputs, targets = data.held_out
        if split == "all":
            inputs = np.concatenate([data.inputs, inputs])
            targets = np.concatenate([data.targets, targets])
            return inputs, targets, f"all {len(targets)} rows (training and t10k)"
        return inputs, targets, f"the {len(targets)} t10k rows (--split all adds the training rows)"
    held = classifier.extra.get("held_out")
    if split == "all" or not held or not _same_data(spec, held.get("data")):
        return data.inputs, data.targets, f"all {len(data)} rows"
    if held.get("rows") != len(data):
        raise DataError(
            f"{spec}: has {len(data)} labelled rows, but the model was trained on {held['rows']} "
            "of it: the data changed; pass --split all to score every row"
        )
    index = np.asarray(held["index"], np.int64)
    if not len(index):
        return (
            data.inputs,
            data.targets,
            (f"all {len(data)} rows: every one was used in training, so the scores are optimistic"),
        )
    if index.min() < 0 or index.max() >= len(data):
        raise DataError(f"{spec}: the model's held-out rows are outside the data")
    scope = f"the {len(index)} rows held out from training (--split all scores all {len(data)})"
    return take_rows(data.inputs, index), data.targets[index], scope


def _check_images(classifier, data):
    """An IDX set's images must be the size (and shape, for a CNN) the model was trained on."""
    if data.held_out is None:
        return
    pixels = data.held_out[0].shape[1]
    if pixels != len(classifier.feature_names):
        raise DataError(
            f"{data.name}: images of {pixels} pixels; the model expects "
            f"{len(classifier.feature_names)}"
        )
    expected = classifier.architecture.get("input_shape")  # a CNN's (C, H, W)
    if expected and data.image_shape and tuple(expected) != data.image_shape:
        raise DataError(
            f"{data.name}: images of shape {'x'.join(map(str, data.image_shape))}; "
            f"the model expects {'x'.join(map(str, expected))}"
        )


def evaluate(model, data_spec, target=None, split="val", sep=None, header=None):
    """{"accuracy", "loss", "ece", "n", "scope", "classes", "confusion", "per_class"} of a model
    on data. On the data the model was trained on, split "val" scores the rows it held out (the
    t10k pair of IDX data), "all" every row. The loss is the calibrated probabilities' mean
    negative log-likelihood."""
    classifier = load_classifier(model)
    spec = str(data_spec)
    is_table = spec not in NAMED and Path(spec).is_file()
    features = classifier.feature_names if is_table else None
    data = load_labelled(spec, target or classifier.target_name, classifier.classes, sep=sep,
                         header=header, features=features)  # fmt: skip
    _check_images(classifier, data)
    inputs, targets, scope = _rows_to_score(classifier, data, spec, split)
    logits = _quietly(classifier.logits, inputs, data.name)._data
    logits = logits.astype(np.float64) / classifier.temperature
    predicted = logits.argmax(axis=1)
    matrix = confusion_matrix(targets, predicted, len(classifier.classes))
    return {
        "accuracy": float((predicted == targets).mean()),
        "loss": negative_log_likelihood(logits, targets),
        "ece": expected_calibration_error(probabilities(logits), targets),
        "n": int(len(targets)),
        "scope": scope,
        "classes": list(classifier.classes),
        "confusion": matrix.tolist(),
        "per_class": per_class_scores(matrix, classifier.classes),
    }


def _quietly(function, *args):
    """function(*args) with its warnings (unseen categories) printed as one line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args)
    for warning in caught:
        print(f"badak: warning: {warning.message}", file=sys.stderr)
    return result


def format_report(report):
    """A few readable lines for `badak evaluate` without --json."""
    width = max(len(c) for c in report["classes"])
    lines = [
        f"scored {report['scope']}",
        f"accuracy={report['accuracy']:.4f} loss={report['loss']:.4f} "
        f"ece={report['ece']:.4f} n={report['n']}",
        "confusion (rows: true class, columns: predicted):",
    ]
    for name, row in zip(report["classes"], report["confusion"]):
        lines.append(f"  {name:>{width}}  " + " ".join(f"{v:5d}" for v in row))
    lines.append(f"  {'class':>{width}}  precision recall    f1  support")
    for row in report["per_class"]:
        lines.append(
            f"  {row['class']:>{width}}  {row['precision']:9.4f} {row['recall']:6.4f} "
            f"{row['f1']:6.4f} {row['support']:8d}"
        )
    return "\n".join(lines)


def predict(model, data_path, proba=False, keep=None, sep=None, header=None):
    """CSV text: the `keep` columns as they are in the file, then a `prediction` column (and
    calibrated `p_<class>` columns with proba) for each row."""
    classifier = load_classifier(model)
    path = Path(data_path)
    if not path.is_file():
        raise DataError(f"{data_path}: no such file (predict reads a table file)")
    keep = list(keep or ())
    categories = [c["name"] for c in classifier.encoder.columns if c["kind"] == "category"]
    table = read_table(path, sep=sep, header=header, text_columns=[*keep, *categories])
    missing = [name for name in keep if name not in table.columns]
    if missing:
        raise DataError(
            f"{data_path}: --keep names no column {', '.join(map(repr, missing))}; "
            f"the columns are: {', '.join(table.columns)}"
        )
    chances = _quietly(classifier.predict_proba, table.columns, str(data_path))
    names = np.asarray(classifier.classes)[chances.argmax(axis=1)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [*keep, "prediction"] + ([f"p_{c}" for c in classifier.classes] if proba else [])
    )
    kept = [table.columns[name].tolist() for name in keep]
    for i, (name, row) in enumerate(zip(names, chances)):
        cells = ["" if column[i] is None else column[i] for column in kept]
        writer.writerow([*cells, name] + ([f"{p:.6g}" for p in row] if proba else []))
    return buffer.getvalue()


def export(model, format, out=None):
    """Write the model as ONNX or safetensors (see badak.export); returns the path written."""
    from badak import export as exporters

    classifier = load_classifier(model)
    source = Path(model)
    folder = source if source.is_dir() else source.parent
    path = Path(out) if out else folder / f"model.{format}"
    if not path.parent.is_dir():
        raise UsageError(f"--out {path}: the folder {path.parent} does not exist")
    write = exporters.export_onnx if format == "onnx" else exporters.export_safetensors
    try:
        write(classifier, path)
    except (ImportError, OSError, ValueError) as error:  # each names the function and the path
        raise UsageError(str(error)) from None
    return path


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
