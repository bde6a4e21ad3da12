"""badak/functions/indexing.py: checks of the arguments of the indexing functions."""

import pytest

import badak


def test_index_add_refuses_a_source_that_would_broadcast():
    x = badak.zeros(3, 2)
    with pytest.raises(ValueError, match=r"index_add: expected source of shape \(2, 2\)"):
        badak.index_add(x, 0, badak.tensor([0, 2]), badak.ones(1, 2))


def test_index_add_adds_repeated_indices():
    x = badak.index_add(badak.zeros(3, 2), 0, badak.tensor([0, 0, 2]), badak.ones(3, 2))
    assert x.tolist() == [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
