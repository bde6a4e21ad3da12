"""The compiled im2col / col2im: the same arrays as NumPy's strided copies (bitwise for unfold;
fold adds in another order, so to rounding), over strides, dilations, padding, ceil_mode tails
and max pooling's -inf fill."""

import numpy as np
import pytest

import badak
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


CONVS = [  # input shape, weight shape, options
    ((3, 4, 12, 11), (5, 4, 3, 3), dict()),
    ((2, 3, 13, 9), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))),
    ((2, 2, 10, 10), (3, 2, 5, 5), dict(padding=2, bias=False)),
]


def _conv(x, w, b, options, upstream, create_graph=False):
    import badak.nn.functional as F

    leaves = [badak.tensor(a, requires_grad=True) for a in (x, w, b)]
    options = dict(options)
    bias = leaves[2] if options.pop("bias", True) else None
    y = F.conv2d(leaves[0], leaves[1], bias, **options)
    (y * badak.tensor(upstream)).sum().backward(create_graph=create_graph)
    grads = [leaf.grad for leaf in leaves[: 3 if bias is not None else 2]]
    return y, grads


def _counted(method, calls):
    def counted(self, x):
        calls.append(len(x))
        return method(self, x)

    return counted


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONVS)
def test_conv2d_image_by_image_gives_the_whole_batchs_results(case, dtype, monkeypatch):
    """Conv2d's per-image path (the windows of one image at a time, the weight's gradient
    summed by the products) against the whole batch's windows: output and every gradient."""
    from badak.functions import conv
    from badak.kernels import blas

    if not blas.using_mkl() or kernels.compiled("im2col_numba") is None:
        pytest.skip("the per-image path needs MKL and numba")
    x_shape, w_shape, options = case
    rng = np.random.default_rng(3)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, w_shape[:1]))
    shape = _conv(x, w, b, options, np.ones(1, dtype))[0].shape
    upstream = rng.standard_normal(shape).astype(dtype)
    results, calls = {}, []
    monkeypatch.setattr(conv.Conv2d, "_windows", _counted(conv.Conv2d._windows, calls))
    for threshold in (0, np.inf):  # every convolution per image, then none
        monkeypatch.setattr(conv, "PER_IMAGE_BYTES", threshold)
        y, grads = _conv(x, w, b, options, upstream)
        results[threshold] = [y.numpy()] + [g.numpy() for g in grads]
        assert len(calls) == 2  # the forward's windows and the weight gradient's, per image
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for ours, whole in zip(results[0], results[np.inf], strict=True):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, whole, rtol=tolerance, atol=tolerance)


def test_conv2d_image_by_image_passes_gradcheck_and_second_order(monkeypatch):
    from badak.functions import conv
    from badak.gradcheck import gradcheck
    from badak.kernels import blas

    if not blas.using_mkl() or kernels.compiled("im2col_numba") is None:
        pytest.skip("the per-image path needs MKL and numba")
    monkeypatch.setattr(conv, "PER_IMAGE_BYTES", 0)
    calls = []
    monkeypatch.setattr(conv.Conv2d, "_windows", _counted(conv.Conv2d._windows, calls))
    import badak.nn.functional as F

    rng = np.random.default_rng(4)
    x = badak.tensor(rng.standard_normal((2, 2, 7, 6)), requires_grad=True)
    w = badak.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    b = badak.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1, stride=2), (x, w, b))
    assert calls  # the per-image path ran
    second = {}
    for threshold in (0, np.inf):  # second order: the recorded path under create_graph
        monkeypatch.setattr(conv, "PER_IMAGE_BYTES", threshold)
        leaves = [badak.tensor(t.numpy(), requires_grad=True) for t in (x, w, b)]
        y = F.conv2d(*leaves, padding=1)
        (y * y).sum().backward(create_graph=True)
        (leaves[0].grad * leaves[0].grad).sum().backward()
        second[threshold] = [leaf.grad.detach().numpy() for leaf in leaves]
    for ours, whole in zip(second[0], second[np.inf], strict=True):
        np.testing.assert_allclose(ours, whole, rtol=1e-12, atol=1e-12)
