"""badak's elementwise functions against PyTorch: values and gradients, float64 and float32."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import badak
import badak.functions as BF

from .helpers import (
    away_from,
    broadcast_pairs,
    compare,
    each_dtype,
    normal,
    seeds,
    shapes,
    uniform,
)

BINARY = {
    "add": (BF.add, torch.add),
    "sub": (BF.sub, torch.sub),
    "mul": (BF.mul, torch.mul),
    "div": (BF.div, torch.div),
    "add_operator": (lambda a, b: a + b, lambda a, b: a + b),
    "sub_operator": (lambda a, b: a - b, lambda a, b: a - b),
    "mul_operator": (lambda a, b: a * b, lambda a, b: a * b),
    "div_operator": (lambda a, b: a / b, lambda a, b: a / b),
}


def _denominator(rng, shape):
    return away_from(rng, shape, points=(0.0,), gap=0.5)


@each_dtype
@given(pair=broadcast_pairs(), name=st.sampled_from(sorted(BINARY)), seed=seeds)
def test_binary_arithmetic_broadcasting_matches_torch(dtype, pair, name, seed):
    rng = np.random.default_rng(seed)
    a = normal(rng, pair[0])
    b = _denominator(rng, pair[1]) if name.startswith("div") else normal(rng, pair[1])
    badak_fn, torch_fn = BINARY[name]
    compare(badak_fn, torch_fn, [a, b], dtype, seed=seed)


@each_dtype
@given(
    shape=shapes(),
    scalar=st.sampled_from([-2.5, -1.0, 0.5, 3.0, 2]),
    op=st.sampled_from(["+", "-", "*", "/"]),
    left=st.booleans(),
    seed=seeds,
)
def test_arithmetic_with_python_scalar_matches_torch(dtype, shape, scalar, op, left, seed):
    x = _denominator(np.random.default_rng(seed), shape)
    ops = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
    }
    f = ops[op]
    fn = (lambda t: f(scalar, t)) if left else (lambda t: f(t, scalar))
    compare(fn, fn, [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_neg_matches_torch(dtype, shape, seed):
    x = normal(np.random.default_rng(seed), shape)
    compare(BF.neg, torch.neg, [x], dtype, seed=seed)
    compare(lambda t: -t, lambda t: -t, [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), exponent=st.sampled_from([2, 3, -1, 0.5, -1.5, 1.7, 0.0]), seed=seeds)
def test_pow_with_scalar_exponent_matches_torch(dtype, shape, exponent, seed):
    rng = np.random.default_rng(seed)
    # integer exponents also take negative bases; fractional ones need positive bases
    if float(exponent).is_integer():
        x = away_from(rng, shape, points=(0.0,), gap=0.3)
    else:
        x = uniform(rng, shape, 0.3, 2.0)
    compare(lambda t: BF.pow(t, exponent), lambda t: torch.pow(t, exponent), [x], dtype, seed=seed)
    compare(lambda t: t**exponent, lambda t: t**exponent, [x], dtype, seed=seed)


@each_dtype
@given(pair=broadcast_pairs(), seed=seeds)
def test_pow_with_tensor_exponent_matches_torch(dtype, pair, seed):
    rng = np.random.default_rng(seed)
    base, exponent = uniform(rng, pair[0], 0.2, 2.0), uniform(rng, pair[1], -2.0, 2.0)
    compare(BF.pow, torch.pow, [base, exponent], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), base=st.sampled_from([2, 0.5, 3.7]), seed=seeds)
def test_pow_with_scalar_base_matches_torch(dtype, shape, base, seed):
    x = uniform(np.random.default_rng(seed), shape, -2.0, 2.0)
    compare(lambda t: base**t, lambda t: base**t, [x], dtype, seed=seed)


UNARY = {
    # name: (badak, torch, values)
    "exp": (BF.exp, torch.exp, lambda rng, s: uniform(rng, s, -5.0, 5.0)),
    "log": (BF.log, torch.log, lambda rng, s: uniform(rng, s, 0.05, 5.0)),
    "log1p": (BF.log1p, torch.log1p, lambda rng, s: uniform(rng, s, -0.9, 5.0)),
    "sqrt": (BF.sqrt, torch.sqrt, lambda rng, s: uniform(rng, s, 0.05, 5.0)),
    "abs": (BF.abs, torch.abs, lambda rng, s: away_from(rng, s, points=(0.0,))),
    "sin": (BF.sin, torch.sin, lambda rng, s: uniform(rng, s, -6.0, 6.0)),
    "cos": (BF.cos, torch.cos, lambda rng, s: uniform(rng, s, -6.0, 6.0)),
    "exp_method": (lambda t: t.exp(), lambda t: t.exp(), lambda rng, s: normal(rng, s)),
    "log_method": (lambda t: t.log(), lambda t: t.log(), lambda rng, s: uniform(rng, s, 0.1, 3)),
    "abs_builtin": (abs, abs, lambda rng, s: away_from(rng, s, points=(0.0,))),
}


@each_dtype
@given(shape=shapes(), name=st.sampled_from(sorted(UNARY)), seed=seeds)
def test_unary_matches_torch(dtype, shape, name, seed):
    badak_fn, torch_fn, values = UNARY[name]
    compare(badak_fn, torch_fn, [values(np.random.default_rng(seed), shape)], dtype, seed=seed)


def _untied(rng, pair):
    a, b = normal(rng, pair[0]), normal(rng, pair[1])
    while np.abs(a - b).min() < 1e-3:  # a tie splits the gradient: tested elsewhere
        a, b = normal(rng, pair[0]), normal(rng, pair[1])
    return a, b


@each_dtype
@given(pair=broadcast_pairs(), which=st.sampled_from(["maximum", "minimum"]), seed=seeds)
def test_maximum_minimum_broadcasting_match_torch(dtype, pair, which, seed):
    a, b = _untied(np.random.default_rng(seed), pair)
    compare(getattr(BF, which), getattr(torch, which), [a, b], dtype, seed=seed)


@each_dtype
@given(
    shape=shapes(),
    bounds=st.sampled_from([(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.1, 1.2)]),
    seed=seeds,
)
def test_clamp_with_scalar_bounds_matches_torch(dtype, shape, bounds, seed):
    low, high = bounds
    points = tuple(p for p in bounds if p is not None)
    x = away_from(np.random.default_rng(seed), shape, points=points, gap=0.05)
    compare(
        lambda t: BF.clamp(t, low, high), lambda t: torch.clamp(t, low, high), [x], dtype, seed=seed
    )
    compare(
        lambda t: t.clamp(min=low, max=high),
        lambda t: t.clamp(min=low, max=high),
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_clamp_with_tensor_bounds_matches_torch(dtype, shape, seed):
    # torch.clamp differentiates through tensor bounds: each element's gradient goes to
    # whichever of x, min and max it came from
    rng = np.random.default_rng(seed)
    low = uniform(rng, shape, -1.5, -0.5)
    high = uniform(rng, shape, 0.5, 1.5)
    x = away_from(rng, shape, points=(-1.5, -0.5, 0.5, 1.5), gap=0.05)
    compare(BF.clamp, torch.clamp, [x, low, high], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), seed=seeds)
def test_clamp_with_constant_tensor_bounds_matches_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    low = uniform(rng, shape, -1.5, -0.5).astype(dtype)
    high = uniform(rng, shape, 0.5, 1.5).astype(dtype)
    x = away_from(rng, shape, points=(-1.5, -0.5, 0.5, 1.5), gap=0.05)
    compare(
        lambda t: BF.clamp(t, badak.tensor(low), badak.tensor(high)),
        lambda t: torch.clamp(t, torch.from_numpy(low), torch.from_numpy(high)),
        [x],
        dtype,
        seed=seed,
    )


@st.composite
def _where_shapes(draw):
    """Three mutually broadcastable shapes: condition, input, other."""
    condition, a = draw(broadcast_pairs())
    full = np.broadcast_shapes(condition, a)
    lead = draw(st.integers(0, len(full) - 1))
    b = tuple(1 if draw(st.booleans()) else s for s in full[lead:])
    return condition, a, b


@each_dtype
@given(where_shapes=_where_shapes(), seed=seeds)
def test_where_broadcasting_matches_torch(dtype, where_shapes, seed):
    condition_shape, a_shape, b_shape = where_shapes
    rng = np.random.default_rng(seed)
    condition = rng.random(condition_shape) < 0.5
    a, b = normal(rng, a_shape), normal(rng, b_shape)
    compare(badak.where, torch.where, [condition, a, b], dtype, seed=seed)


@each_dtype
@given(shape=shapes(), other=st.sampled_from([0.0, -1.5]), seed=seeds)
def test_where_with_scalar_other_matches_torch(dtype, shape, other, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    compare(
        lambda t: badak.where(t > 0.1, t, other),
        lambda t: torch.where(t > 0.1, t, other),
        [x],
        dtype,
        seed=seed,
    )
