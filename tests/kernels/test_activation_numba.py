"""The compiled sigmoid and relu backward (numba, the `fast` extra): the sigmoid accurate to 3 ulp
everywhere, the NumPy path's results and gradients with them on and off, and float32 kept."""

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak import kernels
from badak.kernels import activation_numba as compiled
from badak.kernels import elementwise


def ulp_error(result, exact):
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(result.astype(np.float64) - exact) / ulp


def test_the_compiled_sigmoid_is_within_3_ulp_everywhere_also_where_it_is_subnormal():
    x = np.linspace(-110, 30, 1_400_001, dtype=np.float32)  # down to sigmoid ~ 1e-48 -> 0
    out = np.empty_like(x)
    compiled.sigmoid(x, out)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert ulp_error(out, exact).max() <= 3
    special = np.array([np.nan, np.inf, -np.inf, 0], np.float32)
    compiled.sigmoid(special, out[:4])
    assert np.isnan(out[0]) and out[1] == 1 and out[2] == 0 and out[3] == 0.5


@pytest.mark.parametrize("create_graph", [False, True])
def test_sigmoid_is_the_same_with_the_compiled_path_on_and_off(create_graph, monkeypatch):
    rng = np.random.default_rng(0)
    x = (6 * rng.standard_normal((64, 100))).astype(np.float32)  # 6400 >= COMPILED_MIN_SIZE
    x[0, :3] = [np.nan, 100, -100]
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    assert x.size >= elementwise.MIN_SIZE
    results = []
    for use in (False, True):
        monkeypatch.setattr(kernels, "enabled", use)
        leaf = badak.tensor(x, requires_grad=True)
        y = badak.sigmoid(leaf)
        (y * badak.tensor(upstream)).sum().backward(create_graph=create_graph)
        assert y.dtype == np.float32 and leaf.grad.dtype == np.float32
        results.append((y.numpy(), leaf.grad.numpy()))
    (numpy_y, numpy_grad), (compiled_y, compiled_grad) = results
    np.testing.assert_allclose(compiled_y, numpy_y, rtol=3e-7, atol=1e-38)
    # The backward's arithmetic is NumPy's, on y values at most a few ulp apart; near y = 1,
    # (1 - y) turns an ulp of y (6e-8) into an absolute difference, in either path.
    np.testing.assert_allclose(compiled_grad, numpy_grad, rtol=1e-6, atol=3e-7)


def test_the_compiled_backward_rounds_as_numpy_does():
    rng = np.random.default_rng(1)
    y = rng.uniform(0, 1, 5000).astype(np.float32)
    grad = rng.standard_normal(5000).astype(np.float32)
    out = np.empty_like(y)
    compiled.sigmoid_backward(grad, y, out)
    assert np.array_equal(out, (np.float32(1) - y) * y * grad)


def test_the_compiled_relu_backward_masks_as_the_formula_also_for_nan_inf_and_minus_zero():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(5000).astype(np.float32)
    grad = rng.standard_normal(5000).astype(np.float32)
    x[:6] = [0, -0.0, np.nan, 1, -1, -2]
    grad[:6] = [-1, 2, 3, np.nan, np.inf, -3]  # masked: +0.0 where x <= 0, whatever grad is
    out = np.empty_like(x)
    compiled.relu_backward(grad, x, out)
    expected = np.where(x <= 0, np.float32(0), grad)
    assert np.array_equal(out.view(np.uint32), expected.view(np.uint32))
    assert out[4] == 0 and not np.signbit(out[5])


@pytest.mark.parametrize("create_graph", [False, True])
def test_relu_is_the_same_with_the_compiled_backward_on_and_off(create_graph, monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 100)).astype(np.float32)
    x[0, :2] = 0  # relu'(0) = 0 on both paths
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    assert x.size >= elementwise.MIN_SIZE
    calls = []
    kernel = compiled.relu_backward
    monkeypatch.setattr(compiled, "relu_backward", lambda *arrays: calls.append(kernel(*arrays)))
    grads = []
    for use in (False, True):
        monkeypatch.setattr(kernels, "enabled", use)
        leaf = badak.tensor(x, requires_grad=True)
        (F.relu(leaf) * badak.tensor(upstream)).sum().backward(create_graph=create_graph)
        assert leaf.grad.dtype == np.float32
        grads.append(leaf.grad.numpy())
    assert len(calls) == (0 if create_graph else 1)  # under create_graph: the graph's formula
    assert np.array_equal(grads[0], grads[1])
    assert np.array_equal(grads[1], np.where(x <= 0, np.float32(0), upstream))
