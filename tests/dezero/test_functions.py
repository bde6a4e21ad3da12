"""badak/dezero/functions.py: each function against its NumPy formula, numerical gradients,
gradients of gradients, and DeZero's own rules (ties, indexing, dtypes, Config.train)."""

import numpy as np
import pytest

import badak.dezero as dezero
import badak.dezero.functions as F
from badak.dezero import Variable
from badak.gradcheck import gradcheck, gradgradcheck


def var(*shape, seed=0):
    """A float64 Variable of standard normal values (no ties, nothing at 0)."""
    return Variable(np.random.default_rng(seed).standard_normal(shape))


def np_softmax(x, axis=1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


T = np.array([0, 2, 1])  # class indices for a (3, 4) input
# name: (function of the Variable, the same formula in NumPy, input shape)
UNARY = {
    "sin": (F.sin, np.sin, (3, 4)),
    "cos": (F.cos, np.cos, (3, 4)),
    "tanh": (F.tanh, np.tanh, (3, 4)),
    "exp": (F.exp, np.exp, (3, 4)),
    "log": (lambda x: F.log(F.exp(x)), lambda x: x, (3, 4)),
    "reshape": (lambda x: F.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), (3, 4)),
    "transpose": (F.transpose, np.transpose, (2, 3, 4)),
    "transpose_axes": (
        lambda x: F.transpose(x, (1, -1, 0)),
        lambda x: x.transpose(1, 2, 0),
        (2, 3, 4),
    ),
    "get_item": (lambda x: F.get_item(x, 1), lambda x: x[1], (3, 4)),
    "get_item_repeat": (lambda x: F.get_item(x, [0, 0, 2]), lambda x: x[[0, 0, 2]], (3, 4)),
    "get_item_numpy_rule": (
        lambda x: F.get_item(x, (0, slice(None), [0, 1])),
        lambda x: x[0, :, [0, 1]],
        (2, 3, 4),
    ),
    "expand_dims": (lambda x: F.expand_dims(x, 1), lambda x: x[:, None], (3, 4)),
    "flatten": (F.flatten, lambda x: x.reshape(2, -1), (2, 3, 4)),
    "sum": (F.sum, np.sum, (3, 4)),
    "sum_axis": (lambda x: F.sum(x, axis=(0, 2)), lambda x: x.sum(axis=(0, 2)), (2, 3, 4)),
    "sum_keepdims": (lambda x: F.sum(x, 1, True), lambda x: x.sum(1, keepdims=True), (3, 4)),
    "sum_to": (lambda x: F.sum_to(x, (1, 4)), lambda x: x.sum(0, keepdims=True), (3, 4)),
    "broadcast_to": (
        lambda x: F.broadcast_to(x, (2, 3, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        (3, 1),
    ),
    "average": (F.average, np.mean, (3, 4)),
    "mean_axis": (lambda x: F.mean(x, axis=0), lambda x: x.mean(axis=0), (3, 4)),
    "sigmoid": (F.sigmoid, np_sigmoid, (3, 4)),
    "sigmoid_simple": (F.sigmoid_simple, np_sigmoid, (3, 4)),
    "relu": (F.relu, lambda x: np.maximum(x, 0), (3, 4)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), (3, 4)),
    "softmax": (F.softmax, np_softmax, (3, 4)),
    "softmax_axis0": (lambda x: F.softmax(x, 0), lambda x: np_softmax(x, 0), (3, 4)),
    "softmax_simple": (F.softmax_simple, np_softmax, (3, 4)),
    "log_softmax": (F.log_softmax, lambda x: np.log(np_softmax(x)), (3, 4)),
    "max": (F.max, np.max, (3, 4)),
    "max_axis": (lambda x: F.max(x, axis=1), lambda x: x.max(axis=1), (3, 4)),
    "min_keepdims": (lambda x: F.min(x, 0, True), lambda x: x.min(0, keepdims=True), (3, 4)),
    "clip": (lambda x: F.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), (3, 4)),
    "softmax_cross_entropy": (
        lambda x: F.softmax_cross_entropy(x, T),
        lambda x: -np.log(np_softmax(x))[np.arange(3), T].mean(),
        (3, 4),
    ),
    "softmax_cross_entropy_simple": (
        lambda x: F.softmax_cross_entropy_simple(x, T),
        lambda x: -np.log(np_softmax(x))[np.arange(3), T].mean(),
        (3, 4),
    ),
    "sigmoid_cross_entropy": (
        lambda x: F.sigmoid_cross_entropy(x, np.array([1, 0, 1])),
        lambda x: (
            -np.mean(
                [1, 0, 1] * np.log(np_sigmoid(x[:, 0]))
                + [0, 1, 0] * np.log(1 - np_sigmoid(x[:, 0]))
            )
        ),
        (3, 1),
    ),
    "binary_cross_entropy": (
        lambda x: F.binary_cross_entropy(F.sigmoid(x), np.array([[1], [0], [1]])),
        lambda x: (
            -np.mean(
                [1, 0, 1] * np.log(np_sigmoid(x[:, 0]))
                + [0, 1, 0] * np.log(1 - np_sigmoid(x[:, 0]))
            )
        ),
        (3, 1),
    ),
}
NOT_TWICE_DIFFERENTIABLE = {"relu", "leaky_relu", "max", "max_axis", "min_keepdims", "clip"}


