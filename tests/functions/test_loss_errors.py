"""Bad input to the losses: one test per case, each checking the exception's type, that the message
starts with the function's name and that it shows what arrived; and that a rejected call changes
nothing (no gradient, no graph, no Function run: the checks come before any work)."""

import re

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak.autograd import Function


def logits(*shape, dtype=np.float64):
    return badak.tensor(np.zeros(shape, dtype), requires_grad=dtype in (np.float32, np.float64))


def classes(*values):
    return badak.tensor(np.array(values, np.int64))


def rejects(exception, name, *fragments):
    """pytest.raises(exception) whose message starts with 'name:' and holds every fragment."""
    pattern = "".join(f"(?=.*{re.escape(f)})" for f in fragments)
    return pytest.raises(exception, match=rf"^{re.escape(name)}: {pattern}")


X = logits(4, 5)
T = classes(0, 1, 2, 3)


# ----------------------------------------------------------------------------------------------
# cross_entropy
# ----------------------------------------------------------------------------------------------
def test_cross_entropy_rejects_target_out_of_range():
    with rejects(IndexError, "cross_entropy", "target[3] = 7", "[0, 5)", "ignore_index=-100"):
        F.cross_entropy(X, classes(0, 1, 2, 7))


def test_cross_entropy_rejects_target_out_of_range_beside_another_ignore_index():
    with rejects(IndexError, "cross_entropy", "target[2] = 5", "ignore_index=-1"):
        F.cross_entropy(X, classes(0, -1, 5, 3), ignore_index=-1)


def test_cross_entropy_rejects_negative_target():
    with rejects(IndexError, "cross_entropy", "target[1] = -1"):
        F.cross_entropy(X, classes(0, -1, 2, 3))


def test_cross_entropy_rejects_k_dim_target_out_of_range_naming_its_position():
    with rejects(IndexError, "cross_entropy", "target[(1, 2)] = 5"):
        F.cross_entropy(logits(2, 5, 3), classes([0, 1, 2], [0, 1, 5]))


def test_cross_entropy_rejects_unbatched_target_out_of_range():
    with rejects(IndexError, "cross_entropy", "target = 9"):
        F.cross_entropy(logits(5), badak.tensor(np.array(9)))


def test_cross_entropy_rejects_label_smoothing_above_one():
    with rejects(ValueError, "cross_entropy", "label_smoothing", "1.5"):
        F.cross_entropy(X, T, label_smoothing=1.5)


def test_cross_entropy_rejects_negative_label_smoothing():
    with rejects(ValueError, "cross_entropy", "label_smoothing", "-0.1"):
        F.cross_entropy(X, T, label_smoothing=-0.1)


def test_cross_entropy_rejects_nan_label_smoothing():
    with rejects(ValueError, "cross_entropy", "label_smoothing", "nan"):
        F.cross_entropy(X, T, label_smoothing=float("nan"))


def test_cross_entropy_rejects_label_smoothing_of_a_wrong_kind():
    with rejects(TypeError, "cross_entropy", "label_smoothing", "str"):
        F.cross_entropy(X, T, label_smoothing="0.1")


def test_cross_entropy_rejects_weight_of_wrong_length():
    with rejects(ValueError, "cross_entropy", "weight", "(5,)", "(4,)"):
        F.cross_entropy(X, T, weight=badak.tensor(np.ones(4)))


def test_cross_entropy_rejects_two_dimensional_weight():
    with rejects(ValueError, "cross_entropy", "weight", "(1, 5)"):
        F.cross_entropy(X, T, weight=badak.tensor(np.ones((1, 5))))


def test_cross_entropy_rejects_batch_size_mismatch():
    with rejects(ValueError, "cross_entropy", "batch size 4", "(3,)"):
        F.cross_entropy(X, classes(0, 1, 2))


def test_cross_entropy_rejects_k_dim_mismatch():
    with rejects(ValueError, "cross_entropy", "(2, 3)", "(2, 4)"):
        F.cross_entropy(logits(2, 5, 3), badak.tensor(np.zeros((2, 4), np.int64)))


def test_cross_entropy_rejects_negative_probability_targets():
    target = np.full((4, 5), 0.2)
    target[2, 3] = -0.5
    with rejects(ValueError, "cross_entropy", "non-negative", "-0.5", "(2, 3)"):
        F.cross_entropy(X, badak.tensor(target))


def test_cross_entropy_rejects_nan_probability_targets():
    target = np.full((4, 5), 0.2)
    target[1, 0] = np.nan
    with rejects(ValueError, "cross_entropy", "finite", "nan", "(1, 0)"):
        F.cross_entropy(X, badak.tensor(target))


