"""badak's matmul and linear against PyTorch: every 1-D / 2-D / batched / broadcast pairing."""

import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import badak
import badak.functions as BF

from .helpers import compare, each_dtype, normal, seeds, shapes


def _composite_tolerance(dtype):
    # Near saturation 1 - tanh(z)**2 (or sigmoid's y * (1 - y)) comes from a rounded float32 y:
    # an absolute error of a few float32 eps that both frameworks make differently.
    return {"atol": 1e-5} if np.dtype(dtype) == np.float32 else {}


@st.composite
def _matmul_shapes(draw):
    """Shapes (a, b) of every rank pairing 1-4 x 1-4; batch dims broadcast (sizes 1 or n)."""
    a_ndim, b_ndim = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n, k, m = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    batch_ndim = max(a_ndim, b_ndim, 2) - 2
    batch = draw(shapes(min_dims=batch_ndim, max_dims=batch_ndim))

    def batch_of(ndim):
        dims = batch[len(batch) - (ndim - 2) :] if ndim > 2 else ()
        return tuple(1 if draw(st.booleans()) else s for s in dims)

    a = (k,) if a_ndim == 1 else batch_of(a_ndim) + (n, k)
    b = (k,) if b_ndim == 1 else batch_of(b_ndim) + (k, m)
    return a, b


@each_dtype
@given(pair=_matmul_shapes(), seed=seeds)
def test_matmul_matches_torch(dtype, pair, seed):
    rng = np.random.default_rng(seed)
    a, b = normal(rng, pair[0]), normal(rng, pair[1])
    compare(BF.matmul, torch.matmul, [a, b], dtype, seed=seed)
    compare(lambda x, y: x @ y, lambda x, y: x @ y, [a, b], dtype, seed=seed)


@each_dtype
@given(pair=_matmul_shapes(), constant_left=st.booleans(), seed=seeds)
def test_matmul_with_constant_operand_matches_torch(dtype, pair, constant_left, seed):
    # one operand does not require grad: only the other gets a gradient
    rng = np.random.default_rng(seed)
    a, b = normal(rng, pair[0]), normal(rng, pair[1])
    constant = (a if constant_left else b).astype(dtype)
    b_const, t_const = badak.tensor(constant), torch.from_numpy(constant)
    if constant_left:
        badak_fn, torch_fn, leaf = (lambda y: b_const @ y), (lambda y: t_const @ y), b
    else:
        badak_fn, torch_fn, leaf = (lambda x: x @ b_const), (lambda x: x @ t_const), a
    compare(badak_fn, torch_fn, [leaf], dtype, seed=seed)


@st.composite
def _linear_shapes(draw):
    """input (..., D) with 1-3 dims, weight (H, D)."""
    lead = draw(shapes(min_dims=0, max_dims=2))
    d, h = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return lead + (d,), (h, d)


@each_dtype
@given(case=_linear_shapes(), seed=seeds)
def test_linear_with_bias_matches_torch(dtype, case, seed):
    x_shape, w_shape = case
    rng = np.random.default_rng(seed)
    x, w, b = normal(rng, x_shape), normal(rng, w_shape), normal(rng, w_shape[:1])
    compare(BF.linear, TF.linear, [x, w, b], dtype, seed=seed)


@each_dtype
@given(case=_linear_shapes(), seed=seeds)
def test_linear_without_bias_matches_torch(dtype, case, seed):
    x_shape, w_shape = case
    rng = np.random.default_rng(seed)
    x, w = normal(rng, x_shape), normal(rng, w_shape)
    compare(BF.linear, TF.linear, [x, w], dtype, seed=seed)
    compare(
        lambda x, w: BF.linear(x, w, None),
        lambda x, w: TF.linear(x, w, None),
        [x, w],
        dtype,
        seed=seed,
    )


@each_dtype
@given(
    n=st.integers(1, 5),
    d=st.integers(1, 5),
    h=st.integers(1, 5),
    seed=seeds,
)
def test_affine_tanh_composite_matches_torch(dtype, n, d, h, seed):
    rng = np.random.default_rng(seed)
    arrays = [normal(rng, (n, d)), normal(rng, (d, h)), normal(rng, (h,)), normal(rng, (n, h))]
    compare(
        lambda x, w, b, y: ((x @ w + b).tanh() * y).sum(),
        lambda x, w, b, y: ((x @ w + b).tanh() * y).sum(),
        arrays,
        dtype,
        seed=seed,
        **_composite_tolerance(dtype),
    )


@each_dtype
@given(
    n=st.integers(1, 5),
    d=st.integers(1, 5),
    h=st.integers(1, 5),
    c=st.integers(2, 5),
    seed=seeds,
)
def test_two_layer_network_composite_matches_torch(dtype, n, d, h, c, seed):
    rng = np.random.default_rng(seed)
    arrays = [
        normal(rng, (n, d)),
        normal(rng, (h, d)),
        normal(rng, (h,)),
        normal(rng, (c, h)),
        normal(rng, (c,)),
        rng.dirichlet(np.ones(c), n),
    ]

    def net(linear, x, w1, b1, w2, b2, target):
        logits = linear(linear(x, w1, b1).sigmoid(), w2, b2)
        return -(logits.log_softmax(-1) * target).sum(-1).mean()

    compare(
        lambda *ts: net(BF.linear, *ts),
        lambda *ts: net(TF.linear, *ts),
        arrays,
        dtype,
        seed=seed,
        **_composite_tolerance(dtype),
    )
