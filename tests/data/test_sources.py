"""badak/data/sources.py: what `--data` names, as labelled examples."""

import gzip
from pathlib import Path

import numpy as np
import palmerpenguins
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from badak.data import (
    FASHION_MNIST_CLASSES,
    DataError,
    load_fashion_mnist,
    make_spiral,
)
from badak.data.bundled import BUNDLED
from badak.data.sources import Labelled, load_labelled, take_rows
from badak.random import default_generator, manual_seed
from tests.cli_helpers import write_csv
from tests.data.idx_files import write_idx, write_idx_folder


def assert_labelled(data, n, d, classes):
    assert isinstance(data, Labelled)
    assert data.inputs.shape == (n, d) and data.inputs.dtype == np.float32 and len(data) == n
    assert data.targets.shape == (n,) and data.targets.dtype == np.int64
    assert data.classes == classes and all(isinstance(c, str) for c in data.classes)
    assert len(data.feature_names) == d
    assert 0 <= data.targets.min() and data.targets.max() < len(classes)


# ----------------------------------------------------------------------------------------------
# Named sets
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, n, d, n_classes",
    [
        ("iris", 150, 4, 3),
        ("digits", 1797, 64, 10),
        ("wine", 178, 13, 3),
        ("breast_cancer", 569, 30, 2),
    ],
)
def test_each_bundled_set_loads(name, n, d, n_classes):
    data = load_labelled(name)
    bunch = BUNDLED[name]()
    assert_labelled(data, n, d, [str(t) for t in bunch.target_names])
    assert len(data.classes) == n_classes
    assert data.name == name and data.target_name == "target" and data.held_out is None
    assert data.feature_names == list(bunch.feature_names)
    np.testing.assert_array_equal(data.inputs, bunch.data)
    np.testing.assert_array_equal(data.targets, bunch.target)


def test_bundled_target_may_be_named_as_it_is():
    assert load_labelled("iris", target="target").classes == ["setosa", "versicolor", "virginica"]


def test_spiral_points_are_fixed():
    manual_seed(5)
    state = default_generator().bit_generator.state
    first = load_labelled("spiral")
    assert default_generator().bit_generator.state == state  # badak's generator is left alone
    manual_seed(6)
    second = load_labelled("spiral")
    assert_labelled(first, 300, 2, ["0", "1", "2"])
    assert first.feature_names == ["x1", "x2"] and first.target_name == "class"
    np.testing.assert_array_equal(first.inputs, second.inputs)
    np.testing.assert_array_equal(first.targets, second.targets)
    X, y = make_spiral(generator=np.random.default_rng(0))
    np.testing.assert_array_equal(first.inputs, X)
    np.testing.assert_array_equal(first.targets, y)
    np.testing.assert_array_equal(np.bincount(first.targets), [100, 100, 100])


def test_fashion_mnist_gives_60000_and_10000_images_of_ten_named_classes():
    data = load_labelled("fashion-mnist")
    assert_labelled(data, 60000, 784, list(FASHION_MNIST_CLASSES))
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    test_images, test_targets = data.held_out
    assert test_images.shape == (10000, 784) and test_targets.shape == (10000,)
    np.testing.assert_array_equal(np.bincount(test_targets), [1000] * 10)
    assert data.target_name == "label"


def test_fashion_mnist_absent_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(load_fashion_mnist, "__defaults__", (str(tmp_path / "absent"),))
    with pytest.raises(DataError, match=r"apt-get install dataset-fashion-mnist"):
        load_labelled("fashion-mnist")


def test_an_unknown_name_lists_the_bundled_sets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="no such file or folder") as error:
        load_labelled("mnist")
    for name in ("digits", "iris", "wine", "breast_cancer", "spiral", "fashion-mnist"):
        assert name in str(error.value)


@pytest.mark.parametrize("name", ["iris", "spiral"])
def test_target_does_not_apply_to_a_named_set(name):
    with pytest.raises(DataError, match="does not apply"):
        load_labelled(name, target="species")


def test_a_bundled_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits").mkdir()
    write_idx_folder(tmp_path / "digits")
    assert load_labelled("digits").inputs.shape == (1797, 64)
    assert load_labelled("./digits").inputs.shape == (6, 9)  # a path still reaches it


