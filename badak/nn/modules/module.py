"""PyTorch's path torch.nn.modules.module: the same classes as badak.nn."""

from badak.nn.module import Module

__all__ = ["Module"]
