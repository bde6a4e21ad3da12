"""badak/data/encoding.py: table columns to float32 features, and back from JSON."""

import json
import math
import warnings

import numpy as np
import pytest

from badak.data import ColumnEncoder, DataError

NAN = math.nan


def text(*values):
    out = np.empty(len(values), object)
    out[:] = values
    return out


def numbers(*values):
    return np.array(values, np.float64)


def mixed():
    """A table with a number column (with gaps) between two text columns."""
    return {
        "colour": text("red", None, "blue", "red", "green"),
        "height": numbers(1.0, NAN, 3.0, 10.0, NAN),
        "size": text("S", "L", "L", None, "S"),  # a tie: the first sorted is the fill
    }


# ----------------------------------------------------------------------------------------------
# Fitting
# ----------------------------------------------------------------------------------------------
def test_fit_learns_medians_and_sorted_categories_in_column_order():
    encoder = ColumnEncoder.fit(mixed())
    assert encoder.columns == [
        {
            "name": "colour",
            "kind": "category",
            "categories": ["blue", "green", "red"],
            "fill": "red",
        },
        {"name": "height", "kind": "number", "fill": 3.0},  # median of 1, 3, 10: NaN ignored
        {"name": "size", "kind": "category", "categories": ["L", "S"], "fill": "L"},
    ]
    assert encoder.names == ["colour", "height", "size"]
    assert encoder.width == 3 + 1 + 2 and not encoder.only_numbers


def test_fit_takes_the_median_of_each_number_column_with_and_without_gaps():
    encoder = ColumnEncoder.fit(
        {"a": numbers(4, 1, 2, 3), "b": numbers(NAN, 5, NAN, 9), "c": numbers(7, 7, 7, -1)}
    )
    assert [spec["fill"] for spec in encoder.columns] == [2.5, 7.0, 7.0]
    assert all(isinstance(spec["fill"], float) for spec in encoder.columns)
    assert encoder.only_numbers and encoder.width == 3


@pytest.mark.parametrize("column", [numbers(NAN, NAN), text(None, None)], ids=["numbers", "text"])
def test_fit_refuses_a_column_without_values_and_names_it(column):
    with pytest.raises(DataError, match="column 'empty' has no values"):
        ColumnEncoder.fit({"x": numbers(1, 2), "empty": column})


def test_for_numbers_fills_with_each_column_median():
    matrix = np.float32([[1, 10], [2, 30], [9, 20]])
    encoder = ColumnEncoder.for_numbers(matrix, ["a", "b"])
    assert encoder.columns == [
        {"name": "a", "kind": "number", "fill": 2.0},
        {"name": "b", "kind": "number", "fill": 20.0},
    ]
    assert type(encoder.columns[0]["fill"]) is float  # JSON-ready, not np.float32


# ----------------------------------------------------------------------------------------------
# Transforming columns
# ----------------------------------------------------------------------------------------------
def test_transform_one_hot_encodes_text_and_fills_gaps():
    encoder = ColumnEncoder.fit(mixed())
    out = encoder.transform(mixed())
    assert out.dtype == np.float32 and out.shape == (5, 6)
    # colour: blue green red | height | size: L S
    expected = [
        [0, 0, 1, 1, 0, 1],
        [0, 0, 1, 3, 1, 0],  # colour missing -> red (most frequent); height missing -> median
        [1, 0, 0, 3, 1, 0],
        [0, 0, 1, 10, 1, 0],  # size missing -> L
        [0, 1, 0, 3, 0, 1],
    ]
    np.testing.assert_array_equal(out, np.float32(expected))


def test_transform_takes_columns_by_name_whatever_their_order_and_extras():
    encoder = ColumnEncoder.fit(mixed())
    columns = mixed()
    shuffled = {"extra": numbers(*range(5)), **{k: columns[k] for k in reversed(list(columns))}}
    np.testing.assert_array_equal(encoder.transform(shuffled), encoder.transform(columns))


