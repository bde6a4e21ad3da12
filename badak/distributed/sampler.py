"""DistributedSampler: each rank's share of a dataset's indices, as
torch.utils.data.distributed.DistributedSampler."""

import math

from badak.data.sampler import Sampler
from badak.device import np
from badak.distributed.group import _group


class DistributedSampler(Sampler):
    """Rank `rank`'s indices of `dataset`: every num_replicas-th index of one order that all
    ranks share (shuffled from `seed` + the epoch, so call set_epoch(epoch) each epoch).

    Without drop_last the order is padded with its own first indices up to a multiple of
    num_replicas, so every rank gets ceil(N / num_replicas) indices; with drop_last the tail
    that does not divide evenly is left out.

    Args:
        dataset: anything with a length.
        num_replicas, rank: default: the process group's world size and rank.
        shuffle: a new order every epoch (else 0 .. N-1).
        seed: the same on every rank.
        drop_last: leave out the tail rather than pad.
    Raises:
        ValueError for a rank outside [0, num_replicas) or fewer samples than replicas.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):  # fmt: skip
        if num_replicas is None:
            num_replicas = _group("DistributedSampler").size
        if rank is None:
            rank = _group("DistributedSampler").rank
        for name, value in (("num_replicas", num_replicas), ("rank", rank), ("seed", seed)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"DistributedSampler: {name} must be an int, got {value!r}")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: rank must be in [0, {num_replicas - 1}], got {rank}"
            )
        n = len(dataset)
        if n < num_replicas:
            raise ValueError(
                f"DistributedSampler: {n} samples cannot be shared among {num_replicas} ranks: "
                "every rank needs at least one"
            )
        self.dataset = dataset
        self.num_replicas, self.rank = int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        if self.drop_last:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.total_size > n:  # pad with the order's own start (it may need to wrap)
            order = np.resize(order, self.total_size)
        order = order[: self.total_size]
        return iter(order[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use a new order for `epoch` (the same on every rank)."""
        self.epoch = int(epoch)
