"""0-d and empty tensors through the ops, reductions, softmax family, shape functions and losses,
in float16, float32 and float64: PyTorch's result and gradient, or an error where PyTorch raises
one. The one planned difference: a loss's mean over no element is 0 (PyTorch: NaN), DESIGN.md."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
import badak.nn.functional as BF

OPS = {  # name: (badak, torch), each a function of one tensor
    "exp": (badak.exp, torch.exp),
    "log": (badak.log, torch.log),
    "sqrt": (badak.sqrt, torch.sqrt),
    "tanh": (badak.tanh, torch.tanh),
    "sigmoid": (badak.sigmoid, torch.sigmoid),
    "relu": (BF.relu, TF.relu),
    "leaky_relu": (lambda x: BF.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1)),
    "abs": (badak.abs, torch.abs),
    "clamp": (lambda x: badak.clamp(x, 0.3, 0.6), lambda x: torch.clamp(x, 0.3, 0.6)),
    "product": (lambda x: x * x / 3 - 1 / x, lambda x: x * x / 3 - 1 / x),
    "square": (lambda x: x**2, lambda x: x**2),
    "sum": (lambda x: x.sum(), lambda x: x.sum()),
    "mean": (lambda x: x.mean(), lambda x: x.mean()),
    "sum_dim0": (lambda x: x.sum(0), lambda x: x.sum(0)),
    "mean_last": (lambda x: x.mean(-1), lambda x: x.mean(-1)),
    "amax": (badak.amax, torch.amax),
    "amax_last": (lambda x: badak.amax(x, -1), lambda x: torch.amax(x, -1)),
    "max": (lambda x: x.max(), lambda x: x.max()),
    "softmax": (lambda x: badak.softmax(x, -1), lambda x: torch.softmax(x, -1)),
    "log_softmax": (lambda x: badak.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1)),
    "logsumexp": (lambda x: badak.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1)),
    "flatten": (lambda x: x.flatten(), lambda x: x.flatten()),
    "reshape": (lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    "unsqueeze": (lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0)),
    "cat": (lambda x: badak.cat([x, x]), lambda x: torch.cat([x, x])),
    "stack": (lambda x: badak.stack([x, x]), lambda x: torch.stack([x, x])),
}
MEAN_LOSSES = {  # a mean over no element: 0 in badak, NaN in PyTorch
    "mse_loss": (lambda x: BF.mse_loss(x, x.detach() * 0 + 1), TF.mse_loss),
    "bce_with_logits": (
        lambda x: BF.binary_cross_entropy_with_logits(x, x.detach() * 0 + 1),
        TF.binary_cross_entropy_with_logits,
    ),
    "bce": (
        lambda x: BF.binary_cross_entropy(badak.sigmoid(x), x.detach() * 0 + 1),
        lambda x, t: TF.binary_cross_entropy(torch.sigmoid(x), t),
    ),
}
SHAPES = [(), (0,), (0, 3), (3, 0), (2, 0, 3), (2, 3)]
DTYPES = [np.float16, np.float32, np.float64]
TOLERANCE = {np.float16: (1e-2, 1e-3), np.float32: (1e-5, 1e-6), np.float64: (1e-10, 1e-12)}


def values(shape, dtype):
    return np.random.default_rng(0).uniform(0.2, 0.9, shape).astype(dtype)


def both(badak_fn, torch_fn, array):
    """(badak leaf, badak output or the exception, torch leaf, torch output or the exception)."""
    outputs = []
    for make, fn in ((badak.tensor, badak_fn), (torch.tensor, torch_fn)):
        leaf = make(array, requires_grad=True)
        try:
            outputs += [leaf, fn(leaf)]
        except (TypeError, ValueError, IndexError, RuntimeError) as error:
            outputs += [leaf, error]
    return outputs


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", OPS)
def test_edge_shapes_get_pytorchs_values_gradients_or_error(name, shape, dtype):
    rtol, atol = TOLERANCE[dtype]
    array = values(shape, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy warning may escape an op
        warnings.simplefilter("ignore", UserWarning)  # torch's deprecation notes
        bx, by, tx, ty = both(*OPS[name], array)
        if isinstance(ty, Exception):
            assert isinstance(by, Exception), f"torch raises {ty!r}; badak returned {by}"
            return
        assert not isinstance(by, Exception), f"torch returns; badak raised {by!r}"
        assert by.shape == tuple(ty.shape) and by.dtype == array.dtype
        np.testing.assert_allclose(by.numpy(), ty.detach().numpy(), rtol, atol, equal_nan=True)
        upstream = np.random.default_rng(1).standard_normal(by.shape).astype(dtype)
        (by * badak.tensor(upstream)).sum().backward()
        (ty * torch.tensor(upstream)).sum().backward()
    assert bx.grad.shape == shape and bx.grad.dtype == array.dtype
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol, atol, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("shape", [s for s in SHAPES if 0 in s], ids=str)
@pytest.mark.parametrize("name", MEAN_LOSSES)
def test_a_losss_mean_over_no_element_is_zero_with_an_empty_gradient(name, shape, dtype):
    badak_fn, torch_fn = MEAN_LOSSES[name]
    x = badak.tensor(values(shape, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        loss = badak_fn(x)
        loss.backward()
    assert loss.item() == 0 and loss.dtype == dtype and x.grad.shape == shape
    t = torch.tensor(values(shape, dtype))
    assert torch.isnan(torch_fn(t, torch.ones_like(t)))  # PyTorch's, for the record
