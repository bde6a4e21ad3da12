"""How the cost of training grows, badak beside PyTorch, one thread each: the time of one epoch
of 8192 MNIST-shaped samples (MLP 784-W-10, relu, SGD) against the batch size (8 to 1024, W =
256) and against the width W (64 to 4096, batch 128). Medians of --repeats epochs.

    OPENBLAS_NUM_THREADS=1 python benchmarks/growth.py [--repeats 3] [--plot docs/growth.png]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workloads as W  # noqa: E402

SAMPLES = 8192
BATCHES = (8, 16, 32, 64, 128, 256, 512, 1024)
WIDTHS = (64, 128, 256, 512, 1024, 2048, 4096)


def epoch(library, width, batch, data):
    """One epoch's function for `library` (badak or torch)."""
    import badak
    import badak.nn.functional as F

    x, y = data
    if library == "torch":
        torch = W._torch()
        model = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.ReLU(),
                                    torch.nn.Linear(width, 10))  # fmt: skip
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def run():
            for i in range(0, SAMPLES, batch):
                loss = torch.nn.functional.cross_entropy(model(tx[i : i + batch]),
                                                         ty[i : i + batch])  # fmt: skip
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        return run
    model = badak.nn.Sequential(badak.nn.Linear(784, width), badak.nn.ReLU(),
                                badak.nn.Linear(width, 10))  # fmt: skip
    optimizer = badak.optim.SGD(model.parameters(), lr=0.05)

    def run():
        for i in range(0, SAMPLES, batch):
            loss = F.cross_entropy(model(badak.Tensor(x[i : i + batch])),
                                   badak.Tensor(y[i : i + batch]))  # fmt: skip
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    return run


def timed(steps, repeats):
    """Median seconds of each step, interleaved."""
    times = {name: [] for name in steps}
    for step in steps.values():
        step()
    for _ in range(repeats):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def sweep(points, make, repeats, data):
    rows = []
    for point in points:
        width, batch = make(point)
        times = timed({lib: epoch(lib, width, batch, data) for lib in ("badak", "torch")},
                      repeats)  # fmt: skip
        rows.append((point, times["badak"], times["torch"]))
        print(f"| {point} | {times['badak'] * 1e3:.0f} ms | {times['torch'] * 1e3:.0f} ms "
              f"| {times['badak'] / times['torch']:.2f} |", flush=True)  # fmt: skip
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plot", help="write the two curves to this PNG")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    data = W.mnist_shaped(SAMPLES)
    print(f"One epoch of {SAMPLES} samples, MLP 784-W-10, SGD; medians of {args.repeats}.\n")
    print("| batch (W = 256) | badak | torch | badak / torch |\n|---|---|---|---|")
    by_batch = sweep(BATCHES, lambda b: (256, b), args.repeats, data)
    print("\n| width W (batch 128) | badak | torch | badak / torch |\n|---|---|---|---|")
    by_width = sweep(WIDTHS, lambda w: (w, 128), args.repeats, data)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(1, 2, figsize=(10, 4))
        for axis, rows, label in ((axes[0], by_batch, "batch size (W = 256)"),
                                  (axes[1], by_width, "width W (batch 128)")):  # fmt: skip
            points = [r[0] for r in rows]
            axis.loglog(points, [r[1] for r in rows], "o-", label="badak")
            axis.loglog(points, [r[2] for r in rows], "s--", label="PyTorch")
            axis.set_xscale("log", base=2)
            axis.set_xlabel(label)
            axis.set_ylabel(f"seconds per epoch of {SAMPLES} samples")
            axis.grid(True, which="both", alpha=0.3)
            axis.legend()
        figure.suptitle("How the cost of an epoch grows (one thread each)")
        figure.tight_layout()
        figure.savefig(args.plot, dpi=100)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
