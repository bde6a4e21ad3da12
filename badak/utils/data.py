"""`badak.utils.data`, as torch.utils.data: the datasets and loaders of badak.data under
PyTorch's path (`from badak.utils.data import DataLoader, TensorDataset`)."""

from badak.data import *  # noqa: F403  (the same names, by design)
from badak.data import __all__  # noqa: F401
