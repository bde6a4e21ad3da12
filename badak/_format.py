"""Tensor repr in PyTorch's style: `tensor([0.0900, 0.2447, 0.6652], requires_grad=True)`."""

from badak.backend import np

_DEFAULT_DTYPES = (np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_))


def _element_format(data):
    """A function formatting one element, chosen for the whole tensor as PyTorch chooses."""
    if data.dtype.kind == "b":
        return lambda v: "True" if v else "False"
    if data.dtype.kind in "iu":
        return str
    finite = np.abs(data[np.isfinite(data)].astype(np.float64))
    if finite.size and np.all(finite == np.round(finite)) and finite.max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(float(v))
    nonzero = finite[finite != 0]
    scientific = nonzero.size and (
        nonzero.max() / nonzero.min() > 1000 or nonzero.max() > 1e8 or nonzero.min() < 1e-4
    )
    pattern = "{:.4e}" if scientific else "{:.4f}"
    return lambda v: pattern.format(v) if np.isfinite(v) else str(float(v))


def format_tensor(tensor, name="tensor"):
    data = tensor.data
    prefix = f"{name}("
    suffixes = []
    if data.size == 0:
        body = "[]"
        if data.ndim > 1:
            suffixes.append(f"size={tuple(data.shape)}")
    else:
        element = _element_format(data)
        width = max(len(element(v)) for v in data.reshape(-1))
        body = np.array2string(
            data,
            separator=", ",
            prefix=prefix,
            max_line_width=80,
            threshold=1000,
            edgeitems=3,
            formatter={"all": lambda v: element(v).rjust(width)},
        )
    if data.dtype not in _DEFAULT_DTYPES:
        suffixes.append(f"dtype=badak.{data.dtype}")
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + ", ".join([body, *suffixes]) + ")"
