"""Convolutions: unfold and fold (im2col and its adjoint), conv1d, conv2d, conv_transpose2d.

unfold and fold are primitives, each the other's adjoint. conv2d is a primitive too (im2col and
one product, in the order Chainer forms it, whose bits it gives; image by image, the windows in
cache, where an image's windows are large); its backward is a transposed convolution and an
unfold times the gradient, so gradients of every order follow. A transposed
convolution is a matrix product and a fold. Images are (N, C, H, W); kernel sizes, dilations,
paddings and strides are an int or an (height, width) pair.
"""

from typing import NamedTuple

from badak.autograd import Function
from badak.device import np
from badak.functions._args import shape_of
from badak.functions.linalg import matmul
from badak.functions.reduce import sum
from badak.functions.shape import pad, reshape, squeeze, transpose, unsqueeze
from badak.kernels import blas, compiled
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# Geometry and the array helpers (also used by pooling)
# ----------------------------------------------------------------------------------------------
def pair(name, label, value, minimum=0):
    """`value` (an int or a pair of ints, each >= minimum) as a pair."""
    values = (value, value) if isinstance(value, (int, np.integer)) else value
    if (
        not isinstance(values, (tuple, list))
        or len(values) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
        or min(values) < minimum
    ):
        raise ValueError(
            f"{name}: {label} must be an int >= {minimum} or a pair of them, got {value!r}"
        )
    return int(values[0]), int(values[1])


