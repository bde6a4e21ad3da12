import numpy as np
import pytest

from badak.data import DataError, Table, read_csv, read_csv_features


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


IRIS_LIKE = "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3, 6.0 ,virginica\n"


def test_read_csv_takes_the_last_column_as_target(tmp_path):
    table = read_csv(write(tmp_path, IRIS_LIKE))
    assert isinstance(table, Table)
    assert table.features.dtype == np.float32 and table.features.shape == (3, 2)
    np.testing.assert_array_equal(table.features, np.float32([[5.1, 1.4], [7.0, 4.7], [6.3, 6.0]]))
    assert list(table.labels) == ["setosa", "versicolor", "virginica"]
    assert table.feature_names == ["sepal", "petal"] and table.target_name == "species"


def test_read_csv_takes_the_named_target_column(tmp_path):
    table = read_csv(write(tmp_path, "y,a,b\n1,2,3\n0,5,6\n"), target="y")
    np.testing.assert_array_equal(table.features, np.float32([[2, 3], [5, 6]]))
    assert list(table.labels) == ["1", "0"] and table.feature_names == ["a", "b"]


def test_read_csv_skips_blank_lines_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,y\n1,x\n\n2,z\n\n".encode())
    table = read_csv(path)
    assert table.feature_names == ["a"] and list(table.labels) == ["x", "z"]


def test_read_csv_reads_more_rows_than_one_chunk(tmp_path):
    rows = "".join(f"{i},{i % 3}\n" for i in range(10000))
    table = read_csv(write(tmp_path, "a,y\n" + rows))
    np.testing.assert_array_equal(table.features[:, 0], np.arange(10000, dtype=np.float32))


def test_read_csv_rejects_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="missing.csv: no such file"):
        read_csv(tmp_path / "missing.csv")


def test_read_csv_rejects_an_empty_file(tmp_path):
    with pytest.raises(DataError, match="data.csv: the file is empty"):
        read_csv(write(tmp_path, ""))


def test_read_csv_rejects_a_header_without_rows(tmp_path):
    with pytest.raises(DataError, match="data.csv: the file has a header but no data rows"):
        read_csv(write(tmp_path, "a,b,y\n"))


def test_read_csv_rejects_an_unknown_target_and_lists_the_columns(tmp_path):
    with pytest.raises(
        DataError, match="data.csv: no column named 'kind'; the columns are: sepal, petal, species"
    ):
        read_csv(write(tmp_path, IRIS_LIKE), target="kind")


def test_read_csv_rejects_a_non_numeric_cell_naming_line_and_column(tmp_path):
    text = "a,b,y\n1,2,p\n3,abc,q\n"
    with pytest.raises(DataError, match=r"data.csv: line 3, column 'b': 'abc' is not a number"):
        read_csv(write(tmp_path, text))


def test_read_csv_rejects_an_empty_feature_cell(tmp_path):
    with pytest.raises(DataError, match=r"data.csv: line 2, column 'a': empty cell"):
        read_csv(write(tmp_path, "a,b,y\n ,2,p\n3,4,q\n"))


def test_read_csv_rejects_an_empty_target_cell(tmp_path):
    with pytest.raises(DataError, match=r"data.csv: line 3, column 'y': empty cell"):
        read_csv(write(tmp_path, "a,b,y\n1,2,p\n3,4,\n"))


def test_read_csv_rejects_a_non_finite_value(tmp_path):
    with pytest.raises(
        DataError, match=r"data.csv: line 3, column 'b': nan is not a finite number"
    ):
        read_csv(write(tmp_path, "a,b,y\n1,2,p\n3,nan,q\n"))


def test_read_csv_rejects_a_value_beyond_float32(tmp_path):
    with pytest.raises(DataError, match=r"line 2, column 'a': 1e\+39 is beyond float32"):
        read_csv(write(tmp_path, "a,y\n1e39,p\n3,q\n"))


def test_read_csv_rejects_ragged_rows(tmp_path):
    text = "a,b,y\n1,2,p\n3,4\n"
    with pytest.raises(
        DataError, match="data.csv: line 3 has 2 columns, expected 3 as in the header"
    ):
        read_csv(write(tmp_path, text))


def test_read_csv_reports_the_first_problem_in_file_order(tmp_path):
    with pytest.raises(DataError, match="line 2, column 'a'"):
        read_csv(write(tmp_path, "a,b,y\nx,2,p\n3,4\n"))


def test_read_csv_rejects_duplicate_column_names(tmp_path):
    with pytest.raises(
        DataError, match=r"data.csv: duplicate column name 'a' in the header \(columns 1 and 3\)"
    ):
        read_csv(write(tmp_path, "a,b,a,y\n1,2,3,p\n"))


def test_read_csv_rejects_an_unnamed_column(tmp_path):
    with pytest.raises(DataError, match="data.csv: column 2 of the header has no name"):
        read_csv(write(tmp_path, "a,,y\n1,2,p\n"))


def test_read_csv_rejects_a_target_with_one_class(tmp_path):
    with pytest.raises(
        DataError, match=r"data.csv: the target column 'y' has only one class \('p'\)"
    ):
        read_csv(write(tmp_path, "a,y\n1,p\n2,p\n"))


def test_read_csv_rejects_a_file_without_feature_columns(tmp_path):
    with pytest.raises(DataError, match="data.csv: needs at least two columns"):
        read_csv(write(tmp_path, "y\np\nq\n"))


def test_read_csv_rejects_a_binary_file(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(DataError, match="image.csv: not a UTF-8 text file"):
        read_csv(path)


def test_read_csv_rejects_a_folder(tmp_path):
    with pytest.raises(DataError, match="not a file"):
        read_csv(tmp_path)


def test_read_csv_features_picks_the_named_columns_in_order(tmp_path):
    path = write(tmp_path, "id,b,a,note\n7,2,1,x\n8,4,3,y\n")
    features, names = read_csv_features(path, ["a", "b"])
    assert features.dtype == np.float32 and names == ["a", "b"]
    np.testing.assert_array_equal(features, np.float32([[1, 2], [3, 4]]))


def test_read_csv_features_names_the_missing_columns(tmp_path):
    path = write(tmp_path, "a,c\n1,2\n")
    with pytest.raises(DataError, match=r"data.csv: missing feature column\(s\) 'b', 'd'"):
        read_csv_features(path, ["a", "b", "c", "d"])


def test_read_csv_features_checks_cells_of_the_used_columns(tmp_path):
    path = write(tmp_path, "a,note\n1,hello\nz,world\n")
    with pytest.raises(DataError, match=r"data.csv: line 3, column 'a': 'z' is not a number"):
        read_csv_features(path, ["a"])


def test_read_csv_features_rejects_a_header_without_rows(tmp_path):
    with pytest.raises(DataError, match="header but no data rows"):
        read_csv_features(write(tmp_path, "a,b\n"), ["a"])
