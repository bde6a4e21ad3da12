"""Convolution and pooling layers: Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d,
AvgPool1d, AvgPool2d, AdaptiveAvgPool2d. Each is a Module whose forward calls the matching
function of badak.functions.conv or .pooling, with PyTorch's arguments, parameter shapes and
default initialisation (uniform in +-1/sqrt(fan_in), drawn from badak's generator)."""

import math

from badak.device import np
from badak.functions import conv, pooling
from badak.nn import init
from badak.nn.module import Module, layer_dtype
from badak.nn.parameter import Parameter


def _tuple(name, value, n):
    """An int, or n ints, as a tuple of n positive-or-zero ints."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in values):
        raise ValueError(f"{name}: expected an int or {n} ints >= 0, got {value!r}")
    return tuple(int(v) for v in values)


class _ConvNd(Module):
    """The parameters and arguments the convolutions share; `dims` is 1 or 2."""

    dims = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None, *,
                 generator=None, output_padding=0):  # fmt: skip
        super().__init__()
        dtype = layer_dtype(device, dtype)
        name = type(self).__name__
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels {in_channels} and out_channels {out_channels} must be "
                f"divisible by groups {groups}"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}"
            )
        n = self.dims
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(name, kernel_size, n)
        self.stride, self.dilation = _tuple(name, stride, n), _tuple(name, dilation, n)
        self.padding = _tuple(name, padding, n)
        self.output_padding = _tuple(name, output_padding, n)
        self.padding_mode = padding_mode
        if self.transposed:  # (in, out / groups, k...), as torch's ConvTranspose
            shape = (in_channels, out_channels // groups, *self.kernel_size)
            fan_in = (out_channels // groups) * math.prod(self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
            fan_in = (in_channels // groups) * math.prod(self.kernel_size)
        bound = 1 / math.sqrt(fan_in)
        self.weight = Parameter(np.empty(shape, dtype))
        init.uniform_(self.weight, -bound, bound, generator=generator)
        self.bias = None
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype))
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def extra_repr(self):
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if any(self.padding):
            text += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution. Shapes: (N, C_in, L) -> (N, C_out, L_out); weight (C_out, C_in / groups,
    K), bias (C_out,)."""

    dims = 1

    def forward(self, x):
        return conv.conv1d(x, self.weight, self.bias, self.stride[0], self.padding[0],
                           self.dilation[0], self.groups)  # fmt: skip


class Conv2d(_ConvNd):
    """2-D convolution. Shapes: (N, C_in, H, W) -> (N, C_out, H_out, W_out); weight
    (C_out, C_in / groups, KH, KW), bias (C_out,)."""

    def forward(self, x):
        return conv.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                           self.groups)  # fmt: skip


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the gradient of Conv2d as a layer). Shapes: (N, C_in, H, W)
    -> (N, C_out, H_out, W_out); weight (C_in, C_out / groups, KH, KW), bias (C_out,)."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None, *, generator=None):  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, device, dtype, generator=generator,
                         output_padding=output_padding)  # fmt: skip

    def forward(self, x):
        return conv.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                     self.output_padding, self.groups, self.dilation)  # fmt: skip


class MaxPool1d(Module):
    """The maximum of each window along L: (N, C, L) -> (N, C, L_out)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):  # fmt: skip
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride  # as PyTorch keeps it
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        return pooling.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                                  self.ceil_mode, self.return_indices)  # fmt: skip

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(MaxPool1d):
    """The maximum of each window: (N, C, H, W) -> (N, C, H_out, W_out)."""

    def forward(self, x):
        return pooling.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                                  self.ceil_mode, self.return_indices)  # fmt: skip


class AvgPool1d(Module):
    """The mean of each window along L: (N, C, L) -> (N, C, L_out)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):  # fmt: skip
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride  # as PyTorch keeps it
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return pooling.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                  self.count_include_pad)  # fmt: skip

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(AvgPool1d):
    """The mean of each window: (N, C, H, W) -> (N, C, H_out, W_out)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):  # fmt: skip
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        return pooling.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                  self.count_include_pad, self.divisor_override)  # fmt: skip


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size: (N, C, H, W) -> (N, C, OH, OW)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return pooling.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
