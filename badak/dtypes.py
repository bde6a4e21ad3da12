"""dtype names and the rules that give an operation's dtype, as PyTorch has them.

The names are NumPy's dtypes under PyTorch's spellings, so `x.dtype == badak.float32` and
`x.dtype == np.float32` both hold.
"""

import builtins

from badak.device import np

float16 = half = np.float16
float32 = float = np.float32
float64 = double = np.float64
int32 = int = np.int32
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_

_PYTHON_SCALARS = (builtins.int, builtins.float, builtins.bool)


def default_array(value, dtype=None):
    """Array from Python data as `badak.tensor` makes it: floats float32 (PyTorch's default
    dtype), ints int64; an ndarray or NumPy scalar keeps its dtype unless `dtype` is given."""
    if isinstance(value, np.ndarray):
        return value if dtype is None else value.astype(dtype, copy=False)
    if isinstance(value, np.generic):
        return np.asarray(value, dtype=dtype)
    array = np.asarray(value, dtype=dtype)
    if dtype is None:
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "bc":
            raise TypeError(f"tensor: expected numbers, got data of dtype {array.dtype}")
    return array


def is_scalar(value):
    """True for a Python or NumPy number (not a 0-d array)."""
    return type(value) in _PYTHON_SCALARS or isinstance(value, np.generic)


def promote(arrays, dtype, scalars):
    """The operands of one operation, cast so that NumPy computes in PyTorch's result dtype.

    `dtype` is the first Tensor operand's; `scalars` says whether a number among the operands may
    need a cast. Numbers take the tensor's dtype, as in PyTorch; a float number with an integer or
    bool tensor makes the operation float32 (PyTorch's default dtype), and an int number with a
    bool tensor int64.
    """
    if not scalars and dtype.kind in "fc":
        return arrays
    numbers = [a for a in arrays if is_scalar(a)]
    if not numbers:
        return arrays
    if dtype.kind in "biu" and any(np.asarray(a).dtype.kind == "f" for a in numbers):
        dtype = np.dtype(np.float32)
        return [
            dtype.type(a) if is_scalar(a) else a.astype(dtype) if a.dtype.kind in "biu" else a
            for a in arrays
        ]
    if dtype.kind == "b" and any(np.asarray(a).dtype.kind in "iu" for a in numbers):
        dtype = np.dtype(np.int64)
    return [dtype.type(a) if is_scalar(a) else a for a in arrays]
