"""Layer workloads for PyTorch programs: one forward + backward of a convolution stack, an LSTM
and a multi-head attention at the shapes of pytorch/examples (mnist, word_language_model) and a
CIFAR-sized network, and a whole training step of pytorch/examples' mnist Net. Each builder takes
the framework module (badak or torch) and returns a step; the layers start from the same weights
in both (badak's, copied into torch's)."""

import numpy as np
from workloads import _torch

import badak

# badak / torch goals (issue 17); the CIFAR stack keeps the first round's
TARGETS = {"mnist_net": 1.0, "conv_mnist": 1.0, "conv_cifar": 2.0, "lstm": 1.0, "mha": 1.0}

# The conv stacks are first layers: their input is data, which takes no gradient (as in a
# training step); the LSTM's and the attention's inputs come from layers below and do.
SHAPES = {
    "mnist_net": "pytorch/examples mnist Net, one training step (Adadelta), batch 64, 28x28",
    "conv_mnist": "Conv2d 1-32-64 3x3 + max_pool, batch 64, 28x28 (pytorch/examples mnist)",
    "conv_cifar": "Conv2d 3-64-64 3x3 pad 1 + max_pool, batch 32, 32x32",
    "lstm": "LSTM 2 layers, hidden 200, sequence 35, batch 20 (word_language_model)",
    "mha": "MultiheadAttention d 256, 4 heads, sequence 128, batch 8",
}


def _mnist_net(lib):
    """pytorch/examples' mnist Net: two convolutions, max pooling, dropout, two linear layers."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128),
                         nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
                         nn.LogSoftmax(dim=1))  # fmt: skip


def _layers(lib, name):
    nn = lib.nn
    if name == "mnist_net":
        return _mnist_net(lib)
    if name == "conv_mnist":
        return nn.Sequential(nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1), nn.ReLU(),
                             nn.MaxPool2d(2))  # fmt: skip
    if name == "conv_cifar":
        return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, 1, 1),
                             nn.ReLU(), nn.MaxPool2d(2))  # fmt: skip
    if name == "lstm":
        return nn.LSTM(200, 200, 2)
    return nn.MultiheadAttention(256, 4)


def _input(name, rng):
    shape = {"mnist_net": (64, 1, 28, 28), "conv_mnist": (64, 1, 28, 28),
             "conv_cifar": (32, 3, 32, 32), "lstm": (35, 20, 200),
             "mha": (128, 8, 256)}[name]  # fmt: skip
    return rng.standard_normal(shape).astype(np.float32)


def _train_step(lib, model, x):
    """One step of pytorch/examples mnist's train(): nll_loss of the log-probabilities,
    Adadelta (lr 1.0)."""
    optimizer = lib.optim.Adadelta(model.parameters(), lr=1.0)
    target = lib.tensor(np.random.default_rng(2).integers(0, 10, len(x)))

    def step():
        optimizer.zero_grad()
        loss = lib.nn.functional.nll_loss(model(x), target)
        loss.backward()
        optimizer.step()

    return step


def _step(lib, name, model, x):
    if name == "mnist_net":
        return _train_step(lib, model, x)
    weight = None

    def step():
        nonlocal weight
        for p in model.parameters():
            p.grad = None
        out = model(x, x, x)[0] if name == "mha" else model(x)
        if name == "lstm":
            out = out[0]
        if weight is None:
            weight = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)),
                                dtype=lib.float32)  # fmt: skip
        (out * weight).sum().backward()

    return step


def layer_badak(name):
    rng = np.random.default_rng(0)
    model = _layers(badak, name)
    x = badak.tensor(_input(name, rng), requires_grad=name in ("lstm", "mha"))
    return _step(badak, name, model, x)


def layer_torch(name):
    torch = _torch()
    rng = np.random.default_rng(0)
    model = _layers(torch, name)
    state = {k: torch.tensor(v.numpy()) for k, v in _layers(badak, name).state_dict().items()}
    model.load_state_dict(state)
    x = torch.tensor(_input(name, rng), requires_grad=name in ("lstm", "mha"))
    return _step(torch, name, model, x)
