"""PyTorch's path torch.nn.modules.batchnorm: the same classes as badak.nn."""

from badak.nn.normalization import BatchNorm1d, BatchNorm2d

__all__ = ["BatchNorm1d", "BatchNorm2d"]
