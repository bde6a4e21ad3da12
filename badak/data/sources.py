"""What `--data` names, as labelled examples: a bundled set, `spiral`, `fashion-mnist`, a table
file (CSV, TSV, compressed, Parquet) or a folder of IDX files. A bundled set's name wins over a
folder of the same name.

A table is read as it comes: the rows without a label are left out, columns that cannot help
(row counters, id-like text, empty columns) are dropped, each with a note for the user; what is
left stays raw (missing values, text), for a ColumnEncoder fitted on the training rows only.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

from badak.data.bundled import BUNDLED
from badak.data.errors import DataError
from badak.data.fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from badak.data.idx import load_idx_folder
from badak.data.labels import encode_labels, sort_classes
from badak.data.spiral import make_spiral
from badak.data.table import format_number, is_numbers, read_table
from badak.device import np

SPIRAL_SEED = 0  # the spiral's points are fixed, so that `evaluate --data spiral` sees them again
NAMED = (*BUNDLED, "spiral", "fashion-mnist")
MAX_CONTINUOUS_CLASSES = 20  # a target of numbers with more distinct values than this, and ...
CONTINUOUS_SHARE = 0.05  # ... than this share of the rows, is a quantity, not a class


@dataclass
class Labelled:
    """Labelled examples with what a classifier stores about them.

    inputs: the raw features, either an (N, D) float32 matrix (images, bundled sets) or a
    table's columns, name -> (N,) array of numbers or text with gaps (see badak.data.table);
    targets (N,) int64 indices into `classes`; `feature_names` name the D matrix columns or the
    table columns kept; `held_out` is the data's own validation split (inputs, targets) where it
    has one (the t10k pair of IDX data); `image_shape` is (C, H, W) with C * H * W = D where the
    rows are images, None otherwise; `notes` tell the user what was left out and why.
    """

    name: str
    inputs: object
    targets: np.ndarray
    classes: list
    feature_names: list
    target_name: str
    held_out: tuple = None
    image_shape: tuple = None
    notes: list = field(default_factory=list)

    def __len__(self):
        return len(self.targets)


def take_rows(inputs, index):
    """Rows `index` of a matrix or of a table's columns."""
    if isinstance(inputs, dict):
        return {name: values[index] for name, values in inputs.items()}
    return inputs[index]


def load_labelled(spec, target=None, classes=None, *, sep=None, header=None, features=None,
                  drop=None):  # fmt: skip
    """Load what `spec` names; with `classes` (a model's), labels are encoded against them.

    sep, header: for CSV files (see read_table). features, drop: table columns to use only, or
    to leave out (None: every column but those that cannot help). Raises DataError with one line
    naming the data and the problem.
    """
    spec = str(spec)
    if spec in NAMED and (features is not None or drop is not None):
        raise DataError(f"{spec}: --features and --drop apply to table files only")
    if spec in BUNDLED:
        return _bundled(spec, target, classes)
    if spec == "spiral":
        inputs, targets = make_spiral(generator=np.random.default_rng(SPIRAL_SEED))
        names = targets.astype(str)
        return _labelled(
            "spiral", inputs, names, ["0", "1", "2"], ["x1", "x2"], "class", target, classes
        )
    if spec == "fashion-mnist":
        return _idx(
            "fashion-mnist", load_fashion_mnist(), list(FASHION_MNIST_CLASSES), target, classes
        )
    path = Path(spec)
    if path.is_dir():
        return _idx(path.name, load_idx_folder(path), None, target, classes)
    if not path.exists():
        raise DataError(
            f"{spec}: no such file or folder, and not a bundled dataset ({', '.join(NAMED)})"
        )
    table = read_table(path, sep=sep, header=header, text_columns=[target or -1])
    return _labelled_table(spec, table, target, classes, features, drop)


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------
def _labelled_table(spec, table, target, classes, features, drop):
    columns = dict(table.columns)
    names = list(columns)
    if target is None:
        target = names[-1]
    if target not in columns:
        raise DataError(f"{spec}: no column named {target!r}; the columns are: {', '.join(names)}")
    if len(names) < 2:
        raise DataError(
            f"{spec}: needs at least two columns (features and a target), found only {names[0]!r}"
        )
    labels = _label_text(columns.pop(target))
    notes = []
    known = labels != None  # noqa: E711 (an object array: elementwise comparison)
    if not known.all():
        notes.append(f"{int((~known).sum())} row(s) with no {target!r} were left out")
        labels = labels[known]
        columns = {name: values[known] for name, values in columns.items()}
    if not len(labels):
        raise DataError(f"{spec}: the target column {target!r} has no values")
    if classes is None:
        _check_is_a_class(spec, target, labels)
    columns = _chosen_columns(spec, columns, features, drop, notes, table.columns)
    classes, targets = encode_labels(labels.astype(str), classes)
    return Labelled(table.name, columns, targets, classes, list(columns), target, notes=notes)


