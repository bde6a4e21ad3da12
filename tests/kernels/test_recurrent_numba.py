"""The compiled LSTM and GRU steps (numba, the `fast` extra): sigmoid and tanh accurate to 3 ulp,
and every layer's output and gradients those of the NumPy path, float32 kept."""

import numpy as np
import pytest

import badak
import badak.nn as nn
from badak import kernels
from badak.kernels import activation_numba, recurrent_numba

numba = pytest.importorskip("numba")


@numba.njit(error_model="numpy")
def _apply_tanh(x, out):
    for i in range(x.shape[0]):
        out[i] = recurrent_numba._tanh(x[i])


@numba.njit(error_model="numpy")
def _apply_sigmoid(x, out):
    for i in range(x.shape[0]):
        out[i] = activation_numba.sigmoid_one(x[i])


def ulp_error(result, exact):
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(result.astype(np.float64) - exact) / ulp


def test_the_gates_sigmoid_and_tanh_are_within_3_ulp_also_near_zero():
    rng = np.random.default_rng(0)
    tiny = np.logspace(-37, 1.7, 200_000).astype(np.float32)  # tanh x ~ x: no cancellation
    x = np.concatenate([(4 * rng.standard_normal(1_000_000)).astype(np.float32), tiny, -tiny])
    out = np.empty_like(x)
    _apply_tanh(x, out)
    assert ulp_error(out, np.tanh(x.astype(np.float64))).max() <= 3
    _apply_sigmoid(x, out)
    assert ulp_error(out, 1 / (1 + np.exp(-x.astype(np.float64)))).max() <= 3
    special = np.array([np.nan, np.inf, -np.inf, 0, -0.0, 100, -100], np.float32)
    _apply_tanh(special, out[:7])
    assert np.isnan(out[0]) and list(out[1:7]) == [1, -1, 0, 0, 1, -1]
    assert not np.signbit(out[3]) and np.signbit(out[4])  # tanh keeps the sign of zero
    _apply_sigmoid(special, out[:7])
    assert np.isnan(out[0]) and out[1] == 1 and out[2] == 0 and out[3] == 0.5


LAYERS = {
    "lstm_2_layers_bidirectional": ("LSTM", dict(num_layers=2, bidirectional=True)),
    "lstm_no_bias_batch_first": ("LSTM", dict(bias=False, batch_first=True)),
    "gru_2_layers_bidirectional": ("GRU", dict(num_layers=2, bidirectional=True)),
    "gru_no_bias": ("GRU", dict(bias=False)),
}


def _run(kind, options, inputs, upstream, use, monkeypatch):
    monkeypatch.setattr(kernels, "enabled", use)
    badak.manual_seed(0)
    layer = getattr(nn, kind)(8, 16, **options)
    leaves = [badak.tensor(a, requires_grad=True) for a in inputs]
    state = (leaves[1], leaves[2]) if kind == "LSTM" else leaves[1]
    y, last = layer(leaves[0], state)
    outputs = [y, *last] if kind == "LSTM" else [y, last]
    assert all(o.dtype == badak.float32 for o in outputs)
    total = sum((o * badak.tensor(u)).sum() for o, u in zip(outputs, upstream, strict=True))
    total.backward()
    grads = [leaf.grad.numpy() for leaf in leaves] + [p.grad.numpy() for p in layer.parameters()]
    return [o.detach().numpy() for o in outputs], grads


@pytest.mark.parametrize("name", LAYERS)
def test_layers_give_the_numpy_paths_results_and_gradients(name, monkeypatch):
    kind, options = LAYERS[name]
    rng = np.random.default_rng(1)
    directions = 2 if options.get("bidirectional") else 1
    states = options.get("num_layers", 1) * directions
    x_shape = (3, 7, 8) if options.get("batch_first") else (7, 3, 8)
    inputs = [rng.standard_normal(x_shape), rng.standard_normal((states, 3, 16))]
    inputs += [rng.standard_normal((states, 3, 16))] if kind == "LSTM" else []
    inputs = [(2 * a).astype(np.float32) for a in inputs]  # gates well into saturation too
    shapes = [(*x_shape[:2], 16 * directions)] + [(states, 3, 16)] * (2 if kind == "LSTM" else 1)
    upstream = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    calls = []
    name = "lstm_step" if kind == "LSTM" else "gru_step"
    step = getattr(recurrent_numba, name)
    monkeypatch.setattr(recurrent_numba, name, lambda *a: calls.append(step(*a)))
    numpy_outputs, numpy_grads = _run(kind, options, inputs, upstream, False, monkeypatch)
    assert not calls
    compiled_outputs, compiled_grads = _run(kind, options, inputs, upstream, True, monkeypatch)
    assert calls  # the compiled steps ran
    for ours, theirs in zip(compiled_outputs, numpy_outputs, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6)
    for ours, theirs in zip(compiled_grads, numpy_grads, strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_float64_layers_keep_the_numpy_path(monkeypatch):
    calls = []
    step = recurrent_numba.lstm_step
    monkeypatch.setattr(recurrent_numba, "lstm_step", lambda *a: calls.append(step(*a)))
    layer = nn.LSTM(4, 5, dtype=badak.float64)
    y, _ = layer(badak.randn(3, 2, 4, dtype=badak.float64))
    assert y.dtype == badak.float64 and not calls
