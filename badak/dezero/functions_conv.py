"""DeZero's convolution family: im2col / col2im, conv2d, deconv2d, max and average pooling.

Images are (N, C, H, W); a convolution's weight is (OC, C, KH, KW), a deconvolution's
(C, OC, KH, KW). `kernel_size`, `stride` and `pad` are an int or an (height, width) pair.
Output sizes follow DeZero (and PyTorch): OH = (H + 2 * PH - KH) // SH + 1.

As in DeZero, each fused Function's backward is made of other Functions of this file (conv2d's
gradient wrt x is a deconv2d, wrt W a Conv2DGradW), so gradients of gradients work. Where
DeZero's code has a bug, this file does what DeZero meant:
- conv2d's gradient wrt x has the input's size also when the stride does not divide it;
- Conv2DGradW's backward uses its upstream gradient (DeZero's uses its output);
- max pooling's backward scatters every sample's gradient (an early DeZero took sample 0's);
- Pooling2DWithIndexes has a backward (Pooling2DGrad), so every order of gradient works.
Max pooling pads with zeros, as DeZero does (PyTorch pads with -inf).
"""

from badak.device import np
from badak.dezero import functions as F
from badak.dezero import utils
from badak.dezero.core import Function, as_variable


# ----------------------------------------------------------------------------------------------
# Array helpers
# ----------------------------------------------------------------------------------------------
def _geometry(shape, kernel_size, stride, pad):
    """((KH, KW), (SH, SW), (PH, PW), (OH, OW)) for an image of shape (N, C, H, W)."""
    H, W = shape[2:]
    (KH, KW), (SH, SW), (PH, PW) = utils.pair(kernel_size), utils.pair(stride), utils.pair(pad)
    OH = utils.get_conv_outsize(H, KH, SH, PH)
    OW = utils.get_conv_outsize(W, KW, SW, PW)
    return (KH, KW), (SH, SW), (PH, PW), (OH, OW)


def im2col_array(img, kernel_size, stride, pad, to_matrix=True):
    """The patches a kernel sees, on arrays.

    Args:
        img: shape (N, C, H, W).
    Returns:
        shape (N, C, KH, KW, OH, OW), or (N * OH * OW, C * KH * KW) with `to_matrix`.
    """
    N, C = img.shape[:2]
    (KH, KW), (SH, SW), (PH, PW), (OH, OW) = _geometry(img.shape, kernel_size, stride, pad)
    padded = np.pad(img, ((0, 0), (0, 0), (PH, PH), (PW, PW)))
    col = np.empty((N, C, KH, KW, OH, OW), dtype=img.dtype)
    # one strided slice per kernel offset: KH * KW copies instead of OH * OW
    for ky in range(KH):
        for kx in range(KW):
            col[:, :, ky, kx] = padded[:, :, ky : ky + SH * OH : SH, kx : kx + SW * OW : SW]
    if to_matrix:
        col = col.transpose(0, 4, 5, 1, 2, 3).reshape(N * OH * OW, -1)
    return col


def col2im_array(col, img_shape, kernel_size, stride, pad, to_matrix=True):
    """The adjoint of im2col_array: each patch entry is added back where it came from.

    Args:
        col: shape (N, C, KH, KW, OH, OW), or (N * OH * OW, C * KH * KW) with `to_matrix`.
        img_shape: (N, C, H, W) of the result.
    """
    N, C, H, W = img_shape
    (KH, KW), (SH, SW), (PH, PW), (OH, OW) = _geometry(img_shape, kernel_size, stride, pad)
    if to_matrix:
        col = col.reshape(N, OH, OW, C, KH, KW).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=col.dtype)
    for ky in range(KH):
        for kx in range(KW):
            img[:, :, ky : ky + SH * OH : SH, kx : kx + SW * OW : SW] += col[:, :, ky, kx]
    return img[:, :, PH : PH + H, PW : PW + W]


def _check_image(name, x):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected x of shape (N, C, H, W), got {tuple(x.shape)}")


