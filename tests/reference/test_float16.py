"""float16 as PyTorch computes it: sums, means, norms and losses accumulated in float32 and
returned in float16, sigmoid without float16's overflow (DESIGN.md, "Dtypes and devices")."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
import badak.nn.functional as BF
from badak import nn

HALF = np.float16


def test_a_float16_mean_of_many_elements_is_not_nan_and_its_sum_is_inf_as_torchs():
    x = badak.ones(70000, dtype=badak.float16)
    t = torch.ones(70000, dtype=torch.float16)
    assert x.mean().item() == t.mean().item() == 1.0
    assert x.sum().item() == t.sum().item() == float("inf")
    assert x.mean().dtype == x.sum().dtype == HALF


@pytest.mark.parametrize("value", [-12.0, -16.0, -8.0, 0.0, 9.0, 12.0])
def test_float16_sigmoid_matches_torch_where_exp_overflows_float16(value):
    x = badak.tensor(np.array([value], HALF), requires_grad=True)
    t = torch.tensor([value], dtype=torch.float16, requires_grad=True)
    y, ty = badak.sigmoid(x), torch.sigmoid(t)
    assert y.dtype == HALF and y.item() == ty.item()
    y.sum().backward(), ty.sum().backward()
    assert x.grad.item() == t.grad.item()


def test_clip_grad_norm_of_float16_gradients_is_computed_without_overflow():
    p = nn.Parameter(badak.tensor(np.ones(1000, HALF)))
    p.grad = badak.tensor(np.full(1000, 300, HALF))
    tp = torch.nn.Parameter(torch.ones(1000, dtype=torch.float16))
    tp.grad = torch.full((1000,), 300.0, dtype=torch.float16)
    total, expected = nn.utils.clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([tp], 1.0)
    assert total.dtype == HALF and total.item() == expected.item()
    np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


LOSSES = {
    "mse_loss": (BF.mse_loss, TF.mse_loss, 3.0),
    "bce_with_logits": (
        BF.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        20.0,
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_float16_losses_are_computed_in_float32_and_returned_in_float16(name, reduction):
    badak_fn, torch_fn, scale = LOSSES[name]
    rng = np.random.default_rng(0)
    x = (scale * rng.standard_normal(64)).astype(HALF)
    target = (rng.random(64) > 0.5).astype(HALF)
    bx = badak.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        loss = badak_fn(bx, badak.tensor(target), reduction=reduction)
        loss.sum().backward()
    # The truth: torch in float64 on the same float16 values, rounded to float16. (torch's own
    # float16 result can be 0 where the truth is 2e-5: badak's is the closer.)
    exact = torch.tensor(x.astype(np.float64), requires_grad=True)
    expected = torch_fn(exact, torch.tensor(target.astype(np.float64)), reduction=reduction)
    expected.sum().backward()
    assert loss.dtype == HALF and bx.grad.dtype == HALF
    # float16's rounding, plus float32's where the formula cancels (x + softplus(-x), |x| ~ 20)
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-3, atol=3e-6)
    np.testing.assert_allclose(bx.grad.numpy(), exact.grad.numpy(), rtol=1e-3, atol=3e-6)
