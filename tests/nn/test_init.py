"""badak.nn.init: in-place fills with the right distributions, gains as PyTorch, fan errors.

The statistical checks draw tens of thousands of values from a seeded generator and allow
several standard errors, so they cannot fail by chance yet catch a wrong bound or std.
"""

import math

import numpy as np
import pytest
import torch

from badak.nn import init
from badak.nn.parameter import Parameter

SHAPE = (300, 200)  # fan_in 200, fan_out 300
CONV = (128, 64, 3, 3)  # fan_in 64 * 9 = 576, fan_out 128 * 9 = 1152


def empty(shape=SHAPE, dtype=np.float32):
    return Parameter(np.full(shape, np.nan, dtype))


def rng(seed=0):
    return np.random.default_rng(seed)


def filled(fn, *args, shape=SHAPE, dtype=np.float32, **kwargs):
    """fn applied to a NaN-filled parameter; checks it fills in place and returns its argument."""
    tensor = empty(shape, dtype)
    array = tensor.numpy()
    assert fn(tensor, *args, **kwargs) is tensor
    assert tensor.numpy() is array and tensor.dtype == dtype and not np.isnan(array).any()
    return array


def assert_uniform(values, low, high):
    # rounding is monotonic: draws in [low, high] stay within the bounds rounded to their dtype
    assert values.min() >= values.dtype.type(low) and values.max() <= values.dtype.type(high)
    values, width = values.astype(np.float64), high - low
    assert values.min() < low + 0.01 * width and values.max() > high - 0.01 * width
    assert values.mean() == pytest.approx((low + high) / 2, abs=0.01 * width)
    assert values.std() == pytest.approx(width / math.sqrt(12), rel=0.02)


def assert_normal(values, mean, std):
    values = values.astype(np.float64)
    assert values.mean() == pytest.approx(mean, abs=0.02 * std)
    assert values.std() == pytest.approx(std, rel=0.02)
    # about 4.55% of a normal sample lies beyond 2 std
    assert np.mean(np.abs(values - mean) > 2 * std) == pytest.approx(0.0455, abs=0.005)


def test_uniform_fills_within_its_bounds():
    assert_uniform(filled(init.uniform_, -2.0, 3.0, generator=rng()), -2.0, 3.0)
    assert_uniform(filled(init.uniform_, generator=rng()), 0.0, 1.0)


def test_normal_has_its_mean_and_std():
    assert_normal(filled(init.normal_, 1.0, 2.0, generator=rng()), 1.0, 2.0)
    assert_normal(filled(init.normal_, dtype=np.float64, generator=rng()), 0.0, 1.0)


def test_constant_zeros_and_ones():
    assert (filled(init.constant_, 0.25) == 0.25).all()
    assert (filled(init.zeros_) == 0).all()
    assert (filled(init.ones_, dtype=np.float64) == 1).all()


def test_xavier_uniform_bound():
    bound = math.sqrt(6 / (200 + 300))
    assert_uniform(filled(init.xavier_uniform_, generator=rng()), -bound, bound)
    assert_uniform(filled(init.xavier_uniform_, gain=2.0, generator=rng()), -2 * bound, 2 * bound)


def test_xavier_normal_std():
    std = math.sqrt(2 / (200 + 300))
    assert_normal(filled(init.xavier_normal_, generator=rng()), 0.0, std)
    assert_normal(
        filled(init.xavier_normal_, 0.5, shape=CONV, generator=rng()),
        0.0,
        0.5 * math.sqrt(2 / (576 + 1152)),
    )


def test_kaiming_uniform_default_is_he_for_relu():
    bound = math.sqrt(2) * math.sqrt(3 / 200)  # a=0: leaky_relu's gain is sqrt(2)
    assert_uniform(filled(init.kaiming_uniform_, generator=rng()), -bound, bound)
    bound = math.sqrt(3 / 1152)
    kwargs = {"mode": "fan_out", "nonlinearity": "linear", "shape": CONV, "generator": rng()}
    assert_uniform(filled(init.kaiming_uniform_, **kwargs), -bound, bound)


def test_kaiming_uniform_with_a_slope_matches_pytorchs_linear_default():
    # PyTorch initialises Linear.weight with kaiming_uniform_(a=sqrt(5)): U(+-1/sqrt(fan_in))
    bound = 1 / math.sqrt(200)
    assert_uniform(filled(init.kaiming_uniform_, math.sqrt(5), generator=rng()), -bound, bound)


def test_kaiming_normal_std_with_each_mode():
    assert_normal(filled(init.kaiming_normal_, generator=rng()), 0.0, math.sqrt(2 / 200))
    values = filled(
        init.kaiming_normal_, mode="fan_out", nonlinearity="tanh", shape=CONV, generator=rng()
    )
    assert_normal(values, 0.0, 5 / 3 / math.sqrt(1152))


def test_kaiming_rejects_an_unknown_mode():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.raises(ValueError, match="fan_avg"):
            fn(empty((4, 4)), mode="fan_avg")


def test_fills_repeat_with_the_same_generator_seed():
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_):
        a = filled(fn, generator=rng(5))
        np.testing.assert_array_equal(a, filled(fn, generator=rng(5)))
        assert not np.array_equal(a, filled(fn, generator=rng(6)))


def test_fills_repeat_after_manual_seed():
    import badak

    badak.manual_seed(9)
    a = filled(init.xavier_normal_)
    badak.manual_seed(9)
    np.testing.assert_array_equal(a, filled(init.xavier_normal_))


@pytest.mark.parametrize(
    "fn", [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_]
)
@pytest.mark.parametrize("shape", [(5,), ()])
def test_fan_based_fills_reject_fewer_than_two_dims(fn, shape):
    tensor = empty(shape)
    with pytest.raises(ValueError, match=r"init: .*2 dims.*" + re_shape(shape)):
        fn(tensor)
    assert np.isnan(tensor.numpy()).all()


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


GAINS = [
    ("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 1),
]  # fmt: skip


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_equals_pytorchs(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_knows_every_name_in_pytorchs_table():
    names = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]
    names += ["conv_transpose3d", "selu"]
    wrong = {}
    for name in names:
        try:
            gain = init.calculate_gain(name)
        except ValueError as error:
            gain = error
        if gain != torch.nn.init.calculate_gain(name):
            wrong[name] = gain
    assert not wrong, f"calculate_gain differs from PyTorch's for {sorted(wrong)}"


def test_calculate_gain_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="calculate_gain: .*'swish'"):
        init.calculate_gain("swish")
