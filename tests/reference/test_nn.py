"""Training steps against PyTorch: badak's Linear and MLP, cross_entropy and SGD / Adam.

badak's initial weights are copied into the equivalent torch modules (through the state dict:
the names must be PyTorch's); both then take 20 steps on the same fixed batches, and the loss and
every parameter must agree after each step. Self-contained: no helpers module.
"""

import numpy as np
import pytest
import torch

import badak
from badak import nn, optim
from badak.nn import functional as F

STEPS = 20
N, D, H, C = 16, 5, 7, 3
TOLERANCES = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 1e-5, "atol": 1e-6}}
each_dtype = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
OPTIMIZERS = {
    "sgd-momentum": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "adam": (lambda ps: optim.Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
}  # fmt: skip


def batches(dtype, seed=0):
    """STEPS fixed (x, y) batches: features with a class-dependent shift, so learning happens."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(STEPS):
        y = rng.integers(0, C, N)
        x = rng.standard_normal((N, D)) + np.eye(C, D)[y] * 2.0
        out.append((x.astype(dtype), y))
    return out


def models(kind, dtype, seed=0):
    """A badak model and the torch model with badak's initial weights."""
    badak.manual_seed(seed)
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    if kind == "linear":
        ours = nn.Linear(D, C)
        theirs = torch.nn.Linear(D, C, dtype=torch_dtype)
    else:
        ours = nn.MLP(D, [H], C)
        theirs = torch.nn.Sequential(
            torch.nn.Linear(D, H, dtype=torch_dtype),
            torch.nn.ReLU(),
            torch.nn.Linear(H, C, dtype=torch_dtype),
        )
    ours.double() if dtype == np.float64 else ours.float()
    state = {name: torch.from_numpy(t.numpy().copy()) for name, t in ours.state_dict().items()}
    theirs.load_state_dict(state)  # strict: badak's names are PyTorch's
    return ours, theirs


def assert_same_parameters(ours, theirs, dtype, step):
    ours, theirs = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(ours) == list(theirs)
    for name, p in ours.items():
        assert p.dtype == dtype, f"step {step}: {name} is {p.dtype}"
        expected = theirs[name].detach().numpy()
        np.testing.assert_allclose(
            p.numpy(), expected, err_msg=f"step {step}: {name}", **TOLERANCES[dtype]
        )


@each_dtype
@pytest.mark.parametrize("kind", ["linear", "mlp"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_steps_match_pytorch(dtype, kind, optimizer):
    ours, theirs = models(kind, dtype)
    make_ours, make_theirs = OPTIMIZERS[optimizer]
    opt_ours, opt_theirs = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    losses = []
    for step, (x, y) in enumerate(batches(dtype)):
        opt_ours.zero_grad()
        loss = F.cross_entropy(ours(badak.tensor(x)), badak.tensor(y))
        loss.backward()
        opt_ours.step()

        opt_theirs.zero_grad()
        expected = torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(x)), torch.from_numpy(y)
        )
        expected.backward()
        opt_theirs.step()

        assert loss.dtype == dtype
        np.testing.assert_allclose(
            loss.item(), expected.item(), err_msg=f"loss at step {step}", **TOLERANCES[dtype]
        )
        assert_same_parameters(ours, theirs, dtype, step)
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < np.mean(losses[:5])  # it learned something


@each_dtype
def test_module_loss_and_sgd_without_momentum_match_pytorch(dtype):
    ours, theirs = models("mlp", dtype, seed=1)
    opt_ours = optim.SGD(ours.parameters(), lr=0.5, weight_decay=1e-3)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.5, weight_decay=1e-3)
    loss_ours = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss_theirs = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    for step, (x, y) in enumerate(batches(dtype, seed=1)):
        ours.zero_grad()
        loss_ours(ours(badak.tensor(x)), badak.tensor(y)).backward()
        opt_ours.step()
        theirs.zero_grad()
        loss_theirs(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt_theirs.step()
        assert_same_parameters(ours, theirs, dtype, step)


def test_state_dict_names_and_repr_are_pytorchs():
    ours, theirs = models("mlp", np.float32)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("MLP(", "Sequential(", 1) == repr(theirs)