# ----------------------------------------------------------------------------------------------
# im2col / col2im
# ----------------------------------------------------------------------------------------------
class Im2col(Function):
    def __init__(self, kernel_size, stride, pad, to_matrix):
        self.input_shape = None
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.to_matrix = to_matrix

    def forward(self, x):
        self.input_shape = x.shape
        return im2col_array(x, self.kernel_size, self.stride, self.pad, self.to_matrix)

    def backward(self, gy):
        return col2im(gy, self.input_shape, self.kernel_size, self.stride, self.pad, self.to_matrix)


def im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    """The patches a kernel sees, differentiable.

    Args:
        x: shape (N, C, H, W).
    Returns:
        shape (N * OH * OW, C * KH * KW) with `to_matrix`, else (N, C, KH, KW, OH, OW).
    """
    x = as_variable(x)
    _check_image("im2col", x)
    return Im2col(kernel_size, stride, pad, to_matrix)(x)


class Col2im(Function):
    def __init__(self, input_shape, kernel_size, stride, pad, to_matrix):
        self.input_shape = input_shape
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.to_matrix = to_matrix

    def forward(self, x):
        return col2im_array(
            x, self.input_shape, self.kernel_size, self.stride, self.pad, self.to_matrix
        )

    def backward(self, gy):
        return im2col(gy, self.kernel_size, self.stride, self.pad, self.to_matrix)


def col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    """The adjoint of im2col: patches summed back into an image of shape `input_shape`."""
    return Col2im(input_shape, kernel_size, stride, pad, to_matrix)(x)


# ----------------------------------------------------------------------------------------------
# conv2d / deconv2d
# ----------------------------------------------------------------------------------------------
def _check_conv(name, x, W, weight_channel_axis):
    _check_image(name, x)
    if W.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D W, got shape {tuple(W.shape)}")
    if x.shape[1] != W.shape[weight_channel_axis]:
        raise ValueError(
            f"{name}: x has {x.shape[1]} channels but W of shape {tuple(W.shape)} expects "
            f"{W.shape[weight_channel_axis]}"
        )


class Conv2d(Function):
    def __init__(self, stride=1, pad=0):
        self.stride = utils.pair(stride)
        self.pad = utils.pair(pad)

    def forward(self, x, W, b):
        col = im2col_array(x, W.shape[2:], self.stride, self.pad, to_matrix=False)
        y = np.tensordot(col, W, ((1, 2, 3), (1, 2, 3)))  # (N, OH, OW, OC)
        if b is not None:
            y += b
        return np.moveaxis(y, 3, 1)

    def backward(self, gy):
        x, W, b = self.inputs
        gx = deconv2d(gy, W, stride=self.stride, pad=self.pad, outsize=x.shape[2:])
        gW = Conv2DGradW(self)(x, gy)
        gb = None if b.data is None else gy.sum(axis=(0, 2, 3))
        return gx, gW, gb


def conv2d(x, W, b=None, stride=1, pad=0):
    """2-D convolution (cross-correlation, as in deep learning).

        y[n, o, i, j] = b[o] + sum_{c, ky, kx} W[o, c, ky, kx] * xpad[n, c, i*SH + ky, j*SW + kx]

    Args:
        x: shape (N, C, H, W).
        W: shape (OC, C, KH, KW).
        b: shape (OC,) or None.
    Returns:
        shape (N, OC, OH, OW). Matches torch.nn.functional.conv2d(x, W, b, stride, pad).
    """
    x, W = as_variable(x), as_variable(W)
    _check_conv("conv2d", x, W, 1)
    return Conv2d(stride, pad)(x, W, b)


class Deconv2d(Function):
    def __init__(self, stride=1, pad=0, outsize=None):
        self.stride = utils.pair(stride)
        self.pad = utils.pair(pad)
        self.outsize = outsize

    def forward(self, x, W, b):
        OC, KH, KW = W.shape[1:]
        N = x.shape[0]
        out_h, out_w = _deconv_outsize(x.shape, W.shape, self.stride, self.pad, self.outsize)
        gcol = np.moveaxis(np.tensordot(W, x, (0, 1)), 3, 0)  # (N, OC, KH, KW, H, W)
        y = col2im_array(gcol, (N, OC, out_h, out_w), (KH, KW), self.stride, self.pad, False)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    def backward(self, gy):
        x, W, b = self.inputs
        gx = conv2d(gy, W, stride=self.stride, pad=self.pad)
        gW = Conv2DGradW(self)(gy, x)
        gb = None if b.data is None else gy.sum(axis=(0, 2, 3))
        return gx, gW, gb


