"""badak/data/table.py: CSV, TSV, compressed and Parquet files read into columns."""

import bz2
import gzip
import lzma
import math
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from badak.data import DataError, Table, read_table
from badak.data.table import _CHUNK_ROWS, _SAMPLE_CHARS, is_numbers


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def assert_numbers(column, expected):
    assert column.dtype == np.float64
    np.testing.assert_array_equal(column, np.array(expected, np.float64))


def assert_text(column, expected):
    assert column.dtype == object
    assert column.tolist() == expected


IRIS_LIKE = "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3, 6.0 ,virginica\n"


# ----------------------------------------------------------------------------------------------
# Columns of numbers and of text
# ----------------------------------------------------------------------------------------------
def test_a_csv_file_gives_number_and_text_columns_in_file_order(tmp_path):
    table = read_table(write(tmp_path, IRIS_LIKE, "iris.csv"))
    assert isinstance(table, Table) and table.name == "iris" and len(table) == 3
    assert list(table.columns) == ["sepal", "petal", "species"]
    assert_numbers(table.columns["sepal"], [5.1, 7.0, 6.3])
    assert_numbers(table.columns["petal"], [1.4, 4.7, 6.0])  # " 6.0 " stripped
    assert_text(table.columns["species"], ["setosa", "versicolor", "virginica"])
    assert is_numbers(table.columns["petal"]) and not is_numbers(table.columns["species"])
    np.testing.assert_array_equal(table.lines, [2, 3, 4])
    assert table.lines.dtype == np.int64


@pytest.mark.parametrize("token", ["", "NA", "n/a", "NaN", "null", "None", "?", "#N/A", "<NA>"])
def test_missing_tokens_are_nan_in_numbers_and_none_in_text(tmp_path, token):
    text = f"x,kind\n1.5,cat\n{token},{token}\n2.5, {token.lower()} \n"
    table = read_table(write(tmp_path, text))
    x = table.columns["x"]
    assert x.dtype == np.float64 and x[0] == 1.5 and math.isnan(x[1]) and x[2] == 2.5
    assert_text(table.columns["kind"], ["cat", None, None])


def test_a_column_with_no_value_at_all_reads_as_numbers_of_nan(tmp_path):
    table = read_table(write(tmp_path, "a,b\n1,\n2,NA\n"))
    assert table.columns["b"].dtype == np.float64 and np.isnan(table.columns["b"]).all()


def test_a_number_column_turning_to_text_becomes_text(tmp_path):
    table = read_table(write(tmp_path, "a,b\n3.0,1\n2.5,2\nNA,3\nlarge,4\n"))
    assert_text(table.columns["a"], ["3.0", "2.5", None, "large"])  # one chunk: as spelt
    assert_numbers(table.columns["b"], [1, 2, 3, 4])


def test_a_column_turning_to_text_beyond_the_first_chunk(tmp_path):
    n = 3 * _CHUNK_ROWS
    rows = [f"{i},{i % 7}\n" for i in range(n)]
    rows[n - 10] = f"{n - 10},seven\n"  # in the last chunk
    table = read_table(write(tmp_path, "a,b\n" + "".join(rows)))
    b = table.columns["b"]
    assert b.dtype == object and len(b) == n
    expected = [str(i % 7) for i in range(n)]
    expected[n - 10] = "seven"
    assert b.tolist() == expected
    assert_numbers(table.columns["a"], np.arange(n))


def test_numbers_read_before_a_column_turns_to_text_are_spelt_back(tmp_path):
    rows = ["3.0,1\n", "2.50,2\n", "NA,3\n"] * _CHUNK_ROWS + ["large,4\n"]
    column = read_table(write(tmp_path, "a,b\n" + "".join(rows))).columns["a"]
    assert column.dtype == object and column[-1] == "large"
    assert column[:6].tolist() == ["3", "2.5", None, "3", "2.5", None]


