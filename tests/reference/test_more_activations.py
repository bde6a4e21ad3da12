"""elu, silu, softplus and expm1 against torch: drawn values in float64 and float32, the values
where their branches meet or overflow (0, thresholds, +-inf, NaN), numerical gradient checks,
and their modules (ELU, SiLU, Softplus, LeakyReLU)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given

import badak
import badak.nn as nn
import badak.nn.functional as BF
from badak.gradcheck import gradcheck

from .helpers import compare, each_dtype, normal, seeds, shapes

CASES = {
    "elu": (BF.elu, TF.elu),
    "elu_alpha": (lambda x: BF.elu(x, 0.3), lambda x: TF.elu(x, 0.3)),
    "silu": (BF.silu, TF.silu),
    "softplus": (BF.softplus, TF.softplus),
    "softplus_beta": (lambda x: BF.softplus(x, 2.0, 5.0), lambda x: TF.softplus(x, 2.0, 5.0)),
    "expm1": (badak.expm1, torch.expm1),
}
SPECIAL = [-30.0, -2.0, -1e-8, 0.0, -0.0, 1e-8, 1.0, 2.5, 19.0, 21.0, 50.0, np.inf, -np.inf]


@each_dtype
@pytest.mark.parametrize("name", CASES)
@given(shape=shapes(), seed=seeds)
def test_activations_match_torch_on_drawn_values(dtype, name, shape, seed):
    values = normal(np.random.default_rng(seed), shape) * 4
    compare(*CASES[name], [values], dtype, seed=seed + 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", [name for name in CASES if name != "expm1"])
def test_activations_match_torch_where_branches_meet_and_at_inf_and_nan(name, dtype):
    badak_fn, torch_fn = CASES[name]
    values = np.array([*SPECIAL, np.nan], dtype)
    upstream = np.linspace(-1, 1, len(values)).astype(dtype)
    b, t = badak.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    badak_fn(b).backward(badak.tensor(upstream))
    y = torch_fn(t)
    y.backward(torch.tensor(upstream))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(badak_fn(badak.tensor(values)).numpy(), y.detach().numpy(),
                               rtol=rtol, equal_nan=True)  # fmt: skip
    np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), rtol=rtol, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_expm1s_gradient_is_exp_to_the_last_digit_where_torchs_cancels(dtype):
    # torch forms the gradient as (result + 1), which loses exp(x)'s digits for x << 0
    # (at x = -30 its float64 gradient is off by 1.7e-4); badak takes exp(x) itself
    values = np.array([*SPECIAL, np.nan], dtype)
    x = badak.tensor(values, requires_grad=True)
    badak.expm1(x).backward(badak.ones_like(x))
    np.testing.assert_allclose(x.grad.numpy(), np.exp(values), rtol=2 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(badak.expm1(badak.tensor(values)).numpy(), np.expm1(values))


@pytest.mark.parametrize("name", CASES)
def test_activations_pass_a_numerical_gradient_check(name):
    badak_fn, _ = CASES[name]
    x = badak.tensor(np.random.default_rng(3).standard_normal((3, 4)) * 3, requires_grad=True)
    assert gradcheck(badak_fn, x)


def test_the_modules_give_the_functions_results():
    x = badak.tensor([-2.0, -0.5, 0.0, 3.0])
    tx = torch.tensor([-2.0, -0.5, 0.0, 3.0])
    for ours, theirs in [
        (nn.ELU(0.5), torch.nn.ELU(0.5)),
        (nn.SiLU(), torch.nn.SiLU()),
        (nn.Softplus(beta=2.0, threshold=4.0), torch.nn.Softplus(beta=2.0, threshold=4.0)),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    ]:
        np.testing.assert_allclose(ours(x).numpy(), theirs(tx).numpy(), rtol=1e-6)


def test_integer_input_is_refused_as_torch():
    with pytest.raises(TypeError, match="^elu: "):
        BF.elu(badak.tensor([1, 2]))