def _deconv_outsize(x_shape, W_shape, stride, pad, outsize):
    """(out_h, out_w): `outsize`, checked, or the smallest size conv2d maps back to (H, W)."""
    (H, W), (KH, KW) = x_shape[2:], W_shape[2:]
    (SH, SW), (PH, PW) = stride, pad
    if outsize is None:
        return utils.get_deconv_outsize(H, KH, SH, PH), utils.get_deconv_outsize(W, KW, SW, PW)
    out_h, out_w = utils.pair(outsize)
    back_h = utils.get_conv_outsize(out_h, KH, SH, PH)
    back_w = utils.get_conv_outsize(out_w, KW, SW, PW)
    if (back_h, back_w) != (H, W):
        raise ValueError(
            f"deconv2d: outsize {(out_h, out_w)} does not give back the input's size {(H, W)} "
            f"under kernel {(KH, KW)}, stride {stride}, pad {pad}"
        )
    return out_h, out_w


def deconv2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """2-D transposed convolution: the gradient of conv2d wrt its input, as an operation.

    Args:
        x: shape (N, C, H, W).
        W: shape (C, OC, KH, KW).
        b: shape (OC,) or None.
        outsize: (out_h, out_w); default SH * (H - 1) + KH - 2 * PH and likewise for the width.
    Returns:
        shape (N, OC, out_h, out_w). Matches torch.nn.functional.conv_transpose2d.
    """
    x, W = as_variable(x), as_variable(W)
    _check_conv("deconv2d", x, W, 0)
    if outsize is not None:
        _deconv_outsize(x.shape, W.shape, utils.pair(stride), utils.pair(pad), outsize)
    return Deconv2d(stride, pad, outsize)(x, W, b)


class Conv2DGradW(Function):
    """The gradient of a conv2d (or deconv2d) wrt its weight: inputs (x, gy), output (OC, C,
    KH, KW). It is linear in each input, so its own backward is a deconv2d and a conv2d."""

    def __init__(self, conv2d):
        self.kernel_size = conv2d.inputs[1].shape[2:]
        self.stride = conv2d.stride
        self.pad = conv2d.pad

    def forward(self, x, gy):
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, to_matrix=False)
        return np.tensordot(gy, col, ((0, 2, 3), (0, 4, 5)))

    def backward(self, ggW):
        x, gy = self.inputs
        gx = deconv2d(gy, ggW, stride=self.stride, pad=self.pad, outsize=x.shape[2:])
        ggy = conv2d(x, ggW, stride=self.stride, pad=self.pad)
        return gx, ggy


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------
class Pooling(Function):
    def __init__(self, kernel_size, stride=1, pad=0):
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, to_matrix=False)
        N, C, KH, KW, OH, OW = col.shape
        col = col.reshape(N, C, KH * KW, OH, OW)
        self.indexes = col.argmax(axis=2)  # the first maximum of each window
        return col.max(axis=2)

    def backward(self, gy):
        return Pooling2DGrad(self)(gy)


class Pooling2DGrad(Function):
    """Max pooling's backward: each window's gradient goes to its (first) maximum."""

    def __init__(self, mpool2d):
        self.kernel_size = mpool2d.kernel_size
        self.stride = mpool2d.stride
        self.pad = mpool2d.pad
        self.input_shape = mpool2d.inputs[0].shape
        self.dtype = mpool2d.inputs[0].dtype
        self.indexes = mpool2d.indexes

    def forward(self, gy):
        N, C, OH, OW = gy.shape
        KH, KW = utils.pair(self.kernel_size)
        gcol = np.zeros((N * C * OH * OW, KH * KW), dtype=self.dtype)
        gcol[np.arange(gcol.shape[0]), self.indexes.ravel()] = gy.ravel()
        gcol = gcol.reshape(N, C, OH, OW, KH, KW).transpose(0, 1, 4, 5, 2, 3)
        return col2im_array(
            gcol, self.input_shape, self.kernel_size, self.stride, self.pad, to_matrix=False
        )

    def backward(self, ggx):
        return Pooling2DWithIndexes(self)(ggx)


