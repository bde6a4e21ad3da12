"""Making tensors: from data (tensor, as_tensor, from_numpy), filled (zeros, ones, full, empty,
eye, arange, linspace, the *_like family) and random (rand, randn, randint, randperm) from
badak's generator. Floats default to float32. Each takes PyTorch's `device=` (the CPU; another
device is a RuntimeError saying which badak has).
"""

from badak.device import device as _device
from badak.device import np
from badak.dtypes import default_array
from badak.functions._args import shape_arg
from badak.random import default_generator
from badak.tensor import Tensor


def _finish(data, requires_grad, device=None):
    if device is not None:
        _device(device)  # raises for a device badak cannot serve
    tensor = Tensor._from_array(data)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data`, as torch.tensor.

    Args:
        data: a number, a (nested) list or tuple of numbers, an ndarray or a Tensor.
        dtype: the dtype; by default Python floats give float32, ints int64, bools bool, and an
            ndarray or NumPy number keeps its own.
        device: must name the CPU, the one device badak has.
        requires_grad: record operations on the result for backward.

    Shape: data's: () for a number, (N,) for a flat list of N, (N, D) for N lists of D.
    """
    if isinstance(data, Tensor):
        data = data._data
    array = default_array(data, dtype)
    return _finish(np.array(array, copy=True), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, as torch.as_tensor: sharing its memory where it is an ndarray (or a
    Tensor) of the right dtype, else a converted copy (the dtype rules of `tensor`).

    Shape: data's.
    """
    if device is not None:
        _device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    return Tensor._from_array(default_array(data, dtype))


def from_numpy(array):
    """A tensor sharing the memory of a NumPy array, as torch.from_numpy: a change to one shows
    in the other; the dtype is the array's.

    Shape: the array's.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._from_array(array)


def _float_dtype(dtype):
    return np.dtype(np.float32 if dtype is None else dtype)


def _size(name, size):
    """The shape of a tensor to create, checked: non-negative ints."""
    shape = shape_arg(size, name)
    if any(n < 0 for n in shape):
        raise ValueError(f"{name}: sizes must be non-negative, got {shape}")
    return shape


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros, float32 by default, as torch.zeros. Shape: size (varargs or one
    tuple)."""
    data = np.zeros(_size("zeros", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones, float32 by default, as torch.ones. Shape: size (varargs or one
    tuple)."""
    data = np.ones(_size("ones", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with `fill_value`, as torch.full; its dtype by default float32 for a
    float, int64 for an int, bool for a bool.

    Shape: size (an int or a tuple of ints).
    """
    if dtype is None:
        dtype = default_array(fill_value, name="full").dtype
    data = np.full(_size("full", (size,)), fill_value, dtype=dtype)
    return _finish(data, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor to be filled, float32 by default, as torch.empty: badak's holds zeros (PyTorch
    leaves the memory as it was).

    Shape: size (varargs or one tuple).
    """
    data = np.zeros(_size("empty", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    """Zeros shaped like x, as torch.zeros_like. empty_like is the same function
    (badak's empty tensors hold zeros).

    Shape: x's; the dtype is x's unless `dtype` is given.
    """
    return _finish(np.zeros(np.shape(x), dtype=dtype or _dtype_of(x)), requires_grad, device)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    """Ones shaped like x, as torch.ones_like.

    Shape: x's; the dtype is x's unless `dtype` is given.
    """
    return _finish(np.ones(np.shape(x), dtype=dtype or _dtype_of(x)), requires_grad, device)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of `fill_value` shaped like x, as torch.full_like.

    Shape: x's; the dtype is x's unless `dtype` is given.
    """
    data = np.full(np.shape(x), fill_value, dtype=dtype or _dtype_of(x))
    return _finish(data, requires_grad, device)


empty_like = zeros_like


def rand_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) shaped like x, as torch.rand_like, from badak's
    generator (or `generator`).

    Shape: x's; the dtype is x's unless `dtype` is given.
    """
    dtype, _ = _sampled_dtype("rand_like", dtype or _dtype_of(x))
    return rand(np.shape(x), dtype=dtype, device=device,
                requires_grad=requires_grad, generator=generator)  # fmt: skip


def randn_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples shaped like x, as torch.randn_like, from badak's
    generator (or `generator`).

    Shape: x's; the dtype is x's unless `dtype` is given.
    """
    dtype, _ = _sampled_dtype("randn_like", dtype or _dtype_of(x))
    return randn(np.shape(x), dtype=dtype, device=device,
                 requires_grad=requires_grad, generator=generator)  # fmt: skip


def _dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else default_array(x).dtype


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix, ones on the diagonal, float32 by default, as torch.eye.

    Shape: (n, m); m defaults to n.
    """
    n, m = _size("eye", (n, n if m is None else m))
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start up to end (not included) by step, as torch.arange; arange(end) starts
    at 0. int64 when start, end and step are all ints, else float32.

    Shape: (ceil((end - start) / step),).
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: from {start} to {end} with step {step} goes the wrong way")
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if all_ints else np.float32
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included, float32 by default, as
    torch.linspace.

    Shape: (steps,).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace: steps must be an int, got {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    data = np.linspace(float(start), float(end), int(steps)).astype(_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1), float32 by default, as torch.rand, from badak's generator (or
    `generator`).

    Shape: size (varargs or one tuple).
    """
    dtype, drawn = _sampled_dtype("rand", dtype)
    rng = generator or default_generator()
    data = rng.random(_size("rand", size), dtype=drawn).astype(dtype, copy=False)
    return _finish(data, requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples, float32 by default, as torch.randn, from badak's generator (or
    `generator`).

    Shape: size (varargs or one tuple).
    """
    dtype, drawn = _sampled_dtype("randn", dtype)
    rng = generator or default_generator()
    data = rng.standard_normal(_size("randn", size), dtype=drawn)
    return _finish(data.astype(dtype, copy=False), requires_grad, device)


def _sampled_dtype(name, dtype):
    """(the result's dtype, the dtype to draw in): float64 is drawn in float64, the other
    floating dtypes in float32; samples of [0, 1) or N(0, 1) have no integer dtype (TypeError,
    where PyTorch raises too)."""
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating dtype, got {dtype}")
    return dtype, np.float64 if dtype == np.float64 else np.float32


def randint(low, high=None, size=None, dtype=None, device=None, generator=None):
    """Uniform random integers in [low, high), int64 by default, as torch.randint; randint(high,
    size) draws from [0, high).

    Shape: size (a tuple of ints).
    """
    if high is None:  # randint(high, size)
        low, high = 0, low
    elif size is None:  # randint(high, size) given positionally
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: expected a size, e.g. randint(5, (3,))")
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low} high={high}")
    rng = generator or default_generator()
    data = rng.integers(low, high, size=_size("randint", (size,)), dtype=np.int64)
    return _finish(data.astype(dtype or np.int64, copy=False), False, device)


def randperm(n, dtype=None, device=None, generator=None):
    """A random permutation of 0 .. n - 1, int64 by default, as torch.randperm.

    Shape: (n,).
    """
    (n,) = _size("randperm", (n,))
    rng = generator or default_generator()
    return _finish(rng.permutation(n).astype(dtype or np.int64), False, device)


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn with probabilities proportional to the weights in each row of input, as
    torch.multinomial: int64, outside the graph. The weights must be finite and non-negative,
    each row with some positive; without replacement a row gives each index at most once.

    Shape: input (C,) -> (num_samples,); input (N, C) -> (N, num_samples).
    """
    weights = np.asarray(input._data if isinstance(input, Tensor) else input, np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: expected 1 or 2 dims, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise ValueError("multinomial: weights must be finite and non-negative")
    positive = np.count_nonzero(rows, axis=1)
    if np.any(positive == 0):
        raise ValueError("multinomial: a row of weights sums to 0")
    if not replacement and num_samples > positive.min():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {positive.min()} non-zero weights"
        )
    rng = generator or default_generator()
    drawn = np.empty((len(rows), num_samples), np.int64)
    for i, row in enumerate(rows):
        drawn[i] = rng.choice(len(row), num_samples, replace=replacement, p=row / row.sum())
    return Tensor._from_array(drawn.reshape(weights.shape[:-1] + (num_samples,)))


def _legacy(name, dtype, args):
    if args and all(isinstance(a, (int, np.integer)) for a in args):
        return Tensor._from_array(np.zeros(args, dtype=dtype))  # FloatTensor(2, 3): a shape
    if len(args) != 1:
        raise TypeError(f"{name}: expected data or a shape, got {len(args)} arguments")
    return tensor(args[0], dtype=dtype)


def FloatTensor(*args):
    """float32 tensor from data (or of zeros, given a shape), as the legacy PyTorch constructor."""
    return _legacy("FloatTensor", np.float32, args)


def LongTensor(*args):
    """int64 tensor from data (or of zeros, given a shape), as the legacy PyTorch constructor."""
    return _legacy("LongTensor", np.int64, args)
