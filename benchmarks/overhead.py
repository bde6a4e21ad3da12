"""Per-op overhead: `(x * 2 + 1).sum()` and its backward on 2 elements, badak against PyTorch.

Run by hand: `OPENBLAS_NUM_THREADS=1 python benchmarks/overhead.py`. One thread for both; the two
frameworks are timed interleaved, and the median over repetitions is printed with the ratio.
"""

import os
import statistics
import sys
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

import badak  # noqa: E402

OPS = 3  # mul, add, sum; each timed with its share of the backward


def badak_step(x):
    y = (x * 2 + 1).sum()
    y.backward()


def torch_step(x):
    y = (x * 2 + 1).sum()
    y.backward()


def per_op_us(step, x, number):
    return timeit.timeit(lambda: step(x), number=number) / number / OPS * 1e6


def main(repeats=15, number=2000):
    peers = {"badak": (badak_step, badak.tensor(np.ones(2, np.float32), requires_grad=True))}
    try:
        import torch

        torch.set_num_threads(1)
        peers["torch"] = (torch_step, torch.ones(2, requires_grad=True))
    except ImportError:
        print("torch: not installed, not measured", file=sys.stderr)
    times = {name: [] for name in peers}
    for _ in range(repeats):
        for name, (step, x) in peers.items():
            times[name].append(per_op_us(step, x, number))
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"{'framework':<10}{'us/op (median)':>16}{'ratio to torch':>16}")
    for name, median in medians.items():
        ratio = median / medians["torch"] if "torch" in medians else float("nan")
        print(f"{name:<10}{median:>16.2f}{ratio:>16.3f}")


if __name__ == "__main__":
    main()
