"""The compiled im2col / col2im: the same arrays as NumPy's strided copies (bitwise for unfold;
fold adds in another order, so to rounding), over strides, dilations, padding, ceil_mode tails
and max pooling's -inf fill."""

import numpy as np
import pytest

from badak import kernels
from badak.functions.conv import fold_array, out_size, unfold_array

GEOMETRIES = [  # kernel, dilation, padding, stride, extra rows and columns (ceil_mode's tail)
    ((3, 3), (1, 1), (1, 1), (1, 1), 0),
    ((5, 3), (1, 2), (2, 0), (2, 1), 0),
    ((2, 2), (1, 1), (0, 0), (2, 2), 1),
    ((3, 2), (2, 1), (1, 1), (3, 2), 0),
]


def _both(monkeypatch, make):
    results = []
    for use in (True, False):
        monkeypatch.setattr(kernels, "enabled", use)
        results.append(make())
    return results


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_compiled_unfold_and_fold_give_numpys_arrays(geometry, dtype, monkeypatch):
    kernel, dilation, padding, stride, tail = geometry
    x = np.random.default_rng(0).standard_normal((4, 6, 17, 13)).astype(dtype)  # compiled size
    out = tuple(
        out_size(n, k, s, p, d) + tail
        for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation)
    )
    for fill in (0, -np.inf):
        compiled, plain = _both(
            monkeypatch,
            lambda fill=fill: unfold_array(x, kernel, dilation, padding, stride, out, fill),
        )
        np.testing.assert_array_equal(compiled, plain)
    cols = np.random.default_rng(1).standard_normal(compiled.shape).astype(dtype)
    compiled, plain = _both(
        monkeypatch, lambda: fold_array(cols, x.shape[2:], kernel, dilation, padding, stride)
    )
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(compiled, plain, rtol=rtol, atol=rtol)
