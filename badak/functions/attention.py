"""scaled_dot_product_attention: softmax(q k^T * scale + mask) v, as one graph node.

The softmax is the cross-entropy family's: the row's maximum subtracted, its exp(0) = 1 kept out
of the sum (log_normalizer), so rows with one dominant score keep their small weights' digits.
For float32 with the `fast` extra it is one compiled pass over the scores, in place, with the
same care (kernels.softmax_numba), and so is its backward over the weights' gradient. Backward
uses the saved weights only: with P the weights and dO the upstream gradient,
dV = P^T dO, dS = P * (dO V^T - rowsum(dO V^T * P)), dQ = dS K * scale, dK = dS^T Q * scale.

Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading dims
broadcast. attn_mask (L, S) or broadcastable to (..., L, S): bool (True takes part) or float
(added to the scores).
"""

import math

from badak.autograd import Function
from badak.device import np
from badak.functions._args import as_array, check_floating
from badak.functions.activation import log_normalizer
from badak.functions.shape import unbroadcast
from badak.kernels import blas, compiled
from badak.random import default_generator
from badak.tensor import Tensor


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _rows_kernel(*arrays):
    """softmax_numba where it takes these arrays (float32, C-contiguous, not empty: their rows
    are views, changed in place), else None."""
    for a in arrays:
        if a.dtype != np.float32 or a.size == 0 or not a.flags.c_contiguous:
            return None
    return compiled("softmax_numba")


class ScaledDotProductAttention(Function):
    saves_inputs = True

    def forward(self, q, k, v, *added, mask, scale, keep, safe):
        scores = blas.matmul(q, _swap(k))
        scores *= scores.dtype.type(scale)
        if added:  # a float mask that is a Tensor: an input, with a gradient
            scores = scores + added[0]
        if mask is not None:
            if mask.dtype == np.bool_:
                scores = np.where(mask, scores, scores.dtype.type(-np.inf))
            else:
                scores = scores + mask.astype(scores.dtype, copy=False)
        kernel = _rows_kernel(scores)
        if kernel is not None:  # in place: the scores are this call's own array
            empty_row = np.float32(0 if safe else np.nan)
            kernel.softmax_rows(scores.reshape(-1, scores.shape[-1]), empty_row)
            weights = scores
        else:
            shifted, normalizer = log_normalizer(scores, -1)
            shifted -= normalizer
            weights = np.exp(shifted, out=shifted)
            if safe:  # a row with every score -inf (all masked) attends to nothing: weights 0
                weights[np.isneginf(scores).all(axis=-1)] = 0
        self.weights, self.keep, self.scale = weights, keep, scale
        used = weights if keep is None else weights * keep
        return blas.matmul(used, v)

    def backward(self, grad):
        if isinstance(grad, Tensor):
            raise NotImplementedError(
                "scaled_dot_product_attention: gradients of gradients are not supported"
            )
        q, k, v, *added = self._arrays
        weights, keep = self.weights, self.keep
        used = weights if keep is None else weights * keep
        need_q, need_k, need_v, *need_added = self.needs_input_grad
        grad_v = unbroadcast(blas.matmul(_swap(used), grad), v.shape) if need_v else None
        grad_q = grad_k = grad_added = None
        if need_q or need_k or any(need_added):
            d_weights = blas.matmul(grad, _swap(v))
            if keep is not None:
                d_weights *= keep
            d_scores = d_weights
            kernel = _rows_kernel(weights, d_scores)
            if kernel is not None and not any(need_added):  # in place, scale included
                rows = weights.reshape(-1, weights.shape[-1])
                kernel.softmax_rows_backward(
                    rows, d_scores.reshape(rows.shape), np.float32(self.scale)
                )
            else:
                d_scores -= (d_weights * weights).sum(axis=-1, keepdims=True)
                d_scores *= weights
                if any(need_added):
                    grad_added = unbroadcast(d_scores, added[0].shape)
                d_scores *= d_scores.dtype.type(self.scale)
            if need_q:
                grad_q = unbroadcast(blas.matmul(d_scores, k), q.shape)
            if need_k:
                grad_k = unbroadcast(blas.matmul(_swap(d_scores), q), k.shape)
        return (grad_q, grad_k, grad_v, grad_added)[: 3 + len(added)]


