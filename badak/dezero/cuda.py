"""DeZero's `dezero.cuda`: the array module of an array, and moves between NumPy and CuPy.

badak.dezero computes with NumPy; CuPy is used only where it is installed (and then only for
these conversions), so on a machine without it `gpu_enable` is False and `as_cupy` refuses.
"""

from badak.device import np
from badak.dezero.core import Variable

try:
    import cupy

    gpu_enable = True
except ImportError:
    cupy = None
    gpu_enable = False


def get_array_module(x):
    """np, or cupy for a CuPy array (or a Variable holding one)."""
    if isinstance(x, Variable):
        x = x.data
    if cupy is not None and isinstance(x, cupy.ndarray):
        return cupy
    return np


def as_numpy(x):
    """x as a NumPy array: a Variable's data, a number as a 0-d array, a CuPy array copied."""
    if isinstance(x, Variable):
        x = x.data
    if np.isscalar(x):
        return np.array(x)
    if isinstance(x, np.ndarray):
        return x
    return cupy.asnumpy(x)


def as_cupy(x):
    """x as a CuPy array; an error without CuPy."""
    if isinstance(x, Variable):
        x = x.data
    if not gpu_enable:
        raise RuntimeError("as_cupy: CuPy is not installed, so badak.dezero runs on the CPU")
    return cupy.asarray(x)
