"""Neural-network building blocks; `badak.nn.functional` holds the functions PyTorch-style."""

from badak.nn import functional

__all__ = ["functional"]
