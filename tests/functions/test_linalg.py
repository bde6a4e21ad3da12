"""badak/functions/linalg.py: matmul and linear, gradients to second order, errors."""

import numpy as np
import pytest
import torch

import badak
from badak import functions as F
from badak.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, seed=0):
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


MATMUL_SHAPES = [
    ((4,), (4,)),  # a dot product: shape ()
    ((4,), (4, 3)),
    ((2, 4), (4,)),
    ((2, 4), (4, 3)),
    ((5, 2, 4), (5, 4, 3)),
    ((5, 2, 4), (4, 3)),  # the matrix broadcasts over the batch
    ((2, 4), (2, 5, 4, 3)),
    ((2, 1, 2, 4), (3, 4, 3)),  # both batches broadcast
    ((4,), (5, 4, 3)),
    ((5, 2, 4), (4,)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_gradient_matches_finite_differences(shapes):
    a, b = leaf(*shapes[0], seed=1), leaf(*shapes[1], seed=2)
    assert gradcheck(F.matmul, (a, b))


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_numpy(shapes):
    a, b = leaf(*shapes[0], seed=1), leaf(*shapes[1], seed=2)
    expected = np.matmul(a.numpy(), b.data)
    out = a @ b
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_second_derivative(shapes):
    a, b = leaf(*shapes[0], seed=1), leaf(*shapes[1], seed=2)
    assert gradgradcheck(F.matmul, (a, b))


def test_matmul_with_an_array_operand_differentiates_the_tensor():
    a, b = leaf(2, 4), np.random.default_rng(3).standard_normal((4, 3))
    assert gradcheck(lambda a: F.matmul(a, b), a)
    assert gradcheck(lambda a: F.matmul(b.T, a.T), a)


def test_matmul_of_a_tensor_with_itself_gets_both_gradients():
    a = leaf(3, 3)
    assert gradcheck(lambda a: a @ a, a)


LINEAR_INPUTS = [(4,), (5, 4), (2, 5, 4)]


@pytest.mark.parametrize("x_shape", LINEAR_INPUTS, ids=str)
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
def test_linear_gradient_matches_finite_differences(x_shape, with_bias):
    x, weight = leaf(*x_shape, seed=1), leaf(3, 4, seed=2)
    if with_bias:
        assert gradcheck(F.linear, (x, weight, leaf(3, seed=3)))
    else:
        assert gradcheck(F.linear, (x, weight))


@pytest.mark.parametrize("x_shape", LINEAR_INPUTS, ids=str)
def test_linear_second_derivative(x_shape):
    x, weight, bias = leaf(*x_shape, seed=1), leaf(3, 4, seed=2), leaf(3, seed=3)
    squared = lambda x, w, b: F.linear(x, w, b) * F.linear(x, w, b)  # linear is linear in each
    assert gradgradcheck(squared, (x, weight, bias))


@pytest.mark.parametrize("x_shape", LINEAR_INPUTS, ids=str)
@pytest.mark.parametrize("order", ["C", "F"])
def test_linear_backward_on_arrays_equals_the_recorded_backward(x_shape, order):
    """Plain backward runs NumPy directly; under create_graph the functions run. Both give the
    same gradients, and the weight's gradient comes in the weight's memory order (nn.Linear
    keeps its weight in F order), so that the optimizer's update is one pass."""
    rng = np.random.default_rng(5)
    upstream = rng.standard_normal(x_shape[:-1] + (3,))
    grads = []
    for create_graph in (False, True):
        x, bias = leaf(*x_shape, seed=1), leaf(3, seed=3)
        weight = badak.Tensor(
            np.asarray(leaf(3, 4, seed=2).numpy(), order=order), requires_grad=True
        )
        (F.linear(x, weight, bias) * upstream).sum().backward(create_graph=create_graph)
        grads.append([t.grad.numpy() for t in (x, weight, bias)])
    for plain, recorded in zip(*grads):
        np.testing.assert_allclose(plain, recorded, rtol=1e-13, atol=1e-15)
    assert grads[0][1].flags[f"{order}_CONTIGUOUS"]


@pytest.mark.parametrize("x_shape", LINEAR_INPUTS, ids=str)
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
def test_linear_matches_pytorch(x_shape, with_bias):
    x, weight, bias = leaf(*x_shape, seed=1), leaf(3, 4, seed=2), leaf(3, seed=3)
    bias = bias if with_bias else None
    out = F.linear(x, weight, bias)
    w = np.random.default_rng(4).standard_normal(out.shape)
    (out * w).sum().backward()

    tx, tweight = (
        torch.tensor(x.numpy(), requires_grad=True),
        torch.tensor(weight.numpy(), requires_grad=True),
    )
    tbias = torch.tensor(bias.numpy(), requires_grad=True) if with_bias else None
    expected = torch.nn.functional.linear(tx, tweight, tbias)
    (expected * torch.from_numpy(w)).sum().backward()

    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(weight.grad.numpy(), tweight.grad.numpy(), rtol=1e-12)
    if with_bias:
        np.testing.assert_allclose(bias.grad.numpy(), tbias.grad.numpy(), rtol=1e-12)


def test_linear_only_computes_gradients_that_are_needed():
    x = badak.Tensor(np.ones((5, 4)))  # no grad
    weight = leaf(3, 4)
    F.linear(x, weight).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), np.full((3, 4), 5.0))
    assert x.grad is None


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 5)), ((5, 2, 3), (5, 4, 3))],
    ids=str,
)
def test_matmul_rejects_misaligned_inner_dims(shapes):
    with pytest.raises(ValueError, match="^matmul"):
        F.matmul(leaf(*shapes[0]), leaf(*shapes[1]))


def test_matmul_rejects_batch_dims_that_do_not_broadcast():
    with pytest.raises(ValueError, match="^matmul"):
        F.matmul(leaf(2, 3, 4), leaf(5, 4, 6))


def test_matmul_rejects_a_scalar_operand():
    with pytest.raises(ValueError, match="^matmul"):
        F.matmul(leaf(), leaf(3))


@pytest.mark.parametrize("w_shape", [(3, 5), (4, 3), (3,), (1, 3, 4)], ids=str)
def test_linear_rejects_a_weight_of_the_wrong_shape(w_shape):
    with pytest.raises(ValueError, match="^linear"):
        F.linear(leaf(5, 4), leaf(*w_shape))


def test_linear_rejects_a_bias_of_the_wrong_shape():
    with pytest.raises(ValueError, match="^linear"):
        F.linear(leaf(5, 4), leaf(3, 4), leaf(4))
