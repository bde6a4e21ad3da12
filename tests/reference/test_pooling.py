"""badak's pooling (max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d) against PyTorch: values,
indices (exactly) and the input's gradient over shapes, strides, paddings, dilations, ceil_mode,
count_include_pad and divisor_override, in float64 and float32. Max pooling draws values without
ties (the tie rule is tested in tests/functions/test_pooling.py)."""

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import badak
import badak.nn.functional as F

from .helpers import compare, distinct, each_dtype, normal, seeds


def touches_input(n, kernel, stride, padding, dilation, ceil_mode):
    """Whether each window along a dim of size n holds an input entry, not only padding; a
    dilated window can fall wholly on padding, where PyTorch's index (and so its gradient) points
    at an arbitrary entry outside the window."""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1
    return all(
        any(0 <= i * stride - padding + j * dilation < n for j in range(kernel)) for i in range(out)
    )


@st.composite
def windows(draw, dilate=True):
    """(kernel, stride, padding, dilation, ceil_mode, size) along one dim: padding at most half
    the kernel, the dilated kernel fitting the padded input, no window wholly on padding."""
    kernel = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3) | st.just(kernel))
    padding = draw(st.integers(0, kernel // 2))
    dilation = draw(st.integers(1, 2)) if dilate else 1
    fits = max(1, dilation * (kernel - 1) + 1 - 2 * padding)
    ceil_mode, size = draw(st.booleans()), draw(st.integers(fits, fits + 5))
    assume(touches_input(size, kernel, stride, padding, dilation, ceil_mode))
    return kernel, stride, padding, dilation, ceil_mode, size


@st.composite
def windows_2d(draw, dilate=True):
    """(kernel, stride, padding, dilation, ceil_mode, (H, W)), each an int where both dims agree,
    the stride sometimes left to its default (None) where it is the kernel."""
    rows = draw(windows(dilate))
    columns = draw(windows(dilate).filter(lambda c: c[4] == rows[4]))
    kernel, stride, padding, dilation = (
        a if a == b and draw(st.booleans()) else (a, b) for a, b in zip(rows[:4], columns[:4])
    )
    if stride == kernel and draw(st.booleans()):
        stride = None
    return kernel, stride, padding, dilation, rows[4], (rows[5], columns[5])


def default_stride(draw, kernel, stride):
    """None where the stride is the kernel, half the time."""
    return None if stride == kernel and draw(st.booleans()) else stride


def batch(draw):
    return draw(st.integers(1, 2)), draw(st.integers(1, 3))


# ----------------------------------------------------------------------------------------------
# Max pooling
# ----------------------------------------------------------------------------------------------
@each_dtype
@settings(max_examples=40)
@given(case=windows_2d(), data=st.data(), return_indices=st.booleans(), seed=seeds)
def test_max_pool2d_matches_torch_with_indices_and_ceil_mode(
    dtype, case, data, return_indices, seed
):
    kernel, stride, padding, dilation, ceil_mode, size = case
    x = distinct(np.random.default_rng(seed), (*batch(data.draw), *size))
    options = kernel, stride, padding, dilation, ceil_mode, return_indices
    compare(
        lambda t: F.max_pool2d(t, *options),
        lambda t: TF.max_pool2d(t, *options),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@settings(max_examples=30)
@given(case=windows(), data=st.data(), return_indices=st.booleans(), seed=seeds)
def test_max_pool1d_matches_torch_with_indices_and_ceil_mode(
    dtype, case, data, return_indices, seed
):
    kernel, stride, padding, dilation, ceil_mode, size = case
    stride = default_stride(data.draw, kernel, stride)
    x = distinct(np.random.default_rng(seed), (*batch(data.draw), size))
    options = kernel, stride, padding, dilation, ceil_mode, return_indices
    compare(
        lambda t: F.max_pool1d(t, *options),
        lambda t: TF.max_pool1d(t, *options),
        [x],
        dtype,
        seed=seed,
    )


# ----------------------------------------------------------------------------------------------
# Average pooling
# ----------------------------------------------------------------------------------------------
@each_dtype
@settings(max_examples=40)
@given(
    case=windows_2d(dilate=False),
    data=st.data(),
    count_include_pad=st.booleans(),
    divisor_override=st.sampled_from([None, None, 1, 3, 7]),
    seed=seeds,
)
def test_avg_pool2d_matches_torch_with_ceil_mode_pad_counting_and_divisor_override(
    dtype, case, data, count_include_pad, divisor_override, seed
):
    kernel, stride, padding, _, ceil_mode, size = case
    x = normal(np.random.default_rng(seed), (*batch(data.draw), *size))
    options = kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    compare(
        lambda t: F.avg_pool2d(t, *options),
        lambda t: TF.avg_pool2d(t, *options),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@settings(max_examples=30)
@given(case=windows(dilate=False), data=st.data(), count_include_pad=st.booleans(), seed=seeds)
def test_avg_pool1d_matches_torch_with_ceil_mode_and_pad_counting(
    dtype, case, data, count_include_pad, seed
):
    kernel, stride, padding, _, ceil_mode, size = case
    stride = default_stride(data.draw, kernel, stride)
    x = normal(np.random.default_rng(seed), (*batch(data.draw), size))
    options = kernel, stride, padding, ceil_mode, count_include_pad
    compare(
        lambda t: F.avg_pool1d(t, *options),
        lambda t: TF.avg_pool1d(t, *options),
        [x],
        dtype,
        seed=seed,
    )


@st.composite
def adaptive_cases(draw):
    """(input shape, output_size): an int, or a pair with entries from 1 to past the input's
    size (windows then overlap) or None (the input's size)."""
    shape = (*batch(draw), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    output = st.integers(1, 8)
    if draw(st.booleans()):
        return shape, draw(output)
    return shape, tuple(draw(output | st.none()) for _ in range(2))


@each_dtype
@settings(max_examples=40)
@given(case=adaptive_cases(), seed=seeds)
def test_adaptive_avg_pool2d_matches_torch(dtype, case, seed):
    shape, output_size = case
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: F.adaptive_avg_pool2d(t, output_size),
        lambda t: TF.adaptive_avg_pool2d(t, output_size),
        [x],
        dtype,
        seed=seed,
    )


def test_max_pool_picks_as_torch_scans_ties_first_nan_last_and_keeps_negative_zero():
    x = np.array([[[[1, np.nan, 3, 3], [np.nan, 0, 3, 3], [-0.0, 0.0, 5, np.nan], [0, 0, 5, 2]]]])
    results = []
    for lib, pool in ((badak, F.max_pool2d), (torch, TF.max_pool2d)):
        t = lib.tensor(x, requires_grad=True)
        y, indices = pool(t, 2, return_indices=True)
        y.sum().backward()
        results.append((y.detach().numpy(), indices.numpy(), t.grad.numpy()))
    (y, indices, grad), (ty, tindices, tgrad) = results
    np.testing.assert_array_equal(y, ty)
    assert np.array_equal(np.signbit(y), np.signbit(ty))  # -0.0 where torch has it
    np.testing.assert_array_equal(indices, tindices)
    np.testing.assert_array_equal(grad, tgrad)
