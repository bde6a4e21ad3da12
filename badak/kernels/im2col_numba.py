"""Compiled im2col and col2im (the `fast` extra: numba): the windows of an image (N, C, H, W)
as (N, C, KH, KW, OH, OW) and back, in one pass each, the padding read as `fill` without a
padded copy. NumPy's version makes one strided pass per kernel offset over the whole batch; here
each (n, c) image plane stays in cache while its windows are formed or added back.
"""

import numba


@numba.njit(cache=True, nogil=True)
def unfold(x, out, dilation_h, dilation_w, pad_h, pad_w, stride_h, stride_w, fill):
    """out[n, c, ky, kx, i, j] = x[n, c, i SH - PH + ky DH, j SW - PW + kx DW], or fill outside."""
    N, C, H, W = x.shape
    KH, KW, OH, OW = out.shape[2], out.shape[3], out.shape[4], out.shape[5]
    for n in range(N):
        for c in range(C):
            for ky in range(KH):
                for kx in range(KW):
                    for i in range(OH):
                        y = i * stride_h - pad_h + ky * dilation_h
                        inside = 0 <= y < H
                        for j in range(OW):
                            z = j * stride_w - pad_w + kx * dilation_w
                            if inside and 0 <= z < W:
                                out[n, c, ky, kx, i, j] = x[n, c, y, z]
                            else:
                                out[n, c, ky, kx, i, j] = fill


@numba.njit(cache=True, nogil=True)
def fold(cols, out, dilation_h, dilation_w, pad_h, pad_w, stride_h, stride_w):
    """The adjoint of unfold: out (zeros, N, C, H, W) += each window entry at its place."""
    N, C, H, W = out.shape
    KH, KW, OH, OW = cols.shape[2], cols.shape[3], cols.shape[4], cols.shape[5]
    for n in range(N):
        for c in range(C):
            for ky in range(KH):
                for kx in range(KW):
                    for i in range(OH):
                        y = i * stride_h - pad_h + ky * dilation_h
                        if 0 <= y < H:
                            for j in range(OW):
                                z = j * stride_w - pad_w + kx * dilation_w
                                if 0 <= z < W:
                                    out[n, c, y, z] += cols[n, c, ky, kx, i, j]
