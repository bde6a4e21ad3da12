"""badak/gradcheck.py: it passes correct ops and catches wrong ones, to first and second order."""

import re

import numpy as np
import pytest

import badak
from badak import functions as F
from badak.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, seed=0):
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


class DoubledExp(badak.Function):
    """exp with a backward off by a factor 2."""

    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad):
        return (grad * self.output * 2.0,)


class ZeroGradSoftmax(badak.Function):
    """softmax whose backward returns zeros: right only under a plain .sum() of the output."""

    def forward(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def backward(self, grad):
        return (grad * 0.0,)


class Cube(badak.Function):
    """x**3, with a backward that is right to every order."""

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.inputs  # Tensors under create_graph: the graph sees 3 x**2 depend on x
        return (grad * 3.0 * x * x,)


class FrozenCube(badak.Function):
    """x**3, with a backward right to first order but built from arrays: under create_graph
    3 x**2 is a constant, so the second derivative comes out 0 instead of 6 x."""

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self._arrays
        return (grad * (3.0 * x**2),)


def _values(message):
    """The two numbers of a failure message, printed as 1.5 or as np.float64(1.5)."""
    number = r"(?:np\.float64\()?([-+0-9.eE]+|nan|inf)\)?"
    found = re.search(f"backward gives {number}, central differences give {number}", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


# --- correct ops pass -------------------------------------------------------------------------
def test_gradcheck_returns_true_on_a_correct_op():
    assert gradcheck(lambda a, b: a * F.exp(b), (leaf(3, 4), leaf(4, seed=1))) is True


def test_gradcheck_accepts_a_single_tensor_and_tuple_outputs():
    x = leaf(3, 4)
    assert gradcheck(lambda x: (F.exp(x), F.sum(x, 1)), x) is True


def test_gradcheck_ignores_inputs_that_do_not_require_grad():
    constant = badak.Tensor(np.random.default_rng(1).standard_normal((3, 4)))
    array = np.random.default_rng(2).standard_normal((3, 4))
    assert gradcheck(lambda a, b, c: a * b + c, (leaf(3, 4), constant, array)) is True


def test_gradcheck_passes_an_output_that_does_not_depend_on_the_input():
    assert gradcheck(lambda x: badak.Tensor(np.ones(3)), leaf(3)) is True


def test_gradgradcheck_returns_true_on_a_correct_op():
    assert gradgradcheck(lambda x: Cube()(x), leaf(3, 4)) is True


# --- wrong ops fail ---------------------------------------------------------------------------
def test_gradcheck_catches_a_backward_off_by_a_factor_two():
    x = leaf(3, 4)
    with pytest.raises(AssertionError, match=r"^gradcheck: gradient of input 0 differs") as info:
        gradcheck(lambda x: DoubledExp()(x), x)
    analytic, numeric = _values(str(info.value))
    assert analytic == pytest.approx(2 * numeric, rel=1e-6)


def test_gradcheck_message_names_the_wrong_input():
    a, b = leaf(3, seed=1), leaf(3, seed=2)
    with pytest.raises(AssertionError, match=r"input 1 differs at index \(\d+,\)"):
        gradcheck(lambda a, b: F.exp(a) + DoubledExp()(b), (a, b))


def test_gradcheck_returns_false_without_raising():
    x = leaf(3, 4)
    assert gradcheck(lambda x: DoubledExp()(x), x, raise_exception=False) is False


def test_zero_softmax_backward_would_pass_a_plain_sum():
    # the true gradient of sum(softmax(x)) is zero, so a zero backward fools a .sum() check
    x = leaf(3, 5)
    assert gradcheck(lambda x: ZeroGradSoftmax()(x).sum(), x) is True


def test_gradcheck_catches_a_zero_softmax_backward():
    x = leaf(3, 5)
    assert gradcheck(lambda x: ZeroGradSoftmax()(x), x, raise_exception=False) is False
    with pytest.raises(AssertionError, match="input 0"):
        gradcheck(lambda x: ZeroGradSoftmax()(x), x)


def test_gradcheck_catches_a_nan_gradient():
    class NanBackward(badak.Function):
        def forward(self, x):
            return x * 2.0

        def backward(self, grad):
            return (grad * np.nan,)

    assert gradcheck(lambda x: NanBackward()(x), leaf(3), raise_exception=False) is False


def test_frozen_cube_passes_gradcheck_to_first_order():
    assert gradcheck(lambda x: FrozenCube()(x), leaf(3, 4)) is True


def test_gradgradcheck_catches_a_second_derivative_that_ignores_create_graph():
    x = leaf(3, 4)
    with pytest.raises(AssertionError, match="^gradgradcheck: gradient of input 0"):
        gradgradcheck(lambda x: FrozenCube()(x), x)
    assert gradgradcheck(lambda x: FrozenCube()(x), x, raise_exception=False) is False


# --- bad input and side effects ---------------------------------------------------------------
def test_gradcheck_rejects_float32_inputs_requiring_grad():
    x = badak.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="^gradcheck: input 0 .*float32"):
        gradcheck(F.exp, x)
    with pytest.raises(TypeError, match="^gradgradcheck"):
        gradgradcheck(F.exp, x)


def test_gradcheck_rejects_inputs_none_of_which_require_grad():
    with pytest.raises(ValueError, match="^gradcheck: no input requires grad"):
        gradcheck(F.exp, badak.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="^gradgradcheck"):
        gradgradcheck(F.exp, (np.ones(3), badak.Tensor(np.ones(3))))


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_gradcheck_leaves_existing_grad_and_data_untouched(check):
    x, y = leaf(3, 4), leaf(3, 4, seed=1)
    sentinel = badak.Tensor(np.full((3, 4), 7.0))
    x.grad = sentinel
    data = x.numpy().copy()
    assert check(lambda x, y: F.exp(x) * y, (x, y))
    assert x.grad is sentinel
    np.testing.assert_array_equal(sentinel.numpy(), np.full((3, 4), 7.0))
    assert y.grad is None
    np.testing.assert_array_equal(x.numpy(), data)


def test_gradcheck_leaves_grad_untouched_when_it_fails():
    x = leaf(3)
    gradcheck(lambda x: DoubledExp()(x), x, raise_exception=False)
    with pytest.raises(AssertionError):
        gradcheck(lambda x: DoubledExp()(x), x)
    assert x.grad is None


def test_gradcheck_weight_depends_on_the_seed():
    # an op right up to a constant output weight would still be caught with any seed
    x = leaf(3, 5)
    for seed in range(3):
        assert (
            gradcheck(lambda x: ZeroGradSoftmax()(x), x, seed=seed, raise_exception=False) is False
        )
