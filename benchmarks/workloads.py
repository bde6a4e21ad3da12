"""The benchmark workloads, one function per peer: each returns a step to time (a callable with no
arguments) or raises ImportError when the peer is not installed."""

import numpy as np

import badak
import badak.nn.functional as F
from badak import kernels, nn, optim


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def _jax():
    import jax
    import jax.numpy as jnp

    return jax, jnp


# ----------------------------------------------------------------------------------------------
# Per-op overhead: (x * 2 + 1).sum() and its backward on 2 elements
# ----------------------------------------------------------------------------------------------
def overhead_badak():
    x = badak.tensor(np.ones(2, np.float32), requires_grad=True)

    def step():
        (x * 2 + 1).sum().backward()

    return step


def overhead_torch():
    torch = _torch()
    x = torch.ones(2, requires_grad=True)

    def step():
        (x * 2 + 1).sum().backward()

    return step


# ----------------------------------------------------------------------------------------------
# Cross-entropy forward + backward (mean, integer targets)
# ----------------------------------------------------------------------------------------------
def ce_data(n, c, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c), dtype=np.float32), rng.integers(0, c, n)


def ce_badak(x, t, compiled=True):
    leaf, target = badak.tensor(x, requires_grad=True), badak.tensor(t)

    def step():
        previous = kernels.enabled
        kernels.enabled = compiled
        try:
            leaf.grad = None
            F.cross_entropy(leaf, target).backward()
        finally:
            kernels.enabled = previous

    return step


def ce_torch(x, t):
    torch = _torch()
    leaf, target = torch.tensor(x, requires_grad=True), torch.tensor(t)

    def step():
        leaf.grad = None
        torch.nn.functional.cross_entropy(leaf, target).backward()

    return step


def ce_numpy(x, t):
    """The textbook NumPy version: stable log-sum-exp, gradient (softmax - onehot) / N."""
    rows = np.arange(len(t))

    def step():
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(total[:, 0]) - shifted[rows, t])
        grad = e / total
        grad[rows, t] -= 1
        grad /= len(t)
        return loss, grad

    return step


def ce_jax(x, t):
    jax, jnp = _jax()
    xj, tj = jnp.asarray(x), jnp.asarray(t)

    def loss(logits):
        lse = jax.nn.logsumexp(logits, axis=1)
        return jnp.mean(lse - jnp.take_along_axis(logits, tj[:, None], axis=1)[:, 0])

    grad = jax.jit(jax.value_and_grad(loss))

    def step():
        value, g = grad(xj)
        g.block_until_ready()

    return step


# ----------------------------------------------------------------------------------------------
# One epoch of an MLP on MNIST-shaped data, batch 100, SGD
# ----------------------------------------------------------------------------------------------
def mnist_shaped(n=60000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def mlp_badak(sizes, activation, data, lr=0.1):
    x, y = data
    model = nn.MLP(sizes[0], sizes[1:-1], sizes[-1], activation=activation)
    optimizer = optim.SGD(model.parameters(), lr=lr)

    def epoch():
        for i in range(0, len(x), 100):
            loss = F.cross_entropy(
                model(badak.Tensor(x[i : i + 100])), badak.Tensor(y[i : i + 100])
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return epoch


def mlp_torch(sizes, activation, data, lr=0.1):
    torch = _torch()
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out),
                   torch.nn.Sigmoid() if activation == "sigmoid" else torch.nn.ReLU()]  # fmt: skip
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x, y = torch.from_numpy(data[0]), torch.from_numpy(data[1])

    def epoch():
        for i in range(0, len(x), 100):
            loss = torch.nn.functional.cross_entropy(model(x[i : i + 100]), y[i : i + 100])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return epoch


def main_job_data():
    """Fashion-MNIST's training images, standardised as `badak train` does, where Debian's
    package is installed; otherwise MNIST-shaped noise."""
    try:
        from badak.data.fashion_mnist import load_fashion_mnist

        data = load_fashion_mnist()
        x, y = data.train_images, data.train_labels
    except Exception:  # noqa: BLE001  (no dataset: the same shapes)
        x, y = mnist_shaped()
    x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1)
    return x.astype(np.float32), y.astype(np.int64)


def main_job_badak(data):
    """One epoch of `badak train`'s own loop: MLP 784-128-64-10, Adam, batch 32."""
    from badak.classifier import build_network
    from badak.ranks import Batches, Ranks, loss_part
    from badak.train import train_epoch

    badak.manual_seed(0)
    network = build_network({"model": "mlp", "in_features": 784, "hidden": [128, 64],
                             "out_features": 10, "activation": "relu"})  # fmt: skip
    optimizer = optim.Adam(network.parameters(), lr=1e-3)
    batches = Batches(data[0], data[1], 32, 0, Ranks())
    loss = loss_part(Ranks(), None, 0.0)
    return lambda: train_epoch(network, optimizer, batches, loss)


def main_job_torch(data):
    """The same epoch in PyTorch: a shuffled DataLoader, the MLP, Adam, batch 32."""
    torch = _torch()
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(data[0]), torch.from_numpy(data[1]))
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)

    def epoch():
        model.train()
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return epoch


def mlp_numpy(sizes, activation, data, lr=0.1):
    """A hand-written NumPy MLP step: forward, backward by hand, SGD in place."""
    x, y = data
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.float32(1 / np.sqrt(fan_in))
        params.append([rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                       np.zeros(fan_out, np.float32)])  # fmt: skip
    lr = np.float32(lr)

    def act(z):
        return 1 / (1 + np.exp(-z)) if activation == "sigmoid" else np.maximum(z, 0)

    def act_grad(h):
        return h * (1 - h) if activation == "sigmoid" else (h > 0)

    def epoch():
        for i in range(0, len(x), 100):
            hs = [x[i : i + 100]]
            for w, b in params[:-1]:
                hs.append(act(hs[-1] @ w + b))
            z = hs[-1] @ params[-1][0] + params[-1][1]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            g = e / e.sum(axis=1, keepdims=True)
            g[np.arange(len(g)), y[i : i + 100]] -= 1
            g /= len(g)
            for layer in range(len(params) - 1, -1, -1):
                w, b = params[layer]
                gw, gb = hs[layer].T @ g, g.sum(axis=0)
                if layer:
                    g = (g @ w.T) * act_grad(hs[layer])
                w -= lr * gw
                b -= lr * gb

    return epoch


# ----------------------------------------------------------------------------------------------
# linear_cross_entropy against the unfused path
# ----------------------------------------------------------------------------------------------
def lce_data(n=4096, d=512, v=65536, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d), dtype=np.float32)
    w = rng.standard_normal((v, d), dtype=np.float32) * np.float32(0.05)
    return x, w, rng.integers(0, v, n)


def lce_badak(data, fused):
    x, w, t = data

    def step():  # from_numpy: the inputs are shared, not copied, so they do not count
        xs, ws = badak.from_numpy(x).requires_grad_(), badak.from_numpy(w).requires_grad_()
        target = badak.from_numpy(t)
        if fused:
            loss = F.linear_cross_entropy(xs, ws, target)
        else:
            loss = F.cross_entropy(F.linear(xs, ws), target)
        loss.backward()
        return xs.grad.numpy().nbytes + ws.grad.numpy().nbytes

    return step


def lce_torch(data):
    torch = _torch()
    x, w, t = (torch.from_numpy(a) for a in data)

    def step():
        xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
        torch.nn.functional.cross_entropy(xs @ ws.T, t).backward()

    return step
