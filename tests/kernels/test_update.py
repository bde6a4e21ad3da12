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


ADAM_OPTIONS = [
    dict(),
    dict(weight_decay=0.1),
    dict(amsgrad=True),
    dict(maximize=True, weight_decay=0.01),
    dict(lr=0.3, betas=(0.5, 0.7), eps=1e-3, amsgrad=True, weight_decay=0.2),
]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize("kind", ["Adam", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_step_is_bitwise_numpys_with_the_compiled_update(options, kind, dtype, monkeypatch):
    rng = np.random.default_rng(1)
    start = [rng.standard_normal((30, 40)), rng.standard_normal(40), rng.standard_normal(())]
    start[0] = np.asfortranarray(start[0])  # as nn.Linear keeps its weight
    grads = [[rng.standard_normal(a.shape) * 3 for a in start] for _ in range(6)]
    grads[3][1][:5] = np.nan  # NaN and inf gradients go through both paths alike
    grads[4][0][0, 0] = np.inf
    results = {}
    for use in (True, False):
        monkeypatch.setattr(kernels, "enabled", use)
        params = [nn.Parameter(badak.tensor(np.array(a, dtype=dtype, order="K"))) for a in start]
        optimizer = getattr(optim, kind)(params, **options)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = badak.tensor(np.array(g, dtype=dtype, order="K"))
            optimizer.step()
        moments = [v for s in optimizer.state.values() for v in s.values()
                   if isinstance(v, np.ndarray)]  # fmt: skip
        results[use] = [p.numpy().copy() for p in params] + [v.copy() for v in moments]
    assert len(results[True]) == len(results[False]) >= 9
    for compiled, numpys in zip(results[True], results[False]):
        np.testing.assert_array_equal(compiled, numpys)


@pytest.mark.parametrize("options", [dict(), dict(weight_decay=0.1, maximize=True),
                                     dict(lr=0.3, rho=0.5, eps=1e-3)], ids=str)  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adadelta_step_is_bitwise_numpys_with_the_compiled_update(options, dtype, monkeypatch):
    rng = np.random.default_rng(2)
    start = [np.asfortranarray(rng.standard_normal((30, 40))), rng.standard_normal(40)]
    grads = [[np.asfortranarray(rng.standard_normal(a.shape) * 3) for a in start] for _ in range(6)]
    grads[3][1][:5] = np.nan  # each gradient in its parameter's memory order, as backward gives
    grads[4][0][0, 0] = np.inf
    calls, kernel = [], kernels.compiled("update_numba").adadelta
    monkeypatch.setattr(kernels.compiled("update_numba"), "adadelta",
                        lambda *a: calls.append(kernel(*a)))  # fmt: skip
    results = {}
    for use in (True, False):
        monkeypatch.setattr(kernels, "enabled", use)
        params = [nn.Parameter(badak.tensor(np.array(a, dtype=dtype, order="K"))) for a in start]
        optimizer = optim.Adadelta(params, **options)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = badak.tensor(np.array(g, dtype=dtype, order="K"))
            optimizer.step()
        accumulators = [v.copy() for s in optimizer.state.values() for v in s.values()
                        if isinstance(v, np.ndarray)]  # fmt: skip
        results[use] = [p.numpy().copy() for p in params] + accumulators
    assert len(calls) == 12 and len(results[True]) == 6
    for compiled, numpys in zip(results[True], results[False]):
        np.testing.assert_array_equal(compiled, numpys)