class Pooling2DWithIndexes(Function):
    """Picks, in each window of x, the element where the recorded maximum was (DeZero's has no
    backward; this one's is Pooling2DGrad, so any order of gradient works)."""

    def __init__(self, mpool2d):
        self.kernel_size = mpool2d.kernel_size
        self.stride = mpool2d.stride
        self.pad = mpool2d.pad
        self.indexes = mpool2d.indexes

    def forward(self, x):
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, to_matrix=False)
        N, C, KH, KW, OH, OW = col.shape
        col = col.reshape(N, C, KH * KW, OH, OW)
        return np.take_along_axis(col, self.indexes[:, :, None], axis=2)[:, :, 0]

    def backward(self, gy):
        return Pooling2DGrad(self)(gy)  # the two are each other's adjoint


def pooling(x, kernel_size, stride=1, pad=0):
    """Max pooling over KH x KW windows.

    Args:
        x: shape (N, C, H, W).
    Returns:
        shape (N, C, OH, OW). Matches torch.nn.functional.max_pool2d where pad is 0 (padding
        here is with zeros, as in DeZero).
    """
    x = as_variable(x)
    _check_image("pooling", x)
    return Pooling(kernel_size, stride, pad)(x)


# ----------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------
class AveragePooling(Function):
    def __init__(self, kernel_size, stride=1, pad=0):
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.input_shape = None

    def forward(self, x):
        self.input_shape = x.shape
        col = im2col_array(x, self.kernel_size, self.stride, self.pad, to_matrix=False)
        return col.mean(axis=(2, 3))

    def backward(self, gy):
        N, C, OH, OW = gy.shape
        KH, KW = utils.pair(self.kernel_size)
        gy = gy / (KH * KW)
        gcol = F.broadcast_to(gy.reshape(N, C, 1, 1, OH, OW), (N, C, KH, KW, OH, OW))
        return col2im(
            gcol, self.input_shape, self.kernel_size, self.stride, self.pad, to_matrix=False
        )


def average_pooling(x, kernel_size, stride=1, pad=0):
    """Average pooling over KH x KW windows, padding counted as zeros.

    Returns:
        shape (N, C, OH, OW). Matches torch.nn.functional.avg_pool2d (count_include_pad=True).
    """
    x = as_variable(x)
    _check_image("average_pooling", x)
    return AveragePooling(kernel_size, stride, pad)(x)


# ----------------------------------------------------------------------------------------------
# The simple versions: im2col and matrix products, every step a recorded Function
# ----------------------------------------------------------------------------------------------
def conv2d_simple(x, W, b=None, stride=1, pad=0):
    """conv2d as im2col, then one matrix product: the same result, a longer graph."""
    x, W = as_variable(x), as_variable(W)
    _check_conv("conv2d_simple", x, W, 1)
    N = x.shape[0]
    OC = W.shape[0]
    _, _, _, (OH, OW) = _geometry(x.shape, W.shape[2:], stride, pad)
    col = im2col(x, W.shape[2:], stride, pad, to_matrix=True)  # (N * OH * OW, C * KH * KW)
    y = F.linear(col, W.reshape(OC, -1).transpose(), b)
    return y.reshape(N, OH, OW, OC).transpose(0, 3, 1, 2)


def pooling_simple(x, kernel_size, stride=1, pad=0):
    """Max pooling as im2col, then a max over each row; ties share the gradient (as max)."""
    x = as_variable(x)
    _check_image("pooling_simple", x)
    N, C = x.shape[:2]
    (KH, KW), _, _, (OH, OW) = _geometry(x.shape, kernel_size, stride, pad)
    col = im2col(x, kernel_size, stride, pad, to_matrix=True)
    y = col.reshape(-1, KH * KW).max(axis=1)
    return y.reshape(N, OH, OW, C).transpose(0, 3, 1, 2)
