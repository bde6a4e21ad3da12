"""badak.layers: the book-1 layers on plain arrays, each backward against central differences.

Every layer's output is weighted by a fixed random array before summing (`_weighted`), so a
backward that returned zeros, or ignored dout, would fail.
"""

import numpy as np
import pytest

from badak.layers import (
    Affine,
    BatchNormalization,
    Dropout,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    SoftmaxWithloss,
    cross_entropy_error,
    numerical_gradient,
    relu,
    sigmoid,
    softmax,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _weighted(forward, weights):
    """x -> sum(weights * forward(x)): a scalar whose gradient wrt forward(x) is `weights`."""
    return lambda x: float(np.sum(weights * forward(x)))


def test_numerical_gradient_of_a_quadratic_and_x_restored(rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_allclose(grad, 2 * before, atol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_rejects_integer_x():
    with pytest.raises(TypeError, match="numerical_gradient"):
        numerical_gradient(lambda v: v.sum(), np.array([1, 2]))


def test_affine_backward_matches_numerical_gradient(rng):
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout)
    f = _weighted(lambda _: Affine(W, b).forward(x), dout)
    np.testing.assert_allclose(dx, numerical_gradient(f, x), atol=1e-7)
    np.testing.assert_allclose(layer.dW, numerical_gradient(f, W), atol=1e-7)
    np.testing.assert_allclose(layer.db, numerical_gradient(f, b), atol=1e-7)


def test_affine_flattens_4d_input_and_restores_dx_shape(rng):
    x = rng.standard_normal((2, 3, 2, 2))
    W, b = rng.standard_normal((12, 5)), rng.standard_normal(5)
    layer = Affine(W, b)
    out = layer.forward(x)
    assert out.shape == (2, 5)
    np.testing.assert_allclose(out, x.reshape(2, 12) @ W + b)
    dout = rng.standard_normal((2, 5))
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    f = _weighted(lambda _: Affine(W, b).forward(x), dout)
    np.testing.assert_allclose(dx, numerical_gradient(f, x), atol=1e-7)
    np.testing.assert_allclose(layer.dW, numerical_gradient(f, W), atol=1e-7)


def test_affine_takes_one_sample(rng):
    W, b, x = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(4)
    layer = Affine(W, b)
    np.testing.assert_allclose(layer.forward(x), x @ W + b)
    dout = rng.standard_normal(3)
    assert layer.backward(dout).shape == (4,)
    np.testing.assert_allclose(layer.dW, np.outer(x, dout))


def test_relu_backward_matches_numerical_gradient_and_leaves_dout_alone(rng):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep central differences away from the kink
    dout = rng.standard_normal((4, 5))
    dout_before = dout.copy()
    layer = Relu()
    out = layer.forward(x)
    np.testing.assert_array_equal(out, relu(x))
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before)
    assert not np.shares_memory(dx, dout)
    np.testing.assert_allclose(dx, numerical_gradient(_weighted(relu, dout), x), atol=1e-8)


def test_relu_forward_leaves_x_alone_and_zeroes_at_zero():
    x = np.array([-1.0, 0.0, 2.0])
    layer = Relu()
    np.testing.assert_array_equal(layer.forward(x), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(x, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [0.0, 0.0, 1.0])


def test_sigmoid_backward_matches_numerical_gradient(rng):
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    layer = Sigmoid()
    np.testing.assert_allclose(layer.forward(x), 1 / (1 + np.exp(-x)))
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, numerical_gradient(_weighted(sigmoid, dout), x), atol=1e-8)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])


def test_softmax_rows_sum_to_one_and_large_scores_are_finite():
    x = np.array([[1000.0, 1001.0, 1002.0], [1.0, 2.0, 3.0]])
    y = softmax(x)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[0], y[1])
    expected = [0.09003057, 0.24472847, 0.66524096]
    np.testing.assert_allclose(softmax(np.array([1.0, 2.0, 3.0])), expected, rtol=1e-7)


def test_cross_entropy_error_adds_1e7_inside_the_log():
    y = np.array([[0.0, 1.0], [0.5, 0.5]])
    expected = -(np.log(0.0 + 1e-7) + np.log(0.5 + 1e-7)) / 2
    assert cross_entropy_error(y, np.array([0, 1])) == pytest.approx(expected, rel=1e-15)
    assert cross_entropy_error(y, np.array([[1, 0], [0, 1]])) == pytest.approx(expected)
    assert np.isfinite(cross_entropy_error(y, np.array([0, 0])))


def test_cross_entropy_error_reshapes_one_sample():
    y = np.array([0.1, 0.7, 0.2])
    expected = -np.log(0.7 + 1e-7)
    assert cross_entropy_error(y, np.array([0, 1, 0])) == pytest.approx(expected)
    assert cross_entropy_error(y, 1) == pytest.approx(expected)


def test_cross_entropy_error_rejects_bad_labels():
    y = softmax(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"t\[1\] = 3"):
        cross_entropy_error(y, np.array([0, 3]))
    with pytest.raises(TypeError, match="cross_entropy_error"):
        cross_entropy_error(y, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="cross_entropy_error"):
        cross_entropy_error(y, np.array([0, 1, 2]))


def _loss_and_dx(x, t, dout=1):
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    return loss, layer.backward(dout)


