"""PyTorch's path torch.nn.modules.flatten: the same classes as badak.nn."""

from badak.nn.layers import Flatten

__all__ = ["Flatten"]