def test_cross_entropy_rejects_infinite_probability_targets():
    target = np.full((4, 5), 0.2)
    target[0, 4] = np.inf
    with rejects(ValueError, "cross_entropy", "finite", "inf", "(0, 4)"):
        F.cross_entropy(X, badak.tensor(target))


def test_cross_entropy_rejects_integer_logits():
    with rejects(TypeError, "cross_entropy", "floating", "int64"):
        F.cross_entropy(logits(4, 5, dtype=np.int64), T)


def test_cross_entropy_rejects_bool_logits():
    with rejects(TypeError, "cross_entropy", "floating", "bool"):
        F.cross_entropy(logits(4, 5, dtype=np.bool_), T)


def test_cross_entropy_rejects_float_class_index_targets():
    with rejects(TypeError, "cross_entropy", "integer class indices", "float64", "(4,)"):
        F.cross_entropy(X, badak.tensor(np.array([0.0, 1.0, 2.0, 3.0])))


def test_cross_entropy_rejects_bool_targets():
    with rejects(TypeError, "cross_entropy", "integer class indices", "bool"):
        F.cross_entropy(X, badak.tensor(np.array([True, False, True, False])))


def test_cross_entropy_rejects_unknown_reduction():
    with rejects(ValueError, "cross_entropy", "reduction", "'avg'"):
        F.cross_entropy(X, T, reduction="avg")


def test_cross_entropy_rejects_zero_dimensional_input():
    with rejects(ValueError, "cross_entropy", "got ()"):
        F.cross_entropy(badak.tensor(np.array(1.0), requires_grad=True), badak.tensor(np.array(0)))


def test_cross_entropy_rejects_input_without_classes():
    with rejects(ValueError, "cross_entropy", "class", "(4, 0)"):
        F.cross_entropy(logits(4, 0), T)


def test_cross_entropy_rejects_ignore_index_of_a_wrong_kind():
    with rejects(TypeError, "cross_entropy", "ignore_index", "1.5"):
        F.cross_entropy(X, T, ignore_index=1.5)


# ----------------------------------------------------------------------------------------------
# nll_loss
# ----------------------------------------------------------------------------------------------
def test_nll_loss_rejects_target_out_of_range():
    with rejects(IndexError, "nll_loss", "target[3] = 7", "[0, 5)"):
        F.nll_loss(X, classes(0, 1, 2, 7))


def test_nll_loss_rejects_negative_target():
    with rejects(IndexError, "nll_loss", "target[0] = -3"):
        F.nll_loss(X, classes(-3, 1, 2, 3))


def test_nll_loss_rejects_batch_size_mismatch():
    with rejects(ValueError, "nll_loss", "batch size 4", "(5,)"):
        F.nll_loss(X, classes(0, 1, 2, 3, 4))


def test_nll_loss_rejects_weight_of_wrong_length():
    with rejects(ValueError, "nll_loss", "weight", "(6,)"):
        F.nll_loss(X, T, weight=badak.tensor(np.ones(6)))


def test_nll_loss_rejects_integer_input():
    with rejects(TypeError, "nll_loss", "floating", "int64"):
        F.nll_loss(logits(4, 5, dtype=np.int64), T)


def test_nll_loss_rejects_probability_targets():
    with rejects(TypeError, "nll_loss", "integer class indices", "float64"):
        F.nll_loss(X, badak.tensor(np.full((4, 5), 0.2)))


def test_nll_loss_rejects_unknown_reduction():
    with rejects(ValueError, "nll_loss", "reduction", "'max'"):
        F.nll_loss(X, T, reduction="max")


# ----------------------------------------------------------------------------------------------
# binary cross-entropy, mse_loss, kl_div
# ----------------------------------------------------------------------------------------------
HALF = badak.tensor(np.full((2, 3), 0.5), requires_grad=True)


def test_binary_cross_entropy_rejects_input_above_one():
    with rejects(ValueError, "binary_cross_entropy", "input", "[0, 1]", "1.5", "(0, 2)"):
        F.binary_cross_entropy(badak.tensor([[0.5, 0.5, 1.5], [0.5, 0.5, 0.5]]), HALF)


def test_binary_cross_entropy_rejects_negative_input():
    with rejects(ValueError, "binary_cross_entropy", "input", "-0.25"):
        F.binary_cross_entropy(badak.tensor([[0.5, 0.5, 0.5], [-0.25, 0.5, 0.5]]), HALF)


def test_binary_cross_entropy_rejects_nan_input():
    with rejects(ValueError, "binary_cross_entropy", "input", "nan"):
        F.binary_cross_entropy(badak.tensor([[0.5, np.nan, 0.5], [0.5, 0.5, 0.5]]), HALF)


def test_binary_cross_entropy_rejects_target_outside_unit_interval():
    with rejects(ValueError, "binary_cross_entropy", "target", "2.0"):
        F.binary_cross_entropy(HALF, badak.tensor([[0.5, 0.5, 0.5], [0.5, 2.0, 0.5]]))


