"""Compiled in-place update (the `fast` extra: numba). No fastmath: each element is rounded as
NumPy's `target += scale * values` rounds it, so both paths give bitwise the same weights."""

import numba


@numba.njit(cache=True)
def add_scaled(target, scale, values):
    """target += scale * values, over 1-D contiguous arrays, in one pass."""
    for i in range(target.shape[0]):
        target[i] += scale * values[i]
