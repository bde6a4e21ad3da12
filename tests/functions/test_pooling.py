"""badak/functions/pooling.py: gradients to second order, tie and NaN rules, divisors, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
from badak.gradcheck import gradcheck, gradgradcheck
from badak.nn import functional as F


def leaf(*shape, seed=0):
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def distinct_leaf(*shape, seed=0):
    """Values at least 0.1 apart: no tie within a finite-difference step."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    data = (rng.permutation(n) + rng.uniform(0.2, 0.8, n)) / 10 - n / 20
    return badak.Tensor(data.reshape(shape), requires_grad=True)


def first(pair):
    return pair[0]


# name, function, input shape, leaf maker
POOLS = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), (2, 2, 4, 5), distinct_leaf),
    ("max_pool2d_stride_padding_dilation",
     lambda x: F.max_pool2d(x, (3, 2), (2, 1), (1, 1), (1, 2)), (1, 2, 5, 6), distinct_leaf),
    ("max_pool2d_ceil_mode", lambda x: F.max_pool2d(x, 2, 2, 1, ceil_mode=True), (1, 2, 5, 4),
     distinct_leaf),
    ("max_pool2d_return_indices",
     lambda x: first(F.max_pool2d(x, 3, 1, 1, return_indices=True)), (1, 1, 4, 4), distinct_leaf),
    ("max_pool1d", lambda x: F.max_pool1d(x, 2), (2, 3, 6), distinct_leaf),
    ("max_pool1d_options", lambda x: F.max_pool1d(x, 3, 2, 1, 2, True), (2, 2, 8), distinct_leaf),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), (2, 2, 4, 5), leaf),
    ("avg_pool2d_stride_padding_without_pad_count",
     lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 1), count_include_pad=False), (1, 2, 5, 4),
     leaf),
    ("avg_pool2d_ceil_mode", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (1, 2, 6, 5),
     leaf),
    ("avg_pool2d_ceil_mode_without_pad_count",
     lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), (1, 2, 6, 5), leaf),
    ("avg_pool2d_divisor_override", lambda x: F.avg_pool2d(x, 2, 1, 1, divisor_override=3),
     (1, 2, 3, 4), leaf),
    ("avg_pool1d", lambda x: F.avg_pool1d(x, 3), (2, 3, 7), leaf),
    ("avg_pool1d_options", lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), (2, 2, 6), leaf),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (2, 2, 5, 7), leaf),
    ("adaptive_avg_pool2d_none_and_int",
     lambda x: F.adaptive_avg_pool2d(x, (None, 2)), (1, 3, 3, 5), leaf),
    ("adaptive_avg_pool2d_to_one", lambda x: F.adaptive_avg_pool2d(x, 1), (2, 2, 3, 3), leaf),
]  # fmt: skip

CASES = [pytest.param(f, s, m, id=n) for n, f, s, m in POOLS]


@pytest.mark.parametrize("fn, shape, make", CASES)
def test_pooling_gradient_matches_finite_differences(fn, shape, make):
    assert gradcheck(fn, make(*shape))


@pytest.mark.parametrize("fn, shape, make", CASES)
def test_pooling_second_derivative(fn, shape, make):
    # squared: pooling is (piecewise) linear, so its own second derivative is zero
    assert gradgradcheck(lambda x: fn(x) * fn(x), make(*shape))


