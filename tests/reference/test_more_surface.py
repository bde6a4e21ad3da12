"""More of PyTorch's surface against torch: remainder, fmod, floor_divide, reciprocal, lerp,
outer, dot, clamp_min/max and their gradients; the logical and bitwise operators; Bilinear,
Unflatten, ModuleDict, Sequential(OrderedDict); parameters_to_vector and back."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import badak
import badak.nn as nn

from .helpers import compare, each_dtype
from .module_helpers import compare_modules

RNG = np.random.default_rng(11)
A = RNG.uniform(-5, 5, (3, 4))
B = RNG.uniform(0.5, 2, (3, 4)) * np.sign(RNG.standard_normal((3, 4)))

BINARY = {
    "remainder": lambda m, a, b: m.remainder(a, b),
    "mod_operator": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, 0.3),
    "clamp_min": lambda m, a, b: a.clamp_min(0.5) * b,
    "clamp_max": lambda m, a, b: a.clamp_max(0.5) * b,
    "reciprocal": lambda m, a, b: m.reciprocal(b) * a,
    "outer": lambda m, a, b: m.outer(a[0], b[1]),
    "dot": lambda m, a, b: m.dot(a[0], b[1]),
    "where_method": lambda m, a, b: a.where(a > 0, b),
}


@each_dtype
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_match_torch(name, dtype):
    fn = BINARY[name]
    compare(lambda a, b: fn(badak, a, b), lambda a, b: fn(torch, a, b), [A, B], dtype)


def test_integer_division_and_logical_and_bitwise_operators_match_torch():
    a, b = np.array([7, -7, 5, 0, -3]), np.array([2, 2, -3, 4, -2])
    p, q = np.array([True, False, True, False]), np.array([True, True, False, False])
    for op in (lambda m, x, y: m.floor_divide(x, y), lambda m, x, y: x // y,
               lambda m, x, y: m.remainder(x, y), lambda m, x, y: m.fmod(x, y),
               lambda m, x, y: x & y, lambda m, x, y: x | y, lambda m, x, y: x ^ y,
               lambda m, x, y: ~x):  # fmt: skip
        ours = op(badak, badak.tensor(a), badak.tensor(b)).numpy()
        np.testing.assert_array_equal(ours, op(torch, torch.tensor(a), torch.tensor(b)).numpy())
    for op in ("logical_and", "logical_or", "logical_xor"):
        ours = getattr(badak, op)(badak.tensor(p), badak.tensor(q)).numpy()
        np.testing.assert_array_equal(ours, getattr(torch, op)(torch.tensor(p), torch.tensor(q)))
    np.testing.assert_array_equal((~badak.tensor(p)).numpy(), ~p)
    with pytest.raises(TypeError, match="^bitwise_and: expected bool or integer"):
        badak.ones(2) & badak.ones(2)


@each_dtype
def test_bilinear_matches_torch(dtype):
    ours = nn.Bilinear(3, 4, 5, dtype=dtype)
    inputs = [RNG.standard_normal((6, 3)), RNG.standard_normal((6, 4))]
    compare_modules(ours, torch.nn.Bilinear(3, 4, 5), inputs, dtype)


def test_unflatten_moduledict_and_named_sequential_behave_as_torchs():
    x = np.arange(24.0).reshape(2, 12)
    ours = nn.Unflatten(1, (3, 4))(badak.tensor(x)).numpy()
    np.testing.assert_array_equal(ours, torch.nn.Unflatten(1, (3, 4))(torch.tensor(x)).numpy())
    heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "box": nn.Linear(4, 4)})
    theirs = torch.nn.ModuleDict({"cls": torch.nn.Linear(4, 2), "box": torch.nn.Linear(4, 4)})
    assert list(heads.state_dict()) == list(theirs.state_dict())
    assert list(heads) == ["cls", "box"] and "box" in heads and len(heads) == 2
    model = nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 3)), ("act", nn.ReLU())]))
    assert list(model.state_dict()) == ["fc1.weight", "fc1.bias"]
    assert isinstance(model[1], nn.ReLU)


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (11,)
    nn.utils.vector_to_parameters(vec * 2, model.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(model.parameters()).numpy(),
                               vec.numpy() * 2)  # fmt: skip
    with pytest.raises(ValueError, match="^vector_to_parameters: expected a 1-d tensor of 11"):
        nn.utils.vector_to_parameters(vec[:3], model.parameters())


def test_module_reprs_are_torchs():
    def pair(make):
        return repr(make(nn)), repr(make(torch.nn))

    for make in (
        lambda m: m.ModuleList([m.ReLU(), m.ReLU(), m.Linear(2, 3), m.ReLU()]),
        lambda m: m.Sequential(m.Conv2d(1, 4, 3), m.MaxPool2d(2), m.Dropout2d(0.25), m.Flatten()),
        lambda m: m.Sequential(m.BatchNorm1d(3, affine=False), m.LayerNorm(3, bias=False),
                               m.GroupNorm(2, 4), m.Embedding(5, 3, padding_idx=0)),
        lambda m: m.LSTM(3, 4, 2, batch_first=True, bidirectional=True),
        lambda m: m.MultiheadAttention(4, 2),
        lambda m: m.Sequential(m.GELU(), m.ReLU(inplace=True), m.AdaptiveAvgPool2d((1, 1))),
    ):  # fmt: skip
        ours, theirs = pair(make)
        assert ours == theirs


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest_while_training():
    badak.manual_seed(3)
    x = badak.ones(8, 16, 5, 5, requires_grad=True)
    y = nn.Dropout2d(0.25)(x)
    per_channel = y.numpy().reshape(8, 16, 25)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 1 / 0.75).all(-1))
    assert 0.1 < (per_channel == 0).all(-1).mean() < 0.4
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # the mask is the gradient
    model = nn.Dropout2d(0.25)
    model.eval()
    assert model(x) is x
