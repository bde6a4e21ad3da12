"""The Tensor protocol: hashing, NumPy interplay, conversions, in-place updates, comparisons."""

import operator

import numpy as np
import pytest
import torch

import badak
from tests.tensor_helpers import close, leaf


# --- Tensor protocol ----------------------------------------------------------------------------
def test_tensors_hash_by_identity():
    a, b = badak.tensor([1.0]), badak.tensor([1.0])
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"


@pytest.mark.parametrize("op, expected_grad", [("mul", [3.0, 4.0]), ("add", [1.0, 1.0])])
def test_ndarray_on_the_left_gives_a_tensor(op, expected_grad):
    x = leaf([1.0, 2.0])
    array = np.array([3.0, 4.0], np.float32)
    y = array * x if op == "mul" else array + x
    assert isinstance(y, badak.Tensor) and y.requires_grad
    y.sum().backward()
    close(x.grad, expected_grad)


def test_array_conversions_and_python_scalars():
    x = badak.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.asarray(x), x.numpy())
    assert np.shares_memory(x.numpy(), x.numpy())
    assert len(x) == 2 and x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError):
        len(badak.tensor(1.0))
    one = badak.tensor([2.5])
    assert float(one) == 2.5 and int(one) == 2 and bool(one) and one.item() == 2.5
    assert not bool(badak.tensor(0.0))


def test_many_elements_have_no_single_value():
    x = badak.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError):
        bool(x)
    with pytest.raises((RuntimeError, ValueError), match="element"):
        x.item()


def test_iteration_yields_tensors_that_pass_gradients():
    x = leaf([1.0, 2.0, 3.0])
    rows = list(x)
    assert all(isinstance(r, badak.Tensor) and r.shape == () for r in rows)
    (rows[0] * rows[2] + rows[2]).backward()
    close(x.grad, [3.0, 0.0, 2.0])


def test_detach_shares_data_and_leaves_the_graph():
    x = leaf([1.0, 2.0])
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert x.detach().numpy() is x.numpy()


def test_clone_is_a_differentiable_copy():
    x = leaf([1.0, 2.0])
    c = x.clone()
    assert not np.shares_memory(c.numpy(), x.numpy()) and c.grad_fn is not None
    (c * 2.0).sum().backward()
    close(x.grad, [2.0, 2.0])


def test_shape_queries_and_transpose():
    x = leaf(np.arange(6).reshape(2, 3))
    assert x.dim() == 2 == x.ndim and x.size() == (2, 3) == x.shape
    assert x.size(1) == 3 and x.size(-1) == 3 and x.dtype == np.float32 and x.is_leaf
    t = x.T
    assert t.shape == (3, 2) and not t.is_leaf
    np.testing.assert_array_equal(t.numpy(), x.numpy().T)
    (t * badak.tensor(np.arange(6, dtype=np.float32).reshape(3, 2))).sum().backward()
    close(x.grad, np.arange(6).reshape(3, 2).T)


def test_dtype_conversions():
    x = leaf([1.5, -2.5])
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert not x.long().requires_grad
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    x.double().sum().backward()
    assert x.grad.dtype == np.float32


def test_zero_fills_in_place():
    x = badak.tensor([1.0, 2.0])
    data = x.numpy()
    assert x.zero_() is x and x.numpy() is data and x.tolist() == [0.0, 0.0]


IN_PLACE = {"-=": operator.isub, "+=": operator.iadd, "*=": operator.imul}


@pytest.mark.parametrize("op", IN_PLACE)
def test_in_place_update_under_no_grad_keeps_the_array(op):
    p = leaf([1.0, 2.0])
    data = p.numpy()
    with badak.no_grad():
        assert IN_PLACE[op](p, badak.tensor([2.0, 2.0])) is p
    assert p.numpy() is data and p.requires_grad
    close(p, {"-=": [-1.0, 0.0], "+=": [3.0, 4.0], "*=": [2.0, 4.0]}[op])


@pytest.mark.parametrize("op", IN_PLACE)
def test_in_place_update_of_a_tensor_requiring_grad_raises(op):
    with pytest.raises(RuntimeError, match="no_grad"):
        IN_PLACE[op](leaf([1.0, 2.0]), 2.0)