def test_text_columns_keep_numbers_as_spelt_by_name_or_position(tmp_path):
    text = "code,x,zip\n007,1,01234\n12.50,2,NA\n3,3,99999\n"
    table = read_table(write(tmp_path, text), text_columns=["code", -1])
    assert_text(table.columns["code"], ["007", "12.50", "3"])
    assert_text(table.columns["zip"], ["01234", None, "99999"])
    assert_numbers(table.columns["x"], [1, 2, 3])
    plain = read_table(write(tmp_path, text))
    assert_numbers(plain.columns["code"], [7, 12.5, 3])


def test_text_columns_that_name_nothing_are_ignored(tmp_path):
    table = read_table(write(tmp_path, "a,b\n1,2\n3,4\n"), text_columns=["zzz", 5, -3])
    assert all(is_numbers(c) for c in table.columns.values())


def test_more_rows_than_one_chunk(tmp_path):
    n = 10_000
    rows = "".join(f"{i},{i % 3}\n" for i in range(n))
    table = read_table(write(tmp_path, "a,y\n" + rows))
    assert len(table) == n
    assert_numbers(table.columns["a"], np.arange(n))
    assert_numbers(table.columns["y"], np.arange(n) % 3)
    np.testing.assert_array_equal(table.lines, np.arange(2, n + 2))


def test_a_byte_order_mark_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,y\n1,x\n\n2,z\n\n".encode())
    table = read_table(path)
    assert list(table.columns) == ["a", "y"]  # not "\ufeffa"
    assert_numbers(table.columns["a"], [1, 2])
    assert_text(table.columns["y"], ["x", "z"])
    np.testing.assert_array_equal(table.lines, [2, 4])


def test_rows_restricts_columns_and_lines(tmp_path):
    table = read_table(write(tmp_path, "a,y\n1,p\n2,q\n3,r\n"))
    part = table.rows(np.array([2, 0]))
    assert isinstance(part, Table) and part.name == "data" and len(part) == 2
    assert_numbers(part.columns["a"], [3, 1])
    assert_text(part.columns["y"], ["r", "p"])
    np.testing.assert_array_equal(part.lines, [4, 2])
    masked = table.rows(np.array([False, True, False]))
    assert masked.columns["y"].tolist() == ["q"] and masked.lines.tolist() == [3]


# ----------------------------------------------------------------------------------------------
# Delimiters and quoting
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(tmp_path, sep):
    rows = [["x", "y", "kind"], ["1.5", "2.25", "a b"], ["-3.5", "4e2", "c"], ["7", ".5", "a b"]]
    table = read_table(write(tmp_path, "".join(sep.join(r) + "\n" for r in rows)))
    assert list(table.columns) == ["x", "y", "kind"]
    assert_numbers(table.columns["x"], [1.5, -3.5, 7])  # decimal points, whatever the delimiter
    assert_numbers(table.columns["y"], [2.25, 400, 0.5])
    assert_text(table.columns["kind"], ["a b", "c", "a b"])


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_decimal_commas_in_a_file_not_separated_by_commas(tmp_path, sep):
    rows = [["x", "y", "kind"], ["1,5", "-2,25", "a"], ["3", "1,5e2", "b,c"]]
    table = read_table(write(tmp_path, "".join(sep.join(r) + "\n" for r in rows)))
    assert list(table.columns) == ["x", "y", "kind"]
    assert_numbers(table.columns["x"], [1.5, 3])
    assert_numbers(table.columns["y"], [-2.25, 150])
    assert_text(table.columns["kind"], ["a", "b,c"])


def test_sep_overrides_the_sniffed_delimiter(tmp_path):
    path = write(tmp_path, "a;b,c\n1;p,q\nx;r,s\n")  # two fields a line either way: comma wins
    sniffed = read_table(path)
    assert list(sniffed.columns) == ["a;b", "c"]
    table = read_table(path, sep=";")
    assert list(table.columns) == ["a", "b,c"]
    assert_text(table.columns["b,c"], ["p,q", "r,s"])


