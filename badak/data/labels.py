"""Class labels to indices: classes sorted numerically when every label is a number."""

import math

from badak.data.errors import DataError
from badak.device import np


def encode_labels(labels, classes=None):
    """Class names and the index of each label among them.

    The classes are the distinct labels as strings, sorted numerically when every one parses as
    a finite number ("2" before "10"), else as strings; each keeps its original spelling.

    Args:
        labels: N labels (strings, or numbers, which are turned into strings).
        classes: the class names to encode against (as stored in a model); None: found from
            `labels`. A label outside them raises DataError.
    Returns:
        classes, a list of C str, and indices, int64 of shape (N,) with values in [0, C).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            f"encode_labels: expected a 1-D sequence of labels, got shape {labels.shape}"
        )
    if labels.dtype.kind != "U":
        labels = labels.astype(str)
    distinct, inverse = np.unique(labels, return_inverse=True)
    distinct = [str(d) for d in distinct]
    if classes is None:
        classes = sort_classes(distinct)
    else:
        classes = [str(c) for c in classes]
        if len(set(classes)) != len(classes):
            raise ValueError(f"encode_labels: classes must be distinct, got {classes}")
    position = {name: i for i, name in enumerate(classes)}
    unknown = [d for d in distinct if d not in position]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise DataError(
            f"encode_labels: label(s) {shown} not among the {len(classes)} known classes "
            f"({', '.join(classes)})"
        )
    lookup = np.array([position[d] for d in distinct], dtype=np.int64)
    return classes, lookup[inverse.reshape(-1)]


def sort_classes(names):
    """Distinct names sorted numerically when all are finite numbers, else as strings."""
    names = sorted(set(names))
    numbers = [_number(n) for n in names]
    if names and all(x is not None for x in numbers):
        return [n for _, n in sorted(zip(numbers, names))]
    return names


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
