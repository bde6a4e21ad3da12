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

# (rtol, atol); atol is scaled by the largest magnitude of the expected array (at least 1)
TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (1e-5, 1e-6)}
CASES = {}  # dtype name -> number of compared cases
WORST = {}  # (dtype name, "abs" or "rel") -> worst error seen (rel: normwise)

each_dtype = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
each_reduction = pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
seeds = st.integers(0, 2**32 - 1)
shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


def assert_close(actual, expected, dtype, what):
    dtype = np.dtype(dtype)
    rtol, atol = TOLERANCES[dtype]
    expected = np.asarray(expected)
    assert np.shape(actual) == expected.shape, f"{what}: shape {np.shape(actual)} vs torch's"
    top = float(np.abs(expected).max(initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * max(1.0, top), err_msg=what)
    error = float(np.abs(np.asarray(actual, np.float64) - expected).max(initial=0.0))
    for kind, value in (("abs", error), ("rel", error / top if top else 0.0)):
        WORST[dtype.name, kind] = max(WORST.get((dtype.name, kind), 0.0), value)


def compare(badak_fn, torch_fn, arrays, dtype, seed=0):
    """Both functions on leaves requiring grad made from `arrays` cast to dtype: the value, its
    dtype, and every leaf's gradient under one random upstream gradient."""
    dtype = np.dtype(dtype)
    arrays = [np.asarray(a, dtype) for a in arrays]
    b_leaves = [badak.tensor(a, requires_grad=True) for a in arrays]
    t_leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    b_out, t_out = badak_fn(*b_leaves), torch_fn(*t_leaves)
    assert b_out.dtype == dtype, f"loss dtype {b_out.dtype}, input {dtype}"
    assert_close(b_out.data, t_out.detach().numpy(), dtype, "loss")
    upstream = np.asarray(np.random.default_rng(seed).standard_normal(t_out.shape), dtype)
    b_out.backward(badak.tensor(upstream))
    t_out.backward(torch.from_numpy(upstream))
    for i, (b_leaf, t_leaf) in enumerate(zip(b_leaves, t_leaves)):
        assert b_leaf.grad is not None, f"input {i}: badak gave no gradient"
        assert b_leaf.grad.dtype == dtype, f"input {i}: gradient dtype {b_leaf.grad.dtype}"
        assert_close(b_leaf.grad.data, t_leaf.grad.numpy(), dtype, f"gradient of input {i}")
    CASES[dtype.name] = CASES.get(dtype.name, 0) + 1


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
            got = got.data if isinstance(got, badak.Tensor) else got
            assert got.dtype == np.int64
            np.testing.assert_array_equal(got, expected)
    CASES["int64"] = CASES.get("int64", 0) + 1
