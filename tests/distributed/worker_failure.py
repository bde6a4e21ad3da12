"""Run under mpiexec: DDP training in which rank 1 fails at step 20, as argv[1] says: `raise`
(an exception nothing catches) or `kill` (SIGKILL, as the out-of-memory killer would)."""

import os
import signal
import sys

import badak
import badak.distributed as dist
import badak.nn as nn

dist.init_process_group()
model = dist.DistributedDataParallel(nn.Linear(4, 2))
optimizer = badak.optim.SGD(model.parameters(), lr=0.1)
for step in range(100_000):
    if dist.get_rank() == 1 and step == 20:
        if sys.argv[1] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise ValueError("a bad batch on rank 1")
    loss = model(badak.randn(8, 4)).square().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
