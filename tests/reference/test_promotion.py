"""PyTorch's dtype promotion (DESIGN.md, "Dtypes and devices") for every pair of operand kinds:
tensors with dims, 0-d tensors and Python numbers, over bool, uint8, int32, int64, float16,
float32 and float64; and floating-valued ops on integer and bool tensors."""

import numpy as np
import pytest
import torch

import badak

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
NUMBERS = [True, 3, 2.5]


def tensors(dtype, zero_d=False):
    array = np.array(1 if zero_d else [1, 3], dtype=dtype)
    return badak.tensor(array), torch.tensor(array)


def same_result_or_error(badak_call, torch_call):
    """badak's result has torch's dtype and value; or, where torch refuses, badak raises."""
    try:
        theirs = torch_call()
    except RuntimeError:
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            badak_call()
        return
    same_result(badak_call(), theirs)


def same_result(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float), rtol=1e-3)


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("right_zero_d", [False, True], ids=["tensor", "0-d"])
@pytest.mark.parametrize("right", DTYPES)
@pytest.mark.parametrize("left", DTYPES)
def test_two_tensors_promote_as_in_torch(left, right, right_zero_d, op):
    (a, ta), (b, tb) = tensors(left), tensors(right, right_zero_d)
    fn = OPERATORS[op]
    same_result_or_error(lambda: fn(a, b), lambda: fn(ta, tb))
    same_result_or_error(lambda: fn(b, a), lambda: fn(tb, ta))


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("number", NUMBERS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_tensor_and_a_python_number_promote_as_in_torch(dtype, number, op):
    a, ta = tensors(dtype)
    fn = OPERATORS[op]
    same_result_or_error(lambda: fn(a, number), lambda: fn(ta, number))
    same_result_or_error(lambda: fn(number, a), lambda: fn(number, ta))


UNARY = ["exp", "log", "sqrt", "sigmoid", "tanh", "sin", "cos"]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("name", UNARY)
def test_floating_valued_ops_on_integer_and_bool_tensors_give_float32(name, dtype):
    a, ta = tensors(dtype)
    same_result(getattr(badak, name)(a), getattr(torch, name)(ta))


@pytest.mark.parametrize(
    "call",
    [lambda x: badak.softmax(x, -1), lambda x: badak.log_softmax(x, -1), lambda x: x.mean()],
    ids=["softmax", "log_softmax", "mean"],
)
def test_ops_torch_refuses_on_integers_raise_a_type_error_naming_the_function(call):
    with pytest.raises(TypeError, match=r"^(softmax|log_softmax|mean): expected a floating"):
        call(badak.tensor([1, 2]))