# ----------------------------------------------------------------------------------------------
# Table files
# ----------------------------------------------------------------------------------------------
def assert_table(data, n, classes, feature_names):
    assert isinstance(data, Labelled) and isinstance(data.inputs, dict) and len(data) == n
    assert list(data.inputs) == feature_names == data.feature_names
    assert all(len(column) == n for column in data.inputs.values())
    assert data.targets.shape == (n,) and data.targets.dtype == np.int64
    assert data.classes == classes
    assert data.held_out is None and data.image_shape is None


def test_a_csv_file_gives_its_columns_and_sorted_string_classes(tmp_path):
    rows = [["1", "2", "dog"], ["3", "4", "cat"], ["5", "6", "dog"]]
    data = load_labelled(write_csv(tmp_path / "pets.csv", ["a", "b", "kind"], rows))
    assert_table(data, 3, ["cat", "dog"], ["a", "b"])
    assert data.name == "pets" and data.target_name == "kind" and data.notes == []
    assert data.inputs["a"].dtype == np.float64
    np.testing.assert_array_equal(data.inputs["a"], [1, 3, 5])
    np.testing.assert_array_equal(data.inputs["b"], [2, 4, 6])
    np.testing.assert_array_equal(data.targets, [1, 0, 1])


def test_numeric_labels_sort_as_numbers(tmp_path):
    rows = [["5", "10"], ["7", "2"], ["5", "-1.5"], ["9", "2"]]
    data = load_labelled(write_csv(tmp_path / "n.csv", ["x", "y"], rows))
    assert data.classes == ["-1.5", "2", "10"]
    np.testing.assert_array_equal(data.targets, [2, 1, 0, 1])


def test_numeric_labels_keep_their_spelling(tmp_path):
    rows = [["5", "01", "1.0"], ["7", "02", "2.0"], ["5", "01", "1.0"]]
    path = write_csv(tmp_path / "codes.csv", ["x", "code", "level"], rows)
    assert load_labelled(path).classes == ["1.0", "2.0"]  # the last column, as spelt
    assert load_labelled(path, "code").classes == ["01", "02"]


def test_target_picks_a_column_of_a_csv_file(tmp_path):
    rows = [["1", "a", "2"], ["3", "b", "4"]]
    data = load_labelled(write_csv(tmp_path / "m.csv", ["x", "label", "y"], rows), "label")
    assert_table(data, 2, ["a", "b"], ["x", "y"])
    assert data.target_name == "label"
    np.testing.assert_array_equal(data.inputs["y"], [2, 4])


def test_sep_and_header_reach_the_reader(tmp_path):
    path = tmp_path / "raw.txt"
    path.write_text("1.5;red;yes\n2.5;blue;no\n3.5;red;no\n")
    data = load_labelled(path, sep=";", header=False)
    assert_table(data, 3, ["no", "yes"], ["column1", "column2"])
    assert data.target_name == "column3" and data.name == "raw"
    assert data.inputs["column2"].tolist() == ["red", "blue", "red"]


def test_a_parquet_file_with_a_number_target(tmp_path):
    path = tmp_path / "t.parquet"
    table = {"x": pa.array([0.5, None, 2.5, 3.5]), "y": pa.array([1, 0, None, 1], pa.int64())}
    pq.write_table(pa.table(table), path)
    data = load_labelled(path)
    assert_table(data, 3, ["0", "1"], ["x"])
    assert data.notes == ["1 row(s) with no 'y' were left out"]
    np.testing.assert_array_equal(data.inputs["x"], [0.5, np.nan, 3.5])


def test_take_rows_of_columns_and_of_a_matrix():
    columns = {"a": np.arange(4.0), "k": np.array(["p", "q", "r", "s"], object)}
    part = take_rows(columns, np.array([3, 1]))
    assert part["a"].tolist() == [3, 1] and part["k"].tolist() == ["s", "q"]
    assert columns["a"].tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(
        take_rows(np.eye(3), np.array([True, False, True])), np.eye(3)[[0, 2]]
    )


# ----------------------------------------------------------------------------------------------
# Penguins: a real table with gaps and text
# ----------------------------------------------------------------------------------------------
PENGUINS = Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
PENGUIN_COLUMNS = [
    "species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
    "sex", "year",
]  # fmt: skip


