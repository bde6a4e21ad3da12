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
    """A new tensor holding a copy of `data`; Python floats become float32, ints int64."""
    if isinstance(data, Tensor):
        data = data._data
    array = default_array(data, dtype)
    return _finish(np.array(array, copy=True), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing `data`'s memory where it is an array of the right dtype; else a copy."""
    if device is not None:
        _device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    return Tensor._from_array(default_array(data, dtype))


def from_numpy(array):
    """A tensor sharing the memory of a NumPy array (changes to one show in the other)."""
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
    """Tensor of zeros. Shape: size (varargs or one tuple)."""
    data = np.zeros(_size("zeros", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """Tensor of ones. Shape: size (varargs or one tuple)."""
    data = np.ones(_size("ones", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """Tensor of `fill_value`: float32 for a float, int64 for an int, bool for a bool."""
    if dtype is None:
        dtype = default_array(fill_value, name="full").dtype
    data = np.full(_size("full", (size,)), fill_value, dtype=dtype)
    return _finish(data, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor to be filled: badak's holds zeros (PyTorch leaves memory as it was)."""
    data = np.zeros(_size("empty", size), dtype=_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(np.shape(x), dtype=dtype or _dtype_of(x)), requires_grad, device)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(np.shape(x), dtype=dtype or _dtype_of(x)), requires_grad, device)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    data = np.full(np.shape(x), fill_value, dtype=dtype or _dtype_of(x))
    return _finish(data, requires_grad, device)


empty_like = zeros_like


def rand_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(np.shape(x), dtype=dtype or _dtype_of(x), device=device,
                requires_grad=requires_grad, generator=generator)  # fmt: skip


def randn_like(x, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(np.shape(x), dtype=dtype or _dtype_of(x), device=device,
                 requires_grad=requires_grad, generator=generator)  # fmt: skip


def _dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else default_array(x).dtype


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (m defaults to n)."""
    n, m = _size("eye", (n, n if m is None else m))
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start up to (not including) end: int64 when all are ints, else float32."""
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
    """`steps` evenly spaced values from start to end, both included; float32 by default."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace: steps must be an int, got {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    data = np.linspace(float(start), float(end), int(steps)).astype(_float_dtype(dtype))
    return _finish(data, requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from badak's generator (or `generator`)."""
    rng = generator or default_generator()
    data = rng.random(_size("rand", size), dtype=np.float32).astype(_float_dtype(dtype), copy=False)
    return _finish(data, requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal samples from badak's generator (or `generator`)."""
    rng = generator or default_generator()
    data = rng.standard_normal(_size("randn", size), dtype=np.float32)
    return _finish(data.astype(_float_dtype(dtype), copy=False), requires_grad, device)


def randint(low, high=None, size=None, dtype=None, device=None, generator=None):
    """Integers in [low, high) (randint(high, size) as in PyTorch); int64 by default."""
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
    """A random permutation of 0 .. n-1 (int64 by default)."""
    (n,) = _size("randperm", (n,))
    rng = generator or default_generator()
    return _finish(rng.permutation(n).astype(dtype or np.int64), False, device)


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn by the non-negative weights in each row of input (1-d or 2-d), int64.
    Without replacement a row gives each index at most once."""
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
