"""Data-parallel scaling of `badak train` on MPI, one BLAS thread per rank.

    python benchmarks/distributed.py [--epochs 4] [--repeats 200]

1. Samples per second of `badak train --data fashion-mnist --model mlp --batch-size 256` on 1
   and on 2 ranks (`mpiexec -n 2`), from the epochs' wall times in metrics.json (each epoch
   includes scoring the 10,000 validation images and rank 0's checkpoint), the median of the
   epochs after the first.
2. The same data-parallel loop written once for badak and for PyTorch (DistributedSampler,
   DDP, Adam, global batch 256; PyTorch on its gloo backend, started by the same mpiexec), for
   the MLP and for `--model cnn`'s network: training samples per second on 1 and 2 ranks.
3. The gradient Allreduce per step (the MLP's, the CNN's of `--model cnn`, and 25 MB, PyTorch's
   bucket) on 2 ranks, against the ring bound 2(K-1)/K * bytes / bandwidth, the bandwidth
   being this machine's memory copy rate (the ranks share memory).
4. One rank's compute per step (forward, backward, Adam) of each model at batch 256, which
   docs/guides/distributed.md's cost model scales to K machines.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

BIN = Path(sys.executable).parent
TRAIN_ROWS = 60_000


def train_rate(ranks, epochs):
    """(samples per second, seconds per epoch) of `badak train` on `ranks` ranks."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "badak", "train", "--data", "fashion-mnist",
                   "--model", "mlp", "--batch-size", "256", "--epochs", str(epochs),
                   "--quiet", "--out", folder]  # fmt: skip
        if ranks > 1:
            command = [str(BIN / "mpiexec"), "-n", str(ranks), *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        rows = json.loads((Path(folder) / "metrics.json").read_text())["epochs"]
    seconds = statistics.median(row["seconds"] for row in rows[1:])
    return TRAIN_ROWS / seconds, seconds


def parameter_counts():
    from badak.classifier import build_network, cnn_architecture

    mlp = {"model": "mlp", "in_features": 784, "hidden": [128, 64], "out_features": 10,
           "activation": "relu"}  # fmt: skip
    cnn = cnn_architecture((1, 28, 28), 10, hidden=(128,), activation="relu")
    return {name: build_network(a) for name, a in (("mlp", mlp), ("cnn", cnn))}


def compute_per_step(networks, repeats=20):
    """Median seconds of one forward, backward and Adam step at batch 256, per model."""
    import badak
    from badak.functions.cross_entropy import cross_entropy

    rng = np.random.default_rng(0)
    result = {}
    for name, network in networks.items():
        x = badak.tensor(rng.standard_normal((256, 784)).astype(np.float32))  # the CNN unflattens
        y = badak.tensor(rng.integers(0, 10, 256))
        optimizer = badak.optim.Adam(network.parameters(), lr=1e-3)
        times = []
        for _ in range(repeats + 2):
            started = time.perf_counter()
            loss = cross_entropy(network(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            times.append(time.perf_counter() - started)
        result[name] = statistics.median(times[2:])
    return result


def copy_bandwidth():
    """Bytes per second of a 64 MB memory copy (the median of 20)."""
    source, target = np.ones(16 * 1024**2, np.float32), np.empty(16 * 1024**2, np.float32)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - started)
    return source.nbytes / statistics.median(times)


def loop_worker(library, model_name, steps):
    """Under mpiexec: the training samples per second of a PyTorch-style DDP loop on
    Fashion-MNIST (global batch 256 over the median step, after 3 to warm up), in `library`
    (badak or torch); printed by rank 0."""
    rank, size = int(os.environ.get("PMI_RANK", 0)), int(os.environ.get("PMI_SIZE", 1))
    if library == "torch":
        import torch

        torch.set_num_threads(1)
        os.environ.update(RANK=str(rank), WORLD_SIZE=str(size), MASTER_ADDR="127.0.0.1",
                          MASTER_PORT=os.environ.get("BENCH_PORT", "29533"))  # fmt: skip
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel
        from torch.utils.data import DataLoader, TensorDataset
        from torch.utils.data.distributed import DistributedSampler

        backend = "gloo"
    else:
        import badak as torch
        import badak.distributed as dist
        from badak.nn.parallel import DistributedDataParallel
        from badak.utils.data import DataLoader, TensorDataset
        from badak.utils.data.distributed import DistributedSampler

        backend = "mpi"
    from badak.data.fashion_mnist import load_fashion_mnist

    data = load_fashion_mnist()
    images = (data.train_images - data.train_images.mean()) / data.train_images.std()
    if model_name == "cnn":
        images = images.reshape(-1, 1, 28, 28)
    dist.init_process_group(backend=backend)
    torch.manual_seed(0)
    dataset = TensorDataset(torch.tensor(images), torch.tensor(data.train_labels))
    sampler = DistributedSampler(dataset, seed=0)
    loader = DataLoader(dataset, batch_size=256 // size, sampler=sampler)
    nn = torch.nn
    if model_name == "cnn":  # `badak train --model cnn`'s network
        layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128),
                  nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10)]  # fmt: skip
    else:
        layers = [nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                  nn.Linear(64, 10)]  # fmt: skip
    model = DistributedDataParallel(nn.Sequential(*layers))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, epoch = [], 0
    while len(seconds) < steps + 3:
        sampler.set_epoch(epoch)
        epoch += 1
        batches = iter(loader)
        while len(seconds) < steps + 3:
            started = time.perf_counter()
            batch = next(batches, None)
            if batch is None:
                break
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(batch[0]), batch[1]).backward()
            optimizer.step()
            seconds.append(time.perf_counter() - started)
    if rank == 0:
        print(json.dumps(256 / statistics.median(seconds[3:])))
    dist.destroy_process_group()


