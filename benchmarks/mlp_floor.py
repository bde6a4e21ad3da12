"""How fast can a NumPy training step be? The MLP epochs against a floor, not only against torch.

Run by hand: `OPENBLAS_NUM_THREADS=1 python benchmarks/mlp_floor.py [samples]`. Times, interleaved
and one thread each, one epoch of the benchmark MLPs (batch 100, SGD) in badak, in torch, and in
the leanest NumPy step we could write: the same products through the same BLAS as badak's
(kernels.blas: MKL where the `fast` extra put it, else NumPy's), everything else in place, no
framework; and its products alone. Their ratios to torch are the bounds the BLAS sets for any
NumPy framework on this machine.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import workloads  # noqa: E402

from badak.kernels import blas  # noqa: E402
from badak.kernels import update as fused  # noqa: E402


def lean_numpy(sizes, activation, data, lr=0.1, alone=False):
    """One epoch by hand: weights kept (in, out), sigmoid and its derivative in place, softmax
    cross-entropy in a few passes, the big update in one compiled pass when numba is there."""
    x, y = data
    rng = np.random.default_rng(0)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        weight = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        layers.append((weight, np.zeros(fan_out, np.float32)))
    step = np.float32(-lr)
    sigmoid = activation == "sigmoid"

    def products(xb):
        hs = [xb]
        for weight, _ in layers:
            hs.append(blas.matmul(hs[-1], weight))
        g = hs[-1]
        for i in range(len(layers) - 1, -1, -1):
            blas.matmul(hs[i].T, g)
            if i:
                g = blas.matmul(g, layers[i][0].T)

    def batch(xb, yb):
        hs = [xb]
        for weight, bias in layers:
            h = blas.matmul(hs[-1], weight)
            h += bias
            hs.append(h)
        for h in hs[1:-1]:  # the activations, in place
            if sigmoid:
                np.negative(h, out=h)
                np.exp(h, out=h)
                h += np.float32(1)
                np.reciprocal(h, out=h)
            else:
                np.maximum(h, np.float32(0), out=h)
        g = hs[-1]
        g -= g.max(axis=1, keepdims=True)
        np.exp(g, out=g)
        g /= g.sum(axis=1, keepdims=True)
        g[np.arange(len(g)), yb] -= 1
        g /= np.float32(len(g))
        for i in range(len(layers) - 1, -1, -1):
            weight, bias = layers[i]
            grad_bias, grad_weight = g.sum(axis=0), blas.matmul(hs[i].T, g)
            if i:
                h = hs[i]
                down = blas.matmul(g, weight.T)
                if sigmoid:
                    down *= h
                    down *= np.float32(1) - h
                else:
                    down *= h > 0
                g = down
            fused.add_scaled_(weight, step, grad_weight)
            fused.add_scaled_(bias, step, grad_bias)

    def epoch():
        for i in range(0, len(x), 100):
            if alone:  # the products alone
                products(x[i : i + 100])
            else:
                batch(x[i : i + 100], y[i : i + 100])

    return epoch


def main(samples=60000, repeats=5):
    print(f"one epoch of {samples} samples, medians of {repeats}, ms per step (batch 100)")
    for activation, sizes in (("sigmoid", [784, 1000, 10]), ("relu", [784, 256, 256, 10])):
        data = workloads.mnist_shaped(samples)
        epochs = {"badak": workloads.mlp_badak(sizes, activation, data),
                  "torch": workloads.mlp_torch(sizes, activation, data),
                  "lean numpy": lean_numpy(sizes, activation, data),
                  "products alone": lean_numpy(sizes, activation, data, alone=True)}  # fmt: skip
        times = {name: [] for name in epochs}
        for _ in range(repeats):
            for name, epoch in epochs.items():
                start = time.perf_counter()
                epoch()
                times[name].append(time.perf_counter() - start)
        steps = samples / 100
        medians = {name: statistics.median(t) / steps * 1e3 for name, t in times.items()}
        ratios = ", ".join(f"{name} {m:.3f} ms ({m / medians['torch']:.2f})"
                           for name, m in medians.items())  # fmt: skip
        print(f"{activation} {'-'.join(map(str, sizes))}: {ratios}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
