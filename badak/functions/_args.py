"""Argument helpers shared by the functions: PyTorch's `dim`/`keepdim` beside NumPy's aliases."""

from badak.device import np
from badak.tensor import Tensor


def resolve_dim(name, dim, keepdim, axis, keepdims):
    """The (dim, keepdim) a reduction uses, from PyTorch's names or NumPy's aliases.

    `dim` may be None (all dims), an int or a tuple of ints. Giving both spellings of one argument
    is a TypeError naming the function.
    """
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}: got both dim={dim!r} and axis={axis!r}; give one")
        dim = axis
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{name}: got both keepdim and keepdims; give one")
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    return dim, bool(keepdim)


def normalize_dims(name, dim, ndim):
    """`dim` (None, int or tuple) as a sorted tuple of non-negative axes, checked against ndim."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    bound = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1, as in PyTorch
    axes = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{name}: dim must be an int or a tuple of ints, got {d!r}")
        if not -bound <= d < bound:
            raise IndexError(f"{name}: dim {d} is out of range for a tensor with {ndim} dims")
        axes.append(int(d) % bound)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: dim {dim!r} names an axis twice")
    return tuple(sorted(a for a in axes if a < ndim)) if ndim else ()


def shape_arg(shape, name="shape"):
    """A shape given as varargs `f(2, 3)`, a tuple `f((2, 3))` or a list: ints (a float such as
    2.5 is a TypeError naming `name`, as in PyTorch)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            if not (isinstance(s, Tensor) and s._data.dtype.kind in "iu" and s._data.ndim == 0):
                raise TypeError(f"{name}: sizes must be ints, got {s!r} in {tuple(shape)}")
    return tuple(int(s) for s in shape)


def const(value, like):
    """`value` as a scalar of like's dtype, so that no float64 creeps in on NumPy 1."""
    return like.dtype.type(value)


def shape_of(x):
    """x's shape as a tuple: read directly from a Tensor or an array (np.shape would convert a
    Tensor through __array__, a cost on paths that run every step), else np.shape's."""
    if isinstance(x, Tensor):
        return x._data.shape
    return x.shape if isinstance(x, np.ndarray) else np.shape(x)


def as_array(value):
    """The array of a Tensor; anything else as np.asarray makes it."""
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def check_floating(name, x):
    """Raise TypeError naming `name` unless x (a Tensor, array or number) is floating."""
    dtype = as_array(x).dtype
    if dtype.kind not in "fc":
        raise TypeError(f"{name}: expected a floating-point input, got dtype {dtype}")
