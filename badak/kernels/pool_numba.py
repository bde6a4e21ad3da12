"""Compiled max pooling (the `fast` extra: numba): each window's maximum and its offset in one
pass over the image, and the gradient sent back to those offsets. NumPy's version makes a pass
per kernel offset over the whole batch, with a temporary mask each time.

The scan is PyTorch's, as functions.pooling's: a window's element replaces the maximum so far
where it is larger or NaN, so ties keep the first element and NaN wins; cells outside the image
read as -inf (the padding). A maximum is exact, so the bits are NumPy's path's.
"""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def max_pool(x, best, where, dilation_h, dilation_w, pad_h, pad_w, stride_h, stride_w,
             kernel_h, kernel_w):  # fmt: skip
    """best[n, c, i, j] = the window's maximum; where[...] = its offset ky * KW + kx."""
    N, C, H, W = x.shape
    OH, OW = best.shape[2], best.shape[3]
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    top = -np.inf
                    at = 0
                    for ky in range(kernel_h):
                        y = i * stride_h - pad_h + ky * dilation_h
                        for kx in range(kernel_w):
                            z = j * stride_w - pad_w + kx * dilation_w
                            value = -np.inf
                            if 0 <= y < H and 0 <= z < W:
                                value = x[n, c, y, z]
                            k = ky * kernel_w + kx
                            if k == 0 or value > top or value != value:
                                top = value
                                at = k
                    best[n, c, i, j] = top
                    where[n, c, i, j] = at


@numba.njit(inline="always")
def _later(value, top):
    """Whether a later element of the window replaces the maximum so far (the scan above)."""
    return value > top or value != value


@numba.njit(cache=True, nogil=True)
def max_pool_2x2(x, best, where):
    """max_pool for 2x2 windows at stride 2 inside the image (no padding or dilation), the
    common case: the scan's four steps written out, without bounds checks, on whole rows."""
    N, C = x.shape[0], x.shape[1]
    OH, OW = best.shape[2], best.shape[3]
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                upper, lower = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                for j in range(OW):
                    top, at = upper[2 * j], 0
                    value = upper[2 * j + 1]
                    if _later(value, top):
                        top, at = value, 1
                    value = lower[2 * j]
                    if _later(value, top):
                        top, at = value, 2
                    value = lower[2 * j + 1]
                    if _later(value, top):
                        top, at = value, 3
                    best[n, c, i, j] = top
                    where[n, c, i, j] = at


@numba.njit(cache=True, nogil=True)
def max_pool_scatter(grad, where, image, dilation_h, dilation_w, pad_h, pad_w, stride_h,
                     stride_w, kernel_w):  # fmt: skip
    """image[n, c, y, z] += grad[n, c, i, j] at each window's recorded maximum (image starts at
    zero; windows that do not overlap: each cell gets at most one gradient, exactly)."""
    N, C, OH, OW = grad.shape
    H, W = image.shape[2], image.shape[3]
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    k = where[n, c, i, j]
                    y = i * stride_h - pad_h + (k // kernel_w) * dilation_h
                    z = j * stride_w - pad_w + (k % kernel_w) * dilation_w
                    if 0 <= y < H and 0 <= z < W:
                        image[n, c, y, z] += grad[n, c, i, j]


@numba.njit(cache=True, nogil=True)
def max_pool_scatter_2x2(grad, where, image):
    """max_pool_scatter for max_pool_2x2's windows, writing every cell of `image` (no zeroed
    image needed first): the gradient at each window's maximum, 0 elsewhere, as 0 + g (so -0.0
    arrives as +0.0, as when added onto zeros)."""
    N, C, OH, OW = grad.shape
    H, W = image.shape[2], image.shape[3]
    zero = image.dtype.type(0)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                upper, lower = image[n, c, 2 * i], image[n, c, 2 * i + 1]
                for j in range(OW):
                    k, g = where[n, c, i, j], zero + grad[n, c, i, j]
                    upper[2 * j] = g if k == 0 else zero
                    upper[2 * j + 1] = g if k == 1 else zero
                    lower[2 * j] = g if k == 2 else zero
                    lower[2 * j + 1] = g if k == 3 else zero
                for z in range(2 * OW, W):  # the columns no window covers
                    upper[z] = zero
                    lower[z] = zero
            for y in range(2 * OH, H):  # the rows no window covers
                for z in range(W):
                    image[n, c, y, z] = zero
