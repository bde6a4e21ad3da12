"""The harness of the PyTorch reference tests: one set of NumPy arrays into badak and torch.

`compare` builds leaves in both frameworks from the same arrays, runs both forwards, sends the
same random upstream gradient back through both, and checks the values, the dtypes and every
input's gradient. The strategies and value makers below draw shapes with hypothesis and values
from a NumPy generator seeded by hypothesis, kept away from ties and kinks (the tie rules are
tested in tests/functions/).
"""

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

import badak

# (rtol, atol); atol is scaled by the largest magnitude of the expected array (at least 1)
TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (1e-5, 1e-6)}

each_dtype = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])

# Filled in by compare: calls per dtype, and the worst normwise relative error seen (values,
# gradients), for reporting.
CALLS = {}
WORST = {}

seeds = st.integers(0, 2**32 - 1)


def compare(badak_fn, torch_fn, arrays, dtype, rtol=None, atol=None, seed=0):
    """Check badak_fn against torch_fn on `arrays`: forward values and each input's gradient.

    Args:
        badak_fn, torch_fn: take one leaf per array, positionally, and return a tensor, or a
            tuple whose first entry is the differentiable output and whose other entries (such
            as indices) are compared exactly.
        arrays: NumPy arrays. Floating ones are cast to `dtype` and become leaves that require
            grad; the others (indices, masks) are passed as constant tensors.
        dtype: np.float64 or np.float32; the output and every gradient must keep it.
        rtol, atol: override the dtype's tolerances.
        seed: seeds the upstream gradient.
    """
    dtype = np.dtype(dtype)
    default_rtol, default_atol = TOLERANCES[dtype]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    arrays = [np.asarray(a) for a in arrays]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    grads_wanted = [a.dtype.kind == "f" for a in arrays]
    b_leaves = [badak.tensor(a, requires_grad=w) for a, w in zip(arrays, grads_wanted)]
    t_leaves = [torch.tensor(a, requires_grad=w) for a, w in zip(arrays, grads_wanted)]

    b_outs, t_outs = _as_tuple(badak_fn(*b_leaves)), _as_tuple(torch_fn(*t_leaves))
    assert len(b_outs) == len(t_outs), f"badak returned {len(b_outs)} outputs, torch {len(t_outs)}"
    b_out, t_out = b_outs[0], t_outs[0]
    assert isinstance(b_out, badak.Tensor), f"output is a {type(b_out).__name__}, not a Tensor"
    assert b_out.dtype == dtype, f"output dtype {b_out.dtype}, input dtype {dtype}"
    assert_close(b_out.numpy(), t_out.detach().numpy(), rtol, atol, "output", dtype)
    for k, (b_extra, t_extra) in enumerate(zip(b_outs[1:], t_outs[1:]), 1):
        np.testing.assert_array_equal(
            np.asarray(b_extra.numpy()), t_extra.numpy(), err_msg=f"output {k} differs"
        )
    CALLS[dtype.name] = CALLS.get(dtype.name, 0) + 1
    if not any(grads_wanted):
        return

    g = np.asarray(np.random.default_rng(seed).standard_normal(t_out.shape), dtype)
    t_out.backward(torch.from_numpy(g))
    b_out.backward(badak.tensor(g))
    for i, (b_leaf, t_leaf, wanted) in enumerate(zip(b_leaves, t_leaves, grads_wanted)):
        if not wanted:
            continue
        name = f"gradient of input {i} (shape {arrays[i].shape})"
        assert b_leaf.grad is not None, f"{name}: badak gave none"
        assert b_leaf.grad.dtype == dtype, f"{name}: dtype {b_leaf.grad.dtype}, input {dtype}"
        expected = np.zeros(arrays[i].shape, dtype) if t_leaf.grad is None else t_leaf.grad
        assert_close(b_leaf.grad.numpy(), np.asarray(expected), rtol, atol, name, dtype)


def assert_close(actual, expected, rtol, atol, name, dtype):
    """assert_allclose with atol scaled to the expected magnitudes; records the worst error."""
    expected = np.asarray(expected)
    assert np.shape(actual) == expected.shape, (
        f"{name}: shape {np.shape(actual)}, torch's {expected.shape}"
    )
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=name)
    _record(actual, expected, "grad" if name.startswith("gradient") else "value", dtype)


def _record(actual, expected, kind, dtype):
    """Keep the worst normwise relative error, max|actual - expected| / max|expected|."""
    top = float(np.abs(expected).max(initial=0.0))
    if top == 0.0:
        return
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max()
    key = (dtype.name, kind)
    WORST[key] = max(WORST.get(key, 0.0), float(diff) / top)


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


# ----------------------------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------------------------
def shapes(min_dims=1, max_dims=4, min_side=1, max_side=5):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(
        tuple
    )


@st.composite
def broadcast_pairs(draw, max_dims=4):
    """Two shapes that broadcast together: each drops leading dims and sets some to 1."""
    full = draw(shapes(1, max_dims))
    return tuple(draw(_broadcast_source(full)) for _ in range(2))


@st.composite
def _broadcast_source(draw, full):
    lead = draw(st.integers(0, len(full) - 1))
    return tuple(1 if draw(st.booleans()) else s for s in full[lead:])


def dims(ndim):
    """A dim of an ndim tensor, negative ones included."""
    return st.integers(-ndim, ndim - 1)


@st.composite
def dim_tuples(draw, ndim):
    """A non-empty tuple of distinct dims, each possibly written negative."""
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


# ----------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------
def normal(rng, shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def uniform(rng, shape, low, high):
    return rng.uniform(low, high, shape)


def distinct(rng, shape, low=-2.0, high=2.0):
    """Values in [low, high) all at least (high - low) / (5 n) apart, even in float32: no ties."""
    n = int(np.prod(shape))
    slots = rng.permutation(n) + rng.uniform(0.1, 0.9, n)
    return (low + (high - low) * slots / n).reshape(shape)


def away_from(rng, shape, points=(0.0,), gap=0.1, low=-2.0, high=2.0):
    """Uniform values in [low, high) at least `gap` from each of `points` (kinks, bounds)."""
    x = rng.uniform(low, high, shape)
    for _ in range(100):
        near = np.zeros(np.shape(x), bool)
        for p in points:
            near |= np.abs(x - p) < gap
        if not near.any():
            return x
        x = np.where(near, rng.uniform(low, high, np.shape(x)), x)
    raise AssertionError("away_from: could not draw values away from the given points")
