"""badak/functions/conv.py and pad: gradients to second order, adjoint identities, errors."""

import numpy as np
import pytest

import badak
from badak.gradcheck import gradcheck, gradgradcheck
from badak.nn import functional as F


def leaf(*shape, seed=0):
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# name, function, shapes of its inputs (each a float64 leaf)
CONVOLUTIONS = [
    ("unfold", lambda x: F.unfold(x, 2), [(2, 2, 3, 4)]),
    ("unfold_options", lambda x: F.unfold(x, (2, 3), (2, 1), (1, 2), (2, 1)), [(1, 2, 4, 3)]),
    ("fold", lambda c: F.fold(c, (3, 4), 2), [(2, 8, 6)]),
    ("fold_options", lambda c: F.fold(c, (4, 3), (2, 3), (2, 1), (1, 2), (2, 1)), [(1, 12, 10)]),
    ("conv2d", F.conv2d, [(2, 3, 4, 5), (2, 3, 2, 3), (2,)]),
    ("conv2d_no_bias", F.conv2d, [(2, 3, 4, 4), (2, 3, 3, 3)]),
    ("conv2d_stride_padding_dilation",
     lambda x, w, b: F.conv2d(x, w, b, (2, 1), (1, 2), (1, 2)), [(1, 2, 5, 5), (3, 2, 2, 3), (3,)]),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, 1, 1, 1, 2),
     [(2, 4, 3, 3), (6, 2, 2, 2), (6,)]),
    ("conv2d_same_odd_kernel", lambda x, w: F.conv2d(x, w, padding="same"),
     [(1, 2, 4, 4), (2, 2, 3, 3)]),
    ("conv2d_same_even_kernel_dilated",
     lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 3)), [(1, 2, 4, 5), (2, 2, 2, 2)]),
    ("conv2d_valid", lambda x, w: F.conv2d(x, w, padding="valid"), [(1, 2, 4, 4), (2, 2, 2, 3)]),
    ("conv1d", F.conv1d, [(2, 3, 6), (2, 3, 3), (2,)]),
    ("conv1d_stride_padding_dilation_groups",
     lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2, 2), [(2, 4, 7), (2, 2, 2), (2,)]),
    ("conv1d_same", lambda x, w: F.conv1d(x, w, padding="same"), [(1, 2, 5), (3, 2, 4)]),
    ("conv_transpose2d", F.conv_transpose2d, [(2, 3, 3, 2), (3, 2, 2, 3), (2,)]),
    ("conv_transpose2d_stride_padding_output_padding",
     lambda x, w, b: F.conv_transpose2d(x, w, b, (2, 3), 1, (1, 2)),
     [(1, 2, 3, 3), (2, 3, 3, 3), (3,)]),
    ("conv_transpose2d_groups_dilation",
     lambda x, w, b: F.conv_transpose2d(x, w, b, 1, 0, 0, 2, (2, 1)),
     [(1, 4, 2, 3), (4, 1, 2, 2), (2,)]),
]  # fmt: skip


def leaves(shapes):
    return tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))


@pytest.mark.parametrize("fn, shapes", [pytest.param(f, s, id=n) for n, f, s in CONVOLUTIONS])
def test_convolution_gradient_matches_finite_differences(fn, shapes):
    assert gradcheck(fn, leaves(shapes))


@pytest.mark.parametrize("fn, shapes", [pytest.param(f, s, id=n) for n, f, s in CONVOLUTIONS])
def test_convolution_second_derivative(fn, shapes):
    # squared: unfold and fold are linear, so their own second derivative is zero
    assert gradgradcheck(lambda *xs: fn(*xs) * fn(*xs), leaves(shapes))