@pytest.mark.parametrize("name", UNARY)
def test_function_matches_numpy_formula(name):
    ours, formula, shape = UNARY[name]
    x = var(*shape)
    y = ours(x)
    assert type(y) is Variable
    np.testing.assert_allclose(y.data, formula(x.data.copy()), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", UNARY)
def test_function_gradient_matches_finite_differences(name):
    assert gradcheck(UNARY[name][0], var(*UNARY[name][2]))


@pytest.mark.parametrize("name", sorted(set(UNARY) - NOT_TWICE_DIFFERENTIABLE))
def test_function_second_gradient_matches_finite_differences(name):
    assert gradgradcheck(UNARY[name][0], var(*UNARY[name][2]))


BINARY = {
    "matmul": (F.matmul, np.matmul, (3, 4), (4, 5)),
    "linear_no_bias": (F.linear, np.matmul, (3, 4), (4, 5)),
    "mean_squared_error": (
        F.mean_squared_error,
        lambda a, b: ((a - b) ** 2).sum() / 3,
        (3, 2),
        (3, 2),
    ),
    "mean_squared_error_simple": (
        F.mean_squared_error_simple,
        lambda a, b: ((a - b) ** 2).sum() / 3,
        (3, 2),
        (3, 2),
    ),
    "embed_id": (
        lambda W, _: F.embed_id(np.array([[0, 2], [2, 2]]), W),
        lambda W, _: W[[[0, 2], [2, 2]]],
        (3, 4),
        (1,),
    ),
    "add": (F.add, np.add, (3, 4), (4,)),
    "sub": (F.sub, np.subtract, (3, 4), (3, 1)),
    "rsub": (F.rsub, lambda a, b: b - a, (3, 4), (4,)),
    "mul": (F.mul, np.multiply, (3, 4), (3, 4)),
    "div": (F.div, np.divide, (3, 4), (3, 4)),
    "rdiv": (F.rdiv, lambda a, b: b / a, (3, 4), (3, 4)),
}


@pytest.mark.parametrize("name", BINARY)
def test_binary_function_matches_numpy_and_finite_differences(name):
    ours, formula, shape_a, shape_b = BINARY[name]
    a, b = var(*shape_a), var(*shape_b, seed=1)
    np.testing.assert_allclose(ours(a, b).data, formula(a.data, b.data), rtol=1e-12)
    assert gradcheck(ours, (a, b))
    assert gradgradcheck(ours, (a, b))


def test_linear_matches_formula_and_gradients():
    x, W, b = var(3, 4), var(4, 5, seed=1), var(5, seed=2)
    for linear in (F.linear, F.linear_simple):
        np.testing.assert_allclose(linear(x, W, b).data, x.data @ W.data + b.data, rtol=1e-12)
        assert gradcheck(linear, (x, W, b))
        assert gradgradcheck(linear, (x, W, b))


def test_small_products_are_summed_in_a_fixed_order_and_large_ones_match_blas():
    a, b = np.random.default_rng(0).standard_normal((2, 4, 10))
    b = b.T.astype(np.float32)
    # two interleaved partial sums over k, each accumulated in order, added at the end
    even = sum(a[:, k, None] * b[k] for k in range(0, 10, 2))
    odd = sum(a[:, k, None] * b[k] for k in range(1, 10, 2))
    assert np.array_equal(F.matmul(a, b).data, even + odd)
    assert np.array_equal(F.linear(a, b).data, even + odd)
    big_a, big_b = np.ones((300, 300)), np.ones((300, 300))
    np.testing.assert_allclose(F.matmul(big_a, big_b).data, big_a @ big_b)
    np.testing.assert_allclose(F.matmul(np.ones((2, 3, 4)), np.ones((4, 5))).data, 4.0)


def test_functions_accept_arrays_and_numbers_and_return_variables():
    assert type(F.sin(1.0)) is Variable and F.sin(1.0).data == np.sin(1.0)
    assert type(F.sum(np.arange(3.0))) is Variable
    assert type(F.exp(np.float64(0.5))) is Variable
    assert F.reshape(np.arange(6), (2, 3)).shape == (2, 3)


def test_float32_stays_float32_as_numpy_promotes():
    x = Variable(np.ones((2, 3), np.float32))
    W = Variable(np.ones((3, 2), np.float32))
    t = np.array([0, 1])
    ys = [x * 2.5, F.sigmoid(x), F.softmax(x), F.linear(x, W), F.dropout(x), F.mean(x)]
    ys += [F.clip(x, np.float64(0.1), 0.9), F.softmax_cross_entropy(x, t)]
    assert [y.dtype for y in ys] == [np.float32] * len(ys)
    assert F.linear(Variable(np.ones((2, 3))), W).dtype == np.float64  # float64 data wins


def test_max_gives_every_tied_maximum_the_full_gradient():
    x = Variable(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    F.max(x).backward()
    assert np.array_equal(x.grad.data, [[0, 1, 1], [0, 0, 0]])
    x.cleargrad()
    F.min(x, axis=1).backward()
    assert np.array_equal(x.grad.data, [[1, 0, 0], [0, 1, 0]])
    x.cleargrad()
    F.max(x, axis=1, keepdims=True).backward()
    assert np.array_equal(x.grad.data, [[0, 1, 1], [1, 0, 1]])


def test_get_item_on_an_integer_variable_gives_integer_gradients():
    x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
    y = F.get_item(x, np.array([0, 0, 1]))
    y.backward()
    assert x.grad.dtype == x.dtype
    assert np.array_equal(x.grad.data, [[2, 2, 2], [1, 1, 1]])


def test_softmax_cross_entropy_takes_column_targets_and_matches_the_simple_one():
    x = var(5, 3)
    t = np.array([[0], [2], [1], [1], [0]])
    full, simple = F.softmax_cross_entropy(x, t), F.softmax_cross_entropy_simple(x, t.ravel())
    np.testing.assert_allclose(full.data, simple.data, rtol=1e-12)


def test_accuracy_counts_rows_whose_argmax_is_the_target():
    y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    acc = F.accuracy(y, np.array([1, 0, 0, 1]))
    assert type(acc) is Variable and float(acc.data) == 0.5


def test_dropout_draws_its_mask_from_numpys_global_rng_and_is_identity_in_test_mode():
    x = Variable(np.ones((4, 5)))
    np.random.seed(3)  # noqa: NPY002  (DeZero's dropout uses the global RNG)
    y = F.dropout(x, 0.4)
    np.random.seed(3)  # noqa: NPY002
    mask = np.random.rand(4, 5) > 0.4  # noqa: NPY002
    np.testing.assert_allclose(y.data, mask / 0.6)
    y.backward()
    np.testing.assert_allclose(x.grad.data, mask / 0.6)
    with dezero.test_mode():
        assert F.dropout(x, 0.4) is x


def test_batch_norm_normalises_and_updates_the_running_statistics_in_place():
    x = var(6, 3)
    gamma, beta = var(3, seed=1), var(3, seed=2)
    mean, var_ = np.zeros(3), np.ones(3)
    y = F.batch_norm(x, gamma, beta, mean, var_)
    xc = (x.data - x.data.mean(0)) / np.sqrt(x.data.var(0) + 2e-5)
    np.testing.assert_allclose(y.data, gamma.data * xc + beta.data, rtol=1e-12)
    np.testing.assert_allclose(mean, 0.1 * x.data.mean(0), rtol=1e-12)
    np.testing.assert_allclose(var_, 0.9 + 0.1 * x.data.var(0) * 6 / 5, rtol=1e-12)
    with dezero.test_mode():
        y = F.batch_nrom(x, gamma, beta, mean, var_)
    expected = gamma.data * (x.data - mean) / np.sqrt(var_ + 2e-5) + beta.data
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)
    assert F.batch_nrom is F.batch_norm


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_gradients_match_finite_differences(shape, train):
    x, gamma, beta = var(*shape), var(3, seed=1), var(3, seed=2)

    def f(x, gamma, beta):
        return F.batch_norm(x, gamma, beta, np.full(3, 0.1), np.full(3, 2.0))

    if train:
        assert gradcheck(f, (x, gamma, beta))
        assert gradgradcheck(f, (x, gamma, beta))
    else:
        with dezero.test_mode():
            assert gradcheck(f, (x, gamma, beta))


def test_clip_passes_the_gradient_inside_and_at_its_bounds():
    x = Variable(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]))
    F.clip(x, -1.0, 1.0).backward()
    assert np.array_equal(x.grad.data, [0, 1, 1, 1, 0])


