"""badak's activations and softmax family against PyTorch: values and gradients."""

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import badak
import badak.functions as BF

from .helpers import (
    away_from,
    compare,
    dim_tuples,
    dims,
    each_dtype,
    normal,
    seeds,
    shapes,
    uniform,
)


@each_dtype
@given(shape=shapes(), scale=st.sampled_from([1.0, 5.0, 30.0]), seed=seeds)
def test_sigmoid_matches_torch(dtype, shape, scale, seed):
    x = normal(np.random.default_rng(seed), shape, scale)
    compare(BF.sigmoid, torch.sigmoid, [x], dtype, seed=seed)
    compare(lambda t: t.sigmoid(), lambda t: t.sigmoid(), [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), scale=st.sampled_from([1.0, 5.0]), seed=seeds)
def test_tanh_matches_torch(dtype, shape, scale, seed):
    x = normal(np.random.default_rng(seed), shape, scale)
    compare(BF.tanh, torch.tanh, [x], dtype, seed=seed)
    compare(lambda t: t.tanh(), lambda t: t.tanh(), [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_relu_away_from_zero_matches_torch(dtype, shape, seed):
    x = away_from(np.random.default_rng(seed), shape, points=(0.0,))
    compare(BF.relu, torch.relu, [x], dtype, seed=seed)
    compare(lambda t: t.relu(), lambda t: t.relu(), [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), slope=st.sampled_from([None, 0.01, 0.2, 1.5, -0.3]), seed=seeds)
def test_leaky_relu_away_from_zero_matches_torch(dtype, shape, slope, seed):
    x = away_from(np.random.default_rng(seed), shape, points=(0.0,))
    if slope is None:
        compare(BF.leaky_relu, TF.leaky_relu, [x], dtype, seed=seed)
    else:
        compare(
            lambda t: BF.leaky_relu(t, slope),
            lambda t: TF.leaky_relu(t, slope),
            [x],
            dtype,
            seed=seed,
        )


@st.composite
def _shape_and_dim(draw):
    shape = draw(shapes())
    return shape, draw(dims(len(shape)))


@each_dtype
@given(
    case=_shape_and_dim(),
    which=st.sampled_from(["softmax", "log_softmax"]),
    scale=st.sampled_from([1.0, 10.0, 100.0]),
    seed=seeds,
)
def test_softmax_and_log_softmax_match_torch(dtype, case, which, scale, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape, scale)
    compare(
        lambda t: getattr(BF, which)(t, dim),
        lambda t: getattr(TF, which)(t, dim),
        [x],
        dtype,
        seed=seed,
    )
    compare(
        lambda t: getattr(t, which)(dim=dim),
        lambda t: getattr(t, which)(dim=dim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), which=st.sampled_from(["softmax", "log_softmax"]), seed=seeds)
def test_softmax_and_log_softmax_default_to_last_dim_as_torch(dtype, shape, which, seed):
    x = normal(np.random.default_rng(seed), shape)
    compare(
        getattr(badak, which),
        lambda t: getattr(torch, which)(t, -1),
        [x],
        dtype,
        seed=seed,
    )


@st.composite
def _shape_and_dims(draw):
    shape = draw(shapes())
    return shape, draw(st.one_of(st.none(), dims(len(shape)), dim_tuples(len(shape))))


@each_dtype
@given(
    case=_shape_and_dims(),
    keepdim=st.booleans(),
    scale=st.sampled_from([1.0, 100.0]),
    seed=seeds,
)
def test_logsumexp_matches_torch(dtype, case, keepdim, scale, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape, scale)
    compare(
        lambda t: badak.logsumexp(t, dim, keepdim),
        lambda t: torch.logsumexp(t, tuple(range(t.ndim)) if dim is None else dim, keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_tensor_used_many_times_matches_torch(dtype, shape, seed):
    x = uniform(np.random.default_rng(seed), shape, -2.0, 2.0)

    def f(t, lib):
        return (t * t.sigmoid() + lib.log1p(t.exp()) - t.tanh() * t).sum()

    compare(lambda t: f(t, BF), lambda t: f(t, torch), [x], dtype, seed=seed)


@each_dtype
@given(case=_shape_and_dim(), seed=seeds)
def test_softmax_cross_entropy_composite_matches_torch(dtype, case, seed):
    shape, dim = case
    rng = np.random.default_rng(seed)
    logits, weights = normal(rng, shape, 3.0), uniform(rng, shape, 0.0, 1.0)

    def f(x, w, lib, functional):
        p = functional.softmax(x, dim)
        log_p = functional.log_softmax(x, dim)
        return -(w * log_p).sum(dim) + lib.logsumexp(x * p, dim)

    compare(
        lambda x, w: f(x, w, badak, BF),
        lambda x, w: f(x, w, torch, TF),
        [logits, weights],
        dtype,
        seed=seed,
    )
