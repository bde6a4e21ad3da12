"""Drop-ins for activations' array computations: one compiled pass where NumPy makes several.

Each function returns a new array with the bits of the formula named in its docstring, or None
where it does not take the arrays (the compiled pass: numba missing or switched off, fewer than
MIN_SIZE elements, not all C-contiguous float32 of one shape): the op then evaluates its formula.
"""

from badak import kernels
from badak.device import np

MIN_SIZE = 1 << 12  # below it NumPy's few calls cost less than a compiled loop


def _one_pass(kernel, *arrays):
    """activation_numba's `kernel(*arrays, out)` over same-shaped arrays, as a new array."""
    first = arrays[0]
    if first.size < MIN_SIZE:  # the common small case, first
        return None
    for a in arrays:  # a loop, not all(...): this runs in every training step
        if not (
            type(a) is np.ndarray
            and a.shape == first.shape
            and a.dtype == np.float32
            and a.flags.c_contiguous
        ):
            return None
    compiled = kernels.compiled("activation_numba")
    if compiled is None:
        return None
    out = np.empty(first.shape, np.float32)
    getattr(compiled, kernel)(*[a.reshape(-1) for a in arrays], out.reshape(-1))
    return out


def sigmoid(x):
    """1 / (1 + exp(-x)) within 3 ulp, also where the result is subnormal (NumPy's is not)."""
    return _one_pass("sigmoid", x)


def sigmoid_backward(grad, y):
    """(1 - y) * y * grad, rounded as NumPy rounds it; in NumPy's three passes over one new
    array where the compiled pass does not apply (this runs in every training step)."""
    out = _one_pass("sigmoid_backward", grad, y)
    if out is None and type(grad) is np.ndarray and grad.shape == y.shape:
        if grad.dtype == y.dtype:
            out = np.subtract(y.dtype.type(1), y)
            out *= y
            out *= grad
    return out


def relu_backward(grad, x):
    """where(x <= 0, 0, grad), NumPy's bits."""
    return _one_pass("relu_backward", grad, x)
