"""Compiled max pooling: bitwise the NumPy path's output, offsets and gradient, with the
compiled kernels on and off (ties, NaN, padding, ceil_mode, dilation, overlapping windows)."""

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak import kernels

CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=2, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=1),  # overlapping windows: NumPy's scatter
    dict(kernel_size=2, dilation=2, stride=3),
]


@pytest.mark.parametrize("options", CASES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_is_bitwise_numpys_path(options, dtype, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 3, 9, 11)).astype(dtype)  # small integers: many ties
    x[0, 0, 1, 1] = np.nan
    x[1, 2, :2, :2] = -0.0
    upstream = rng.standard_normal((2, 3, 9, 11)).astype(dtype)
    results = {}
    for use in (True, False):
        monkeypatch.setattr(kernels, "enabled", use)
        leaf = badak.tensor(x, requires_grad=True)
        y, indices = F.max_pool2d(leaf, return_indices=True, **options)
        (y * badak.tensor(upstream[..., : y.shape[2], : y.shape[3]])).sum().backward()
        results[use] = (y.numpy(), indices.numpy(), leaf.grad.numpy())
    for compiled, numpys in zip(results[True], results[False]):
        assert compiled.dtype == numpys.dtype
        np.testing.assert_array_equal(compiled, numpys)
        assert np.array_equal(np.signbit(compiled), np.signbit(numpys))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_2x2_kernels_are_the_general_ones_bitwise(dtype, monkeypatch):
    """2x2 windows at stride 2 take the written-out kernels: the same maxima, offsets (ties,
    NaN, -0.0) and gradient (a -0.0 gradient arrives as +0.0, the uncovered row and column 0)
    as the general kernels give, which the test above holds to NumPy's path."""
    from badak.kernels import pool_numba

    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, (3, 4, 13, 10)).astype(dtype)  # odd height: a row no window covers
    x[0, 0, 2:4, 2:4] = np.nan
    x[1, 1, :2, :2] = -0.0
    upstream = rng.standard_normal((3, 4, 6, 5)).astype(dtype)
    upstream[2, 3, 0, :3] = -0.0
    calls = []
    for name in ("max_pool_2x2", "max_pool_scatter_2x2"):
        kernel = getattr(pool_numba, name)
        monkeypatch.setattr(pool_numba, name,
                            lambda *a, kernel=kernel: calls.append(kernel(*a)))  # fmt: skip
    leaf = badak.tensor(x, requires_grad=True)
    y, indices = F.max_pool2d(leaf, 2, return_indices=True)
    (y * badak.tensor(upstream)).sum().backward()
    assert len(calls) == 2
    best, where = np.empty(y.shape, dtype), np.empty(y.shape, np.int64)
    pool_numba.max_pool(x, best, where, 1, 1, 0, 0, 2, 2, 2, 2)
    image = np.zeros(x.shape, dtype)
    pool_numba.max_pool_scatter(upstream, where, image, 1, 1, 0, 0, 2, 2, 2)
    for ours, general in ((y.numpy(), best), (leaf.grad.numpy(), image)):
        np.testing.assert_array_equal(ours, general)
        assert np.array_equal(np.signbit(ours), np.signbit(general))
    assert (indices.numpy() // x.shape[3] // 2 == np.arange(6)[:, None]).all()  # rows 2i, 2i+1