class AttentionWeights(Function):
    """The weights an attention call used (after dropout), as a differentiable output of query
    and key: taken from that call, not computed again."""

    saves_inputs = True

    def forward(self, q, k, attention):
        # the call's arrays themselves (the engine clears the call once its backward ran)
        self.weights, self.keep, self.scale = attention.weights, attention.keep, attention.scale
        return self.weights if self.keep is None else self.weights * self.keep

    def backward(self, grad):
        if isinstance(grad, Tensor):
            raise NotImplementedError("attention weights: gradients of gradients not supported")
        q, k = self._arrays
        weights, keep = self.weights, self.keep
        d_weights = grad if keep is None else grad * keep
        d_scores = (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True)) * weights
        d_scores *= d_scores.dtype.type(self.scale)
        need_q, need_k = self.needs_input_grad
        return (
            unbroadcast(d_scores @ k, q.shape) if need_q else None,
            unbroadcast(_swap(d_scores) @ q, k.shape) if need_k else None,
        )


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 generator=None):  # fmt: skip
    """softmax(query key^T * scale + mask) value, scale 1/sqrt(E) by default. A query whose every
    score is masked out (-inf) gets 0, as in PyTorch 2.13. dropout_p drops weights (scaling the
    rest)."""
    return attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa,
                     generator, need_weights=False)[0]  # fmt: skip


def attention(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa, generator,
              need_weights):  # fmt: skip
    """(output, the weights used or None): scaled_dot_product_attention and, on request, its
    weights as a second differentiable result. As PyTorch's MultiheadAttention, a query with
    every score masked gives 0 without the weights and NaN with them (plain softmax)."""
    name = "scaled_dot_product_attention"
    for label, x in (("query", query), ("key", key), ("value", value)):
        check_floating(name, x)
        if np.ndim(x) < 2:
            raise ValueError(f"{name}: {label} needs at least 2 dims, got shape {np.shape(x)}")
    q_shape, k_shape, v_shape = np.shape(query), np.shape(key), np.shape(value)
    if q_shape[-1] != k_shape[-1] or k_shape[-2] != v_shape[-2]:
        raise ValueError(
            f"{name}: expected query (..., L, E), key (..., S, E), value (..., S, Ev), got "
            f"{q_shape}, {k_shape} and {v_shape}"
        )
    if enable_gqa:
        raise NotImplementedError(f"{name}: enable_gqa is not supported by badak")
    length, source = q_shape[-2], k_shape[-2]
    mask = None if attn_mask is None else as_array(attn_mask)
    if is_causal:
        if mask is not None:
            raise ValueError(f"{name}: give attn_mask or is_causal, not both")
        mask = np.tril(np.ones((length, source), bool))
    if mask is not None:
        batch = np.broadcast_shapes(q_shape[:-2], k_shape[:-2])
        try:
            np.broadcast_shapes(mask.shape, batch + (length, source))
        except ValueError:
            raise ValueError(
                f"{name}: attn_mask of shape {mask.shape} does not broadcast to the scores' "
                f"{batch + (length, source)}"
            ) from None
        if mask.dtype != np.bool_ and mask.dtype.kind != "f":
            raise TypeError(f"{name}: attn_mask must be bool or floating, got {mask.dtype}")
    if scale is None:
        scale = 1 / math.sqrt(q_shape[-1]) if q_shape[-1] else 1.0
    keep = None
    if dropout_p:
        if not 0 <= dropout_p <= 1:
            raise ValueError(f"{name}: dropout_p must be in [0, 1], got {dropout_p}")
        rng = generator or default_generator()
        scores_shape = np.broadcast_shapes(q_shape[:-2], k_shape[:-2]) + (length, source)
        dtype = np.result_type(as_array(query).dtype, as_array(key).dtype)
        keep = np.zeros(scores_shape, dtype)
        if dropout_p < 1:
            keep = (rng.random(scores_shape, dtype=np.float32) >= dropout_p).astype(dtype)
            keep *= dtype.type(1 / (1 - dropout_p))
    added = ()
    if isinstance(attn_mask, Tensor) and mask.dtype != np.bool_:  # differentiable, as in torch
        added, mask = (attn_mask,), None
    call = ScaledDotProductAttention()
    out = call(query, key, value, *added, mask=mask, scale=scale, keep=keep, safe=not need_weights)
    if not need_weights:
        return out, None
    return out, AttentionWeights()(query, key, attention=call)
