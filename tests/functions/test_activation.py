"""badak/functions/activation.py: gradients to second order, stability properties, tie rules."""

import warnings

import numpy as np
import pytest
import torch

import badak
from badak import functions as F
from badak.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, seed=0, scale=1.0):
    data = scale * np.random.default_rng(seed).standard_normal(shape)
    return badak.Tensor(data, requires_grad=True)


def away_from_zero(*shape, seed=0):
    """Values with |x| in [0.2, 2): no kink of relu/leaky_relu within a finite-difference step."""
    rng = np.random.default_rng(seed)
    data = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)
    return badak.Tensor(data, requires_grad=True)


ACTIVATIONS = [
    ("sigmoid", F.sigmoid, lambda: leaf(3, 4, scale=3.0)),
    ("tanh", F.tanh, lambda: leaf(3, 4)),
    ("relu", F.relu, lambda: away_from_zero(3, 4)),
    ("leaky_relu", F.leaky_relu, lambda: away_from_zero(3, 4)),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda: away_from_zero(3, 4)),
    ("softmax_0", lambda x: F.softmax(x, 0), lambda: leaf(3, 4)),
    ("softmax_1", lambda x: F.softmax(x, 1), lambda: leaf(3, 4)),
    ("softmax_-1", lambda x: F.softmax(x, -1), lambda: leaf(2, 3, 4)),
    ("softmax_middle", lambda x: F.softmax(x, 1), lambda: leaf(2, 3, 4)),
    ("softmax_1d", F.softmax, lambda: leaf(5)),
    ("log_softmax_0", lambda x: F.log_softmax(x, 0), lambda: leaf(3, 4)),
    ("log_softmax_1", lambda x: F.log_softmax(x, 1), lambda: leaf(3, 4)),
    ("log_softmax_-1", lambda x: F.log_softmax(x, -1), lambda: leaf(2, 3, 4)),
    ("logsumexp_all", F.logsumexp, lambda: leaf(2, 3, 4)),
    ("logsumexp_1", lambda x: F.logsumexp(x, 1), lambda: leaf(2, 3, 4)),
    ("logsumexp_-1_keepdim", lambda x: F.logsumexp(x, -1, keepdim=True), lambda: leaf(2, 3, 4)),
    ("logsumexp_tuple", lambda x: F.logsumexp(x, (0, 2)), lambda: leaf(2, 3, 4)),
    ("logsumexp_tuple_keepdim", lambda x: F.logsumexp(x, (0, -1), True), lambda: leaf(2, 3, 4)),
    ("logsumexp_all_keepdim", lambda x: F.logsumexp(x, keepdim=True), lambda: leaf(2, 3, 4)),
]


@pytest.mark.parametrize("fn, make", [pytest.param(f, m, id=n) for n, f, m in ACTIVATIONS])
def test_activation_gradient_matches_finite_differences(fn, make):
    assert gradcheck(fn, make())


SECOND_ORDER = [a for a in ACTIVATIONS if not a[0].startswith(("relu", "leaky"))]


@pytest.mark.parametrize("fn, make", [pytest.param(f, m, id=n) for n, f, m in SECOND_ORDER])
def test_activation_second_derivative(fn, make):
    assert gradgradcheck(fn, make())


TORCH_TWINS = [
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
    ("softmax", lambda x: F.softmax(x, 1), lambda x: torch.softmax(x, 1)),
    ("log_softmax", lambda x: F.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0)),
    ("logsumexp", lambda x: F.logsumexp(x, (0, 2)), lambda x: torch.logsumexp(x, (0, 2))),
    ("logsumexp_keepdim", lambda x: F.logsumexp(x, 1, True), lambda x: torch.logsumexp(x, 1, True)),
]


@pytest.mark.parametrize("ours, theirs", [pytest.param(o, t, id=n) for n, o, t in TORCH_TWINS])
def test_activation_matches_pytorch(ours, theirs):
    data = np.random.default_rng(1).standard_normal((2, 3, 4)) * 3
    np.testing.assert_allclose(
        ours(badak.Tensor(data)).data, theirs(torch.from_numpy(data)).numpy(), rtol=1e-12
    )