@pytest.mark.parametrize("sep", ["\\t", "tab", "\t"])
def test_sep_names_a_tab(tmp_path, sep):
    path = write(tmp_path, "a,b\tc\nx,y\t3\nz,w\t6\n")
    assert list(read_table(path, sep=sep).columns) == ["a,b", "c"]


def test_sep_of_two_characters_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"--sep must be one character .*got ';;'"):
        read_table(write(tmp_path, "a,b\n1,2\n"), sep=";;")


@pytest.mark.parametrize("name", ["data.tsv", "data.tab", "data.tsv.gz"])
def test_a_tsv_file_is_split_on_tabs(tmp_path, name):
    text = "a,b\tc\nx,y\t3\nz,w\t6\n"  # sniffing alone would pick the comma (a tie)
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    table = read_table(path)
    assert table.name == "data" and list(table.columns) == ["a,b", "c"]
    assert_text(table.columns["a,b"], ["x,y", "z,w"])
    assert_numbers(table.columns["c"], [3, 6])


def test_quoted_fields_hold_the_delimiter_and_newlines(tmp_path):
    text = 'name,note,x\n"Smith, J","line one\nline two",1\nLee,"say ""hi""",2\n'
    table = read_table(write(tmp_path, text))
    assert_text(table.columns["name"], ["Smith, J", "Lee"])
    assert_text(table.columns["note"], ["line one\nline two", 'say "hi"'])
    assert_numbers(table.columns["x"], [1, 2])


def test_lines_are_file_lines_with_multiline_fields_and_blank_lines(tmp_path):
    text = 'a,b\n\n1,"x\ny\nz"\n2,w\n\n\n3,"p\nq"\n4,v\n'
    table = read_table(write(tmp_path, text))
    assert_numbers(table.columns["a"], [1, 2, 3, 4])
    # each row is numbered by the line it ends on
    np.testing.assert_array_equal(table.lines, [5, 6, 10, 11])


def test_lines_stay_right_when_the_sample_ends_between_cr_and_lf(tmp_path):
    head, rows, i = "a,b\r\n", [], 0
    size = len(head)
    while size < _SAMPLE_CHARS - 20:
        rows.append(f"{i},x\r\n")
        size += len(rows[-1])
        i += 1
    filler = "y" * (_SAMPLE_CHARS - 1 - size - len(f"{i},"))
    rows += [f"{i},{filler}\r\n"] + [f"{i + k},z\r\n" for k in range(1, 6)]
    text = head + "".join(rows)
    assert text[_SAMPLE_CHARS - 1 : _SAMPLE_CHARS + 1] == "\r\n"  # the sample's last char: \r
    table = read_table(write(tmp_path, text))
    assert len(table) == len(rows)
    np.testing.assert_array_equal(table.lines, np.arange(2, len(rows) + 2))


# ----------------------------------------------------------------------------------------------
# Header detection
# ----------------------------------------------------------------------------------------------
def test_a_first_row_of_numbers_is_data(tmp_path):
    table = read_table(write(tmp_path, "1,2.5,3\n4,5,6\n"))
    assert list(table.columns) == ["column1", "column2", "column3"]
    assert_numbers(table.columns["column2"], [2.5, 5])
    np.testing.assert_array_equal(table.lines, [1, 2])


def test_a_single_row_of_numbers_is_a_table_of_one_row(tmp_path):
    table = read_table(write(tmp_path, "1,2\n"))
    assert len(table) == 1 and list(table.columns) == ["column1", "column2"]


def test_a_text_row_above_numbers_is_a_header(tmp_path):
    table = read_table(write(tmp_path, "x,y,label\n1,2,cat\n3,4,dog\n"))
    assert list(table.columns) == ["x", "y", "label"]
    assert_text(table.columns["label"], ["cat", "dog"])


