"""badak/functions/reduce.py: gradient checks, NumPy aliases, tie rules against PyTorch, errors."""

import numpy as np
import pytest
import torch

import badak
from badak import functions as F
from badak.gradcheck import gradcheck


def leaf(*shape, seed=0):
    """A float64 leaf requiring grad; standard normal values have no ties."""
    return badak.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


REDUCTIONS = {
    "sum": (F.sum, np.sum),
    "mean": (F.mean, np.mean),
    "amax": (F.amax, np.max),
    "amin": (F.amin, np.min),
}
DIMS = [None, 1, -1, (0, 2), (-1, 0)]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_gradient_matches_finite_differences(name, dim, keepdim):
    ours, _ = REDUCTIONS[name]
    assert gradcheck(lambda x: ours(x, dim, keepdim), leaf(2, 3, 4))


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_matches_numpy(name, dim, keepdim):
    ours, theirs = REDUCTIONS[name]
    x = leaf(2, 3, 4)
    out = ours(x, dim, keepdim)
    expected = theirs(x.numpy(), axis=dim, keepdims=keepdim)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_accepts_numpy_axis_and_keepdims(name):
    ours, _ = REDUCTIONS[name]
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(
        ours(x, axis=(0, -1), keepdims=True).data, ours(x, dim=(0, -1), keepdim=True).data
    )
    assert gradcheck(lambda x: ours(x, axis=1, keepdims=True), x)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_dim_gradient_and_indices(name, dim, keepdim):
    ours, arg = (F.max, np.argmax) if name == "max" else (F.min, np.argmin)
    x = leaf(3, 4)
    assert gradcheck(lambda x: ours(x, dim, keepdim).values, x)
    values, indices = ours(x, dim, keepdim)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices.numpy(), arg(x.numpy(), axis=dim, keepdims=keepdim))
    picked = np.take_along_axis(x.numpy(), np.expand_dims(arg(x.numpy(), axis=dim), dim), axis=dim)
    np.testing.assert_array_equal(values.numpy(), picked.reshape(values.shape))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim_accept_numpy_axis_and_keepdims(name):
    ours = getattr(F, name)
    x = leaf(3, 4)
    values, indices = ours(x, axis=1, keepdims=True)
    expected_values, expected_indices = ours(x, 1, True)
    assert values.shape == (3, 1)
    np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_reduction_over_all_elements_gradient(name):
    assert gradcheck(getattr(F, name), leaf(3, 4))


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_reduction_over_all_elements_is_a_scalar(name):
    x = leaf(3, 4)
    out = getattr(F, name)(x)
    assert out.shape == ()
    assert out.item() == (x.numpy().max() if name.endswith("max") else x.numpy().min())


def test_mean_gradient_is_one_over_count():
    x = leaf(2, 3, 4)
    F.mean(x, dim=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3, 4), 1 / 8))


def test_sum_gradient_of_tensor_used_twice_accumulates():
    x = leaf(3, 4)
    (F.sum(x, 0).sum() + F.sum(x, 1).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 2.0))


# --- tie rules, compared with PyTorch ---------------------------------------------------------
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, -1.0, 5.0]])


def _grads(badak_fn, torch_fn, data=TIES):
    """Gradient of sum(w * fn(x)) in badak and PyTorch for the same float64 data."""
    ours = badak.Tensor(data.copy(), requires_grad=True)
    out = badak_fn(ours)
    w = np.random.default_rng(3).standard_normal(out.shape)
    (out * w).sum().backward()
    theirs = torch.tensor(data, requires_grad=True)
    (torch_fn(theirs) * torch.from_numpy(w)).sum().backward()
    return ours.grad.numpy(), theirs.grad.numpy()


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)], ids=str)
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_share_the_gradient_equally_among_ties(name, dim):
    torch_dim = dim if dim is not None else (0, 1)
    got, expected = _grads(
        lambda x: getattr(F, name)(x, dim), lambda x: getattr(torch, name)(x, torch_dim)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_all_elements_share_the_gradient_among_ties(name):
    got, expected = _grads(getattr(F, name), lambda x: getattr(x, name)())
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim_give_the_gradient_to_the_returned_index(name, dim):
    got, expected = _grads(
        lambda x: getattr(F, name)(x, dim).values, lambda x: getattr(x, name)(dim).values
    )
    np.testing.assert_array_equal(got, expected)
    x = torch.from_numpy(TIES)
    expected_indices = getattr(x, name)(dim).indices.numpy()
    indices = getattr(F, name)(badak.Tensor(TIES), dim).indices
    np.testing.assert_array_equal(indices.numpy(), expected_indices)


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "max", "min"])
def test_reduction_rejects_dim_out_of_range(name):
    with pytest.raises(IndexError, match=f"^{name}"):
        getattr(F, name)(leaf(3, 4), dim=5)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "max", "min"])
def test_reduction_rejects_both_dim_and_axis(name):
    with pytest.raises(TypeError, match=f"^{name}"):
        getattr(F, name)(leaf(3, 4), dim=1, axis=1)


def test_sum_rejects_both_keepdim_and_keepdims():
    with pytest.raises(TypeError, match="^sum"):
        F.sum(leaf(3, 4), 0, keepdim=True, keepdims=True)


def test_sum_rejects_a_repeated_dim():
    with pytest.raises(ValueError, match="^sum"):
        F.sum(leaf(3, 4), (1, -1))


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_indices_reject_a_tuple_dim(name):
    with pytest.raises(TypeError, match=f"^{name}"):
        getattr(F, name)(leaf(3, 4), (0, 1))


def test_amax_of_an_empty_tensor_raises():
    with pytest.raises(RuntimeError, match="^amax"):
        F.amax(badak.Tensor(np.zeros((0, 3))))
