"""badak.nn.functional.cross_entropy and nll_loss with class-index targets against PyTorch.

Every case builds the same arrays in both frameworks, compares the loss and the input's gradient
(a random upstream gradient for reduction='none') in float64 and float32, over random layouts
((C,), (N, C), (N, C, d1), (N, C, d1, d2)), weights, ignore_index values (the default, a class in
[0, C), a value outside it), reductions, label smoothing and target dtypes. A mean over no valid
position differs from PyTorch by design (0 rather than NaN): tests/functions/test_loss.py covers it,
so every 'mean' case here keeps at least one target.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import badak
import badak.nn.functional as F

from .loss_helpers import compare, each_dtype, each_reduction, seeds


# ----------------------------------------------------------------------------------------------
# Drawing a case: layout, targets, weight and ignore_index
# ----------------------------------------------------------------------------------------------
@st.composite
def layouts(draw):
    """(input shape, target shape): (C,), (N, C), (N, C, d1) or (N, C, d1, d2)."""
    n_classes = draw(st.integers(1, 6))
    spatial = draw(st.sampled_from([None, (), (1,), (2,), (3,), (1, 2), (2, 3)]))
    if spatial is None:
        return (n_classes,), ()
    n = draw(st.integers(1, 4))
    return (n, n_classes, *spatial), (n, *spatial)


@st.composite
def class_cases(draw, reduction):
    """A class-index case: (logits, int64 targets, weight or None, ignore_index)."""
    shape, target_shape = draw(layouts())
    rng = np.random.default_rng(draw(seeds))
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    logits = rng.standard_normal(shape) * draw(st.sampled_from([1.0, 3.0]))
    target = rng.integers(0, n_classes, target_shape)
    weight = rng.uniform(0.2, 2.0, n_classes) if draw(st.booleans()) else None
    ignore_index = draw(
        st.sampled_from([-100, -1, 7, n_classes])  # the default, or outside [0, C)
        | st.integers(0, n_classes - 1)  # a class, which the targets then hold
    )
    if target.ndim and draw(st.booleans()):  # some positions ignored
        target = np.where(rng.random(target_shape) < 0.4, ignore_index, target)
    if reduction == "mean" and not (target != ignore_index).any():
        # PyTorch gives NaN for a mean over nothing (badak 0: tested in tests/functions)
        keep = [c for c in range(n_classes) if c != ignore_index][0:1]
        if not keep:  # one class, and it is ignore_index
            ignore_index = -100
        else:
            target.flat[0] = keep[0]
    return logits, target, weight, ignore_index


def as_target(target, dtype_name, framework):
    if framework is torch:
        return torch.tensor(target, dtype=torch.int64)  # PyTorch takes no int32 targets
    return badak.tensor(target.astype(dtype_name))


def optional(weight, framework):
    if weight is None:
        return None
    return torch.tensor(weight) if framework is torch else badak.tensor(weight)


# ----------------------------------------------------------------------------------------------
# cross_entropy with class indices
# ----------------------------------------------------------------------------------------------
@each_dtype
@each_reduction
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.5, 1.0])
@given(data=st.data(), target_dtype=st.sampled_from(["int64", "int32"]), seed=seeds)
@settings(max_examples=9)
def test_cross_entropy_matches_torch(dtype, reduction, label_smoothing, data, target_dtype, seed):
    logits, target, weight, ignore_index = data.draw(class_cases(reduction))

    def call(framework, functional, x):
        return functional.cross_entropy(
            x,
            as_target(target, target_dtype, framework),
            weight=None if weight is None else optional(weight.astype(dtype), framework),
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    compare(lambda x: call(badak, F, x), lambda x: call(torch, TF, x), [logits], dtype, seed=seed)


@each_dtype
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("ignore_index", [-100, 2, -1, 7])
def test_cross_entropy_with_ignored_targets_and_weight_matches_torch(
    dtype, label_smoothing, ignore_index
):
    """(N, C) = (6, 5), half the targets ignored, weighted mean: PyTorch's weighted-mean rule."""
    rng = np.random.default_rng(ignore_index + 200)
    logits = rng.standard_normal((6, 5)) * 2
    target = np.array([0, ignore_index, 4, ignore_index, 1, ignore_index])
    weight = rng.uniform(0.2, 2.0, 5).astype(dtype)
    for reduction in ("none", "mean", "sum"):
        compare(
            lambda x, r=reduction: F.cross_entropy(
                x,
                badak.tensor(target),
                badak.tensor(weight),
                ignore_index=ignore_index,
                reduction=r,
                label_smoothing=label_smoothing,
            ),
            lambda x, r=reduction: TF.cross_entropy(
                x,
                torch.tensor(target),
                torch.tensor(weight),
                ignore_index=ignore_index,
                reduction=r,
                label_smoothing=label_smoothing,
            ),
            [logits],
            dtype,
        )


@each_dtype
@pytest.mark.parametrize("shape", [(7,), (3, 7), (2, 7, 4), (2, 7, 2, 3)], ids=str)
def test_cross_entropy_on_large_logits_matches_torch(dtype, shape):
    """Logits spread over [-30, 30): some rows near-certain, some targets far from the top."""
    rng = np.random.default_rng(len(shape))
    logits = rng.uniform(-30, 30, shape)
    target = rng.integers(0, 7, () if len(shape) == 1 else (shape[0], *shape[2:]))
    for reduction in ("none", "mean", "sum"):
        compare(
            lambda x, r=reduction: F.cross_entropy(x, badak.tensor(target), reduction=r),
            lambda x, r=reduction: TF.cross_entropy(x, torch.tensor(target), reduction=r),
            [logits],
            dtype,
        )


# ----------------------------------------------------------------------------------------------
# nll_loss
# ----------------------------------------------------------------------------------------------
@each_dtype
@each_reduction
@given(
    data=st.data(),
    target_dtype=st.sampled_from(["int64", "int32"]),
    log_probabilities=st.booleans(),
    seed=seeds,
)
@settings(max_examples=15)
def test_nll_loss_matches_torch(dtype, reduction, data, target_dtype, log_probabilities, seed):
    logits, target, weight, ignore_index = data.draw(class_cases(reduction))
    if log_probabilities:  # as in use; otherwise any numbers (nll_loss only picks entries)
        class_dim = 0 if logits.ndim == 1 else 1
        logits = logits - np.log(np.exp(logits).sum(class_dim, keepdims=True))

    def call(framework, functional, x):
        return functional.nll_loss(
            x,
            as_target(target, target_dtype, framework),
            weight=None if weight is None else optional(weight.astype(dtype), framework),
            ignore_index=ignore_index,
            reduction=reduction,
        )

    compare(lambda x: call(badak, F, x), lambda x: call(torch, TF, x), [logits], dtype, seed=seed)


@each_dtype
def test_nll_of_log_softmax_matches_torch_cross_entropy(dtype):
    rng = np.random.default_rng(5)
    logits, target = rng.standard_normal((4, 6, 3)), rng.integers(0, 6, (4, 3))
    compare(
        lambda x: F.nll_loss(F.log_softmax(x, 1), badak.tensor(target)),
        lambda x: TF.cross_entropy(x, torch.tensor(target)),
        [logits],
        dtype,
    )
