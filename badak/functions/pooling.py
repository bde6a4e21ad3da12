"""Pooling over windows of (N, C, H, W) images: max_pool2d, avg_pool2d, adaptive_avg_pool2d, and
their 1-D forms over (N, C, L).

Max pooling picks each window's first maximum (a NaN counts as the maximum, as in PyTorch) and
sends the window's gradient there; its backward and that backward's are a scatter and a gather,
each the other's adjoint, so gradients of every order follow. Average pooling is a sum over the
unfolded windows divided by the window's count.
"""

from badak import kernels
from badak.autograd import Function
from badak.device import np
from badak.functions._args import shape_of
from badak.functions.conv import Windows, one_d, pair, unfold, unfold_array
from badak.functions.linalg import matmul
from badak.functions.reduce import sum
from badak.functions.shape import pad, reshape, squeeze, unsqueeze
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# Geometry
# ----------------------------------------------------------------------------------------------
def _windows(name, shape, kernel_size, stride, padding, dilation, ceil_mode):
    """The Windows of a 2-D pooling, checked as PyTorch checks them."""
    if len(shape) != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {shape}")
    kernel = pair(name, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None or stride == [] else pair(name, "stride", stride, 1)
    padding, dilation = pair(name, "padding", padding), pair(name, "dilation", dilation, 1)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{name}: padding {padding} must be at most half of kernel {kernel}")
    out = []
    for n, k, s, p, d in zip(shape[2:], kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        size = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (size - 1) * s >= n + p:  # the last window must start inside
            size -= 1
        if span < 0 or size < 1:
            raise ValueError(f"{name}: kernel {kernel} does not fit input of shape {shape}")
        out.append(size)
    return Windows(kernel, dilation, padding, stride, tuple(out))


def _as_2d(name, input):
    """(N, C, L) input as (N, C, 1, L), checked."""
    if len(shape_of(input)) != 3:
        raise ValueError(f"{name}: expected input of shape (N, C, L), got {shape_of(input)}")
    return unsqueeze(input, 2)


# ----------------------------------------------------------------------------------------------
# max_pool2d
# ----------------------------------------------------------------------------------------------
def _padded(x, windows, fill):
    """x padded with `fill` as far as its windows reach (padding, and pooling's ceil_mode tail)."""
    kernel, dilation, padding, stride, out = windows
    (H, W), (KH, KW), (DH, DW), (PH, PW), (SH, SW), (OH, OW) = (
        x.shape[2:], kernel, dilation, padding, stride, out)  # fmt: skip
    bottom = max(PH, (OH - 1) * SH + DH * (KH - 1) + 1 - H - PH)
    right = max(PW, (OW - 1) * SW + DW * (KW - 1) + 1 - W - PW)
    if PH == PW == bottom == right == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (PH, bottom), (PW, right)), constant_values=fill)


def _window_views(padded, windows):
    """For each offset k = ky * KW + kx in a window, the strided view (N, C, OH, OW) of `padded`
    holding every window's k-th element: no copy (im2col without the col)."""
    kernel, dilation, _, stride, (OH, OW) = windows
    (KH, KW), (DH, DW), (SH, SW) = kernel, dilation, stride
    return [
        padded[:, :, ky * DH : ky * DH + SH * (OH - 1) + 1 : SH,
               kx * DW : kx * DW + SW * (OW - 1) + 1 : SW]
        for ky in range(KH)
        for kx in range(KW)
    ]  # fmt: skip


def _two_by_two(windows, size):
    """Whether the windows are 2x2 at stride 2, without padding or dilation, all inside the
    image of `size` (H, W): pool_numba's written-out kernels take them."""
    kernel, dilation, padding, stride, out = windows
    inside = all(2 * o <= s for o, s in zip(out, size))  # ceil_mode's last window may not be
    return kernel == stride == (2, 2) and dilation == (1, 1) and padding == (0, 0) and inside


