"""badak's reductions against PyTorch: sum mean amax amin max min argmax argmin."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import badak
import badak.functions as BF

from .helpers import compare, dim_tuples, dims, distinct, each_dtype, normal, seeds, shapes


@st.composite
def _shape_and_dims(draw, allow_none=True):
    """A shape and what to reduce over: None (all), one dim, or a tuple of dims."""
    shape = draw(shapes())
    choices = [dims(len(shape)), dim_tuples(len(shape))]
    if allow_none:
        choices.append(st.none())
    return shape, draw(st.one_of(*choices))


def _torch_dim(dim, ndim):
    # torch reads dim=() as "all dims"; None is the same for sum and mean but not for amax
    return tuple(range(ndim)) if dim is None else dim


@each_dtype
@given(case=_shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_sum_matches_torch(dtype, case, keepdim, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: BF.sum(t, dim, keepdim),
        lambda t: torch.sum(t, _torch_dim(dim, t.ndim), keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(case=_shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_mean_matches_torch(dtype, case, keepdim, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: t.mean(dim, keepdim),
        lambda t: t.mean(_torch_dim(dim, t.ndim), keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_sum_and_mean_of_all_elements_match_torch(dtype, shape, seed):
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t.sum(), lambda t: t.sum(), [x], dtype, seed=seed)
    compare(lambda t: badak.mean(t), lambda t: torch.mean(t), [x], dtype, seed=seed)


@each_dtype
@given(case=_shape_and_dims(allow_none=False), keepdim=st.booleans(), seed=seeds)
def test_sum_numpy_aliases_match_torch(dtype, case, keepdim, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: t.sum(axis=dim, keepdims=keepdim),
        lambda t: t.sum(dim, keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(
    case=_shape_and_dims(allow_none=False),
    keepdim=st.booleans(),
    which=st.sampled_from(["amax", "amin"]),
    seed=seeds,
)
def test_amax_amin_over_dims_match_torch(dtype, case, keepdim, which, seed):
    shape, dim = case
    x = distinct(np.random.default_rng(seed), shape)
    compare(
        lambda t: getattr(BF, which)(t, dim, keepdim),
        lambda t: getattr(torch, which)(t, dim, keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), keepdim=st.booleans(), which=st.sampled_from(["amax", "amin"]), seed=seeds)
def test_amax_amin_of_all_elements_match_torch(dtype, shape, keepdim, which, seed):
    x = distinct(np.random.default_rng(seed), shape)
    compare(
        lambda t: getattr(BF, which)(t, keepdim=keepdim),
        lambda t: getattr(torch, which)(t, tuple(range(t.ndim)), keepdim),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), which=st.sampled_from(["max", "min"]), seed=seeds)
def test_max_min_of_all_elements_match_torch(dtype, shape, which, seed):
    x = distinct(np.random.default_rng(seed), shape)
    compare(lambda t: getattr(t, which)(), lambda t: getattr(t, which)(), [x], dtype, seed=seed)
    compare(getattr(badak, which), getattr(torch, which), [x], dtype, seed=seed)


@st.composite
def _shape_and_dim(draw, allow_none=False):
    shape = draw(shapes())
    dim = dims(len(shape))
    return shape, draw(st.one_of(st.none(), dim) if allow_none else dim)


@each_dtype
@given(
    case=_shape_and_dim(),
    keepdim=st.booleans(),
    which=st.sampled_from(["max", "min"]),
    seed=seeds,
)
def test_max_min_with_dim_values_and_indices_match_torch(dtype, case, keepdim, which, seed):
    shape, dim = case
    x = distinct(np.random.default_rng(seed), shape)

    def badak_fn(t):
        values, indices = getattr(BF, which)(t, dim, keepdim)
        assert indices.dtype == np.int64
        return values, indices

    def torch_fn(t):
        return tuple(getattr(torch, which)(t, dim, keepdim))

    compare(badak_fn, torch_fn, [x], dtype, seed=seed)
    compare(
        lambda t: tuple(getattr(t, which)(dim, keepdim=keepdim)),
        lambda t: tuple(getattr(t, which)(dim, keepdim=keepdim)),
        [x],
        dtype,
        seed=seed,
    )
    b_result = getattr(badak.tensor(x), which)(dim=dim, keepdim=keepdim)
    assert b_result.values.shape == b_result.indices.shape
    assert b_result.values.shape == getattr(torch.tensor(x), which)(dim, keepdim).values.shape


@each_dtype
@given(
    case=_shape_and_dim(allow_none=True),
    keepdim=st.booleans(),
    which=st.sampled_from(["argmax", "argmin"]),
    seed=seeds,
)
def test_argmax_argmin_match_torch(dtype, case, keepdim, which, seed):
    shape, dim = case
    x = distinct(np.random.default_rng(seed), shape).astype(dtype)
    expected = getattr(torch, which)(torch.from_numpy(x), dim=dim, keepdim=keepdim).numpy()
    for result in (
        getattr(BF, which)(badak.tensor(x), dim, keepdim),
        getattr(badak.tensor(x), which)(dim=dim, keepdim=keepdim),
        getattr(badak.tensor(x), which)(axis=dim, keepdims=keepdim),
    ):
        assert result.dtype == np.int64
        assert result.shape == expected.shape
        np.testing.assert_array_equal(result.data, expected)


@each_dtype
@given(case=_shape_and_dims(allow_none=False), seed=seeds)
def test_reductions_chained_match_torch(dtype, case, seed):
    shape, dim = case
    x = distinct(np.random.default_rng(seed), shape)
    compare(
        lambda t: (BF.amax(t, dim, keepdim=True) - t).exp().sum(dim) * (t * t).mean(),
        lambda t: (torch.amax(t, dim, keepdim=True) - t).exp().sum(dim) * (t * t).mean(),
        [x],
        dtype,
        seed=seed,
    )
