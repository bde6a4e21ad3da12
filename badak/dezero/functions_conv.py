"""DeZero's convolution family over badak's: im2col / col2im, conv2d, deconv2d, max and average
pooling, and the `_simple` versions the book builds from im2col.

Images are (N, C, H, W); a convolution's weight is (OC, C, KH, KW), a deconvolution's
(C, OC, KH, KW). `kernel_size`, `stride` and `pad` are an int or an (height, width) pair. Each
function takes Variables, arrays or numbers and returns a Variable; the computation is
badak.functions' (conv, pooling), so gradients of every order work.
"""

from badak import functions as _F
from badak.dezero import functions as F
from badak.dezero import utils
from badak.dezero.core import as_variable
from badak.functions import conv as _conv


def _check_image(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected x of shape (N, C, H, W), got {tuple(x.shape)}")


def _out(shape, kernel_size, stride, pad):
    """(OH, OW) of a window of kernel_size sliding over an image of `shape`."""
    return tuple(
        utils.get_conv_outsize(n, k, s, p)
        for n, k, s, p in zip(
            shape[2:], utils.pair(kernel_size), utils.pair(stride), utils.pair(pad)
        )
    )


# ----------------------------------------------------------------------------------------------
# im2col / col2im: badak's unfold / fold in DeZero's layouts
# ----------------------------------------------------------------------------------------------
def im2col_array(img, kernel_size, stride, pad, to_matrix=True):
    """The patches a kernel sees, on arrays: (N, C, KH, KW, OH, OW), or with `to_matrix`
    (N * OH * OW, C * KH * KW)."""
    kernel, stride, pad = utils.pair(kernel_size), utils.pair(stride), utils.pair(pad)
    N, C = img.shape[:2]
    OH, OW = _out(img.shape, kernel, stride, pad)
    col = _conv.unfold_array(img, kernel, (1, 1), pad, stride, (OH, OW))
    if to_matrix:
        col = col.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, C * kernel[0] * kernel[1])
    return col


def col2im_array(col, img_shape, kernel_size, stride, pad, to_matrix=True):
    """The adjoint of im2col_array: each patch entry added back where it came from, into an
    image of img_shape (N, C, H, W)."""
    N, C, H, W = img_shape
    kernel, stride, pad = utils.pair(kernel_size), utils.pair(stride), utils.pair(pad)
    OH, OW = _out(img_shape, kernel, stride, pad)
    if to_matrix:
        col = col.reshape(N, OH, OW, C, *kernel).transpose(0, 3, 4, 5, 1, 2)
    return _conv.fold_array(col, (H, W), kernel, (1, 1), pad, stride)


def im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    """The patches a kernel sees, differentiable: (N * OH * OW, C * KH * KW) with `to_matrix`,
    else (N, C, KH, KW, OH, OW). Shapes: x (N, C, H, W)."""
    x = as_variable(x)
    _check_image("im2col", x)
    N, C = x.shape[:2]
    (KH, KW), (OH, OW) = utils.pair(kernel_size), _out(x.shape, kernel_size, stride, pad)
    col = _F.unfold(x, (KH, KW), 1, utils.pair(pad), utils.pair(stride))  # (N, C*KH*KW, L)
    if to_matrix:
        return _F.reshape(_F.transpose(col, 1, 2), (N * OH * OW, C * KH * KW))
    return _F.reshape(col, (N, C, KH, KW, OH, OW))


def col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    """The adjoint of im2col: patches summed back into an image of `input_shape`.

    Shape: x (N * OH * OW, C * KH * KW) with `to_matrix`, else (N, C, KH, KW, OH, OW) ->
    input_shape (N, C, H, W).
    """
    x = as_variable(x)
    N, C, H, W = input_shape
    (KH, KW), (OH, OW) = utils.pair(kernel_size), _out(input_shape, kernel_size, stride, pad)
    if to_matrix:
        x = _F.transpose(_F.reshape(x, (N, OH * OW, C * KH * KW)), 1, 2)
    col = _F.reshape(x, (N, C * KH * KW, OH * OW))
    return _F.fold(col, (H, W), (KH, KW), 1, utils.pair(pad), utils.pair(stride))


# ----------------------------------------------------------------------------------------------
# conv2d / deconv2d
# ----------------------------------------------------------------------------------------------
def conv2d(x, W, b=None, stride=1, pad=0):
    """2-D convolution (cross-correlation, as in deep learning).

    Shapes: x (N, C, H, W), W (OC, C, KH, KW), b (OC,) or None -> (N, OC, OH, OW).
    Matches torch.nn.functional.conv2d(x, W, b, stride, pad).
    """
    x, W = as_variable(x), as_variable(W)
    _check_image("conv2d", x)
    return _conv.conv2d_chainer_order(x, W, b, utils.pair(stride), utils.pair(pad))