# --- max pooling: ties, NaN, indices, padding -------------------------------------------------
def test_max_pool2d_gradient_goes_to_the_first_maximum_on_ties():
    data = np.array([[[[1.0, 5.0, 5.0], [5.0, 2.0, 5.0]]]])
    x = badak.Tensor(data, requires_grad=True)
    out, indices = F.max_pool2d(x, 2, stride=1, return_indices=True)
    out.backward(badak.Tensor(np.array([[[[10.0, 100.0]]]])))
    np.testing.assert_array_equal(out.numpy(), [[[[5.0, 5.0]]]])
    np.testing.assert_array_equal(indices.numpy(), [[[[1, 1]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 110.0, 0.0], [0.0, 0.0, 0.0]]]])
    t = torch.tensor(data, requires_grad=True)
    TF.max_pool2d(t, 2, stride=1).backward(torch.tensor([[[[10.0, 100.0]]]], dtype=t.dtype))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_max_pool2d_picks_the_first_real_entry_of_a_constant_padded_window():
    data = np.full((1, 1, 3, 3), -3.0)
    x = badak.Tensor(data, requires_grad=True)
    out, indices = F.max_pool2d(x, 3, stride=1, padding=1, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(out.numpy(), data)
    np.testing.assert_array_equal(indices.numpy(), [[[[0, 0, 1], [0, 0, 1], [3, 3, 4]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[4, 2, 0], [2, 1, 0], [0, 0, 0.0]]]])
    t = torch.tensor(data, requires_grad=True)
    TF.max_pool2d(t, 3, stride=1, padding=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_max_pool2d_propagates_nan_and_sends_its_gradient_there():
    data = np.array([[[[9.0, np.nan, 1.0, 2.0], [3.0, 4.0, 5.0, 6.0]]]])
    x = badak.Tensor(data, requires_grad=True)
    out, indices = F.max_pool2d(x, 2, return_indices=True)
    out.sum().backward()
    np.testing.assert_array_equal(out.numpy(), [[[[np.nan, 6.0]]]])
    np.testing.assert_array_equal(indices.numpy(), [[[[1, 7]]]])
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1, 0, 0], [0, 0, 0, 1.0]]]])
    t = torch.tensor(data, requires_grad=True)
    TF.max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(
    "kernel, stride, padding, dilation, ceil_mode",
    [(2, None, 0, 1, False), (3, 2, 1, 1, True), ((2, 3), (1, 2), (1, 1), (2, 1), True)],
)
def test_max_pool2d_indices_point_at_the_maxima(kernel, stride, padding, dilation, ceil_mode):
    x = distinct_leaf(2, 3, 5, 6)
    out, indices = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, True)
    assert indices.numpy().dtype == np.int64
    assert indices.numpy().min() >= 0 and indices.numpy().max() < 30
    flat = x.numpy().reshape(2, 3, 30)
    gathered = np.take_along_axis(flat, indices.numpy().reshape(2, 3, -1), axis=2)
    np.testing.assert_array_equal(gathered.reshape(out.shape), out.numpy())


def test_max_pool2d_padding_counts_as_minus_infinity():
    data = -1.0 - np.arange(9.0).reshape(1, 1, 3, 3)
    out = F.max_pool2d(badak.Tensor(data), 2, padding=1).numpy()
    np.testing.assert_array_equal(out, [[[[-1.0, -2.0], [-4.0, -5.0]]]])


def test_max_pool2d_gradient_counts_the_windows_each_maximum_wins():
    x = badak.Tensor(np.array([[[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]])


def test_max_pool1d_is_max_pool2d_over_a_single_row():
    x = distinct_leaf(2, 3, 9)
    out, indices = F.max_pool1d(x, 3, 2, 1, 2, True, return_indices=True)
    out2, indices2 = F.max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1), (1, 2), True, True)
    np.testing.assert_array_equal(out.numpy(), out2.numpy()[:, :, 0])
    np.testing.assert_array_equal(indices.numpy(), indices2.numpy()[:, :, 0])


# --- average pooling: divisors ------------------------------------------------------------------
@pytest.mark.parametrize(
    "kernel, stride, padding, ceil_mode",
    [(3, 1, 1, False), (3, 2, 1, True), ((2, 3), (2, 2), (1, 1), True), (2, 3, 0, True)],
)
def test_avg_pool2d_of_a_constant_without_pad_count_is_that_constant(
    kernel, stride, padding, ceil_mode
):
    x = badak.Tensor(np.full((1, 2, 5, 6), 2.5))
    out = F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad=False)
    np.testing.assert_allclose(out.numpy(), np.full(out.shape, 2.5), rtol=1e-15)


def test_avg_pool2d_counts_padded_zeros_by_default():
    out = F.avg_pool2d(badak.Tensor(np.full((1, 1, 4, 4), 2.0)), 3, 1, 1).numpy()[0, 0]
    assert out[0, 0] == pytest.approx(2.0 * 4 / 9) and out[0, 1] == pytest.approx(2.0 * 6 / 9)
    assert out[1, 1] == pytest.approx(2.0)


def test_avg_pool2d_over_tiles_is_the_mean_of_each_tile():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 6))
    expected = x.reshape(2, 3, 2, 2, 2, 3).mean(axis=(3, 5))
    np.testing.assert_allclose(F.avg_pool2d(badak.Tensor(x), (2, 3)).numpy(), expected)


