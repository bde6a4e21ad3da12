"""badak/functions/elementwise.py: gradient checks, tie rules against PyTorch, properties."""

import numpy as np
import pytest
import torch

import badak
from badak import functions as F
from badak.gradcheck import gradcheck, gradgradcheck


def leaf(*shape, seed=0, low=None, high=None):
    """A float64 leaf requiring grad: standard normal, or uniform in [low, high)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return badak.Tensor(data, requires_grad=True)


def away_from_zero(*shape, seed=0):
    """Values with |x| in [0.2, 2): no kink of abs/relu within a finite-difference step."""
    rng = np.random.default_rng(seed)
    data = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)
    return badak.Tensor(data, requires_grad=True)


def apart_from(a, seed=1):
    """A tensor b with |a - b| >= 0.2 everywhere: maximum/minimum have no ties."""
    gap = away_from_zero(*a.shape, seed=seed).numpy()
    return badak.Tensor(a.numpy() + gap, requires_grad=True)


# --- gradient checks --------------------------------------------------------------------------
BINARY = {"add": F.add, "sub": F.sub, "mul": F.mul, "div": F.div}
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1))]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_op_gradients_match_finite_differences(name, shapes):
    a = leaf(*shapes[0], seed=1)
    b = leaf(*shapes[1], seed=2, low=0.5, high=2.0)  # a divisor away from 0
    assert gradcheck(BINARY[name], (a, b))


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_with_python_scalar_on_either_side(name):
    x = leaf(3, 4, low=0.5, high=2.0)
    op = BINARY[name]
    assert gradcheck(lambda x: op(x, 1.5), x)
    assert gradcheck(lambda x: op(1.5, x), x)


UNARY = [
    ("neg", F.neg, lambda: leaf(3, 4)),
    ("exp", F.exp, lambda: leaf(3, 4)),
    ("log", F.log, lambda: leaf(3, 4, low=0.2, high=3.0)),
    ("log1p", F.log1p, lambda: leaf(3, 4, low=-0.8, high=3.0)),
    ("sqrt", F.sqrt, lambda: leaf(3, 4, low=0.2, high=3.0)),
    ("abs", F.abs, lambda: away_from_zero(3, 4)),
    ("sin", F.sin, lambda: leaf(3, 4)),
    ("cos", F.cos, lambda: leaf(3, 4)),
    ("pow_2", lambda x: F.pow(x, 2), lambda: leaf(3, 4)),
    ("pow_3", lambda x: x**3, lambda: leaf(3, 4)),
    ("pow_minus_1.5", lambda x: x**-1.5, lambda: leaf(3, 4, low=0.3, high=2.0)),
    ("pow_0.5", lambda x: x**0.5, lambda: leaf(3, 4, low=0.3, high=2.0)),
    ("scalar_pow_tensor", lambda x: 2.0**x, lambda: leaf(3, 4)),
    ("clone", F.clone, lambda: leaf(3, 4)),
    ("cast_float64", lambda x: F.cast(x, np.float64), lambda: leaf(3, 4)),
]


@pytest.mark.parametrize("fn, make", [pytest.param(f, m, id=n) for n, f, m in UNARY])
def test_unary_op_gradient_matches_finite_differences(fn, make):
    assert gradcheck(fn, make())


def test_pow_tensor_base_tensor_exponent_gradients():
    base = leaf(3, 4, seed=1, low=0.3, high=2.0)
    exponent = leaf(3, 4, seed=2)
    assert gradcheck(F.pow, (base, exponent))
    assert gradcheck(F.pow, (base, leaf(4, seed=3)))  # the exponent broadcasts


def test_cast_through_float32_and_back_passes_the_gradient():
    x = leaf(3, 4)
    round_trip = lambda x: F.cast(F.cast(x, np.float32), np.float64)
    assert gradcheck(round_trip, x, eps=1e-3, atol=1e-3, rtol=1e-2)


def test_cast_gradient_has_the_input_dtype():
    x = leaf(3, 4)
    F.cast(x, np.float32).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))


@pytest.mark.parametrize("op", [F.maximum, F.minimum], ids=["maximum", "minimum"])
def test_maximum_minimum_gradients_away_from_ties(op):
    a = leaf(3, 4, seed=1)
    assert gradcheck(op, (a, apart_from(a)))
    b = badak.Tensor(a.numpy()[0] + away_from_zero(4, seed=5).numpy(), requires_grad=True)
    assert gradcheck(op, (a, b))  # b broadcasts over the rows of a


CLAMP_BOUNDS = [(-0.5, None), (None, 0.5), (-0.5, 0.5)]


@pytest.mark.parametrize("low, high", CLAMP_BOUNDS, ids=["min", "max", "both"])
def test_clamp_gradient_away_from_bounds(low, high):
    # 0.45 away from both bounds: no kink within a finite-difference step
    x = badak.Tensor(np.array([-1.7, -0.95, -0.05, 0.05, 0.95, 1.7]), requires_grad=True)
    assert gradcheck(lambda x: F.clamp(x, low, high), x)


def test_where_sends_the_gradient_to_both_branches():
    condition = np.random.default_rng(7).random((3, 4)) > 0.5
    a, b = leaf(3, 4, seed=1), leaf(4, seed=2)
    assert gradcheck(lambda a, b: F.where(condition, a, b), (a, b))
    F.where(condition, a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), condition)
    np.testing.assert_array_equal(b.grad.data, (~condition).sum(axis=0))


def test_where_accepts_a_tensor_condition():
    a, b = leaf(3, 4, seed=1), leaf(3, 4, seed=2)
    assert gradcheck(lambda a, b: F.where(a > b, a, b), (a, b))


@pytest.mark.parametrize(
    "values, dtype",
    [
        ((1.0, 0.0), np.float32),
        ((1, 0), np.int64),
        ((True, False), np.bool_),
        ((1, 0.5), np.float32),
    ],
)
def test_where_between_two_numbers_is_a_tensor_of_their_dtype(values, dtype):
    result = F.where(badak.tensor([True, False]), *values)
    assert isinstance(result, badak.Tensor) and result.dtype == dtype
    np.testing.assert_array_equal(result.numpy(), np.array(values, dtype))


# --- double backward --------------------------------------------------------------------------
DOUBLE = [
    ("exp", F.exp, lambda: (leaf(3, 4),)),
    ("log", F.log, lambda: (leaf(3, 4, low=0.3, high=3.0),)),
    ("pow_scalar_exponent", lambda x: x**3, lambda: (leaf(3, 4),)),
    ("scalar_pow_tensor", lambda x: 2.0**x, lambda: (leaf(3, 4),)),
    ("pow_tensor_exponent", F.pow, lambda: (leaf(3, 4, low=0.3, high=2.0), leaf(3, 4, seed=1))),
    ("div", F.div, lambda: (leaf(3, 4), leaf(4, seed=1, low=0.5, high=2.0))),
    ("div_by_scalar", lambda x: x / 3.0, lambda: (leaf(3, 4),)),
]


@pytest.mark.parametrize("fn, make", [pytest.param(f, m, id=n) for n, f, m in DOUBLE])
def test_second_derivative_matches_finite_differences(fn, make):
    assert gradgradcheck(fn, make())


# --- tie rules, compared with PyTorch ---------------------------------------------------------
def _grads(badak_fn, torch_fn, *arrays):
    """Gradients of sum(w * fn(inputs)) in badak and in PyTorch, for float64 arrays."""
    w = np.random.default_rng(11).standard_normal(np.broadcast_shapes(*(a.shape for a in arrays)))
    ours = [badak.Tensor(a.copy(), requires_grad=True) for a in arrays]
    (badak_fn(*ours) * w).sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    (torch_fn(*theirs) * torch.from_numpy(w)).sum().backward()
    return [t.grad.numpy() for t in ours], [t.grad.numpy() for t in theirs]


@pytest.mark.parametrize(
    "ours, theirs", [(F.maximum, torch.maximum), (F.minimum, torch.minimum)], ids=["max", "min"]
)
def test_maximum_minimum_split_the_gradient_half_and_half_on_ties(ours, theirs):
    a = np.array([1.0, 2.0, -3.0, 0.5])
    b = np.array([1.0, 0.0, -3.0, 4.0])
    got, expected = _grads(ours, theirs, a, b)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-15)
    assert got[0][0] == pytest.approx(got[1][0])  # a tie: equal halves


def test_abs_gradient_at_zero_is_zero():
    x = np.array([-1.0, 0.0, 2.0])
    (got,), (expected,) = _grads(F.abs, torch.abs, x)
    np.testing.assert_array_equal(got, expected)
    assert got[1] == 0.0


@pytest.mark.parametrize("low, high", CLAMP_BOUNDS, ids=["min", "max", "both"])
def test_clamp_passes_the_gradient_at_its_bounds(low, high):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    (got,), (expected,) = _grads(
        lambda x: F.clamp(x, low, high), lambda x: torch.clamp(x, low, high), x
    )
    np.testing.assert_array_equal(got, expected)
    assert got[1] != 0 and got[3] != 0


def test_pow_gradients_at_zero_base_follow_pytorch():
    # d/db b**0 = 0 even at b = 0; d/dc b**c is taken as 0 where b = 0 and c >= 0
    base = np.array([0.0, 0.0, 1.5])
    exponent = np.array([2.0, 0.0, 3.0])
    got, expected = _grads(F.pow, torch.pow, base, exponent)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0)


def test_pow_with_scalar_exponent_zero_has_zero_gradient_at_zero():
    (got,), (expected,) = _grads(lambda x: x**0.0, lambda x: x**0.0, np.array([0.0, 2.0]))
    np.testing.assert_array_equal(got, expected)


# --- properties -------------------------------------------------------------------------------
def test_tensor_used_twice_gets_both_gradients():
    x = leaf(3, 4)
    F.mul(x, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())


def test_python_scalar_takes_the_tensor_dtype():
    x = badak.Tensor(np.ones(3, dtype=np.float32))
    assert (x * 2.5).dtype == np.float32
    assert F.maximum(x, 0.5).dtype == np.float32
    assert F.clamp(x, 0.0, 0.5).dtype == np.float32


def test_sqrt_and_log_of_positive_values_match_numpy():
    x = leaf(5, low=0.1, high=4.0)
    np.testing.assert_allclose(F.sqrt(x).numpy(), np.sqrt(x.numpy()))
    np.testing.assert_allclose(F.log1p(x).numpy(), np.log1p(x.numpy()))


def test_clamp_rejects_no_bounds():
    with pytest.raises(ValueError, match="^clamp"):
        F.clamp(leaf(3), None, None)


def test_where_needs_a_bool_condition_as_pytorch():
    with pytest.raises(TypeError, match="^where: expected a bool condition, got dtype int64"):
        F.where(badak.tensor([1, 0]), badak.tensor([1.0, 2.0]), badak.tensor([3.0, 4.0]))
