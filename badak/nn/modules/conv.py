"""PyTorch's path torch.nn.modules.conv: the same classes as badak.nn."""

from badak.nn.conv import Conv1d, Conv2d, ConvTranspose2d

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]