def allreduce_worker(sizes, repeats):
    """Under mpiexec: the median seconds of an in-place Allreduce of each size (float32), as
    DistributedDataParallel starts and waits for one bucket."""
    import badak.distributed as dist
    from badak.distributed import group as process_group

    dist.init_process_group()
    group = process_group._GROUP
    comm, mpi = group.comm, process_group._mpi()
    result = {}
    for name, size in sizes.items():
        buffer = np.ones(size, np.float32)
        times = []
        for _ in range(repeats + 5):
            comm.Barrier()
            started = time.perf_counter()
            group.wait(comm.Iallreduce(mpi.IN_PLACE, buffer), "benchmark")
            times.append(time.perf_counter() - started)
        result[name] = statistics.median(times[5:])
    if dist.get_rank() == 0:
        print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--allreduce-worker", help=argparse.SUPPRESS)
    parser.add_argument("--loop-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop_worker:
        library, model_name, steps = args.loop_worker
        loop_worker(library, model_name, int(steps))
        return
    if args.allreduce_worker:
        allreduce_worker(json.loads(args.allreduce_worker), args.repeats)
        return

    networks = parameter_counts()
    counts = {n: sum(p.numel() for p in net.parameters()) for n, net in networks.items()}
    sizes = {**counts, "25 MB bucket": 25 * 1024**2 // 4}
    print(f"# badak data-parallel benchmark ({os.cpu_count()} cores, one BLAS thread per rank)")
    print()
    print("| ranks | samples/s | s/epoch | speed-up |")
    print("|---|---|---|---|")
    one = None
    for ranks in (1, 2):
        rate, seconds = train_rate(ranks, args.epochs)
        one = one or rate
        print(f"| {ranks} | {rate:,.0f} | {seconds:.2f} | {rate / one:.2f}x |")
    print()
    print("The same DDP loop (training steps only), badak against PyTorch (gloo):")
    print()
    print("| model | ranks | badak samples/s | speed-up | PyTorch samples/s | speed-up "
          "| badak / PyTorch |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for model_name, steps in (("mlp", 400), ("cnn", 24)):
        first = {}
        for ranks in (1, 2):
            rates = {}
            for library in ("badak", "torch"):
                command = [str(BIN / "mpiexec"), "-n", str(ranks), sys.executable, __file__,
                           "--loop-worker", library, model_name, str(steps)]  # fmt: skip
                job = subprocess.run(command, check=True, capture_output=True, text=True)
                rates[library] = float(job.stdout.strip().splitlines()[-1])
                first.setdefault(library, rates[library])
            print(f"| {model_name} | {ranks} | {rates['badak']:,.0f} "
                  f"| {rates['badak'] / first['badak']:.2f}x | {rates['torch']:,.0f} "
                  f"| {rates['torch'] / first['torch']:.2f}x "
                  f"| {rates['badak'] / rates['torch']:.2f} |")  # fmt: skip
    print()
    bandwidth = copy_bandwidth()
    worker = [str(BIN / "mpiexec"), "-n", "2", sys.executable, __file__,
              "--allreduce-worker", json.dumps(sizes), "--repeats", str(args.repeats)]  # fmt: skip
    measured = json.loads(subprocess.run(worker, check=True, capture_output=True,
                                         text=True).stdout.strip().splitlines()[-1])  # fmt: skip
    compute = compute_per_step(networks)
    print(f"memory copy bandwidth: {bandwidth / 1e9:.1f} GB/s")
    print()
    print("| gradient | floats | Allreduce, 2 ranks | ring bound | ratio | compute/step, 1 rank |")
    print("|---|---|---|---|---|---|")
    for name, size in sizes.items():
        bound = 2 * (2 - 1) / 2 * size * 4 / bandwidth
        step = f"{compute[name] * 1e3:.2f} ms" if name in compute else "-"
        print(f"| {name} | {size:,} | {measured[name] * 1e6:,.0f} us | {bound * 1e6:,.0f} us "
              f"| {measured[name] / bound:.1f}x | {step} |")  # fmt: skip


if __name__ == "__main__":
    main()
