"""badak.kernels.compiled: the compiled kernels load once; without numba, or with one that
cannot be imported, badak computes the same with NumPy."""

import sys

import numpy as np

import badak
import badak.nn.functional as F
from badak import kernels, nn, optim

KERNELS = ["activation_numba", "cross_entropy_numba", "update_numba", "pool_numba"]


def one_step(activation):
    """Loss, gradients and weights after one SGD step of a model large enough for every kernel:
    float32 cross-entropy, sigmoid or relu over 8192 elements, an update of 65536 weights."""
    generator = np.random.default_rng(0)  # the same weights on both paths
    model = nn.MLP(256, [256], 10, activation=activation, generator=generator)
    rng = np.random.default_rng(0)
    x = badak.tensor(rng.standard_normal((32, 256)).astype(np.float32))
    target = badak.tensor(rng.integers(0, 10, 32))
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(x), target)
    loss.backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    opt.step()
    return loss.item(), grads, [p.numpy().copy() for p in model.parameters()]


def test_a_module_is_imported_once_and_kept():
    first = kernels.compiled("update_numba")
    assert first is not None and kernels.compiled("update_numba") is first


def test_without_numba_every_kernel_falls_back_to_numpy_with_the_same_results(monkeypatch):
    compiled = {a: one_step(a) for a in ("relu", "sigmoid")}
    monkeypatch.setattr(kernels, "_modules", {})
    for name in [m for m in sys.modules if m.split(".")[0] in ("numba", "llvmlite")]:
        monkeypatch.delitem(sys.modules, name)
    for name in KERNELS:
        monkeypatch.delitem(sys.modules, f"badak.kernels.{name}", raising=False)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` -> ImportError
    for activation, (loss, grads, weights) in compiled.items():
        numpy_loss, numpy_grads, numpy_weights = one_step(activation)
        assert np.isclose(numpy_loss, loss, rtol=1e-6)
        for a, b in zip(numpy_grads + numpy_weights, grads + weights):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert all(kernels.compiled(name) is None for name in KERNELS)
