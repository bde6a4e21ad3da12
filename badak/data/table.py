"""Reading a table file into columns: CSV and TSV (plain or compressed), and Parquet.

A CSV file's delimiter is sniffed (comma, semicolon, tab or bar) and its header detected, unless
the caller says (`sep`, `header`). gzip, bz2, xz and single-member zip files are recognised by
their first bytes, whatever their name; text is UTF-8, with or without a byte-order mark.
Parquet needs pyarrow (the `tables` extra).

A column comes back as numbers when every cell that is not missing is a number (float64, NaN
where missing), else as text (an object array of stripped str, None where missing). Missing
cells are the empty ones and the usual spellings: NA, N/A, NaN, null, None, ?. In a file not
separated by commas, a decimal comma (3,5) is read as a decimal point.

Every problem raises DataError with one line naming the file and, for a bad row, its line.
"""

import bz2
import csv
import gzip
import io
import lzma
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

from badak.data.errors import DataError
from badak.device import np

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a", "<na>"})
DELIMITERS = (",", ";", "\t", "|")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zip")
_CHUNK_ROWS = 4096  # rows held as Python strings before their columns are packed into arrays
_SAMPLE_CHARS = 1 << 16  # text read to sniff the delimiter and the header
_SAMPLE_ROWS = 50


@dataclass
class Table:
    """A table's columns, in file order.

    Attributes:
        name: the file's name without its suffixes (`penguins` for penguins.csv.gz).
        columns: name -> (N,) array: float64 numbers (NaN where missing) or object text (None
            where missing).
        lines: (N,) int64, the file line each row ends on (for messages); None for Parquet.
    """

    name: str
    columns: dict
    lines: np.ndarray = None

    def __len__(self):
        return len(next(iter(self.columns.values())))

    def rows(self, index):
        """The table restricted to rows `index` (an int array or a boolean mask)."""
        lines = None if self.lines is None else self.lines[index]
        return Table(self.name, {k: v[index] for k, v in self.columns.items()}, lines)


def is_numbers(column):
    """True for a column of numbers, False for text (an object column as read, or str)."""
    return column.dtype.kind in "biuf"


def read_table(path, sep=None, header=None, text_columns=()):
    """The columns of a CSV, TSV or Parquet file.

    Args:
        path: the file.
        sep: the CSV delimiter (`\\t` or `tab` for a tab); None sniffs it.
        header: True if the first row names the columns, False if it is data (the columns are
            then named column1, column2, ...), None to detect it.
        text_columns: columns (names, or positions such as -1 for the last) kept as text even
            where they hold numbers, spelt as in the file: labels, ids.
    Returns:
        a Table with at least one row. Raises DataError for a missing, empty or malformed file.
    """
    file = Path(path)
    if not file.exists():
        raise DataError(f"{path}: no such file")
    if not file.is_file():
        raise DataError(f"{path}: not a file")
    try:
        raw = _open_decompressed(file)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as error:
        raise DataError(f"{path}: cannot be read ({error})") from None
    with raw:
        try:
            if raw.peek(4)[:4] == b"PAR1":
                table = _read_parquet(path, raw, text_columns)
            else:
                table = _read_csv(path, raw, _separator(sep, file), header, text_columns)
        except (OSError, EOFError, lzma.LZMAError) as error:  # a damaged compressed stream
            raise DataError(f"{path}: cannot be read ({error})") from None
    return table


def table_name(path):
    """`penguins` for penguins.csv, penguins.csv.gz or penguins.tsv.zip."""
    name = Path(path).name
    for suffix in COMPRESSED_SUFFIXES:
        name = name.removesuffix(suffix)
    return Path(name).stem or name


# ----------------------------------------------------------------------------------------------
# Opening: compression is recognised by the first bytes
# ----------------------------------------------------------------------------------------------
def _open_decompressed(file):
    """A buffered binary stream of the file's (decompressed) bytes."""
    with open(file, "rb") as probe:
        magic = probe.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return io.BufferedReader(gzip.open(file, "rb"))
    if magic.startswith(b"BZh"):
        return io.BufferedReader(bz2.open(file, "rb"))
    if magic.startswith(b"\xfd7zXZ\x00"):
        return io.BufferedReader(lzma.open(file, "rb"))
    if magic.startswith(b"PK\x03\x04"):
        archive = zipfile.ZipFile(file)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            names = ", ".join(m.filename for m in members) or "nothing"
            raise OSError(f"a zip archive must hold one table, this one holds {names}")
        return io.BufferedReader(archive.open(members[0]))
    return open(file, "rb")


