"""PyTorch's gradient rules where the usual formula would give NaN or split a tie differently
(DESIGN.md, "The engine"): relu masks, clamp, maximum/minimum and abs at NaN, inf and ties; pow
at 0 and at its special exponents; amax/max over NaN; the softmax family with infinite logits.

None of these may let a NumPy RuntimeWarning out (the test run turns them into errors)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
import badak.nn.functional as BF

nan, inf = np.nan, np.inf
X = [-1.0, 0.0, -0.0, 2.0, nan, inf, -inf]
OTHER = [0.0, 0.0, 1.0, 2.0, 1.0, nan, -inf]
UPSTREAM = [inf, nan, -3.0, 1.0, 1.0, 2.0, -1.0]
CASES = {
    "relu": (BF.relu, TF.relu),
    "clamp": (lambda x: badak.clamp(x, 0.0, 1.0), lambda x: torch.clamp(x, 0.0, 1.0)),
    "clamp_min": (lambda x: badak.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0)),
    "abs": (badak.abs, torch.abs),
    "maximum": (
        lambda x: badak.maximum(x, badak.tensor(OTHER, dtype=badak.float64)),
        lambda x: torch.maximum(x, torch.tensor(OTHER, dtype=torch.float64)),
    ),
    "minimum": (
        lambda x: badak.minimum(badak.tensor(OTHER, dtype=badak.float64), x),
        lambda x: torch.minimum(torch.tensor(OTHER, dtype=torch.float64), x),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_at_nan_inf_and_ties_is_pytorchs(name):
    badak_fn, torch_fn = CASES[name]
    x, tx = (
        badak.tensor(X, dtype=badak.float64, requires_grad=True),
        torch.tensor(X, dtype=torch.float64, requires_grad=True),
    )
    upstream = np.array(UPSTREAM)
    badak_fn(x).backward(badak.tensor(upstream))
    torch_fn(tx).backward(torch.tensor(upstream))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_log_of_relu_has_gradient_zero_where_relu_is_zero():
    x = badak.tensor([-1.0, 2.0], requires_grad=True)
    badak.log(BF.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5])


def _same_as_torch(badak_fn, torch_fn, values, upstream_seed=0, rtol=1e-15):
    """Forward values and gradient as torch's, NaN for NaN and inf for inf (signs included); the
    finite ones within a few float64 ulps (an operation's rounding order may differ)."""
    x = badak.tensor(values, dtype=badak.float64, requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, ty = badak_fn(x), torch_fn(tx)
    upstream = np.random.default_rng(upstream_seed).standard_normal(ty.shape)
    y.backward(badak.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    for name, got, expected in (
        ("values", y.detach().numpy(), ty.detach().numpy()),
        ("gradient", x.grad.numpy(), tx.grad.numpy()),
    ):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=0, err_msg=name)
        infinite = np.isinf(expected)
        np.testing.assert_array_equal(np.sign(got[infinite]), np.sign(expected[infinite]), name)


@pytest.mark.parametrize("exponent", [0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0, 1.5, 2.5, -3.0])
def test_pow_by_a_number_at_zero_nan_and_inf_is_pytorchs(exponent):
    # PyTorch computes 0.5, -0.5, -1, 2, 3, -2 as sqrt, rsqrt, reciprocal and products, whose
    # signs at -0.0 and -inf differ from pow's; and x ** 0 has gradient 0 even at NaN.
    _same_as_torch(lambda x: x**exponent, lambda x: x**exponent, X)


@pytest.mark.parametrize("base", [0.0, 2.0, 0.5])
def test_a_number_to_a_tensor_power_at_zero_base_is_pytorchs(base):
    # d/dc 0 ** c is 0 where c >= 0 and inf * log(0) = -inf where c < 0
    _same_as_torch(lambda x: base**x, lambda x: base**x, X)


def test_tensor_to_tensor_power_at_zero_is_pytorchs():
    other = [2.0, -1.0, 0.0, 0.5, 1.0, 0.0, 3.0]
    _same_as_torch(
        lambda x: x ** badak.tensor(other, dtype=badak.float64),
        lambda x: x ** torch.tensor(other, dtype=torch.float64),
        X,
    )
    _same_as_torch(
        lambda x: badak.tensor(other, dtype=badak.float64) ** x,
        lambda x: torch.tensor(other, dtype=torch.float64) ** x,
        X,
    )


ROWS = [
    [1.0, inf, 0.0],
    [inf, inf, 1.0],
    [-inf, -inf, 0.0],
    [-inf, -inf, -inf],
    [nan, 1.0, 2.0],
    [1e308, -1e308, 0.0],
    [1.0, 1.0, 1.0],
]
REDUCTIONS = {
    # amax gives a row whose maximum is NaN NaN gradients; max() of all splits among the NaNs
    "amax": (lambda x: x.amax(1), lambda x: x.amax(1)),
    "amin": (lambda x: x.amin(0), lambda x: x.amin(0)),
    "amax_all": (lambda x: x.amax(), lambda x: x.amax()),
    "max_all": (lambda x: x.max(), lambda x: x.max()),
    "min_all": (lambda x: x.min(), lambda x: x.min()),
    "max_dim": (lambda x: x.max(1)[0], lambda x: x.max(1)[0]),
    "log_softmax": (lambda x: BF.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
    "softmax": (lambda x: BF.softmax(x, 1), lambda x: TF.softmax(x, 1)),
    "logsumexp": (lambda x: badak.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1)),
    "cross_entropy": (
        lambda x: BF.cross_entropy(x, badak.tensor([0, 1, 2, 0, 1, 2, 0]), reduction="none"),
        lambda x: TF.cross_entropy(x, torch.tensor([0, 1, 2, 0, 1, 2, 0]), reduction="none"),
    ),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_and_the_softmax_family_at_nan_and_inf_are_pytorchs(name):
    _same_as_torch(*REDUCTIONS[name], np.array(ROWS), rtol=1e-14)


def test_max_of_all_elements_splits_the_gradient_among_the_nans():
    x = badak.tensor([[1.0, nan, nan], [2.0, 3.0, 3.0]], requires_grad=True)
    x.max().backward(badak.tensor(2.0))
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
