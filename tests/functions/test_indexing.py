"""badak/functions/indexing.py: checks of the arguments of the indexing functions."""

import numpy as np
import pytest

import badak


def test_index_add_refuses_a_source_that_would_broadcast():
    x = badak.zeros(3, 2)
    with pytest.raises(ValueError, match=r"index_add: expected source of shape \(2, 2\)"):
        badak.index_add(x, 0, badak.tensor([0, 2]), badak.ones(1, 2))


def test_index_add_adds_repeated_indices():
    x = badak.index_add(badak.zeros(3, 2), 0, badak.tensor([0, 0, 2]), badak.ones(3, 2))
    assert x.tolist() == [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]


def test_in_place_scatter_index_add_as_pytorchs():
    import torch

    ours, theirs = badak.zeros(3, 4), torch.zeros(3, 4)
    assert ours.scatter_(1, badak.tensor([[0], [2], [1]]), 1.0) is ours
    theirs.scatter_(1, torch.tensor([[0], [2], [1]]), 1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours, theirs = badak.zeros(3), torch.zeros(3)
    ours.scatter_add_(0, badak.tensor([0, 0, 2]), badak.tensor([1.0, 2.0, 3.0]))
    theirs.scatter_add_(0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
    ours.index_add_(0, badak.tensor([1]), badak.tensor([5.0]), alpha=2)
    theirs.index_add_(0, torch.tensor([1]), torch.tensor([5.0]), alpha=2)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_scatter_in_place_inside_a_graph_routes_the_gradient_as_pytorch():
    w = badak.ones(3, requires_grad=True)
    x = w * 2
    x.scatter_(0, badak.tensor([1]), badak.tensor([9.0]))
    x.sum().backward()
    assert w.grad.tolist() == [2.0, 0.0, 2.0]
