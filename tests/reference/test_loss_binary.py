"""binary_cross_entropy, binary_cross_entropy_with_logits, mse_loss, kl_div and one_hot against
PyTorch: the value and the gradients with respect to the input and the target (a random upstream
gradient for reduction='none'), in float64 and float32, over random shapes (0-d included) and
options. Weights (and pos_weight) are constants, as in PyTorch's use.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import badak
import badak.nn.functional as F

from .loss_helpers import CASES, compare, each_dtype, each_reduction, seeds

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def weight_shapes(draw, shape):
    """None, or a shape that broadcasts to `shape`: trailing dims, some set to 1."""
    if draw(st.booleans()):
        return None
    lead = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else s for s in shape[lead:])


def constant(framework, array, dtype):
    return None if array is None else framework.tensor(np.asarray(array, dtype))


def unit_targets(rng, shape):
    """Targets in [0, 1], some exactly 0 or 1."""
    return np.clip(rng.uniform(-0.3, 1.3, shape), 0.0, 1.0)


# ----------------------------------------------------------------------------------------------
# Binary cross-entropy
# ----------------------------------------------------------------------------------------------
@each_dtype
@each_reduction
@given(shape=shapes, data=st.data(), seed=seeds)
@settings(max_examples=20)
def test_binary_cross_entropy_matches_torch(dtype, reduction, shape, data, seed):
    rng = np.random.default_rng(seed)
    probabilities, target = rng.uniform(0.01, 0.99, shape), unit_targets(rng, shape)
    weight_shape = data.draw(weight_shapes(shape))
    weight = None if weight_shape is None else rng.uniform(0.2, 2.0, weight_shape)

    def call(framework, functional, x, t):
        return functional.binary_cross_entropy(
            x, t, weight=constant(framework, weight, dtype), reduction=reduction
        )

    compare(
        lambda x, t: call(badak, F, x, t),
        lambda x, t: call(torch, TF, x, t),
        [probabilities, target],
        dtype,
        seed=seed,
    )


@each_dtype
@each_reduction
@given(shape=shapes.filter(len), data=st.data(), seed=seeds)
@settings(max_examples=20)
def test_binary_cross_entropy_with_logits_matches_torch(dtype, reduction, shape, data, seed):
    rng = np.random.default_rng(seed)
    logits, target = rng.standard_normal(shape) * 3, unit_targets(rng, shape)
    weight_shape = data.draw(weight_shapes(shape))
    weight = None if weight_shape is None else rng.uniform(0.2, 2.0, weight_shape)
    pos_weight = rng.uniform(0.2, 3.0, shape[-1:]) if data.draw(st.booleans()) else None

    def call(framework, functional, x, t):
        return functional.binary_cross_entropy_with_logits(
            x,
            t,
            weight=constant(framework, weight, dtype),
            reduction=reduction,
            pos_weight=constant(framework, pos_weight, dtype),
        )

    compare(
        lambda x, t: call(badak, F, x, t),
        lambda x, t: call(torch, TF, x, t),
        [logits, target],
        dtype,
        seed=seed,
    )


@each_dtype
@pytest.mark.parametrize("with_pos_weight", [False, True], ids=["plain", "pos_weight"])
def test_binary_cross_entropy_with_logits_on_large_logits_matches_torch(dtype, with_pos_weight):
    """Logits up to +-80: exp(-x) would overflow float32 where computed naively."""
    logits = np.array([[-80.0, -30.0, -5.0, 0.5], [5.0, 30.0, 80.0, -0.5]])
    target = np.array([[0.0, 1.0, 0.3, 1.0], [0.0, 0.7, 1.0, 0.0]])
    pos_weight = np.array([0.5, 2.0, 1.0, 3.0]) if with_pos_weight else None
    for reduction in ("none", "mean", "sum"):
        compare(
            lambda x, t, r=reduction: F.binary_cross_entropy_with_logits(
                x, t, reduction=r, pos_weight=constant(badak, pos_weight, dtype)
            ),
            lambda x, t, r=reduction: TF.binary_cross_entropy_with_logits(
                x, t, reduction=r, pos_weight=constant(torch, pos_weight, dtype)
            ),
            [logits, target],
            dtype,
        )


# ----------------------------------------------------------------------------------------------
# mse_loss and kl_div
# ----------------------------------------------------------------------------------------------
@each_dtype
@each_reduction
@given(shape=shapes, seed=seeds)
@settings(max_examples=15)
def test_mse_loss_matches_torch(dtype, reduction, shape, seed):
    rng = np.random.default_rng(seed)
    compare(
        lambda x, t: F.mse_loss(x, t, reduction=reduction),
        lambda x, t: TF.mse_loss(x, t, reduction=reduction),
        [rng.standard_normal(shape), rng.standard_normal(shape)],
        dtype,
        seed=seed,
    )


@pytest.mark.filterwarnings("ignore:reduction. .mean.:UserWarning")  # PyTorch's advice
@each_dtype
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True], ids=["probabilities", "log_target"])
@given(shape=shapes, seed=seeds)
@settings(max_examples=10)
def test_kl_div_matches_torch(dtype, reduction, log_target, shape, seed):
    rng = np.random.default_rng(seed)
    log_probabilities = np.log(rng.uniform(0.05, 1.0, shape))
    target = rng.uniform(0.05, 1.0, shape)  # positive
    if log_target:
        target = np.log(target)
    compare(
        lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
        lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target),
        [log_probabilities, target],
        dtype,
        seed=seed,
    )


# ----------------------------------------------------------------------------------------------
# one_hot
# ----------------------------------------------------------------------------------------------
@given(shape=shapes, n_classes=st.integers(1, 6), extra=st.integers(0, 3), seed=seeds)
@settings(max_examples=40)
def test_one_hot_matches_torch(shape, n_classes, extra, seed):
    indices = np.random.default_rng(seed).integers(0, n_classes, shape)
    for num_classes in (-1, n_classes + extra):
        expected = TF.one_hot(torch.tensor(indices), num_classes).numpy()
        for given_as in (indices, badak.tensor(indices)):
            got = F.one_hot(given_as, num_classes)
            got = got.numpy() if isinstance(got, badak.Tensor) else got
            assert got.dtype == np.int64
            np.testing.assert_array_equal(got, expected)
    CASES["int64"] = CASES.get("int64", 0) + 1