def test_penguins_by_species_keeps_text_columns_and_the_year():
    data = load_labelled(PENGUINS, target="species")
    features = [c for c in PENGUIN_COLUMNS if c != "species"]
    assert_table(data, 344, ["Adelie", "Chinstrap", "Gentoo"], features)
    assert data.name == "penguins" and data.target_name == "species" and data.notes == []
    np.testing.assert_array_equal(np.bincount(data.targets), [152, 68, 124])
    island, sex, year = data.inputs["island"], data.inputs["sex"], data.inputs["year"]
    assert island.dtype == object and set(island) == {"Biscoe", "Dream", "Torgersen"}
    assert sex.dtype == object and set(sex) == {"female", "male", None}
    assert sum(v is None for v in sex) == 11
    # three distinct years are a feature, not a row counter or an id: kept as numbers
    assert year.dtype == np.float64 and set(year.tolist()) == {2007.0, 2008.0, 2009.0}
    bill = data.inputs["bill_length_mm"]
    assert bill.dtype == np.float64 and int(np.isnan(bill).sum()) == 2 and bill[0] == 39.1


def test_penguins_default_target_is_the_last_column_year():
    data = load_labelled(PENGUINS)
    assert data.target_name == "year" and data.classes == ["2007", "2008", "2009"]
    assert_table(data, 344, ["2007", "2008", "2009"], PENGUIN_COLUMNS[:-1])


def test_penguins_body_mass_is_a_quantity_not_a_class():
    with pytest.raises(DataError) as error:
        load_labelled(PENGUINS, target="body_mass_g")
    message = str(error.value)
    assert "penguins.csv: the target column 'body_mass_g' looks like a quantity" in message
    assert "(94 distinct numbers in 342 rows); badak trains classifiers" in message


def test_penguins_without_a_sex_are_left_out_with_a_note():
    data = load_labelled(PENGUINS, target="sex")
    assert_table(data, 333, ["female", "male"], [c for c in PENGUIN_COLUMNS if c != "sex"])
    assert data.notes == ["11 row(s) with no 'sex' were left out"]
    assert not np.isnan(data.inputs["body_mass_g"]).any()  # the row without any measure went too


def test_compressed_penguins_read_the_same(tmp_path):
    path = tmp_path / "penguins.csv.gz"
    path.write_bytes(gzip.compress(PENGUINS.read_bytes()))
    data, plain = load_labelled(path, "species"), load_labelled(PENGUINS, "species")
    assert data.name == "penguins" and data.feature_names == plain.feature_names
    np.testing.assert_array_equal(data.targets, plain.targets)
    np.testing.assert_array_equal(
        data.inputs["flipper_length_mm"], plain.inputs["flipper_length_mm"]
    )


# ----------------------------------------------------------------------------------------------
# Targets that are not classes
# ----------------------------------------------------------------------------------------------
def number_target(tmp_path, n, distinct):
    rows = [[str(i % 3), str(i % distinct)] for i in range(n)]
    return write_csv(tmp_path / "q.csv", ["x", "y"], rows)


@pytest.mark.parametrize("n, distinct", [(100, 21), (500, 26)])
def test_a_target_of_many_numbers_is_refused_as_a_quantity(tmp_path, n, distinct):
    with pytest.raises(DataError, match=f"looks like a quantity.*{distinct} distinct numbers"):
        load_labelled(number_target(tmp_path, n, distinct))


@pytest.mark.parametrize("n, distinct", [(100, 20), (500, 25)])
def test_a_target_of_few_numbers_is_a_class(tmp_path, n, distinct):
    assert len(load_labelled(number_target(tmp_path, n, distinct)).classes) == distinct


def test_given_classes_skip_the_quantity_check(tmp_path):
    data = load_labelled(number_target(tmp_path, 100, 30), classes=[str(i) for i in range(30)])
    assert len(data) == 100


def test_a_text_target_with_too_many_values_is_refused(tmp_path):
    rows = [[str(i % 3), f"name{i % 31}"] for i in range(60)]
    path = write_csv(tmp_path / "t.csv", ["x", "who"], rows)
    with pytest.raises(DataError, match="'who' has 31 distinct values in 60 rows, too many"):
        load_labelled(path)
    rows = [[str(i % 3), f"name{i % 30}"] for i in range(60)]  # 30 of 60: still classes
    assert len(load_labelled(write_csv(tmp_path / "u.csv", ["x", "who"], rows)).classes) == 30


def test_a_target_with_one_class_is_refused(tmp_path):
    path = write_csv(tmp_path / "one.csv", ["a", "y"], [["1", "p"], ["2", "p"], ["3", ""]])
    with pytest.raises(
        DataError, match=r"one.csv: the target column 'y' has only one class \('p'\)"
    ):
        load_labelled(path)