def test_comparisons_give_bool_tensors_without_grad():
    x, y = leaf([1.0, 2.0, 3.0]), badak.tensor([2.0, 2.0, 2.0])
    results = [x < y, x <= y, x > y, x >= y, x == y, x != y]
    assert all(r.dtype == np.bool_ and not r.requires_grad for r in results)
    assert [r.tolist() for r in results[:3]] == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]


def test_max_with_dim_gives_values_indices_and_grad_to_the_index():
    values = np.array([[1.0, 3.0, 3.0], [5.0, 2.0, 5.0]], np.float32)
    x = leaf(values)
    maxima, indices = x.max(1)
    assert indices.dtype == np.int64 and indices.tolist() == [1, 0]
    close(maxima, [3.0, 5.0])
    maxima.sum().backward()
    close(x.grad, [[0, 1, 0], [1, 0, 0]])


def test_max_over_all_shares_the_gradient_among_ties_like_torch():
    values = np.array([[1.0, 3.0], [3.0, 2.0]], np.float32)
    x, t = leaf(values), torch.tensor(values, requires_grad=True)
    top = x.max()
    assert top.shape == () and badak.amax(x).shape == ()
    top.backward()
    t.max().backward()
    close(x.grad, t.grad.numpy())


def test_argmax():
    x = badak.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.argmax().item() == 3 and x.argmax().dtype == np.int64
    assert x.argmax(1).tolist() == [1, 0] and badak.argmax(x, 0).tolist() == [1, 0, 1]


# --- .data and .numpy(), as in PyTorch -----------------------------------------------------------
def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    p = leaf([1.0, 2.0])
    data = p.data
    assert isinstance(data, badak.Tensor) and not data.requires_grad and data.grad_fn is None
    assert data.numpy() is p.numpy()


def test_an_update_through_data_changes_the_parameter_and_records_nothing():
    p = leaf([1.0, 2.0])
    (p * p).sum().backward()
    p.data.add_(p.grad, alpha=-0.5)  # p -= 0.5 * dp, outside the graph
    close(p, [0.0, 0.0])
    assert p.requires_grad and p.is_leaf


def test_assigning_data_replaces_the_array():
    p = leaf([1.0, 2.0])
    p.data = badak.tensor([5.0, 6.0])
    close(p, [5.0, 6.0])
    p.data = np.array([7.0, 8.0], np.float32)
    assert p.tolist() == [7.0, 8.0] and p.requires_grad


def test_numpy_is_the_array_itself():
    array = np.arange(3.0)
    assert badak.Tensor(array).numpy() is array


@pytest.mark.parametrize(
    "method, argument, expected",
    [
        ("add_", 2.0, [3.0, 4.0]),
        ("sub_", badak.tensor([1.0, 1.0]), [0.0, 1.0]),
        ("mul_", 3.0, [3.0, 6.0]),
        ("div_", badak.tensor([2.0, 4.0]), [0.5, 0.5]),
        ("copy_", badak.tensor([9.0, 8.0]), [9.0, 8.0]),
        ("fill_", 4.0, [4.0, 4.0]),
    ],
)
def test_in_place_methods_change_the_array_and_return_self(method, argument, expected):
    x = badak.tensor([1.0, 2.0])
    array = x.numpy()
    assert getattr(x, method)(argument) is x
    assert x.numpy() is array and x.tolist() == expected


def test_add_with_alpha_scales_the_other_operand():
    x = badak.tensor([1.0, 2.0])
    x.add_(badak.tensor([2.0, 4.0]), alpha=-0.5).sub_(1.0, alpha=2)
    assert x.tolist() == [-2.0, -2.0] and x.dtype == np.float32


def test_in_place_methods_on_a_tensor_requiring_grad_raise_outside_no_grad():
    with pytest.raises(RuntimeError, match="add_"):
        leaf([1.0]).add_(1.0)


def test_a_one_element_tensor_formats_as_its_number():
    loss = badak.tensor(0.123456)
    assert f"{loss:.3f}" == "0.123" and f"{badak.tensor(-2.0):+.2f}" == "-2.00"
    assert f"{badak.ones(2)}" == str(badak.ones(2))
    with pytest.raises(TypeError):
        f"{badak.ones(2):.2f}"
