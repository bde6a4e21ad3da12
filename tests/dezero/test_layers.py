# ruff: noqa: NPY002 - DeZero draws from NumPy's global RNG, and these tests check that it does
"""badak.dezero.layers: DeZero's initialisation, parameter walking, saving, and each layer."""

import os
import weakref

import numpy as np
import pytest

import badak.dezero as dezero
from badak.dezero import Parameter, Variable
from badak.dezero import layers as L
from badak.dezero.functions_conv import conv2d
from badak.gradcheck import gradcheck


def dezero_randn(seed, shape, fan_in, dtype=np.float32):
    """What DeZero on NumPy 1 drew: randn cast to dtype, times sqrt(1 / fan_in) in dtype."""
    np.random.seed(seed)
    return np.random.randn(*shape).astype(dtype) * dtype(np.sqrt(1 / fan_in))


def as_float64(layer):
    for param in layer.params():
        param.data = param.data.astype(np.float64)
    return layer


# ----------------------------------------------------------------------------------------------
# Linear
# ----------------------------------------------------------------------------------------------
def test_linear_draws_w_at_first_forward_from_numpys_global_rng():
    layer = L.Linear(5)
    assert layer.W.data is None
    np.random.seed(3)
    y = layer(np.ones((2, 4), np.float32))
    np.testing.assert_array_equal(layer.W.data, dezero_randn(3, (4, 5), 4))
    assert layer.in_size == 4 and y.shape == (2, 5)
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    np.testing.assert_array_equal(layer.b.data, np.zeros(5, np.float32))


def test_linear_with_in_size_draws_at_construction_in_its_dtype():
    np.random.seed(7)
    layer = L.Linear(3, in_size=6, dtype=np.float64)
    np.testing.assert_array_equal(layer.W.data, dezero_randn(7, (6, 3), 6, np.float64))
    assert layer.b.dtype == np.float64


def test_linear_nobias_has_only_w():
    layer = L.Linear(3, nobias=True, in_size=2)
    assert layer.b is None
    assert [p.name for p in layer.params()] == ["W"]
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(layer(x).data, x @ layer.W.data)


def test_float64_input_to_float32_linear_promotes_as_numpy():
    layer = L.Linear(2, in_size=2)
    assert layer(np.ones((1, 2))).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# Layer: params, names, saving
# ----------------------------------------------------------------------------------------------
class Block(L.Layer):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.array([2.0], np.float32), name="scale")
        self.fc = L.Linear(3, in_size=2)
        self.note = "not a parameter"
        self.items = [Parameter(np.zeros(1))]  # lists are not walked, as in DeZero
        self.offset = Parameter(np.array([1.0], np.float32), name="offset")

    def forward(self, x):
        return self.fc(x) * self.scale + self.offset


def test_params_come_in_assignment_order_with_dezeros_names():
    block = Block()
    assert list(block.params()) == [block.scale, block.fc.W, block.fc.b, block.offset]
    names = {}
    block._flatten_params(names)
    assert list(names) == ["scale", "fc/W", "fc/b", "offset"]
    assert names["fc/W"] is block.fc.W


def test_cleargrads_clears_every_parameter():
    block = Block()
    block(np.ones((2, 2), np.float32)).sum().backward()
    assert all(p.grad is not None for p in block.params())
    block.cleargrads()
    assert all(p.grad is None for p in block.params())


def test_call_keeps_weak_references_to_inputs_and_outputs():
    block = Block()
    x = Variable(np.ones((1, 2), np.float32))
    y = block(x)
    assert block.inputs[0]() is x and block.outputs[0]() is y
    assert isinstance(block.outputs[0], weakref.ref)


def test_to_cpu_is_a_no_op_and_to_gpu_raises():
    block = Block()
    assert block.to_cpu() is block
    with pytest.raises(RuntimeError, match="to_gpu"):
        block.to_gpu()