def test_a_target_without_values_is_refused(tmp_path):
    path = write_csv(tmp_path / "none.csv", ["a", "y"], [["1", "NA"], ["2", ""]])
    with pytest.raises(DataError, match="none.csv: the target column 'y' has no values"):
        load_labelled(path)


def test_an_unknown_target_lists_the_columns(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["sepal", "petal", "species"], [["1", "2", "a"]])
    with pytest.raises(
        DataError, match="d.csv: no column named 'kind'; the columns are: sepal, petal, species"
    ):
        load_labelled(path, "kind")


def test_a_single_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["y"], [["p"], ["q"]])
    with pytest.raises(DataError, match="d.csv: needs at least two columns"):
        load_labelled(path)


# ----------------------------------------------------------------------------------------------
# Columns that cannot help, --features and --drop
# ----------------------------------------------------------------------------------------------
def useless_frame(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),  # a counter from 1
            "id": [f"u{i:03d}" for i in rng.permutation(n)],  # all different
            "comment": [f"note {i * 2 // 3}" for i in range(n)],  # 2/3 different: > half
            "empty": [None] * n,
            "x": rng.normal(size=n),  # every value different, but numbers: kept
            "kind": ["abcd"[i % 4] for i in range(n)],
            "y": ["pq"[i % 2] for i in range(n)],
        }
    )


def test_useless_columns_are_dropped_with_notes(tmp_path):
    frame = useless_frame(42)
    path = tmp_path / "u.csv"
    frame.to_csv(path)  # with pandas' unnamed index column first
    data = load_labelled(path)
    assert_table(data, 42, ["p", "q"], ["x", "kind"])
    assert data.notes == [
        "column 'column1' was dropped: it counts the rows (an index)",
        "column 'row' was dropped: it counts the rows (an index)",
        "column 'id' was dropped: every value is different (an id)",
        "column 'comment' was dropped: 28 different values in 42 rows (like an id or free text)",
        "column 'empty' was dropped: it is empty",
    ]


def test_a_shuffled_index_is_still_a_row_counter(tmp_path):
    frame = useless_frame().sample(frac=1.0, random_state=1)
    path = tmp_path / "s.csv"
    frame.to_csv(path)
    notes = load_labelled(path).notes
    assert "column 'column1' was dropped: it counts the rows (an index)" in notes


def test_an_index_is_dropped_when_rows_without_a_label_are_left_out(tmp_path):
    frame = useless_frame()
    frame.loc[[0, 7, 20], "y"] = None
    path = tmp_path / "gaps.csv"
    frame.to_csv(path)
    data = load_labelled(path)
    assert len(data) == 37 and data.feature_names == ["x", "kind"]
    assert data.notes[0] == "3 row(s) with no 'y' were left out"
    assert "column 'column1' was dropped: it counts the rows (an index)" in data.notes


def test_columns_that_can_help_are_kept(tmp_path):
    rows = [[str(i + 2), str(i % 5), f"c{i % 3}", "p" if i % 2 else "q"] for i in range(30)]
    path = write_csv(tmp_path / "k.csv", ["from2", "small", "kind", "y"], rows)
    data = load_labelled(path)
    assert data.feature_names == ["from2", "small", "kind"] and data.notes == []


def test_features_picks_columns_in_order_and_keeps_them_all(tmp_path):
    path = tmp_path / "u.csv"
    useless_frame().to_csv(path, index=False)
    data = load_labelled(path, features=["kind", "id", "x"])
    assert_table(data, 40, ["p", "q"], ["kind", "id", "x"])
    assert data.notes == []  # chosen by name: nothing dropped


def test_drop_leaves_columns_out_and_still_drops_the_useless(tmp_path):
    path = tmp_path / "u.csv"
    useless_frame().to_csv(path, index=False)
    data = load_labelled(path, drop=["kind"])
    assert data.feature_names == ["x"]
    assert len(data.notes) == 4 and not any("'kind'" in note for note in data.notes)


@pytest.mark.parametrize(
    "option, message",
    [("features", "missing feature column"), ("drop", "--drop names no column")],
)
def test_unknown_names_in_features_or_drop_list_the_columns(tmp_path, option, message):
    path = write_csv(tmp_path / "d.csv", ["a", "b", "y"], [["1", "2", "p"], ["3", "4", "q"]])
    with pytest.raises(DataError, match=f"d.csv: {message}.*'zz', 'y'.*columns are: a, b") as error:
        load_labelled(path, **{option: ["a", "zz", "y"]})  # the target is no feature either
    assert "'a'" not in str(error.value).split(";")[0]