def _label_text(values):
    """A target column as text (numbers spelled back: 3.0 -> "3"), None where missing."""
    if not is_numbers(values):
        return values
    out = np.empty(len(values), object)
    out[:] = [None if math.isnan(v) else format_number(v) for v in values.tolist()]
    return out


def _check_is_a_class(spec, target, labels):
    distinct = set(labels.tolist())
    if len(distinct) < 2:
        raise DataError(
            f"{spec}: the target column {target!r} has only one class "
            f"({next(iter(distinct))!r}); at least two are needed"
        )
    numbers = all(_is_number(label) for label in distinct)
    many = len(distinct) > max(MAX_CONTINUOUS_CLASSES, CONTINUOUS_SHARE * len(labels))
    if many and numbers:
        raise DataError(
            f"{spec}: the target column {target!r} looks like a quantity, not a class "
            f"({len(distinct)} distinct numbers in {len(labels)} rows); badak trains "
            "classifiers: choose a column of classes with --target"
        )
    if many and len(distinct) > len(labels) / 2:
        raise DataError(
            f"{spec}: the target column {target!r} has {len(distinct)} distinct values in "
            f"{len(labels)} rows, too many for classes; choose a column of classes with --target"
        )


def _is_number(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _chosen_columns(spec, columns, features, drop, notes, every_row):
    """The feature columns: those named by `features`, or all but `drop` and the useless.
    `every_row`: the table's columns before the rows without a label were left out."""
    for what, names in (("missing feature column(s)", features), ("--drop names no column", drop)):
        unknown = [n for n in names or () if n not in columns]
        if unknown:
            raise DataError(
                f"{spec}: {what} {', '.join(map(repr, unknown))}; "
                f"the feature columns are: {', '.join(columns)}"
            )
    if features is not None:
        chosen = {name: columns[name] for name in features}
    else:
        chosen = {name: v for name, v in columns.items() if name not in (drop or ())}
        for name in list(chosen):
            why = _useless(chosen[name], every_row[name])
            if why:
                notes.append(f"column {name!r} was dropped: {why}")
                del chosen[name]
    if not chosen:
        raise DataError(f"{spec}: no feature column is left to train on")
    return chosen


def _useless(values, every_row):
    """Why a column cannot help a classifier, or None. A row counter is recognised in
    `every_row`, the column before rows were left out (it counts those too)."""
    if is_numbers(values):
        present = values[~np.isnan(values)]
        if not len(present):
            return "it is empty"
        n = len(every_row)
        if not np.isnan(every_row).any() and n > 2:
            ordered = np.sort(every_row)
            if ordered[0] in (0, 1) and np.array_equal(ordered, ordered[0] + np.arange(n)):
                return "it counts the rows (an index)"
        return None
    present = [v for v in values.tolist() if v is not None]
    if not present:
        return "it is empty"
    distinct = len(set(present))
    if distinct == len(present) and len(present) > 2:
        return "every value is different (an id)"
    if distinct > max(MAX_CONTINUOUS_CLASSES, len(present) / 2):
        return f"{distinct} different values in {len(present)} rows (like an id or free text)"
    return None


# ----------------------------------------------------------------------------------------------
# Bundled sets, the spiral and IDX images
# ----------------------------------------------------------------------------------------------
def _check_target(name, own_target, target):
    if target is not None and target != own_target:
        raise DataError(f"{name}: its target is {own_target!r}; --target {target!r} does not apply")


def _labelled(name, inputs, label_names, own_classes, feature_names, target_name, target, classes):
    _check_target(name, target_name, target)
    classes, targets = encode_labels(label_names, classes if classes is not None else own_classes)
    return Labelled(name, inputs, targets, classes, list(feature_names), target_name)


def _bundled(name, target, classes):
    bunch = BUNDLED[name]()
    own_classes = [str(c) for c in bunch.target_names]
    label_names = np.asarray(own_classes)[bunch.target]
    return _labelled(
        name, bunch.data, label_names, own_classes, bunch.feature_names, "target", target, classes
    )


def _idx(name, data, own_classes, target, classes):
    """IDX images: the train pair, with the t10k pair as the held-out split."""
    if own_classes is None:  # plain label numbers, as classes "0", "1", ...
        numbers = np.union1d(data.train_labels, data.test_labels).astype(str)
        own_classes = sort_classes(list(numbers))
        train_names, test_names = data.train_labels.astype(str), data.test_labels.astype(str)
    else:
        table = np.asarray(own_classes)
        if max(data.train_labels.max(), data.test_labels.max()) >= len(table):
            raise DataError(f"{name}: a label is outside the {len(table)} known classes")
        train_names, test_names = table[data.train_labels], table[data.test_labels]
    pixels = [f"pixel{i}" for i in range(data.train_images.shape[1])]
    result = _labelled(
        name, data.train_images, train_names, own_classes, pixels, "label", target, classes
    )
    _, test_targets = encode_labels(test_names, result.classes)
    result.held_out = (data.test_images, test_targets)
    if data.image_shape is not None and len(data.image_shape) == 2:  # grey-scale (H, W)
        result.image_shape = (1, *data.image_shape)
    return result