PADS = [
    ("constant", lambda x: F.pad(x, (1, 2))),
    ("constant_value_two_dims", lambda x: F.pad(x, (1, 0, 2, 1), value=3.5)),
    ("constant_three_dims", lambda x: F.pad(x, (0, 1, 1, 0, 2, 1))),
    ("constant_negative_crops", lambda x: F.pad(x, (-1, 2, 1, -2))),
    ("reflect", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect")),
    ("replicate", lambda x: F.pad(x, (3, 1, 0, 2), mode="replicate")),
    ("circular", lambda x: F.pad(x, (2, 3, 1, 1), mode="circular")),
    ("circular_negative", lambda x: F.pad(x, (-1, 2), mode="circular")),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=n) for n, f in PADS])
def test_pad_gradient_to_second_order(fn):
    x = leaf(2, 3, 4)
    assert gradcheck(fn, x)
    assert gradgradcheck(lambda x: fn(x) * fn(x), x)


# --- values and properties --------------------------------------------------------------------
def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    (N, _, H, W), (O, CG, KH, KW) = x.shape, w.shape
    (SH, SW), (PH, PW), (DH, DW) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (PH, PH), (PW, PW)))
    OH = (H + 2 * PH - DH * (KH - 1) - 1) // SH + 1
    OW = (W + 2 * PW - DW * (KW - 1) - 1) // SW + 1
    out = np.zeros((N, O, OH, OW))
    for n, o, i, j in np.ndindex(out.shape):
        g = o // (O // groups)
        for c, ky, kx in np.ndindex(CG, KH, KW):
            pixel = xp[n, g * CG + c, i * SH + ky * DH, j * SW + kx * DW]
            out[n, o, i, j] += w[o, c, ky, kx] * pixel
        out[n, o, i, j] += b[o]
    return out


@pytest.mark.parametrize(
    "stride, padding, dilation, groups",
    [((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 2), 2), ((3, 2), (2, 0), (2, 1), 4)],
)
def test_conv2d_matches_its_definition_with_groups_stride_padding_and_dilation(
    stride, padding, dilation, groups
):
    x, w, b = array(2, 4, 7, 6, seed=1), array(4, 4 // groups, 2, 3, seed=2), array(4, seed=3)
    out = F.conv2d(badak.Tensor(x), badak.Tensor(w), badak.Tensor(b), stride, padding, dilation,
                   groups)  # fmt: skip
    expected = naive_conv2d(x, w, b, stride, padding, dilation, groups)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, dilation", [((3, 3), (1, 1)), ((2, 4), (1, 1)), ((2, 3), (3, 2))])
def test_conv2d_same_keeps_the_size_and_valid_is_no_padding(kernel, dilation):
    x, w = badak.Tensor(array(1, 2, 5, 6)), badak.Tensor(array(3, 2, *kernel, seed=1))
    assert F.conv2d(x, w, padding="same", dilation=dilation).shape == (1, 3, 5, 6)
    np.testing.assert_array_equal(
        F.conv2d(x, w, padding="valid", dilation=dilation).numpy(),
        F.conv2d(x, w, padding=0, dilation=dilation).numpy(),
    )


def test_conv1d_is_conv2d_over_a_single_row():
    x, w, b = array(2, 4, 9), array(6, 2, 3, seed=1), array(6, seed=2)
    out = F.conv1d(badak.Tensor(x), badak.Tensor(w), badak.Tensor(b), 2, 1, 2, 2)
    expected = naive_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (1, 2), 2)
    np.testing.assert_allclose(out.numpy(), expected[:, :, 0], rtol=1e-12, atol=1e-12)


def test_unfold_columns_hold_each_window_in_channel_row_column_order():
    x = np.arange(2 * 3 * 3.0).reshape(1, 2, 3, 3)
    cols = F.unfold(badak.Tensor(x), 2).numpy()
    assert cols.shape == (1, 8, 4)
    np.testing.assert_array_equal(cols[0, :, 0], [0, 1, 3, 4, 9, 10, 12, 13])
    np.testing.assert_array_equal(cols[0, :, 3], [4, 5, 7, 8, 13, 14, 16, 17])


