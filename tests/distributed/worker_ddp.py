"""Run under mpiexec: DistributedDataParallel's gradients against one process's gradients of
the whole batch, in float64 (to 1e-12) and float32 (to 1e-6)."""

import numpy as np

import badak
import badak.distributed as dist
import badak.nn as nn
import badak.nn.functional as F

dist.init_process_group()
rank, size = dist.get_rank(), dist.get_world_size()
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=1e-6, atol=1e-6)}


class Tied(nn.Module):
    """A convolution, and an embedding whose weight is used twice (as PyTorch's tied LMs)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.embed = nn.Embedding(10, 6)
        self.hidden = nn.Linear(3 * 16 + 6, 6)

    def forward(self, images, tokens):
        features = badak.cat([self.conv(images).relu().flatten(1), self.embed(tokens)], dim=1)
        return self.hidden(features) @ self.embed.weight.T  # (B, 10): the embedding again


def batch(dtype, n=12):
    rng = np.random.default_rng(3)
    images = badak.tensor(rng.standard_normal((n, 1, 4, 4)).astype(dtype))
    tokens = badak.tensor(rng.integers(0, 10, n))
    targets = badak.tensor(rng.integers(0, 10, n))
    return images, tokens, targets


def full_batch_gradients(model, dtype):
    images, tokens, targets = batch(dtype)
    model.zero_grad()
    F.cross_entropy(model(images, tokens), targets).backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


def share(tensor):
    n = len(tensor) // size
    return tensor[rank * n : (rank + 1) * n]


for dtype in (np.float64, np.float32):
    for cap in (25, 0.0005):  # one bucket per dtype, or one per parameter
        badak.manual_seed(rank)  # different weights on each rank: DDP copies rank 0's
        model = Tied().to(badak.float64 if dtype is np.float64 else badak.float32)
        ddp = dist.DistributedDataParallel(model, bucket_cap_mb=cap)
        images, tokens, targets = batch(dtype)
        F.cross_entropy(ddp(share(images), share(tokens)), share(targets)).backward()
        averaged = [p.grad.numpy().copy() for p in model.parameters()]
        expected = full_batch_gradients(model, dtype)
        for got, want in zip(averaged, expected):
            np.testing.assert_allclose(got, want, **TOLERANCE[dtype])

# no_sync: two half batches accumulated locally, averaged by the synced backward after
badak.manual_seed(0)
model = Tied().double()
ddp = dist.DistributedDataParallel(model)
images, tokens, targets = batch(np.float64)
mine = [share(t) for t in (images, tokens, targets)]
half = len(mine[0]) // 2
with ddp.no_sync():
    (F.cross_entropy(ddp(mine[0][:half], mine[1][:half]), mine[2][:half]) / 2).backward()
local = model.hidden.bias.grad.numpy().copy()
(F.cross_entropy(ddp(mine[0][half:], mine[1][half:]), mine[2][half:]) / 2).backward()
assert not np.allclose(local, model.hidden.bias.grad.numpy())
for got, want in zip([p.grad.numpy().copy() for p in model.parameters()],
                     full_batch_gradients(model, np.float64)):  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

# a parameter the output does not use: find_unused_parameters; its .grad stays None
model = nn.ModuleDict({"used": nn.Linear(3, 2), "unused": nn.Linear(3, 2)}).double()
ddp = dist.DistributedDataParallel(model, find_unused_parameters=True)
for _ in range(2):
    ddp.module["used"](badak.ones(4, 3, dtype=badak.float64)).sum().backward()  # not via ddp
model.zero_grad()


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x):
        return self.a(x) if rank == 0 else self.b(x)  # each rank uses another layer


model = Branchy().double()
ddp = dist.DistributedDataParallel(model, find_unused_parameters=True)
ddp(badak.ones(4, 3, dtype=badak.float64)).sum().backward()
expect_a = np.full((2, 3), 4.0 / size)
np.testing.assert_allclose(model.a.weight.grad.numpy(), expect_a)  # averaged with rank 1's 0
assert model.b.weight.grad is not None  # used on rank 1: every rank steps it the same

# state_dict keys: "module." on the wrapper, the inner module's own below it
assert list(ddp.state_dict()) == ["module.a.weight", "module.a.bias", "module.b.weight",
                                  "module.b.bias"]  # fmt: skip
assert list(ddp.module.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
ddp.load_state_dict(model.state_dict())  # the inner keys load too

# converting the module after wrapping it: a clear error, not gradients cast to float32
model = nn.Linear(3, 2)
ddp = dist.DistributedDataParallel(model)
model.double()
try:
    ddp(badak.ones(4, 3, dtype=badak.float64)).sum().backward()
except RuntimeError as error:
    assert "parameter bias changed to float64 (2,) after it was wrapped" in str(error), error
else:
    raise AssertionError("a float64 gradient went into a float32 bucket")

# a module whose parameters differ between ranks: an error on every rank
try:
    dist.DistributedDataParallel(nn.Linear(3 + rank, 2))
except dist.DistributedError as error:
    assert "rank 0 has weight float32 (2, 3)" in str(error), error
    assert "rank 1 has weight float32 (2, 4)" in str(error), error
else:
    raise AssertionError("DistributedDataParallel took parameters of different shapes")
print(f"rank {rank}: ddp ok")