def _separator(sep, file):
    if sep is None:
        suffixes = [s for s in file.suffixes if s not in COMPRESSED_SUFFIXES]
        return "\t" if suffixes and suffixes[-1] in (".tsv", ".tab") else None
    if sep in ("\\t", "tab", "TAB"):
        return "\t"
    if len(sep) != 1:
        raise DataError(f"--sep must be one character (or \\t), got {sep!r}")
    return sep


def _text_names(names, text_columns):
    """The names among `names` that text_columns (names or positions) picks."""
    picked = set()
    for item in text_columns:
        if isinstance(item, int):
            if -len(names) <= item < len(names):
                picked.add(names[item])
        elif item in names:
            picked.add(item)
    return picked


def _read_parquet(path, raw, text_columns):
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:
        # An installed pyarrow can still fail to import (pyarrow 26 refuses NumPy 1.x): say why.
        raise DataError(
            f"{path}: reading Parquet needs pyarrow (pip install 'badak[tables]'): {error}"
        ) from None
    try:
        arrow = parquet.read_table(io.BytesIO(raw.read()))
    except Exception as error:  # pyarrow's errors have no common base beyond Exception
        raise DataError(f"{path}: not a readable Parquet file ({error})") from None
    if arrow.num_rows == 0:
        raise DataError(f"{path}: the table has no rows")
    columns, text = {}, _text_names(arrow.column_names, text_columns)
    for name, column in zip(arrow.column_names, arrow.columns):
        values = column.to_pylist()
        numeric = str(column.type).startswith(("int", "uint", "float", "double", "decimal"))
        if numeric and name not in text:
            columns[name] = np.array([math.nan if v is None else v for v in values], np.float64)
        elif numeric:
            columns[name] = _text([None if v is None else format_number(v) for v in values])
        else:
            columns[name] = _text([None if v is None else str(v) for v in values])
    return Table(table_name(path), columns)


# ----------------------------------------------------------------------------------------------
# CSV: dialect and header from a sample, then the rows in chunks
# ----------------------------------------------------------------------------------------------
def _read_csv(path, raw, sep, header, text_columns):
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        sample = text.read(_SAMPLE_CHARS)
        if sample.endswith("\r"):  # keep a \r\n together: _Replay takes a lone \r as a line end
            sample += text.read(1)
        sep = sep or _sniff_delimiter(sample)
        reader = csv.reader(_Replay(sample, text), delimiter=sep)
        rows = _Rows(path, reader)
        first = rows.next()
        if first is None:
            raise DataError(f"{path}: the file is empty; expected rows of comma-separated values")
        ahead = []
        while len(ahead) < _SAMPLE_ROWS and (row := rows.next()) is not None:
            ahead.append(row)
        if header is None:
            header = _looks_like_header(first, ahead)
        if header:
            names = _column_names(path, first)
            ahead_lines = rows.lines[1:]
        else:
            names = [f"column{i + 1}" for i in range(len(first))]
            ahead, ahead_lines = [first, *ahead], rows.lines
        if not ahead:
            raise DataError(f"{path}: the file has a header but no data rows")
        builder = _Columns(path, names, _text_names(names, text_columns), sep != ",")
        builder.add(ahead, ahead_lines)
        rows.lines = []
        chunk = []
        while (row := rows.next()) is not None:
            chunk.append(row)
            if len(chunk) == _CHUNK_ROWS:
                builder.add(chunk, rows.lines)
                chunk, rows.lines = [], []
        builder.add(chunk, rows.lines)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not a UTF-8 text file ({error.reason})") from None
    finally:
        text.detach()  # the caller closes the raw stream
    return Table(table_name(path), builder.columns(), builder.line_numbers())


class _Replay:
    """The sample already read, then the rest of the stream, line by line (for csv.reader)."""

    def __init__(self, sample, rest):
        self.lines = iter(io.StringIO(sample, newline=""))
        self.rest = rest
        self.carry = ""

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self.lines, None)
        if line is not None:
            if line.endswith(("\n", "\r")):
                return line
            self.carry = line  # the sample ended inside this line
        line = self.carry + self.rest.readline()
        self.carry = ""
        if not line:
            raise StopIteration
        return line


class _Rows:
    """Non-blank rows from a csv.reader, each row's line number kept in `lines`."""

    def __init__(self, path, reader):
        self.path, self.reader, self.lines = path, reader, []

    def next(self):
        try:
            for row in self.reader:
                if len(row) > 1 or (row and row[0].strip()):
                    self.lines.append(self.reader.line_num)
                    return row
        except csv.Error as error:
            raise DataError(f"{self.path}: line {self.reader.line_num}: {error}") from None
        return None


