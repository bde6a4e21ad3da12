"""badak/dezero/core.py: Variable, Parameter, Function, Config and friends behave as DeZero's."""

import weakref

import numpy as np
import pytest

import badak
import badak.dezero as dezero
from badak.autograd import is_grad_enabled
from badak.dezero import (
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    using_config,
)


class Square(Function):
    """A user-defined function as DeZero's book writes it: backward on Variables."""

    def forward(self, x):
        return x**2

    def backward(self, gy):
        (x,) = self.inputs
        return 2 * x * gy


def test_variable_attributes():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), name="x")
    assert x.name == "x" and x.grad is None and x.creator is None and x.generation == 0
    assert (x.shape, x.ndim, x.size, x.dtype, len(x)) == ((2, 3), 2, 6, np.float64, 2)
    assert isinstance(x, badak.Tensor)
    with pytest.raises(TypeError, match="not supported"):
        Variable(1.0)
    assert Variable(None).data is None


def test_variable_repr_on_one_line_and_indented_by_nine_spaces():
    assert repr(Variable(np.array(1.5))) == "variable(1.5)"
    assert repr(Variable(np.array([1, 2]))) == "variable([1 2])"
    assert repr(Variable(None)) == "variable(None)"
    x = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert repr(x) == "variable([[1. 2.]\n          [3. 4.]])"
    assert str(x) == repr(x)


def test_creator_and_generation_follow_the_graph():
    x = Variable(np.array(2.0))
    a = Square()(x)
    y = Square()(a) + a
    assert isinstance(a.creator, Square) and a.generation == 1
    assert y.generation == 3 and a.creator.generation == 0


def test_backward_seeds_ones_keeps_leaf_gradients_and_accumulates():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = (x * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0, 6.0])
    assert isinstance(x.grad, Variable)
    y.backward()  # DeZero keeps the graph: a second backward adds to x.grad
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0, 12.0])
    x.cleargrad()
    assert x.grad is None
    z = x * 2  # not a scalar: the seed is ones of its shape
    z.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_intermediate_gradients_are_kept_only_with_retain_grad():
    x = Variable(np.array(3.0))
    a = x * x
    y = a + x
    y.backward()  # as in DeZero, the output's own seed is dropped too
    assert a.grad is None and y.grad is None and float(x.grad.data) == 7.0
    x.cleargrad()
    y.backward(retain_grad=True)
    assert float(a.grad.data) == 1.0 and float(y.grad.data) == 1.0
    assert float(x.grad.data) == 7.0


def test_variable_used_twice_gets_both_gradients():
    x = Variable(np.array(3.0))
    y = x + x
    y.backward()
    assert float(x.grad.data) == 2.0


def test_create_graph_gives_second_derivatives():
    x = Variable(np.array(2.0))
    y = x**3
    y.backward(create_graph=True)
    gx = x.grad
    assert float(gx.data) == 12.0 and gx.creator is not None
    x.cleargrad()
    gx.backward()
    assert float(x.grad.data) == 12.0  # d2/dx2 x**3 = 6x


def test_unchain_backward_cuts_the_graph_below():
    x = Variable(np.array(1.0))
    a = x * 2
    y = a * 3
    y.unchain_backward()
    assert y.creator is None and a.creator is None
    y.backward()
    assert x.grad is None


def test_reshape_transpose_sum_max_min_methods():
    x = Variable(np.arange(6.0).reshape(2, 3))
    assert x.reshape(3, 2).shape == (3, 2) and x.reshape((3, 2)).shape == (3, 2)
    assert x.transpose().shape == (3, 2) and x.T.shape == (3, 2)
    assert x.transpose(1, 0).shape == (3, 2) and x.transpose((1, 0)).shape == (3, 2)
    np.testing.assert_array_equal(x.sum(axis=0).data, [3.0, 5.0, 7.0])
    assert x.sum(keepdims=True).shape == (1, 1)
    assert float(x.max().data) == 5.0
    np.testing.assert_array_equal(x.min(axis=1).data, [0.0, 3.0])
    for y in (x.reshape(6), x.T, x.sum(), x.max(), x.min()):
        assert type(y) is Variable


@pytest.mark.parametrize(
    "f, expected",
    [
        (lambda v: v + 1, 3.0),
        (lambda v: 1 + v, 3.0),
        (lambda v: v - 1, 1.0),
        (lambda v: 1 - v, -1.0),
        (lambda v: v * 3, 6.0),
        (lambda v: 3 * v, 6.0),
        (lambda v: v / 4, 0.5),
        (lambda v: 4 / v, 2.0),
        (lambda v: v**3, 8.0),
        (lambda v: -v, -2.0),
        (lambda v: v + np.array(1.0), 3.0),
        (lambda v: np.array(1.0) + v, 3.0),
        (lambda v: np.array(5.0) - v, 3.0),
        (lambda v: np.array(6.0) / v, 3.0),
        (lambda v: v * Variable(np.array(1.5)), 3.0),
    ],
)
def test_operators_with_variables_arrays_and_numbers_give_variables(f, expected):
    y = f(Variable(np.array(2.0)))
    assert type(y) is Variable and float(y.data) == expected


