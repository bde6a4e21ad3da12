"""What bounds the workloads whose goal (badak / torch) is not met: the share of badak's step that
is matrix products through MKL, the BLAS PyTorch uses too, against PyTorch's whole step.

Run by hand: `OPENBLAS_NUM_THREADS=1 python benchmarks/bounds.py [repeats]`. One thread each.
For each layer workload it prints badak's and torch's step (medians, interleaved), then the time
badak's step spends inside its products (kernels.blas: gemm, batched and packed products),
measured over the same steps. Where the products alone take more than the goal times torch's
step, no change outside them meets the goal. For the per-op overhead it prints the time of the
step's NumPy calls alone (the arithmetic any NumPy engine makes), so that the rest is the
engine's Python.
"""

import os
import statistics
import sys
import time
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import layer_workloads as L  # noqa: E402
import numpy as np  # noqa: E402
from run import available, interleaved  # noqa: E402
from workloads import overhead_badak, overhead_torch  # noqa: E402

from badak.kernels import blas  # noqa: E402


class ProductClock:
    """Seconds spent in kernels.blas's products while installed: gemm, the batched products and
    the packed ones (one level: a product that falls back to gemm is counted once)."""

    def __init__(self):
        self.seconds, self.depth = 0.0, 0
        self.saved = blas.gemm, blas._batched, blas._PackedProducts.__call__

    def wrap(self, function):
        def timed(*args, **kwargs):
            self.depth += 1
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - start

        return timed

    def __enter__(self):
        blas.gemm, blas._batched = self.wrap(self.saved[0]), self.wrap(self.saved[1])
        blas._PackedProducts.__call__ = self.wrap(self.saved[2])
        return self

    def __exit__(self, *exc_info):
        blas.gemm, blas._batched, blas._PackedProducts.__call__ = self.saved


def layer_bounds(repeats):
    for name, description in L.SHAPES.items():
        steps, missing = available({"badak": lambda name=name: L.layer_badak(name),
                                    "torch": lambda name=name: L.layer_torch(name)})  # fmt: skip
        if missing:
            print(f"{name}: torch not installed, not measured")
            continue
        times = interleaved(steps, repeats)
        products = []
        for _ in range(repeats):
            with ProductClock() as clock:
                steps["badak"]()
            products.append(clock.seconds)
            steps["torch"]()  # as in the interleaved timing: torch's step between badak's
        alone = statistics.median(products)
        goal = L.TARGETS[name]
        print(f"{description}\n  badak {times['badak'] * 1e3:.1f} ms, torch "
              f"{times['torch'] * 1e3:.1f} ms ({times['badak'] / times['torch']:.2f}); badak's "
              f"products alone {alone * 1e3:.1f} ms = {alone / times['torch']:.2f} of torch's "
              f"step (goal {goal})")  # fmt: skip


def overhead_bounds(repeats, number=2000):
    """(x*2+1).sum() + backward on 2 elements: badak's and torch's step per op, and the NumPy
    calls the step needs: the forward's three and the backward's (a ones seed, the sum's
    gradient spread, the product's gradient, the leaf's copy)."""
    x = np.ones(2, np.float32)

    def numpy_calls():
        y = (x * 2 + 1).sum()
        seed = np.ones_like(y)
        spread = np.empty(x.shape, np.float32)
        spread[...] = seed
        np.array(spread * 2, copy=True)

    steps = {"badak": overhead_badak(), "torch": overhead_torch(), "numpy calls": numpy_calls}
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            times[name].append(timeit.timeit(step, number=number) / number / 3)
    badak, torch, numpy = (statistics.median(times[n]) * 1e6 for n in steps)
    print(
        f"(x*2+1).sum() + backward, per op\n  badak {badak:.2f} us, torch {torch:.2f} us "
        f"({badak / torch:.2f}); its NumPy calls alone {numpy:.2f} us, the engine's Python "
        f"{badak - numpy:.2f} us; the goal 0.4 leaves it {0.4 * torch - numpy:.2f} us"
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    overhead_bounds(count)
    layer_bounds(count)