def _sniff_delimiter(sample):
    """The candidate delimiter that splits the sample's lines into the same number (> 1) of
    fields most often; a comma when none does."""
    lines = sample.splitlines()[:-1] or sample.splitlines()  # the last may be cut short
    lines = [line for line in lines if line.strip()][:_SAMPLE_ROWS]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        width = max(set(counts), key=counts.count)
        score = (counts.count(width), width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _is_number(cell):
    cell = cell.strip()
    if cell.lower() in MISSING:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _looks_like_header(first, ahead):
    """Whether the first row names the columns, judged against the rows after it.

    A row of numbers is data. A text cell above a column of numbers is a name. Where every
    column is text, the first row is a header if none of its cells appears again below it.
    """
    if all(_is_number(cell) for cell in first):
        return False
    columns = list(zip(*(row for row in ahead if len(row) == len(first))))
    if not columns:
        return True
    for cell, below in zip(first, columns):
        if not _is_number(cell) and all(_is_number(c) for c in below):
            return True
    return all(
        cell.strip() not in {c.strip() for c in below} for cell, below in zip(first, columns)
    )


def _column_names(path, row):
    """Stripped names, without single quotes around them ('age' -> age, as some files write
    them); an unnamed column (a pandas index) is called column<position>."""
    names = [_unquoted(name.strip()) or f"column{i + 1}" for i, name in enumerate(row)]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise DataError(
                f"{path}: duplicate column name {name!r} in the header "
                f"(columns {names.index(name) + 1} and {i + 1})"
            )
    return names


def _unquoted(name):
    return name[1:-1].strip() if len(name) >= 2 and name[0] == name[-1] == "'" else name


class _Columns:
    """Chunks of rows packed column by column into number or text arrays."""

    def __init__(self, path, names, text, decimal_comma):
        self.path, self.names, self.decimal_comma = path, names, decimal_comma
        self.chunks = {name: [] for name in names}
        self.numbers = {name: name not in text for name in names}  # still a column of numbers?
        self.lines = []

    def add(self, rows, lines):
        if not rows:
            return
        for row, line in zip(rows, lines):
            if len(row) != len(self.names):
                raise DataError(
                    f"{self.path}: line {line} has {len(row)} columns, "
                    f"expected {len(self.names)} as in the first row"
                )
        self.lines.append(np.asarray(lines, np.int64))
        if all(self.numbers.values()):
            try:  # the common case, a chunk of numbers only, in one call
                block = np.array(rows, dtype=np.float64)
            except ValueError:
                block = None
            if block is not None:
                for j, name in enumerate(self.names):
                    self.chunks[name].append(block[:, j])
                return
        for j, name in enumerate(self.names):
            cells = [row[j] for row in rows]
            values = _numbers(cells, self.decimal_comma) if self.numbers[name] else None
            if values is None:
                if self.numbers[name]:  # the column turns out to hold text: so do earlier rows
                    self.numbers[name] = False
                    self.chunks[name] = [_as_text(c) for c in self.chunks[name]]
                values = _text(cells)
            self.chunks[name].append(values)

    def columns(self):
        return {name: np.concatenate(self.chunks[name]) for name in self.names}

    def line_numbers(self):
        return np.concatenate(self.lines)


def _numbers(cells, decimal_comma=False):
    """float64 values (NaN where missing), or None if a cell is neither a number nor missing.

    With decimal_comma (a file not separated by commas), 3,5 reads as 3.5, as European
    spreadsheets write it.
    """
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    values = np.empty(len(cells), np.float64)
    for i, cell in enumerate(cells):
        cell = cell.strip()
        if cell.lower() in MISSING:
            values[i] = math.nan
            continue
        if decimal_comma and "," in cell and "." not in cell:
            cell = cell.replace(",", ".", 1)
        try:
            values[i] = float(cell)
        except ValueError:
            return None
    return values


def _text(cells):
    """Stripped cells as an object array, None where missing."""
    out = np.empty(len(cells), object)
    for i, cell in enumerate(cells):
        cell = None if cell is None else cell.strip()
        out[i] = None if cell is None or cell.lower() in MISSING else cell
    return out


def _as_text(numbers):
    """Numbers read before a column showed text, spelled back (integers without `.0`)."""
    return _text([None if math.isnan(v) else format_number(v) for v in numbers.tolist()])


def format_number(value):
    """A number as a category name: 3.0 -> "3", 2.5 -> "2.5"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
