"""badak/dezero/cuda.py and core_simple.py: DeZero's modules for the GPU switch and the first
stage's core, on a machine without CuPy."""

import numpy as np
import pytest

import badak.dezero as dezero
import badak.dezero.functions as F
from badak.dezero import Variable, core_simple, cuda


def test_without_cupy_the_gpu_is_off_and_arrays_are_numpys():
    assert cuda.gpu_enable is False and dezero.is_simple_core is False
    x = Variable(np.ones(2))
    assert cuda.get_array_module(x) is np and cuda.get_array_module(np.ones(2)) is np
    assert cuda.as_numpy(x) is x.data and cuda.as_numpy(3.0).shape == ()
    with pytest.raises(RuntimeError, match="as_cupy: CuPy is not installed"):
        cuda.as_cupy(x)


def test_core_simple_is_the_core_and_has_its_reflected_operators():
    assert core_simple.Variable is dezero.Variable and core_simple.Function is dezero.Function
    assert core_simple.rsub(Variable(np.array(1.0)), 3).data == 2.0
    assert core_simple.rdiv(Variable(np.array(2.0)), 3).data == 1.5


def test_sum_to_a_shape_of_more_dims_is_a_clear_value_error():
    with pytest.raises(ValueError, match=r"sum_to: cannot sum a variable of shape \(3,\)"):
        F.sum_to(Variable(np.ones(3)), (2, 3))
