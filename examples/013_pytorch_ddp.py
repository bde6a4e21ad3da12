"""Data-parallel training as a PyTorch DistributedDataParallel script: an MLP on the digits,
each rank training on its DistributedSampler share, gradients averaged by DDP.

    mpiexec -n 2 python examples/013_pytorch_ddp.py --epochs 5

Only the imports differ from the PyTorch version (there: `import torch`, `torch.distributed`,
`torch.nn.parallel`, `torch.utils.data`, started with torchrun instead of mpiexec).
"""

import argparse

from sklearn.datasets import load_digits

import badak as torch
import badak.distributed as dist
import badak.nn as nn
import badak.nn.functional as F
from badak.nn.parallel import DistributedDataParallel as DDP
from badak.utils.data import DataLoader, TensorDataset
from badak.utils.data.distributed import DistributedSampler


def main():
    parser = argparse.ArgumentParser(description="DDP on the digits")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch")
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()

    dist.init_process_group(backend="gloo")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)

    digits = load_digits()
    dataset = TensorDataset(
        torch.tensor(digits.data / 16.0, dtype=torch.float32), torch.tensor(digits.target)
    )
    sampler = DistributedSampler(dataset, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=args.batch_size // world_size, sampler=sampler)

    model = DDP(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        model.train()
        totals = torch.zeros(3, dtype=torch.float64)  # loss sum, correct, seen
        for data, target in loader:
            optimizer.zero_grad()
            output = model(data)
            loss = F.cross_entropy(output, target)
            loss.backward()
            optimizer.step()
            correct = (output.argmax(dim=1) == target).sum().item()
            totals += torch.tensor([loss.item() * len(target), correct, len(target)],
                                   dtype=torch.float64)  # fmt: skip
        dist.all_reduce(totals)  # every rank's share of the epoch
        if rank == 0:
            loss_sum, correct, seen = totals.tolist()
            print(f"epoch {epoch}: loss {loss_sum / seen:.4f} accuracy {correct / seen:.4f} "
                  f"on {int(seen)} samples over {world_size} rank(s)")  # fmt: skip
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