def test_avg_pool2d_divisor_override_divides_each_window_sum():
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 4))
    out = F.avg_pool2d(badak.Tensor(x), 2, divisor_override=3).numpy()
    np.testing.assert_allclose(out, x.reshape(1, 2, 2, 2, 2, 2).sum(axis=(3, 5)) / 3)


def test_avg_pool1d_is_avg_pool2d_over_a_single_row():
    x = np.random.default_rng(3).standard_normal((2, 3, 9))
    out = F.avg_pool1d(badak.Tensor(x), 3, 2, 1, True, False).numpy()
    expected = F.avg_pool2d(badak.Tensor(x[:, :, None]), (1, 3), (1, 2), (0, 1), True, False)
    np.testing.assert_array_equal(out, expected.numpy()[:, :, 0])


def test_adaptive_avg_pool2d_to_the_input_size_is_the_identity_and_to_one_the_mean():
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(badak.Tensor(x), (4, 5)).numpy(), x)
    out = F.adaptive_avg_pool2d(badak.Tensor(x), 1).numpy()
    np.testing.assert_allclose(out, x.mean(axis=(2, 3), keepdims=True))


def test_adaptive_avg_pool2d_of_a_divisible_size_is_avg_pool2d():
    x = badak.Tensor(np.random.default_rng(5).standard_normal((2, 3, 6, 8)))
    np.testing.assert_allclose(
        F.adaptive_avg_pool2d(x, (3, 2)).numpy(), F.avg_pool2d(x, (2, 4)).numpy(), rtol=1e-12
    )


@pytest.mark.parametrize(
    "pool",
    [
        lambda x: F.max_pool2d(x, 2),
        lambda x: F.avg_pool2d(x, 2, 1, 1, True, False),
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    ],
    ids=["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"],
)
def test_pooling_keeps_float32_in_values_and_gradient(pool):
    x = badak.Tensor(np.random.default_rng(6).random((1, 2, 4, 4), np.float32), requires_grad=True)
    out = pool(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# --- bad input --------------------------------------------------------------------------------
def t(*shape):
    return badak.Tensor(np.zeros(shape))


BAD_CALLS = [
    ("max_pool2d", "input_rank", lambda: F.max_pool2d(t(2, 4, 4), 2)),
    ("max_pool2d", "padding_over_half_the_kernel", lambda: F.max_pool2d(t(1, 1, 4, 4), 2, 1, 2)),
    ("max_pool2d", "kernel_larger_than_input", lambda: F.max_pool2d(t(1, 1, 3, 3), (4, 1))),
    ("max_pool2d", "zero_stride", lambda: F.max_pool2d(t(1, 1, 4, 4), 2, 0)),
    ("max_pool1d", "input_rank", lambda: F.max_pool1d(t(1, 2, 4, 4), 2)),
    ("max_pool1d", "kernel_larger_than_input", lambda: F.max_pool1d(t(1, 2, 3), 4)),
    ("avg_pool2d", "input_rank", lambda: F.avg_pool2d(t(4, 4), 2)),
    ("avg_pool2d", "padding_over_half_the_kernel", lambda: F.avg_pool2d(t(1, 1, 4, 4), 3, 1, 2)),
    ("avg_pool2d", "kernel_larger_than_input", lambda: F.avg_pool2d(t(1, 1, 3, 3), 4)),
    ("avg_pool2d", "zero_divisor_override",
     lambda: F.avg_pool2d(t(1, 1, 4, 4), 2, divisor_override=0)),
    ("avg_pool1d", "input_rank", lambda: F.avg_pool1d(t(2, 4), 2)),
    ("avg_pool1d", "padding_over_half_the_kernel", lambda: F.avg_pool1d(t(1, 2, 6), 2, 1, 2)),
    ("adaptive_avg_pool2d", "input_rank", lambda: F.adaptive_avg_pool2d(t(2, 4, 4), 2)),
    ("adaptive_avg_pool2d", "zero_output_size",
     lambda: F.adaptive_avg_pool2d(t(1, 1, 4, 4), (0, 2))),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, call", [pytest.param(n, c, id=f"{n}-{case}") for n, case, c in BAD_CALLS]
)
def test_bad_input_raises_value_error_naming_the_function(name, call):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()