def test_an_all_text_table_with_a_header(tmp_path):
    table = read_table(write(tmp_path, "colour,size\nred,small\nblue,large\nred,large\n"))
    assert list(table.columns) == ["colour", "size"]
    assert_text(table.columns["colour"], ["red", "blue", "red"])


def test_an_all_text_table_without_a_header(tmp_path):
    table = read_table(write(tmp_path, "red,small\nblue,large\nred,large\n"))
    assert list(table.columns) == ["column1", "column2"]
    assert_text(table.columns["column1"], ["red", "blue", "red"])
    np.testing.assert_array_equal(table.lines, [1, 2, 3])


def test_header_false_reads_the_first_row_as_data(tmp_path):
    table = read_table(write(tmp_path, "x,y\n1,2\n3,4\n"), header=False)
    assert list(table.columns) == ["column1", "column2"]
    assert_text(table.columns["column1"], ["x", "1", "3"])
    np.testing.assert_array_equal(table.lines, [1, 2, 3])


def test_header_true_names_columns_with_the_first_row(tmp_path):
    table = read_table(write(tmp_path, "10,20\n1,2\n3,4\n"), header=True)
    assert list(table.columns) == ["10", "20"]
    assert_numbers(table.columns["20"], [2, 4])
    text = read_table(write(tmp_path, "red,small\nblue,large\nred,large\n"), header=True)
    assert list(text.columns) == ["red", "small"] and len(text) == 2


def test_a_pandas_index_column_is_named_column1(tmp_path):
    frame = pd.DataFrame({"height": [1.5, 2.0, None], "kind": ["a", "b", None]})
    path = tmp_path / "frame.csv"
    frame.to_csv(path)  # a first column without a name: the index
    table = read_table(path)
    assert list(table.columns) == ["column1", "height", "kind"]
    assert_numbers(table.columns["column1"], [0, 1, 2])
    assert table.columns["height"][:2].tolist() == [1.5, 2.0]
    assert math.isnan(table.columns["height"][2])
    assert_text(table.columns["kind"], ["a", "b", None])


def test_an_unnamed_column_in_the_middle_is_named_by_its_position(tmp_path):
    table = read_table(write(tmp_path, "a, ,c\n1,2,3\n"))
    assert list(table.columns) == ["a", "column2", "c"]


# ----------------------------------------------------------------------------------------------
# Compressed files and Parquet
# ----------------------------------------------------------------------------------------------
TEXT = "x,kind\n1.5,cat\n2.5,dog\n"


def zipped(text):
    def make(path):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("inner/table.csv", text)

    return make


@pytest.mark.parametrize(
    "name, compress",
    [
        ("data.csv.gz", gzip.compress),
        ("data.csv.bz2", bz2.compress),
        ("data.csv.xz", lzma.compress),
        ("data.csv", gzip.compress),  # wrongly named: recognised by its first bytes
        ("data.txt", bz2.compress),
    ],
)
def test_compressed_files_are_recognised_by_their_first_bytes(tmp_path, name, compress):
    path = tmp_path / name
    path.write_bytes(compress(TEXT.encode()))
    table = read_table(path)
    assert table.name == "data"
    assert_numbers(table.columns["x"], [1.5, 2.5])
    assert_text(table.columns["kind"], ["cat", "dog"])
    np.testing.assert_array_equal(table.lines, [2, 3])


def test_a_zip_file_of_one_table(tmp_path):
    path = tmp_path / "data.csv.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("folder/", "")  # a folder entry does not count as a member
        archive.writestr("folder/table.csv", TEXT)
    table = read_table(path)
    assert table.name == "data"
    assert_text(table.columns["kind"], ["cat", "dog"])


def test_a_zip_file_of_two_tables_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", TEXT)
        archive.writestr("b.csv", TEXT)
    with pytest.raises(DataError, match=r"two.zip: cannot be read .*one table.*a\.csv, b\.csv"):
        read_table(path)


