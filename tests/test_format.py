"""Tensor repr: the same text as PyTorch's, with "torch." read as "badak."."""

import numpy as np
import pytest
import torch

import badak


def torch_repr(array, requires_grad=False):
    return repr(torch.tensor(array, requires_grad=requires_grad)).replace("torch.", "badak.")


def badak_repr(array, requires_grad=False):
    return repr(badak.tensor(array, requires_grad=requires_grad))


def test_softmax_repr_is_the_documented_one():
    probs = badak.softmax(badak.FloatTensor([1, 2, 3]), dim=0)
    assert repr(probs) == "tensor([0.0900, 0.2447, 0.6652])"


CASES = {
    "whole_floats": np.array([1.0, 2.0], np.float32),
    "float_scalar": np.array(1.4368, np.float32),
    "whole_float_scalar": np.array(3.0, np.float32),
    "negative_zero_scalar": np.array(-0.0, np.float32),
    "int_scalar": np.array(7),
    "ints": np.array([1, 2, 3]),
    "ints_of_several_widths": np.array([[1, -20], [300, 4]]),
    "int32_has_dtype_suffix": np.array([1, 2], np.int32),
    "bools": np.array([True, False]),
    "float_matrix": np.array([[1.5, 2.0], [3.0, 4.0]], np.float32),
    "negative_and_positive": np.array([-1.5, 2.25], np.float32),
    "float64_has_dtype_suffix": np.array([1.5, 2.0]),
    "float64_whole": np.array([1.0, 2.0]),
    "float16_has_dtype_suffix": np.array([1.0, 2.0], np.float16),
    "small_value_goes_scientific": np.array([1e-5, 1.0], np.float32),
    "tiny_scalar_goes_scientific": np.array(1e-5, np.float32),
    "wide_range_goes_scientific": np.array([0.5, 1e3], np.float32),
    "large_value_goes_scientific": np.array([1e10, 1.0], np.float32),
    "whole_floats_of_wide_range_go_scientific": np.array([1.0, 2000.0], np.float32),
    "boundary_1e-4_stays_fixed": np.array([0.1, 0.00012], np.float32),
    "nan_and_inf": np.array([np.nan, 1.5, np.inf], np.float32),
    "inf_does_not_widen_whole_floats": np.array([np.inf, 1.0], np.float32),
    "zero_and_inf": np.array([0.0, np.inf], np.float32),
    "empty": np.zeros(0, np.float32),
    "empty_2d_has_size": np.zeros((0, 3), np.float32),
    "empty_int_has_dtype": np.zeros(0, np.int64),
    "empty_float64": np.zeros(0),
    "3d": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7,
    "wraps_long_rows": np.linspace(-2, 2, 36, dtype=np.float32).reshape(3, 12),
    "long_vector_wraps": np.arange(30, dtype=np.float32) / 3,
    "summarised_vector": np.linspace(-1, 1, 1001, dtype=np.float32),
    "summarised_ints": np.arange(2000),
    "summarised_whole_floats": np.arange(2000, dtype=np.float32),
    "summarised_matrix": np.linspace(-3, 3, 20 * 60, dtype=np.float32).reshape(20, 60),
}


@pytest.mark.parametrize("array", CASES.values(), ids=CASES.keys())
def test_repr_matches_torch(array):
    assert badak_repr(array) == torch_repr(array)


@pytest.mark.parametrize(
    "array",
    [np.array([1.0, 2.0], np.float32), np.array([1.5, 2.0]), np.arange(16, dtype=np.float32) / 3],
    ids=["float32", "float64", "suffix_wraps_to_a_new_line"],
)
def test_repr_of_leaf_requiring_grad_matches_torch(array):
    assert badak_repr(array, requires_grad=True) == torch_repr(array, requires_grad=True)


def test_repr_of_a_result_names_its_grad_fn():
    x = badak.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"


def test_repr_under_no_grad_has_no_grad_suffix():
    x = badak.tensor([1.0, 2.0], requires_grad=True)
    with badak.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"


def test_repr_of_a_view_matches_torch():
    array = np.arange(12, dtype=np.float32).reshape(3, 4) / 3
    assert repr(badak.from_numpy(array).T) == repr(torch.from_numpy(array).T)
