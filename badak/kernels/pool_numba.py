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