def test_save_and_load_weights_round_trip(tmp_path):
    block = Block()
    path = tmp_path / "block.npz"
    block.save_weights(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["fc/W", "fc/b", "offset", "scale"]
    other = Block()
    other.load_weights(path)
    for a, b in zip(block.params(), other.params()):
        np.testing.assert_array_equal(a.data, b.data)
        assert a.dtype == b.dtype
    assert os.listdir(tmp_path) == ["block.npz"]  # the temporary file is gone


def test_save_weights_appends_npz_as_numpy_does(tmp_path):
    Block().save_weights(str(tmp_path / "weights"))
    assert os.listdir(tmp_path) == ["weights.npz"]


def test_load_weights_fills_a_lazy_layer(tmp_path):
    trained = L.Linear(3, in_size=2)
    trained.save_weights(tmp_path / "w.npz")
    lazy = L.Linear(3)
    lazy.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(lazy.W.data, trained.W.data)


def test_load_weights_refuses_an_object_array_file(tmp_path):
    path = tmp_path / "evil.npz"
    block = Block()
    arrays = {key: p.data for key, p in block._named_params()}
    np.savez(path, **{**arrays, "fc/W": np.array([None, 1], dtype=object)})
    before = block.fc.W.data.copy()
    with pytest.raises(ValueError, match="object array"):
        block.load_weights(path)
    np.testing.assert_array_equal(block.fc.W.data, before)


def test_load_weights_names_a_missing_array_and_changes_nothing(tmp_path):
    path = tmp_path / "part.npz"
    np.savez(path, scale=np.array([5.0], np.float32))
    block = Block()
    with pytest.raises(KeyError, match="fc/W"):
        block.load_weights(path)
    assert block.scale.data[0] == 2.0


def test_load_weights_rejects_a_shape_mismatch(tmp_path):
    L.Linear(4, in_size=2).save_weights(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="shape"):
        L.Linear(3, in_size=2).load_weights(tmp_path / "w.npz")


# ----------------------------------------------------------------------------------------------
# Conv2d / Deconv2d
# ----------------------------------------------------------------------------------------------
def test_conv2d_draws_w_at_first_forward_as_dezero():
    layer = L.Conv2d(4, kernel_size=3, stride=1, pad=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32)
    np.random.seed(11)
    y = layer(x)
    np.testing.assert_array_equal(layer.W.data, dezero_randn(11, (4, 3, 3, 3), 3 * 3 * 3))
    assert y.shape == (2, 4, 6, 5) and y.dtype == np.float32
    assert layer.b.dtype == np.float32
    np.testing.assert_allclose(y.data, conv2d(x, layer.W.data, layer.b.data, 1, 1).data)


def test_conv2d_output_shapes_for_stride_and_rectangular_kernels():
    x = np.zeros((1, 2, 9, 7), np.float32)
    assert L.Conv2d(5, (3, 2), stride=2, pad=1)(x).shape == (1, 5, 5, 4)
    assert L.Conv2d(5, 1, nobias=True, in_channels=2)(x).shape == (1, 5, 9, 7)


def test_deconv2d_has_transposed_weight_and_upsamples():
    np.random.seed(2)
    layer = L.Deconv2d(4, kernel_size=4, stride=2, pad=1, in_channels=3)
    np.testing.assert_array_equal(layer.W.data, dezero_randn(2, (3, 4, 4, 4), 3 * 4 * 4))
    assert layer(np.zeros((2, 3, 5, 6), np.float32)).shape == (2, 4, 10, 12)


# ----------------------------------------------------------------------------------------------
# RNN / LSTM
# ----------------------------------------------------------------------------------------------
def test_rnn_shapes_state_and_reset():
    rnn = L.RNN(4)
    x = np.ones((2, 3), np.float32)
    h1 = rnn(x)
    assert h1.shape == (2, 4) and rnn.h is h1
    assert rnn.h2h.W.data is None  # used from the second step on
    h2 = rnn(x)
    assert rnn.h2h.W.shape == (4, 4)
    assert not np.allclose(h1.data, h2.data)
    rnn.reset_state()
    np.testing.assert_allclose(rnn(x).data, h1.data)


def test_rnn_with_in_size_different_from_hidden_size():
    rnn = L.RNN(4, in_size=3)
    assert rnn.x2h.W.shape == (3, 4) and rnn.h2h.W.shape == (4, 4)
    rnn(np.ones((1, 3), np.float32))
    assert rnn(np.ones((1, 3), np.float32)).shape == (1, 4)


def test_rnn_gradients_through_two_steps():
    rnn = as_float64(L.RNN(3, in_size=2))
    rng = np.random.default_rng(0)
    xs = [Variable(rng.standard_normal((2, 2))) for _ in range(2)]

    def two_steps(x1, x2, *params):
        rnn.reset_state()
        rnn(x1)
        return rnn(x2)

    gradcheck(two_steps, (*xs, *rnn.params()))


def test_lstm_parameter_names_and_shapes():
    lstm = L.LSTM(3, in_size=2)
    names = {}
    lstm._flatten_params(names)
    assert list(names) == [
        "x2f/W", "x2f/b", "x2i/W", "x2i/b", "x2o/W", "x2o/b", "x2u/W", "x2u/b",
        "h2f/W", "h2i/W", "h2o/W", "h2u/W",
    ]  # fmt: skip
    assert names["x2f/W"].shape == (2, 3) and names["h2u/W"].shape == (3, 3)
    h = lstm(np.ones((4, 2), np.float32))
    assert h.shape == (4, 3) and lstm.c.shape == (4, 3)
    lstm.reset_state()
    assert lstm.h is None and lstm.c is None


def test_lstm_gradients_through_two_steps():
    lstm = as_float64(L.LSTM(3, in_size=2))
    rng = np.random.default_rng(1)
    xs = [Variable(rng.standard_normal((2, 2))) for _ in range(2)]

    def two_steps(x1, x2, *params):
        lstm.reset_state()
        lstm(x1)
        return lstm(x2)

    gradcheck(two_steps, (*xs, *lstm.params()))


# ----------------------------------------------------------------------------------------------
# EmbedID / BatchNorm
# ----------------------------------------------------------------------------------------------
def test_embed_id_draws_float64_randn_and_looks_up_rows():
    np.random.seed(4)
    emb = L.EmbedID(6, 3)
    np.random.seed(4)
    np.testing.assert_array_equal(emb.W.data, np.random.randn(6, 3))
    ids = np.array([[1, 3], [1, 0]])
    np.testing.assert_array_equal(emb(ids).data, emb.W.data[ids])


def test_embed_id_accumulates_gradient_of_repeated_ids():
    emb = L.EmbedID(5, 2)
    y = emb(np.array([1, 3, 1, 1]))
    weight = np.arange(8.0).reshape(4, 2)
    (y * Variable(weight)).sum().backward()
    expected = np.zeros((5, 2))
    expected[1] = weight[0] + weight[2] + weight[3]
    expected[3] = weight[1]
    np.testing.assert_allclose(emb.W.grad.data, expected)


def test_batch_norm_training_normalises_and_updates_running_averages():
    bn = L.BatchNorm()
    x = np.random.default_rng(0).standard_normal((8, 3)) * 3 + 5
    y = bn(x)
    assert [p.name for p in bn.params()] == ["avg_mean", "avg_var", "gamma", "beta"]
    np.testing.assert_allclose(y.data.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.data.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 2e-5))
    np.testing.assert_allclose(bn.avg_mean.data, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.avg_var.data, 0.9 + 0.1 * x.var(axis=0, ddof=1))


def test_batch_norm_test_mode_uses_running_averages_and_keeps_them():
    bn = L.BatchNorm()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    for _ in range(3):
        bn(x)
    mean, var = bn.avg_mean.data.copy(), bn.avg_var.data.copy()
    assert mean.dtype == np.float32 and mean.shape == (2,)
    with dezero.test_mode():
        y = bn(x)
    expected = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 2e-5)
    np.testing.assert_allclose(y.data, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.avg_mean.data, mean)
    np.testing.assert_array_equal(bn.avg_var.data, var)


def test_batch_norm_gradients_in_training():
    bn = L.BatchNorm()
    x = Variable(np.random.default_rng(2).standard_normal((5, 3)))
    bn(x)  # create the parameters
    gradcheck(lambda a, g, b: bn(a), (x, bn.gamma, bn.beta))