def test_indexing_and_matrix_products():
    x = Variable(np.arange(6.0).reshape(2, 3))
    W = Variable(np.ones((3, 4)))
    assert type(x[1]) is Variable and x[:, 2].shape == (2,)
    assert (x @ W).shape == (2, 4) and x.dot(W).shape == (2, 4)
    np.testing.assert_array_equal((x @ W).data, x.data @ W.data)


def test_max_and_min_hand_tied_extremes_the_full_gradient():
    x = Variable(np.array([1.0, 3.0, 3.0]))
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


def test_parameter_is_a_variable_whose_results_are_plain_variables():
    p = Parameter(np.array([1.0, 2.0]), name="p")
    assert isinstance(p, Variable) and p.name == "p"
    y = p * 2
    assert type(y) is Variable
    y.backward()
    assert isinstance(p.grad, Variable)


def test_user_defined_function_with_backward_on_variables():
    x = Variable(np.array(3.0))
    f = Square()
    y = f(x)
    assert type(y) is Variable and float(y.data) == 9.0
    y.backward()
    assert float(x.grad.data) == 6.0 and type(x.grad) is Variable
    (ref,) = f.outputs
    assert isinstance(ref, weakref.ref) and ref() is y
    assert f(np.array(2.0)).data == 4.0  # ndarrays are wrapped as Variables


def test_user_defined_function_takes_numbers_and_gives_second_derivatives():
    x = Variable(np.array(3.0))
    y = Square()(Square()(x))  # x ** 4
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.backward()
    assert float(gx.data) == 108.0 and float(x.grad.data) == 108.0


def test_function_inputs_are_variables_after_forward():
    x = Variable(np.array(3.0))
    f = Square()
    f(x)
    assert f.inputs[0] is x


def test_function_outputs_are_weak_references():
    x = Variable(np.array(3.0))
    f = Square()
    y = f(x)
    ref = f.outputs[0]
    del y
    assert ref() is None


def test_config_using_config_no_grad_and_test_mode():
    assert Config.enable_backprop is True and Config.train is True
    x = Variable(np.array(2.0))
    with no_grad():
        assert Config.enable_backprop is False
        assert (x * 2).creator is None
        assert not is_grad_enabled()  # one switch for badak and badak.dezero
    assert Config.enable_backprop is True and (x * 2).creator is not None
    with dezero.test_mode():
        assert Config.train is False
    with using_config("train", False):
        assert Config.train is False
    assert Config.train is True
    with pytest.raises(ValueError), using_config("enable_backprop", False):
        raise ValueError
    assert Config.enable_backprop is True  # restored after an exception


def test_as_variable_and_as_array():
    x = Variable(np.array(1.0))
    assert as_variable(x) is x
    v = as_variable(np.array([1.0, 2.0]))
    assert type(v) is Variable and v.shape == (2,)
    assert type(as_variable(badak.tensor([1.0]))) is Variable
    a = as_array(1.5)
    assert isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float64
    arr = np.array([1, 2])
    assert as_array(arr) is arr


def test_data_is_writable():
    x = Variable(np.array([1.0, 2.0]))
    x.data = np.array([5.0, 6.0])
    assert float(x.sum().data) == 11.0
    x.data = x.data.astype(np.float32)
    assert x.dtype == np.float32


def test_integer_variables_get_integer_gradients():
    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = x[1]
    y.backward()
    assert x.grad.dtype == np.int64
    np.testing.assert_array_equal(x.grad.data, [[0, 0, 0], [1, 1, 1]])
    z = Variable(np.array([1, 2, 3]))
    (z * 2).backward()
    assert z.grad.dtype == np.int64 and list(z.grad.data) == [2, 2, 2]


def test_float32_times_a_python_float_stays_float32():
    x = Variable(np.ones(3, np.float32))
    assert (x * 0.1).dtype == np.float32 and (2.0 - x).dtype == np.float32
    assert (x * np.ones(3)).dtype == np.float64  # float64 data wins, as NumPy promotes


def test_data_is_the_ndarray_and_a_new_array_replaces_it():
    x = Variable(np.array([1.0, 2.0]))
    assert type(x.data) is np.ndarray and x.data is x.numpy()
    x.data = np.array([3.0, 4.0])
    np.testing.assert_array_equal((x * 2).data, [6.0, 8.0])


def test_an_intermediate_whose_data_is_freed_still_passes_gradients():
    x, w = Variable(np.ones((2, 3))), Variable(np.full((3, 4), 2.0))
    t = dezero.functions.matmul(x, w)
    y = t + Variable(np.ones(4))
    t.data = None  # DeZero's linear_simple frees the product this way
    assert t.data is None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 8.0))


def test_in_place_operators_make_new_variables_and_keep_the_graph():
    x = Variable(np.array([1.0, 2.0]))
    y = x * 1
    before = y
    y += x  # DeZero: y = y + x
    assert y is not before
    np.testing.assert_array_equal(before.data, [1.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_a_backward_may_return_a_list():
    class Twice(Function):
        def forward(self, a, b):
            return a + b

        def backward(self, gy):
            return [gy, gy]

    a, b = Variable(np.array(1.0)), Variable(np.array(2.0))
    Twice()(a, b).backward()
    assert (a.grad.data, b.grad.data) == (1.0, 1.0)
