"""The compiled softmax rows of attention (numba, the `fast` extra): weights accurate to a few ulp
also where one score dominates, masked rows as the NumPy path gives them, and attention's output
and gradients those of the NumPy path, float32 kept."""

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak import kernels

softmax_numba = pytest.importorskip("badak.kernels.softmax_numba")


def ulp_error(result, exact):
    ulp = np.spacing(np.maximum(np.abs(exact), 1e-45).astype(np.float32)).astype(np.float64)
    return np.abs(result.astype(np.float64) - exact) / ulp


def exact_softmax(rows):
    """Softmax in float64 of the float32 differences x - max: the rounding of that subtraction
    is float32's, the same for every implementation; the error after it is the kernel's."""
    shifted = (rows - rows.max(axis=-1, keepdims=True)).astype(np.float64)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def test_weights_are_within_4_ulp_also_beside_a_dominant_score_and_subnormal():
    rng = np.random.default_rng(0)
    rows = (5 * rng.standard_normal((300, 128))).astype(np.float32)
    rows[:100, 0] = 40  # one dominant score: the others' weights ~ e^-40, their digits kept
    rows[100:110, :64] = -100  # weights below exp's range: subnormal, not 0 or exp(-87)
    exact = exact_softmax(rows)
    weights = rows.copy()
    softmax_numba.softmax_rows(weights, np.float32(0))
    assert ulp_error(weights, exact).max() <= 4


def test_rows_without_a_finite_maximum_are_nan_or_the_empty_row_value():
    rows = np.array([[-np.inf] * 4, [1, np.nan, 2, 3], [np.inf, 0, 1, 2], [0, -np.inf, 0, 0]],
                    np.float32)  # fmt: skip
    for empty in (np.float32(0), np.float32(np.nan)):
        weights = rows.copy()
        softmax_numba.softmax_rows(weights, empty)
        np.testing.assert_array_equal(weights[0], np.full(4, empty))
        assert np.isnan(weights[1:3]).all()
        np.testing.assert_array_equal(weights[3], np.float32([1 / 3, 0, 1 / 3, 1 / 3]))


def test_the_backward_is_the_formula():
    rng = np.random.default_rng(1)
    weights = rng.dirichlet(np.ones(64), size=50).astype(np.float32)
    grad = rng.standard_normal((50, 64)).astype(np.float32)
    wide_w, wide_g = weights.astype(np.float64), grad.astype(np.float64)
    expected = wide_w * (wide_g - (wide_g * wide_w).sum(-1, keepdims=True)) * 0.125
    softmax_numba.softmax_rows_backward(weights, grad, np.float32(0.125))
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-7)


def _attention(inputs, upstream, mask, is_causal, use, monkeypatch):
    monkeypatch.setattr(kernels, "enabled", use)
    q, k, v = (badak.tensor(a, requires_grad=True) for a in inputs)
    if mask is not None and mask.dtype != bool:
        mask = mask.astype(inputs[0].dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=badak.tensor(mask) if mask is not None
                                         else None, is_causal=is_causal)  # fmt: skip
    assert out.dtype == inputs[0].dtype
    (out * badak.tensor(upstream)).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in (q, k, v)]


@pytest.mark.parametrize("masking", ["none", "causal", "bool_with_a_masked_row", "float"])
def test_attention_is_as_accurate_as_the_numpy_path(masking, monkeypatch):
    """Output and gradients in float32 by both paths against float64: the weights are peaked
    (scores of spread ~9), so the gradients cancel; the compiled path's error stays within
    twice the NumPy path's (and 1e-5 of each result's largest entry)."""
    rng = np.random.default_rng(2)
    inputs = [(3 * rng.standard_normal((2, 3, 9, 8))).astype(np.float32) for _ in range(3)]
    upstream = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    mask = None
    if masking == "bool_with_a_masked_row":
        mask = rng.random((9, 9)) > 0.3
        mask[4] = False  # a query with no key: 0, and no gradient from it
    elif masking == "float":
        mask = np.where(rng.random((9, 9)) > 0.3, 0.5, -np.inf)
    causal = masking == "causal"
    calls = []
    kernel = softmax_numba.softmax_rows
    monkeypatch.setattr(softmax_numba, "softmax_rows", lambda *a: calls.append(kernel(*a)))
    wide = [a.astype(np.float64) for a in (*inputs, upstream)]
    exact = _attention(wide[:3], wide[3], mask, causal, True, monkeypatch)
    numpy_results = _attention(inputs, upstream, mask, causal, False, monkeypatch)
    assert not calls
    compiled_results = _attention(inputs, upstream, mask, causal, True, monkeypatch)
    assert calls
    for ours, theirs, truth in zip(compiled_results, numpy_results, exact, strict=True):
        ours_error, numpy_error = np.abs(ours - truth).max(), np.abs(theirs - truth).max()
        assert ours_error <= max(2 * numpy_error, 1e-5 * np.abs(truth).max())
    if masking == "bool_with_a_masked_row":
        assert not compiled_results[0][:, :, 4].any()
