"""badak/functions/shape.py: gradient checks for every shape op and index kind, errors."""

import numpy as np
import pytest

import badak
from badak import functions as F
from badak.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, seed=0):
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


SHAPE_OPS = [
    ("reshape", lambda x: F.reshape(x, 4, 6), (2, 3, 4)),
    ("reshape_tuple_minus_one", lambda x: F.reshape(x, (-1, 3)), (2, 3, 4)),
    ("view", lambda x: F.view(x, (6, 4)), (2, 3, 4)),
    ("method_view", lambda x: x.view(3, 8), (2, 3, 4)),
    ("transpose_default", F.transpose, (2, 3, 4)),
    ("transpose_0_2", lambda x: F.transpose(x, 0, 2), (2, 3, 4)),
    ("transpose_negative", lambda x: F.transpose(x, -3, -2), (2, 3, 4)),
    ("T", lambda x: x.T, (3, 4)),
    ("permute", lambda x: F.permute(x, 2, 0, 1), (2, 3, 4)),
    ("permute_negative_tuple", lambda x: F.permute(x, (-1, 0, 1)), (2, 3, 4)),
    ("squeeze_all", F.squeeze, (2, 1, 4, 1)),
    ("squeeze_dim", lambda x: F.squeeze(x, -1), (2, 1, 4, 1)),
    ("squeeze_tuple", lambda x: F.squeeze(x, (0, 1)), (2, 1, 4, 1)),
    ("unsqueeze_0", lambda x: F.unsqueeze(x, 0), (3, 4)),
    ("unsqueeze_last", lambda x: F.unsqueeze(x, -1), (3, 4)),
    ("unsqueeze_middle", lambda x: F.unsqueeze(x, 1), (3, 4)),
    ("flatten", F.flatten, (2, 3, 4)),
    ("flatten_from_1", lambda x: F.flatten(x, 1), (2, 3, 4)),
    ("flatten_0_1", lambda x: F.flatten(x, 0, 1), (2, 3, 4)),
    ("broadcast_to_rows", lambda x: F.broadcast_to(x, (3, 4)), (4,)),
    ("broadcast_to_leading_and_inner", lambda x: F.broadcast_to(x, 2, 3, 5), (3, 1)),
    ("expand", lambda x: x.expand(2, 3, 4), (1, 4)),
    ("sum_to_column", lambda x: F.sum_to(x, (3, 1)), (2, 3, 4)),
    ("sum_to_row", lambda x: F.sum_to(x, 4), (2, 3, 4)),
    ("sum_to_inner_ones", lambda x: F.sum_to(x, (2, 1, 1)), (2, 3, 4)),
]


@pytest.mark.parametrize("fn, shape", [pytest.param(f, s, id=n) for n, f, s in SHAPE_OPS])
def test_shape_op_gradient_matches_finite_differences(fn, shape):
    assert gradcheck(fn, leaf(*shape))