# --- tie rules at kinks, compared with PyTorch ------------------------------------------------
KINKED = [
    ("relu", F.relu, torch.relu),
    ("leaky_relu", F.leaky_relu, torch.nn.functional.leaky_relu),
    (
        "leaky_relu_0.2",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: torch.nn.functional.leaky_relu(x, 0.2),
    ),
]


@pytest.mark.parametrize("ours, theirs", [pytest.param(o, t, id=n) for n, o, t in KINKED])
def test_gradient_at_zero_follows_pytorch(ours, theirs):
    data = np.array([-1.0, 0.0, 2.0])
    x = badak.Tensor(data.copy(), requires_grad=True)
    ours(x).sum().backward()
    t = torch.tensor(data, requires_grad=True)
    theirs(t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_relu_gradient_at_zero_is_zero():
    x = badak.Tensor(np.array([0.0, 0.0]), requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


# --- properties -------------------------------------------------------------------------------
def test_softmax_rows_sum_to_one():
    x = leaf(5, 7, scale=10.0)
    np.testing.assert_allclose(F.softmax(x, -1).numpy().sum(axis=-1), np.ones(5), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(x, 0).numpy().sum(axis=0), np.ones(7), rtol=1e-12)


def test_softmax_of_large_logits_has_no_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            x = badak.Tensor(np.array([[1e4, 0.0, -1e4], [1e30, 1e30, -1e30]], dtype=dtype))
            out = F.softmax(x).numpy()
            assert not np.isnan(out).any()
            np.testing.assert_allclose(out, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])


def test_log_softmax_is_finite_for_logits_of_1e4():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = badak.Tensor(np.array([[1e4, 0.0, -1e4]]), requires_grad=True)
        out = F.log_softmax(x)
        out.backward(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(out.numpy(), [[0.0, -1e4, -2e4]])
    assert np.isfinite(x.grad.numpy()).all()


def test_sigmoid_does_not_overflow_for_minus_1000():
    x = badak.Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.sigmoid(x)
        out.sum().backward()
    np.testing.assert_array_equal(out.numpy()[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert 0 < out.numpy()[1] < 1e-20
    assert np.isfinite(x.grad.numpy()).all()


def test_sigmoid_float32_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.sigmoid(badak.Tensor(np.array([-1000.0, 1000.0], dtype=np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0])


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    x = badak.Tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    np.testing.assert_array_equal(F.logsumexp(x, 1).numpy(), [-np.inf, 0.0])
    assert F.logsumexp(badak.Tensor(np.full(3, -np.inf))).item() == -np.inf


def test_logsumexp_of_all_minus_inf_warns_nothing():
    # PyTorch is silent here; a masked row of -inf is an ordinary input, not an error
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.logsumexp(badak.Tensor(np.full((2, 3), -np.inf)), 1)
    np.testing.assert_array_equal(out.numpy(), [-np.inf, -np.inf])


def test_logsumexp_of_large_values_does_not_overflow():
    x = badak.Tensor(np.array([1e4, 1e4]))
    assert F.logsumexp(x).item() == pytest.approx(1e4 + np.log(2))


def test_float16_softmax_returns_float16_summing_to_one():
    data = np.random.default_rng(2).standard_normal((4, 100)) * 10
    out = F.softmax(badak.Tensor(data.astype(np.float16)))
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.numpy().astype(np.float64).sum(axis=-1), np.ones(4), atol=1e-3)


@pytest.mark.parametrize("name", ["log_softmax", "logsumexp"])
def test_float16_input_gives_float16_output(name):
    out = getattr(F, name)(badak.Tensor(np.full((2, 3), 60000.0, dtype=np.float16)), 1)
    assert out.dtype == np.float16
    assert np.isfinite(out.numpy()).all()


def test_softmax_and_log_softmax_agree():
    x = leaf(3, 5)
    np.testing.assert_allclose(np.exp(F.log_softmax(x, 0).numpy()), F.softmax(x, 0).numpy())


def test_softmax_gradient_under_plain_sum_is_zero():
    x = leaf(3, 5)
    F.softmax(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((3, 5)), atol=1e-15)


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_rejects_dim_out_of_range(name):
    with pytest.raises(IndexError, match=f"^{name}"):
        getattr(F, name)(leaf(3, 4), 2)
