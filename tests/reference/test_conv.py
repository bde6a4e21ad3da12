"""badak's convolutions (unfold, fold, conv1d, conv2d, conv_transpose2d) and pad against
PyTorch: values and every input's gradient, over shapes, strides, paddings (int, pair, 'same',
'valid'), dilations, groups and output paddings, in float64 and float32."""

import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import badak.nn.functional as F

from .helpers import compare, each_dtype, normal, seeds


def pairs(low, high):
    """An int or an (int, int) pair in [low, high]."""
    return st.integers(low, high) | st.tuples(st.integers(low, high), st.integers(low, high))


def as_pair(value):
    return (value, value) if isinstance(value, int) else value


@st.composite
def sizes(draw, kernel, dilation, padding):
    """A size per dim that the dilated kernel fits once padded, with a few windows to spare."""
    fits = [max(1, d * (k - 1) + 1 - 2 * p) for k, d, p in zip(kernel, dilation, padding)]
    return tuple(draw(st.integers(f, f + 4)) for f in fits)


def with_optional_bias(fn, has_bias):
    """fn(x, w, bias) called with the leaves compare builds: (x, w) or (x, w, b)."""
    return lambda x, w, *b: fn(x, w, b[0] if has_bias else None)


# ----------------------------------------------------------------------------------------------
# conv2d / conv1d
# ----------------------------------------------------------------------------------------------
@st.composite
def conv_cases(draw, ndim):
    """(input shape, weight shape, bias, stride, padding, dilation, groups) of a convolution
    over `ndim` spatial dims (1 or 2)."""
    side = st.integers(1, 3) if ndim == 1 else st.tuples(st.integers(1, 3), st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    in_channels, out_channels = (groups * draw(st.integers(1, 2)) for _ in range(2))
    kernel = draw(side)
    dilation = draw(st.integers(1, 2) if ndim == 1 else pairs(1, 2))
    padding = draw(
        st.sampled_from(["same", "valid"]) | (st.integers(0, 2) if ndim == 1 else pairs(0, 2))
    )
    stride = 1 if padding == "same" else draw(st.integers(1, 3) if ndim == 1 else pairs(1, 3))
    as_dims = (lambda v: (v,)) if ndim == 1 else as_pair
    numeric = (0,) * ndim if isinstance(padding, str) else as_dims(padding)
    size = draw(sizes(as_dims(kernel), as_dims(dilation), numeric))
    x_shape = (draw(st.integers(1, 2)), in_channels, *size)
    w_shape = (out_channels, in_channels // groups, *as_dims(kernel))
    return x_shape, w_shape, draw(st.booleans()), stride, padding, dilation, groups


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@each_dtype
@settings(max_examples=30)
@given(case=conv_cases(2), seed=seeds)
def test_conv2d_matches_torch_with_groups_stride_padding_and_dilation(dtype, case, seed):
    x_shape, w_shape, has_bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrays = [normal(rng, x_shape), normal(rng, w_shape)] + has_bias * [normal(rng, w_shape[0])]
    compare(
        with_optional_bias(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups),
                           has_bias),
        with_optional_bias(lambda x, w, b: TF.conv2d(x, w, b, stride, padding, dilation, groups),
                           has_bias),
        arrays, dtype, seed=seed,
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@each_dtype
@settings(max_examples=25)
@given(case=conv_cases(1), seed=seeds)
def test_conv1d_matches_torch_with_groups_stride_padding_and_dilation(dtype, case, seed):
    x_shape, w_shape, has_bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrays = [normal(rng, x_shape), normal(rng, w_shape)] + has_bias * [normal(rng, w_shape[0])]
    compare(
        with_optional_bias(lambda x, w, b: F.conv1d(x, w, b, stride, padding, dilation, groups),
                           has_bias),
        with_optional_bias(lambda x, w, b: TF.conv1d(x, w, b, stride, padding, dilation, groups),
                           has_bias),
        arrays, dtype, seed=seed,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# conv_transpose2d
# ----------------------------------------------------------------------------------------------
@st.composite
def transposed_cases(draw):
    """(input shape, weight shape, bias, stride, padding, output_padding, groups, dilation), the
    output padding below the stride along each dim."""
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, dilation = as_pair(draw(pairs(1, 3))), as_pair(draw(pairs(1, 2)))
    padding = as_pair(draw(pairs(0, 2)))
    extra = tuple(draw(st.integers(0, s - 1)) for s in stride)
    size = []
    for s, p, d, k, e in zip(stride, padding, dilation, kernel, extra):
        # the smallest input whose output, (n - 1) s - 2 p + d (k - 1) + e + 1, is not empty
        smallest = next(n for n in range(1, 10) if (n - 1) * s - 2 * p + d * (k - 1) + e >= 0)
        size.append(draw(st.integers(smallest, smallest + 3)))
    x_shape = (draw(st.integers(1, 2)), in_channels, *size)
    w_shape = (in_channels, draw(st.integers(1, 2)), *kernel)
    return x_shape, w_shape, draw(st.booleans()), stride, padding, extra, groups, dilation


@each_dtype
@settings(max_examples=30)
@given(case=transposed_cases(), seed=seeds)
def test_conv_transpose2d_matches_torch_with_output_padding_groups_and_dilation(dtype, case, seed):
    x_shape, w_shape, has_bias, stride, padding, extra, groups, dilation = case
    rng = np.random.default_rng(seed)
    bias = has_bias * [normal(rng, w_shape[1] * groups)]
    arrays = [normal(rng, x_shape), normal(rng, w_shape)] + bias
    options = stride, padding, extra, groups, dilation
    compare(
        with_optional_bias(lambda x, w, b: F.conv_transpose2d(x, w, b, *options), has_bias),
        with_optional_bias(lambda x, w, b: TF.conv_transpose2d(x, w, b, *options), has_bias),
        arrays,
        dtype,
        seed=seed,
    )


@each_dtype
@pytest.mark.parametrize("stride, extra, dilation", [(1, 1, 2), ((2, 1), (0, 1), (1, 2))])
def test_conv_transpose2d_matches_torch_with_output_padding_below_the_dilation(
    dtype, stride, extra, dilation
):
    rng = np.random.default_rng(0)
    arrays = [normal(rng, (2, 2, 3, 4)), normal(rng, (2, 3, 2, 2)), normal(rng, 3)]
    compare(
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride, 0, extra, 1, dilation),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, stride, 0, extra, 1, dilation),
        arrays,
        dtype,
    )


# ----------------------------------------------------------------------------------------------
# unfold / fold
# ----------------------------------------------------------------------------------------------
@st.composite
def window_cases(draw):
    """(channels, kernel, dilation, padding, stride, image size) of an unfold or fold."""
    kernel, dilation = as_pair(draw(pairs(1, 3))), as_pair(draw(pairs(1, 2)))
    padding, stride = as_pair(draw(pairs(0, 2))), as_pair(draw(pairs(1, 3)))
    size = draw(sizes(kernel, dilation, padding))
    return draw(st.integers(1, 3)), kernel, dilation, padding, stride, size


@each_dtype
@settings(max_examples=30)
@given(case=window_cases(), n=st.integers(1, 2), seed=seeds)
def test_unfold_matches_torch(dtype, case, n, seed):
    channels, *geometry, size = case
    x = normal(np.random.default_rng(seed), (n, channels, *size))
    compare(
        lambda t: F.unfold(t, *geometry), lambda t: TF.unfold(t, *geometry), [x], dtype, seed=seed
    )


@each_dtype
@settings(max_examples=30)
@given(case=window_cases(), n=st.integers(1, 2), seed=seeds)
def test_fold_matches_torch(dtype, case, n, seed):
    channels, kernel, dilation, padding, stride, size = case
    windows = [
        (s + 2 * p - d * (k - 1) - 1) // t + 1
        for s, k, d, p, t in zip(size, kernel, dilation, padding, stride)
    ]
    shape = (n, channels * kernel[0] * kernel[1], windows[0] * windows[1])
    cols = normal(np.random.default_rng(seed), shape)
    geometry = size, kernel, dilation, padding, stride
    compare(
        lambda t: F.fold(t, *geometry), lambda t: TF.fold(t, *geometry), [cols], dtype, seed=seed
    )


# ----------------------------------------------------------------------------------------------
# pad
# ----------------------------------------------------------------------------------------------
@st.composite
def pad_cases(draw):
    """(shape, widths, mode, value): negative widths crop; each mode within PyTorch's limits
    (reflect below the cropped size, circular at most it; non-constant modes need 1 or 2 more
    dims than they pad)."""
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    padded = draw(st.integers(1, 3))
    if mode == "constant":
        shape = draw(st.lists(st.integers(1, 4), min_size=padded, max_size=4))
    else:
        shape = draw(st.lists(st.integers(1, 4), min_size=padded + 1, max_size=padded + 2))
    widths = []
    for n in reversed(shape[len(shape) - padded :]):
        before, after = (draw(st.integers(-((n - 1) // 2), 3)) for _ in range(2))
        kept = n + min(before, 0) + min(after, 0)
        cap = {"reflect": kept - 1, "circular": kept}.get(mode, 3)
        widths += [min(before, cap), min(after, cap)]
    value = draw(st.sampled_from([None, 0.0, -1.5, 4.0])) if mode == "constant" else None
    return tuple(shape), tuple(widths), mode, value


@each_dtype
@settings(max_examples=40)
@given(case=pad_cases(), seed=seeds)
def test_pad_matches_torch_in_every_mode_with_cropping(dtype, case, seed):
    shape, widths, mode, value = case
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: F.pad(t, widths, mode, value),
        lambda t: TF.pad(t, widths, mode, value),
        [x],
        dtype,
        seed=seed,
    )
