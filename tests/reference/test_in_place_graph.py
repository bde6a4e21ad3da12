"""In-place updates within a graph, as PyTorch records them: `out += identity`, relu(inplace),
`x[i] = value`, masked_fill_, clamp_, copy_ on results of operations give torch's values and
gradients; a leaf that requires grad is refused; an update after another operation used the
value is refused at backward rather than giving a wrong gradient."""

import numpy as np
import pytest
import torch

import badak


def _case(lib, name, a, b):
    if name == "arithmetic":
        y = a * 2
        y += b
        y.mul_(b)
        y -= a
        y /= 2
        return y
    if name == "relu_inplace":
        return lib.nn.functional.relu(a * b, inplace=True) * a
    if name == "residual":
        y = lib.matmul(a, b.T)
        y += a.sum()
        return lib.nn.ReLU(inplace=True)(y).sum(0, keepdim=True).T * a
    if name == "setitem_into_zeros":
        x = lib.zeros(3, 4, dtype=a.dtype)
        x[:, 1] = a[:, 0] * 3
        x[0] = b[1]
        return x * a
    if name == "setitem_over_a_result":
        x = a * 1
        x[1:, 2:] = 0.5
        x[0, 0] = b[2, 2]
        return x.exp()
    if name == "masked_fill_":
        x = a + 0
        x.masked_fill_(a > 0.2, 1.5)
        return x * b
    if name == "clamp_":
        return (a * b).clamp_(-0.3, 0.4)
    if name == "copy_":
        return lib.zeros(3, 4, dtype=a.dtype).copy_(b * 2) * a
    raise AssertionError(name)


CASES = ["arithmetic", "relu_inplace", "residual", "setitem_into_zeros", "setitem_over_a_result",
         "masked_fill_", "clamp_", "copy_"]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", CASES)
def test_in_place_updates_in_a_graph_match_torch(name, dtype):
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    upstream = np.cos(np.arange(12)).reshape(3, 4).astype(dtype)
    results = []
    for lib in (badak, torch):
        a, b = lib.tensor(a0, requires_grad=True), lib.tensor(b0, requires_grad=True)
        out = _case(lib, name, a, b)
        out.backward(lib.tensor(upstream))
        grads = [np.zeros_like(a0) if t.grad is None else t.grad.numpy() for t in (a, b)]
        results.append([out.detach().numpy(), *grads])
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol)


def test_an_update_whose_old_value_an_operation_saved_still_differentiates_that_value():
    # sigmoid's backward reads its output; the update gets a copy of the old value, so the
    # gradient is the out-of-place one (torch refuses this program instead)
    a = badak.tensor([0.3, -1.2], dtype=badak.float64, requires_grad=True)
    y = badak.sigmoid(a)
    y.add_(1)
    (y * y).sum().backward()
    s = 1 / (1 + np.exp(-np.array([0.3, -1.2])))
    np.testing.assert_allclose(a.grad.numpy(), 2 * (s + 1) * s * (1 - s), rtol=1e-12)


def test_a_leaf_that_requires_grad_is_refused():
    x = badak.tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: x.add_(1), lambda: x.__setitem__(0, 5.0), lambda: x.relu_()):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            update()
    with badak.no_grad():
        x += 1
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0])


def test_an_update_after_another_operation_used_the_value_is_refused_at_backward():
    a = badak.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    z = y * 3  # recorded y before the update: its gradient must go to the old y
    y += 1
    with pytest.raises(RuntimeError, match="changed in place after the operation used it"):
        (z + y).sum().backward()
