"""In-place parameter updates for the optimizers.

`add_scaled_(target, scale, values)` is `target += scale * values`: one pass over memory with numba
(the `fast` extra), for large contiguous arrays; otherwise NumPy's two passes. PyTorch's
`param.add_(grad, alpha=-lr)` is one pass, and for a large layer the update is a visible part of a
training step.
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