class MaxPool2d(Function):
    saves_inputs = False

    def forward(self, x, windows):
        kernel = kernels.compiled("pool_numba")
        if kernel is not None and x.dtype in (np.float32, np.float64):
            (KH, KW), (DH, DW), (PH, PW), (SH, SW), out = windows
            best = np.empty((*x.shape[:2], *out), x.dtype)
            where = np.empty(best.shape, np.int64)
            if _two_by_two(windows, x.shape[2:]):
                kernel.max_pool_2x2(x, best, where)
            else:
                kernel.max_pool(x, best, where, DH, DW, PH, PW, SH, SW, KH, KW)
            self.picked = _Picked(where, x.shape, windows)
            return best
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        views = _window_views(_padded(x, windows, lowest), windows)
        # PyTorch's scan: a window's element replaces the maximum so far where it is larger or
        # NaN, so ties keep the first and NaN the last; the output is that element (-0.0 stays)
        best, where = views[0].copy(), np.zeros(views[0].shape, np.int64)
        nan = x.dtype.kind == "f" and bool(np.isnan(x).any())
        for k, view in enumerate(views[1:], 1):
            take = view > best
            if nan:
                take |= np.isnan(view)
            np.copyto(best, view, where=take)
            np.copyto(where, k, where=take)
        self.picked = _Picked(where, x.shape, windows)
        return best

    def backward(self, grad):
        return (_Scatter()(grad, picked=self.picked),)


class _Picked:
    """Where each window's maximum lies: its offset in the window (N, C, OH, OW)."""

    def __init__(self, where, input_shape, windows):
        self.where, self.input_shape, self.windows = where, input_shape, windows

    def flat_indices(self):
        """PyTorch's `return_indices`: each maximum's position in its (H * W) plane."""
        kernel, dilation, padding, stride, (OH, OW) = self.windows
        ky, kx = np.divmod(self.where, kernel[1])
        rows = np.arange(OH)[:, None] * stride[0] - padding[0] + ky * dilation[0]
        columns = np.arange(OW)[None, :] * stride[1] - padding[1] + kx * dilation[1]
        return (rows * self.input_shape[3] + columns).astype(np.int64)


class _Scatter(Function):
    """Max pooling's backward: each window's gradient added at its maximum."""

    saves_inputs = False

    def forward(self, grad, picked):
        self.picked = picked
        kernel, dilation, padding, stride, _ = picked.windows
        (H, W), (PH, PW) = picked.input_shape[2:], padding
        compiled = kernels.compiled("pool_numba")
        apart = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
        if compiled is not None and apart and grad.dtype in (np.float32, np.float64):
            if _two_by_two(picked.windows, (H, W)):
                image = np.empty(picked.input_shape, grad.dtype)  # every cell written
                compiled.max_pool_scatter_2x2(grad, picked.where, image)
                return image
            image = np.zeros(picked.input_shape, grad.dtype)  # windows apart: one add a cell
            compiled.max_pool_scatter(grad, picked.where, image, *dilation, PH, PW, *stride,
                                      kernel[1])  # fmt: skip
            return image
        image = _padded(np.zeros(picked.input_shape, grad.dtype), picked.windows, 0)
        zero = grad.dtype.type(0)
        for k, view in enumerate(_window_views(image, picked.windows)):
            view += np.where(picked.where == k, grad, zero)  # overlapping windows add up
        return image[:, :, PH : PH + H, PW : PW + W]

    def backward(self, grad):
        return (_Gather()(grad, picked=self.picked),)


class _Gather(Function):
    """The adjoint of _Scatter: each window's element at the recorded maximum."""

    saves_inputs = False

    def forward(self, x, picked):
        self.picked = picked
        views = _window_views(_padded(x, picked.windows, 0), picked.windows)
        out = np.zeros(picked.where.shape, x.dtype)
        for k, view in enumerate(views):
            np.copyto(out, view, where=picked.where == k)
        return out

    def backward(self, grad):
        return (_Scatter()(grad, picked=self.picked),)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """The maximum of each window; padding counts as -inf.

    Args:
        input: (N, C, H, W).
        stride: default kernel_size.
        ceil_mode: a last, partial window where the input has one.
        return_indices: also return each maximum's index in its flattened (H * W) plane.
    Returns:
        (N, C, OH, OW), and the int64 indices of that shape with return_indices.
    Matches torch.nn.functional.max_pool2d.
    """
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)  # fmt: skip


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geometry = _windows(name, shape_of(input), kernel_size, stride, padding, dilation, ceil_mode)
    fn = MaxPool2d()
    out = fn(input, windows=geometry)
    if not return_indices:
        return out
    indices = fn.picked.flat_indices()
    return out, Tensor._from_array(indices) if isinstance(out, Tensor) else indices


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """max_pool2d over (N, C, 1, L). Shapes: (N, C, L) -> (N, C, OL)."""
    x = _as_2d("max_pool1d", input)
    stride = None if stride is None else (1, one_d(stride))
    out = _max_pool("max_pool1d", x, (1, one_d(kernel_size)), stride, (0, one_d(padding)),
                    (1, one_d(dilation)), ceil_mode, return_indices)  # fmt: skip
    if return_indices:
        return squeeze(out[0], 2), squeeze(out[1], 2)
    return squeeze(out, 2)