@pytest.mark.parametrize("fn, shape", [pytest.param(f, s, id=n) for n, f, s in SHAPE_OPS])
def test_shape_op_second_derivative(fn, shape):
    x = leaf(*shape)
    assert gradgradcheck(lambda x: fn(x) * fn(x), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_gradient_reaches_every_input(dim):
    shapes = [[2, 3, 4] for _ in range(3)]
    for i, shape in enumerate(shapes):
        shape[dim] += i  # a different size along the joined dim
    xs = tuple(leaf(*shape, seed=i) for i, shape in enumerate(shapes))
    assert gradcheck(lambda *xs: F.cat(xs, dim), xs)
    np.testing.assert_array_equal(
        F.cat(xs, dim).numpy(), np.concatenate([x.numpy() for x in xs], axis=dim)
    )


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_gradient_reaches_every_input(dim):
    xs = tuple(leaf(3, 4, seed=i) for i in range(3))
    assert gradcheck(lambda *xs: F.stack(xs, dim), xs)
    np.testing.assert_array_equal(F.stack(xs, dim).numpy(), np.stack([x.numpy() for x in xs], dim))


def test_cat_takes_the_same_tensor_twice():
    x = leaf(2, 3)
    F.cat([x, x], 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


# --- indexing ---------------------------------------------------------------------------------
INDICES = [
    ("int", 1),
    ("negative_int", -1),
    ("slice", slice(1, 3)),
    ("negative_step", slice(None, None, -2)),
    ("int_and_slice", (0, slice(1, None))),
    ("ellipsis", (Ellipsis, 1)),
    ("none", (None, slice(None), 2)),
    ("boolean_mask", np.random.default_rng(5).random((3, 4, 5)) > 0.5),
    ("boolean_rows", np.array([True, False, True])),
    ("duplicate_integers", np.array([0, 2, 0, 0])),
    ("duplicate_list", [2, 2, 1]),
    ("tuple_of_arrays", (np.array([0, 0, 2, 1]), np.array([1, 1, 3, 0]))),
    ("array_and_slice", (slice(None), np.array([3, 3, 0]))),
    ("tensor", badak.Tensor(np.array([1, 1, 0]))),
    ("tuple_with_tensor", (badak.Tensor(np.array([2, 2])), slice(None), 4)),
]


@pytest.mark.parametrize("index", [pytest.param(i, id=n) for n, i in INDICES])
def test_get_item_gradient_matches_finite_differences(index):
    x = leaf(3, 4, 5)
    assert gradcheck(lambda x: F.get_item(x, index), x)
    assert gradcheck(lambda x: x[index], x)


@pytest.mark.parametrize("index", [pytest.param(i, id=n) for n, i in INDICES])
def test_get_item_matches_numpy(index):
    x = leaf(3, 4, 5)
    np.testing.assert_array_equal(x[index].numpy(), x.numpy()[F.as_index(index)])


@pytest.mark.parametrize("index", [pytest.param(i, id=n) for n, i in INDICES])
def test_get_item_second_derivative(index):
    assert gradgradcheck(lambda x: x[index] * x[index], leaf(3, 4, 5))


def test_get_item_accumulates_duplicate_indices():
    x = leaf(4)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0, 0.0])


def test_get_item_accumulates_duplicate_index_pairs():
    x = leaf(2, 3)
    rows, cols = badak.Tensor(np.array([1, 1, 0])), badak.Tensor(np.array([2, 2, 2]))
    x[rows, cols].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])


def test_reshape_to_the_same_shape_keeps_the_gradient():
    x = leaf(3, 4)
    F.reshape(x, 3, 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))


def test_unbroadcast_sums_a_gradient_back_to_the_input_shape():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(F.unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None])
    assert F.unbroadcast(grad, (2, 3, 4)) is grad


# --- bad input --------------------------------------------------------------------------------
def test_reshape_rejects_an_impossible_shape():
    with pytest.raises(ValueError, match="^reshape"):
        F.reshape(leaf(3, 4), 5, 2)


def test_broadcast_to_rejects_an_incompatible_shape():
    with pytest.raises(ValueError, match="^broadcast_to"):
        F.broadcast_to(leaf(3, 4), (3, 5))
    with pytest.raises(ValueError, match="^broadcast_to"):
        F.broadcast_to(leaf(2, 3, 4), (3, 4))


def test_cat_rejects_an_empty_list():
    with pytest.raises(ValueError, match="^cat"):
        F.cat([])


def test_cat_rejects_tensors_whose_other_dims_differ():
    with pytest.raises(ValueError, match="^cat"):
        F.cat([leaf(2, 3), leaf(2, 4)], 0)


def test_stack_rejects_differently_shaped_tensors():
    with pytest.raises(ValueError, match="^stack"):
        F.stack([leaf(2, 3), leaf(3, 2)])


def test_stack_rejects_an_empty_list():
    with pytest.raises(ValueError, match="^stack"):
        F.stack([])


@pytest.mark.parametrize("dims", [(0, 0), (1,), (0, 1, 2), (0, 3), (2, 1), (-3, 0)], ids=str)
def test_permute_rejects_a_non_permutation(dims):
    with pytest.raises((ValueError, IndexError), match="^permute"):
        F.permute(leaf(3, 4), dims)


def test_transpose_rejects_dim_out_of_range():
    with pytest.raises(IndexError, match="^transpose"):
        F.transpose(leaf(3, 4), 0, 2)


def test_flatten_rejects_start_after_end():
    with pytest.raises(ValueError, match="^flatten"):
        F.flatten(leaf(2, 3, 4), 2, 1)
