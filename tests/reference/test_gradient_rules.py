"""PyTorch's gradient rules where the usual formula would give NaN or split a tie differently
(DESIGN.md, "The engine"): relu masks, clamp, maximum/minimum and abs at NaN, inf and ties."""

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
    with np.errstate(all="ignore"):  # the products with inf and NaN upstream values
        badak_fn(x).backward(badak.tensor(upstream))
    torch_fn(tx).backward(torch.tensor(upstream))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_log_of_relu_has_gradient_zero_where_relu_is_zero():
    x = badak.tensor([-1.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        badak.log(BF.relu(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5])
