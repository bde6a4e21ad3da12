"""badak.nn.functional.cross_entropy with probability targets, and its double backward, against
PyTorch.

Probability targets (shaped like the input) are a softmax of random numbers or arbitrary
non-negative numbers (zeros included); they require grad, so the gradient with respect to the
target is compared too. The double backward compares the gradient of sum(input.grad * r), input.grad
built with create_graph=True, with torch.autograd.grad(..., create_graph=True).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import badak
import badak.nn.functional as F

from .loss_helpers import CASES, assert_close, compare, each_dtype, each_reduction, leaves, seeds


def compare_double_backward(badak_fn, torch_fn, arrays, dtype, seed=0):
    """First gradients (with create_graph) and the gradients of sum_i sum(grad_i * r_i)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    b_leaves, t_leaves = leaves(arrays, dtype)
    b_out, t_out = badak_fn(*b_leaves), torch_fn(*t_leaves)
    upstream = np.asarray(rng.standard_normal(t_out.shape), dtype)
    r = [np.asarray(rng.standard_normal(np.shape(a)), dtype) for a in arrays]

    t_first = torch.autograd.grad(t_out, t_leaves, torch.from_numpy(upstream), create_graph=True)
    t_total = sum((g * torch.from_numpy(ri)).sum() for g, ri in zip(t_first, r))
    t_second = torch.autograd.grad(t_total, t_leaves, allow_unused=True)

    b_out.backward(badak.tensor(upstream), create_graph=True)
    b_first = [leaf.grad for leaf in b_leaves]
    for leaf in b_leaves:
        leaf.grad = None
    b_total = sum((g * badak.tensor(ri)).sum() for g, ri in zip(b_first, r))
    b_total.backward()
    for i in range(len(arrays)):
        assert_close(b_first[i].numpy(), t_first[i].detach().numpy(), dtype, f"gradient {i}")
        expected = np.zeros(np.shape(arrays[i])) if t_second[i] is None else t_second[i]
        got = (
            np.zeros(np.shape(arrays[i])) if b_leaves[i].grad is None else b_leaves[i].grad.numpy()
        )
        assert_close(got, np.asarray(expected), dtype, f"second-order gradient {i}")
    CASES[dtype.name] = CASES.get(dtype.name, 0) + 1


# ----------------------------------------------------------------------------------------------
# Probability targets
# ----------------------------------------------------------------------------------------------
@st.composite
def probability_cases(draw):
    """(logits, probability target, weight or None), the target shaped like the logits."""
    n_classes = draw(st.integers(1, 6))
    spatial = draw(st.sampled_from([None, (), (2,), (3,), (1, 2), (2, 3)]))
    shape = (n_classes,) if spatial is None else (draw(st.integers(1, 4)), n_classes, *spatial)
    rng = np.random.default_rng(draw(seeds))
    class_dim = 0 if len(shape) == 1 else 1
    logits = rng.standard_normal(shape) * 2
    if draw(st.booleans()):
        scores = rng.standard_normal(shape) * 2
        target = np.exp(scores) / np.exp(scores).sum(class_dim, keepdims=True)
    else:  # any non-negative numbers, exact zeros among them
        target = rng.uniform(0, 2, shape) * (rng.random(shape) < 0.8)
    weight = rng.uniform(0.2, 2.0, n_classes) if draw(st.booleans()) else None
    return logits, target, weight


@each_dtype
@each_reduction
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.5, 1.0])
@given(case=probability_cases(), seed=seeds)
@settings(max_examples=8)
def test_cross_entropy_with_probability_targets_matches_torch(
    dtype, reduction, label_smoothing, case, seed
):
    logits, target, weight = case

    def call(framework, functional, x, t):
        return functional.cross_entropy(
            x,
            t,
            weight=None if weight is None else framework.tensor(weight.astype(dtype)),
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    compare(
        lambda x, t: call(badak, F, x, t),
        lambda x, t: call(torch, TF, x, t),
        [logits, target],
        dtype,
        seed=seed,
    )


@each_dtype
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 5, 2), (2, 5, 2, 3)], ids=str)
def test_one_hot_probability_targets_match_class_indices_in_torch(dtype, shape):
    """A one-hot probability target gives PyTorch's class-index loss (weighted: 'sum')."""
    rng = np.random.default_rng(len(shape))
    logits = rng.standard_normal(shape)
    classes = rng.integers(0, 5, () if len(shape) == 1 else (shape[0], *shape[2:]))
    onehot = np.moveaxis(np.eye(5)[classes], -1, 0 if len(shape) == 1 else 1)
    weight = rng.uniform(0.2, 2.0, 5).astype(dtype)
    for reduction in ("none", "sum"):
        compare(
            lambda x, r=reduction: F.cross_entropy(
                x, badak.tensor(onehot.astype(dtype)), badak.tensor(weight), reduction=r
            ),
            lambda x, r=reduction: TF.cross_entropy(
                x, torch.tensor(classes), torch.tensor(weight), reduction=r
            ),
            [logits],
            dtype,
        )


# ----------------------------------------------------------------------------------------------
# Double backward
# ----------------------------------------------------------------------------------------------
@each_dtype
@each_reduction
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", [(6,), (4, 6), (3, 6, 2)], ids=str)
def test_cross_entropy_double_backward_matches_torch(
    dtype, reduction, label_smoothing, weighted, shape
):
    rng = np.random.default_rng(len(shape))
    logits = rng.standard_normal(shape) * 2
    target = rng.integers(0, 6, () if len(shape) == 1 else (shape[0], *shape[2:]))
    if target.ndim:
        target.flat[-1] = -100  # one ignored position
    weight = rng.uniform(0.2, 2.0, 6).astype(dtype) if weighted else None

    def call(framework, functional, x):
        return functional.cross_entropy(
            x,
            framework.tensor(target),
            weight=None if weight is None else framework.tensor(weight),
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    compare_double_backward(
        lambda x: call(badak, F, x), lambda x: call(torch, TF, x), [logits], dtype
    )


@each_dtype
@each_reduction
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(6,), (4, 6), (3, 6, 2)], ids=str)
def test_cross_entropy_double_backward_with_probability_targets_matches_torch(
    dtype, reduction, label_smoothing, shape
):
    """Second derivatives with respect to both the logits and the target."""
    rng = np.random.default_rng(len(shape) + 10)
    logits, target = rng.standard_normal(shape), rng.uniform(0, 1, shape)
    weight = rng.uniform(0.2, 2.0, 6).astype(dtype)

    def call(framework, functional, x, t):
        return functional.cross_entropy(
            x, t, framework.tensor(weight), reduction=reduction, label_smoothing=label_smoothing
        )

    compare_double_backward(
        lambda x, t: call(badak, F, x, t),
        lambda x, t: call(torch, TF, x, t),
        [logits, target],
        dtype,
    )


@each_dtype
@each_reduction
def test_nll_loss_double_backward_matches_torch(dtype, reduction):
    """nll_loss of log_softmax: second derivatives come from log_softmax alone."""
    rng = np.random.default_rng(3)
    logits, target = rng.standard_normal((4, 5)), np.array([0, 3, -100, 4])
    weight = rng.uniform(0.2, 2.0, 5).astype(dtype)
    compare_double_backward(
        lambda x: F.nll_loss(
            F.log_softmax(x, 1), badak.tensor(target), badak.tensor(weight), reduction=reduction
        ),
        lambda x: TF.nll_loss(
            TF.log_softmax(x, 1), torch.tensor(target), torch.tensor(weight), reduction=reduction
        ),
        [logits],
        dtype,
    )
