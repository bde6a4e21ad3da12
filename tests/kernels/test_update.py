"""The in-place update kernel: bitwise NumPy's result with the compiled path on and off, and SGD
training giving bitwise the same weights either way."""

import numpy as np
import pytest

import badak
from badak import kernels, nn, optim
from badak.kernels import update


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [10, update.FUSED_MIN_SIZE + 3])
@pytest.mark.parametrize("order", ["C", "F", "mixed"])
def test_add_scaled_is_numpys_expression_bitwise(dtype, size, order, monkeypatch):
    rng = np.random.default_rng(size)
    target, values = rng.standard_normal((2, 3, size)).astype(dtype)
    if order != "C":  # F order as nn.Linear keeps its weight; mixed orders take NumPy's path
        target = np.asfortranarray(target)
        values = values if order == "mixed" else np.asfortranarray(values)
    scale = dtype(-0.37)
    expected = target + scale * values
    for use in (True, False):
        monkeypatch.setattr(kernels, "enabled", use)
        result = target.copy(order="K")
        update.add_scaled_(result, scale, values)
        assert np.array_equal(result, expected)


def test_sgd_training_is_bitwise_the_same_with_and_without_the_compiled_update(monkeypatch):
    rng = np.random.default_rng(0)
    x = badak.tensor(rng.standard_normal((64, 200)).astype(np.float32))
    y = badak.tensor(rng.integers(0, 5, 64))
    weights = []
    for min_size in (update.FUSED_MIN_SIZE, np.inf):  # the update kernel alone on, then off
        monkeypatch.setattr(update, "FUSED_MIN_SIZE", min_size)
        badak.manual_seed(3)
        model = nn.MLP(200, [256], 5)
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(5):
            loss = badak.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
        weights.append([p.numpy().copy() for p in model.parameters()])
    assert all(np.array_equal(a, b) for a, b in zip(*weights))