# ----------------------------------------------------------------------------------------------
# avg_pool2d / adaptive_avg_pool2d
# ----------------------------------------------------------------------------------------------
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):  # fmt: skip
    """The mean of each window.

    Args:
        input: (N, C, H, W).
        count_include_pad: padded zeros count in a window's divisor (a partial window of
            ceil_mode counts only what lies within input and padding).
        divisor_override: divide every window's sum by this instead.
    Returns:
        (N, C, OH, OW). Matches torch.nn.functional.avg_pool2d.
    """
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)  # fmt: skip


def _avg_pool(name, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):  # fmt: skip
    shape = shape_of(input)
    kernel, dilation, padding, stride, (OH, OW) = _windows(name, shape, kernel_size, stride,
                                                           padding, 1, ceil_mode)  # fmt: skip
    N, C, H, W = shape
    bottom = max(0, (OH - 1) * stride[0] + kernel[0] - H - 2 * padding[0])
    right = max(0, (OW - 1) * stride[1] + kernel[1] - W - 2 * padding[1])
    x = pad(input, (0, right, 0, bottom)) if bottom or right else input
    cols = reshape(unfold(x, kernel, 1, padding, stride), (N, C, kernel[0] * kernel[1], OH, OW))
    sums = sum(cols, 2)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not divisor_override:
            raise ValueError(f"{name}: divisor_override must be a non-zero int")
        return sums / divisor_override
    # The divisor of each window: how many of its entries lie where they count.
    counted = np.zeros((H + 2 * padding[0] + bottom, W + 2 * padding[1] + right), np.int64)
    if count_include_pad:
        counted[: H + 2 * padding[0], : W + 2 * padding[1]] = 1
    else:
        counted[padding[0] : padding[0] + H, padding[1] : padding[1] + W] = 1
    windows = unfold_array(counted[None, None], kernel, (1, 1), (0, 0), stride, (OH, OW))
    return sums / windows.sum(axis=(2, 3))[0, 0].astype(sums.dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):  # fmt: skip
    """avg_pool2d over (N, C, 1, L). Shapes: (N, C, L) -> (N, C, OL)."""
    x = _as_2d("avg_pool1d", input)
    stride = None if stride is None else (1, one_d(stride))
    out = _avg_pool("avg_pool1d", x, (1, one_d(kernel_size)), stride, (0, one_d(padding)),
                    ceil_mode, count_include_pad, None)  # fmt: skip
    return squeeze(out, 2)


def _averaging(size, out):
    """(out, size) matrix whose row i averages input positions floor(i size / out) ..
    ceil((i + 1) size / out) - 1: adaptive pooling's windows."""
    matrix = np.zeros((out, size))
    for i in range(out):
        start, stop = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:stop] = 1 / (stop - start)
    return matrix


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (OH, OW): window i along a dim spans floor(i H / OH) to
    ceil((i + 1) H / OH). Shapes: (N, C, H, W) -> (N, C, OH, OW); an output_size entry of None
    keeps that dim. Matches torch.nn.functional.adaptive_avg_pool2d."""
    name = "adaptive_avg_pool2d"
    shape = shape_of(input)
    if len(shape) != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {shape}")
    wanted = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    wanted = tuple(n if o is None else o for n, o in zip(shape[2:], wanted))
    (OH, OW) = pair(name, "output_size", wanted, 1)
    dtype = input.dtype if isinstance(input, Tensor) else np.asarray(input).dtype
    rows = _averaging(shape[2], OH).astype(dtype)
    columns = _averaging(shape[3], OW).T.astype(dtype)
    return matmul(matmul(rows, input), columns)
