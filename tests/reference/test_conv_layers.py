"""The convolution and pooling layers against torch.nn's: the same parameter names and shapes,
a state dict moved from one to the other gives the same outputs, and the same gradients for the
input and every parameter (float64 and float32)."""

import numpy as np
import pytest
import torch

import badak
import badak.nn as nn
import badak.nn.functional as F

LAYERS = {
    "conv1d": (lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)),
    "conv2d": (lambda m: m.Conv2d(3, 6, (3, 2), padding=1, groups=3, bias=False), (2, 3, 6, 5)),
    "conv2d_dilated": (lambda m: m.Conv2d(2, 3, 3, stride=(2, 1), dilation=2), (1, 2, 9, 8)),
    "conv_transpose2d": (
        lambda m: m.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
        (2, 4, 4, 3),
    ),
    "max_pool1d": (lambda m: m.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    "max_pool2d": (lambda m: m.MaxPool2d(2), (2, 3, 6, 5)),
    "avg_pool1d": (lambda m: m.AvgPool1d(2), (2, 3, 8)),
    "avg_pool2d": (lambda m: m.AvgPool2d(3, stride=1, padding=1), (1, 2, 5, 5)),
    "adaptive_avg_pool2d": (lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 5)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch_with_the_same_state_dict(name, dtype):
    make, shape = LAYERS[name]
    ours, theirs = make(nn), make(torch.nn)
    torch_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(torch_state)
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(torch_state[key].shape), key
    copies = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(copies)
    ours.to(dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)

    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    bx, tx = badak.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    by, ty = ours(bx), theirs(tx)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(by.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    upstream = np.random.default_rng(1).standard_normal(ty.shape).astype(dtype)
    by.backward(badak.tensor(upstream))
    ty.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
    for (key, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol, atol=tol, err_msg=key)


def test_initial_weights_lie_in_pytorchs_bounds():
    badak.manual_seed(0)
    layer = nn.Conv2d(4, 8, 3)
    bound = 1 / np.sqrt(4 * 9)
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert values.dtype == np.float32 and np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.8 * bound  # uniform over the whole range
    transposed = nn.ConvTranspose2d(4, 6, 2, groups=2)
    assert transposed.weight.shape == (4, 3, 2, 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.Conv2d(3, 4, 3, groups=2),
        lambda: nn.Conv2d(0, 4, 3),
        lambda: nn.Conv2d(3, 4, (3, 3, 3)),
        lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"),
    ],
)
def test_bad_layer_arguments_are_refused_naming_the_layer(make):
    with pytest.raises(ValueError, match="^Conv2d: "):
        make()


class MnistNet(nn.Module):
    """The network of pytorch/examples' mnist script, written here with badak's layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = badak.flatten(self.dropout(x), 1)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def test_a_cnn_trains_with_adadelta_and_step_lr():
    badak.manual_seed(0)
    model = MnistNet()
    optimizer = badak.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = badak.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    x, target = badak.randn(4, 1, 28, 28), badak.tensor([0, 1, 2, 3])
    losses = []
    for _ in range(4):
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), target)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