def test_an_unseen_category_encodes_as_zeros_with_exactly_one_warning():
    encoder = ColumnEncoder.fit(mixed())
    new = {
        "colour": text("purple", "blue", "pink"),
        "height": numbers(2, 2, 2),
        "size": text("XL", "S", "L"),
    }
    with pytest.warns(UserWarning, match="new rows: categories not seen in training") as caught:
        out = encoder.transform(new, "new rows")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "'colour' (2 row(s))" in message and "'size' (1 row(s))" in message
    np.testing.assert_array_equal(out[0], [0, 0, 0, 2, 0, 0])
    np.testing.assert_array_equal(out[1], [1, 0, 0, 2, 0, 1])
    np.testing.assert_array_equal(out[2], [0, 0, 0, 2, 1, 0])


def test_known_categories_give_no_warning():
    encoder = ColumnEncoder.fit(mixed())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        encoder.transform({"colour": text(None), "height": numbers(NAN), "size": text("S")})


def test_a_category_column_read_as_numbers_is_spelt_back():
    encoder = ColumnEncoder.fit({"grade": text("1", "2", "2.5")})  # a three-way tie: fill "1"
    out = encoder.transform({"grade": numbers(2.0, 1.0, 2.5, NAN)})
    np.testing.assert_array_equal(out, np.float32([[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0]]))


def test_numbers_kept_as_text_encode_as_numbers():
    encoder = ColumnEncoder.fit({"x": numbers(1, 2, 3)})
    out = encoder.transform({"x": text("4.5", None, "-1")})
    np.testing.assert_array_equal(out, np.float32([[4.5], [2], [-1]]))


def test_a_missing_column_is_named():
    encoder = ColumnEncoder.fit(mixed())
    with pytest.raises(DataError, match=r"new.csv: missing feature column\(s\) 'colour', 'size'"):
        encoder.transform({"height": numbers(1)}, "new.csv")


def test_text_in_a_number_column_is_refused():
    encoder = ColumnEncoder.fit(mixed())
    columns = mixed() | {"height": text("1", None, "tall", "2", "3")}
    with pytest.raises(
        DataError,
        match=r"new.csv: column 'height' holds text \('tall'\) where the model was trained on "
        "numbers",
    ):
        encoder.transform(columns, "new.csv")


@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e39])
def test_an_infinite_number_is_refused(value):
    encoder = ColumnEncoder.fit(mixed())
    columns = mixed() | {"height": numbers(1, value, 2, 3, 4)}
    with pytest.raises(DataError, match="new.csv: column 'height' holds an infinite value"):
        encoder.transform(columns, "new.csv")


# ----------------------------------------------------------------------------------------------
# Transforming a matrix
# ----------------------------------------------------------------------------------------------
def test_a_matrix_is_filled_for_an_all_number_encoder():
    encoder = ColumnEncoder.fit({"a": numbers(1, 2, 3), "b": numbers(10, NAN, 30)})
    matrix = np.array([[NAN, 5], [7, NAN], [NAN, NAN]])
    out = encoder.transform(matrix)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.float32([[2, 5], [7, 20], [2, 20]]))
    assert np.isnan(matrix).sum() == 4  # the caller's matrix is left alone


def test_a_matrix_without_gaps_comes_back_as_float32():
    encoder = ColumnEncoder.for_numbers(np.zeros((1, 2)), ["a", "b"])
    matrix = np.float32([[1.5, 2], [3, 4]])
    out = encoder.transform(matrix)
    np.testing.assert_array_equal(out, matrix)
    assert out is not matrix


@pytest.mark.parametrize("shape", [(3, 3), (3,), (1, 2, 2)])
def test_a_matrix_of_the_wrong_shape_is_refused(shape):
    encoder = ColumnEncoder.for_numbers(np.zeros((1, 2)), ["a", "b"])
    with pytest.raises(
        DataError, match=r"rows.npy: a matrix of shape .* does not fit this model's"
    ):
        encoder.transform(np.zeros(shape), "rows.npy")


def test_a_matrix_is_refused_by_an_encoder_with_categories():
    encoder = ColumnEncoder.fit({"a": numbers(1, 2), "kind": text("x", "y")})
    with pytest.raises(DataError, match=r"2 input column\(s\) \(3 features\)"):
        encoder.transform(np.zeros((4, 2)))


