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

PYTHON_SCALARS = (builtins.int, builtins.float, builtins.bool)


def default_array(value, dtype=None, name="tensor"):
    """Array from Python data as `badak.tensor` makes it: floats float32 (PyTorch's default
    dtype), ints int64; an ndarray or NumPy scalar keeps its dtype unless `dtype` is given.
    Data that is not numbers, or ragged, is a TypeError or ValueError naming `name`."""
    if isinstance(value, np.ndarray):
        return value if dtype is None else value.astype(dtype, copy=False)
    if isinstance(value, np.generic):
        return np.asarray(value, dtype=dtype)
    try:
        array = np.asarray(value, dtype=dtype)
    except ValueError as error:  # ragged lists; a string where a number is wanted
        raise ValueError(
            f"{name}: cannot make a tensor of this {type(value).__name__}: {error}"
        ) from None
    if dtype is None:
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "bc":
            raise TypeError(f"{name}: expected numbers, got data of dtype {array.dtype}")
    return array


def is_scalar(value):
    """True for a Python or NumPy number (not a 0-d array)."""
    return type(value) in PYTHON_SCALARS or isinstance(value, np.generic)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
# The dtype a Python number of each category gives where it decides the result (PyTorch's
# defaults: int64, float32, complex64).
_NUMBER_DTYPE = {1: np.dtype(np.int64), 2: np.dtype(np.float32), 3: np.dtype(np.complex64)}


def _widest(dtypes):
    """Among dtypes of one priority, PyTorch's pick: the highest category, and within it the
    dtype that holds them all (uint8 with int8: int16)."""
    top = max(_CATEGORY[d.kind] for d in dtypes)
    return np.result_type(*[d for d in dtypes if _CATEGORY[d.kind] == top])


def result_dtype(operands):
    """The dtype of an operation on `operands` (arrays of the Tensors, numbers), by PyTorch's
    rule: tensors with dims decide; a 0-d tensor of a higher category, then a number of a higher
    category, lifts the result to that category (a number to its default dtype)."""
    shaped, zero_d, numbers = [], [], []
    for a in operands:
        if isinstance(a, np.ndarray):
            (shaped if a.ndim else zero_d).append(a.dtype)
        elif is_scalar(a):
            numbers.append(a)
    result = _widest(shaped or zero_d)
    if shaped and zero_d:
        lifted = _widest(zero_d)
        if _CATEGORY[lifted.kind] > _CATEGORY[result.kind]:
            result = lifted
    if numbers:
        kind = max(_CATEGORY[np.asarray(n).dtype.kind] for n in numbers)
        if kind > _CATEGORY[result.kind]:
            result = _NUMBER_DTYPE[kind]
    return result


def promote(arrays, dtype, scalars):
    """The operands of one operation (arrays of its Tensors, numbers, None), cast to PyTorch's
    result dtype, so that NumPy computes in it (Tensor's `_promote` hook).

    `dtype` is the first Tensor operand's; `scalars` says whether a NumPy number, or on NumPy 1
    a Python number, is among them. The common case, operands of one floating dtype with no
    number to cast, returns at once.
    """
    if not scalars and dtype.kind in "fc":
        # Python numbers are weak in NumPy 2 (NEP 50), as in PyTorch: only arrays can differ.
        for a in arrays:
            if type(a) is np.ndarray and a.dtype != dtype:
                break
        else:
            return arrays
    target = result_dtype(arrays)
    return [
        a.astype(target) if isinstance(a, np.ndarray) and a.dtype != target
        else target.type(a) if is_scalar(a)
        else a  # None (an absent bias) and the like
        for a in arrays
    ]  # fmt: skip


def as_float32(arrays):
    """Integer and bool arrays and numbers among `arrays` as float32 (a floating-valued op's
    operands, where the first Tensor operand is integer or bool)."""
    return [
        a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind in "biu"
        else np.float32(a) if is_scalar(a) and np.asarray(a).dtype.kind in "biu"
        else a
        for a in arrays
    ]  # fmt: skip  # NumPy 2 keeps a float array's dtype with these
