"""`badak.utils.data`, as torch.utils.data: the datasets and loaders of badak.data under
PyTorch's path (`from badak.utils.data import DataLoader, TensorDataset`), and
DistributedSampler (`badak.utils.data.distributed`)."""

from badak.data import *  # noqa: F403  (the same names, by design)
from badak.data import __all__ as _data_names
from badak.distributed.sampler import DistributedSampler
from badak.utils.data import distributed

__all__ = [*_data_names, "DistributedSampler", "distributed"]
