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
