"""Tensor repr in PyTorch's style: `tensor([0.0900, 0.2447, 0.6652], requires_grad=True)`.

A port of PyTorch's `torch/_tensor_str.py` at its default print options, so that the two reprs
agree character for character. One element format serves the whole tensor, chosen from the
elements shown: 4 decimals, `1.` for whole numbers, scientific notation where the nonzero finite
magnitudes span more than 1000x or leave [1e-4, 1e8]. Past 1000 elements only the first and last
3 along each dim are shown.
"""

from badak.device import np

PRECISION = 4
THRESHOLD = 1000  # tensors with more elements are summarised
EDGEITEMS = 3
LINEWIDTH = 80
_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


class _Formatter:
    """The format and width of every element, chosen from `data` (the elements shown)."""

    def __init__(self, data):
        self.floating = data.dtype.kind == "f" or data.dtype.name == "bfloat16"
        self.int_mode, self.sci_mode = True, False
        if not self.floating:
            self.width = max([1, *(len(str(v)) for v in data.ravel().tolist())])
            return
        values = data[np.isfinite(data) & (data != 0)].astype(np.float64)
        if values.size:
            magnitudes = np.abs(values)
            wide = magnitudes.max() / magnitudes.min() > 1000 or magnitudes.max() > 1e8
            self.int_mode = bool(np.all(values == np.ceil(values)))
            self.sci_mode = bool(wide or (not self.int_mode and magnitudes.min() < 1e-4))
        # Only nonzero finite values set the width: "inf" may stick out past "1." (as in PyTorch)
        self.width = max([1, *(len(self._text(v)) for v in values.tolist())])

    def _text(self, value):
        if not self.floating:
            return str(value)
        if self.sci_mode:
            return f"{value:.{PRECISION}e}"
        if self.int_mode:
            return f"{value:.0f}" + ("." if np.isfinite(value) else "")
        return f"{value:.{PRECISION}f}"

    def format(self, value):
        return self._text(value).rjust(self.width)


def _summarized(data):
    """The elements a summarised repr shows: the first and last EDGEITEMS along each dim."""
    if data.ndim == 0:
        return data
    if data.shape[0] > 2 * EDGEITEMS:
        rows = [*range(EDGEITEMS), *range(len(data) - EDGEITEMS, len(data))]
    else:
        rows = range(len(data))
    if data.ndim == 1:
        return data[list(rows)]
    return np.stack([_summarized(data[i]) for i in rows])


def _vector(data, indent, summarize, formatter):
    per_line = max(1, (LINEWIDTH - indent) // (formatter.width + 2))
    if summarize and len(data) > 2 * EDGEITEMS:
        head, tail = data[:EDGEITEMS].tolist(), data[-EDGEITEMS:].tolist()
        items = [*map(formatter.format, head), " ...", *map(formatter.format, tail)]
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data, indent, summarize, formatter):
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, formatter)
    if summarize and len(data) > 2 * EDGEITEMS:
        rows = [*data[:EDGEITEMS], "...", *data[-EDGEITEMS:]]
    else:
        rows = list(data)
    slices = [
        r if isinstance(r, str) else _nested(r, indent + 1, summarize, formatter) for r in rows
    ]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text, suffixes, indent):
    """Join `, suffix` to text, starting a new line where one would pass LINEWIDTH."""
    line_length = len(text) - text.rfind("\n") + 1  # PyTorch's count, kept for equal output
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            line_length = indent + len(suffix)
        else:
            text += ", " + suffix
            line_length += len(suffix) + 2
    return text + ")"


def format_tensor(tensor, name="tensor"):
    data = tensor._data
    prefix = f"{name}("
    indent = len(prefix)
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != np.float32:  # no element shows whether an empty tensor holds ints
            suffixes.append(f"dtype=badak.{data.dtype}")
    else:
        summarize = data.size > THRESHOLD
        formatter = _Formatter(_summarized(data) if summarize else data)
        body = _nested(data, indent, summarize, formatter)
        if data.dtype not in _DEFAULT_DTYPES:
            suffixes.append(f"dtype=badak.{data.dtype}")
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
