"""In-place parameter updates for the optimizers.

`add_scaled_(target, scale, values)` is `target += scale * values`: one pass over memory with numba
(the `fast` extra), for large contiguous arrays; otherwise NumPy's two passes. PyTorch's
`param.add_(grad, alpha=-lr)` is one pass, and for a large layer the update is a visible part of a
training step.

`adam_(...)` is Adam's whole step in one pass: NumPy's version takes 14 passes over the weight
and its moments, and 14 calls, which dominate a small-batch step. `adadelta_(...)` is Adadelta's
(pytorch/examples' mnist trains with it): 10 passes in NumPy.
"""

from badak import kernels
from badak.device import np

FUSED_MIN_SIZE = 1 << 15  # smaller arrays: NumPy's call is cheaper than a compiled loop


def add_scaled_(target, scale, values):
    """target += scale * values in place; scale is a scalar of target's dtype."""
    if target.size >= FUSED_MIN_SIZE:
        kernel = kernels.compiled("update_numba")
        if (
            kernel is not None
            and isinstance(values, np.ndarray)
            and values.shape == target.shape
            and values.strides == target.strides  # the same memory order, element for element
            and (target.flags.c_contiguous or target.flags.f_contiguous)
            and values.dtype == target.dtype
        ):
            # order="A": 1-D views in memory order, C or F (nn.Linear keeps its weight in F)
            kernel.add_scaled(target.reshape(-1, order="A"), scale, values.reshape(-1, order="A"))
            return
    target += scale * values


def _flat(param, *arrays):
    """1-D views in memory order of param and arrays, where a compiled update takes them (numba
    there; the same dtype, shape and memory order; param contiguous and writable), else None."""
    kernel = kernels.compiled("update_numba")
    if kernel is None:
        return None
    for array in arrays:
        if not (
            isinstance(array, np.ndarray)
            and array.dtype == param.dtype
            and array.shape == param.shape
            and array.strides == param.strides
        ):
            return None
    if not (param.flags.c_contiguous or param.flags.f_contiguous) or not param.flags.writeable:
        return None
    return [a.reshape(-1, order="A") for a in (param, *arrays)]


def adam_(param, grad, exp_avg, exp_avg_sq, scalars):
    """Adam's moments and step in place in one compiled pass (see update_numba.adam for
    `grad` and `scalars`); False, changing nothing, where numba is missing or the arrays
    differ in dtype, shape or memory order, and the caller computes with NumPy."""
    flat = _flat(param, grad, exp_avg, exp_avg_sq)
    if flat is None:
        return False
    kernels.compiled("update_numba").adam(*flat, np.array(scalars, param.dtype))
    return True


def adadelta_(param, grad, square_avg, acc_delta, scalars):
    """Adadelta's accumulators and step in place in one compiled pass (see
    update_numba.adadelta); False, changing nothing, where adam_ would refuse."""
    flat = _flat(param, grad, square_avg, acc_delta)
    if flat is None:
        return False
    kernels.compiled("update_numba").adadelta(*flat, np.array(scalars, param.dtype))
    return True