@pytest.mark.parametrize("value", [math.inf, 1e39])
def test_an_infinite_value_in_a_matrix_is_refused(value):
    encoder = ColumnEncoder.for_numbers(np.zeros((1, 2)), ["a", "b"])
    with pytest.raises(DataError, match="rows: an infinite value among the features"):
        encoder.transform(np.array([[1.0, value]]), "rows")


# ----------------------------------------------------------------------------------------------
# JSON
# ----------------------------------------------------------------------------------------------
def test_json_round_trip_gives_the_same_features():
    encoder = ColumnEncoder.fit(mixed())
    stored = json.loads(json.dumps(encoder.to_json()))
    again = ColumnEncoder.from_json(stored)
    assert again == encoder and again.columns == encoder.columns
    np.testing.assert_array_equal(again.transform(mixed()), encoder.transform(mixed()))


def test_to_json_and_from_json_copy_the_specs():
    encoder = ColumnEncoder.fit({"a": numbers(1, 2)})
    stored = encoder.to_json()
    stored[0]["fill"] = 99.0
    assert encoder.columns[0]["fill"] == 1.5
    again = ColumnEncoder.from_json(stored)
    stored[0]["fill"] = 5.0
    assert again.columns[0]["fill"] == 99.0


def test_from_json_accepts_an_integer_fill():
    encoder = ColumnEncoder.from_json([{"name": "a", "kind": "number", "fill": 2}])
    np.testing.assert_array_equal(encoder.transform({"a": numbers(NAN)}), [[2]])


NUMBER = {"name": "a", "kind": "number", "fill": 1.0}
CATEGORY = {"name": "k", "kind": "category", "categories": ["x", "y"], "fill": "x"}


@pytest.mark.parametrize(
    "specs, message",
    [
        ({"name": "a"}, "not a non-empty list"),
        ([], "not a non-empty list"),
        (["a"], "not an object with a name"),
        ([{"kind": "number", "fill": 1.0}], "not an object with a name"),
        ([{**NUMBER, "name": 3}], "not an object with a name"),
        ([{**NUMBER, "fill": NAN}], "'a' has fill nan, not a finite number"),
        ([{**NUMBER, "fill": math.inf}], "not a finite number"),
        ([{**NUMBER, "fill": "1"}], "not a finite number"),
        ([{**NUMBER, "fill": True}], "not a finite number"),
        ([{k: v for k, v in NUMBER.items() if k != "fill"}], "not a finite number"),
        ([{**CATEGORY, "categories": "xy"}], "'k' has categories that are not strings"),
        ([{**CATEGORY, "categories": ["x", 2]}], "categories that are not strings"),
        ([{**CATEGORY, "categories": ["x", "x"]}], "'k' has repeated categories or a bad fill"),
        ([{**CATEGORY, "fill": "z"}], "repeated categories or a bad fill"),
        ([{**CATEGORY, "fill": None}], "repeated categories or a bad fill"),
        ([{**NUMBER, "kind": "text"}], "'a' is of kind 'text', not number or category"),
        ([NUMBER, {**CATEGORY, "name": "a"}], "an input column name appears twice"),
    ],
)
def test_from_json_rejects_broken_specs(specs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        ColumnEncoder.from_json(specs)


def test_from_json_accepts_what_the_checks_let_through():
    encoder = ColumnEncoder.from_json([NUMBER, CATEGORY])
    assert encoder.names == ["a", "k"] and encoder.width == 3


def test_transform_takes_lists_and_str_arrays_as_a_caller_writes_them():
    encoder = ColumnEncoder.fit(mixed())
    as_read = encoder.transform(
        {"colour": text("blue", None), "height": numbers(2.0, NAN), "size": text("L", "S")}
    )
    as_written = encoder.transform(
        {"colour": ["blue", None], "height": [2.0, None], "size": np.array(["L", "S"])}
    )
    np.testing.assert_array_equal(as_written, as_read)