def out_size(size, kernel, stride, padding, dilation):
    """Windows along one dim: (size + 2 padding - dilation (kernel - 1) - 1) // stride + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _compiled(array):
    """The compiled im2col (the `fast` extra) where it takes `array`: a C-contiguous float
    array large enough to pay for the call; else None (NumPy's strided copies)."""
    if array.dtype.kind != "f" or array.size < 4096 or not array.flags.c_contiguous:
        return None
    return compiled("im2col_numba")


def unfold_array(x, kernel, dilation, padding, stride, out, fill=0):
    """The windows of x (N, C, H, W) as (N, C, KH, KW, OH, OW), out = (OH, OW) windows.

    `padding` is (PH, PW) on both sides, filled with `fill`; the image is also padded below and
    to the right as far as the last window reaches (pooling's ceil_mode). One strided copy per
    kernel offset: KH * KW copies rather than OH * OW.
    """
    (N, C, H, W), (KH, KW), (DH, DW), (PH, PW), (SH, SW), (OH, OW) = (
        x.shape, kernel, dilation, padding, stride, out)  # fmt: skip
    compiled = _compiled(x)
    if compiled is not None:  # one pass, each image plane in cache
        cols = np.empty((N, C, KH, KW, OH, OW), dtype=x.dtype)
        compiled.unfold(x, cols, DH, DW, PH, PW, SH, SW, x.dtype.type(fill))
        return cols
    bottom = max(PH, (OH - 1) * SH + DH * (KH - 1) + 1 - H - PH)
    right = max(PW, (OW - 1) * SW + DW * (KW - 1) + 1 - W - PW)
    padded = np.pad(x, ((0, 0), (0, 0), (PH, bottom), (PW, right)), constant_values=fill)
    cols = np.empty((N, C, KH, KW, OH, OW), dtype=x.dtype)
    for ky in range(KH):
        for kx in range(KW):
            top, left = ky * DH, kx * DW
            cols[:, :, ky, kx] = padded[:, :, top : top + SH * OH : SH, left : left + SW * OW : SW]
    return cols


def fold_array(cols, size, kernel, dilation, padding, stride):
    """The adjoint of unfold_array: window entries (N, C, KH, KW, OH, OW) added back into an
    image of `size` (H, W)."""
    (N, C, KH, KW, OH, OW), (H, W), (DH, DW), (PH, PW), (SH, SW) = (
        cols.shape, size, dilation, padding, stride)  # fmt: skip
    compiled = _compiled(cols)
    if compiled is not None:
        image = np.zeros((N, C, H, W), dtype=cols.dtype)
        compiled.fold(cols, image, DH, DW, PH, PW, SH, SW)
        return image
    bottom = max(PH, (OH - 1) * SH + DH * (KH - 1) + 1 - H - PH)
    right = max(PW, (OW - 1) * SW + DW * (KW - 1) + 1 - W - PW)
    image = np.zeros((N, C, PH + H + bottom, PW + W + right), dtype=cols.dtype)
    for ky in range(KH):
        for kx in range(KW):
            top, left = ky * DH, kx * DW
            image[:, :, top : top + SH * OH : SH, left : left + SW * OW : SW] += cols[:, :, ky, kx]
    return image[:, :, PH : PH + H, PW : PW + W]


# ----------------------------------------------------------------------------------------------
# unfold / fold
# ----------------------------------------------------------------------------------------------
class Windows(NamedTuple):
    """Where a kernel's windows lie: each a pair (height, width); `out` the windows' count."""

    kernel: tuple
    dilation: tuple
    padding: tuple
    stride: tuple
    out: tuple


def windows(name, size, kernel_size, dilation, padding, stride):
    """The Windows of a kernel over an image of `size`, checked; an error where there would be
    none."""
    kernel = pair(name, "kernel_size", kernel_size, 1)
    dilation, padding = pair(name, "dilation", dilation, 1), pair(name, "padding", padding)
    stride = pair(name, "stride", stride, 1)
    out = tuple(out_size(*a) for a in zip(size, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(
            f"{name}: a kernel of {kernel} (dilation {dilation}) does not fit an input of size "
            f"{tuple(size)} with padding {padding}"
        )
    return Windows(kernel, dilation, padding, stride, out)


class Unfold(Function):
    saves_inputs = False

    def forward(self, x, windows):
        self.windows, self.size = windows, x.shape[2:]
        k, d, p, s, out = windows
        cols = unfold_array(x, k, d, p, s, out)
        N, C, KH, KW, OH, OW = cols.shape
        return cols.reshape(N, C * KH * KW, OH * OW)

    def backward(self, grad):
        return (Fold()(grad, size=self.size, windows=self.windows),)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding windows of an image as columns (im2col).

    Args:
        input: (N, C, H, W).
    Returns:
        (N, C * KH * KW, L), L = OH * OW windows; column l holds window l's entries in
        (channel, row, column) order. Matches torch.nn.functional.unfold.
    """
    shape = shape_of(input)
    if len(shape) != 4:
        raise ValueError(f"unfold: expected input of shape (N, C, H, W), got {shape}")
    return Unfold()(input, windows=windows("unfold", shape[2:], kernel_size, dilation, padding,
                                           stride))  # fmt: skip


class Fold(Function):
    """Columns (N, C * KH * KW, L) summed into an image of `size`; L = the windows' count (which
    may stop short of the image's end, as a transposed convolution's output_padding has it)."""

    saves_inputs = False

    def forward(self, cols, size, windows):
        self.windows = windows
        k, d, p, s, out = windows
        N, CKK, _ = cols.shape
        blocks = cols.reshape(N, CKK // (k[0] * k[1]), *k, *out)
        return fold_array(blocks, size, k, d, p, s)

    def backward(self, grad):
        return (Unfold()(grad, windows=self.windows),)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns of windows summed back into an image (col2im), the adjoint of unfold.

    Args:
        input: (N, C * KH * KW, L) with L the number of windows in an image of output_size.
    Returns:
        (N, C, H, W), (H, W) = output_size. Matches torch.nn.functional.fold.
    """
    name = "fold"
    size = pair(name, "output_size", output_size, 1)
    geometry = windows(name, size, kernel_size, dilation, padding, stride)
    (KH, KW), (OH, OW) = geometry.kernel, geometry.out
    shape = shape_of(input)
    if len(shape) != 3 or shape[1] % (KH * KW) or shape[2] != OH * OW:
        raise ValueError(
            f"{name}: expected input of shape (N, C * {KH * KW}, {OH * OW}) for output_size "
            f"{size} and kernel {(KH, KW)}, got {shape}"
        )
    return Fold()(input, size=size, windows=geometry)


def _spread(y, weight, size, windows, groups):
    """conv2d's adjoint in its input: y (N, OC, OH, OW) sent back through weight
    (OC, C / groups, KH, KW) into an image (N, C, *size). Also the transposed convolution."""
    N, OC = shape_of(y)[:2]
    depth = int(np.prod(shape_of(weight)[1:]))
    L = windows.out[0] * windows.out[1]
    kernels = transpose(reshape(weight, (groups, OC // groups, depth)), 1, 2)  # (g, depth, OC/g)
    cols = matmul(kernels, reshape(y, (N, groups, OC // groups, L)))  # (N, g, depth, L)
    return Fold()(reshape(cols, (N, groups * depth, L)), size=size, windows=windows)


# ----------------------------------------------------------------------------------------------
# Convolutions
# ----------------------------------------------------------------------------------------------
def _check_conv(name, x_shape, w_shape, bias, groups, channel_dim, layout="(N, C, H, W)"):
    """Shapes of a convolution: x `layout`, weight of the same rank with C / groups input
    channels."""
    rank = len(layout.split(","))
    if len(x_shape) != rank:
        raise ValueError(f"{name}: expected input of shape {layout}, got {x_shape}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    if len(w_shape) != rank:
        raise ValueError(f"{name}: expected a {rank}-D weight, got shape {w_shape}")
    in_channels = w_shape[1] * groups if channel_dim == 1 else w_shape[0]
    out_channels = w_shape[0] if channel_dim == 1 else w_shape[1] * groups
    if x_shape[1] != in_channels or x_shape[1] % groups or out_channels % groups:
        raise ValueError(
            f"{name}: input of shape {x_shape} does not match weight of shape {w_shape} "
            f"with groups={groups}"
        )
    if bias is not None and shape_of(bias) != (out_channels,):
        raise ValueError(f"{name}: expected bias of shape ({out_channels},), got {shape_of(bias)}")
    return out_channels


def _same_padding(name, input, kernel, dilation, stride):
    """padding='same': input padded so that the output keeps its size; (input, (0, 0)) or, where
    the padding is even on both sides, (input, (PH, PW))."""
    if stride != (1, 1):
        raise ValueError(f"{name}: padding='same' needs stride 1, got stride {stride}")
    totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
    if all(t % 2 == 0 for t in totals):
        return input, (totals[0] // 2, totals[1] // 2)
    (th, tw) = totals  # the odd one out goes below and to the right, as in PyTorch
    return pad(input, (tw // 2, tw - tw // 2, th // 2, th - th // 2)), (0, 0)


# Per image, the windows of the image fill a buffer that stays in cache, used at once by the
# product and formed again in backward, instead of the whole batch's windows written to memory
# and read back in each direction: from PER_IMAGE_BYTES of windows an image (pytorch/examples
# mnist's second convolution: 663 KB an image, 42 MB a batch of 64) this is the faster way.
PER_IMAGE_BYTES = 1 << 18


def _per_image_kernel(x, weight, windows, groups, chainer_order):
    """im2col_numba where Conv2d goes image by image (one group, MKL's products, the compiled
    im2col, windows of PER_IMAGE_BYTES an image and more), else None."""
    kernel, out = windows.kernel, windows.out
    depth = x.shape[1] * kernel[0] * kernel[1]
    if (
        groups != 1
        or chainer_order
        or x.dtype not in (np.float32, np.float64)
        or x.dtype != weight.dtype
        or not x.flags.c_contiguous
        or depth * out[0] * out[1] * x.itemsize < PER_IMAGE_BYTES
        or not blas.using_mkl()
    ):
        return None
    return compiled("im2col_numba")


class Conv2d(Function):
    """Positional inputs (x (N, C, H, W), weight (OC, C / groups, KH, KW), bias (OC,) or None)."""

    def forward(self, x, weight, bias, windows, groups, chainer_order=False):
        self.windows, self.groups = windows, groups
        kernel, dilation, padding, stride, out = windows
        N, OC = x.shape[0], weight.shape[0]
        self.per_image = _per_image_kernel(x, weight, windows, groups, chainer_order)
        if self.per_image is not None:
            self.cols = None
            y = np.empty((N, OC, out[0] * out[1]), x.dtype)
            rows = weight.reshape(OC, -1)
            for n, cols in self._windows(x):
                blas.gemm(rows, cols, out=y[n])
            y = y.reshape(N, OC, *out)
            if bias is not None:
                y += bias[:, None, None]
            return y
        cols = unfold_array(x, kernel, dilation, padding, stride, out)  # (N, C, KH, KW, OH, OW)
        if chainer_order:  # one product in the order Chainer forms it (its bits)
            y = np.tensordot(cols, weight, ((1, 2, 3), (1, 2, 3)))  # (N, OH, OW, OC)
            if bias is not None:
                y += bias
            y = np.moveaxis(y, 3, 1)
        else:
            # per sample and group one product (OC/g, K) @ (K, L): the result comes out in
            # (N, OC, OH, OW) order, with no transposed copy of the windows or the output
            y = blas.matmul(weight.reshape(groups, OC // groups, -1),
                            cols.reshape(N, groups, -1, out[0] * out[1]))  # fmt: skip
            y = y.reshape(N, OC, *out)
            if bias is not None:
                y += bias[:, None, None]
        cols = cols.reshape(N, groups, -1, out[0] * out[1])  # (N, g, K, L)
        # the windows again for the weight's gradient, kept rather than formed twice
        self.cols = cols if self.needs_input_grad[1:2] == [True] else None
        return y

    def _windows(self, x):
        """(n, image n's windows (C KH KW, OH OW)) for each image, in one reused buffer."""
        kernel, dilation, padding, stride, out = self.windows
        buffer = np.empty((1, x.shape[1], *kernel, *out), x.dtype)
        fill = x.dtype.type(0)
        for n in range(x.shape[0]):
            self.per_image.unfold(x[n : n + 1], buffer, *dilation, *padding, *stride, fill)
            yield n, buffer.reshape(-1, out[0] * out[1])

    def _backward_per_image(self, grad, x, weight, need_x, need_weight):
        """(grad_x, grad_weight) image by image: the weight's gradient summed in place by the
        products (beta = 1), the input's folded from a buffer that stays in cache."""
        kernel, dilation, padding, stride, out = self.windows
        OC, L = weight.shape[0], out[0] * out[1]
        grad = np.ascontiguousarray(grad).reshape(x.shape[0], OC, L)
        rows = weight.reshape(OC, -1)
        grad_weight = np.zeros(rows.shape, x.dtype) if need_weight else None
        grad_x = np.zeros(x.shape, x.dtype) if need_x else None
        spread = np.empty((1, x.shape[1], *kernel, *out), x.dtype)
        for n, cols in self._windows(x) if need_weight else ((n, None) for n in range(len(x))):
            if need_weight:
                blas.gemm(grad[n], cols.T, out=grad_weight, accumulate=n > 0)
            if need_x:
                blas.gemm(rows.T, grad[n], out=spread.reshape(-1, L))
                self.per_image.fold(spread, grad_x[n : n + 1], *dilation, *padding, *stride)
        return grad_x, None if grad_weight is None else grad_weight.reshape(weight.shape)

    def backward(self, grad):
        x, weight, bias = self.inputs
        need_x, need_weight, need_bias = self.needs_input_grad
        windows, groups = self.windows, self.groups
        if self.per_image is not None and not isinstance(grad, Tensor):
            grad_x, grad_weight = self._backward_per_image(grad, x, weight, need_x, need_weight)
            return grad_x, grad_weight, grad.sum((0, 2, 3)) if need_bias else None
        grad_x = grad_weight = grad_bias = None
        if need_x:
            grad_x = _spread(grad, weight, x.shape[2:], windows, groups)
        if need_weight:  # sum over samples and positions of grad times the window it came from
            N, OC, OH, OW = grad.shape
            cols = self.cols
            if cols is None or isinstance(grad, Tensor):  # under create_graph: recorded windows
                cols = reshape(Unfold()(x, windows=windows), (N, groups, -1, OH * OW))
            per_sample = matmul(reshape(grad, (N, groups, OC // groups, OH * OW)),
                                transpose(cols, 2, 3))  # fmt: skip
            grad_weight = reshape(sum(per_sample, 0), weight.shape)
        if need_bias:
            grad_bias = sum(grad, (0, 2, 3))
        self.cols = None
        return grad_x, grad_weight, grad_bias


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as in deep learning).

        out[n, o, i, j] = bias[o] + sum_{c, ky, kx} weight[o, c, ky, kx]
                                  * x_padded[n, g(o) C / groups + c, i SH + ky DH, j SW + kx DW]
        with g(o) = o // (OC / groups), o's group.

    Args:
        input: (N, C, H, W).
        weight: (OC, C / groups, KH, KW).
        bias: (OC,) or None.
        padding: an int, a pair, 'valid' (0) or 'same' (stride 1; the output keeps H, W).
    Returns:
        (N, OC, OH, OW), OH = (H + 2 PH - DH (KH - 1) - 1) // SH + 1.

    Gradient wrt input: conv_transpose2d of the upstream gradient with the same weight.
    Matches torch.nn.functional.conv2d.
    """
    _check_conv("conv2d", shape_of(input), shape_of(weight), bias, groups, 1)
    return _conv2d("conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv2d_chainer_order(input, weight, bias=None, stride=1, padding=0):
    """conv2d (groups 1) with its product formed as Chainer's convolution_2d forms it, so that
    float32 results are Chainer's bit for bit, for code whose tests compare with Chainer exactly.
    Slower than conv2d (a transposed copy of the windows)."""
    _check_conv("conv2d", shape_of(input), shape_of(weight), bias, 1, 1)
    return _conv2d("conv2d", input, weight, bias, stride, padding, 1, 1, chainer_order=True)


def _conv2d(name, input, weight, bias, stride, padding, dilation, groups, chainer_order=False):
    """conv2d after the shape checks; geometry errors name `name`."""
    kernel = shape_of(weight)[2:]
    stride, dilation = pair(name, "stride", stride, 1), pair(name, "dilation", dilation, 1)
    if padding == "same":
        input, padding = _same_padding(name, input, kernel, dilation, stride)
    padding = 0 if padding == "valid" else padding
    geometry = windows(name, shape_of(input)[2:], kernel, dilation, padding, stride)
    return Conv2d()(input, weight, bias, windows=geometry, groups=int(groups),
                    chainer_order=chainer_order)  # fmt: skip


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution: conv2d over (N, C, 1, L). Shapes: input (N, C, L), weight (OC, C / groups,
    K), bias (OC,) -> (N, OC, OL). Matches torch.nn.functional.conv1d."""
    name = "conv1d"
    _check_conv(name, shape_of(input), shape_of(weight), bias, groups, 1, "(N, C, L)")
    as_row = padding if isinstance(padding, str) else (0, one_d(padding))
    out = _conv2d(name, unsqueeze(input, 2), unsqueeze(weight, 2), bias, (1, one_d(stride)),
                  as_row, (1, one_d(dilation)), groups)  # fmt: skip
    return squeeze(out, 2)


def one_d(value):
    """A 1-D size given as n or (n,), as the second entry of a 2-D pair."""
    return value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """2-D transposed convolution: the gradient of conv2d wrt its input, as an operation.

    Args:
        input: (N, C, H, W).
        weight: (C, OC / groups, KH, KW).
        bias: (OC,) or None.
        output_padding: rows and columns added below and to the right, < stride or dilation.
    Returns:
        (N, OC, OH, OW), OH = (H - 1) SH - 2 PH + DH (KH - 1) + output_padding + 1.
    Matches torch.nn.functional.conv_transpose2d.
    """
    name = "conv_transpose2d"
    x_shape, w_shape = shape_of(input), shape_of(weight)
    out_channels = _check_conv(name, x_shape, w_shape, bias, groups, 0)
    kernel = w_shape[2:]
    stride, dilation = pair(name, "stride", stride, 1), pair(name, "dilation", dilation, 1)
    padding, extra = pair(name, "padding", padding), pair(name, "output_padding", output_padding)
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(
            f"{name}: output_padding {extra} must be smaller than stride {stride} or dilation "
            f"{dilation}"
        )
    N, C, H, W = x_shape
    size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + e + 1
        for n, s, p, d, k, e in zip((H, W), stride, padding, dilation, kernel, extra)
    )
    if min(size) < 1:
        raise ValueError(f"{name}: the output would be empty ({size}) for input {x_shape}")
    # The input's positions are the windows of a conv2d over the output (output_padding's
    # rows and columns lie past the last window).
    out = _spread(input, weight, size, Windows(kernel, dilation, padding, stride, (H, W)), groups)
    return out if bias is None else out + reshape(bias, (out_channels, 1, 1))