def test_binary_cross_entropy_rejects_shape_mismatch():
    with rejects(ValueError, "binary_cross_entropy", "(2, 3)", "(3, 2)"):
        F.binary_cross_entropy(HALF, badak.tensor(np.full((3, 2), 0.5)))


def test_binary_cross_entropy_rejects_weight_that_does_not_broadcast():
    with rejects(ValueError, "binary_cross_entropy", "weight", "(2,)", "(2, 3)"):
        F.binary_cross_entropy(HALF, HALF.detach(), weight=np.ones(2))


def test_binary_cross_entropy_with_logits_rejects_shape_mismatch():
    with rejects(ValueError, "binary_cross_entropy_with_logits", "(4, 5)", "(4, 4)"):
        F.binary_cross_entropy_with_logits(X, badak.tensor(np.zeros((4, 4))))


def test_binary_cross_entropy_with_logits_rejects_pos_weight_that_does_not_broadcast():
    with rejects(ValueError, "binary_cross_entropy_with_logits", "pos_weight", "(3,)", "(4, 5)"):
        F.binary_cross_entropy_with_logits(X, X.detach(), pos_weight=badak.tensor(np.ones(3)))


def test_mse_loss_rejects_shape_mismatch():
    with rejects(ValueError, "mse_loss", "(4, 5)", "(5,)"):
        F.mse_loss(X, badak.tensor(np.zeros(5)))


def test_kl_div_rejects_shape_mismatch():
    with rejects(ValueError, "kl_div", "(4, 5)", "(5, 4)"):
        F.kl_div(X, badak.tensor(np.zeros((5, 4))))


def test_kl_div_rejects_unknown_reduction_naming_batchmean_among_the_choices():
    with rejects(ValueError, "kl_div", "reduction", "'avg'", "'batchmean'"):
        F.kl_div(X, X.detach(), reduction="avg")


# ----------------------------------------------------------------------------------------------
# one_hot
# ----------------------------------------------------------------------------------------------
def test_one_hot_rejects_negative_indices():
    with rejects(IndexError, "one_hot", "-1"):
        F.one_hot(classes(0, -1, 2))


def test_one_hot_rejects_float_indices():
    with rejects(TypeError, "one_hot", "integer", "float64"):
        F.one_hot(badak.tensor(np.array([0.0, 1.0])))


def test_one_hot_rejects_index_not_below_num_classes():
    with rejects(IndexError, "one_hot", "3", "num_classes=3"):
        F.one_hot(classes(0, 3), 3)


# ----------------------------------------------------------------------------------------------
# A rejected call changes nothing
# ----------------------------------------------------------------------------------------------
BAD_CALLS = {  # case -> (loss, its arguments given the leaf x: positional, keyword)
    "cross_entropy target": (F.cross_entropy, lambda x: ((x, classes(0, 1, 2, 7)), {})),
    "cross_entropy smoothing": (F.cross_entropy, lambda x: ((x, T), {"label_smoothing": 2.0})),
    "cross_entropy weight": (F.cross_entropy, lambda x: ((x, T), {"weight": np.ones(3)})),
    "cross_entropy probabilities": (F.cross_entropy, lambda x: ((x, np.full((4, 5), -1.0)), {})),
    "cross_entropy reduction": (F.cross_entropy, lambda x: ((x, T), {"reduction": "avg"})),
    "nll_loss target": (F.nll_loss, lambda x: ((x, classes(0, 1, 2, 9)), {})),
    "binary_cross_entropy": (F.binary_cross_entropy, lambda x: ((x, np.full((4, 5), 3.0)), {})),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits,
        lambda x: ((x, np.zeros((4, 5))), {"pos_weight": np.ones(2)}),
    ),
    "mse_loss": (F.mse_loss, lambda x: ((x, np.zeros(5)), {})),
    "kl_div": (F.kl_div, lambda x: ((x, np.zeros((4, 5))), {"reduction": "avg"})),
}


@pytest.mark.parametrize("case", BAD_CALLS)
def test_rejected_call_leaves_no_gradient_and_no_graph(case, monkeypatch):
    """No Function runs (so no graph and no work) and the leaf is as it was."""
    x = badak.tensor(np.full((4, 5), 0.5), requires_grad=True)
    loss, arguments = BAD_CALLS[case]
    args, kwargs = arguments(x)
    ran = []
    original = Function.__call__

    def spy(self, *args, **kwargs):
        ran.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Function, "__call__", spy)
    with pytest.raises((ValueError, TypeError, IndexError)):
        loss(*args, **kwargs)
    assert ran == [], f"{case}: ran {ran} before rejecting the input"
    assert x.grad is None and x.grad_fn is None and x.is_leaf and (x.numpy() == 0.5).all()