def test_a_truncated_gzip_file_is_refused(tmp_path):
    path = tmp_path / "data.csv.gz"
    rows = "".join(f"{i},{i * 7919 % 10007}\n" for i in range(5000))
    packed = gzip.compress(("x,y\n" + rows).encode())
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataError, match="data.csv.gz: cannot be read"):
        read_table(path)


def test_a_parquet_file_with_nulls(tmp_path):
    arrow = pa.table(
        {
            "count": pa.array([1, None, 3], pa.int64()),
            "weight": pa.array([1.5, 2.5, None], pa.float64()),
            "kind": pa.array(["cat", None, "dog"], pa.string()),
        }
    )
    path = tmp_path / "pets.parquet"
    pq.write_table(arrow, path)
    table = read_table(path)
    assert table.name == "pets" and table.lines is None and len(table) == 3
    assert list(table.columns) == ["count", "weight", "kind"]
    count, weight = table.columns["count"], table.columns["weight"]
    assert count.dtype == np.float64 and count[0] == 1 and math.isnan(count[1]) and count[2] == 3
    assert weight.dtype == np.float64 and weight[:2].tolist() == [1.5, 2.5]
    assert math.isnan(weight[2])
    assert_text(table.columns["kind"], ["cat", None, "dog"])
    assert table.rows(np.array([2])).columns["kind"].tolist() == ["dog"]
    kept = read_table(path, text_columns=["count", "weight"])
    assert_text(kept.columns["count"], ["1", None, "3"])
    assert_text(kept.columns["weight"], ["1.5", "2.5", None])


def test_a_parquet_file_named_csv_is_still_parquet(tmp_path):
    path = tmp_path / "data.csv"
    pq.write_table(pa.table({"a": [1.0, 2.0]}), path)
    assert_numbers(read_table(path).columns["a"], [1, 2])


def test_an_empty_parquet_file_is_refused(tmp_path):
    path = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.float64())}), path)
    with pytest.raises(DataError, match="empty.parquet: the table has no rows"):
        read_table(path)


# ----------------------------------------------------------------------------------------------
# Files that cannot be read
# ----------------------------------------------------------------------------------------------
def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(DataError, match="missing.csv: no such file"):
        read_table(tmp_path / "missing.csv")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(DataError, match="not a file"):
        read_table(tmp_path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_file_is_refused(tmp_path, text):
    with pytest.raises(DataError, match="data.csv: the file is empty"):
        read_table(write(tmp_path, text))


def test_a_header_without_rows_is_refused(tmp_path):
    with pytest.raises(DataError, match="data.csv: the file has a header but no data rows"):
        read_table(write(tmp_path, "a,b,y\n"))


def test_ragged_rows_are_refused_with_the_line(tmp_path):
    with pytest.raises(
        DataError, match="data.csv: line 4 has 2 columns, expected 3 as in the first row"
    ):
        read_table(write(tmp_path, "a,b,y\n1,2,p\n\n3,4\n"))


def test_a_ragged_row_beyond_the_first_chunk_names_its_line(tmp_path):
    rows = ["1,2\n"] * (2 * _CHUNK_ROWS) + ["1,2,3\n"]
    with pytest.raises(DataError, match=f"line {2 * _CHUNK_ROWS + 2} has 3 columns"):
        read_table(write(tmp_path, "a,b\n" + "".join(rows)))


def test_duplicate_column_names_are_refused(tmp_path):
    with pytest.raises(
        DataError, match=r"data.csv: duplicate column name 'a' in the header \(columns 1 and 3\)"
    ):
        read_table(write(tmp_path, "a,b, a ,y\n1,2,3,p\n"))


def test_a_binary_file_is_not_utf8_text(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(DataError, match="image.csv: not a UTF-8 text file"):
        read_table(path)


def test_a_latin1_byte_far_into_the_file_is_not_utf8_text(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(("a,b\n" + "1,x\n" * 30_000).encode() + "2,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv: not a UTF-8 text file"):
        read_table(path)