def test_softmax_with_loss_index_labels_equal_one_hot_labels(rng):
    x = rng.standard_normal((6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])
    loss_index, dx_index = _loss_and_dx(x, t)
    loss_onehot, dx_onehot = _loss_and_dx(x, np.eye(4, dtype=int)[t])
    assert loss_index == pytest.approx(loss_onehot, rel=1e-14)
    np.testing.assert_allclose(dx_index, dx_onehot, rtol=1e-14, atol=1e-17)


def test_softmax_with_loss_backward_matches_numerical_gradient(rng):
    x = rng.standard_normal((5, 3))
    for t in (np.array([2, 0, 1, 1, 0]), np.eye(3)[[2, 0, 1, 1, 0]]):
        _, dx = _loss_and_dx(x, t)
        numeric = numerical_gradient(lambda v, t=t: SoftmaxWithLoss().forward(v, t), x)
        np.testing.assert_allclose(dx, numeric, atol=1e-6)
    # the class probabilities of a soft label: forward and backward still agree
    t = softmax(rng.standard_normal((5, 3)))
    _, dx = _loss_and_dx(x, t)
    numeric = numerical_gradient(lambda v: SoftmaxWithLoss().forward(v, t), x)
    np.testing.assert_allclose(dx, numeric, atol=1e-6)


def test_softmax_with_loss_scales_by_dout_and_takes_one_sample(rng):
    x = rng.standard_normal((3, 4))
    t = np.array([1, 0, 3])
    np.testing.assert_allclose(_loss_and_dx(x, t, 2.5)[1], 2.5 * _loss_and_dx(x, t)[1])
    loss, dx = _loss_and_dx(x[0], 1)
    assert dx.shape == (4,)
    assert loss == pytest.approx(_loss_and_dx(x[:1], np.array([1]))[0])
    np.testing.assert_allclose(dx, softmax(x[0]) - np.eye(4)[1])


def test_dropout_rejects_a_ratio_outside_0_1():
    for ratio in (-0.1, 1.0, True):
        with pytest.raises(ValueError, match="Dropout"):
            Dropout(ratio)


def test_seed_spelling_is_an_alias():
    assert SoftmaxWithloss is SoftmaxWithLoss


def test_dropout_train_masks_and_test_scales(rng):
    x = rng.standard_normal((200, 50))
    layer = Dropout(0.3, rng=np.random.default_rng(1))
    out = layer.forward(x, train_flg=True)
    np.testing.assert_array_equal(out, x * layer.mask)
    assert 0.6 < layer.mask.mean() < 0.8
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.7)


def test_dropout_without_rng_uses_numpys_global_generator_as_the_book():
    x = np.ones((4, 5))
    saved = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002 - the book's global generator is what is tested
        expected = np.random.rand(4, 5) > 0.5  # noqa: NPY002
        np.random.seed(3)  # noqa: NPY002
        out = Dropout().forward(x)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    np.testing.assert_array_equal(out, x * expected)


def test_batchnorm_train_normalises_and_backward_matches_numerical_gradient(rng):
    x = rng.standard_normal((8, 3)) * 4 + 2
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    layer = BatchNormalization(gamma, beta)
    out = layer.forward(x, train_flg=True)
    xn = (out - beta) / gamma
    np.testing.assert_allclose(xn.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(xn.std(axis=0), 1.0, atol=1e-6)
    dout = rng.standard_normal(x.shape)
    dx = layer.backward(dout)
    f = _weighted(lambda _: BatchNormalization(gamma, beta).forward(x, train_flg=True), dout)
    np.testing.assert_allclose(dx, numerical_gradient(f, x), atol=1e-6)
    np.testing.assert_allclose(layer.dgamma, numerical_gradient(f, gamma), atol=1e-6)
    np.testing.assert_allclose(layer.dbeta, numerical_gradient(f, beta), atol=1e-6)


def test_batchnorm_running_statistics_and_test_mode(rng):
    x = rng.standard_normal((10, 2, 2, 2)) + 3
    gamma, beta = np.ones(8), np.zeros(8)
    layer = BatchNormalization(gamma, beta, momentum=0.9)
    out = layer.forward(x, train_flg=True)
    assert out.shape == x.shape
    flat = x.reshape(10, -1)
    np.testing.assert_allclose(layer.running_mean, 0.1 * flat.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, 0.1 * flat.var(axis=0))
    test_out = layer.forward(x, train_flg=False)
    expected = (flat - layer.running_mean) / np.sqrt(layer.running_var + 1e-6)
    np.testing.assert_allclose(test_out.reshape(10, -1), expected)
    assert layer.backward(rng.standard_normal(x.shape)).shape == x.shape


def test_layers_keep_float32():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    W, b = np.ones((4, 2), np.float32), np.zeros(2, np.float32)
    assert Affine(W, b).forward(x).dtype == np.float32
    assert Sigmoid().forward(x).dtype == np.float32
    assert softmax(x).dtype == np.float32
    layer = SoftmaxWithLoss()
    layer.forward(x, np.array([0, 1, 2]))
    assert layer.backward().dtype == np.float32
    bn = BatchNormalization(np.ones(4, np.float32), np.zeros(4, np.float32))
    assert bn.forward(x).dtype == np.float32
    assert bn.running_mean.dtype == np.float32
