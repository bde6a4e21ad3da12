"""badak.dtypes: PyTorch's names for NumPy's dtypes, and the promotion of operands."""

import numpy as np

import badak
from badak import dtypes
from tests.tensor_helpers import close, leaf


def test_names_are_numpys_dtypes_under_pytorchs_spellings():
    assert badak.float is np.float32 and badak.double is np.float64 and badak.half is np.float16
    assert badak.long is np.int64 and badak.int is np.int32 and badak.bool is np.bool_
    assert badak.tensor([1.0]).dtype == badak.float32 == np.float32


def test_python_data_becomes_float32_or_int64_and_arrays_keep_their_dtype():
    assert dtypes.default_array([1.5]).dtype == np.float32
    assert dtypes.default_array([1, 2]).dtype == np.int64
    assert dtypes.default_array(np.zeros(2, np.float16)).dtype == np.float16
    assert dtypes.default_array([True]).dtype == np.bool_


def test_python_scalars_take_the_tensor_dtype():
    x = badak.tensor([1.0, 2.0])
    for y in (x * 2.5, x * 2, 2 - x, 2.0**x, x / 3, x + True):
        assert y.dtype == np.float32


def test_numpy_scalars_take_the_tensor_dtype_like_torch():
    x = badak.tensor([1.0, 2.0])
    for y in (x * np.float64(2.0), x * np.sqrt(2.0), x * np.int64(2), np.float64(1.0) - x):
        assert y.dtype == np.float32


def test_integer_tensor_times_a_float_is_float32():
    assert (badak.tensor([1, 2]) * 2.5).dtype == np.float32


def test_float64_times_float32_promotes_and_the_float32_grad_stays_float32():
    w = leaf([1.0, 2.0])
    y = badak.tensor(np.array([3.0, 4.0])) * w
    assert y.dtype == np.float64
    y.sum().backward()
    assert w.grad.dtype == np.float32
    close(w.grad, [3.0, 4.0])