GEOMETRIES = [  # kernel, dilation, padding, stride, image size
    ((2, 2), (1, 1), (0, 0), (1, 1), (4, 5)),
    ((3, 2), (2, 1), (1, 2), (2, 3), (6, 5)),
    ((1, 3), (1, 2), (2, 0), (3, 1), (5, 7)),
]


@pytest.mark.parametrize("kernel, dilation, padding, stride, size", GEOMETRIES)
def test_fold_is_the_adjoint_of_unfold(kernel, dilation, padding, stride, size):
    x = array(2, 3, *size, seed=1)
    cols = F.unfold(badak.Tensor(x), kernel, dilation, padding, stride).numpy()
    y = array(*cols.shape, seed=2)
    folded = F.fold(badak.Tensor(y), size, kernel, dilation, padding, stride).numpy()
    assert folded.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * folded), rtol=1e-12)


def test_fold_undoes_unfold_for_non_overlapping_windows():
    x = array(2, 3, 4, 6)
    cols = F.unfold(badak.Tensor(x), (2, 3), stride=(2, 3))
    np.testing.assert_array_equal(F.fold(cols, (4, 6), (2, 3), stride=(2, 3)).numpy(), x)


def test_fold_of_unfolded_ones_counts_the_windows_over_each_pixel():
    ones = badak.Tensor(np.ones((1, 1, 3, 3)))
    counts = F.fold(F.unfold(ones, 2), (3, 3), 2).numpy()[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@pytest.mark.parametrize(
    "stride, padding, dilation, groups, size",
    [(1, 0, 1, 1, (5, 6)), ((2, 3), (1, 2), 1, 2, (7, 8)), (2, 1, (2, 1), 3, (8, 6))],
)
def test_conv_transpose2d_is_the_gradient_of_conv2d_wrt_its_input(
    stride, padding, dilation, groups, size
):
    x = leaf(2, 3 * groups, *size, seed=1)
    w = badak.Tensor(array(2 * groups, 3, 3, 2, seed=2))
    out = F.conv2d(x, w, None, stride, padding, dilation, groups)
    g = array(*out.shape, seed=3)
    out.backward(badak.Tensor(g))
    s, p, d = (np.broadcast_to(v, 2) for v in (stride, padding, dilation))
    natural = [(o - 1) * s_ - 2 * p_ + d_ * (k - 1) + 1
               for o, s_, p_, d_, k in zip(out.shape[2:], s, p, d, w.shape[2:])]  # fmt: skip
    extra = tuple(int(n - m) for n, m in zip(size, natural))
    transposed = F.conv_transpose2d(badak.Tensor(g), w, None, stride, padding, extra, groups,
                                    dilation)  # fmt: skip
    np.testing.assert_allclose(transposed.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv2d_keeps_float32():
    x, w = np.ones((1, 2, 4, 4), np.float32), np.ones((3, 2, 2, 2), np.float32)
    out = F.conv2d(badak.Tensor(x), badak.Tensor(w), badak.Tensor(np.zeros(3, np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.full((1, 3, 3, 3), 8.0, np.float32))


def test_pad_modes_fill_as_numpy_pads():
    x = np.arange(12.0).reshape(1, 3, 4)
    for mode, numpy_mode in [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]:
        out = F.pad(badak.Tensor(x), (2, 1, 1, 2), mode=mode).numpy()
        np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (1, 2), (2, 1)), mode=numpy_mode))
    out = F.pad(badak.Tensor(x), (1, -2, -1, 0), value=-7.0).numpy()
    expected = np.pad(x[:, 1:, :2], ((0, 0), (0, 0), (1, 0)), constant_values=-7.0)
    np.testing.assert_array_equal(out, expected)


# --- bad input --------------------------------------------------------------------------------
def t(*shape):
    return badak.Tensor(np.zeros(shape))


BAD_CALLS = [
    ("conv2d", "input_rank", lambda: F.conv2d(t(2, 4, 4), t(1, 2, 3, 3))),
    ("conv2d", "weight_rank", lambda: F.conv2d(t(1, 2, 4, 4), t(2, 3, 3))),
    ("conv2d", "channel_mismatch", lambda: F.conv2d(t(1, 3, 4, 4), t(2, 2, 3, 3))),
    ("conv2d", "groups_do_not_divide_out_channels",
     lambda: F.conv2d(t(1, 4, 4, 4), t(3, 2, 3, 3), groups=2)),
    ("conv2d", "bias_shape", lambda: F.conv2d(t(1, 2, 4, 4), t(3, 2, 3, 3), t(2))),
    ("conv2d", "kernel_larger_than_padded_input",
     lambda: F.conv2d(t(1, 1, 3, 3), t(1, 1, 6, 2), padding=1)),
    ("conv2d", "unknown_padding_string",
     lambda: F.conv2d(t(1, 1, 4, 4), t(1, 1, 3, 3), padding="full")),
    ("conv2d", "same_with_stride", lambda: F.conv2d(t(1, 1, 4, 4), t(1, 1, 3, 3), 2, "same")),
    ("conv2d", "zero_stride", lambda: F.conv2d(t(1, 1, 4, 4), t(1, 1, 3, 3), stride=0)),
    ("conv1d", "input_rank", lambda: F.conv1d(t(2, 4, 4), t(1, 2, 3, 3))),
    ("conv1d", "kernel_larger_than_input", lambda: F.conv1d(t(1, 2, 3), t(1, 2, 5))),
    ("conv1d", "unknown_padding_string",
     lambda: F.conv1d(t(1, 2, 5), t(1, 2, 2), padding="full")),
    ("conv1d", "channel_mismatch", lambda: F.conv1d(t(1, 3, 5), t(1, 2, 2))),
    ("conv_transpose2d", "input_rank", lambda: F.conv_transpose2d(t(2, 3, 3), t(2, 1, 2, 2))),
    ("conv_transpose2d", "channel_mismatch",
     lambda: F.conv_transpose2d(t(1, 3, 3, 3), t(2, 1, 2, 2))),
    ("conv_transpose2d", "output_padding_equal_to_stride",
     lambda: F.conv_transpose2d(t(1, 2, 3, 3), t(2, 1, 2, 2), stride=2, output_padding=2)),
    ("conv_transpose2d", "output_padding_with_stride_1",
     lambda: F.conv_transpose2d(t(1, 2, 3, 3), t(2, 1, 2, 2), output_padding=(0, 1))),
    ("unfold", "input_rank", lambda: F.unfold(t(2, 3, 3), 2)),
    ("unfold", "kernel_larger_than_input", lambda: F.unfold(t(1, 1, 3, 3), 4)),
    ("fold", "columns_do_not_match_the_windows", lambda: F.fold(t(1, 4, 5), (3, 3), 2)),
    ("pad", "odd_number_of_widths", lambda: F.pad(t(2, 3), (1, 2, 3))),
    ("pad", "unknown_mode", lambda: F.pad(t(2, 3), (1, 1), mode="mirror")),
    ("pad", "reflect_as_wide_as_the_dim", lambda: F.pad(t(2, 3), (3, 0), mode="reflect")),
    ("pad", "crop_below_zero", lambda: F.pad(t(2, 3), (-2, -2))),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, call", [pytest.param(n, c, id=f"{n}-{case}") for n, case, c in BAD_CALLS]
)
def test_bad_input_raises_value_error_naming_the_function(name, call):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


def test_output_padding_below_dilation_is_allowed_with_stride_1():
    out = F.conv_transpose2d(t(1, 2, 3, 3), t(2, 1, 2, 2), output_padding=1, dilation=2)
    assert out.shape == (1, 1, 6, 6)
