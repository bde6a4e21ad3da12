"""badak's batch_norm, layer_norm and group_norm against PyTorch: values, every input's gradient
(weight and bias included) and batch_norm's running statistics, over layouts, affine options,
momentum and eps, in float64 and float32.

The upstream gradient is seeded with seed + 1, not the input's seed: from one seed, the upstream
gradient would be an affine function of the input, and normalisation's gradient along it is zero
(all cancellation, nothing left to compare)."""

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import badak
import badak.nn.functional as F

from .helpers import assert_close, compare, each_dtype, normal, seeds, shapes, uniform


def optional_args(has_weight, has_bias):
    """Split compare's leaves (x[, weight][, bias]) into (x, weight or None, bias or None)."""

    def split(x, *rest):
        rest = list(rest)
        weight = rest.pop(0) if has_weight else None
        bias = rest.pop(0) if has_bias else None
        return x, weight, bias

    return split


def affine_arrays(rng, shape, has_weight, has_bias):
    return has_weight * [uniform(rng, shape, 0.5, 2.0) * rng.choice([-1, 1], shape)] + has_bias * [
        normal(rng, shape)
    ]


def channel_values(rng, shape):
    """Values whose channels (dim 1) have different offsets and spreads."""
    view = (1, shape[1]) + (1,) * (len(shape) - 2)
    offsets, scales = rng.uniform(-3, 3, view), rng.uniform(0.5, 3.0, view)
    return normal(rng, shape) * scales + offsets


# ----------------------------------------------------------------------------------------------
# batch_norm
# ----------------------------------------------------------------------------------------------
@st.composite
def batch_norm_cases(draw):
    """(input shape, training, with running stats, weight, bias, momentum, eps): (N, C) to
    (N, C, d1, d2), more than one value per channel in training."""
    training = draw(st.booleans())
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)), *draw(shapes(0, 2, 1, 4)))
    while training and np.prod(shape) // shape[1] < 3:  # two values normalise to about +-1,
        shape = (shape[0] + 1, *shape[1:])  # their gradient only eps's: cancellation in float32
    running = draw(st.booleans()) if training else True
    return (
        shape,
        training,
        running,
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from([0.1, 0.5, 1.0])),
        draw(st.sampled_from([1e-5, 1e-3, 0.5])),
    )


@each_dtype
@settings(max_examples=40)
@given(case=batch_norm_cases(), as_tensor=st.booleans(), seed=seeds)
def test_batch_norm_matches_torch_with_running_stats_and_affine(dtype, case, as_tensor, seed):
    shape, training, running, has_weight, has_bias, momentum, eps = case
    rng = np.random.default_rng(seed)
    arrays = [channel_values(rng, shape)] + affine_arrays(rng, shape[1], has_weight, has_bias)
    mean0 = normal(rng, shape[1]).astype(dtype)
    var0 = uniform(rng, shape[1], 0.5, 2.0).astype(dtype)
    wrap = badak.tensor if as_tensor else np.asarray
    ours = (wrap(mean0.copy()), wrap(var0.copy())) if running else (None, None)
    theirs = (torch.tensor(mean0), torch.tensor(var0)) if running else (None, None)
    split = optional_args(has_weight, has_bias)
    compare(
        lambda *t: F.batch_norm(split(*t)[0], *ours, *split(*t)[1:], training, momentum, eps),
        lambda *t: TF.batch_norm(split(*t)[0], *theirs, *split(*t)[1:], training, momentum, eps),
        arrays,
        dtype,
        seed=seed + 1,
    )
    for mine, torch_stat, label in zip(ours, theirs, ("running_mean", "running_var")):
        if mine is None:
            continue
        mine = mine.numpy() if as_tensor else mine
        assert mine.dtype == dtype, f"{label} dtype {mine.dtype}"
        assert_close(mine, torch_stat.numpy(), *_stat_tolerance(dtype), label, np.dtype(dtype))


def _stat_tolerance(dtype):
    return (1e-10, 1e-12) if dtype == np.float64 else (1e-5, 1e-6)


# ----------------------------------------------------------------------------------------------
# layer_norm
# ----------------------------------------------------------------------------------------------
@st.composite
def layer_norm_cases(draw):
    """(input shape, normalized_shape as an int, tuple or list, weight, bias, eps)."""
    shape = draw(shapes(1, 4, 1, 5))
    k = draw(st.integers(1, len(shape)))
    if np.prod(shape[len(shape) - k :]) < 3:  # as in batch_norm_cases; one value: inv_std
        shape, k = (*shape, 3), k + 1  # 1 / sqrt(eps) magnifies torch's rounding
    normalized = shape[len(shape) - k :]
    form = draw(st.sampled_from(["tuple", "list"] + (["int"] if k == 1 else [])))
    normalized = {"tuple": tuple, "list": list, "int": lambda s: s[0]}[form](normalized)
    return (
        shape,
        normalized,
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from([1e-5, 1e-2])),
    )


@each_dtype
@settings(max_examples=40)
@given(case=layer_norm_cases(), seed=seeds)
def test_layer_norm_matches_torch_over_the_last_dims_with_affine(dtype, case, seed):
    shape, normalized, has_weight, has_bias, eps = case
    rng = np.random.default_rng(seed)
    affine_shape = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    x = normal(rng, shape, 2.0) + rng.uniform(-2, 2)
    arrays = [x] + affine_arrays(rng, affine_shape, has_weight, has_bias)
    split = optional_args(has_weight, has_bias)
    compare(
        lambda *t: F.layer_norm(split(*t)[0], normalized, *split(*t)[1:], eps),
        lambda *t: TF.layer_norm(split(*t)[0], affine_shape, *split(*t)[1:], eps),  # no int
        arrays,
        dtype,
        seed=seed + 1,
    )


# ----------------------------------------------------------------------------------------------
# group_norm
# ----------------------------------------------------------------------------------------------
@st.composite
def group_norm_cases(draw):
    """(input shape (N, C, ...) with C a multiple of num_groups, num_groups, weight, bias, eps)."""
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), channels, *draw(shapes(0, 2, 1, 4)))
    if np.prod(shape[2:]) * channels // groups < 3:  # as in batch_norm_cases
        shape = (*shape, 3)
    return (
        shape,
        groups,
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from([1e-5, 1e-2])),
    )


@each_dtype
@settings(max_examples=40)
@given(case=group_norm_cases(), seed=seeds)
def test_group_norm_matches_torch_with_affine(dtype, case, seed):
    shape, groups, has_weight, has_bias, eps = case
    rng = np.random.default_rng(seed)
    arrays = [channel_values(rng, shape)] + affine_arrays(rng, shape[1], has_weight, has_bias)
    split = optional_args(has_weight, has_bias)

    def theirs(*t):
        x, weight, bias = split(*t)
        if weight is None and bias is not None:  # torch 2.13's backward fails on a lone bias
            weight = torch.ones(shape[1], dtype=x.dtype)
        return TF.group_norm(x, groups, weight, bias, eps)

    compare(
        lambda *t: F.group_norm(split(*t)[0], groups, *split(*t)[1:], eps),
        theirs,
        arrays,
        dtype,
        seed=seed + 1,
    )