def deconv2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """2-D transposed convolution: the gradient of conv2d wrt its input, as an operation.

    Shapes: x (N, C, H, W), W (C, OC, KH, KW), b (OC,) or None -> (N, OC, out_h, out_w), where
    `outsize` (out_h, out_w) defaults to SH (H - 1) + KH - 2 PH and likewise for the width.
    Matches torch.nn.functional.conv_transpose2d.
    """
    x, W = as_variable(x), as_variable(W)
    _check_image("deconv2d", x)
    stride, pad = utils.pair(stride), utils.pair(pad)
    extra = (0, 0)
    if outsize is not None:
        sizes = zip(x.shape[2:], W.shape[2:], stride, pad)
        natural = [utils.get_deconv_outsize(n, k, s, p) for n, k, s, p in sizes]
        extra = tuple(o - n for o, n in zip(utils.pair(outsize), natural))
        if any(e < 0 or e >= s for e, s in zip(extra, stride)):
            raise ValueError(
                f"deconv2d: outsize {utils.pair(outsize)} does not give back the input's size "
                f"{x.shape[2:]} under kernel {W.shape[2:]}, stride {stride}, pad {pad}"
            )
    return _F.conv_transpose2d(x, W, b, stride, pad, extra)


# ----------------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------------
def pooling(x, kernel_size, stride=1, pad=0):
    """Max pooling over KH x KW windows; each window's gradient goes to its first maximum.

    Shapes: x (N, C, H, W) -> (N, C, OH, OW). Matches torch.nn.functional.max_pool2d where pad is
    0; DeZero pads with zeros (PyTorch with -inf), so a pad is zeros here too.
    """
    x = as_variable(x)
    _check_image("pooling", x)
    PH, PW = utils.pair(pad)
    if PH or PW:
        x = _F.pad(x, (PW, PW, PH, PH))
    return _F.max_pool2d(x, utils.pair(kernel_size), utils.pair(stride))


def average_pooling(x, kernel_size, stride=1, pad=0):
    """Average pooling over KH x KW windows, padding counted as zeros.

    Shapes: x (N, C, H, W) -> (N, C, OH, OW). Matches torch.nn.functional.avg_pool2d
    (count_include_pad=True).
    """
    x = as_variable(x)
    _check_image("average_pooling", x)
    PH, PW = utils.pair(pad)
    if PH or PW:  # DeZero allows any pad; PyTorch's avg_pool2d at most half the kernel
        x = _F.pad(x, (PW, PW, PH, PH))
    return _F.avg_pool2d(x, utils.pair(kernel_size), utils.pair(stride))


# ----------------------------------------------------------------------------------------------
# The simple versions: im2col and matrix products, every step a recorded Function
# ----------------------------------------------------------------------------------------------
def conv2d_simple(x, W, b=None, stride=1, pad=0):
    """conv2d as im2col, then one matrix product: the same result, a longer graph.

    Shape: x (N, C, H, W), W (OC, C, KH, KW), b (OC,) or None -> (N, OC, OH, OW).
    """
    x, W = as_variable(x), as_variable(W)
    _check_image("conv2d_simple", x)
    if W.ndim != 4 or W.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d_simple: x of shape {x.shape} does not match W of shape {W.shape}")
    N, OC = x.shape[0], W.shape[0]
    OH, OW = _out(x.shape, W.shape[2:], stride, pad)
    col = im2col(x, W.shape[2:], stride, pad, to_matrix=True)  # (N * OH * OW, C * KH * KW)
    y = F.linear(col, W.reshape(OC, -1).transpose(), b)
    return y.reshape(N, OH, OW, OC).transpose(0, 3, 1, 2)


def pooling_simple(x, kernel_size, stride=1, pad=0):
    """Max pooling as im2col, then a max over each row; every tied maximum receives the full
    gradient (as max). A pad is zeros, as pooling's.

    Shape: x (N, C, H, W) -> (N, C, OH, OW).
    """
    x = as_variable(x)
    _check_image("pooling_simple", x)
    N, C = x.shape[:2]
    (KH, KW), (OH, OW) = utils.pair(kernel_size), _out(x.shape, kernel_size, stride, pad)
    col = im2col(x, kernel_size, stride, pad, to_matrix=True)
    y = col.reshape(-1, KH * KW).max(axis=1)
    return y.reshape(N, OH, OW, C).transpose(0, 3, 1, 2)


__all__ = [
    "average_pooling", "col2im", "col2im_array", "conv2d", "conv2d_simple", "deconv2d",
    "im2col", "im2col_array", "pooling", "pooling_simple",
]  # fmt: skip
