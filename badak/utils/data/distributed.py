"""`badak.utils.data.distributed`, as torch.utils.data.distributed: DistributedSampler."""

from badak.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
