"""The fused cross-entropy kernel: equal to the unfused formula across block boundaries, and the
gradient it hands to the engine (owned by the leaf, formed again for a retained graph)."""

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak.kernels import cross_entropy as kernel


def unfused(rows, target, class_weight, hard, smooth):
    """The same terms and gradient from an independent float64 log-softmax."""
    x = rows.astype(np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    normalizer = np.log(np.exp(shifted).sum(axis=1))
    p = np.exp(shifted - normalizer[:, None])
    onehot = np.zeros_like(x)
    onehot[np.arange(len(target)), target] = 1
    gradient = (hard + smooth * class_weight.sum())[:, None] * p - hard[:, None] * onehot
    gradient -= smooth[:, None] * class_weight
    target_shift = shifted[np.arange(len(target)), target]
    return normalizer, target_shift, shifted @ class_weight, gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_rows, n_classes", [(1, 3), (37, 5000), (300, 7), (5, 70000)])
def test_kernel_matches_the_unfused_formula_across_blocks(dtype, n_rows, n_classes):
    rng = np.random.default_rng(n_rows)
    rows = (3 * rng.standard_normal((n_rows, n_classes))).astype(dtype)
    target = rng.integers(0, n_classes, n_rows)
    class_weight = rng.uniform(0.5, 2, n_classes).astype(dtype)
    hard = rng.uniform(0, 1, n_rows).astype(dtype)
    smooth = np.full(n_rows, 0.1 / n_classes, dtype)
    gradient = np.empty_like(rows)
    terms = kernel.softmax_cross_entropy(rows, target, class_weight, hard, smooth, gradient)
    normalizer, target_shift, weighted, expected = unfused(rows, target, class_weight, hard, smooth)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(terms.normalizer, normalizer, rtol=rtol)
    np.testing.assert_allclose(terms.target_shift, target_shift, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(terms.weighted_shift, weighted, rtol=rtol, atol=rtol * n_classes)
    np.testing.assert_allclose(gradient, expected, rtol=rtol, atol=rtol * 1e-3)


def test_the_reused_gradient_buffer_is_aligned_and_never_handed_out_while_held():
    buffer = kernel.ReusableArray()
    shape = (kernel.REUSE_BYTES // 4 // 64 + 1, 64)
    first = buffer.take(shape, np.dtype(np.float32))
    assert first.ctypes.data % kernel.ALIGNMENT == 0
    view = first.T  # a holder that keeps only the byte buffer
    del first
    second = buffer.take(shape, np.dtype(np.float32))
    assert not np.shares_memory(second, view)
    second_id = id(second)
    del second, view
    assert id(buffer.take(shape, np.dtype(np.float32))) == second_id  # free again: reused


def test_the_gradient_becomes_the_leafs_own_grad_and_the_function_keeps_nothing():
    x = badak.tensor(np.random.default_rng(0).standard_normal((4, 6)), requires_grad=True)
    loss = F.cross_entropy(x, badak.tensor([0, 1, 2, 3]))
    function = loss.grad_fn
    loss.backward(retain_graph=True)
    assert function.gradient is None  # handed over, not kept beside x.grad
    x.grad.numpy()[...] = 7.0  # an optimizer's in-place change cannot reach the function
    x.grad = None
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy().sum(axis=1), 0, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_a_second_backward_through_a_retained_graph_forms_the_gradient_again(reduction):
    rng = np.random.default_rng(1)
    x = badak.tensor(rng.standard_normal((5, 4, 3)), requires_grad=True)
    target = badak.tensor(rng.integers(0, 4, (5, 3)))
    loss = F.cross_entropy(x, target, reduction=reduction, label_smoothing=0.2).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 2 * once, rtol=1e-12)
    x.grad = None
    loss.backward(create_graph=True)  # the differentiable path after the arrays were taken
    np.testing.assert_allclose(x.grad.numpy(), once, rtol=1e-12)
