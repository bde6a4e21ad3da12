"""PyTorch-style custom functions: a subclass of badak.autograd.Function with staticmethods
forward(ctx, ...) and backward(ctx, ...), called through `.apply`, as in PyTorch's tutorial
"Learning PyTorch with Examples"."""

import math

import numpy as np
import pytest
import torch

import badak
from badak.gradcheck import gradcheck


def legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


def scaled_product(lib):
    class ScaledProduct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            grad_a = grad * b * ctx.scale if ctx.needs_input_grad[0] else None
            grad_b = grad * a * ctx.scale if ctx.needs_input_grad[1] else None
            return grad_a, grad_b, None

    return ScaledProduct


def test_a_custom_function_gives_torchs_values_and_gradients():
    x = np.linspace(-math.pi, math.pi, 9)
    results = []
    for lib in (badak, torch):
        a = lib.tensor(0.3, dtype=lib.float64, requires_grad=True)
        y = legendre(lib).apply(a * lib.tensor(x))
        y.sum().backward()
        results.append((y.detach().numpy(), a.grad.numpy()))
    (values, grad), (torch_values, torch_grad) = results
    np.testing.assert_allclose(values, torch_values, rtol=1e-14)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-14)


def test_several_inputs_a_number_argument_and_a_none_gradient():
    rng = np.random.default_rng(0)
    a_values, b_values = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (badak, torch):
        a = lib.tensor(a_values, requires_grad=True)
        b = lib.tensor(b_values)  # needs no gradient: backward returns None for it
        scaled_product(lib).apply(a, b, 2.5).sum().backward()
        results.append(a.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-14)


def test_a_custom_function_passes_a_numerical_gradient_check():
    product = scaled_product(badak)
    a = badak.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    b = badak.tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda x, y: product.apply(x, y, 0.7), (a, b))
    assert gradcheck(lambda x: legendre(badak).apply(x), a)


def test_its_graph_names_the_function_and_backward_runs_it_once():
    a = badak.tensor([0.5, 1.0], requires_grad=True)
    y = legendre(badak).apply(a)
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_forward_must_return_a_tensor():
    class Bad(badak.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return [x]

    with pytest.raises(TypeError, match="Bad.forward: .* one Tensor"):
        Bad.apply(badak.ones(2, requires_grad=True))
