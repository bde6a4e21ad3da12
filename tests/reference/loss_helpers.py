"""Shared by the loss reference tests: one set of NumPy arrays into badak and torch, the value and
every floating input's gradient compared under one random upstream gradient."""

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

import badak

# (rtol, atol); atol is scaled by the largest magnitude of the expected array (at least 1)
TOLERANCES = {np.dtype(np.float64): (1e-10, 1e-12), np.dtype(np.float32): (1e-5, 1e-6)}
CASES = {}  # dtype name -> number of compared cases
WORST = {}  # (dtype name, "abs" or "rel") -> worst error seen

each_dtype = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
each_reduction = pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
seeds = st.integers(0, 2**32 - 1)


def assert_close(actual, expected, dtype, what):
    dtype = np.dtype(dtype)
    rtol, atol = TOLERANCES[dtype]
    expected = np.asarray(expected)
    assert np.shape(actual) == expected.shape, f"{what}: shape {np.shape(actual)} vs torch's"
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)
    error = float(np.abs(np.asarray(actual, np.float64) - expected).max(initial=0.0))
    # normwise relative error: max |badak - torch| / max |torch|
    top = float(np.abs(expected).max(initial=0.0))
    for kind, value in (("abs", error), ("rel", error / top if top else 0.0)):
        WORST[dtype.name, kind] = max(WORST.get((dtype.name, kind), 0.0), value)


def compare(badak_fn, torch_fn, arrays, dtype, seed=0):
    """Both functions on leaves made from `arrays` (floating ones cast to dtype, requiring grad):
    the value, its dtype, and each floating leaf's gradient under one random upstream gradient."""
    dtype = np.dtype(dtype)
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in map(np.asarray, arrays)]
    wanted = [a.dtype.kind == "f" for a in arrays]
    b_leaves = [badak.tensor(a, requires_grad=w) for a, w in zip(arrays, wanted)]
    t_leaves = [torch.tensor(a, requires_grad=w) for a, w in zip(arrays, wanted)]
    b_out, t_out = badak_fn(*b_leaves), torch_fn(*t_leaves)
    assert b_out.dtype == dtype, f"loss dtype {b_out.dtype}, input {dtype}"
    assert_close(b_out.numpy(), t_out.detach().numpy(), dtype, "loss")
    upstream = np.asarray(np.random.default_rng(seed).standard_normal(t_out.shape), dtype)
    b_out.backward(badak.tensor(upstream))
    t_out.backward(torch.from_numpy(upstream))
    for i, (b_leaf, t_leaf) in enumerate(zip(b_leaves, t_leaves)):
        if wanted[i]:
            assert b_leaf.grad is not None, f"input {i}: badak gave no gradient"
            assert b_leaf.grad.dtype == dtype, f"input {i}: gradient dtype {b_leaf.grad.dtype}"
            assert_close(b_leaf.grad.numpy(), t_leaf.grad.numpy(), dtype, f"gradient of input {i}")
    CASES[dtype.name] = CASES.get(dtype.name, 0) + 1


def leaves(arrays, dtype):
    """badak and torch leaves requiring grad, from the same arrays cast to dtype."""
    arrays = [np.asarray(a, dtype) for a in arrays]
    return (
        [badak.tensor(a, requires_grad=True) for a in arrays],
        [torch.tensor(a, requires_grad=True) for a in arrays],
    )
