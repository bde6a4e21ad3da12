"""l1_loss, smooth_l1_loss and huber_loss against torch: values and gradients in float64 and
float32 (and float16 computed in float32), every reduction, and a numerical gradient check;
their modules give the functions' results."""

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

LOSSES = {
    "l1": (BF.l1_loss, TF.l1_loss, {}),
    "smooth_l1": (BF.smooth_l1_loss, TF.smooth_l1_loss, {}),
    "smooth_l1_beta": (BF.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.3}),
    "smooth_l1_beta0": (BF.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
    "huber": (BF.huber_loss, TF.huber_loss, {}),
    "huber_delta": (BF.huber_loss, TF.huber_loss, {"delta": 2.5}),
}


@each_dtype
@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(shape=shapes(), seed=seeds)
def test_regression_losses_match_torch(dtype, name, reduction, shape, seed):
    badak_fn, torch_fn, kwargs = LOSSES[name]
    rng = np.random.default_rng(seed)
    x, t = normal(rng, shape), normal(rng, shape)
    compare(
        lambda a, b: badak_fn(a, b, reduction=reduction, **kwargs),
        lambda a, b: torch_fn(a, b, reduction=reduction, **kwargs),
        [x, t],
        dtype,
        seed=seed + 1,
    )


@pytest.mark.parametrize("name", LOSSES)
def test_regression_losses_in_float16_are_torchs(name):
    badak_fn, torch_fn, kwargs = LOSSES[name]
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float16) * 3
    t = np.zeros((4, 5), np.float16)
    got = badak_fn(badak.tensor(x), badak.tensor(t), **kwargs)
    expected = torch_fn(torch.tensor(x), torch.tensor(t), **kwargs)
    assert got.dtype == np.float16
    np.testing.assert_allclose(float(got), float(expected), rtol=2e-3)


@pytest.mark.parametrize("name", LOSSES)
def test_regression_losses_pass_a_numerical_gradient_check(name):
    badak_fn, _, kwargs = LOSSES[name]
    rng = np.random.default_rng(1)
    x = badak.tensor(rng.standard_normal((3, 4)) * 2, requires_grad=True)
    t = badak.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: badak_fn(a, b, reduction="none", **kwargs), (x, t))


def test_the_modules_give_the_functions_results():
    x, t = badak.tensor([[0.5, -3.0, 1.2]]), badak.tensor([[0.0, 0.0, 1.0]])
    pairs = [
        (nn.L1Loss(), BF.l1_loss(x, t)),
        (nn.SmoothL1Loss(beta=0.5), BF.smooth_l1_loss(x, t, beta=0.5)),
        (nn.HuberLoss(reduction="sum", delta=2.0), BF.huber_loss(x, t, "sum", 2.0)),
        (nn.MSELoss(), BF.mse_loss(x, t)),
    ]
    for module, expected in pairs:
        assert module(x, t).item() == expected.item()
    p = badak.tensor([[0.2, 0.7]])
    assert nn.BCELoss()(p, badak.tensor([[0.0, 1.0]])).item() == pytest.approx(
        TF.binary_cross_entropy(torch.tensor([[0.2, 0.7]]), torch.tensor([[0.0, 1.0]])).item()
    )
    log_p = badak.tensor([[-1.0, -0.5]])
    assert nn.KLDivLoss(reduction="batchmean", log_target=True)(log_p, log_p).item() == 0.0


def test_a_negative_beta_is_refused():
    with pytest.raises(ValueError, match="^smooth_l1_loss: beta"):
        BF.smooth_l1_loss(badak.ones(2), badak.ones(2), beta=-1.0)
