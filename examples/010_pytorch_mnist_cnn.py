"""A PyTorch-style CNN on Fashion-MNIST, run on badak: two convolutions, max pooling, dropout and
two linear layers, trained with Adadelta and a StepLR schedule (the shape of pytorch/examples'
mnist program, written for badak's tests). Only the imports name badak; with them pointed at torch
the same file trains on PyTorch.

Run: python examples/010_pytorch_mnist_cnn.py [--epochs 1] [--limit 6000]
Data: Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist puts them in
/usr/share/datasets/fashion-mnist; --data names another folder).
"""

import argparse
import gzip
import time
from pathlib import Path

import numpy as np

import badak as torch
import badak.nn as nn
import badak.nn.functional as F
import badak.optim as optim
from badak.optim.lr_scheduler import StepLR
from badak.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(32 * 12 * 12, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def read_idx(path):
    """An IDX file (optionally gzipped) as a NumPy array."""
    data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(folder, prefix, limit):
    def find(stem):
        return next(p for p in (folder / stem, folder / f"{stem}.gz") if p.exists())

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))[:limit]
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))[:limit]
    x = torch.tensor((images.astype(np.float32) / 255 - 0.2860) / 0.3530).unsqueeze(1)
    return TensorDataset(x, torch.tensor(labels.astype(np.int64)))


def train(model, loader, optimizer):
    model.train()
    for data, target in loader:
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
    return loss.item()


def test(model, loader):
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            total_loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1).eq(target).sum().item()
    return total_loss / len(loader.dataset), correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=60000, help="training images to use")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    folder = Path(args.data)
    train_loader = DataLoader(load(folder, "train", args.limit), batch_size=args.batch_size,
                              shuffle=True)  # fmt: skip
    test_loader = DataLoader(load(folder, "t10k", 10000), batch_size=1000)
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        last_loss = train(model, train_loader, optimizer)
        loss, accuracy = test(model, test_loader)
        scheduler.step()
        print(f"epoch {epoch}: last batch loss {last_loss:.4f}, test loss {loss:.4f}, "
              f"test accuracy {accuracy:.4f} ({time.perf_counter() - start:.1f} s)")  # fmt: skip
    print(f"final test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
