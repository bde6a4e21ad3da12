"""Table columns to the float32 features a network takes: missing values filled in and text
columns one-hot encoded, with what was learnt from the training rows kept as JSON in the model.

A column of numbers becomes one feature, its missing values filled with the training median. A
text column becomes one feature per category seen in training (sorted), its missing values
filled with the most frequent category; a category never seen in training encodes as all zeros.
"""

import math
import warnings
from dataclasses import dataclass

from badak.data.errors import DataError
from badak.data.table import format_number, is_numbers
from badak.device import np


@dataclass
class ColumnEncoder:
    """How each input column becomes features.

    `columns` is a list of JSON objects, one per input column in order:
    {"name", "kind": "number", "fill": float} or
    {"name", "kind": "category", "categories": [str, ...], "fill": str}.
    """

    columns: list

    @classmethod
    def fit(cls, columns):
        """Learn fills and categories from training columns (name -> (N,) array, see
        badak.data.table); a column with no value at all is an error (callers drop those)."""
        specs = []
        numbers = {name: values for name, values in columns.items() if is_numbers(values)}
        medians = _medians(numbers)
        for name, values in columns.items():
            if name in medians:
                specs.append({"name": name, "kind": "number", "fill": medians[name]})
                continue
            present = [v for v in values.tolist() if v is not None]
            if not present:
                raise DataError(f"column {name!r} has no values")
            categories, counts = np.unique(np.array(present, dtype=str), return_counts=True)
            fill = str(categories[counts.argmax()])  # the most frequent; ties: the first sorted
            specs.append(
                {"name": name, "kind": "category", "categories": categories.tolist(), "fill": fill}
            )
        return cls(specs)

    @classmethod
    def for_numbers(cls, features, names):
        """The encoder of an (N, D) matrix of numbers without missing values (images, bundled
        sets): every column a number filled with its median."""
        medians = np.median(features, axis=0).astype(np.float64)
        return cls(
            [{"name": n, "kind": "number", "fill": float(m)} for n, m in zip(names, medians)]
        )

    @property
    def names(self):
        """The input columns' names."""
        return [spec["name"] for spec in self.columns]

    @property
    def width(self):
        """The number of features produced."""
        return sum(1 if s["kind"] == "number" else len(s["categories"]) for s in self.columns)

    @property
    def only_numbers(self):
        return all(spec["kind"] == "number" for spec in self.columns)

    def transform(self, columns, source="data"):
        """float32 features (N, width) of columns name -> (N,) array, or of an (N, D) matrix of
        numbers in this encoder's column order. Raises DataError naming `source` for a missing
        column, a number that is not finite or text where numbers were learnt."""
        if isinstance(columns, np.ndarray):
            if columns.ndim != 2 or columns.shape[1] != len(self.columns) or not self.only_numbers:
                raise DataError(
                    f"{source}: a matrix of shape {columns.shape} does not fit this model's "
                    f"{len(self.columns)} input column(s) ({self.width} features)"
                )
            with np.errstate(over="ignore"):  # beyond float32 becomes inf, refused below
                features = columns.astype(np.float32)  # a copy: filled in place below
            if np.isinf(features).any():
                raise DataError(f"{source}: an infinite value among the features")
            gaps = np.isnan(features)
            if gaps.any():
                fills = np.array([spec["fill"] for spec in self.columns], np.float32)
                features[gaps] = np.broadcast_to(fills, features.shape)[gaps]
            return features
        missing = [name for name in self.names if name not in columns]
        if missing:
            raise DataError(f"{source}: missing feature column(s) {', '.join(map(repr, missing))}")
        n = len(columns[self.names[0]])
        out = np.zeros((n, self.width), np.float32)
        at, unseen = 0, []
        for spec in self.columns:
            values = np.asarray(columns[spec["name"]])  # a list, or str arrays, from a caller
            if spec["kind"] == "number":
                out[:, at] = _filled_numbers(values, spec, source)
                at += 1
                continue
            at, count = _one_hot(values, spec, out, at)
            if count:
                unseen.append(f"{spec['name']!r} ({count} row(s))")
        if unseen:
            warnings.warn(
                f"{source}: categories not seen in training, encoded as all zeros, in column(s) "
                f"{', '.join(unseen)}",
                stacklevel=2,
            )
        return out

    def to_json(self):
        return [dict(spec) for spec in self.columns]

    @classmethod
    def from_json(cls, specs):
        """The encoder stored as `specs`; ValueError where they are not what to_json writes."""
        if not isinstance(specs, list) or not specs:
            raise ValueError("its input columns are not a non-empty list")
        for spec in specs:
            _check_spec(spec)
        names = [spec["name"] for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError("an input column name appears twice")
        return cls([dict(spec) for spec in specs])


def _medians(numbers):
    """Median of each column of numbers, ignoring NaN; columns of matching length stacked so
    that wide tables take one call."""
    if not numbers:
        return {}
    names = list(numbers)
    matrix = np.stack([numbers[name] for name in names], axis=1)
    gaps = np.isnan(matrix).any(axis=0)
    medians = np.zeros(len(names))
    if (~gaps).any():
        medians[~gaps] = np.median(matrix[:, ~gaps], axis=0)
    for j in np.flatnonzero(gaps):
        present = matrix[:, j][~np.isnan(matrix[:, j])]
        if not len(present):
            raise DataError(f"column {names[j]!r} has no values")
        medians[j] = np.median(present)
    return {name: float(m) for name, m in zip(names, medians)}


def _filled_numbers(values, spec, source):
    if not is_numbers(values):
        text = [v for v in values.tolist() if v is not None and not _is_number_text(v)]
        if text:
            raise DataError(
                f"{source}: column {spec['name']!r} holds text ({text[0]!r}) where the model "
                "was trained on numbers"
            )
        # numbers read as text (a column kept as spelt, such as predict --keep)
        values = np.array([math.nan if v is None else float(v) for v in values.tolist()])
    values = np.asarray(values, np.float64)
    if (np.abs(values) > np.finfo(np.float32).max).any():  # NaN compares False
        raise DataError(
            f"{source}: column {spec['name']!r} holds an infinite value or one beyond float32"
        )
    return np.where(np.isnan(values), spec["fill"], values)


def _is_number_text(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one_hot(values, spec, out, at):
    """Write the one-hot block of a category column into out[:, at:...]; (next column, number
    of rows whose category is unseen)."""
    categories = spec["categories"]
    if is_numbers(values):  # a column read as numbers where training saw text: spell it back
        values = [None if math.isnan(v) else format_number(v) for v in values.tolist()]
    else:
        values = values.tolist()
    index = {name: i for i, name in enumerate(categories)}
    fill = index[spec["fill"]]
    codes = np.array([fill if v is None else index.get(v, -1) for v in values], np.int64)
    seen = codes >= 0
    out[np.flatnonzero(seen), at + codes[seen]] = 1.0
    return at + len(categories), int((~seen).sum())


def _check_spec(spec):
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(f"an input column is {spec!r}, not an object with a name")
    kind, fill = spec.get("kind"), spec.get("fill")
    if kind == "number":
        if type(fill) not in (int, float) or not math.isfinite(fill):
            raise ValueError(f"column {spec['name']!r} has fill {fill!r}, not a finite number")
    elif kind == "category":
        categories = spec.get("categories")
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise ValueError(f"column {spec['name']!r} has categories that are not strings")
        if len(set(categories)) != len(categories) or fill not in categories:
            raise ValueError(f"column {spec['name']!r} has repeated categories or a bad fill")
    else:
        raise ValueError(f"column {spec['name']!r} is of kind {kind!r}, not number or category")