@pytest.mark.parametrize("name", ["iris", "spiral", "fashion-mnist"])
@pytest.mark.parametrize("option", ["features", "drop"])
def test_features_and_drop_do_not_apply_to_a_named_set(name, option):
    with pytest.raises(DataError, match=f"{name}: --features and --drop apply to table files only"):
        load_labelled(name, **{option: ["x1"]})


def test_no_feature_column_left_is_refused(tmp_path):
    rows = [[f"u{i}", "p" if i % 2 else "q"] for i in range(10)]
    path = write_csv(tmp_path / "ids.csv", ["id", "y"], rows)
    with pytest.raises(DataError, match="ids.csv: no feature column is left to train on"):
        load_labelled(path)
    with pytest.raises(DataError, match="no feature column is left"):
        load_labelled(
            write_csv(tmp_path / "two.csv", ["a", "y"], [["1", "p"], ["2", "q"]]), drop=["a"]
        )


# ----------------------------------------------------------------------------------------------
# IDX folders
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [False, True])
def test_an_idx_folder_holds_out_its_t10k_pair(tmp_path, gz):
    train_images, train_labels, test_images, test_labels = write_idx_folder(
        tmp_path, n_train=30, n_test=8, side=3, gz=gz
    )
    data = load_labelled(tmp_path)
    classes = sorted({int(v) for v in np.concatenate([train_labels, test_labels])})
    assert_labelled(data, 30, 9, [str(c) for c in classes])
    assert data.feature_names == [f"pixel{i}" for i in range(9)] and data.target_name == "label"
    np.testing.assert_array_equal(data.inputs * 255, train_images.reshape(30, 9))
    assert np.asarray(data.classes)[data.targets].tolist() == train_labels.astype(str).tolist()
    features, targets = data.held_out
    np.testing.assert_array_equal(features * 255, test_images.reshape(8, 9))
    assert np.asarray(data.classes)[targets].tolist() == test_labels.astype(str).tolist()


def test_an_idx_folder_with_a_label_only_in_t10k(tmp_path):
    write_idx_folder(tmp_path, n_train=4, n_test=2)

    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 0, 1], np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 7], np.uint8))
    data = load_labelled(tmp_path)
    assert data.classes == ["0", "1", "7"]
    np.testing.assert_array_equal(data.held_out[1], [1, 2])


# ----------------------------------------------------------------------------------------------
# Classes given (a model's, for evaluate)
# ----------------------------------------------------------------------------------------------
def test_given_classes_re_encode_the_labels():
    data = load_labelled("iris", classes=["virginica", "setosa", "versicolor"])
    assert data.classes == ["virginica", "setosa", "versicolor"]
    own = load_labelled("iris")
    names = np.asarray(own.classes)[own.targets]
    assert (np.asarray(data.classes)[data.targets] == names).all()


def test_given_classes_may_hold_more_than_the_data(tmp_path):
    rows = [["1", "cat"], ["2", "dog"]]
    path = write_csv(tmp_path / "p.csv", ["x", "kind"], rows)
    data = load_labelled(path, classes=["bird", "cat", "dog"])
    assert data.classes == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(data.targets, [1, 2])


def test_labels_outside_the_given_classes_raise(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["x", "kind"], [["1", "cat"], ["2", "emu"]])
    with pytest.raises(DataError, match=r"'emu' not among the 2 known classes"):
        load_labelled(path, classes=["cat", "dog"])
    with pytest.raises(DataError, match="'virginica'"):
        load_labelled("iris", classes=["setosa", "versicolor"])


def test_given_classes_apply_to_the_t10k_pair(tmp_path):
    write_idx_folder(tmp_path, n_train=4, n_test=2)

    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([3, 5, 3, 5], np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([5, 3], np.uint8))
    data = load_labelled(tmp_path, classes=["5", "3", "9"])
    np.testing.assert_array_equal(data.targets, [1, 0, 1, 0])
    np.testing.assert_array_equal(data.held_out[1], [0, 1])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([5, 4], np.uint8))
    with pytest.raises(DataError, match="'4'"):
        load_labelled(tmp_path, classes=["5", "3"])
