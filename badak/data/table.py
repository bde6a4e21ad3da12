"""Reading a CSV file with a header row into float32 features and string labels (no pandas).

Every problem with the file raises DataError with one line that names the file and, for a bad
cell, its line (the header is line 1) and column, before anything is returned.
"""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from badak.data.errors import DataError
from badak.device import np

_CHUNK_ROWS = 4096  # rows parsed as Python floats before they are packed into a float32 array


@dataclass
class Table:
    """A labelled table read from CSV.

    Attributes:
        features: float32 of shape (N, D).
        labels: the raw target strings (surrounding spaces removed), str array of shape (N,).
        feature_names: the D feature column names, in file order.
        target_name: the target column's name.
    """

    features: np.ndarray
    labels: np.ndarray
    feature_names: list
    target_name: str


def read_csv(path, target=None):
    """Features and labels from a CSV file with a header; the target is the last column unless
    `target` names another. Every other column is a numeric feature.

    Returns:
        Table with features (N, D) float32 and labels (N,). Raises DataError for a missing, empty
        or malformed file, an unknown target, a bad cell, or a target with fewer than two classes.
    """
    with _CsvRows(path) as rows:
        header = rows.header()
        if target is None:
            target_index = len(header) - 1
        elif target in header:
            target_index = header.index(target)
        else:
            raise DataError(
                f"{path}: no column named {target!r}; the columns are: {', '.join(header)}"
            )
        if len(header) < 2:
            raise DataError(
                f"{path}: needs at least two columns (features and a target), "
                f"found only {header[0]!r}"
            )
        feature_index = [i for i in range(len(header)) if i != target_index]
        features, labels = rows.read(feature_index, target_index)
    target_name = header[target_index]
    distinct = set(labels)
    if len(distinct) < 2:
        raise DataError(
            f"{path}: the target column {target_name!r} has only one class "
            f"({next(iter(distinct))!r}); at least two are needed"
        )
    return Table(
        features=features,
        labels=np.array(labels, dtype=str),
        feature_names=[header[i] for i in feature_index],
        target_name=target_name,
    )


def read_csv_features(path, feature_names):
    """The named feature columns of a CSV file with a header, for prediction.

    Other columns are ignored; every named one must be present (the DataError lists the missing).

    Returns:
        features, float32 of shape (N, D) with columns in the order of `feature_names`, and
        used_names, the D names as a list.
    """
    feature_names = [str(n) for n in feature_names]
    if not feature_names:
        raise ValueError("read_csv_features: expected at least one feature name")
    with _CsvRows(path) as rows:
        header = rows.header()
        missing = [n for n in feature_names if n not in header]
        if missing:
            raise DataError(
                f"{path}: missing feature column(s) {', '.join(map(repr, missing))} "
                f"(the columns are: {', '.join(header)})"
            )
        features, _ = rows.read([header.index(n) for n in feature_names], None)
    return features, feature_names


class _CsvRows:
    """The header and then the rows of one CSV file, checked as they are read."""

    def __init__(self, path):
        self.path = path
        file = Path(path)
        if not file.exists():
            raise DataError(f"{path}: no such file")
        if not file.is_file():
            raise DataError(f"{path}: not a file")
        try:
            self.file = open(file, newline="", encoding="utf-8-sig")  # -sig: drop a BOM
        except OSError as e:
            raise DataError(f"{path}: cannot be read ({e.strerror})") from None
        self.reader = csv.reader(self.file)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.file.close()

    def _next_row(self):
        """The next non-blank row, or None at the end of the file."""
        try:
            for row in self.reader:
                if len(row) > 1 or (row and row[0].strip()):
                    return row
        except UnicodeDecodeError as e:
            raise DataError(f"{self.path}: not a UTF-8 text file ({e.reason})") from None
        except csv.Error as e:
            raise DataError(f"{self.path}: line {self.reader.line_num}: {e}") from None
        return None

    def header(self):
        """Column names from the first row: stripped, non-empty and distinct."""
        row = self._next_row()
        if row is None:
            raise DataError(f"{self.path}: the file is empty; expected a header row and data rows")
        names = [name.strip() for name in row]
        for i, name in enumerate(names):
            if not name:
                raise DataError(f"{self.path}: column {i + 1} of the header has no name")
            if name in names[:i]:
                raise DataError(
                    f"{self.path}: duplicate column name {name!r} in the header "
                    f"(columns {names.index(name) + 1} and {i + 1})"
                )
        self.names = names
        return names

    def read(self, feature_index, target_index):
        """float32 features (N, len(feature_index)) and the target cells (a list of N str)."""
        chunks, chunk, lines, labels = [], [], [], []
        while (row := self._next_row()) is not None:
            if len(row) != len(self.names):
                raise DataError(
                    f"{self.path}: line {self.reader.line_num} has {len(row)} columns, "
                    f"expected {len(self.names)} as in the header"
                )
            if target_index is not None:
                label = row[target_index].strip()
                if not label:
                    self._fail_cell(target_index, "empty cell")
                labels.append(label)
            try:
                chunk.append([float(row[i]) for i in feature_index])
            except ValueError:
                self._fail_row(row, feature_index)
            lines.append(self.reader.line_num)
            if len(chunk) == _CHUNK_ROWS:
                chunks.append(self._pack(chunk, lines, feature_index))
                chunk, lines = [], []
        if not chunks and not chunk:
            raise DataError(f"{self.path}: the file has a header but no data rows")
        chunks.append(self._pack(chunk, lines, feature_index))
        return np.concatenate(chunks), labels

    def _pack(self, chunk, lines, feature_index):
        values = np.array(chunk, dtype=np.float64).reshape(len(chunk), len(feature_index))
        with np.errstate(over="ignore"):  # beyond float32 becomes inf, reported below
            features = values.astype(np.float32)
        bad = ~np.isfinite(features)
        if bad.any():  # NaN, inf, or beyond float32's range
            r, c = np.argwhere(bad)[0]
            what = "not a finite number" if not math.isfinite(values[r, c]) else "beyond float32"
            raise DataError(
                f"{self.path}: line {lines[r]}, column {self.names[feature_index[c]]!r}: "
                f"{float(values[r, c])} is {what}"
            )
        return features

    def _fail_row(self, row, feature_index):
        for i in feature_index:
            cell = row[i].strip()
            if not cell:
                self._fail_cell(i, "empty cell")
            try:
                float(cell)
            except ValueError:
                self._fail_cell(i, f"{cell!r} is not a number")
        raise AssertionError("_fail_row: no bad cell found")  # float() failed on one above

    def _fail_cell(self, index, problem):
        raise DataError(
            f"{self.path}: line {self.reader.line_num}, column {self.names[index]!r}: {problem}"
        )
