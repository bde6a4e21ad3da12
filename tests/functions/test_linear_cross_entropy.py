"""linear_cross_entropy equals cross_entropy(linear(...)) in loss and every gradient, holds no
(N, V) logits, and checks its input like the losses do."""

import tracemalloc

import numpy as np
import pytest

import badak
import badak.nn.functional as F

TOLERANCE = {np.float64: 1e-10, np.float32: 2e-5}


def both_paths(x, weight, bias, target, upstream, **options):
    """(loss, grad input, grad weight, grad bias) from the fused and the unfused path."""
    results = []
    for fused in (True, False):
        leaves = [badak.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        xs, ws, bs = leaves
        if fused:
            loss = F.linear_cross_entropy(xs, ws, badak.tensor(target), bias=bs, **options)
        else:
            options.pop("chunk_size", None)
            loss = F.cross_entropy(F.linear(xs, ws, bs), badak.tensor(target), **options)
        loss.backward(badak.tensor(upstream))
        results.append([loss.numpy()] + [leaf.grad.numpy() for leaf in leaves])
    return results


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("chunk_size", [1, 5, None])
def test_equals_the_unfused_path(dtype, reduction, label_smoothing, chunk_size):
    rng = np.random.default_rng(7)
    n, d, v = 23, 6, 41
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((n, d), (v, d), (v,)))
    target = rng.integers(0, v, n)
    target[[2, 9]] = -100
    upstream = (rng.standard_normal(n) if reduction == "none" else np.array(1.7)).astype(dtype)
    fused, unfused = both_paths(x, w, b, target, upstream, reduction=reduction,
                                label_smoothing=label_smoothing, chunk_size=chunk_size)  # fmt: skip
    for name, a, e in zip(["loss", "input", "weight", "bias"], fused, unfused):
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, e, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype], err_msg=name)


def test_never_holds_the_logits():
    rng = np.random.default_rng(0)
    n, d, v = 512, 16, 32768  # logits: 64 MiB in float32
    x = badak.tensor(rng.standard_normal((n, d), dtype=np.float32), requires_grad=True)
    w = badak.tensor(rng.standard_normal((v, d), dtype=np.float32), requires_grad=True)
    target = badak.tensor(rng.integers(0, v, n))
    # One small call first: loading the compiled kernel on first use is not the loss's memory.
    F.linear_cross_entropy(x[:2], w.detach(), target[:2]).backward()
    x.grad = None
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    F.linear_cross_entropy(x, w, target, chunk_size=8).backward()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    gradients = x.grad.numpy().nbytes + w.grad.numpy().nbytes
    assert peak - gradients <= 0.1 * n * v * 4


def test_a_second_backward_and_an_existing_weight_grad_accumulate():
    rng = np.random.default_rng(1)
    x = badak.tensor(rng.standard_normal((9, 4)), requires_grad=True)
    w = badak.tensor(rng.standard_normal((13, 4)), requires_grad=True)
    target = badak.tensor(rng.integers(0, 13, 9))
    loss = F.linear_cross_entropy(x, w, target, chunk_size=2)
    loss.backward(retain_graph=True)
    once = w.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * once, rtol=1e-12)


def test_confident_rows_keep_their_loss_in_float32():
    x = badak.tensor(np.array([[30.0]], np.float32))
    w = badak.tensor(np.array([[1.0]] + [[0.0]] * 999, np.float32))
    loss = F.linear_cross_entropy(x, w, badak.tensor([0]), reduction="none")
    assert loss.numpy()[0] == pytest.approx(np.log1p(999 * np.exp(-30.0)), rel=1e-6)


@pytest.mark.parametrize(
    "x_shape, w_shape, target, error",
    [
        ((4, 3), (5, 2), [0, 1, 2, 3], ValueError),
        ((4, 3), (5, 3), [0, 1, 2, 5], IndexError),
        ((4, 3), (5, 3), [0, 1, 2], ValueError),
    ],
)
def test_rejects_bad_input_naming_itself(x_shape, w_shape, target, error):
    x, w = badak.zeros(*x_shape, requires_grad=True), badak.zeros(*w_shape)
    with pytest.raises(error, match="^linear_cross_entropy:"):
        F.linear_cross_entropy(x, w, badak.tensor(target))
    assert x.grad is None


def test_rejects_integer_features():
    with pytest.raises(TypeError, match="^linear_cross_entropy:"):
        F.linear_cross_entropy(badak.tensor([[1, 2]]), badak.zeros(3, 2), badak.tensor([0]))