def test_newtons_method_with_second_derivatives_converges_to_the_minimum():
    x = Variable(np.array(2.0))
    for _ in range(10):
        y = x**4 - 2 * x**2
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        x.data = x.data - gx.data / x.grad.data
    assert abs(float(x.data) - 1.0) < 1e-12


@pytest.mark.parametrize(
    "f, derivatives",
    [
        (F.sin, [np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)]),
        (
            F.tanh,
            [lambda x: 1 - np.tanh(x) ** 2, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)],
        ),
    ],
)
def test_higher_derivatives_by_repeated_backward(f, derivatives):
    x = Variable(np.linspace(-3, 3, 7))
    y = f(x)
    for derivative in derivatives:
        x.cleargrad()
        y.backward(create_graph=True)
        y = x.grad
        np.testing.assert_allclose(y.data, derivative(x.data), rtol=1e-12, atol=1e-14)


def test_conv_functions_are_reexported_and_unknown_names_raise():
    from badak.dezero import functions_conv

    assert F.conv2d is functions_conv.conv2d
    assert "pooling" in dir(F)
    with pytest.raises(AttributeError, match="no_such_function"):
        F.no_such_function  # noqa: B018


def test_transpose_rejects_axes_that_are_not_a_permutation():
    with pytest.raises(ValueError, match="transpose"):
        F.transpose(var(2, 3), (0, 0))


def test_a_star_import_gives_every_function_the_lazy_ones_too():
    names = {}
    exec("from badak.dezero.functions import *", names)
    assert {"conv2d", "pooling", "softmax_cross_entropy", "dropout", "sigmoid"} <= set(names)
    assert "np" not in names
